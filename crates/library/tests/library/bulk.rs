//! Large first scans, which drop the sorted indexes and build them, and the search index, once
//! at the end (`scan::bulk`): the library they leave is the one a scan in small steps
//! leaves, a cancelled one still gets its indexes, and one killed half-way is finished when
//! the library is opened again. A cloud pull defers the same sorted indexes (not the search
//! index) and builds them at its end.

use crate::support::{TestLibrary, fixtures};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use tonearm_library::query::TrackSort;
use tonearm_library::{DATABASE_FILE, Library, ScanControl};

/// Enough new tracks for a bulk scan (`scan::bulk::MIN_TRACKS` is 2,000).
const LARGE: usize = 2_100;

const TAGGED: [&str; 10] = [
    "id3v23.mp3",
    "id3v24.mp3",
    "tagged.flac",
    "tagged.ogg",
    "tagged.opus",
    "aac.m4a",
    "alac.m4a",
    "tagged.wav",
    "tagged.aiff",
    "tagged.wv",
];

/// Songs `range` of a library, in folders of 25: hard links to the tagged fixtures, and every
/// fifth an untagged MP3, whose title is its file name (so titles differ).
fn lay_out(music: &Path, range: std::ops::Range<usize>) {
    for i in range {
        let folder = music.join(format!("folder {:03}", i / 25));
        std::fs::create_dir_all(&folder).expect("folder");
        let (fixture, name) = if i % 5 == 0 {
            ("untagged.mp3", format!("song {i:04}.mp3"))
        } else {
            let fixture = TAGGED[i % TAGGED.len()];
            (fixture, format!("{i:04} {fixture}"))
        };
        std::fs::hard_link(fixtures().join(fixture), folder.join(name)).expect("link");
    }
}

/// The indexes of the database (their names), and how many are still to be built.
fn indexes(data: &Path) -> (Vec<String>, i64) {
    let db = rusqlite::Connection::open(data.join(DATABASE_FILE)).expect("db");
    let names = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name")
        .expect("prepare")
        .query_map([], |row| row.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    let deferred = db
        .query_row("SELECT COUNT(*) FROM deferred_indexes", [], |row| {
            row.get(0)
        })
        .expect("deferred");
    (names, deferred)
}

/// What the library shows: every song (title and path inside `music`), the albums, artists
/// and genres with their counts, and the songs some searches find; sorted, since two
/// libraries number their tracks differently.
fn shown(library: &Library, music: &Path) -> Vec<String> {
    let music = music.to_string_lossy().into_owned();
    let tracks = library
        .tracks(&Default::default(), TrackSort::Title, false, 0, 10_000)
        .expect("tracks");
    let mut lines: Vec<String> = tracks
        .items
        .iter()
        .map(|t| format!("track {} | {}", t.title, t.path.replace(&music, "")))
        .collect();
    for album in library.albums(false, 0, 10_000).expect("albums").items {
        lines.push(format!(
            "album {} | {} | {} | {}",
            album.title, album.artist, album.track_count, album.duration_ms
        ));
    }
    for (kind, names) in [
        ("artist", library.artists(0, 10_000).expect("artists")),
        ("genre", library.genres(0, 10_000).expect("genres")),
    ] {
        for name in names.items {
            lines.push(format!(
                "{kind} {} | {} | {}",
                name.name, name.track_count, name.album_count
            ));
        }
    }
    for query in [
        "déjà",
        "Señor",
        "東京",
        "song 01",
        "s",
        "fixtures",
        "artist:tonearm",
    ] {
        let found = library.search(query, 0, 10_000).expect("search");
        let mut paths: Vec<String> = found
            .items
            .iter()
            .map(|t| t.path.replace(&music, ""))
            .collect();
        paths.sort_unstable();
        lines.push(format!("search {query}: {} {paths:?}", found.total));
    }
    lines.sort();
    lines
}

#[test]
fn a_large_first_scan_leaves_the_library_a_scan_in_small_steps_leaves() {
    let bulk = TestLibrary::new();
    lay_out(&bulk.music, 0..LARGE);
    let report = bulk.scan();
    assert_eq!(report.added as usize, LARGE);

    // The same songs, added in two scans too small to write in bulk.
    let steps = TestLibrary::new();
    lay_out(&steps.music, 0..LARGE / 2);
    steps.scan();
    lay_out(&steps.music, LARGE / 2..LARGE);
    assert_eq!(steps.scan().added as usize, LARGE - LARGE / 2);

    let (bulk_indexes, deferred) = indexes(&bulk.dir.path().join("data"));
    assert_eq!(deferred, 0, "nothing left to build");
    assert_eq!(bulk_indexes, indexes(&steps.dir.path().join("data")).0);
    assert!(bulk_indexes.contains(&"tracks_sort_title".to_owned()));

    let bulk_shown = shown(&bulk.library, &bulk.music);
    assert!(bulk_shown.len() > LARGE + 10, "{}", bulk_shown.len());
    assert_eq!(bulk_shown, shown(&steps.library, &steps.music));
    let fixtures_found = bulk.library.search("fixtures", 0, 1).expect("search").total;
    assert_eq!(
        fixtures_found as usize,
        LARGE - LARGE / 5,
        "every tagged song"
    );
}

#[test]
fn a_cancelled_large_scan_still_builds_its_indexes() {
    let t = TestLibrary::new();
    lay_out(&t.music, 0..LARGE);
    let cancel = AtomicBool::new(false);
    let report = t
        .library
        .scan(&ScanControl {
            cancel: &cancel,
            progress: &|p| {
                if p.files_read > 0 {
                    cancel.store(true, Ordering::Relaxed);
                }
            },
        })
        .expect("scan");
    assert!(report.cancelled);
    assert!(
        report.added > 0 && (report.added as usize) < LARGE,
        "{report:?}"
    );
    let (names, deferred) = indexes(&t.dir.path().join("data"));
    assert_eq!(deferred, 0);
    assert!(names.contains(&"track_names_by_name".to_owned()));
    // What was written is found, and summarised.
    let found = t.library.search("fixtures", 0, 1).expect("search").total;
    assert!(
        found > 0 && found <= report.added,
        "{found} of {}",
        report.added
    );
    assert!(t.library.albums(false, 0, 10).expect("albums").total > 0);
}

/// A library of 30 songs, scanned in small steps; with its data folder, its indexes, and
/// what it shows.
fn small_library() -> (TestLibrary, PathBuf, Vec<String>, Vec<String>) {
    let t = TestLibrary::new();
    lay_out(&t.music, 0..30);
    t.scan();
    let data = t.dir.path().join("data");
    let (before, _) = indexes(&data);
    let searched = shown(&t.library, &t.music);
    (t, data, before, searched)
}

#[test]
fn a_large_scan_killed_half_way_is_finished_when_the_library_opens() {
    let (t, data, before, searched) = small_library();
    drop(t.library);

    // What a bulk scan leaves when it is killed: the sorted indexes dropped and recorded, the
    // search index recorded, and rows written that it does not hold.
    let db = rusqlite::Connection::open(data.join(DATABASE_FILE)).expect("db");
    db.execute_batch(
        "INSERT INTO deferred_indexes (name, sql)
            SELECT name, sql FROM sqlite_master WHERE name IN ('tracks_sort_title', 'track_names_by_name');
         DROP INDEX tracks_sort_title;
         DROP INDEX track_names_by_name;
         INSERT INTO deferred_indexes (name, sql) VALUES ('track_search', NULL);
         INSERT INTO track_search (track_search) VALUES ('delete-all');
         DELETE FROM albums;",
    )
    .expect("killed state");
    drop(db);

    let library = Library::open(&data, &t.dir.path().join("cache")).expect("opens");
    assert_eq!(indexes(&data), (before, 0));
    assert_eq!(shown(&library, &t.music), searched);
}

#[test]
fn a_pull_in_bulk_builds_its_indexes_and_leaves_a_scan_its_search_index() {
    let (t, data, before, searched) = small_library();

    // Only a pull that adds enough tracks, and at least as many as the library holds.
    assert!(!t.library.begin_bulk_pull(1_999).expect("begin"));
    assert!(!t.library.begin_bulk_pull(29).expect("begin"));
    assert_eq!(indexes(&data), (before.clone(), 0));
    assert!(t.library.begin_bulk_pull(2_000).expect("begin"));
    let (during, deferred) = indexes(&data);
    assert!(
        !during.contains(&"tracks_sort_title".to_owned()),
        "{during:?}"
    );
    // The Songs view's own order, and an album's, are kept.
    for kept in [
        "tracks_sort_artist",
        "tracks_sort_album",
        "tracks_album_key",
    ] {
        assert!(during.contains(&kept.to_owned()), "{kept}: {during:?}");
    }
    assert_eq!(deferred, 5);
    // Meanwhile, everything is still found and sorted.
    assert_eq!(shown(&t.library, &t.music), searched);
    t.library.end_bulk_pull().expect("end");
    assert_eq!(indexes(&data), (before.clone(), 0));

    // A bulk scan runs meanwhile (here, one killed half-way): the pull's end builds the
    // indexes both deferred, and leaves the search index recorded for the scan to fill.
    assert!(t.library.begin_bulk_pull(2_000).expect("begin"));
    let db = rusqlite::Connection::open(data.join(DATABASE_FILE)).expect("db");
    db.execute_batch(
        "INSERT INTO deferred_indexes (name, sql) VALUES ('track_search', NULL);
         INSERT INTO track_search (track_search) VALUES ('delete-all');",
    )
    .expect("a scan's state");
    drop(db);
    t.library.end_bulk_pull().expect("end");
    assert_eq!(indexes(&data), (before.clone(), 1));
    drop(t.library);
    let library = Library::open(&data, &t.dir.path().join("cache")).expect("opens");
    assert_eq!(indexes(&data), (before, 0));
    assert_eq!(shown(&library, &t.music), searched);
}
