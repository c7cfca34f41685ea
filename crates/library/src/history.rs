//! What the user did with a track: plays, ratings and loves. These belong to the track's id, so
//! they survive moves, renames and re-tagging, and they are cloud data: every device adds its
//! plays to the others' and shows the latest rating and love (`tonearm_protocol::marks`).
//!
//! A play is kept with an id minted here (`play_log`) until the cloud has counted it; the
//! track's `play_count` is then the cloud's count plus the plays not sent yet, so two devices
//! that played a song offline end with both plays counted. A rating or love changed here is
//! flagged (`marks_pending`) until sent, and the cloud's values do not overwrite it meanwhile.
//! The cloud rates in whole stars (1 to 5), the library 0 to 100: a rating goes up as the
//! nearest star and comes back as 20 per star.
//!
//! Skips are kept too (`skip_count`, brought by an import from iTunes), on this device only:
//! the cloud has no skips. Plays imported from another app go through `import_plays_in`
//! with ids derived from that app's own, so importing the same history twice counts it once,
//! here and in the cloud.

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::TrackId;
use rusqlite::{OptionalExtension, Transaction, params};

/// A play waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPlay {
    pub id: String,
    pub track: TrackId,
    /// Unix milliseconds.
    pub played_at: i64,
}

/// A rating or love changed here, to send: `None` fields were not changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMarks {
    pub track: TrackId,
    /// `Some(None)`: the rating was removed.
    pub stars: Option<Option<u8>>,
    pub loved: Option<bool>,
}

/// A song's marks as the cloud has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudMarks {
    pub play_count: u64,
    /// Unix seconds.
    pub played_at: Option<i64>,
    /// 1 to 5.
    pub stars: Option<u8>,
    pub loved: bool,
}

/// A 0..=100 rating as whole stars (1 to 5); 0 is no rating.
pub fn stars(rating: u8) -> Option<u8> {
    (rating > 0).then(|| (rating.min(100).saturating_add(10) / 20).clamp(1, 5))
}

/// Flags the rating of `track` as changed here, to send.
pub(crate) fn flag_rating_in(tx: &Transaction<'_>, track: TrackId) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO marks_pending (track_id, rating) VALUES (?1, 1)
         ON CONFLICT (track_id) DO UPDATE SET rating = 1",
    )?
    .execute([track.to_string()])?;
    Ok(())
}

/// Flags the love of `track` as changed here, to send.
pub(crate) fn flag_loved_in(tx: &Transaction<'_>, track: TrackId) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO marks_pending (track_id, loved) VALUES (?1, 1)
         ON CONFLICT (track_id) DO UPDATE SET loved = 1",
    )?
    .execute([track.to_string()])?;
    Ok(())
}

/// Counts plays of `track` made elsewhere, each under the id given (ids already in the log are
/// not counted again), at `at_ms`; they wait to be sent like the plays made here. Returns how
/// many were new. The last play is the caller's to set: another app may know only roughly
/// when the plays were.
pub(crate) fn import_plays_in(
    tx: &Transaction<'_>,
    track: TrackId,
    ids: impl IntoIterator<Item = String>,
    at_ms: i64,
) -> Result<u64> {
    let track_text = track.to_string();
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO play_log (id, track_id, played_at, sent) VALUES (?1, ?2, ?3, 0)",
    )?;
    let mut added = 0;
    for id in ids {
        added += insert.execute(params![id, track_text, at_ms])? as u64;
    }
    if added > 0 {
        tx.prepare_cached("UPDATE tracks SET play_count = play_count + ?1 WHERE id = ?2")?
            .execute(params![added as i64, track_text])?;
    }
    Ok(added)
}

fn changed(count: usize, track: TrackId) -> Result<()> {
    if count == 0 {
        Err(LibraryError::UnknownTrack(track))
    } else {
        Ok(())
    }
}

impl Library {
    /// Counts one play of `track` at `at_ms` (unix milliseconds), kept to send to the cloud.
    pub fn record_play(&self, track: TrackId, at_ms: i64) -> Result<()> {
        self.store().write(|tx| {
            let count = tx.execute(
                "UPDATE tracks SET play_count = play_count + 1, last_played_at = MAX(COALESCE(last_played_at, 0), ?1)
                 WHERE id = ?2",
                params![at_ms, track.to_string()],
            )?;
            changed(count, track)?;
            tx.execute(
                "INSERT INTO play_log (id, track_id, played_at, sent) VALUES (?1, ?2, ?3, 0)",
                params![uuid::Uuid::new_v4().to_string(), track.to_string(), at_ms],
            )?;
            Ok(())
        })
    }

    /// Sets (0..=100) or clears the rating of `track`.
    pub fn set_rating(&self, track: TrackId, rating: Option<u8>) -> Result<()> {
        self.store().write(|tx| {
            let count = tx.execute(
                "UPDATE tracks SET rating = ?1 WHERE id = ?2",
                params![rating.map(|r| r.min(100)), track.to_string()],
            )?;
            changed(count, track)?;
            flag_rating_in(tx, track)
        })
    }

    /// Loves `track`, or takes the love back.
    pub fn set_loved(&self, track: TrackId, loved: bool) -> Result<()> {
        self.store().write(|tx| {
            let count = tx.execute(
                "UPDATE tracks SET loved = ?1 WHERE id = ?2",
                params![loved, track.to_string()],
            )?;
            changed(count, track)?;
            flag_loved_in(tx, track)
        })
    }

    /// How many times `track` was skipped (as far as this device knows: skips are not sent).
    pub fn skip_count(&self, track: TrackId) -> Result<u64> {
        self.store().read(|conn| {
            conn.query_row(
                "SELECT skip_count FROM tracks WHERE id = ?1",
                [track.to_string()],
                |row| row.get::<_, i64>(0),
            )
            .optional()?
            .map(|count| count.max(0) as u64)
            .ok_or(LibraryError::UnknownTrack(track))
        })
    }

    /// Up to `limit` plays the cloud has not counted, of tracks it has.
    pub fn plays_to_send(&self, limit: u32) -> Result<Vec<PendingPlay>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT p.id, p.track_id, p.played_at FROM play_log p
                 JOIN tracks t ON t.id = p.track_id
                 JOIN cloud_tracks c ON c.track_pk = t.pk AND c.in_cloud = 1
                 WHERE p.sent = 0 ORDER BY p.played_at, p.id LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get(2)?,
                ))
            })?;
            let mut plays = Vec::new();
            for row in rows {
                let (id, track, played_at) = row?;
                if let Ok(track) = track.parse() {
                    plays.push(PendingPlay {
                        id,
                        track,
                        played_at,
                    });
                }
            }
            Ok(plays)
        })
    }

    /// The cloud counted these plays.
    pub fn plays_sent(&self, ids: &[String]) -> Result<()> {
        self.store().write(|tx| {
            let mut stmt = tx.prepare_cached("UPDATE play_log SET sent = 1 WHERE id = ?1")?;
            for id in ids {
                stmt.execute([id])?;
            }
            Ok(())
        })
    }

    /// Ratings and loves changed here and not sent, of tracks the cloud has.
    pub fn marks_to_send(&self) -> Result<Vec<PendingMarks>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT m.track_id, m.rating, m.loved, t.rating, t.loved FROM marks_pending m
                 JOIN tracks t ON t.id = m.track_id
                 JOIN cloud_tracks c ON c.track_pk = t.pk AND c.in_cloud = 1",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, bool>(2)?,
                    row.get::<_, Option<u8>>(3)?,
                    row.get::<_, bool>(4)?,
                ))
            })?;
            let mut pending = Vec::new();
            for row in rows {
                let (track, rating_changed, loved_changed, rating, loved) = row?;
                if let Ok(track) = track.parse() {
                    pending.push(PendingMarks {
                        track,
                        stars: rating_changed.then(|| rating.and_then(stars)),
                        loved: loved_changed.then_some(loved),
                    });
                }
            }
            Ok(pending)
        })
    }

    /// The cloud has the rating and love of `track` as they were when read for sending.
    pub fn marks_sent(&self, sent: &PendingMarks) -> Result<()> {
        self.store().write(|tx| {
            // Changed again since it was read: it stays flagged and goes at the next sync.
            let now: Option<(Option<u8>, bool)> = tx
                .query_row(
                    "SELECT rating, loved FROM tracks WHERE id = ?1",
                    [sent.track.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((rating, loved)) = now else {
                return Ok(());
            };
            if sent.stars.is_none_or(|s| s == rating.and_then(stars)) {
                tx.execute(
                    "UPDATE marks_pending SET rating = 0 WHERE track_id = ?1",
                    [sent.track.to_string()],
                )?;
            }
            if sent.loved.is_none_or(|l| l == loved) {
                tx.execute(
                    "UPDATE marks_pending SET loved = 0 WHERE track_id = ?1",
                    [sent.track.to_string()],
                )?;
            }
            tx.execute(
                "DELETE FROM marks_pending WHERE track_id = ?1 AND rating = 0 AND loved = 0",
                [sent.track.to_string()],
            )?;
            Ok(())
        })
    }

    /// The cloud's marks of `track`: its play count plus the plays not sent from here, the
    /// later of the last plays, and its rating and love unless changed here and not sent.
    pub fn apply_remote_marks(&self, track: TrackId, cloud: &CloudMarks) -> Result<()> {
        self.store()
            .write(|tx| apply_remote_marks(tx, track, cloud))
    }
}

/// [`Library::apply_remote_marks`] inside a transaction (a page of the feed applies many).
pub(crate) fn apply_remote_marks(
    tx: &Transaction<'_>,
    track: TrackId,
    cloud: &CloudMarks,
) -> Result<()> {
    let id = track.to_string();
    let pending: Option<(bool, bool)> = tx
        .prepare_cached("SELECT rating, loved FROM marks_pending WHERE track_id = ?1")?
        .query_row([&id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (rating_pending, loved_pending) = pending.unwrap_or_default();
    let unsent: i64 = tx
        .prepare_cached("SELECT COUNT(*) FROM play_log WHERE track_id = ?1 AND sent = 0")?
        .query_row([&id], |row| row.get(0))?;
    tx.prepare_cached(
        "UPDATE tracks SET play_count = ?2 + ?3,
            last_played_at = MAX(COALESCE(last_played_at, 0), COALESCE(?4, 0)),
            rating = CASE WHEN ?5 THEN rating ELSE ?6 END,
            loved = CASE WHEN ?7 THEN loved ELSE ?8 END
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        i64::try_from(cloud.play_count).unwrap_or(i64::MAX),
        unsent,
        cloud.played_at.map(|s| s.saturating_mul(1000)),
        rating_pending,
        cloud.stars.map(|s| s.clamp(1, 5) * 20),
        loved_pending,
        cloud.loved,
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_become_the_nearest_star() {
        assert_eq!(stars(0), None);
        assert_eq!(stars(1), Some(1));
        assert_eq!(stars(20), Some(1));
        assert_eq!(stars(30), Some(2));
        assert_eq!(stars(70), Some(4));
        assert_eq!(stars(100), Some(5));
        assert_eq!(stars(255), Some(5));
    }
}
