//! Playlist merging as a property: several devices make random edits offline, a hostile device
//! sends extreme and invalid position keys straight to the server, devices sync in a random
//! order; afterwards every device holds the same list, no added entry is lost, no removed one
//! comes back, and every key is valid. Real devices (library + sync engine) and the real
//! server; proptest generates the edits and shrinks a failure to a short story.
//!
//! Cases: `PROPTEST_CASES` (default 12, each a few dozen edits), so `cargo xtask test` bounds
//! its time; raise it for a longer hunt.

use crate::support::{Device, Locker, PASSWORD, write_tones};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::HashSet;
use tonearm_library::playlists::position::PositionKey;
use tonearm_library::{EntryId, PlaylistId, TrackId};
use tonearm_sync::Until;

const DEVICES: usize = 3;

/// One step of a story.
#[derive(Debug, Clone)]
enum Step {
    /// A device adds a track before the entry at this fraction of its list.
    Add {
        device: usize,
        track: usize,
        at: f64,
    },
    /// A device removes the entry at this fraction of its list.
    Remove { device: usize, pick: f64 },
    /// A device moves an entry.
    Move { device: usize, pick: f64, to: f64 },
    /// A device syncs (the others stay offline meanwhile).
    Sync { device: usize },
    /// The hostile device adds an entry with this raw key.
    HostileAdd { track: usize, key: String },
    /// The hostile device moves an entry (of the server's list) to this raw key.
    HostileMove { pick: f64, key: String },
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        // Valid extremes: the longest keys, the smallest, the largest.
        Just("z".repeat(64)),
        Just(format!("{}1", "0".repeat(63))),
        Just("1".to_owned()),
        "[0-9A-Za-z]{1,63}[1-9A-Za-z]",
        // Invalid: trailing zero, foreign characters, empty, too long.
        "[0-9A-Za-z]{0,8}0",
        "[ -~]{0,12}",
        Just(String::new()),
        Just("V".repeat(65)),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let device = 0..DEVICES;
    prop_oneof![
        4 => (device.clone(), 0..4usize, 0.0..1.0).prop_map(|(device, track, at)| Step::Add { device, track, at }),
        2 => (device.clone(), 0.0..1.0).prop_map(|(device, pick)| Step::Remove { device, pick }),
        2 => (device.clone(), 0.0..1.0, 0.0..1.0).prop_map(|(device, pick, to)| Step::Move { device, pick, to }),
        3 => device.prop_map(|device| Step::Sync { device }),
        1 => (0..4usize, key()).prop_map(|(track, key)| Step::HostileAdd { track, key }),
        1 => (0.0..1.0, key()).prop_map(|(pick, key)| Step::HostileMove { pick, key }),
    ]
}

fn index(fraction: f64, len: usize) -> usize {
    ((fraction * len as f64) as usize).min(len.saturating_sub(1))
}

fn entries(device: &Device, playlist: PlaylistId) -> Vec<(EntryId, TrackId, String)> {
    device
        .library
        .playlist(playlist)
        .expect("playlist")
        .entries
        .into_iter()
        .map(|e| (e.id, e.track_id, e.position))
        .collect()
}

/// The hostile device: the same account, raw requests.
struct Hostile {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Hostile {
    async fn login(locker: &Locker) -> Self {
        let client = reqwest::Client::new();
        let base = locker.url();
        let login: serde_json::Value = client
            .post(format!("{base}/api/v1/sessions"))
            .json(
                &serde_json::json!({"username": "ann", "password": PASSWORD, "device": "hostile"}),
            )
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login answer");
        Self {
            client,
            base,
            token: login["token"].as_str().expect("token").to_owned(),
        }
    }

    /// Sends one operation; `true` when the server accepted the request.
    async fn send(&self, action: serde_json::Value) -> bool {
        let ops = serde_json::json!({"ops": [{"op_id": uuid::Uuid::new_v4(), "action": action}]});
        let response = self
            .client
            .post(format!("{}/api/v1/playlists/ops", self.base))
            .bearer_auth(&self.token)
            .json(&ops)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        assert!(
            status == 200 || status == 400,
            "hostile op answered {status}"
        );
        status == 200
    }

    async fn server_entries(&self, playlist: PlaylistId) -> Vec<String> {
        let lists: serde_json::Value = self
            .client
            .get(format!("{}/api/v1/playlists", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("playlists")
            .json()
            .await
            .expect("playlists answer");
        lists["playlists"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["id"] == playlist.to_string())
            .flat_map(|p| p["entries"].as_array().cloned().unwrap_or_default())
            .map(|e| e["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

#[test]
fn playlists_converge_under_random_offline_edits_and_hostile_keys() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (locker, devices, tracks, hostile) = runtime.block_on(async {
        let locker = Locker::start().await;
        locker.add_user("ann").await;
        let source = tempfile::tempdir().expect("temp dir");
        let files = write_tones(source.path(), 4, 300.0, 100.0, 0.3);
        let devices: Vec<Device> = (0..DEVICES).map(|_| Device::new()).collect();
        devices[0].add_music(&files);
        for device in &devices {
            device.login(&locker, "ann").await;
        }
        devices[0].cloud.queue_all().expect("queue");
        devices[0].cloud.run_uploads(2, Until::Idle).await;
        for device in &devices {
            device.cloud.sync().await.expect("sync");
        }
        let tracks: Vec<TrackId> = devices[0].tracks().iter().map(|t| t.id).collect();
        let hostile = Hostile::login(&locker).await;
        (locker, devices, tracks, hostile)
    });
    let mut runner = TestRunner::new(Config {
        cases: tonearm_testkit::cases::proptest_cases(12),
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&proptest::collection::vec(step(), 5..40), |story| {
        runtime.block_on(run_story(&devices, &tracks, &hostile, &story))
    });
    drop(locker);
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

async fn run_story(
    devices: &[Device],
    tracks: &[TrackId],
    hostile: &Hostile,
    story: &[Step],
) -> Result<(), TestCaseError> {
    // Each story gets its own playlist, known to every device before it starts.
    let playlist = devices[0].library.create_playlist("Story").expect("create");
    for device in devices {
        device.cloud.sync().await.expect("sync");
    }
    let mut added: HashSet<EntryId> = HashSet::new();
    let mut removed: HashSet<EntryId> = HashSet::new();
    for step in story {
        match step {
            Step::Add { device, track, at } => {
                let device = &devices[*device];
                let len = entries(device, playlist).len();
                let at = ((*at * (len + 1) as f64) as usize).min(len);
                let ids = device
                    .library
                    .add_to_playlist(playlist, &[tracks[*track]], Some(at))
                    .expect("add never fails on a valid list");
                added.extend(ids);
            }
            Step::Remove { device, pick } => {
                let device = &devices[*device];
                let current = entries(device, playlist);
                if !current.is_empty() {
                    let entry = current[index(*pick, current.len())].0;
                    device
                        .library
                        .remove_from_playlist(playlist, entry)
                        .expect("remove");
                    removed.insert(entry);
                }
            }
            Step::Move { device, pick, to } => {
                let device = &devices[*device];
                let current = entries(device, playlist);
                if !current.is_empty() {
                    let entry = current[index(*pick, current.len())].0;
                    let to = index(*to, current.len());
                    device
                        .library
                        .move_in_playlist(playlist, entry, to)
                        .expect("move");
                }
            }
            Step::Sync { device } => {
                devices[*device].cloud.sync().await.expect("sync");
            }
            Step::HostileAdd { track, key } => {
                let entry = uuid::Uuid::new_v4();
                let accepted = hostile
                    .send(serde_json::json!({"type": "add_entry", "playlist_id": playlist.to_string(),
                        "entry_id": entry, "track_id": tracks[*track].to_string(), "position": key}))
                    .await;
                prop_assert_eq!(accepted, PositionKey::parse(key).is_ok(), "key {:?}", key);
                if accepted {
                    added.insert(entry.to_string().parse().expect("uuid"));
                }
            }
            Step::HostileMove { pick, key } => {
                let listed = hostile.server_entries(playlist).await;
                if !listed.is_empty() {
                    let entry = &listed[index(*pick, listed.len())];
                    let accepted = hostile
                        .send(serde_json::json!({"type": "move_entry", "entry_id": entry, "position": key}))
                        .await;
                    prop_assert_eq!(accepted, PositionKey::parse(key).is_ok(), "key {:?}", key);
                }
            }
        }
    }
    // Everyone comes online: two passes, so each sees the others' last edits.
    for _ in 0..2 {
        for device in devices {
            device.cloud.sync().await.expect("sync");
        }
    }
    let first = entries(&devices[0], playlist);
    for device in &devices[1..] {
        prop_assert_eq!(&entries(device, playlist), &first, "devices disagree");
    }
    let present: HashSet<EntryId> = first.iter().map(|(e, _, _)| *e).collect();
    for entry in added.difference(&removed) {
        prop_assert!(present.contains(entry), "addition {} was lost", entry);
    }
    for entry in &removed {
        prop_assert!(!present.contains(entry), "removal of {} undone", entry);
    }
    for (_, _, key) in &first {
        prop_assert!(PositionKey::parse(key).is_ok(), "stored key {:?}", key);
    }
    let order: Vec<String> = first.iter().map(|(e, _, _)| e.to_string()).collect();
    prop_assert_eq!(
        order,
        hostile.server_entries(playlist).await,
        "devices differ from the server"
    );
    Ok(())
}
