//! The watcher: changes made while the app runs reach the library within seconds.

use crate::support::TestLibrary;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonearm_library::TrackState;
use tonearm_library::watch::{DEBOUNCE, Watcher};

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

/// Opens and reads every file and folder under `dir`, as a player, a backup or a rescan does.
fn read_everything(dir: &std::path::Path) {
    for entry in std::fs::read_dir(dir).expect("listed") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            read_everything(&path);
        } else {
            std::fs::read(&path).expect("read");
        }
    }
}

#[test]
fn reading_the_music_folders_is_not_a_change() {
    let t = TestLibrary::new();
    let song = t.add("tagged.flac", "a/song.flac");
    t.add("tagged.ogg", "b/song.ogg");
    t.scan();
    let TestLibrary {
        dir: _dir,
        music,
        library,
    } = t;
    let library = Arc::new(library);
    let watcher = Watcher::start(library.clone(), |_| {}).expect("watching");

    // inotify reports each open; none of them may start a rescan (a rescan opens every
    // folder it walks, so one would start the next).
    for _ in 0..3 {
        read_everything(&music);
        std::thread::sleep(DEBOUNCE / 2);
    }
    std::thread::sleep(DEBOUNCE * 3);
    assert_eq!(watcher.rescans(), 0, "reads started a rescan");

    // Writing is a change: the file is rescanned once the folder is quiet.
    let before = library.track_at(&song).expect("query").expect("track").size;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&song)
        .expect("opened");
    std::io::Write::write_all(&mut file, b"appended").expect("written");
    drop(file);
    eventually("the written file is rescanned", || {
        library
            .track_at(&song)
            .ok()
            .flatten()
            .is_some_and(|t| t.size == before + 8)
    });
    let after_write = watcher.rescans();
    assert!(after_write >= 1);

    // And the rescan's own reads do not start another.
    std::thread::sleep(DEBOUNCE * 3);
    assert_eq!(
        watcher.rescans(),
        after_write,
        "the rescan rescanned itself"
    );
}
