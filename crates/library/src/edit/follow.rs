//! Another device's tag edit reaching a file of this device: the cloud's metadata for a track
//! this device holds as a file becomes a [`TagEdit`] of the fields the cloud changed, applied
//! through the tag editor's machinery (the file rewritten, the row read again, the id kept).
//!
//! Field by field, the cloud's value is compared with what this device last sent or received
//! (`cloud_tracks.metadata_sent`): a field the cloud did not change is left alone, so this
//! device's own edits already sent are not rewritten; a field changed here and not sent yet
//! (the row differs from what was sent) is left alone too, and goes up at the next push. What
//! the device then has is recorded as sent, so nothing goes back to the cloud. The edit does
//! not replace what "undo" puts back: the user did not make it.
//!
//! A file that cannot be written (read-only, vanished) is reported and the edit waits for it
//! (`pending`); its row takes the cloud's values at once when the file can at least be read,
//! and nothing fails.

use super::{CoverEdit, FieldEdit, TagEdit};
use crate::Library;
use crate::cloud::CloudMetadata;
use crate::error::Result;
use crate::ids::ArtworkId;
use crate::ids::TrackId;
use crate::model::TrackState;

impl Library {
    /// Applies the cloud's metadata `cloud` to `track`, a file of this device: the fields the
    /// cloud changed since this device last sent or received them are written into the file
    /// and the row. Returns `None` when there was nothing to change (or the track is no file
    /// of this device), else what the edit did; a failed file is in its `failed`.
    pub fn follow_cloud_tags(
        &self,
        track: TrackId,
        cloud: &CloudMetadata,
    ) -> Result<Option<super::EditReport>> {
        let stored = self.stored(track)?;
        if stored.state == TrackState::Cloud {
            return Ok(None);
        }
        let row = &stored.metadata;
        // Not known (linked before anything was sent): the row is what the device has.
        let base = self
            .metadata_sent_for(track)?
            .unwrap_or_else(|| row.clone());
        let mut edit = edit_towards(&base, cloud, row);
        if let Some(cover) = changed(&base.artwork, &cloud.artwork, &row.artwork) {
            edit.cover = match cover {
                None => CoverEdit::Remove,
                // The sync engine fetched the bytes first; without them the file keeps its own.
                Some(id) => match self.artwork(&ArtworkId(id))? {
                    Some(artwork) => CoverEdit::Replace(artwork.bytes),
                    None => CoverEdit::Leave,
                },
            };
        }
        if edit.is_empty() {
            // Nothing to write; the cloud's changes (if any) match the row already.
            self.metadata_sent(track, &sent_after(&base, cloud, row, &edit))?;
            return Ok(None);
        }
        let (report, _undo) = self.apply_edit(&[track], |_| edit.clone(), &|_| Ok(()))?;
        let after = match report.failed.first() {
            None => sent_after(&base, cloud, &self.stored(track)?.metadata, &edit),
            Some(failure) => {
                // The edit waits for the file; the cloud already has it.
                self.keep_pending(track, &edit, &failure.reason)?;
                if stored.state == TrackState::Present
                    && let Some(path) = &stored.path
                    && let Err(error) = self.reread(&stored, path, &edit, Some(&edit))
                {
                    tracing::warn!(%track, %error, "the row could not follow the cloud's tags");
                }
                sent_after(&base, cloud, row, &TagEdit::default())
            }
        };
        self.metadata_sent(track, &after)?;
        Ok(Some(report))
    }
}

/// The edit that brings `row` to the cloud's values of the fields the cloud changed since
/// `base` (what was last sent), leaving fields changed here and not sent yet.
/// The cloud's value of a field when the cloud changed it since `base` and this device did
/// not (nor already has it).
fn changed<T: Clone + PartialEq>(
    base: &Option<T>,
    cloud: &Option<T>,
    row: &Option<T>,
) -> Option<Option<T>> {
    (cloud != base && row == base && row != cloud).then(|| cloud.clone())
}

fn edit_towards(base: &CloudMetadata, cloud: &CloudMetadata, row: &CloudMetadata) -> TagEdit {
    fn field<T: Clone + PartialEq>(
        base: &Option<T>,
        cloud: &Option<T>,
        row: &Option<T>,
    ) -> FieldEdit<T> {
        match changed(base, cloud, row) {
            None => FieldEdit::Leave,
            Some(Some(value)) => FieldEdit::Set(value),
            Some(None) => FieldEdit::Clear,
        }
    }
    let flag = |on: bool| Some(on);
    TagEdit {
        title: field(&base.title, &cloud.title, &row.title),
        artist: field(&base.artist, &cloud.artist, &row.artist),
        album: field(&base.album, &cloud.album, &row.album),
        album_artist: field(&base.album_artist, &cloud.album_artist, &row.album_artist),
        track_no: field(&base.track_number, &cloud.track_number, &row.track_number),
        track_total: field(&base.track_total, &cloud.track_total, &row.track_total),
        disc_no: field(&base.disc_number, &cloud.disc_number, &row.disc_number),
        disc_total: field(&base.disc_total, &cloud.disc_total, &row.disc_total),
        year: field(&base.year, &cloud.year, &row.year),
        genre: field(&base.genre, &cloud.genre, &row.genre),
        composer: field(&base.composer, &cloud.composer, &row.composer),
        compilation: field(
            &flag(base.compilation),
            &flag(cloud.compilation),
            &flag(row.compilation),
        ),
        comment: field(&base.comment, &cloud.comment, &row.comment),
        cover: super::CoverEdit::Leave,
    }
}

/// What to record as sent once `edit` was applied and the row is `after`: an edited field as
/// the device now has it (a value the file could not take is not sent back over the cloud's),
/// any other field as the cloud has it (a change made here and not sent yet still differs,
/// and goes up), what no edit touches (duration, format) as it was.
fn sent_after(
    base: &CloudMetadata,
    cloud: &CloudMetadata,
    after: &CloudMetadata,
    edit: &TagEdit,
) -> CloudMetadata {
    fn pick<T: Clone, E>(edit: &FieldEdit<E>, after: &T, cloud: &T) -> T {
        if edit.is_leave() { cloud } else { after }.clone()
    }
    CloudMetadata {
        title: pick(&edit.title, &after.title, &cloud.title),
        artist: pick(&edit.artist, &after.artist, &cloud.artist),
        album: pick(&edit.album, &after.album, &cloud.album),
        album_artist: pick(&edit.album_artist, &after.album_artist, &cloud.album_artist),
        genre: pick(&edit.genre, &after.genre, &cloud.genre),
        year: pick(&edit.year, &after.year, &cloud.year),
        track_number: pick(&edit.track_no, &after.track_number, &cloud.track_number),
        disc_number: pick(&edit.disc_no, &after.disc_number, &cloud.disc_number),
        track_total: pick(&edit.track_total, &after.track_total, &cloud.track_total),
        disc_total: pick(&edit.disc_total, &after.disc_total, &cloud.disc_total),
        composer: pick(&edit.composer, &after.composer, &cloud.composer),
        compilation: pick(&edit.compilation, &after.compilation, &cloud.compilation),
        comment: pick(&edit.comment, &after.comment, &cloud.comment),
        artwork: if edit.cover == CoverEdit::Leave {
            cloud.artwork.clone()
        } else {
            after.artwork.clone()
        },
        duration_ms: base.duration_ms,
        format: base.format.clone(),
        // Not a tag the editor changes: what the cloud holds stays until the file says otherwise.
        replaygain: cloud.replaygain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(title: &str, artist: &str, album: &str) -> CloudMetadata {
        CloudMetadata {
            title: Some(title.into()),
            artist: Some(artist.into()),
            album: Some(album.into()),
            ..CloudMetadata::default()
        }
    }

    #[test]
    fn only_what_the_cloud_changed_and_nothing_pending_here_is_edited() {
        let base = meta("T", "A", "Al");
        // The cloud retitled and cleared the album; this device changed the artist, unsent.
        let cloud = CloudMetadata {
            album: None,
            ..meta("Cloud T", "A", "")
        };
        let row = meta("T", "Mine", "Al");
        let edit = edit_towards(&base, &cloud, &row);
        assert_eq!(edit.title, FieldEdit::Set("Cloud T".into()));
        assert_eq!(edit.album, FieldEdit::Clear);
        assert_eq!(edit.artist, FieldEdit::Leave);
        assert_eq!(edit.year, FieldEdit::Leave);
        // A pending change here survives an older cloud value of the same field.
        let other = meta("T", "Other", "Al");
        assert!(edit_towards(&base, &other, &row).is_empty());
        let after = CloudMetadata {
            album: None,
            ..meta("Cloud T", "Mine", "")
        };
        let sent = sent_after(&base, &cloud, &after, &edit);
        assert_eq!(sent.title.as_deref(), Some("Cloud T"));
        assert_eq!(sent.album, None);
        assert_eq!(
            sent.artist.as_deref(),
            Some("A"),
            "the pending change still goes up"
        );
    }
}
