//! The upload queue across a crash: an upload cut off in the middle resumes where the server
//! says, after a restart, without sending again what the server has.

use crate::support::{Device, Locker, PASSWORD, write_tone, write_tones};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonearm_library::cloud::UploadState;
use tonearm_sync::{Settings, Until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_killed_midway_resumes_without_resending() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let long = source.path().join("long.wav");
    write_tone(&long, 440.0, 120.0, 0.4); // 10.6 MB
    let size = std::fs::metadata(&long).expect("size").len();

    // Slowed to 8 MB/s so it can be cut off half way.
    let slow = Settings {
        bandwidth_limit: Some(8_000_000),
        ..Settings::default()
    };
    let mut device = Device::with_settings(slow);
    device.add_music(std::slice::from_ref(&long));
    device.login(&server, "ann").await;
    device.cloud.queue_all().expect("queue");
    let track = device.tracks()[0].id;
    let cloud = device.cloud.clone();
    let upload = tokio::spawn(async move { cloud.run_uploads(1, Until::Idle).await });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let activity = device.library.upload_activity(10).expect("activity");
        if activity
            .iter()
            .any(|t| t.state == UploadState::Uploading && t.bytes_done > size / 2)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the upload never got half way: {activity:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The process dies: the workers are dropped mid-request.
    upload.abort();
    let _ = upload.await;
    let sent_before = device.cloud.bytes_uploaded();
    assert!(sent_before < size);

    // The server may not have seen the cut-off request end yet: a request that still holds
    // the upload, let go a second after the restart, makes that certain.
    let holder = hold_upload(&server, &long).await;

    // After a restart the queue still has the track, and the upload resumes.
    device.restart(Settings::default());
    assert_eq!(
        device.library.upload_state(track).expect("state"),
        UploadState::Uploading,
        "the crash left it under way"
    );
    let cloud = device.cloud.clone();
    let resume = tokio::spawn(async move { cloud.run_uploads(1, Until::Idle).await });
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(holder);
    resume.await.expect("uploads ran");
    assert_eq!(
        device.library.upload_state(track).expect("state"),
        UploadState::InCloud
    );
    let resent = device.cloud.bytes_uploaded();
    // The server commits every MiB: at most that much (and the chunk in flight) is resent.
    assert!(
        sent_before + resent <= size + 2 * 1024 * 1024,
        "sent {sent_before} then {resent} of {size}"
    );
    assert!(
        resent < size / 2 + 2 * 1024 * 1024,
        "resent {resent} of {size}"
    );

    // The cloud has the whole, right file: another device streams it back byte for byte.
    let other = Device::new();
    other.login(&server, "ann").await;
    other.cloud.sync().await.expect("sync");
    let runtime = tokio::runtime::Handle::current();
    let cloud = other.cloud.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let mut reader = cloud.open_track(track, runtime).expect("opens");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut bytes).expect("reads");
        bytes
    })
    .await
    .expect("read");
    assert!(
        bytes == std::fs::read(&long).expect("original"),
        "the cloud copy differs"
    );
}

/// Starts a PATCH on the user's one unfinished upload, sends a little of `file` at the
/// server's offset and stops there, holding the upload until the stream is dropped.
async fn hold_upload(server: &Locker, file: &Path) -> TcpStream {
    let login = tonearm_sync::Client::new(&server.url().parse().expect("a server address"))
        .expect("client")
        .login("ann", PASSWORD, "holder")
        .await
        .expect("login");
    let client = tonearm_sync::Client::new(&server.url().parse().expect("a server address"))
        .expect("client")
        .with_token(&login.token);
    let store = server.running.as_ref().expect("running").store();
    let ids = store.upload_ids().await.expect("uploads");
    assert_eq!(ids.len(), 1, "one upload under way");
    let path = format!("/api/v1/uploads/{}", ids[0].0);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let offset = client
            .upload_offset(&path)
            .await
            .expect("offset")
            .expect("the upload exists");
        let mut head = vec![0u8; 64 * 1024];
        let mut source = std::fs::File::open(file).expect("open");
        source.seek(SeekFrom::Start(offset)).expect("seek");
        source
            .read_exact(&mut head)
            .unwrap_or_else(|e| panic!("read at {offset}: {e}"));
        let mut stream = TcpStream::connect(server.config.listen)
            .await
            .expect("connect");
        let request = format!(
            "PATCH {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
             Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n\
             Upload-Offset: {offset}\r\nContent-Length: {length}\r\n\r\n",
            host = server.config.listen,
            token = login.token,
            length = std::fs::metadata(file).expect("size").len() - offset,
        );
        stream.write_all(request.as_bytes()).await.expect("send");
        stream.write_all(&head).await.expect("send");
        // A refused request is answered at once; one that holds the upload waits for more.
        // Then a probe at a wrong offset (which writes nothing) proves the upload is held.
        let mut answer = [0u8; 512];
        let read = tokio::time::timeout(Duration::from_millis(500), stream.read(&mut answer)).await;
        if read.is_err() {
            match client.upload_chunk(&path, offset + 1, vec![0]).await {
                Err(tonearm_sync::SyncError::Server {
                    status: 409,
                    message,
                    ..
                }) if message.contains("another request") => return stream,
                probe => assert!(Instant::now() < deadline, "not held: {probe:?}"),
            }
        }
        assert!(
            Instant::now() < deadline,
            "the upload could not be held: {read:?} {}",
            String::from_utf8_lossy(&answer)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_uploads_wait_and_a_changed_file_is_hashed_again() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let files = write_tones(source.path(), 2, 300.0, 100.0, 2.0);
    let device = Device::new();
    device.add_music(&files);
    device.login(&server, "ann").await;
    device.cloud.queue_all().expect("queue");
    let tracks = device.tracks();
    let (paused, other) = (tracks[0].id, tracks[1].id);
    assert_eq!(device.cloud.pause(Some(paused)).expect("pause"), 1);
    device.cloud.run_uploads(2, Until::Idle).await;
    assert_eq!(
        device.library.upload_state(paused).expect("state"),
        UploadState::Paused
    );
    assert_eq!(
        device.library.upload_state(other).expect("state"),
        UploadState::InCloud
    );
    let totals = device.library.cloud_totals().expect("totals");
    assert_eq!((totals.in_cloud, totals.paused), (1, 1));

    // While paused, the file changes: its old hash is not trusted.
    let music_copy = device
        .tracks()
        .into_iter()
        .find(|t| t.id == paused)
        .expect("track")
        .path;
    write_tone(std::path::Path::new(&music_copy), 1_000.0, 3.0, 0.4);
    device.add_music(&[]);
    device.cloud.resume(None).expect("resume");
    device.cloud.run_uploads(1, Until::Idle).await;
    assert_eq!(
        device.library.upload_state(paused).expect("state"),
        UploadState::InCloud
    );
    let file = device
        .library
        .cloud_file(paused)
        .expect("query")
        .expect("in the cloud");
    let expected = blake3::hash(&std::fs::read(&music_copy).expect("file"))
        .to_hex()
        .to_string();
    assert_eq!(
        file.blake3, expected,
        "the new contents went up, not the old hash"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_cannot_reach_the_server_waits_with_its_reason_and_goes_later() {
    let mut server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let file = source.path().join("tone.wav");
    write_tone(&file, 500.0, 1.0, 0.4);
    let device = Device::new();
    device.add_music(std::slice::from_ref(&file));
    device.login(&server, "ann").await;
    device.cloud.queue_all().expect("queue");
    let track = device.tracks()[0].id;

    server.stop().await;
    device.cloud.run_uploads(1, Until::Idle).await;
    assert_eq!(
        device.library.upload_state(track).expect("state"),
        UploadState::Failed
    );
    let failed = device.library.upload_activity(10).expect("activity");
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("cannot reach the server")),
        "{failed:?}"
    );
    let now = tonearm_library::now_ms();
    assert!(
        failed[0].next_retry_at.is_some_and(|at| at > now),
        "a retry is scheduled: {failed:?}"
    );
    // Before its retry time, a worker leaves it alone.
    device.cloud.run_uploads(1, Until::Idle).await;
    assert_eq!(
        device.library.upload_state(track).expect("state"),
        UploadState::Failed
    );
    assert_eq!(device.library.cloud_totals().expect("totals").failed, 1);

    // The server is back; asking again (as "upload library" does) sends it now.
    server.start_again().await;
    device.cloud.queue_all().expect("queue");
    device.cloud.run_uploads(1, Until::Idle).await;
    assert_eq!(
        device.library.upload_state(track).expect("state"),
        UploadState::InCloud
    );
}

/// How many tracks are being hashed, matched or uploaded right now.
fn under_way(device: &crate::support::Device) -> usize {
    device
        .library
        .upload_activity(100)
        .expect("activity")
        .iter()
        .filter(|t| {
            matches!(
                t.state,
                UploadState::Hashing
                    | UploadState::Matching
                    | UploadState::Uploading
                    | UploadState::Verifying
            )
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_at_once_and_the_speed_limit_change_while_uploads_run() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let files = write_tones(source.path(), 3, 300.0, 100.0, 24.0); // 2.1 MB each
    // One upload at a time, slowly: the user's settings at start.
    let device = crate::support::Device::with_settings(Settings {
        workers: 1,
        bandwidth_limit: Some(1_000_000),
        ..Settings::default()
    });
    device.add_music(&files);
    device.login(&server, "ann").await;
    assert_eq!(device.cloud.tuning().workers, 1);
    device.cloud.queue_all().expect("queue");
    let cloud = device.cloud.clone();
    let workers = tokio::spawn(async move { cloud.run_uploads(0, Until::Stopped).await });

    // While one is allowed, never two at once.
    let mut seen_one = false;
    for _ in 0..40 {
        let now = under_way(&device);
        assert!(now <= 1, "{now} uploads at once with a limit of one");
        seen_one |= now == 1;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(seen_one, "nothing was uploading");

    // Three at once from now on; the limit is kept.
    let mut tuning = device.cloud.tuning();
    assert_eq!(tuning.bandwidth_limit, Some(1_000_000));
    tuning.workers = 3;
    device.cloud.set_tuning(tuning).expect("tuning");
    let deadline = Instant::now() + Duration::from_secs(20);
    while under_way(&device) < 2 {
        assert!(
            Instant::now() < deadline,
            "the second and third uploads never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // No limit any more: everything finishes.
    device
        .cloud
        .set_tuning(tonearm_sync::Tuning {
            bandwidth_limit: None,
            ..tuning
        })
        .expect("tuning");
    let deadline = Instant::now() + Duration::from_secs(30);
    while device.library.cloud_totals().expect("totals").in_cloud < 3 {
        assert!(Instant::now() < deadline, "the uploads never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    device.cloud.stop_uploads();
    workers.await.expect("workers stop");

    // Each finished upload brings the storage used (this server sets no quota).
    let status = device.cloud.status().expect("status");
    let sizes: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).expect("size").len())
        .sum();
    assert_eq!(status.storage_used, Some(sizes));
    assert_eq!(status.storage_quota, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_smaller_cache_budget_applies_at_once() {
    let device = crate::support::Device::new();
    let mut tuning = device.cloud.tuning();
    assert_eq!(tuning.cache_budget, Settings::default().cache_budget);
    tuning.cache_budget = 64 * 1024 * 1024;
    device.cloud.set_tuning(tuning).expect("tuning");
    assert_eq!(device.cloud.cache().budget(), 64 * 1024 * 1024);
    assert_eq!(
        device.cloud.status().expect("status").cache_budget,
        64 * 1024 * 1024
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn automatic_uploads_take_new_music_but_not_a_song_removed_from_the_cloud() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let file = |name: &str, hz: f64| {
        let path = source.path().join(name);
        write_tone(&path, hz, 1.0, 0.4);
        path
    };
    let (first, second, later) = (
        file("a.wav", 440.0),
        file("b.wav", 550.0),
        file("c.wav", 660.0),
    );
    let device = Device::with_settings(Settings {
        auto_upload: true,
        ..Settings::default()
    });
    device.add_music(&[first, second]);

    // Before any account, nothing is queued: there is nowhere to send it.
    assert_eq!(device.cloud.upload_new().expect("queue"), 0);
    device.login(&server, "ann").await;
    // The first sync after the login queues the library, with no "upload" asked for.
    device.cloud.sync().await.expect("sync");
    assert_eq!(device.library.cloud_totals().expect("totals").pending, 2);
    device.cloud.run_uploads(2, Until::Idle).await;
    assert_eq!(device.library.cloud_totals().expect("totals").in_cloud, 2);

    // A song the user removes from the cloud stays off it.
    let removed = device.tracks()[0].id;
    device
        .cloud
        .delete_from_cloud(removed)
        .await
        .expect("deleted");
    device.cloud.sync().await.expect("sync");
    assert_eq!(
        device.library.upload_state(removed).expect("state"),
        UploadState::LocalOnly
    );

    // Nor does it go back after logging out and in again (which forgets what this device
    // knew of the cloud), nor from another device holding the same file.
    device.cloud.logout().await.expect("logout");
    device.login(&server, "ann").await;
    device.cloud.sync().await.expect("sync");
    device.cloud.run_uploads(2, Until::Idle).await;
    assert_eq!(
        device.library.upload_state(removed).expect("state"),
        UploadState::LocalOnly
    );
    assert_eq!(device.library.cloud_totals().expect("totals").in_cloud, 1);
    let other = Device::with_settings(Settings {
        auto_upload: true,
        ..Settings::default()
    });
    let removed_file = device
        .tracks()
        .into_iter()
        .find(|t| t.id == removed)
        .map(|t| {
            source
                .path()
                .join(Path::new(&t.path).file_name().expect("a name"))
        })
        .expect("the removed song");
    other.add_music(&[removed_file]);
    other.login(&server, "ann").await;
    other.cloud.sync().await.expect("sync");
    other.cloud.run_uploads(2, Until::Idle).await;
    let mine = other
        .tracks()
        .into_iter()
        .find(|t| t.state == tonearm_library::TrackState::Present)
        .expect("the file");
    assert_eq!(
        other.library.upload_state(mine.id).expect("state"),
        UploadState::LocalOnly,
        "another device leaves it out too"
    );
    // Asked for by the user, it goes up.
    device.cloud.queue(&[removed]).expect("queue");
    device.cloud.run_uploads(2, Until::Idle).await;
    assert_eq!(
        device.library.upload_state(removed).expect("state"),
        UploadState::InCloud
    );
    device
        .cloud
        .delete_from_cloud(removed)
        .await
        .expect("deleted again");

    // New music found by a scan is queued at once.
    device.add_music(&[later]);
    assert_eq!(device.cloud.upload_new().expect("queue"), 1);
    device.cloud.run_uploads(2, Until::Idle).await;
    let totals = device.library.cloud_totals().expect("totals");
    assert_eq!((totals.in_cloud, totals.local_only), (2, 1));

    // Switched off, new music waits for the user, and so does what it had queued and not
    // started.
    device.add_music(&[file("d.wav", 770.0)]);
    assert_eq!(device.cloud.upload_new().expect("queue"), 1);
    device
        .cloud
        .set_tuning(tonearm_sync::Tuning {
            auto_upload: false,
            ..device.cloud.tuning()
        })
        .expect("tuning");
    let totals = device.library.cloud_totals().expect("totals");
    assert_eq!((totals.pending, totals.local_only), (0, 2));
    device.add_music(&[file("e.wav", 880.0)]);
    assert_eq!(device.cloud.upload_new().expect("queue"), 0);
    device.cloud.sync().await.expect("sync");
    assert_eq!(device.library.cloud_totals().expect("totals").local_only, 3);
}
