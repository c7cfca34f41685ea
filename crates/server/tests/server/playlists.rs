//! Playlist operations (idempotent, ordered, tombstones) and the change feed across restarts.

use crate::support::{TestServer, User, audio};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tonearm_protocol::{ChangeEvent, ChangesResponse, PlaylistsResponse};
use uuid::Uuid;

fn op(action: Value) -> Value {
    json!({"op_id": Uuid::new_v4(), "action": action})
}

async fn apply(user: &User, ops: &[Value]) -> Vec<Value> {
    let response = user
        .post_json("/api/v1/playlists/ops", &json!({"ops": ops}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["results"].as_array().unwrap().clone()
}

async fn state(user: &User) -> PlaylistsResponse {
    serde_json::from_value(user.get_json("/api/v1/playlists").await).unwrap()
}

async fn changes(user: &User, since: u64) -> ChangesResponse {
    serde_json::from_value(
        user.get_json(&format!("/api/v1/changes?since={since}"))
            .await,
    )
    .unwrap()
}

#[tokio::test]
async fn ops_applied_twice_stay_applied_once() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let track = ann.upload_track(&audio(100, 60)).await;
    let (playlist, entry) = (Uuid::new_v4(), Uuid::new_v4());
    let batch = vec![
        op(json!({"type": "create_playlist", "playlist_id": playlist, "name": "Jazz"})),
        op(
            json!({"type": "add_entry", "playlist_id": playlist, "entry_id": entry, "track_id": track.id, "position": "a05"}),
        ),
    ];
    let first = apply(&ann, &batch).await;
    assert!(
        first
            .iter()
            .all(|r| r["status"] == "applied" && r["seq"].is_u64()),
        "{first:?}"
    );
    let second = apply(&ann, &batch).await;
    assert!(
        second.iter().all(|r| r["status"] == "duplicate"),
        "{second:?}"
    );
    let now = state(&ann).await;
    assert_eq!(now.playlists.len(), 1);
    assert_eq!(now.playlists[0].entries.len(), 1);
    assert_eq!(
        changes(&ann, 0).await.changes.len(),
        3,
        "track + two ops, once each"
    );
}

#[tokio::test]
async fn concurrent_edits_from_two_devices_converge_without_losing_adds() {
    let server = TestServer::start().await;
    let laptop = server.user("ann").await;
    let phone = server.login("ann").await;
    let (t1, t2) = (
        laptop.upload_track(&audio(10, 61)).await,
        laptop.upload_track(&audio(10, 62)).await,
    );
    let playlist = Uuid::new_v4();
    apply(
        &laptop,
        &[op(
            json!({"type": "create_playlist", "playlist_id": playlist, "name": "Mix"}),
        )],
    )
    .await;
    let (e1, e2, e3) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    // Both devices were offline and edited the same playlist.
    let laptop_ops = vec![
        op(
            json!({"type": "add_entry", "playlist_id": playlist, "entry_id": e1, "track_id": t1.id, "position": "a05"}),
        ),
        op(json!({"type": "rename_playlist", "playlist_id": playlist, "name": "Laptop name"})),
        op(
            json!({"type": "add_entry", "playlist_id": playlist, "entry_id": e3, "track_id": t1.id, "position": "a2"}),
        ),
    ];
    let phone_ops = vec![
        op(
            json!({"type": "add_entry", "playlist_id": playlist, "entry_id": e2, "track_id": t2.id, "position": "a1"}),
        ),
        op(json!({"type": "rename_playlist", "playlist_id": playlist, "name": "Phone name"})),
        op(json!({"type": "remove_entry", "entry_id": e3})),
        op(json!({"type": "move_entry", "entry_id": e1, "position": "a5"})),
    ];
    apply(&laptop, &laptop_ops).await;
    let results = apply(&phone, &phone_ops).await;
    assert!(
        results.iter().all(|r| r["status"] == "applied"),
        "{results:?}"
    );
    // The laptop retries its batch (lost response): nothing changes.
    apply(&laptop, &laptop_ops).await;

    let a = state(&laptop).await;
    assert_eq!(a, state(&phone).await, "both devices see the same list");
    let list = &a.playlists[0];
    assert_eq!(list.name, "Phone name", "the later rename wins");
    let entries: Vec<_> = list
        .entries
        .iter()
        .map(|e| (e.id.0, e.position.as_str()))
        .collect();
    assert_eq!(
        entries,
        vec![(e2, "a1"), (e1, "a5")],
        "adds kept, removal and move applied"
    );

    // A removed entry stays removed: moving it is rejected.
    let late = apply(
        &laptop,
        &[op(
            json!({"type": "move_entry", "entry_id": e3, "position": "a9"}),
        )],
    )
    .await;
    assert_eq!(late[0]["status"], "rejected");
    assert_eq!(state(&laptop).await.playlists[0].entries.len(), 2);
}

#[tokio::test]
async fn invalid_ops_are_rejected_with_a_reason() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let playlist = Uuid::new_v4();
    let results = apply(&ann, &[
        op(json!({"type": "rename_playlist", "playlist_id": playlist, "name": "x"})),
        op(json!({"type": "create_playlist", "playlist_id": playlist, "name": "P"})),
        op(json!({"type": "create_playlist", "playlist_id": playlist, "name": "P again"})),
        op(json!({"type": "add_entry", "playlist_id": playlist, "entry_id": Uuid::new_v4(), "track_id": Uuid::new_v4(), "position": "a"})),
        op(json!({"type": "delete_playlist", "playlist_id": playlist})),
        op(json!({"type": "rename_playlist", "playlist_id": playlist, "name": "after delete"})),
    ])
    .await;
    let statuses: Vec<_> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "rejected", "applied", "rejected", "rejected", "applied", "rejected"
        ]
    );
    assert!(results[3]["reason"].as_str().unwrap().contains("track"));
    assert!(state(&ann).await.playlists.is_empty());
    let response = ann
        .post_json(
            "/api/v1/playlists/ops",
            &json!({"ops": [{"op_id": "nope"}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_change_feed_is_ordered_paged_and_survives_restarts() {
    let mut server = TestServer::start().await;
    let ann = server.user("ann").await;
    let track = ann.upload_track(&audio(10, 63)).await;
    let playlist = Uuid::new_v4();
    apply(
        &ann,
        &[op(
            json!({"type": "create_playlist", "playlist_id": playlist, "name": "P"}),
        )],
    )
    .await;
    let feed = changes(&ann, 0).await;
    assert_eq!(feed.next, 2);
    assert!(
        matches!(&feed.changes[0].event, ChangeEvent::TrackUpserted { track: t } if t.id == track.id)
    );

    server.restart().await;
    let ann = User {
        base: server.base.clone(),
        ..ann
    };
    assert_eq!(changes(&ann, 0).await, feed, "the feed survives a restart");
    ann.request(
        reqwest::Method::DELETE,
        &format!("/api/v1/tracks/{}", track.id),
    )
    .send()
    .await
    .unwrap();
    let apply_after = apply(
        &ann,
        &[op(
            json!({"type": "rename_playlist", "playlist_id": playlist, "name": "Q"}),
        )],
    )
    .await;
    assert_eq!(
        apply_after[0]["seq"], 4,
        "numbering continues after the restart"
    );
    let since = changes(&ann, feed.next).await;
    let seqs: Vec<_> = since.changes.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, [3, 4]);
    assert!(
        matches!(since.changes[0].event, ChangeEvent::TrackDeleted { track_id } if track_id == track.id)
    );

    let page: ChangesResponse =
        serde_json::from_value(ann.get_json("/api/v1/changes?since=0&limit=3").await).unwrap();
    assert_eq!((page.changes.len(), page.next, page.more), (3, 3, true));
    let rest = changes(&ann, page.next).await;
    assert_eq!((rest.changes.len(), rest.more), (1, false));
    assert!(changes(&ann, 4).await.changes.is_empty());
}
