//! "Remove downloads" against the real server: files go to the trash only when the server
//! confirms, then, that it holds their bytes; the songs stay as cloud-only and stream.

use crate::support::{Device, Locker, fixtures};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use tonearm_library::cloud::{FreeUpSelection, FreeUpSkip};
use tonearm_library::watch::{DEBOUNCE, Watcher};
use tonearm_library::{Track, TrackId, TrackState};
use tonearm_sync::trash::Trash;
use tonearm_sync::{FreeUpRefusal, Until};

/// Long enough for the watcher to debounce the removals and rescan their folder.
const WATCHER_SETTLES: std::time::Duration = DEBOUNCE.saturating_mul(3);

const FILES: [&str; 6] = [
    "tagged.flac",
    "tagged.ogg",
    "id3v24.mp3",
    "aac.m4a",
    "tagged.wav",
    "tagged.opus",
];

fn by_file(device: &Device, name: &str) -> Track {
    device
        .tracks()
        .into_iter()
        .find(|t| t.path.ends_with(name))
        .unwrap_or_else(|| panic!("no track for {name}"))
}

fn track(device: &Device, id: TrackId) -> Track {
    device
        .library
        .track(id)
        .expect("the track is still in the library")
}

async fn read_stream(device: &Device, id: TrackId) -> Vec<u8> {
    let cloud = device.cloud.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut reader = cloud.open_track(id, runtime).expect("a freed song streams");
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).expect("streamed");
        bytes
    })
    .await
    .expect("joined")
}

fn trashed_files(trash: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(trash.join("files"))
        .map(|dir| {
            dir.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn freeing_space_removes_only_what_the_server_confirms_holding() {
    let server = Locker::start().await;
    server.add_user("ann").await;
    let device = Device::new();
    let files: Vec<PathBuf> = FILES.iter().map(|f| fixtures().join(f)).collect();
    device.add_music(&files);
    device.login(&server, "ann").await;
    device.cloud.queue_all().expect("queue");
    device.cloud.run_uploads(2, Until::Idle).await;
    assert_eq!(device.library.cloud_totals().expect("totals").in_cloud, 6);
    let other = Device::new();
    other.login(&server, "ann").await;

    let [flac, ogg, mp3, m4a, wav, opus] = FILES.map(|name| by_file(&device, name));
    // What must survive: plays, a rating, playlist entries.
    device
        .library
        .record_play(flac.id, 1_700_000_000_000)
        .expect("play");
    device
        .library
        .set_rating(flac.id, Some(80))
        .expect("rating");
    let playlist = device.library.create_playlist("Road").expect("playlist");
    device
        .library
        .add_to_playlist(playlist, &[flac.id, m4a.id, ogg.id], None)
        .expect("entries");
    // Kept offline: never removed.
    let wav_bytes = device
        .library
        .cloud_file(wav.id)
        .expect("file")
        .expect("in cloud");
    device
        .library
        .set_pinned(&wav_bytes.blake3, wav_bytes.size, true)
        .expect("pinned");

    let album = flac.album.clone().expect("the fixtures' album");
    let plan = device
        .library
        .plan_free_up(&FreeUpSelection::Album(album))
        .expect("plan");
    let planned: Vec<TrackId> = plan.tracks.iter().map(|t| t.track_id).collect();
    assert_eq!(planned.len(), 5, "{plan:?}");
    for t in [&flac, &ogg, &mp3, &m4a, &opus] {
        assert!(planned.contains(&t.id), "{} is in the plan", t.path);
    }
    assert_eq!(
        plan.total_bytes,
        [&flac, &ogg, &mp3, &m4a, &opus]
            .iter()
            .map(|t| t.size)
            .sum::<u64>()
    );
    assert_eq!(plan.skipped.len(), 1);
    assert_eq!(
        (plan.skipped[0].track_id, plan.skipped[0].reason),
        (wav.id, FreeUpSkip::Pinned)
    );

    // Meanwhile another device deletes one song from the cloud, and a file is edited.
    other
        .cloud
        .client()
        .expect("logged in")
        .delete_track(tonearm_protocol::TrackId(ogg.id.0))
        .await
        .expect("deleted by the other device");
    let mut edited = std::fs::read(&mp3.path).expect("mp3");
    edited.extend_from_slice(b"appended after the upload");
    std::fs::write(&mp3.path, &edited).expect("edited");

    // The folder watcher runs meanwhile, as in the app: it sees the files go.
    let watcher = Watcher::start(device.library.clone(), |_| {}).expect("watching");
    let trash_home = tempfile::tempdir().expect("XDG_DATA_HOME");
    let trash = Trash::home_from(Some(trash_home.path().into()), None).expect("a trash");
    let report = device
        .cloud
        .free_up_into(&plan, Some(trash.clone()), &AtomicBool::new(false))
        .await
        .expect("freed");

    let mut freed: Vec<TrackId> = report.freed.iter().map(|f| f.track_id).collect();
    freed.sort();
    let mut expected = vec![flac.id, m4a.id, opus.id];
    expected.sort();
    assert_eq!(freed, expected, "{report:?}");
    assert_eq!(report.freed_bytes, flac.size + m4a.size + opus.size);
    let refusal = |id: TrackId| {
        report
            .refused
            .iter()
            .find(|r| r.track_id == id)
            .map(|r| r.reason.clone())
    };
    assert_eq!(refusal(ogg.id), Some(FreeUpRefusal::NotOnServer));
    assert_eq!(refusal(mp3.id), Some(FreeUpRefusal::FileChanged));
    assert_eq!(report.refused.len(), 2);

    // The freed files are in the trash, with their info; the others are where they were.
    let trash_root = trash_home.path().join("Trash");
    assert_eq!(
        trashed_files(&trash_root),
        ["aac.m4a", "tagged.flac", "tagged.opus"]
    );
    let info =
        std::fs::read_to_string(trash_root.join("info/tagged.flac.trashinfo")).expect("trashinfo");
    assert!(
        info.contains(&format!(
            "Path={}",
            tonearm_sync::trash::escape_path(Path::new(&flac.path))
        )),
        "{info}"
    );
    for gone in [&flac, &m4a, &opus] {
        assert!(!Path::new(&gone.path).exists(), "{} was removed", gone.path);
    }
    for kept in [&ogg, &mp3, &wav] {
        assert!(Path::new(&kept.path).exists(), "{} is kept", kept.path);
    }
    assert_eq!(
        std::fs::read(trash_root.join("files/tagged.flac")).expect("in the trash"),
        std::fs::read(fixtures().join("tagged.flac")).expect("fixture")
    );

    // The freed songs are cloud-only, the same rows: id, plays, rating, playlist entries.
    let now = track(&device, flac.id);
    assert_eq!(now.state, TrackState::Cloud);
    assert_eq!((now.play_count, now.rating), (1, Some(80)));
    assert_eq!(now.title, flac.title);
    assert_eq!(track(&device, ogg.id).state, TrackState::Present);
    let entries: Vec<TrackId> = device
        .library
        .playlist(playlist)
        .expect("playlist")
        .entries
        .iter()
        .map(|e| e.track_id)
        .collect();
    assert_eq!(entries, [flac.id, m4a.id, ogg.id]);

    // They stream: the bytes that were uploaded.
    for (song, name) in [(&flac, "tagged.flac"), (&opus, "tagged.opus")] {
        assert_eq!(
            read_stream(&device, song.id).await,
            std::fs::read(fixtures().join(name)).expect("fixture")
        );
    }

    // Neither the watcher, once it has seen the files go, nor a rescan marks them missing:
    // they stay cloud-only.
    tokio::time::sleep(WATCHER_SETTLES).await;
    drop(watcher);
    for song in [&flac, &m4a, &opus] {
        assert_eq!(track(&device, song.id).state, TrackState::Cloud);
    }
    // A rescan leaves them alone: nothing goes missing, they stay cloud-only.
    let scan = tonearm_testkit::library::scan(&device.library);
    assert_eq!(scan.missing, 0, "{scan:?}");
    for song in [&flac, &m4a, &opus] {
        assert_eq!(track(&device, song.id).state, TrackState::Cloud);
    }
    assert_eq!(device.tracks().len(), 6);

    // Asked again, the pinned song is still refused, and the freed ones are skipped.
    let again = device
        .library
        .plan_free_up(&FreeUpSelection::Tracks(vec![wav.id, flac.id]))
        .expect("plan");
    assert!(again.tracks.is_empty());
    let reasons: Vec<FreeUpSkip> = again.skipped.iter().map(|s| s.reason).collect();
    assert_eq!(reasons, [FreeUpSkip::Pinned, FreeUpSkip::AlreadyCloudOnly]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_removed_without_the_servers_answer_or_after_a_pin() {
    let mut server = Locker::start().await;
    server.add_user("ann").await;
    let device = Device::new();
    let files: Vec<PathBuf> = ["tagged.flac", "tagged.ogg"]
        .iter()
        .map(|f| fixtures().join(f))
        .collect();
    device.add_music(&files);
    device.login(&server, "ann").await;
    device.cloud.queue_all().expect("queue");
    device.cloud.run_uploads(2, Until::Idle).await;
    let [flac, ogg] = ["tagged.flac", "tagged.ogg"].map(|name| by_file(&device, name));

    // Not played for a month (they were added long ago, as far as this plan knows).
    let later = flac.added_at + 40 * 24 * 60 * 60 * 1000;
    let plan = device
        .library
        .plan_free_up(&FreeUpSelection::NotPlayedFor {
            months: 1,
            now_ms: later,
        })
        .expect("plan");
    assert_eq!(plan.tracks.len(), 2, "{plan:?}");
    let none_yet = device
        .library
        .plan_free_up(&FreeUpSelection::NotPlayedFor {
            months: 2,
            now_ms: later,
        })
        .expect("plan");
    assert!(none_yet.tracks.is_empty());

    // Pinned after the plan was made: kept.
    let ogg_bytes = device
        .library
        .cloud_file(ogg.id)
        .expect("file")
        .expect("in cloud");
    device
        .library
        .set_pinned(&ogg_bytes.blake3, ogg_bytes.size, true)
        .expect("pinned");
    // And the server is gone: nothing is removed on an old answer.
    server.stop().await;
    let trash_home = tempfile::tempdir().expect("XDG_DATA_HOME");
    let report = device
        .cloud
        .free_up_into(
            &plan,
            Some(Trash::at(trash_home.path().join("Trash"))),
            &AtomicBool::new(false),
        )
        .await
        .expect("ran");
    assert!(report.freed.is_empty());
    let reason = |id: TrackId| {
        report
            .refused
            .iter()
            .find(|r| r.track_id == id)
            .map(|r| r.reason.clone())
    };
    assert!(
        matches!(reason(flac.id), Some(FreeUpRefusal::Offline { .. })),
        "{report:?}"
    );
    assert_eq!(reason(ogg.id), Some(FreeUpRefusal::Pinned));
    assert!(Path::new(&flac.path).exists() && Path::new(&ogg.path).exists());
    assert_eq!(track(&device, flac.id).state, TrackState::Present);

    // Cancelled before the first file: nothing is touched.
    server.start_again().await;
    let cancelled = device
        .cloud
        .free_up_into(
            &plan,
            Some(Trash::at(trash_home.path().join("Trash"))),
            &AtomicBool::new(true),
        )
        .await
        .expect("ran");
    assert!(cancelled.cancelled && cancelled.freed.is_empty());
    assert!(Path::new(&flac.path).exists());
}
