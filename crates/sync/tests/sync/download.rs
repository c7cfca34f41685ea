//! "Download my library" and "Export everything" against the real server: a restore killed
//! halfway and resumed ends with the uploaded bytes (BLAKE3), as the same tracks with their
//! plays, ratings and playlists; bytes that are not the cloud's are refused; an export holds
//! every file, the playlists as M3U8 and the library as JSON.

use crate::support::{Device, Locker, fixtures};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use tonearm_library::model::TrackState;
use tonearm_library::{PlaylistId, ScanControl, TrackId};
use tonearm_sync::download::DownloadProgress;
use tonearm_sync::{Cancel, Until};

/// A device that uploaded real files (three tagged fixtures, two noise WAVs of a few seconds),
/// with a rating, a love, plays and a playlist, all synced; the BLAKE3 of each track's bytes.
async fn uploaded_library(server: &Locker) -> (Device, HashMap<TrackId, String>, PlaylistId) {
    server.add_user("ann").await;
    let source = tempfile::tempdir().expect("temp dir");
    let mut files: Vec<PathBuf> = ["tagged.flac", "tagged.ogg", "id3v24.mp3"]
        .iter()
        .map(|name| fixtures().join(name))
        .collect();
    for seed in 0..2 {
        let path = source.path().join(format!("noise{seed}.wav"));
        // Different lengths, so half of the bytes falls inside a song.
        tonearm_testkit::wav::write_noise(&path, seed + 1, 6.0 / (seed + 1) as f64);
        files.push(path);
    }
    let uploader = Device::new();
    uploader.add_music(&files);
    let tracks = uploader.tracks();
    assert_eq!(tracks.len(), 5);
    uploader
        .library
        .set_rating(tracks[0].id, Some(80))
        .expect("rate");
    uploader
        .library
        .set_loved(tracks[0].id, true)
        .expect("love");
    uploader
        .library
        .record_play(tracks[1].id, 1_700_000_000_000)
        .expect("play");
    uploader
        .library
        .record_play(tracks[1].id, 1_700_000_500_000)
        .expect("play");
    let playlist = uploader
        .library
        .create_playlist("Road trip: the best?")
        .expect("playlist");
    let order: Vec<TrackId> = tracks.iter().rev().map(|t| t.id).collect();
    uploader
        .library
        .add_to_playlist(playlist, &order, None)
        .expect("add");
    uploader.login(server, "ann").await;
    uploader.cloud.queue_all().expect("queue");
    uploader.cloud.run_uploads(2, Until::Idle).await;
    uploader.cloud.sync().await.expect("sync");
    let hashes = uploader
        .tracks()
        .into_iter()
        .map(|t| (t.id, blake3_of(Path::new(&t.path))))
        .collect();
    (uploader, hashes, playlist)
}

/// A second device, logged in and synced: every song is cloud-only there.
async fn new_computer(server: &Locker) -> Device {
    let device = Device::new();
    device.login(server, "ann").await;
    device.cloud.sync().await.expect("sync");
    assert!(
        device.tracks().iter().all(|t| t.state == TrackState::Cloud),
        "a new computer has only the cloud's songs"
    );
    device
}

/// A future the app can spawn on its runtime (checked at compile time).
fn spawnable<F: std::future::Future + Send>(future: F) -> F {
    future
}

fn blake3_of(path: &Path) -> String {
    blake3::hash(&std::fs::read(path).expect("read"))
        .to_hex()
        .to_string()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn parts_under(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".part"))
        .collect()
}

/// What a device knows of its songs that a restore must keep: by id, the rating, love and
/// play count.
fn marks(device: &Device) -> HashMap<TrackId, (Option<u8>, bool, u32)> {
    device
        .tracks()
        .into_iter()
        .map(|t| (t.id, (t.rating, t.loved, t.play_count)))
        .collect()
}

fn playlist_ids(device: &Device, id: PlaylistId) -> Vec<TrackId> {
    device
        .library
        .playlist(id)
        .expect("playlist")
        .entries
        .iter()
        .map(|e| e.track_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_killed_halfway_resumes_to_the_uploaded_bytes_as_the_same_tracks() {
    let server = Locker::start().await;
    let (_uploader, hashes, playlist) = uploaded_library(&server).await;
    let device = new_computer(&server).await;
    let before = marks(&device);
    let playlist_before = playlist_ids(&device, playlist);
    assert_eq!(playlist_before.len(), 5);
    let destination = device.dir.path().join("Restored");
    let total: u64 = device.tracks().iter().map(|t| t.size).sum();

    // The first run stops once half the bytes are down, in the middle of a song (the app
    // quits). Stopping right at a song's end would leave no part to resume.
    let cancel = Cancel::default();
    let sizes: HashMap<_, _> = device.tracks().iter().map(|t| (t.id, t.size)).collect();
    let song_start = Mutex::new((None, 0u64, 0u64));
    let stop_halfway = |p: &DownloadProgress| {
        let mut state = song_start.lock().expect("lock");
        let (current, start, last) = &mut *state;
        if p.track_id != *current {
            *current = p.track_id;
            *start = *last;
        }
        *last = p.bytes_done;
        let inside = p
            .track_id
            .and_then(|id| sizes.get(&id))
            .is_some_and(|size| p.bytes_done > *start && p.bytes_done - *start < *size);
        if p.bytes_done >= total / 2 && inside {
            cancel.cancel();
        }
    };
    let first = device
        .cloud
        .download(None, &destination, &stop_halfway, &cancel)
        .await
        .expect("download starts");
    assert!(first.cancelled);
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    assert!(first.downloaded.len() < 5);
    let parts = parts_under(&destination);
    assert_eq!(parts.len(), 1, "the song being fetched is kept as a part");
    // A crash loses what the OS had not written: the part is shorter than what was fetched.
    let part = std::fs::OpenOptions::new()
        .write(true)
        .open(&parts[0])
        .expect("part");
    let len = part.metadata().expect("len").len();
    part.set_len(len / 2).expect("truncate");
    drop(part);
    let cloud_only = device
        .tracks()
        .iter()
        .filter(|t| t.state == TrackState::Cloud)
        .count();
    assert_eq!(cloud_only, 5 - first.downloaded.len());

    // The second run resumes the part and fetches the rest.
    let seen = Mutex::new(Vec::new());
    let record = |p: &DownloadProgress| seen.lock().expect("lock").push(p.clone());
    let no_cancel = Cancel::default();
    let second = device
        .cloud
        .download(None, &destination, &record, &no_cancel);
    // The app runs it on its runtime's threads.
    let second = spawnable(second).await.expect("download");
    assert!(!second.cancelled);
    assert!(second.failed.is_empty(), "{:?}", second.failed);
    assert_eq!(first.downloaded.len() + second.downloaded.len(), 5);
    assert!(
        second.downloaded.iter().any(|d| d.resumed_from > 0),
        "the part was resumed, not fetched again"
    );
    assert!(
        second.bytes_fetched < total,
        "fetched {}",
        second.bytes_fetched
    );
    let last = seen
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("progress");
    assert_eq!(last.bytes_done, last.bytes_total);
    assert_eq!(last.tracks_done, last.tracks_total);
    assert!(parts_under(&destination).is_empty(), "no part is left");

    // Byte for byte what was uploaded, as the same tracks with their marks and playlists.
    let root = std::fs::canonicalize(&destination).expect("canonical");
    let check = |device: &Device| {
        let tracks = device.tracks();
        assert_eq!(tracks.len(), 5);
        for track in &tracks {
            assert_eq!(track.state, TrackState::Present, "{}", track.title);
            assert!(Path::new(&track.path).starts_with(&root), "{}", track.path);
            assert_eq!(
                blake3_of(Path::new(&track.path)),
                hashes[&track.id],
                "{} is the uploaded bytes",
                track.path
            );
        }
        assert_eq!(marks(device), before);
        assert_eq!(playlist_ids(device, playlist), playlist_before);
    };
    check(&device);
    assert_eq!(files_under(&root).len(), 5);
    assert!(
        files_under(&root)
            .iter()
            .any(|p| p.ends_with("Unknown Artist/Unknown Album/noise0.wav")),
        "{:?}",
        files_under(&root)
    );

    // The next scan sees the same tracks (nothing new, nothing missing), and nothing goes
    // up again.
    let cancel_scan = AtomicBool::new(false);
    device
        .library
        .scan(&ScanControl {
            cancel: &cancel_scan,
            progress: &|_| {},
        })
        .expect("scan");
    check(&device);
    assert_eq!(device.cloud.upload_new().expect("queue"), 0);
    device.cloud.sync().await.expect("sync");
    check(&device);

    // Downloading again has nothing to do.
    let again = device
        .cloud
        .download(None, &destination, &|_| {}, &Cancel::default())
        .await
        .expect("download");
    assert!(again.downloaded.is_empty());
    assert_eq!(again.bytes_fetched, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bytes_that_are_not_the_clouds_are_refused() {
    let server = Locker::start().await;
    let (_uploader, hashes, _) = uploaded_library(&server).await;
    let device = new_computer(&server).await;
    let track = device
        .tracks()
        .into_iter()
        .max_by_key(|t| t.size)
        .expect("a track");
    let destination = device.dir.path().join("Restored");

    // Half of it comes down; then the part is tampered with.
    let cancel = Cancel::default();
    let half = |p: &DownloadProgress| {
        if p.bytes_done >= track.size / 2 {
            cancel.cancel();
        }
    };
    let first = device
        .cloud
        .download(Some(&[track.id]), &destination, &half, &cancel)
        .await
        .expect("download starts");
    assert!(first.cancelled);
    let parts = parts_under(&destination);
    assert_eq!(parts.len(), 1);
    let mut bytes = std::fs::read(&parts[0]).expect("part");
    bytes[1000] ^= 0xff;
    std::fs::write(&parts[0], bytes).expect("tamper");

    let refused = device
        .cloud
        .download(Some(&[track.id]), &destination, &|_| {}, &Cancel::default())
        .await
        .expect("download runs");
    assert!(refused.downloaded.is_empty());
    assert_eq!(refused.failed.len(), 1);
    assert_eq!(refused.failed[0].track_id, track.id);
    assert!(
        refused.failed[0].error.contains("not what was uploaded"),
        "{}",
        refused.failed[0].error
    );
    assert!(
        files_under(&destination).is_empty(),
        "the bad bytes are gone"
    );
    assert_eq!(
        device.library.track(track.id).expect("track").state,
        TrackState::Cloud,
        "the song is still only in the cloud"
    );

    // The next run fetches it whole, right.
    let fixed = device
        .cloud
        .download(Some(&[track.id]), &destination, &|_| {}, &Cancel::default())
        .await
        .expect("download");
    assert_eq!(fixed.downloaded.len(), 1);
    let path = device.library.track(track.id).expect("track").path;
    assert_eq!(blake3_of(Path::new(&path)), hashes[&track.id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_holds_every_file_the_playlists_and_the_library() {
    let server = Locker::start().await;
    let (uploader, hashes, playlist) = uploaded_library(&server).await;
    // A computer with one song downloaded and the others only in the cloud.
    let device = new_computer(&server).await;
    let one = device.tracks()[0].id;
    device
        .cloud
        .download(
            Some(&[one]),
            &device.dir.path().join("Music"),
            &|_| {},
            &Cancel::default(),
        )
        .await
        .expect("download");

    for (who, exporter) in [("uploader", &uploader), ("new computer", &device)] {
        let out = tempfile::tempdir().expect("temp dir");
        let report = tonearm_sync::export::export(
            &exporter.library,
            Some(&exporter.cloud),
            out.path(),
            &|_| {},
            &Cancel::default(),
        )
        .await
        .expect("export");
        assert_eq!(report.songs, 5, "{who}: {:?}", report.failed);
        assert_eq!(report.playlists, 1);
        if who == "new computer" {
            assert_eq!((report.copied, report.downloaded), (1, 4));
        }
        let root = std::fs::canonicalize(out.path()).expect("canonical");
        let music = files_under(&root.join("Music"));
        assert_eq!(music.len(), 5, "{who}");

        let json: serde_json::Value = serde_json::from_slice(
            &std::fs::read(root.join("library.json")).expect("library.json"),
        )
        .expect("JSON");
        assert_eq!(json["format"], 1);
        let songs = json["songs"].as_array().expect("songs");
        assert_eq!(songs.len(), 5);
        let by_id: HashMap<TrackId, &serde_json::Value> = songs
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().expect("id").parse().expect("a track id"),
                    s,
                )
            })
            .collect();
        for track in exporter.tracks() {
            let song = by_id[&track.id];
            let file = root.join(song["file"].as_str().expect("file"));
            assert_eq!(blake3_of(&file), hashes[&track.id], "{who}: {file:?}");
            assert_eq!(song["title"], track.title.as_str());
            assert_eq!(song["rating"].as_u64(), track.rating.map(u64::from));
            assert_eq!(song["loved"], track.loved);
            assert_eq!(song["play_count"], track.play_count);
        }
        let played = uploader
            .tracks()
            .into_iter()
            .find(|t| t.play_count == 2)
            .expect("the played song");
        if who == "uploader" {
            assert_eq!(
                by_id[&played.id]["plays"],
                serde_json::json!([1_700_000_000_000_i64, 1_700_000_500_000_i64])
            );
        }

        // The playlist, by relative paths to the exported files, in its order.
        let lists = json["playlists"].as_array().expect("playlists");
        assert_eq!(lists.len(), 1);
        let m3u = root.join(lists[0]["file"].as_str().expect("file"));
        assert!(
            m3u.ends_with("Playlists/Road trip_ the best_.m3u8"),
            "{m3u:?}"
        );
        let text = std::fs::read_to_string(&m3u).expect("m3u8");
        assert!(text.starts_with("#EXTM3U\n#PLAYLIST:Road trip: the best?\n"));
        let listed: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| blake3_of(&m3u.parent().expect("folder").join(l)))
            .collect();
        let expected: Vec<String> = playlist_ids(exporter, playlist)
            .iter()
            .map(|id| hashes[id].clone())
            .collect();
        assert_eq!(listed, expected, "{who}");
        assert!(text.lines().all(|l| !l.starts_with('/')), "relative paths");
    }
}
