//! The demo `cargo xtask run` opens with: a first run given demo music sets itself up with no
//! click (library, the built-in locker, "another computer" filling the cloud) and a cloud-only
//! song from it plays; a later run is left as the user made it.

use crate::support::{app_with_options, invoke, play_to_the_end};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use tonearm_desktop::ShellOptions;
use tonearm_desktop::playback::AudioOutput;
use tonearm_player::output::RecordingDevice;

fn copy_fixtures(to: &Path, names: &[&str]) {
    std::fs::create_dir_all(to).expect("folder");
    for name in names {
        std::fs::copy(
            tonearm_testkit::fixtures::audio_dir().join(name),
            to.join(name),
        )
        .expect("copy a fixture");
    }
}

fn playlist_sizes(window: &tauri::WebviewWindow<tauri::test::MockRuntime>) -> Vec<(String, u64)> {
    let mut sizes: Vec<(String, u64)> = invoke(window, "list_playlists", json!({}))
        .expect("playlists")
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_owned(),
                p["entry_count"].as_u64().expect("count"),
            )
        })
        .collect();
    sizes.sort();
    sizes
}

#[test]
fn a_first_demo_run_shows_a_library_a_working_cloud_and_a_cloud_only_song_that_plays() {
    let work = tempfile::tempdir().expect("temp dir");
    let (here, elsewhere) = (
        work.path().join("Demo music"),
        work.path().join("Elsewhere"),
    );
    // A file that cannot be read too: it must not hold the demo's playlist back.
    copy_fixtures(&here, &["tagged.flac", "tagged.ogg", "garbage.mp3"]);
    copy_fixtures(&elsewhere, &["id3v24.mp3", "tagged.opus"]);
    let data = work.path().join("data");
    let device = RecordingDevice::new(20.0);
    let options = ShellOptions {
        data_dir: Some(data.clone()),
        audio_output: AudioOutput::Virtual(device.clone()),
        demo_music: Some(here.clone()),
        demo_cloud_music: Some(elsewhere),
    };
    let (app, window) = app_with_options(&options);

    // Before the window shows: the demo music is the library's folder, so no welcome.
    let folders = invoke(&window, "list_music_folders", json!({})).expect("folders");
    assert_eq!(folders.as_array().map(Vec::len), Some(1), "{folders}");
    let preferences = invoke(&window, "get_preferences", json!({})).expect("preferences");
    assert_eq!(preferences["welcomed"], true);

    // Within a minute: its own songs in the cloud, the other computer's songs and playlist
    // here, and its own playlist mirrored.
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        let status = invoke(&window, "get_cloud_status", json!({})).expect("status");
        let totals = &status["status"]["totals"];
        let synced = status["playlists"]
            .as_array()
            .is_some_and(|p| p.len() == 2 && p.iter().all(|p| p["pending_edits"] == 0));
        if totals["in_cloud"] == 2 && totals["cloud_only"] == 2 && synced {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the demo was not set up: {status:#}"
        );
        // The periodic sync is a minute apart; the test does not wait for it.
        let _ = invoke(&window, "sync_cloud", json!({}));
        std::thread::sleep(Duration::from_millis(200));
    };
    let locker = invoke(&window, "get_local_locker", json!({})).expect("locker");
    assert_eq!(
        status["status"]["account"]["server"], locker["url"],
        "connected to itself"
    );
    assert_eq!(
        playlist_sizes(&window),
        [
            ("Demo favourites".to_owned(), 2),
            ("From another computer".to_owned(), 2)
        ]
    );

    // The locker is a real server: the password the user is told opens it.
    let account = std::fs::read_to_string(data.join("demo-account.txt")).expect("account file");
    let password = account
        .lines()
        .find_map(|l| l.strip_prefix("Password: "))
        .expect("a password line")
        .trim()
        .to_owned();
    let url = locker["url"].as_str().expect("url").to_owned();
    let username = locker["username"].as_str().expect("username").to_owned();
    tauri::async_runtime::block_on(async {
        tonearm_sync::Client::new(&url.parse()?)?
            .login(&username, &password, "a phone")
            .await
    })
    .expect("the demo account logs in");

    // A song only the cloud has plays, streamed, to the sound card.
    let cloud_only: Vec<Value> = invoke(
        &window,
        "list_tracks",
        json!({ "filter": { "present_only": false }, "sort": "title", "descending": false, "offset": 0, "limit": 10 }),
    )
    .expect("tracks")["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|t| t["state"] == "cloud")
        .cloned()
        .collect();
    assert_eq!(cloud_only.len(), 2, "{cloud_only:#?}");
    let changes = play_to_the_end(&app, &window, json!([cloud_only[0]["id"]]));
    assert!(
        changes
            .iter()
            .any(|c| c["kind"] == "played" && c["track_id"] == cloud_only[0]["id"]),
        "{changes:#?}"
    );
    assert!(
        device.recorded().iter().any(|s| s.abs() > 0.01),
        "the streamed song was heard"
    );
    tonearm_desktop::shutdown(app.handle());
    drop((window, app));

    // The next run is the user's: nothing is set up twice.
    let (_app, window) = app_with_options(&options);
    assert_eq!(
        invoke(&window, "list_music_folders", json!({}))
            .expect("folders")
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(playlist_sizes(&window).len(), 2);
    assert_eq!(
        invoke(&window, "get_local_locker", json!({})).expect("locker")["url"],
        json!(url)
    );
}
