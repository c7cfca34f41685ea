//! The watcher: changes made while the app runs reach the library within seconds.

use crate::support::TestLibrary;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonearm_library::TrackState;
use tonearm_library::watch::Watcher;

/// Waits (up to 15 s) until `check` holds.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting until {what}");
}

#[test]
fn files_added_moved_and_deleted_while_watching_reach_the_library() {
    let t = TestLibrary::new();
    t.scan();
    let TestLibrary {
        dir: _dir,
        music,
        library,
    } = t;
    let library = Arc::new(library);
    let batches = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = batches.clone();
    let _watcher = Watcher::start(library.clone(), move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })
    .expect("watching");

    let added = music.join("New Album/01.flac");
    std::fs::create_dir_all(added.parent().expect("parent")).expect("dir");
    std::fs::copy(crate::support::fixtures().join("tagged.flac"), &added).expect("copied");
    eventually("the new file is in the library", || {
        library.track_at(&added).ok().flatten().is_some()
    });
    let id = library.track_at(&added).expect("query").expect("track").id;

    let renamed = music.join("New Album/01 renamed.flac");
    std::fs::rename(&added, &renamed).expect("renamed");
    eventually("the rename is seen", || {
        library
            .track_at(&renamed)
            .ok()
            .flatten()
            .is_some_and(|t| t.id == id)
    });

    std::fs::remove_file(&renamed).expect("deleted");
    eventually("the deleted file is missing", || {
        library
            .track(id)
            .is_ok_and(|t| t.state == TrackState::Missing)
    });
    assert!(batches.load(std::sync::atomic::Ordering::Relaxed) >= 3);
}

#[test]
fn a_watched_folder_that_vanishes_and_returns_is_followed() {
    let t = TestLibrary::new();
    let file = t.add("tagged.ogg", "a/song.ogg");
    t.scan();
    let TestLibrary {
        dir,
        music,
        library,
    } = t;
    let library = Arc::new(library);
    let id = library.track_at(&file).expect("query").expect("track").id;
    let _watcher = Watcher::start(library.clone(), |_| {}).expect("watching");

    let away = dir.path().join("away");
    std::fs::rename(&music, &away).expect("unplugged");
    eventually("the track goes missing", || {
        library
            .track(id)
            .is_ok_and(|t| t.state == TrackState::Missing)
    });
    std::fs::rename(&away, &music).expect("plugged back");
    eventually("the track is back", || {
        library
            .track(id)
            .is_ok_and(|t| t.state == TrackState::Present)
    });

    // Watching resumed on the returned folder.
    let later = music.join("a/later.flac");
    std::fs::copy(crate::support::fixtures().join("tagged.flac"), &later).expect("copied");
    eventually("a file added after the return is seen", || {
        library.track_at(&later).ok().flatten().is_some()
    });
}
