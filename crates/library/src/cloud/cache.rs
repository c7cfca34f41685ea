//! The stream cache's index: which files (by hash) have how many of their bytes on disk, which
//! are pinned ("keep offline") and when each was last used. The sync engine's streamer keeps
//! the bytes and evicts the least recently used unpinned files past its budget; the index is
//! here so it survives restarts and a track can say it is kept offline (`Track::kept_offline`).

use crate::Library;
use crate::error::Result;
use crate::now_ms;
use rusqlite::{OptionalExtension, params};

/// A stream cache entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    pub blake3: String,
    pub size: u64,
    pub cached: u64,
    pub pinned: bool,
    pub last_used: i64,
}

impl Library {
    /// The stream cache's record of `blake3`, if any.
    pub fn cache_entry(&self, blake3: &str) -> Result<Option<CacheEntry>> {
        self.store().read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT blake3, size, cached, pinned, last_used FROM stream_cache WHERE blake3 = ?1",
                    [blake3],
                    cache_entry_from_row,
                )
                .optional()?)
        })
    }

    /// Records how much of a file the stream cache holds, and that it was just used.
    pub fn touch_cache(&self, blake3: &str, size: u64, cached: u64) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "INSERT INTO stream_cache (blake3, size, cached, last_used) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (blake3) DO UPDATE SET cached = excluded.cached, last_used = excluded.last_used",
                params![blake3, size as i64, cached as i64, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Pins or unpins a file ("keep offline").
    pub fn set_pinned(&self, blake3: &str, size: u64, pinned: bool) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "INSERT INTO stream_cache (blake3, size, pinned, last_used) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (blake3) DO UPDATE SET pinned = excluded.pinned",
                params![blake3, size as i64, pinned, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Every stream cache entry, least recently used first.
    pub fn cache_entries(&self) -> Result<Vec<CacheEntry>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT blake3, size, cached, pinned, last_used FROM stream_cache ORDER BY last_used, blake3",
            )?;
            let rows = stmt.query_map([], cache_entry_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Forgets a cache entry (its file was evicted).
    pub fn remove_cache_entry(&self, blake3: &str) -> Result<()> {
        self.store().write(|tx| {
            tx.execute("DELETE FROM stream_cache WHERE blake3 = ?1", [blake3])?;
            Ok(())
        })
    }
}

fn cache_entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CacheEntry> {
    Ok(CacheEntry {
        blake3: row.get(0)?,
        size: row.get::<_, i64>(1)? as u64,
        cached: row.get::<_, i64>(2)? as u64,
        pinned: row.get(3)?,
        last_used: row.get(4)?,
    })
}
