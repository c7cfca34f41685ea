//! Streaming cloud tracks: through a server restart, within the cache budget, and offline
//! once pinned.

use crate::support::{Device, Locker, open_cloud, write_tones};
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use tonearm_library::TrackId;
use tonearm_sync::{Settings, Until};

/// A server with `count` tracks of `seconds` each uploaded by one device, and a second
/// device that synced them; returns the files and the track ids, in the same order.
async fn cloud_with_tracks(
    count: usize,
    seconds: f64,
    listener: Settings,
) -> (
    Locker,
    Device,
    Vec<PathBuf>,
    Vec<TrackId>,
    tempfile::TempDir,
) {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let files = write_tones(source.path(), count, 200.0, 50.0, seconds);
    let uploader = Device::new();
    uploader.add_music(&files);
    uploader.login(&server, "ann").await;
    uploader.cloud.queue_all().expect("queue");
    uploader.cloud.run_uploads(2, Until::Idle).await;
    let mut ids = Vec::new();
    for file in &files {
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let track = uploader
            .tracks()
            .into_iter()
            .find(|t| t.path.ends_with(&name))
            .expect("uploaded track");
        ids.push(track.id);
    }
    let listener = Device::with_settings(listener);
    listener.login(&server, "ann").await;
    listener.cloud.sync().await.expect("sync");
    (server, listener, files, ids, source)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_mid_stream_is_a_pause_not_an_error() {
    let (mut server, listener, files, ids, _source) =
        cloud_with_tracks(1, 60.0, Settings::default()).await;
    let runtime = tokio::runtime::Handle::current();
    let cloud = listener.cloud.clone();
    let id = ids[0];
    let mut reader = tokio::task::spawn_blocking(move || cloud.open_track(id, runtime))
        .await
        .expect("joined")
        .expect("opens");
    let mut first = vec![0u8; 1_500_000];
    let (mut reader, first) = tokio::task::spawn_blocking(move || {
        reader.read_exact(&mut first).expect("first part");
        (reader, first)
    })
    .await
    .expect("joined");

    // The server goes away while the player is reading, and comes back 1 s later.
    server.stop().await;
    let rest = tokio::task::spawn_blocking(move || {
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).map(|_| rest)
    });
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    server.start_again().await;
    let rest = rest.await.expect("joined").expect("the read recovered");
    let original = std::fs::read(&files[0]).expect("original");
    assert_eq!(first.len() + rest.len(), original.len());
    assert!(first == original[..first.len()] && rest == original[first.len()..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_keeps_to_its_budget_least_recently_used_first() {
    // Five tracks of ~880 KB; a budget of two and a half.
    let budget = 2_300_000;
    let settings = Settings {
        cache_budget: budget,
        ..Settings::default()
    };
    let (_server, listener, _files, ids, _source) = cloud_with_tracks(5, 10.0, settings).await;
    let runtime = tokio::runtime::Handle::current();
    let cloud = listener.cloud.clone();
    let order = ids.clone();
    tokio::task::spawn_blocking(move || {
        for id in order {
            let mut reader = cloud.open_track(id, runtime.clone()).expect("opens");
            std::io::copy(&mut reader, &mut std::io::sink()).expect("reads");
            assert!(
                cloud.cache().size_on_disk().expect("size") <= budget + reader.len(),
                "over budget while playing"
            );
        }
    })
    .await
    .expect("joined");
    let cache = listener.cloud.cache();
    assert!(cache.size_on_disk().expect("size") <= budget);
    let file = |id: TrackId| {
        listener
            .library
            .cloud_file(id)
            .expect("query")
            .expect("file")
    };
    assert!(
        cache.is_complete(&file(ids[4]).blake3).expect("entry"),
        "the last played stays"
    );
    assert!(
        !cache.is_complete(&file(ids[0]).blake3).expect("entry"),
        "the first went"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_track_plays_with_the_server_down() {
    let (mut server, listener, files, ids, _source) =
        cloud_with_tracks(2, 20.0, Settings::default()).await;
    let runtime = tokio::runtime::Handle::current();
    let cloud = listener.cloud.clone();
    let (pinned, other) = (ids[0], ids[1]);
    tokio::task::spawn_blocking(move || cloud.pin(pinned, runtime))
        .await
        .expect("joined")
        .expect("pinned");
    let status = listener.cloud.status().expect("status");
    assert_eq!(status.pinned_tracks, 1);
    assert_eq!(
        status.pinned_bytes,
        std::fs::metadata(&files[0]).expect("size").len()
    );
    server.stop().await;

    // Opened again, as after a restart of the app, with no server to answer.
    let dir = listener.dir.path().to_path_buf();
    let cloud = open_cloud(&dir, listener.library.clone(), Settings::default());
    let runtime = tokio::runtime::Handle::current();
    let (bytes, seeked) = tokio::task::spawn_blocking(move || {
        let mut reader = cloud.open_track(pinned, runtime).expect("opens offline");
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).expect("reads offline");
        reader.seek(SeekFrom::Start(1_000)).expect("seeks");
        let mut seeked = [0u8; 16];
        reader.read_exact(&mut seeked).expect("reads after a seek");
        (bytes, seeked)
    })
    .await
    .expect("joined");
    let original = std::fs::read(&files[0]).expect("original");
    assert!(bytes == original);
    assert_eq!(seeked, original[1_000..1_016]);
    // Pinned bytes are never evicted, whatever the budget.
    listener.cloud.cache().evict().expect("evict");
    let file = listener
        .library
        .cloud_file(pinned)
        .expect("query")
        .expect("file");
    assert!(
        listener
            .cloud
            .cache()
            .is_complete(&file.blake3)
            .expect("entry")
    );

    // A track never played or pinned cannot play offline, and says why.
    let cloud = open_cloud(&dir, listener.library.clone(), Settings::default());
    let runtime = tokio::runtime::Handle::current();
    let error = tokio::task::spawn_blocking(move || {
        let mut reader = cloud.open_track(other, runtime).expect("opens");
        let mut byte = [0u8; 1];
        reader
            .read(&mut byte)
            .expect_err("nothing cached, no server")
    })
    .await
    .expect("joined");
    assert!(
        error.to_string().contains("cannot reach the server"),
        "{error}"
    );
}
