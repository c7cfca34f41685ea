//! Another device's tag edit that a file of this device could not take yet (read-only, on a
//! disk that is not mounted, moved away): kept in `tag_pending` and written when the file can
//! be, so the file ends up with the cloud's tags instead of sending its stale ones back.
//!
//! While an edit waits, the track's metadata is not sent to the cloud (its row may be what
//! the stale file says, after a rescan read it again); [`Library::retry_pending_tags`] runs
//! after each scan and each sync and drops what it managed to write. A user's own edit of a
//! field takes it out of the waiting edit, so an older edit from elsewhere never overwrites
//! a newer one made here.

use super::{EditFailure, EditReport, FieldEdit, TagEdit};
use crate::Library;
use crate::error::Result;
use crate::ids::TrackId;
use crate::model::TrackState;
use rusqlite::{OptionalExtension, Transaction, params};

impl TagEdit {
    /// This edit with `newer`'s changes on top (a field `newer` leaves keeps this one's).
    fn then(&self, newer: &TagEdit) -> TagEdit {
        fn pick<T: Clone>(older: &FieldEdit<T>, newer: &FieldEdit<T>) -> FieldEdit<T> {
            if newer.is_leave() { older } else { newer }.clone()
        }
        TagEdit {
            title: pick(&self.title, &newer.title),
            artist: pick(&self.artist, &newer.artist),
            album: pick(&self.album, &newer.album),
            album_artist: pick(&self.album_artist, &newer.album_artist),
            track_no: pick(&self.track_no, &newer.track_no),
            track_total: pick(&self.track_total, &newer.track_total),
            disc_no: pick(&self.disc_no, &newer.disc_no),
            disc_total: pick(&self.disc_total, &newer.disc_total),
            year: pick(&self.year, &newer.year),
            genre: pick(&self.genre, &newer.genre),
            composer: pick(&self.composer, &newer.composer),
            compilation: pick(&self.compilation, &newer.compilation),
            comment: pick(&self.comment, &newer.comment),
            cover: super::CoverEdit::Leave,
        }
    }

    /// This edit without the fields `done` changes.
    fn without(&self, done: &TagEdit) -> TagEdit {
        fn drop<T: Clone>(mine: &FieldEdit<T>, done: &FieldEdit<T>) -> FieldEdit<T> {
            if done.is_leave() {
                mine.clone()
            } else {
                FieldEdit::Leave
            }
        }
        TagEdit {
            title: drop(&self.title, &done.title),
            artist: drop(&self.artist, &done.artist),
            album: drop(&self.album, &done.album),
            album_artist: drop(&self.album_artist, &done.album_artist),
            track_no: drop(&self.track_no, &done.track_no),
            track_total: drop(&self.track_total, &done.track_total),
            disc_no: drop(&self.disc_no, &done.disc_no),
            disc_total: drop(&self.disc_total, &done.disc_total),
            year: drop(&self.year, &done.year),
            genre: drop(&self.genre, &done.genre),
            composer: drop(&self.composer, &done.composer),
            compilation: drop(&self.compilation, &done.compilation),
            comment: drop(&self.comment, &done.comment),
            cover: super::CoverEdit::Leave,
        }
    }
}

fn pending_of(tx: &Transaction<'_>, track: TrackId) -> Result<Option<TagEdit>> {
    let edit: Option<String> = tx
        .query_row(
            "SELECT edit FROM tag_pending WHERE track_id = ?1",
            [track.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    Ok(edit.and_then(|e| serde_json::from_str(&e).ok()))
}

fn save(tx: &Transaction<'_>, track: TrackId, edit: &TagEdit, reason: &str) -> Result<()> {
    if edit.is_empty() {
        tx.execute(
            "DELETE FROM tag_pending WHERE track_id = ?1",
            [track.to_string()],
        )?;
        return Ok(());
    }
    tx.execute(
        "INSERT OR REPLACE INTO tag_pending (track_id, edit, reason, updated_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            track.to_string(),
            serde_json::to_string(edit).unwrap_or_default(),
            reason,
            crate::now_ms()
        ],
    )?;
    Ok(())
}

impl Library {
    /// Keeps `edit` (from the cloud) for `track`'s file until it can be written, on top of
    /// what was already waiting.
    pub(super) fn keep_pending(&self, track: TrackId, edit: &TagEdit, reason: &str) -> Result<()> {
        self.store().write(|tx| {
            let merged = pending_of(tx, track)?.unwrap_or_default().then(edit);
            save(tx, track, &merged, reason)
        })
    }

    /// The fields of `done`, just written into `track`'s file, no longer wait.
    pub(super) fn written(&self, track: TrackId, done: &TagEdit) -> Result<()> {
        self.store().write(|tx| {
            if let Some(waiting) = pending_of(tx, track)? {
                save(tx, track, &waiting.without(done), "")?;
            }
            Ok(())
        })
    }

    /// Files still waiting for another device's tag edit, each with why the last attempt
    /// failed.
    pub fn pending_tags(&self) -> Result<Vec<EditFailure>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT p.track_id, t.path_text, p.reason FROM tag_pending p
                 LEFT JOIN tracks t ON t.id = p.track_id ORDER BY p.updated_at",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            let mut waiting = Vec::new();
            for row in rows {
                let (track, path, reason) = row?;
                if let Ok(track_id) = track.parse() {
                    waiting.push(EditFailure {
                        track_id,
                        path: path.filter(|p| !p.is_empty()),
                        reason,
                    });
                }
            }
            Ok(waiting)
        })
    }

    /// Writes the waiting edits into the files that are there now. Returns what was written
    /// and what still failed; a file still missing is left waiting without a new attempt.
    pub fn retry_pending_tags(&self) -> Result<EditReport> {
        let waiting: Vec<(TrackId, TagEdit)> = self.store().read(|conn| {
            let mut stmt = conn.prepare("SELECT track_id, edit FROM tag_pending")?;
            let rows = stmt.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
            })?;
            let mut waiting = Vec::new();
            for row in rows {
                let (track, edit) = row?;
                if let (Ok(track), Ok(edit)) = (track.parse(), serde_json::from_str(&edit)) {
                    waiting.push((track, edit));
                }
            }
            Ok(waiting)
        })?;
        let mut report = EditReport::default();
        for (track, edit) in waiting {
            let state = match self.stored(track) {
                Ok(stored) => stored.state,
                Err(crate::LibraryError::UnknownTrack(_)) => {
                    // The track left the library: nothing to write into.
                    self.store()
                        .write(|tx| save(tx, track, &TagEdit::default(), ""))?;
                    continue;
                }
                Err(other) => return Err(other),
            };
            if state != TrackState::Present {
                continue;
            }
            let (done, _undo) = self.apply_edit(&[track], |_| edit.clone(), &|_| Ok(()))?;
            for failure in &done.failed {
                self.store()
                    .write(|tx| save(tx, track, &edit, &failure.reason))?;
            }
            report.edited.extend(done.edited);
            report.failed.extend(done.failed);
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_edit_wins_field_by_field_and_done_fields_stop_waiting() {
        let older = TagEdit {
            title: FieldEdit::Set("Old".into()),
            album: FieldEdit::Set("Album".into()),
            ..TagEdit::default()
        };
        let newer = TagEdit {
            title: FieldEdit::Clear,
            year: FieldEdit::Set(1999),
            ..TagEdit::default()
        };
        let merged = older.then(&newer);
        assert_eq!(merged.title, FieldEdit::Clear);
        assert_eq!(merged.album, FieldEdit::Set("Album".into()));
        assert_eq!(merged.year, FieldEdit::Set(1999));
        let rest = merged.without(&TagEdit {
            album: FieldEdit::Set("Mine".into()),
            ..TagEdit::default()
        });
        assert_eq!(rest.album, FieldEdit::Leave);
        assert_eq!(rest.title, FieldEdit::Clear);
        assert!(rest.without(&merged).is_empty());
    }
}
