//! Scan-and-match and the proof-of-ownership challenge.

use crate::support::{TestServer, User, audio, error_code};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tonearm_protocol::{BlobHash, MatchResponse, answer_challenge};

async fn match_blob(user: &User, data: &[u8]) -> MatchResponse {
    let response = user
        .post_json(
            "/api/v1/match",
            &json!({"blake3": BlobHash::of(data), "size": data.len()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn nonce(hex: &str) -> [u8; 32] {
    let mut nonce = [0u8; 32];
    for (i, byte) in nonce.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap();
    }
    nonce
}

/// The correct answers to a challenge, computed from the bytes.
fn prove(challenge: &MatchResponse, data: &[u8]) -> (String, Vec<String>) {
    let MatchResponse::Challenge {
        challenge_id,
        nonce: hex,
        ranges,
        ..
    } = challenge
    else {
        panic!("expected a challenge, got {challenge:?}");
    };
    let key = nonce(hex);
    let answers = ranges
        .iter()
        .map(|r| {
            answer_challenge(
                &key,
                &data[r.offset as usize..(r.offset + r.length) as usize],
            )
        })
        .collect();
    (challenge_id.to_string(), answers)
}

#[tokio::test]
async fn unknown_content_needs_an_upload() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    assert_eq!(
        match_blob(&ann, &audio(1000, 20)).await,
        MatchResponse::UploadNeeded
    );
}

#[tokio::test]
async fn content_the_user_owns_is_linked_with_its_track_ids() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(1000, 21);
    ann.upload(&data).await;
    assert_eq!(
        match_blob(&ann, &data).await,
        MatchResponse::Linked { track_ids: vec![] }
    );
    let track = ann.create_track(&BlobHash::of(&data), "flac").await;
    assert_eq!(
        match_blob(&ann, &data).await,
        MatchResponse::Linked {
            track_ids: vec![track.id]
        }
    );
}

#[tokio::test]
async fn a_correct_proof_links_another_users_blob() {
    let server = TestServer::start().await;
    let (ann, bob) = (server.user("ann").await, server.user("bob").await);
    let data = audio(300_000, 22);
    ann.upload(&data).await;
    let challenge = match_blob(&bob, &data).await;
    let MatchResponse::Challenge { ranges, .. } = &challenge else {
        panic!("{challenge:?}")
    };
    assert!(!ranges.is_empty());
    assert!(
        ranges
            .iter()
            .all(|r| r.offset + r.length <= data.len() as u64 && r.length > 0)
    );
    let (id, answers) = prove(&challenge, &data);
    let response = bob
        .post_json(&format!("/api/v1/match/{id}"), &json!({"answers": answers}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["result"], "linked");
    // Bob now owns it: he can create a track and stream it.
    let track = bob.create_track(&BlobHash::of(&data), "ogg").await;
    let bytes = bob
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/tracks/{}/stream", track.id),
        )
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(bytes == data);
    assert_eq!(
        match_blob(&bob, &data).await,
        MatchResponse::Linked {
            track_ids: vec![track.id]
        }
    );
}

#[tokio::test]
async fn a_wrong_proof_links_nothing_and_the_challenge_is_spent() {
    let server = TestServer::start().await;
    let (ann, bob) = (server.user("ann").await, server.user("bob").await);
    let data = audio(300_000, 23);
    ann.upload(&data).await;
    let hash = BlobHash::of(&data);

    // Answers computed over the wrong bytes (what someone who only knows the hash could do).
    let challenge = match_blob(&bob, &data).await;
    let (id, _) = prove(&challenge, &data);
    let (_, wrong) = prove(&challenge, &audio(300_000, 99));
    let response = bob
        .post_json(&format!("/api/v1/match/{id}"), &json!({"answers": wrong}))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(response).await, "challenge_failed");
    let response = bob
        .post_json("/api/v1/tracks", &json!({"blake3": hash}))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "nothing was linked"
    );

    // The challenge cannot be retried with the right answers.
    let (_, right) = prove(&challenge, &data);
    let response = bob
        .post_json(&format!("/api/v1/match/{id}"), &json!({"answers": right}))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Too few answers fail too.
    let challenge = match_blob(&bob, &data).await;
    let (id, mut answers) = prove(&challenge, &data);
    answers.pop();
    let response = bob
        .post_json(&format!("/api/v1/match/{id}"), &json!({"answers": answers}))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = bob
        .post_json("/api/v1/tracks", &json!({"blake3": hash}))
        .await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "still nothing linked"
    );
}

#[tokio::test]
async fn a_wrong_size_gets_no_challenge() {
    let server = TestServer::start().await;
    let (ann, bob) = (server.user("ann").await, server.user("bob").await);
    let data = audio(5000, 24);
    ann.upload(&data).await;
    let response = bob
        .post_json(
            "/api/v1/match",
            &json!({"blake3": BlobHash::of(&data), "size": 4999}),
        )
        .await;
    let body: MatchResponse = response.json().await.unwrap();
    assert_eq!(body, MatchResponse::UploadNeeded);
}

#[tokio::test]
async fn linking_another_users_file_counts_against_the_quota() {
    let server = TestServer::start_with(|c| c.user_quota = Some(400_000)).await;
    let (ann, bob, cy) = (
        server.user("ann").await,
        server.user("bob").await,
        server.user("cy").await,
    );
    let (big, small) = (audio(300_000, 24), audio(200_000, 25));
    ann.upload(&big).await;
    cy.upload(&small).await;
    bob.upload(&audio(150_000, 26)).await;

    // 150 kB used: the 300 kB file would pass 400 kB, so no challenge is issued.
    let response = bob
        .post_json(
            "/api/v1/match",
            &json!({"blake3": BlobHash::of(&big), "size": big.len()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response).await, "quota_exceeded");

    // The 200 kB one fits when challenged, but not once something else took the room.
    let challenge = match_blob(&bob, &small).await;
    bob.upload(&audio(60_000, 27)).await;
    let (id, answers) = prove(&challenge, &small);
    let response = bob
        .post_json(&format!("/api/v1/match/{id}"), &json!({"answers": answers}))
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        bob.get_json("/api/v1/storage").await["used_bytes"],
        210_000,
        "nothing was linked"
    );
}

#[tokio::test]
async fn an_automatic_match_leaves_out_a_file_the_user_removed_from_the_cloud() {
    let server = TestServer::start().await;
    let (ann, bob) = (server.user("ann").await, server.user("bob").await);
    let data = audio(300_000, 28);
    let track = ann.upload_track(&data).await;
    let hash = BlobHash::of(&data);
    assert_eq!(
        automatic_match(&ann, &hash, data.len(), true).await["result"],
        "linked"
    );

    let deleted = ann
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/tracks/{}", track.id),
        )
        .send()
        .await
        .unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    assert_eq!(
        automatic_match(&ann, &hash, data.len(), true).await["result"],
        "removed"
    );
    // Asked by the user, it is the same file as ever.
    assert_eq!(
        automatic_match(&ann, &hash, data.len(), false).await["result"],
        "linked"
    );
    // Other users are not affected.
    assert_eq!(
        automatic_match(&bob, &hash, data.len(), true).await["result"],
        "challenge"
    );

    // Put back by the user, automatic matches link it again.
    ann.create_track(&hash, "flac").await;
    assert_eq!(
        automatic_match(&ann, &hash, data.len(), true).await["result"],
        "linked"
    );
}

/// What `match` answers, asked automatically or not.
async fn automatic_match(user: &User, hash: &BlobHash, size: usize, automatic: bool) -> Value {
    let body = json!({"blake3": hash, "size": size, "automatic": automatic});
    let response = user.post_json("/api/v1/match", &body).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}
