//! The cloud through the IPC: log in to a real locker server, upload the library in the
//! background, watch the progress events, log out.

use crate::player::library_with_two_tracks;
use crate::support::{app_with_sound, invoke};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tauri::Listener;
use tonearm_desktop::playback::AudioOutput;
use tonearm_testkit::locker::{Locker, PASSWORD};

#[test]
fn logging_in_uploads_the_library_in_the_background_with_progress_events() {
    let dir = tempfile::tempdir().expect("temp dir");
    library_with_two_tracks(dir.path());
    let mut server = tauri::async_runtime::block_on(Locker::start());
    tauri::async_runtime::block_on(server.add_user("ann"));

    let (app, window) = app_with_sound(dir.path(), AudioOutput::System);
    let changes: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = changes.clone();
    app.listen_any("cloud-changed", move |event| {
        let value: Value = serde_json::from_str(event.payload()).expect("json payload");
        sink.lock().expect("lock").push(value);
    });

    let status = invoke(&window, "get_cloud_status", json!({})).expect("status");
    assert_eq!(status["status"]["account"], Value::Null);
    let error = invoke(&window, "upload_library", json!({})).expect_err("not logged in");
    assert_eq!(error["kind"], "invalid", "{error}");
    let error = invoke(
        &window,
        "cloud_login",
        json!({ "server": server.url(), "username": "ann", "password": "nope" }),
    )
    .expect_err("a wrong password");
    assert_eq!(error["kind"], "invalid", "{error}");

    let account = invoke(
        &window,
        "cloud_login",
        json!({ "server": server.url(), "username": "ann", "password": PASSWORD }),
    )
    .expect("login");
    assert_eq!(account["username"], "ann");
    // No "upload library" asked for: new music goes up by itself (the default setting).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = invoke(&window, "get_cloud_status", json!({})).expect("status");
        if status["status"]["totals"]["in_cloud"] == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "never uploaded: {status}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The events are delivered after the state they report is stored: wait for them too.
    let seen = loop {
        let seen = changes.lock().expect("lock").clone();
        let in_cloud = seen
            .iter()
            .filter(|c| c["kind"] == "upload" && c["state"] == "in_cloud")
            .count();
        if in_cloud >= 2 || Instant::now() > deadline {
            assert_eq!(in_cloud, 2, "{seen:#?}");
            break seen;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(seen.iter().any(|c| c["kind"] == "totals"), "{seen:#?}");
    assert_eq!(
        invoke(&window, "upload_library", json!({})).expect("nothing left"),
        0
    );

    // A song copied into the folder: the watcher finds it and it goes up, no sync needed
    // (the next is a minute away).
    std::fs::copy(
        tonearm_testkit::fixtures::audio_dir().join("id3v24.mp3"),
        dir.path().join("Music/id3v24.mp3"),
    )
    .expect("copy a song");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = invoke(&window, "get_cloud_status", json!({})).expect("status");
        if status["status"]["totals"]["in_cloud"] == 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new song stayed here: {status}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    invoke(&window, "cloud_logout", json!({})).expect("logout");
    let status = invoke(&window, "get_cloud_status", json!({})).expect("status");
    assert_eq!(status["status"]["account"], Value::Null);
    tauri::async_runtime::block_on(server.stop());
}
