//! Streaming with `Range`, `ETag`/`If-Range`, content types and signed URLs.

use crate::support::{TestServer, audio};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;
use tonearm_protocol::BlobHash;

#[tokio::test]
async fn ranges_of_every_form() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(10_000, 30);
    let track = ann.upload_track(&data).await;
    let path = format!("/api/v1/tracks/{}/stream", track.id);
    let cases: &[(&str, usize, usize)] = &[
        ("bytes=0-99", 0, 100),
        ("bytes=9900-", 9900, 10_000),
        ("bytes=-500", 9500, 10_000),
        ("bytes=-20000", 0, 10_000),
        ("bytes=9000-20000", 9000, 10_000),
        ("bytes=5-5", 5, 6),
        ("bytes=20000-30000, 100-199", 100, 200),
        ("bytes=0-9, 50-59", 0, 10),
    ];
    for (range, start, end) in cases {
        let response = ann
            .request(Method::GET, &path)
            .header("Range", *range)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes {start}-{}/10000", end - 1).as_str(),
            "{range}"
        );
        assert_eq!(
            response.headers()["content-length"],
            (end - start).to_string().as_str()
        );
        assert_eq!(
            response.bytes().await.unwrap(),
            &data[*start..*end],
            "{range}"
        );
    }
    for range in ["bytes=10000-", "bytes=20000-20001", "bytes=-0"] {
        let response = ann
            .request(Method::GET, &path)
            .header("Range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::RANGE_NOT_SATISFIABLE,
            "{range}"
        );
        assert_eq!(response.headers()["content-range"], "bytes */10000");
    }
    for ignored in ["bytes=5-1", "lines=1-2", "bytes=abc"] {
        let response = ann
            .request(Method::GET, &path)
            .header("Range", ignored)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{ignored} is ignored");
        assert_eq!(response.bytes().await.unwrap(), data);
    }
}

#[tokio::test]
async fn etag_if_range_and_content_type() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(1000, 31);
    let hash = ann.upload(&data).await;
    let track = ann.create_track(&hash, "mp3").await;
    let path = format!("/api/v1/tracks/{}/stream", track.id);
    let response = ann.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let etag = format!("\"{}\"", BlobHash::of(&data));
    assert_eq!(response.headers()["etag"], etag.as_str());
    assert_eq!(response.headers()["content-type"], "audio/mpeg");
    assert_eq!(response.headers()["accept-ranges"], "bytes");

    let response = ann
        .request(Method::GET, &path)
        .header("Range", "bytes=0-9")
        .header("If-Range", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::PARTIAL_CONTENT,
        "matching If-Range keeps the range"
    );
    let response = ann
        .request(Method::GET, &path)
        .header("Range", "bytes=0-9")
        .header("If-Range", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a stale If-Range gets the whole file"
    );
    assert_eq!(response.bytes().await.unwrap().len(), 1000);

    for (format, mime) in [
        ("flac", "audio/flac"),
        ("opus", "audio/ogg; codecs=opus"),
        ("m4a", "audio/mp4"),
        ("weird", "application/octet-stream"),
    ] {
        let track = ann.create_track(&hash, format).await;
        let response = ann
            .request(Method::GET, &format!("/api/v1/tracks/{}/stream", track.id))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["content-type"], mime, "{format}");
    }
}

#[tokio::test]
async fn head_reports_the_stream_without_a_body() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let track = ann.upload_track(&audio(3000, 35)).await;
    let path = format!("/api/v1/tracks/{}/stream", track.id);
    let response = ann
        .request(Method::HEAD, &path)
        .header("Range", "bytes=-1000")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.headers()["content-length"], "1000");
    assert_eq!(response.headers()["content-range"], "bytes 2000-2999/3000");
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn signed_urls_stream_without_a_token_and_tampering_is_refused() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(5000, 32);
    let track = ann.upload_track(&data).await;
    let response = ann
        .request(
            Method::POST,
            &format!("/api/v1/tracks/{}/stream-url", track.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let url = body["url"].as_str().unwrap();
    let plain = reqwest::Client::new();
    let response = plain
        .get(server.url(url))
        .header("Range", "bytes=-100")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap(), &data[4900..]);

    let flipped_sig = {
        let (head, sig) = url.rsplit_once("sig=").unwrap();
        let first = if sig.starts_with('0') { '1' } else { '0' };
        format!("{head}sig={first}{}", &sig[1..])
    };
    let later = url.replace("expires=", "expires=9");
    for bad in [flipped_sig, later] {
        let response = plain.get(server.url(&bad)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
    }
    // The signature is for this track only.
    let other = ann.upload_track(&audio(10, 33)).await;
    let swapped = url.replace(&track.id.to_string(), &other.id.to_string());
    assert_eq!(
        plain
            .get(server.url(&swapped))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn expired_signed_urls_are_refused() {
    let server = TestServer::start_with(|c| c.stream_url_ttl = Duration::ZERO).await;
    let ann = server.user("ann").await;
    let track = ann.upload_track(&audio(100, 34)).await;
    let body: Value = ann
        .request(
            Method::POST,
            &format!("/api/v1/tracks/{}/stream-url", track.id),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = reqwest::get(server.url(body["url"].as_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Range requests reuse the check of the previous one for a moment (`stream_grants`); a
/// session revoked or a track deleted on this server ends that at once.
#[tokio::test]
async fn a_revoked_session_or_a_deleted_track_stops_streaming_at_once() {
    let server = TestServer::start().await;
    let laptop = server.user("ann").await;
    let phone = server.login("ann").await;
    let data = audio(5_000, 32);
    let track = laptop.upload_track(&data).await;
    let path = format!("/api/v1/tracks/{}/stream", track.id);
    let range = |user: &crate::support::User| {
        user.request(Method::GET, &path)
            .header("Range", "bytes=0-99")
            .send()
    };
    for user in [&laptop, &phone, &phone] {
        assert_eq!(
            range(user).await.unwrap().status(),
            StatusCode::PARTIAL_CONTENT
        );
    }
    let sessions = laptop.get_json("/api/v1/sessions").await;
    let phone_session = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = laptop
        .request(Method::DELETE, &format!("/api/v1/sessions/{phone_session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        range(&phone).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        range(&laptop).await.unwrap().status(),
        StatusCode::PARTIAL_CONTENT
    );
    let deleted = laptop
        .request(Method::DELETE, &format!("/api/v1/tracks/{}", track.id))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        range(&laptop).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}
