//! The player through the IPC: the UI's commands reach the engine, its news comes back as
//! events, and plays land in the library. Sound goes to a virtual sound card.

use crate::support::{app_with_sound, invoke, play_to_the_end};
use serde_json::json;
use tonearm_desktop::playback::AudioOutput;
use tonearm_library::Library;
use tonearm_player::output::RecordingDevice;

/// A data directory whose library holds two one-second fixtures, scanned.
pub fn library_with_two_tracks(dir: &std::path::Path) -> Vec<String> {
    let fixtures = tonearm_testkit::fixtures::audio_dir();
    let library = Library::open(dir, &dir.join("cache")).expect("library");
    tonearm_testkit::library::add_music(
        &library,
        &dir.join("Music"),
        &[fixtures.join("tagged.flac"), fixtures.join("tagged.ogg")],
    );
    let mut tracks = library
        .tracks(&Default::default(), Default::default(), false, 0, 10)
        .expect("tracks")
        .items;
    tracks.sort_by(|a, b| a.path.cmp(&b.path));
    tracks.iter().map(|t| t.id.to_string()).collect()
}

#[test]
fn playing_from_the_ui_reaches_the_sound_card_and_counts_plays() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = library_with_two_tracks(dir.path());
    let device = RecordingDevice::new(20.0);
    let (app, window) = app_with_sound(dir.path(), AudioOutput::Virtual(device.clone()));
    let changes = play_to_the_end(&app, &window, json!(ids));
    let current: Vec<&str> = changes
        .iter()
        .filter(|c| c["kind"] == "current")
        .filter_map(|c| c["current"]["track"]["id"].as_str())
        .collect();
    assert_eq!(
        current.first().copied(),
        Some(ids[0].as_str()),
        "{changes:#?}"
    );
    assert!(current.contains(&ids[1].as_str()), "{changes:#?}");
    let played: Vec<&str> = changes
        .iter()
        .filter(|c| c["kind"] == "played")
        .filter_map(|c| c["track_id"].as_str())
        .collect();
    assert_eq!(played, ids.iter().map(String::as_str).collect::<Vec<_>>());
    let heard = device.recorded();
    let loud = heard.iter().filter(|s| s.abs() > 0.01).count() as f64 / 2.0 / 44_100.0;
    assert!(loud > 1.8 && loud < 2.05, "{loud:.3} s of sound");

    let state = invoke(&window, "get_player_state", json!({})).expect("state");
    assert_eq!(state["status"]["state"], "stopped");
    assert_eq!(state["queue_length"], 2);
    let tracks = invoke(
        &window,
        "list_tracks",
        json!({ "filter": { "present_only": false }, "sort": "title", "descending": false, "offset": 0, "limit": 10 }),
    )
    .expect("tracks");
    for track in tracks["items"].as_array().expect("items") {
        assert_eq!(track["play_count"], 1, "{track}");
    }
}

#[test]
fn bad_player_requests_get_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = library_with_two_tracks(dir.path());
    let (_app, window) =
        app_with_sound(dir.path(), AudioOutput::Virtual(RecordingDevice::new(20.0)));
    let error = invoke(
        &window,
        "control_player",
        json!({ "control": { "kind": "play", "track_ids": ids, "start": 5 } }),
    )
    .expect_err("start past the end");
    assert_eq!(error["kind"], "invalid", "{error}");
    let error = invoke(
        &window,
        "control_player",
        json!({ "control": { "kind": "add", "track_ids": ["00000000-0000-0000-0000-000000000000"] } }),
    )
    .expect_err("an unknown track");
    assert_eq!(error["kind"], "notFound", "{error}");
}

/// The state of the player after `control`, once `done` says the engine got there.
fn state_after(
    window: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    control: serde_json::Value,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    invoke(window, "control_player", json!({ "control": control })).expect("control");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let state = invoke(window, "get_player_state", json!({})).expect("state");
        if done(&state) {
            return state;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the player never got there: {state}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn a_long_queue_is_described_with_its_next_entries_not_sent_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = library_with_two_tracks(dir.path());
    let (_app, window) =
        app_with_sound(dir.path(), AudioOutput::Virtual(RecordingDevice::new(1.0)));
    let queue: Vec<&String> = ids.iter().cycle().take(1_000).collect();
    let play = json!({ "kind": "play", "track_ids": queue, "start": 10 });
    state_after(&window, play, |s| s["queue_length"] == 1_000);
    let state = state_after(&window, json!({ "kind": "pause" }), |s| {
        s["status"]["state"] == "paused"
    });
    let current = state["current"]["entry"].as_u64().expect("an entry plays");
    let upcoming = state["upcoming"].as_array().expect("upcoming");
    assert_eq!(upcoming.len(), 200, "the first 200 of what comes next");
    let played = 1_000 - state["upcoming_total"].as_u64().expect("total");
    // In list order: entry 11 (its list index 10, as `start` said) is current unless it had
    // already ended, and the entries to come follow it in the list.
    for (at, next) in upcoming.iter().enumerate() {
        let index = next["list_index"].as_u64().expect("index");
        assert_eq!(index, played + at as u64, "{next}");
        assert_eq!(next["track_id"], *ids[index as usize % 2], "{next}");
        assert!(next["entry"].as_u64() > Some(current));
    }

    // Shuffled: the play order is no longer the list's; each entry still says where it is.
    let state = state_after(&window, json!({ "kind": "set_shuffle", "on": true }), |s| {
        s["status"]["shuffle"] == true && s["upcoming_total"] == 999
    });
    let indices: Vec<u64> = state["upcoming"]
        .as_array()
        .expect("upcoming")
        .iter()
        .map(|next| {
            let index = next["list_index"].as_u64().expect("index");
            assert_eq!(next["track_id"], *ids[index as usize % 2], "{next}");
            index
        })
        .collect();
    let mut distinct = indices.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 200);
    assert!(
        indices.windows(2).any(|w| w[1] != w[0] + 1),
        "shuffled: {indices:?}"
    );
}

#[test]
fn a_library_list_is_played_in_its_order_from_the_song_chosen() {
    let dir = tempfile::tempdir().expect("temp dir");
    library_with_two_tracks(dir.path());
    let (_app, window) =
        app_with_sound(dir.path(), AudioOutput::Virtual(RecordingDevice::new(1.0)));
    let all = json!({ "album_key": null, "artist": null, "genre": null, "present_only": false });
    let listed = invoke(
        &window,
        "list_track_ids",
        json!({ "filter": all, "sort": "title", "descending": true }),
    )
    .expect("ids");
    let listed: Vec<&str> = listed
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(|i| i.as_str())
        .collect();
    assert_eq!(listed.len(), 2);

    let play = |start: serde_json::Value, shuffle: serde_json::Value| json!({ "kind": "play_list", "filter": all, "sort": "title", "descending": true, "start": start, "shuffle": shuffle });
    // Each song repeats, so the one playing is the one the list started from.
    invoke(
        &window,
        "control_player",
        json!({ "control": { "kind": "set_repeat", "repeat": "one" } }),
    )
    .expect("repeat");
    // From the second song of the list: the whole list queued, nothing after that song.
    let state = state_after(&window, play(json!(listed[1]), json!(null)), |s| {
        s["current"]["track"]["id"] == listed[1]
    });
    assert_eq!(state["queue_length"], 2);
    assert_eq!(state["upcoming_total"], 0, "{state}");
    // From the first: the second follows, in the list's order.
    let state = state_after(&window, play(json!(listed[0]), json!(null)), |s| {
        s["current"]["track"]["id"] == listed[0]
    });
    assert_eq!(
        state["upcoming"][0]["track_id"], listed[1],
        "the list's order: {state}"
    );
    assert_eq!(state["status"]["shuffle"], false, "shuffle left as it was");

    let state = state_after(&window, play(json!(null), json!(true)), |s| {
        s["status"]["shuffle"] == true
    });
    assert_eq!(state["queue_length"], 2);

    let gone = json!("00000000-0000-0000-0000-000000000000");
    let error = invoke(
        &window,
        "control_player",
        json!({ "control": play(gone, json!(null)) }),
    )
    .expect_err("a song not in the list");
    assert_eq!(error["kind"], "invalid", "{error}");

    // A list with no songs plays nothing and leaves the queue alone.
    let none = json!({ "kind": "play_list", "filter": { "album_key": null, "artist": null, "genre": "No such genre", "present_only": false }, "sort": "title", "descending": false, "start": null, "shuffle": null });
    invoke(&window, "control_player", json!({ "control": none })).expect("nothing to play");
    let state = invoke(&window, "get_player_state", json!({})).expect("state");
    assert_eq!(state["queue_length"], 2);
}
