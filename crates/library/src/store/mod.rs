//! The SQLite store: one writer connection and a small pool of readers.
//!
//! The database runs in WAL mode so browsing (readers) never waits behind a scan (the
//! writer). Writes go through [`Store::write`], which holds the writer for one transaction;
//! reads take any idle reader. Schema changes are numbered migrations, applied in order inside
//! a transaction, and frozen once released: an old database is upgraded, never rebuilt.

mod checkpoint;
pub mod kept_off;
mod migrations;
pub(crate) mod pathbytes;

use crate::error::{LibraryError, Result};
use rusqlite::{Connection, OpenFlags, Transaction};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

pub use migrations::SCHEMA_VERSION;

/// How many read connections are kept open.
const READERS: usize = 4;

/// An open library database.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    reader_returned: Condvar,
    checkpointer: checkpoint::Checkpointer,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| LibraryError::io(dir, e))?;
        }
        let mut writer = Connection::open(path)?;
        configure(&writer, WRITER_CACHE_KB)?;
        // A scan's writes use a few dozen statements (rows, names, tags, search, artwork,
        // summaries); the default cache of 16 kept preparing them again.
        writer.set_prepared_statement_cache_capacity(64);
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(
            None,
            "wal_autocheckpoint",
            checkpoint::WRITER_CHECKPOINT_PAGES,
        )?;
        migrations::apply(&mut writer)?;
        // A large first scan that was stopped before its end left indexes to build.
        if crate::scan::bulk::pending(&writer)? {
            let tx = writer.transaction()?;
            crate::scan::bulk::finish(&tx)?;
            tx.commit()?;
        }
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )?;
            configure(&reader, READER_CACHE_KB)?;
            readers.push(reader);
        }
        Ok(Self {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(readers),
            reader_returned: Condvar::new(),
            checkpointer: checkpoint::Checkpointer::start(path)?,
        })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one write transaction; commits if it returns `Ok`.
    pub fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        kept_off::check();
        let mut conn = self
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = conn.transaction()?;
        let value = f(&tx)?;
        tx.commit()?;
        drop(conn);
        self.checkpointer.committed();
        Ok(value)
    }

    /// Runs `f` on a read connection (a consistent snapshot for its duration if `f` opens a
    /// transaction; otherwise each statement sees the latest commit).
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        kept_off::check();
        let conn = {
            let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(conn) = pool.pop() {
                    break conn;
                }
                pool = self
                    .reader_returned
                    .wait(pool)
                    .unwrap_or_else(|p| p.into_inner());
            }
        };
        let result = f(&conn);
        self.readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(conn);
        self.reader_returned.notify_one();
        result
    }
}

/// SQLite's page cache per connection, in KiB. The writer's is large, for scans that touch
/// every index; readers answer from a few pages each and the OS caches the file for all of
/// them, so a large cache per reader only multiplied the app's memory by the pool size. The
/// desktop's views ask several at once (at start: the totals, a page of songs, the
/// playlists, the player), so several readers fill their caches: with 4 MB each the shell
/// took 5-8 MB more (`bench ui`) than when the window's thread asked one at a time.
const WRITER_CACHE_KB: i64 = 16_000;
const READER_CACHE_KB: i64 = 2_000;

fn configure(conn: &Connection, cache_kb: i64) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -cache_kb)?;
    Ok(())
}
