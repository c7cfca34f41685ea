//! What the user did with a track: plays and ratings. These belong to the track's id, so they
//! survive moves, renames and re-tagging.

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::TrackId;
use rusqlite::params;

impl Library {
    /// Counts one play of `track` at `at_ms` (unix milliseconds).
    pub fn record_play(&self, track: TrackId, at_ms: i64) -> Result<()> {
        self.store().write(|tx| {
            let changed = tx.execute(
                "UPDATE tracks SET play_count = play_count + 1, last_played_at = MAX(COALESCE(last_played_at, 0), ?1)
                 WHERE id = ?2",
                params![at_ms, track.to_string()],
            )?;
            if changed == 0 { Err(LibraryError::UnknownTrack(track)) } else { Ok(()) }
        })
    }

    /// Sets (0..=100) or clears the rating of `track`.
    pub fn set_rating(&self, track: TrackId, rating: Option<u8>) -> Result<()> {
        self.store().write(|tx| {
            let changed = tx.execute(
                "UPDATE tracks SET rating = ?1 WHERE id = ?2",
                params![rating.map(|r| r.min(100)), track.to_string()],
            )?;
            if changed == 0 {
                Err(LibraryError::UnknownTrack(track))
            } else {
                Ok(())
            }
        })
    }
}
