//! Large first scans: the sorted indexes and the search index are built once, at the end,
//! instead of row by row.
//!
//! A new row of `tracks` is written into its table and into each index; the indexes that
//! order tracks by name (title, artist, album, year, genre, album key, state and length;
//! names by sort name)
//! receive their keys in random order, so each insert lands on a different page, and the
//! full-text index tokenizes every row into segments it later merges. Profiling a first
//! scan of 10,000 tracks showed the one writer thread spending three quarters of the scan's
//! instructions in SQLite, most of them there. Built from the finished table, an index is
//! one sort and one sequential write, and the search index one pass.
//!
//! So when a scan is about to add more tracks than the library holds (a first scan, or a
//! new folder larger than the rest), it records the definitions of those indexes in
//! `deferred_indexes` and drops them (one transaction); the search index is recorded there
//! too, without SQL. The rows are written in batches as usual, so readers of the library
//! see them arrive, sorted and filtered without the indexes (slower on a large library for
//! the few seconds this lasts); search finds them once the scan ends. At the end of the
//! scan, cancelled or failed ones included, [`finish`] builds everything recorded in one
//! transaction, then the summaries. If the process dies before, the records are still there
//! and opening the library finishes the job ([`crate::store::Store::open`]): the database is
//! always consistent, and never left without its indexes.
//!
//! A new device's first pull of a large cloud library is the same problem: its rows come a
//! transaction per page of the change feed, with the same indexes to keep up. It defers the
//! sorted indexes alone, but those it names as kept (the Songs view's order and an album's:
//! [`defer_indexes`], then [`build_indexes`]): it writes each page's search entries and
//! summaries as it goes, so search and the album and artist lists work while it runs, and
//! only sorting the songs in other orders costs more meanwhile.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// The indexes dropped during a bulk scan: those whose keys arrive in random order. The
/// others (by folder, by date added, the unique path and id) grow at their end and cost
/// little to keep up.
const DEFERRED: &[&str] = &[
    "tracks_sort_title",
    "tracks_sort_artist",
    "tracks_sort_album",
    "tracks_year",
    "tracks_album_key",
    "tracks_genre",
    "tracks_totals",
    "track_names_by_name",
];

/// The name under which the search index is recorded (with no SQL: it is filled from the
/// rows, not created), so that opening the library after a killed scan fills it.
const SEARCH: &str = "track_search";

/// Below this many new tracks a scan writes its indexes as it goes: building an index
/// again reads the whole table.
pub const MIN_TRACKS: usize = 2_000;

/// Whether a scan about to add `adding` tracks to a library of `stored` should write in bulk.
pub fn worth_it(adding: usize, stored: u64) -> bool {
    adding >= MIN_TRACKS && adding as u64 >= stored
}

/// Drops the deferred indexes and records them (and the search index) to be built by
/// [`finish`].
pub fn begin(tx: &Transaction<'_>) -> Result<()> {
    defer_indexes(tx, &[])?;
    tx.prepare_cached(RECORD)?
        .execute(params![SEARCH, Option::<String>::None])?;
    Ok(())
}

const RECORD: &str = "INSERT OR IGNORE INTO deferred_indexes (name, sql) VALUES (?1, ?2)";

/// Drops the sorted indexes that exist, but those named in `kept`, and records their
/// definitions, to be built by [`build_indexes`] or [`finish`].
pub fn defer_indexes(tx: &Transaction<'_>, kept: &[&str]) -> Result<()> {
    let mut record = tx.prepare_cached(RECORD)?;
    for name in DEFERRED.iter().filter(|name| !kept.contains(name)) {
        let sql: Option<String> = tx
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [name],
                |row| row.get(0),
            )
            .optional()?
            .flatten();
        if let Some(sql) = sql {
            record.execute(params![name, sql])?;
            tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
        }
    }
    Ok(())
}

/// Whether a bulk scan or pull has left indexes to build.
pub fn pending(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM deferred_indexes)",
        [],
        |row| row.get(0),
    )?)
}

/// Builds what [`begin`] recorded (the indexes from their recorded definitions), fills the
/// search index from the rows, then rebuilds every summary.
///
/// The search index is filled whether or not it is still recorded: a scan that found the
/// indexes already dropped by another one (the watcher's, during a first scan) has written
/// rows without search entries too, and the first to finish has cleared the records.
pub fn finish(tx: &Transaction<'_>) -> Result<()> {
    build_indexes(tx)?;
    rebuild_search(tx)?;
    tx.execute("DELETE FROM deferred_indexes", [])?;
    super::write::rebuild_summaries(tx, None)
}

/// Builds the indexes recorded as deferred, from their recorded definitions, and clears
/// their records. A deferred search index stays recorded: the scan that deferred it fills it
/// at its end (or opening the library does, after a crash).
pub fn build_indexes(tx: &Transaction<'_>) -> Result<()> {
    let recorded: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT name, sql FROM deferred_indexes WHERE sql IS NOT NULL ORDER BY name",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (name, sql) in &recorded {
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1)",
            [name],
            |row| row.get(0),
        )?;
        if !exists {
            tx.execute_batch(sql)?;
        }
    }
    tx.execute("DELETE FROM deferred_indexes WHERE sql IS NOT NULL", [])?;
    Ok(())
}

/// How much FTS5 may buffer in memory while the search index is filled, in bytes. It writes
/// the buffer out as a segment each time it is full, and merges segments as they pile up;
/// with its default of 1 MiB, filling the index for 100,000 tracks cost 0.74 s of CPU, with
/// 8 MiB 0.45 s (more did not help). It is set back to the default once the index is full.
const FILL_BUFFER: i64 = 8 << 20;
const DEFAULT_BUFFER: i64 = 1 << 20;

/// The search index, emptied and filled again from the rows in one pass. The rows hold the
/// same text a track's search entry is made of (names joined by `; ` instead of spaces,
/// which the tokenizer reads as the same words).
fn rebuild_search(tx: &Transaction<'_>) -> Result<()> {
    let buffer = "INSERT INTO track_search (track_search, rank) VALUES ('hashsize', ?1)";
    tx.execute(
        "INSERT INTO track_search (track_search) VALUES ('delete-all')",
        [],
    )?;
    tx.execute(buffer, [FILL_BUFFER])?;
    tx.execute(
        "INSERT INTO track_search (rowid, title, artist, album, album_artist, genre, composer)
         SELECT pk, title, artist, album, album_artist, genre, composer FROM tracks",
        [],
    )?;
    tx.execute(buffer, [DEFAULT_BUFFER])?;
    Ok(())
}
