//! Content hashes (BLAKE3 of the whole file): what the cloud knows a file by.
//!
//! Hashing a big library takes a while, so a hash is kept, with the size and mtime the file
//! had when it was computed; it is trusted only while the file still has them (a file changed
//! since is hashed again, never uploaded under a stale hash). A hash is also how a track of
//! this device is recognised in the cloud's change feed.

use crate::Library;
use crate::error::Result;
use crate::ids::TrackId;
use crate::now_ms;
use rusqlite::{OptionalExtension, Transaction, params};

impl Library {
    /// Remembers a file's hash, for the size and mtime it was computed at.
    pub fn record_hash(
        &self,
        track: TrackId,
        blake3: &str,
        size: u64,
        mtime_ms: i64,
    ) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "UPDATE cloud_tracks SET blake3 = ?2, hashed_size = ?3, hashed_mtime = ?4, updated_at = ?5
                 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                params![track.to_string(), blake3, size as i64, mtime_ms, now_ms()],
            )?;
            Ok(())
        })
    }
}

/// Whether a hash computed when the file had `hashed` (size, mtime) still describes the file,
/// which has `now` (size, mtime). What depends on the hash (a resumable upload) goes with it.
pub(super) fn still_valid(hashed: (Option<i64>, Option<i64>), now: (i64, i64)) -> bool {
    hashed == (Some(now.0), Some(now.1))
}

/// A track of this device (not a cloud-only row) whose file has this hash.
///
/// Two single-table lookups rather than a join: rusqlite's statement cache clears the
/// bindings of a statement it takes back, which SQLite treats as a reason to prepare a join
/// again (its plan may depend on them), so a cached join cost a full re-prepare at every
/// use; the sync engine asks this for every track of the feed.
pub(super) fn local_track_with(
    tx: &Transaction<'_>,
    blake3: &str,
) -> Result<Option<(i64, String)>> {
    let candidates: Vec<i64> = tx
        .prepare_cached("SELECT track_pk FROM cloud_tracks WHERE blake3 = ?1 ORDER BY track_pk")?
        .query_map([blake3], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut local =
        tx.prepare_cached("SELECT id FROM tracks WHERE pk = ?1 AND state != 'cloud'")?;
    for pk in candidates {
        if let Some(id) = local
            .query_row([pk], |row| row.get::<_, String>(0))
            .optional()?
        {
            return Ok(Some((pk, id)));
        }
    }
    Ok(None)
}
