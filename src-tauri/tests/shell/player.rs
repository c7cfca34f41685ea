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
    assert_eq!(state["queue"].as_array().map(Vec::len), Some(2));
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
