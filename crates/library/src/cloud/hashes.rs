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
pub(super) fn local_track_with(
    tx: &Transaction<'_>,
    blake3: &str,
) -> Result<Option<(i64, String)>> {
    Ok(tx
        .query_row(
            "SELECT t.pk, t.id FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk
             WHERE c.blake3 = ?1 AND t.state != 'cloud' LIMIT 1",
            [blake3],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}
