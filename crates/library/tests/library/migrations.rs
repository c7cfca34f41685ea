//! The database schema: created, upgraded in place, and refused when too new.

use tonearm_library::store::{SCHEMA_VERSION, Store};
use tonearm_library::{Library, LibraryError};

#[test]
fn reopening_keeps_the_data_and_the_schema_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let library = Library::open(dir.path(), dir.path()).expect("created");
        library.create_playlist("Kept").expect("playlist");
    }
    let library = Library::open(dir.path(), dir.path()).expect("reopened");
    assert_eq!(library.playlists().expect("list")[0].name, "Kept");
    let version: i64 = rusqlite::Connection::open(dir.path().join(tonearm_library::DATABASE_FILE))
        .expect("open")
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_database_from_before_the_first_migration_is_upgraded_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(
            "CREATE TABLE unrelated (x INTEGER); INSERT INTO unrelated VALUES (42);",
        )
        .expect("old data");
    }
    Store::open(&path).expect("migrated");
    let conn = rusqlite::Connection::open(&path).expect("open");
    let kept: i64 = conn
        .query_row("SELECT x FROM unrelated", [], |r| r.get(0))
        .expect("old data kept");
    assert_eq!(kept, 42);
    let tables: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('tracks', 'playlists', 'track_search')", [], |r| r.get(0))
        .expect("schema");
    assert_eq!(tables, 3);
}

#[test]
fn a_database_from_a_newer_tonearm_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("new.sqlite3");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("version");
    }
    match Store::open(&path) {
        Err(LibraryError::TooNew { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION))
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
}

#[test]
fn a_comment_kept_among_the_other_tags_by_version_7_moves_to_its_own_field() {
    let t = crate::support::TestLibrary::new();
    t.add("tagged.flac", "b.flac");
    t.scan();
    let data = t.dir.path().join("data");
    drop(t.library);
    // What version 7 stored: no comment column, the comment among the extra tags.
    let db = rusqlite::Connection::open(data.join(tonearm_library::DATABASE_FILE)).expect("db");
    db.execute_batch(
        "UPDATE tracks SET comment = NULL;
         INSERT INTO track_tags (track_pk, key, value) SELECT pk, 'COMMENT', 'kept from before' FROM tracks;
         INSERT INTO track_tags (track_pk, key, value) SELECT pk, 'MOOD', 'calm' FROM tracks;",
    )
    .expect("old rows");
    db.pragma_update(None, "user_version", 7).expect("version");
    drop(db);

    let library = Library::open(&data, &t.dir.path().join("cache")).expect("opens");
    let track = library
        .tracks(&Default::default(), Default::default(), false, 0, 10)
        .expect("tracks")
        .items
        .remove(0);
    assert_eq!(track.comment.as_deref(), Some("kept from before"));
    assert!(
        track
            .extra_tags
            .contains(&("MOOD".to_owned(), "calm".to_owned())),
        "the other tags stay: {:?}",
        track.extra_tags
    );
    assert!(
        !track.extra_tags.iter().any(|(key, _)| key == "COMMENT"),
        "{:?}",
        track.extra_tags
    );
}

#[test]
fn plays_counted_before_plays_were_cloud_data_become_plays_to_send_once() {
    let t = crate::support::TestLibrary::new();
    t.add("tagged.flac", "b.flac");
    t.scan();
    let data = t.dir.path().join("data");
    drop(t.library);
    // What version 9 stored: a count and no play of its own.
    let db = rusqlite::Connection::open(data.join(tonearm_library::DATABASE_FILE)).expect("db");
    db.execute_batch(
        "UPDATE tracks SET play_count = 3, last_played_at = 1700000000000, rating = 80;
         DELETE FROM play_log; DELETE FROM marks_pending;",
    )
    .expect("old rows");
    db.pragma_update(None, "user_version", 9).expect("version");
    drop(db);

    Library::open(&data, &t.dir.path().join("cache")).expect("opens");
    let db = rusqlite::Connection::open(data.join(tonearm_library::DATABASE_FILE)).expect("db");
    let (plays, distinct): (i64, i64) = db
        .query_row(
            "SELECT COUNT(*), COUNT(DISTINCT id) FROM play_log WHERE sent = 0 AND played_at = 1700000000000",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("plays");
    assert_eq!((plays, distinct), (3, 3), "one play each, each its own id");
    let ratings: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM marks_pending WHERE rating = 1",
            [],
            |r| r.get(0),
        )
        .expect("pending");
    assert_eq!(ratings, 1, "the rating goes up too");
    drop(db);
    // Opened again, nothing is added twice.
    Library::open(&data, &t.dir.path().join("cache")).expect("opens again");
    let db = rusqlite::Connection::open(data.join(tonearm_library::DATABASE_FILE)).expect("db");
    let plays: i64 = db
        .query_row("SELECT COUNT(*) FROM play_log", [], |r| r.get(0))
        .expect("plays");
    assert_eq!(plays, 3);
}
