//! What the engine does by itself while an app runs: a sync right after a login and then
//! every period, uploads as music is queued, and new music found by a scan or the folder
//! watcher sent up ("scan, then upload what is new"), with no call from the app.

use crate::support::{Device, Locker, write_tones};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonearm_library::ScanControl;
use tonearm_sync::{Settings, Until};

/// Waits up to 30 s for `check`, polling.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(Instant::now() < deadline, "{what} never happened");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn automatic() -> Settings {
    Settings {
        auto_upload: true,
        ..Settings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_syncs_at_once_and_the_loop_keeps_syncing_every_period() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let here = Device::new();
    here.add_music(&write_tones(source.path(), 2, 300.0, 100.0, 0.5));
    here.login(&server, "ann").await;
    here.cloud.queue_all().expect("queue");
    here.cloud.run_uploads(2, Until::Idle).await;

    // Logged out, the loop waits; a period of an hour is never reached in this test.
    let there = Device::new();
    let hourly = there.cloud.clone();
    let hourly = tokio::spawn(async move { hourly.run_syncs(Duration::from_secs(3600)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(there.tracks().is_empty());
    there.login(&server, "ann").await;
    eventually("the sync after the login", || there.tracks().len() == 2).await;
    hourly.abort();

    // With a short period, an edit made elsewhere arrives with no sync asked for.
    let every = there.cloud.clone();
    let every = tokio::spawn(async move { every.run_syncs(Duration::from_millis(200)).await });
    let playlist = here.library.create_playlist("Later").expect("playlist");
    here.cloud.sync().await.expect("sync");
    eventually("the next periodic sync", || {
        there.library.playlist(playlist).is_ok()
    })
    .await;
    every.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_background_a_scan_and_the_watcher_send_new_music_up() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let files = write_tones(source.path(), 3, 300.0, 100.0, 0.5);
    let device = Device::with_settings(automatic());
    device.add_music(&files[..1]);
    let background = device
        .cloud
        .start_background(&tokio::runtime::Handle::current());

    // The login's sync queues what is here, and the workers take it up.
    device.login(&server, "ann").await;
    let in_cloud = |n| {
        let library = device.library.clone();
        move || library.cloud_totals().expect("totals").in_cloud == n
    };
    eventually("the first upload", in_cloud(1)).await;

    // A scan finds a new file: it goes up, no sync or upload asked for.
    let music = device.dir.path().join("Music");
    std::fs::copy(&files[1], music.join("second.wav")).expect("copy");
    let cloud = device.cloud.clone();
    let report = tokio::task::spawn_blocking(move || {
        let cancel = AtomicBool::new(false);
        cloud.scan(&ScanControl {
            cancel: &cancel,
            progress: &|_| {},
        })
    })
    .await
    .expect("the scan ran")
    .expect("scanned");
    assert_eq!(report.added, 1);
    eventually("the scanned file's upload", in_cloud(2)).await;

    // The watcher finds another: it is applied, reported, and goes up.
    let reports = Arc::new(Mutex::new(Vec::new()));
    let heard = reports.clone();
    let watcher = device
        .cloud
        .watch(move |report| heard.lock().expect("lock").push(report))
        .expect("watching");
    std::fs::copy(&files[2], music.join("third.wav")).expect("copy");
    eventually("the watched file's upload", in_cloud(3)).await;
    assert!(
        reports.lock().expect("lock").iter().any(|r| r.added == 1),
        "the change was reported"
    );
    drop(watcher);
    background.stop();
}
