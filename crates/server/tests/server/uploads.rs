//! tus uploads: creation, offsets, checksums, limits, hash verification, resumption after a
//! killed client or a killed server, termination and expiry.

use crate::support::{
    PASSWORD, ServerProcess, TestServer, User, audio, error_code, header_u64, location, run_cli,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sha1::Digest;
use std::time::Duration;
use tonearm_protocol::BlobHash;
use tonearm_server::store::{UploadId, UploadPart};

const MIB: usize = 1024 * 1024;

#[tokio::test]
async fn options_advertises_tus_capabilities() {
    let server = TestServer::start_with(|c| c.max_file_size = 12345).await;
    let response = reqwest::Client::new()
        .request(Method::OPTIONS, server.url("/api/v1/uploads"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let h = response.headers();
    assert_eq!(h["tus-version"], "1.0.0");
    assert_eq!(h["tus-resumable"], "1.0.0");
    assert_eq!(h["tus-max-size"], "12345");
    let extensions = h["tus-extension"].to_str().unwrap();
    for ext in ["creation", "checksum", "termination"] {
        assert!(extensions.split(',').any(|e| e == ext), "{extensions}");
    }
    assert!(
        h["tus-checksum-algorithm"]
            .to_str()
            .unwrap()
            .contains("sha1")
    );
}

#[tokio::test]
async fn chunked_upload_is_verified_and_streams_back_byte_identical() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(3 * MIB + 123, 1);
    let upload = ann.create_upload(&data).await;
    assert!(upload.starts_with("/api/v1/uploads/"), "{upload}");
    let mut offset = 0;
    for chunk in data.chunks(MIB) {
        let response = ann.patch(&upload, offset, chunk.to_vec()).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        offset += chunk.len() as u64;
        assert_eq!(header_u64(&response, "upload-offset"), offset);
        assert_eq!(ann.offset(&upload).await, offset);
    }
    let head = ann.tus(Method::HEAD, &upload).send().await.unwrap();
    assert_eq!(
        head.headers()["tonearm-blob-hash"],
        BlobHash::of(&data).as_str()
    );
    assert_eq!(
        head.headers()["upload-metadata"],
        crate::support::blake3_metadata(&data).as_str(),
        "HEAD echoes the metadata"
    );
    assert_eq!(streamed(&ann, &data).await, data);
}

/// One PATCH carrying a file of several parts: they are written while the next ones arrive,
/// hashed on the way, and concatenated under the blob's key without being read back.
#[tokio::test]
async fn a_whole_file_in_one_patch_is_hashed_on_arrival_and_streams_back_byte_identical() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(3 * MIB + MIB / 2 + 7, 2);
    let upload = ann.create_upload(&data).await;
    let response = ann.patch(&upload, 0, data.clone()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        response.headers()["tonearm-blob-hash"],
        BlobHash::of(&data).as_str()
    );
    assert_eq!(streamed(&ann, &data).await, data);
}

/// Bytes that arrive over several requests are hashed when assembled: a mismatch there is
/// refused the same way.
#[tokio::test]
async fn a_resumed_upload_that_does_not_hash_to_the_declared_blake3_is_refused() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let declared = audio(2 * MIB + 10, 5);
    let mut sent = declared.clone();
    sent[2 * MIB] ^= 1;
    let upload = ann.create_upload(&declared).await;
    let first = ann.patch(&upload, 0, sent[..MIB + 3].to_vec()).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    let rest = ann
        .patch(&upload, MIB as u64 + 3, sent[MIB + 3..].to_vec())
        .await;
    assert_eq!(rest.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(rest).await, "hash_mismatch");
    let response = ann
        .post_json(
            "/api/v1/tracks",
            &json!({"blake3": BlobHash::of(&declared)}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// The bytes a track over `data`'s blob streams back (the blob must exist).
async fn streamed(user: &User, data: &[u8]) -> Bytes {
    let track = user.create_track(&BlobHash::of(data), "flac").await;
    user.stream(&track).await
}

#[tokio::test]
async fn requests_without_tus_resumable_are_412() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let response = ann
        .request(Method::POST, "/api/v1/uploads")
        .header("Upload-Length", "10")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);
    assert_eq!(response.headers()["tus-version"], "1.0.0");
}

#[tokio::test]
async fn a_patch_at_the_wrong_offset_is_409_and_changes_nothing() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(1000, 2);
    let upload = ann.create_upload(&data).await;
    assert_eq!(
        ann.patch(&upload, 0, data[..400].to_vec()).await.status(),
        StatusCode::NO_CONTENT
    );
    for wrong in [0, 399, 401, 1000] {
        let response = ann
            .patch(&upload, wrong, data[wrong as usize..].to_vec())
            .await;
        assert_eq!(response.status(), StatusCode::CONFLICT, "offset {wrong}");
        assert_eq!(response.headers()["tus-resumable"], "1.0.0");
        assert_eq!(error_code(response).await, "conflict");
    }
    assert_eq!(ann.offset(&upload).await, 400);
    assert_eq!(
        ann.patch(&upload, 400, data[400..].to_vec()).await.status(),
        StatusCode::NO_CONTENT
    );
}

fn sha1_header(data: &[u8]) -> String {
    format!("sha1 {}", BASE64.encode(sha1::Sha1::digest(data)))
}

#[tokio::test]
async fn checksummed_chunks_are_kept_only_when_the_checksum_matches() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(5000, 3);
    let upload = ann.create_upload(&data).await;
    let send = |offset: u64, chunk: &[u8], checksum: String| {
        ann.tus(Method::PATCH, &upload)
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .header("Upload-Checksum", checksum)
            .body(chunk.to_vec())
            .send()
    };
    let response = send(0, &data[..2000], sha1_header(&data[..2000]))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = send(2000, &data[2000..], sha1_header(b"something else"))
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 460);
    assert_eq!(error_code(response).await, "checksum_mismatch");
    assert_eq!(ann.offset(&upload).await, 2000, "the bad chunk was dropped");
    let response = send(2000, &data[2000..], "md5 AAAA".into()).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "unsupported algorithm"
    );
    let sha256 = format!(
        "sha256 {}",
        BASE64.encode(sha2::Sha256::digest(&data[2000..]))
    );
    let response = send(2000, &data[2000..], sha256).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        response.headers()["tonearm-blob-hash"],
        BlobHash::of(&data).as_str()
    );
}

#[tokio::test]
async fn data_that_does_not_hash_to_the_declared_blake3_never_becomes_a_blob() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let declared = audio(1000, 4);
    let mut sent = declared.clone();
    sent[500] ^= 1;
    let upload = ann.create_upload(&declared).await;
    let response = ann.patch(&upload, 0, sent.clone()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(response).await, "hash_mismatch");
    for hash in [BlobHash::of(&declared), BlobHash::of(&sent)] {
        let response = ann
            .post_json("/api/v1/tracks", &json!({"blake3": hash}))
            .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "no blob {hash}");
    }
    let response = ann.tus(Method::HEAD, &upload).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "the failed upload is gone"
    );
}

#[tokio::test]
async fn empty_or_hashless_metadata_is_accepted_and_the_server_reports_the_hash() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    for metadata in ["", "filename c29uZy5mbGFj"] {
        let data = audio(777, metadata.len() as u64);
        let response = ann.create_upload_with(data.len() as u64, metadata).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{metadata:?}");
        let upload = location(&response);
        let response = ann.patch(&upload, 0, data.clone()).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            response.headers()["tonearm-blob-hash"],
            BlobHash::of(&data).as_str()
        );
        ann.create_track(&BlobHash::of(&data), "mp3").await;
    }
    let response = ann.create_upload_with(10, "blake3 bm90LWEtaGFzaA==").await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "a malformed declared hash is refused"
    );
    let response = ann.create_upload_with(10, "filename ***").await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "bad base64 is refused"
    );
}

#[tokio::test]
async fn files_over_the_size_limit_or_the_quota_are_413() {
    let server = TestServer::start_with(|c| {
        c.max_file_size = 1000;
        c.user_quota = Some(1500);
    })
    .await;
    let ann = server.user("ann").await;
    let response = ann.create_upload_with(1001, "").await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, "too_large");

    ann.upload(&audio(1000, 5)).await;
    let response = ann.create_upload_with(600, "").await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, "quota_exceeded");
    let response = ann.create_upload_with(500, "").await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "what fits the quota is accepted"
    );
    let response = ann.create_upload_with(1, "").await;
    assert_eq!(
        response.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "unfinished uploads count too"
    );

    // Each user sees their own use (finished and reserved bytes) against the quota.
    let storage = ann.get_json("/api/v1/storage").await;
    assert_eq!(storage["used_bytes"], 1500);
    assert_eq!(storage["quota_bytes"], 1500);

    let bob = server.user("bob").await;
    assert_eq!(bob.get_json("/api/v1/storage").await["used_bytes"], 0);
    assert_eq!(
        bob.create_upload_with(1000, "").await.status(),
        StatusCode::CREATED,
        "quotas are per user"
    );
    assert_eq!(bob.get_json("/api/v1/storage").await["used_bytes"], 1000);
    let anonymous = reqwest::Client::new()
        .get(server.url("/api/v1/storage"))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_body_longer_than_the_upload_is_refused() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(100, 6);
    let upload = ann.create_upload(&data).await;
    let mut longer = data.clone();
    longer.extend_from_slice(b"extra");
    assert_eq!(
        ann.patch(&upload, 0, longer).await.status(),
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn terminated_uploads_are_gone() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(100, 7);
    let upload = ann.create_upload(&data).await;
    ann.patch(&upload, 0, data[..50].to_vec()).await;
    let response = ann.tus(Method::DELETE, &upload).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        ann.tus(Method::HEAD, &upload)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ann.patch(&upload, 50, data[50..].to_vec()).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn stale_uploads_expire_with_their_data() {
    let server = TestServer::start_with(|c| c.upload_expiry = Duration::ZERO).await;
    let ann = server.user("ann").await;
    let data = audio(100, 8);
    let upload = ann.create_upload(&data).await;
    ann.patch(&upload, 0, data[..50].to_vec()).await;
    let report = server.server().run_maintenance().await.unwrap();
    assert_eq!(report.expired_uploads, 1);
    assert_eq!(
        ann.tus(Method::HEAD, &upload)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let staged = server.server().blobs().staged_uploads().await.unwrap();
    assert!(staged.is_empty(), "partial data is deleted: {staged:?}");
}

/// A PATCH whose body sends `first` and then stalls until the returned sender is dropped.
pub(crate) fn stalled_patch(
    user: &User,
    upload: &str,
    first: Vec<u8>,
) -> (
    tokio::task::JoinHandle<()>,
    tokio::sync::mpsc::Sender<Bytes>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    let body = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, std::io::Error>(chunk), rx))
    });
    let request = user
        .tus(Method::PATCH, upload)
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(reqwest::Body::wrap_stream(body));
    let task = tokio::spawn(async move {
        let _ = request.send().await;
    });
    let sender = tx.clone();
    tokio::spawn(async move {
        for chunk in first.chunks(64 * 1024) {
            if tx.send(Bytes::copy_from_slice(chunk)).await.is_err() {
                return;
            }
        }
        // Keep the body open: the client "hangs" until it is killed.
        tx.closed().await;
    });
    (task, sender)
}

/// Polls HEAD until the server has committed at least `at_least` bytes (bounded).
pub(crate) async fn wait_for_offset(user: &User, upload: &str, at_least: u64) -> u64 {
    for _ in 0..500 {
        let offset = user.offset(upload).await;
        if offset >= at_least {
            return offset;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server never committed {at_least} bytes");
}

/// Sends the rest from the server's offset, retrying while the old request is still winding
/// down (409), as a tus client does.
async fn resume(user: &User, upload: &str, data: &[u8]) -> u64 {
    for _ in 0..200 {
        let offset = user.offset(upload).await;
        let response = user
            .patch(upload, offset, data[offset as usize..].to_vec())
            .await;
        match response.status() {
            StatusCode::NO_CONTENT => return offset,
            StatusCode::CONFLICT => tokio::time::sleep(Duration::from_millis(20)).await,
            other => panic!("resume failed with {other}"),
        }
    }
    panic!("could not resume");
}

#[tokio::test]
async fn an_upload_resumes_after_the_client_is_killed() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(4 * MIB, 9);
    let upload = ann.create_upload(&data).await;
    let (client, _body) = stalled_patch(&ann, &upload, data[..3 * MIB].to_vec());
    wait_for_offset(&ann, &upload, MIB as u64).await;
    client.abort();
    let _ = client.await;
    let resumed_from = resume(&ann, &upload, &data).await;
    assert!(
        resumed_from >= MIB as u64 && resumed_from <= 3 * MIB as u64,
        "{resumed_from}"
    );
    let bytes = streamed(&ann, &data).await;
    assert!(bytes == data, "the resumed blob is byte-identical");
}

#[tokio::test]
async fn an_upload_resumes_after_the_server_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let (ok, _) = run_cli(&data_dir, &["user", "add", "ann"], &format!("{PASSWORD}\n")).await;
    assert!(ok);
    let mut process = ServerProcess::start(&data_dir).await;
    let login = |base: String| async move {
        let response = reqwest::Client::new()
            .post(format!("{base}/api/v1/sessions"))
            .json(&json!({"username": "ann", "password": PASSWORD, "device": "d"}))
            .send()
            .await
            .unwrap();
        let token = response.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        User {
            token,
            base,
            client: reqwest::Client::new(),
        }
    };
    let ann = login(process.base.clone()).await;
    let data = audio(4 * MIB, 10);
    let upload = ann.create_upload(&data).await;
    let (_client, _body) = stalled_patch(&ann, &upload, data[..3 * MIB].to_vec());
    let committed = wait_for_offset(&ann, &upload, MIB as u64).await;

    process.child.kill().await.unwrap();
    let process = ServerProcess::start(&data_dir).await;
    let ann = User {
        base: process.base.clone(),
        ..ann
    };
    finish_after_a_kill(&ann, &upload, &data, committed).await;
}

/// What a client does after the server taking its upload was killed with at least `committed`
/// of the first 3 MiB of `data` received: ask the offset, send the rest, and check the blob
/// streams back byte for byte.
pub(crate) async fn finish_after_a_kill(user: &User, upload: &str, data: &[u8], committed: u64) {
    let offset = user.offset(upload).await;
    assert!(
        offset >= committed && offset <= 3 * MIB as u64,
        "{committed} <= {offset}"
    );
    let response = user
        .patch(upload, offset, data[offset as usize..].to_vec())
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        response.headers()["tonearm-blob-hash"],
        BlobHash::of(data).as_str()
    );
    let bytes = streamed(user, data).await;
    assert!(bytes == data, "the resumed blob is byte-identical");
}

#[tokio::test]
async fn uploads_survive_a_graceful_restart() {
    let mut server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(2000, 11);
    let upload = ann.create_upload(&data).await;
    ann.patch(&upload, 0, data[..1200].to_vec()).await;
    server.restart().await;
    let ann = User {
        base: server.base.clone(),
        ..ann
    };
    assert_eq!(ann.offset(&upload).await, 1200);
    assert_eq!(
        ann.patch(&upload, 1200, data[1200..].to_vec())
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn an_empty_file_completes_at_creation() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let response = ann
        .create_upload_with(0, &crate::support::blake3_metadata(b""))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["tonearm-blob-hash"],
        BlobHash::of(b"").as_str()
    );
    let upload = location(&response);
    assert_eq!(ann.offset(&upload).await, 0);
    ann.create_track(&BlobHash::of(b""), "wav").await;
}

#[tokio::test]
async fn an_upload_whose_bytes_all_arrived_before_a_crash_is_published_on_the_next_head() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(5000, 12);
    let upload = ann.create_upload(&data).await;
    // The state a crash between the last commit and publication leaves behind.
    let id = UploadId(upload.rsplit('/').next().unwrap().parse().unwrap());
    let key = server
        .server()
        .blobs()
        .stage_part(id, 0, data.clone().into())
        .await
        .unwrap();
    let part = UploadPart {
        start: 0,
        end: 5000,
        key,
    };
    let store = server.server().store();
    assert!(store.commit_upload_parts(id, 0, &[part], 0).await.unwrap());

    let response = ann.tus(Method::HEAD, &upload).send().await.unwrap();
    assert_eq!(header_u64(&response, "upload-offset"), 5000);
    assert_eq!(
        response.headers()["tonearm-blob-hash"],
        BlobHash::of(&data).as_str()
    );
    ann.create_track(&BlobHash::of(&data), "flac").await;
}

#[tokio::test]
async fn removing_a_user_leaves_no_upload_data_behind_after_maintenance() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let bob = server.user("bob").await;
    let data = audio(1000, 13);
    let anns = ann.create_upload(&data).await;
    ann.patch(&anns, 0, data[..500].to_vec()).await;
    let bobs = bob.create_upload(&data).await;
    tonearm_server::users::remove(&*server.server().store(), "ann")
        .await
        .unwrap();
    let report = server.server().run_maintenance().await.unwrap();
    assert_eq!(report.orphaned_upload_files, 1);
    let staged = server.server().blobs().staged_uploads().await.unwrap();
    assert!(staged.is_empty(), "ann's part is gone: {staged:?}");
    assert_eq!(bob.offset(&bobs).await, 0, "bob's upload stays");
    bob.patch(&bobs, 0, data.clone()).await;
    assert_eq!(bob.offset(&bobs).await, 1000);
}

#[tokio::test]
async fn a_second_patch_while_one_is_writing_is_refused() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(3 * MIB, 14);
    let upload = ann.create_upload(&data).await;
    let (_client, _body) = stalled_patch(&ann, &upload, data[..2 * MIB].to_vec());
    let offset = wait_for_offset(&ann, &upload, MIB as u64).await;
    let response = ann
        .patch(&upload, offset, data[offset as usize..].to_vec())
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(error_code(response).await == "conflict");
}

#[tokio::test]
async fn uploads_wait_for_a_free_buffer_then_are_told_to_come_back() {
    let server = TestServer::start_with(|c| {
        c.limits.upload_buffers = 1;
        c.limits.upload_buffer_wait = Duration::from_millis(200);
    })
    .await;
    let ann = server.user("ann").await;
    let (first, second) = (audio(2 * MIB, 15), audio(1000, 16));
    let slow = ann.create_upload(&first).await;
    let (client, _body) = stalled_patch(&ann, &slow, first[..MIB].to_vec());
    wait_for_offset(&ann, &slow, MIB as u64).await;
    // The only buffer is held by the stalled request.
    let other = ann.create_upload(&second).await;
    let response = ann.patch(&other, 0, second.clone()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(ann.offset(&other).await, 0, "nothing was received");
    // Once the slow client goes, the buffer is free again.
    client.abort();
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..100 {
        status = ann.patch(&other, 0, second.clone()).await.status();
        if status != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, StatusCode::NO_CONTENT);
}
