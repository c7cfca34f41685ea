//! Numbered schema migrations. Each is applied once, in order, in a transaction, and recorded
//! in `PRAGMA user_version`. Never edit a released migration: add the next one.

use crate::error::{LibraryError, Result};
use rusqlite::{Connection, Transaction};

/// One schema version: SQL, or a repair of data that needs code.
enum Migration {
    Sql(&'static str),
    Code(fn(&Transaction<'_>) -> Result<()>),
}

/// The migrations, in order: `MIGRATIONS[n]` takes the schema from version `n` to `n + 1`.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(include_str!("migrations/0001_initial.sql")),
    Migration::Sql(include_str!("migrations/0002_cloud.sql")),
    Migration::Sql(include_str!("migrations/0003_preferences.sql")),
    Migration::Sql(include_str!("migrations/0004_automatic_uploads.sql")),
    Migration::Code(crate::playlists::repair::repair_positions),
    Migration::Code(summarise_again),
    Migration::Sql(include_str!("migrations/0007_tag_undo.sql")),
    Migration::Code(comment_column),
    Migration::Sql(include_str!("migrations/0009_tag_pending.sql")),
    Migration::Code(marks_as_cloud_data),
    Migration::Code(imports),
    Migration::Sql(include_str!("migrations/0012_bulk_scans.sql")),
    Migration::Sql(include_str!("migrations/0013_totals_index.sql")),
];

/// Migration 6: the album, artist and genre summaries rebuilt, so a library scanned before
/// gets its "Unknown artist" entry and album counts that leave out songs with no album.
fn summarise_again(tx: &Transaction<'_>) -> Result<()> {
    crate::scan::write::rebuild_summaries(tx, None)
}

/// Migration 8: the comment gets a column of its own (see the SQL file). Adding a column
/// cannot be written "if missing" in SQL, and a database whose version was set back (by
/// hand, or by a test reproducing an older one) may have it already.
fn comment_column(tx: &Transaction<'_>) -> Result<()> {
    let has: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('tracks') WHERE name = 'comment')",
        [],
        |row| row.get(0),
    )?;
    if !has {
        tx.execute("ALTER TABLE tracks ADD COLUMN comment TEXT", [])?;
    }
    tx.execute_batch(include_str!("migrations/0008_comment.sql"))?;
    Ok(())
}

/// Migration 10: plays, ratings and loves become cloud data. Tracks get `loved`; each play is
/// kept with an id (`play_log`) until the cloud has it, and the plays counted before become
/// such plays, so they go up once, as do the ratings given before (see `history`).
fn marks_as_cloud_data(tx: &Transaction<'_>) -> Result<()> {
    let has: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('tracks') WHERE name = 'loved')",
        [],
        |row| row.get(0),
    )?;
    if !has {
        tx.execute(
            "ALTER TABLE tracks ADD COLUMN loved INTEGER NOT NULL DEFAULT 0",
            [],
        )?;
    }
    tx.execute_batch(include_str!("migrations/0010_marks.sql"))?;
    // Ratings given before go up once too.
    tx.execute(
        "INSERT OR IGNORE INTO marks_pending (track_id, rating)
         SELECT id, 1 FROM tracks WHERE rating IS NOT NULL",
        [],
    )?;
    let counted: Vec<(String, i64, Option<i64>)> = {
        let mut stmt = tx.prepare(
            "SELECT t.id, t.play_count - (SELECT COUNT(*) FROM play_log p WHERE p.track_id = t.id),
                    t.last_played_at
             FROM tracks t WHERE t.play_count > 0",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut insert =
        tx.prepare("INSERT INTO play_log (id, track_id, played_at, sent) VALUES (?1, ?2, ?3, 0)")?;
    for (track, missing, at) in counted {
        for _ in 0..missing.clamp(0, 100_000) {
            insert.execute(rusqlite::params![
                uuid::Uuid::new_v4().to_string(),
                track,
                at.unwrap_or(0)
            ])?;
        }
    }
    Ok(())
}

/// Migration 11: skips get a column, and imports from iTunes remember what they brought (see
/// the SQL file). The column is added only if missing, as in migration 8.
fn imports(tx: &Transaction<'_>) -> Result<()> {
    let has: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('tracks') WHERE name = 'skip_count')",
        [],
        |row| row.get(0),
    )?;
    if !has {
        tx.execute(
            "ALTER TABLE tracks ADD COLUMN skip_count INTEGER NOT NULL DEFAULT 0",
            [],
        )?;
    }
    tx.execute_batch(include_str!("migrations/0011_imports.sql"))?;
    Ok(())
}

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`]; refuses one written by a newer version.
pub fn apply(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > SCHEMA_VERSION {
        return Err(LibraryError::TooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    // A migration may rebuild a table that others refer to (SQLite's way to change a
    // column): foreign keys are off meanwhile, and checked before each migration commits.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = migrate(conn, found);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrated
}

fn migrate(conn: &mut Connection, found: i64) -> Result<()> {
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction()?;
        match migration {
            Migration::Sql(sql) => tx.execute_batch(sql)?,
            Migration::Code(repair) => repair(&tx)?,
        }
        let broken: i64 =
            tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })?;
        if broken > 0 {
            return Err(LibraryError::Migration {
                version: index as i64 + 1,
                reason: format!("{broken} rows would refer to rows that are gone"),
            });
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "library database migrated");
    }
    Ok(())
}
