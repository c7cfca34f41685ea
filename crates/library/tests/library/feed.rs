//! A page of the cloud's change feed applied at once (`Library::apply_remote_page`, what the
//! sync engine does) leaves the library exactly as the same changes applied one at a time
//! through the single `apply_remote_*` methods, however the feed is cut into pages: rows,
//! names, summaries, search, cloud state, playlists, marks, covers and the cursor.

use crate::support::TestLibrary;
use rusqlite::types::Value;
use std::collections::BTreeMap;
use tonearm_library::cloud::{
    CloudMetadata, PageApplied, RemoteApplied, RemoteChange, RemotePage, RemoteTrack,
};
use tonearm_library::history::CloudMarks;
use tonearm_library::playlists::position::PositionKey;
use tonearm_library::{ArtworkId, EntryId, Library, PlaylistId, TrackId};
use tonearm_testkit::wav::write_tone;

/// The hash the scanned file of each library is recorded with, so the feed can link to it.
const LOCAL_HASH: &str = "10ca1";

/// A small PNG of one shade: a cover.
fn png(shade: u8) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(4, 4, image::Rgb([shade, 128, 255 - shade]));
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("png");
    bytes
}

#[allow(clippy::too_many_arguments)]
fn track(
    id: TrackId,
    blake3: &str,
    title: &str,
    artist: &str,
    album: Option<&str>,
    genre: &str,
    cover: Option<&[u8]>,
    revision: u64,
) -> RemoteChange {
    RemoteChange::Track(Box::new(RemoteTrack {
        id,
        blake3: blake3.to_owned(),
        size: 1_000 + revision,
        metadata: CloudMetadata {
            title: Some(title.to_owned()),
            artist: Some(artist.to_owned()),
            album: album.map(str::to_owned),
            genre: Some(genre.to_owned()),
            year: Some(2000 + revision as i32),
            track_number: Some(revision as u32),
            duration_ms: Some(60_000 * revision),
            format: "flac".to_owned(),
            artwork: cover.map(|c| ArtworkId::of(c).0),
            ..CloudMetadata::default()
        },
        revision,
    }))
}

/// Covers sent with the feed, and a feed that exercises every kind of change: new tracks
/// (one naming a cover this device could not fetch), a track whose hash is a file's here
/// (linked, its id adopted), newer and older states, a deletion, playlists (one created by its
/// first entry), moves, removals and marks.
fn feed() -> (Vec<Vec<u8>>, Vec<RemoteChange>) {
    let (red, blue, missing) = (png(10), png(200), png(77));
    let [a, b, c, d, linked] = [(); 5].map(|()| TrackId::new());
    let [mix, implicit, gone] = [(); 3].map(|()| PlaylistId::new());
    let [e1, e2, e3, e4] = [(); 4].map(|()| EntryId::new());
    let marks = |plays, stars, loved| CloudMarks {
        play_count: plays,
        played_at: Some(1_700_000_000 + plays as i64),
        stars,
        loved,
    };
    let position = |text: &str| PositionKey::parse(text).expect("a position");
    let changes = vec![
        track(
            a,
            "aa",
            "Night Drive",
            "Ann; Bob",
            Some("Roads"),
            "Synth",
            Some(&red),
            1,
        ),
        track(
            b,
            "bb",
            "Morning",
            "Ann",
            Some("Roads"),
            "Synth",
            Some(&missing),
            2,
        ),
        track(c, "cc", "Untitled Jam", "", None, "Jazz", None, 3),
        RemoteChange::Playlist {
            id: mix,
            name: "Mix".to_owned(),
        },
        RemoteChange::Entry {
            playlist: mix,
            entry: e1,
            track: a,
            position: position("m"),
        },
        track(
            linked,
            LOCAL_HASH,
            "Tone",
            "Cara",
            Some("Tones"),
            "Ambient",
            Some(&blue),
            4,
        ),
        RemoteChange::Entry {
            playlist: implicit,
            entry: e2,
            track: linked,
            position: position("g"),
        },
        RemoteChange::Marks {
            track: a,
            marks: marks(3, Some(4), true),
        },
        RemoteChange::Marks {
            track: linked,
            marks: marks(7, None, false),
        },
        // A newer state of a: another album, another cover (the one this device lacks: it
        // keeps the one it has), and of c, now credited.
        track(
            a,
            "aa",
            "Night Drive (Edit)",
            "Ann",
            Some("Roads II"),
            "Pop",
            Some(&missing),
            5,
        ),
        track(c, "cc", "Jam", "Dee", Some("Live"), "Jazz", Some(&blue), 6),
        // An older state of b than it has: nothing changes.
        track(b, "bb", "Stale", "Nobody", Some("Old"), "Rock", None, 1),
        RemoteChange::Entry {
            playlist: mix,
            entry: e3,
            track: c,
            position: position("a"),
        },
        RemoteChange::Entry {
            playlist: mix,
            entry: e1,
            track: a,
            position: position("z"),
        },
        RemoteChange::Playlist {
            id: gone,
            name: "Gone".to_owned(),
        },
        RemoteChange::Entry {
            playlist: gone,
            entry: e4,
            track: b,
            position: position("m"),
        },
        RemoteChange::PlaylistDeleted(gone),
        RemoteChange::EntryRemoved(e3),
        RemoteChange::TrackDeleted(b),
        track(
            d,
            "dd",
            "Later",
            "Bob",
            Some("Roads"),
            "Synth",
            Some(&red),
            7,
        ),
        RemoteChange::Playlist {
            id: implicit,
            name: "Named later".to_owned(),
        },
        RemoteChange::TrackDeleted(d),
        track(d, "dd", "Back", "Bob", Some("Roads"), "Synth", None, 8),
    ];
    (vec![red, blue], changes)
}

/// A library with one scanned file, hashed as [`LOCAL_HASH`] (as its upload would).
fn library_with_a_file() -> TestLibrary {
    let t = TestLibrary::new();
    write_tone(&t.music.join("tone.wav"), 440.0, 0.2, 0.4);
    t.scan();
    t.library.queue_uploads(None).expect("queue");
    let job = t
        .library
        .claim_upload(i64::MAX)
        .expect("claim")
        .expect("a job");
    t.library
        .record_hash(job.track_id, LOCAL_HASH, job.size, job.mtime_ms)
        .expect("hash");
    t
}

/// The changes one at a time, as the sync engine applied them before pages: the covers it
/// fetched first, and a track naming a cover this device does not hold keeps its own.
/// Returns the tracks linked, with the metadata they were linked at.
fn one_by_one(
    library: &Library,
    covers: &[Vec<u8>],
    changes: &[RemoteChange],
    cursor: &str,
) -> Vec<(TrackId, CloudMetadata)> {
    for cover in covers {
        library.add_artwork(cover).expect("cover");
    }
    let mut linked = Vec::new();
    for change in changes {
        match change {
            RemoteChange::Track(remote) => {
                let mut remote = RemoteTrack::clone(remote);
                if let Some(cover) = &remote.metadata.artwork
                    && !library.has_artwork(cover).expect("artwork")
                {
                    remote.metadata.artwork = library
                        .track_artwork(remote.id)
                        .expect("own cover")
                        .map(|id| id.0);
                }
                if library.apply_remote_track(&remote).expect("track") == RemoteApplied::Linked {
                    linked.push((remote.id, remote.metadata.clone()));
                }
            }
            RemoteChange::TrackDeleted(id) => library.apply_remote_deletion(*id).expect("deletion"),
            RemoteChange::Playlist { id, name } => {
                library.apply_remote_playlist(*id, name).expect("playlist");
            }
            RemoteChange::PlaylistDeleted(id) => {
                library
                    .apply_remote_playlist_deletion(*id)
                    .expect("deletion");
            }
            RemoteChange::Entry {
                playlist,
                entry,
                track,
                position,
            } => library
                .apply_remote_entry(*playlist, *entry, *track, position)
                .expect("entry"),
            RemoteChange::EntryRemoved(entry) => {
                library.apply_remote_entry_removal(*entry).expect("removal");
            }
            RemoteChange::Marks { track, marks } => {
                library.apply_remote_marks(*track, marks).expect("marks");
            }
        }
    }
    library
        .set_sync_value("feed_cursor", Some(cursor))
        .expect("cursor");
    linked
}

/// Columns that differ between two libraries for reasons other than the feed: the clock, and
/// where each library's own file is.
const IGNORED: &[&str] = &[
    "added_at",
    "updated_at",
    "created_at",
    "mtime_ms",
    "hashed_mtime",
    "path",
    "path_text",
    "folder_id",
];

/// What the library holds, table by table, each row as text, in order.
fn dump(t: &TestLibrary) -> BTreeMap<String, Vec<String>> {
    let conn = rusqlite::Connection::open(t.library.store().path()).expect("the database");
    let mut tables = BTreeMap::new();
    for table in [
        "tracks",
        "track_names",
        "track_tags",
        "albums",
        "name_summaries",
        "cloud_tracks",
        "playlists",
        "playlist_entries",
        "artwork",
        "sync_values",
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table}"))
            .expect("a table");
        let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
        let mut rows: Vec<String> = stmt
            .query_map([], |row| {
                let mut text = Vec::new();
                for (i, name) in names.iter().enumerate() {
                    if !IGNORED.contains(&name.as_str()) {
                        text.push(format!("{name}={:?}", row.get::<_, Value>(i)?));
                    }
                }
                Ok(text.join(" "))
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort();
        tables.insert(table.to_owned(), rows);
    }
    // The search index keeps no text: what it finds, word by word.
    let mut found = Vec::new();
    for word in [
        "night", "drive", "edit", "morning", "jam", "tone", "later", "back", "ann", "bob", "dee",
        "roads", "synth", "jazz", "pop", "stale", "untitled",
    ] {
        let page = t.library.search(word, 0, 50).expect("search");
        let mut ids: Vec<String> = page.items.iter().map(|x| x.id.to_string()).collect();
        ids.sort();
        found.push(format!("{word}: {ids:?}"));
    }
    tables.insert("search".to_owned(), found);
    tables
}

fn in_pages(
    library: &Library,
    covers: &[Vec<u8>],
    changes: &[RemoteChange],
    cuts: &[usize],
) -> PageApplied {
    let mut all = PageApplied::default();
    let mut bounds = vec![0];
    bounds.extend(cuts);
    bounds.push(changes.len());
    let pages = bounds.len() - 1;
    for (index, window) in bounds.windows(2).enumerate() {
        let page = RemotePage {
            // Covers come with the page that first names them; here, the first.
            covers: if index == 0 {
                covers.to_vec()
            } else {
                Vec::new()
            },
            changes: changes[window[0]..window[1]].to_vec(),
            cursor: Some(("feed_cursor".to_owned(), window[1].to_string())),
            // Artists and genres with the last page only, and now and then before.
            rebuild_names: index + 1 == pages || index % 3 == 1,
        };
        let applied = library.apply_remote_page(&page).expect("a page");
        all.linked.extend(applied.linked);
        all.cloud_only += applied.cloud_only;
    }
    all
}

#[test]
fn a_page_applied_at_once_leaves_what_its_changes_one_by_one_leave() {
    let (covers, changes) = feed();
    let reference = library_with_a_file();
    let linked = one_by_one(
        &reference.library,
        &covers,
        &changes,
        &changes.len().to_string(),
    );
    assert_eq!(linked.len(), 1, "the file here is linked");
    let expected = dump(&reference);
    assert_eq!(expected["tracks"].len(), 4, "{:#?}", expected["tracks"]);
    assert_eq!(expected["playlists"].len(), 2);

    // One page, every cut into two pages, and a page per change.
    let mut cuts: Vec<Vec<usize>> = vec![Vec::new()];
    cuts.extend((1..changes.len()).map(|cut| vec![cut]));
    cuts.push((1..changes.len()).collect());
    for cut in cuts {
        let t = library_with_a_file();
        let applied = in_pages(&t.library, &covers, &changes, &cut);
        assert_eq!(applied.linked, linked, "cut at {cut:?}");
        let got = dump(&t);
        for (table, rows) in &expected {
            assert_eq!(&got[table], rows, "{table}, cut at {cut:?}");
        }
    }
}

#[test]
fn a_page_and_its_cursor_are_written_together() {
    let (covers, changes) = feed();
    let t = library_with_a_file();
    let page = RemotePage {
        covers,
        changes: changes[..5].to_vec(),
        cursor: Some(("feed_cursor".to_owned(), "5".to_owned())),
        rebuild_names: true,
    };
    let applied = t.library.apply_remote_page(&page).expect("a page");
    assert_eq!((applied.cloud_only, applied.linked.len()), (3, 0));
    assert_eq!(
        t.library
            .sync_value("feed_cursor")
            .expect("cursor")
            .as_deref(),
        Some("5")
    );
    let playlists = t.library.playlists().expect("playlists");
    assert_eq!(playlists.len(), 1);
    assert_eq!(playlists[0].entry_count, 1);
    // An empty page moves the cursor on (the end of the feed, or changes already applied).
    let empty = RemotePage {
        cursor: Some(("feed_cursor".to_owned(), "9".to_owned())),
        ..RemotePage::default()
    };
    assert_eq!(
        t.library.apply_remote_page(&empty).expect("empty"),
        PageApplied::default()
    );
    assert_eq!(
        t.library
            .sync_value("feed_cursor")
            .expect("cursor")
            .as_deref(),
        Some("9")
    );
}

#[test]
fn artists_and_genres_left_stale_by_a_page_are_summarised_later_even_after_a_restart() {
    let (covers, changes) = feed();
    let reference = library_with_a_file();
    one_by_one(
        &reference.library,
        &covers,
        &changes,
        &changes.len().to_string(),
    );
    let expected = dump(&reference);

    let mut t = library_with_a_file();
    let artists_before = t.library.artists(0, 100).expect("artists").items;
    let cut = changes.len() / 2;
    let first = RemotePage {
        covers,
        changes: changes[..cut].to_vec(),
        cursor: Some(("feed_cursor".to_owned(), cut.to_string())),
        rebuild_names: false,
    };
    t.library.apply_remote_page(&first).expect("a page");
    let artists = t.library.artists(0, 100).expect("artists").items;
    assert_eq!(artists, artists_before, "left for later");
    let albums = t.library.albums(false, 0, 100).expect("albums").items;
    let titles: Vec<&str> = albums.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Live", "Roads", "Roads II"],
        "albums follow every page"
    );

    // The app stops here, and starts again.
    t.library = Library::open(&t.dir.path().join("data"), &t.dir.path().join("cache"))
        .expect("opens again");
    let rest = RemotePage {
        changes: changes[cut..].to_vec(),
        cursor: Some(("feed_cursor".to_owned(), changes.len().to_string())),
        rebuild_names: true,
        ..RemotePage::default()
    };
    t.library.apply_remote_page(&rest).expect("the rest");
    let got = dump(&t);
    for (table, rows) in &expected {
        assert_eq!(&got[table], rows, "{table}");
    }
}

#[test]
fn logging_out_after_a_page_that_left_names_stale_summarises_them() {
    let (covers, changes) = feed();
    let t = library_with_a_file();
    let names = |t: &TestLibrary| {
        let artists = t.library.artists(0, 100).expect("artists").items;
        let genres = t.library.genres(0, 100).expect("genres").items;
        (artists, genres)
    };
    let before = names(&t);
    let page = RemotePage {
        covers,
        changes,
        rebuild_names: false,
        ..RemotePage::default()
    };
    t.library.apply_remote_page(&page).expect("a page");
    t.library.forget_cloud().expect("log out");
    assert_eq!(names(&t), before, "only the file's artists and genres");
}
