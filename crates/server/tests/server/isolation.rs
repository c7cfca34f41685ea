//! Users are completely isolated: whatever ids, hashes or URLs bob knows of ann's, he can read,
//! stream, link, change or delete nothing of hers, and learns nothing (404, never 403).

use crate::support::{TestServer, audio};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tonearm_protocol::{BlobHash, MatchResponse};

#[tokio::test]
async fn bob_cannot_touch_anything_of_anns() {
    let server = TestServer::start().await;
    let (ann, bob) = (server.user("ann").await, server.user("bob").await);
    let data = audio(100_000, 50);
    let track = ann.upload_track(&data).await;
    let hash = BlobHash::of(&data);
    let pending = audio(1000, 51);
    let upload = ann.create_upload(&pending).await;
    ann.patch(&upload, 0, pending[..10].to_vec()).await;
    let playlist = uuid::Uuid::new_v4();
    ann.post_json(
        "/api/v1/playlists/ops",
        &json!({"ops": [{"op_id": uuid::Uuid::new_v4(),
        "action": {"type": "create_playlist", "playlist_id": playlist, "name": "ann's"}}]}),
    )
    .await;
    let ann_sessions = ann.get_json("/api/v1/sessions").await;
    let ann_session = ann_sessions["sessions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Listing shows nothing of ann's.
    assert_eq!(bob.get_json("/api/v1/tracks").await["tracks"], json!([]));
    assert_eq!(
        bob.get_json("/api/v1/playlists").await["playlists"],
        json!([])
    );
    assert_eq!(
        bob.get_json("/api/v1/changes?since=0").await["changes"],
        json!([])
    );
    assert_eq!(
        bob.get_json("/api/v1/sessions").await["sessions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Track by id: read, stream, sign, modify, delete.
    let t = format!("/api/v1/tracks/{}", track.id);
    for (method, path) in [
        (Method::GET, t.clone()),
        (Method::GET, format!("{t}/stream")),
        (Method::POST, format!("{t}/stream-url")),
        (Method::DELETE, t.clone()),
    ] {
        let response = bob.request(method.clone(), &path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method} {path}");
    }
    let response = bob
        .request(Method::PATCH, &t)
        .json(&json!({"metadata": {"title": "pwned"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Blob by hash: no track over it, and match asks for proof instead of linking.
    let response = bob
        .post_json("/api/v1/tracks", &json!({"blake3": hash}))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = bob
        .post_json("/api/v1/tracks", &json!({"id": track.id, "blake3": hash}))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "reusing ann's track id gains nothing"
    );
    let matched: MatchResponse = bob
        .post_json(
            "/api/v1/match",
            &json!({"blake3": hash, "size": data.len()}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        matches!(matched, MatchResponse::Challenge { .. }),
        "{matched:?}"
    );

    // Ann's challenge cannot be answered by bob.
    let ann_challenge: MatchResponse = ann
        .post_json(
            "/api/v1/match",
            &json!({"blake3": BlobHash::of(&audio(5, 1)), "size": 5}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ann_challenge, MatchResponse::UploadNeeded);

    // Upload URL: offset, write, terminate.
    let response = bob.tus(Method::HEAD, &upload).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        bob.patch(&upload, 10, pending[10..].to_vec())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.tus(Method::DELETE, &upload)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(ann.offset(&upload).await, 10, "ann's upload is untouched");

    // Playlist ops on ann's playlist are rejected as unknown.
    let result: Value = bob
        .post_json("/api/v1/playlists/ops", &json!({"ops": [
            {"op_id": uuid::Uuid::new_v4(), "action": {"type": "rename_playlist", "playlist_id": playlist, "name": "x"}},
            {"op_id": uuid::Uuid::new_v4(), "action": {"type": "delete_playlist", "playlist_id": playlist}}]}))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        result["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "rejected"),
        "{result}"
    );

    // Ann's session.
    let response = bob
        .request(Method::DELETE, &format!("/api/v1/sessions/{ann_session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // A signed URL of ann's does not become bob's by swapping the user.
    let body: Value = ann
        .request(Method::POST, &format!("{t}/stream-url"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = body["url"].as_str().unwrap();
    let response = reqwest::get(server.url(url)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "ann's URL works");

    // Everything of ann's is intact.
    assert_eq!(ann.get_json(&t).await["metadata"]["title"], "Song");
    assert_eq!(
        ann.get_json("/api/v1/playlists").await["playlists"][0]["name"],
        "ann's"
    );
    let bytes = ann
        .request(Method::GET, &format!("{t}/stream"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(bytes == data);
}
