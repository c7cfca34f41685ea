//! Identity: moves, renames, deletions and vanished folders never lose a track's id, plays or
//! playlist entries.

use crate::support::TestLibrary;
use tonearm_library::TrackState;

#[test]
fn a_moved_and_renamed_file_keeps_its_id_plays_and_playlist_entries() {
    let t = TestLibrary::new();
    let old = t.add("tagged.flac", "Artist/Album/01 song.flac");
    t.add("tagged.ogg", "Artist/Album/02 other.ogg");
    t.scan();
    let track = t.library.track_at(&old).expect("query").expect("track");
    t.library
        .record_play(track.id, 1_700_000_000_000)
        .expect("play");
    let playlist = t.library.create_playlist("Favourites").expect("playlist");
    t.library
        .add_to_playlist(playlist, &[track.id], None)
        .expect("added");

    let new = t.music.join("Elsewhere/renamed.flac");
    std::fs::create_dir_all(new.parent().expect("parent")).expect("dir");
    std::fs::rename(&old, &new).expect("move");
    let report = t.scan();

    assert_eq!((report.moved, report.added, report.missing), (1, 0, 0));
    let moved = t
        .library
        .track_at(&new)
        .expect("query")
        .expect("found at the new path");
    assert_eq!(moved.id, track.id);
    assert_eq!(moved.play_count, 1);
    assert_eq!(moved.state, TrackState::Present);
    assert!(t.library.track_at(&old).expect("query").is_none());
    let entries = t.library.playlist(playlist).expect("playlist").entries;
    assert_eq!(
        entries[0].track.as_ref().map(|t| t.path.clone()),
        Some(new.to_string_lossy().into_owned())
    );
}

#[test]
fn a_deleted_file_is_marked_missing_and_comes_back_intact() {
    let t = TestLibrary::new();
    let path = t.add("id3v24.mp3", "a/song.mp3");
    t.scan();
    let track = t.library.track_at(&path).expect("query").expect("track");
    t.library
        .record_play(track.id, 1_700_000_000_000)
        .expect("play");

    std::fs::remove_file(&path).expect("delete");
    let report = t.scan();
    assert_eq!(report.missing, 1);
    let missing = t.library.track(track.id).expect("still in the library");
    assert_eq!(missing.state, TrackState::Missing);
    assert_eq!(
        t.library.stats().expect("stats").albums,
        0,
        "missing tracks leave the album view"
    );

    t.add("id3v24.mp3", "a/song.mp3");
    t.scan();
    let back = t.library.track(track.id).expect("same id");
    assert_eq!(back.state, TrackState::Present);
    assert_eq!(back.play_count, 1);
    assert_eq!(t.library.stats().expect("stats").albums, 1);
}

#[test]
fn a_vanished_music_folder_keeps_its_tracks_and_restores_them() {
    let t = TestLibrary::new();
    t.add_all();
    let first = t.scan();
    let ids: Vec<_> = t
        .library
        .tracks(&Default::default(), Default::default(), false, 0, 100)
        .expect("tracks")
        .items
        .iter()
        .map(|t| t.id)
        .collect();

    let unplugged = t.dir.path().join("unplugged");
    std::fs::rename(&t.music, &unplugged).expect("unplug");
    let report = t.scan();
    assert!(
        report.errors.iter().any(|e| e.reason.contains("not there")),
        "{:?}",
        report.errors
    );
    assert_eq!(report.missing as usize, ids.len());
    let folders = t.library.folders().expect("folders");
    assert!(!folders[0].available);
    assert_eq!(
        t.library.stats().expect("stats").tracks as usize,
        ids.len(),
        "nothing deleted"
    );

    std::fs::rename(&unplugged, &t.music).expect("plug back");
    let report = t.scan();
    assert_eq!(
        report.restored, first.files_found,
        "every file found again, unreadable ones included"
    );
    let after: Vec<_> = t
        .library
        .tracks(&Default::default(), Default::default(), false, 0, 100)
        .expect("tracks")
        .items
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(after, ids);
    assert_eq!(t.library.stats().expect("stats").missing, 0);
}
