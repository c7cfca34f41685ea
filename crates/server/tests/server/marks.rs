//! Plays, ratings and loves from devices: each play counted once by its id, marks announced in
//! the change feed, another user's songs neither counted nor marked.

use crate::support::{TestServer, audio};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn plays_count_once_and_marks_reach_the_feed_of_their_owner_only() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let bob = server.user("bob").await;
    let track = ann.upload_track(&audio(5000, 8)).await;
    let plays = json!({"plays": [
        {"id": "p-1", "track_id": track.id, "played_at": 1_700_000_000},
        {"id": "p-2", "track_id": track.id, "played_at": 1_700_000_100},
    ]});
    let answer: Value = ann
        .post_json("/api/v1/plays", &plays)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["counted"], 2);
    let again: Value = ann
        .post_json("/api/v1/plays", &plays)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["counted"], 0, "the same ids count once");
    let stolen: Value = bob
        .post_json(
            "/api/v1/plays",
            &json!({"plays": [
        {"id": "p-3", "track_id": track.id, "played_at": 1}]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stolen["counted"], 0, "another user's song is not counted");
    let bad = ann
        .post_json(
            "/api/v1/plays",
            &json!({"plays": [{"id": "no spaces", "track_id": track.id, "played_at": 1}]}),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    let path = format!("/api/v1/tracks/{}/marks", track.id);
    let marked: Value = ann
        .request(Method::PATCH, &path)
        .json(&json!({"rating": 4, "loved": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            marked["play_count"].as_u64(),
            marked["played_at"].as_i64(),
            marked["rating"].as_u64(),
            marked["loved"].as_bool()
        ),
        (Some(2), Some(1_700_000_100), Some(4), Some(true))
    );
    for body in [json!({"rating": 6}), json!({"rating": 0})] {
        let refused = ann
            .request(Method::PATCH, &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let cleared: Value = ann
        .request(Method::PATCH, &path)
        .json(&json!({"rating": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        cleared.get("rating").is_none() && cleared["loved"] == true,
        "{cleared}"
    );
    let theirs = bob
        .request(Method::PATCH, &path)
        .json(&json!({"loved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND);

    let feed = ann.get_json("/api/v1/changes?since=0").await;
    let marks: Vec<&Value> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["event"]["kind"] == "track_marks")
        .map(|c| &c["event"]["marks"])
        .collect();
    assert_eq!(
        marks.len(),
        5,
        "two plays, the rating, the love, the rating cleared: {marks:?}"
    );
    assert_eq!(marks.last().unwrap()["play_count"], 2);
    let feed = bob.get_json("/api/v1/changes?since=0").await;
    assert!(!feed.to_string().contains("track_marks"), "{feed}");
}
