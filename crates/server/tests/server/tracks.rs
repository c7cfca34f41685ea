//! Cloud track records and garbage collection of blobs nobody uses.

use crate::support::{TestServer, audio, error_code};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tonearm_protocol::{BlobHash, CloudTrack, TrackId};

#[tokio::test]
async fn tracks_are_created_listed_updated_and_deleted() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let hash = ann.upload(&audio(500, 40)).await;
    let minted = TrackId::new_random();
    let response = ann
        .post_json("/api/v1/tracks", &json!({"id": minted, "blake3": hash, "metadata": {"title": "A", "format": "flac", "year": 1959}}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let track: CloudTrack = response.json().await.unwrap();
    assert_eq!(track.id, minted, "the device's id is kept");
    assert_eq!(track.size, 500);
    assert_eq!(track.metadata.year, Some(1959));

    // Creating the same track again (a retry) returns it; another blob under that id conflicts.
    let again = ann
        .post_json("/api/v1/tracks", &json!({"id": minted, "blake3": hash}))
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    let other = ann.upload(&audio(10, 41)).await;
    let clash = ann
        .post_json("/api/v1/tracks", &json!({"id": minted, "blake3": other}))
        .await;
    assert_eq!(clash.status(), StatusCode::CONFLICT);

    let list = ann.get_json("/api/v1/tracks").await;
    assert_eq!(list["tracks"].as_array().unwrap().len(), 1);

    let path = format!("/api/v1/tracks/{minted}");
    let response = ann
        .request(Method::PATCH, &path)
        .json(&json!({"metadata": {"title": "B", "format": "flac"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let updated: CloudTrack = response.json().await.unwrap();
    assert_eq!(updated.metadata.title.as_deref(), Some("B"));
    assert_eq!(updated.metadata.year, None, "metadata is replaced");
    assert!(updated.revision > track.revision);
    assert_eq!(ann.get_json(&path).await["metadata"]["title"], "B");

    assert_eq!(
        ann.request(Method::DELETE, &path)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    let response = ann.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "not_found");
    assert_eq!(
        ann.request(Method::DELETE, &path)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let stream = ann
        .request(Method::GET, &format!("{path}/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_track_needs_a_blob_the_user_owns() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let response = ann
        .post_json(
            "/api/v1/tracks",
            &json!({"blake3": BlobHash::of(b"never uploaded")}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn blobs_nobody_uses_are_collected_and_shared_ones_kept() {
    let server = TestServer::start_with(|c| c.link_grace = Duration::ZERO).await;
    let (ann, bob) = (server.user("ann").await, server.user("bob").await);
    let (only_ann, shared) = (audio(1000, 42), audio(1000, 43));
    let ann_track = ann.upload_track(&only_ann).await;
    let ann_shared = ann.upload_track(&shared).await;
    let bob_shared = bob.upload_track(&shared).await;

    let report = server.server().run_maintenance().await.unwrap();
    assert_eq!(report.collected_blobs, 0, "every blob is used by a track");

    for (user, track) in [(&ann, &ann_track), (&ann, &ann_shared)] {
        user.request(Method::DELETE, &format!("/api/v1/tracks/{}", track.id))
            .send()
            .await
            .unwrap();
    }
    let report = server.server().run_maintenance().await.unwrap();
    assert_eq!(
        report.collected_blobs, 1,
        "only ann's private blob is unused"
    );
    let blobs = server.server().blobs();
    assert!(
        blobs.read(&BlobHash::of(&only_ann), 0..10).await.is_err(),
        "ann's private blob is gone from the store"
    );
    assert!(blobs.read(&BlobHash::of(&shared), 0..10).await.is_ok());

    let stream = bob
        .request(
            Method::GET,
            &format!("/api/v1/tracks/{}/stream", bob_shared.id),
        )
        .send()
        .await
        .unwrap();
    assert!(
        stream.bytes().await.unwrap() == shared,
        "bob still streams the shared blob"
    );
    let body: Value = ann
        .post_json(
            "/api/v1/match",
            &json!({"blake3": BlobHash::of(&only_ann), "size": 1000}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["result"], "upload_needed",
        "the collected blob is gone"
    );
}

#[tokio::test]
async fn metadata_patches_merge_field_by_field_and_reach_the_feed() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let hash = ann.upload(&audio(300, 42)).await;
    let created: CloudTrack = ann
        .post_json(
            "/api/v1/tracks",
            &json!({"blake3": hash, "metadata": {"title": "A", "artist": "X", "album": "L", "format": "mp3", "duration_ms": 1000}}),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/tracks/{}/metadata", created.id);
    let patch = |body: Value| {
        let ann = &ann;
        let path = path.clone();
        async move {
            ann.request(Method::PATCH, &path)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // Two devices, two fields: both survive; an absent field is untouched, null clears.
    let first = patch(json!({"title": "From A"})).await;
    assert_eq!(first.status(), StatusCode::OK);
    let second: CloudTrack = patch(json!({"artist": "From B", "album": null, "composer": "C"}))
        .await
        .json()
        .await
        .unwrap();
    let meta = &second.metadata;
    assert_eq!(meta.title.as_deref(), Some("From A"));
    assert_eq!(meta.artist.as_deref(), Some("From B"));
    assert_eq!(meta.album, None);
    assert_eq!(meta.composer.as_deref(), Some("C"));
    assert_eq!(
        (meta.duration_ms, meta.format),
        (Some(1000), tonearm_protocol::AudioFormat::Mp3)
    );
    // The same field: the last writer wins.
    let last: CloudTrack = patch(json!({"title": "Later"})).await.json().await.unwrap();
    assert_eq!(last.metadata.title.as_deref(), Some("Later"));
    assert_eq!(last.metadata.artist.as_deref(), Some("From B"));
    // A patch that changes nothing records nothing.
    let same: CloudTrack = patch(json!({"title": "Later"})).await.json().await.unwrap();
    assert_eq!(same.revision, last.revision);

    let feed = ann.get_json("/api/v1/changes?since=0").await;
    let upserts: Vec<&Value> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["event"]["kind"] == "track_upserted")
        .collect();
    assert_eq!(upserts.len(), 4, "{feed}");
    assert_eq!(
        upserts[3]["event"]["track"]["metadata"]["title"], "Later",
        "{feed}"
    );

    // Bad values are refused; someone else's track or no track is 404.
    assert_eq!(
        patch(json!({"year": "soon"})).await.status(),
        StatusCode::BAD_REQUEST
    );
    let bob = server.user("bob").await;
    let response = bob
        .request(Method::PATCH, &path)
        .json(&json!({"title": "Mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "not_found");
}
