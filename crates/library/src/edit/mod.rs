//! Tag editing: one edit ([`TagEdit`]) applied to one track or many, each field left alone,
//! set or cleared, so fields that differ across a selection stay as they are unless edited.
//!
//! A track with a file gets the edit written into the file ([`file`]: a copy renamed over the
//! original), then its row is read again from the file by the scanner's reader, so the row is
//! what the file holds; it keeps its id and, since the cloud knows a file by the bytes it
//! uploaded (`cloud::hashes`), its cloud copy: the edit reaches the cloud as metadata (the row
//! now differs from what the cloud was last sent, `cloud::metadata`), never as a new upload.
//! A cloud-only track has no file: its row changes, and the change goes up the same way.
//!
//! A file that cannot be edited (read-only, gone, unreadable) is reported with its reason and
//! the others are still edited. The previous values of the fields an edit changed are kept
//! per track (`tag_undo`), so the last edit can be undone with the same machinery.
//!
//! Another device's edit reaches a file of this device through the same machinery
//! ([`follow`]: the fields the cloud changed, written into the file; not an edit to undo),
//! or waits for the file to be writable again ([`pending`]).

pub mod file;
mod follow;
mod pending;

use crate::Library;
use crate::cloud::CloudMetadata;
use crate::error::Result;
use crate::ids::{ArtworkId, FolderId, TrackId};
use crate::model::TrackState;
use crate::scan::read::{self, FileTags};
use crate::scan::walk::FoundFile;
use crate::scan::write::{self, Dirty, Location, Target};
use crate::store::pathbytes;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What an edit does to one field.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "value")]
pub enum FieldEdit<T> {
    /// Left as it is (on a selection, each track keeps its own value).
    #[default]
    Leave,
    /// Set to this value.
    Set(T),
    /// Removed.
    Clear,
}

impl<T> FieldEdit<T> {
    /// Whether the field is left alone.
    pub fn is_leave(&self) -> bool {
        matches!(self, Self::Leave)
    }

    /// The same edit of a value derived from this one.
    pub fn as_ref(&self) -> FieldEdit<&T> {
        match self {
            Self::Leave => FieldEdit::Leave,
            Self::Set(value) => FieldEdit::Set(value),
            Self::Clear => FieldEdit::Clear,
        }
    }

    /// The edit that puts back `previous`, if this edit changes the field.
    pub(crate) fn undo(&self, previous: Option<T>) -> Self {
        match (self, previous) {
            (Self::Leave, _) => Self::Leave,
            (_, Some(value)) => Self::Set(value),
            (_, None) => Self::Clear,
        }
    }

    fn apply(&self, field: &mut Option<T>)
    where
        T: Clone,
    {
        match self {
            Self::Leave => {}
            Self::Set(value) => *field = Some(value.clone()),
            Self::Clear => *field = None,
        }
    }
}

impl<T: ToString> FieldEdit<T> {
    /// The same edit with the value as text.
    pub fn as_text(&self) -> FieldEdit<String> {
        match self {
            Self::Leave => FieldEdit::Leave,
            Self::Set(value) => FieldEdit::Set(value.to_string()),
            Self::Clear => FieldEdit::Clear,
        }
    }
}

/// What an edit does to the cover.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Clone, Default, PartialEq, Eq)]
pub enum CoverEdit {
    #[default]
    Leave,
    /// The front cover becomes this image (JPEG, PNG...).
    Replace(Vec<u8>),
    /// Every picture goes.
    Remove,
}

impl std::fmt::Debug for CoverEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Leave => f.write_str("Leave"),
            Self::Replace(bytes) => write!(f, "Replace({} bytes)", bytes.len()),
            Self::Remove => f.write_str("Remove"),
        }
    }
}

/// One edit of a track's tags, for one track or many.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TagEdit {
    pub title: FieldEdit<String>,
    /// The artists, as one text.
    pub artist: FieldEdit<String>,
    pub album: FieldEdit<String>,
    pub album_artist: FieldEdit<String>,
    pub track_no: FieldEdit<u32>,
    pub track_total: FieldEdit<u32>,
    pub disc_no: FieldEdit<u32>,
    pub disc_total: FieldEdit<u32>,
    pub year: FieldEdit<i32>,
    pub genre: FieldEdit<String>,
    pub composer: FieldEdit<String>,
    pub compilation: FieldEdit<bool>,
    pub comment: FieldEdit<String>,
    /// Kept apart from the JSON form (the undo record stores the bytes in a column).
    #[serde(skip)]
    pub cover: CoverEdit,
}

impl TagEdit {
    /// Whether the edit changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Applies the edit to tags as the library keeps them (a cloud-only row's).
    fn apply_to(&self, tags: &mut FileTags) {
        let list = |edit: &FieldEdit<String>, list: &mut Vec<String>| match edit {
            FieldEdit::Leave => {}
            FieldEdit::Set(value) => *list = vec![value.clone()],
            FieldEdit::Clear => list.clear(),
        };
        self.title.apply(&mut tags.title);
        list(&self.artist, &mut tags.artists);
        self.album.apply(&mut tags.album);
        list(&self.album_artist, &mut tags.album_artists);
        self.track_no.apply(&mut tags.track_no);
        self.track_total.apply(&mut tags.track_total);
        self.disc_no.apply(&mut tags.disc_no);
        self.disc_total.apply(&mut tags.disc_total);
        self.year.apply(&mut tags.year);
        list(&self.genre, &mut tags.genres);
        list(&self.composer, &mut tags.composers);
        self.comment.apply(&mut tags.comment);
        match self.compilation {
            FieldEdit::Leave => {}
            FieldEdit::Set(on) => tags.compilation = on,
            FieldEdit::Clear => tags.compilation = false,
        }
    }

    /// The edit that puts back what this one changes on a cloud-only track.
    fn undo_of(&self, before: &CloudMetadata, artwork: Option<Vec<u8>>) -> Self {
        Self {
            title: self.title.undo(before.title.clone()),
            artist: self.artist.undo(before.artist.clone()),
            album: self.album.undo(before.album.clone()),
            album_artist: self.album_artist.undo(before.album_artist.clone()),
            track_no: self.track_no.undo(before.track_number),
            track_total: self.track_total.undo(before.track_total),
            disc_no: self.disc_no.undo(before.disc_number),
            disc_total: self.disc_total.undo(before.disc_total),
            year: self.year.undo(before.year),
            genre: self.genre.undo(before.genre.clone()),
            composer: self.composer.undo(before.composer.clone()),
            compilation: self.compilation.undo(before.compilation.then_some(true)),
            comment: self.comment.undo(before.comment.clone()),
            cover: match (&self.cover, artwork) {
                (CoverEdit::Leave, _) => CoverEdit::Leave,
                (_, Some(bytes)) => CoverEdit::Replace(bytes),
                (_, None) => CoverEdit::Remove,
            },
        }
    }
}

/// A track an edit could not change, with why.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditFailure {
    pub track_id: TrackId,
    /// The file, when the track has one.
    pub path: Option<String>,
    pub reason: String,
}

/// What an edit did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EditReport {
    /// Tracks changed (their files, or their rows for cloud-only tracks).
    pub edited: Vec<TrackId>,
    /// Tracks left as they were, each with its reason.
    pub failed: Vec<EditFailure>,
}

/// How a track is stored, as an edit needs it.
struct Stored {
    pk: i64,
    folder: Option<FolderId>,
    path: Option<PathBuf>,
    state: TrackState,
    size: u64,
    fingerprint: String,
    artwork: Option<ArtworkId>,
    metadata: CloudMetadata,
}

impl Library {
    /// Edits the tags of `tracks`: their files, or the rows of cloud-only tracks. The previous
    /// values of what changed become the one edit [`Library::undo_last_edit`] puts back.
    pub fn edit_tags(&self, tracks: &[TrackId], edit: &TagEdit) -> Result<EditReport> {
        self.edit_tags_with(tracks, edit, &|_| Ok(()))
    }

    /// [`Library::edit_tags`], with a step run before each edited file is put in place (tests
    /// make it fail, as a crash would).
    #[doc(hidden)]
    pub fn edit_tags_with(
        &self,
        tracks: &[TrackId],
        edit: &TagEdit,
        before_rename: file::BeforeRename<'_>,
    ) -> Result<EditReport> {
        let (report, undo) = self.apply_edit(tracks, |_| edit.clone(), before_rename)?;
        if !report.edited.is_empty() {
            self.store().write(|tx| {
                tx.execute("DELETE FROM tag_undo", [])?;
                for (track, undo) in &undo {
                    save_undo(tx, *track, undo)?;
                }
                Ok(())
            })?;
        }
        Ok(report)
    }

    /// Undoes the last edit: each track it changed gets back its previous values. Returns
    /// what was done (nothing when there is no edit to undo).
    pub fn undo_last_edit(&self) -> Result<EditReport> {
        let undo = self.store().read(|conn| {
            let mut stmt =
                conn.prepare("SELECT track_id, edit, cover, cover_bytes FROM tag_undo")?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<Vec<u8>>>(3)?,
                ))
            })?;
            let mut undo = Vec::new();
            for row in rows {
                let (track, edit, cover, bytes) = row?;
                let (Ok(track), Ok(mut edit)) = (
                    track.parse::<TrackId>(),
                    serde_json::from_str::<TagEdit>(&edit),
                ) else {
                    continue;
                };
                edit.cover = match (cover.as_str(), bytes) {
                    ("replace", Some(bytes)) => CoverEdit::Replace(bytes),
                    ("remove", _) => CoverEdit::Remove,
                    _ => CoverEdit::Leave,
                };
                undo.push((track, edit));
            }
            Ok(undo)
        })?;
        let tracks: Vec<TrackId> = undo.iter().map(|(t, _)| *t).collect();
        let (report, _) = self.apply_edit(
            &tracks,
            |track| {
                undo.iter()
                    .find(|(t, _)| *t == track)
                    .map(|(_, e)| e.clone())
                    .unwrap_or_default()
            },
            &|_| Ok(()),
        )?;
        self.store().write(|tx| {
            tx.execute("DELETE FROM tag_undo", [])?;
            Ok(())
        })?;
        Ok(report)
    }

    /// Whether there is an edit to undo.
    pub fn can_undo_edit(&self) -> Result<bool> {
        self.store().read(|conn| {
            Ok(
                conn.query_row("SELECT EXISTS (SELECT 1 FROM tag_undo)", [], |row| {
                    row.get(0)
                })?,
            )
        })
    }

    fn apply_edit(
        &self,
        tracks: &[TrackId],
        edit_of: impl Fn(TrackId) -> TagEdit,
        before_rename: file::BeforeRename<'_>,
    ) -> Result<(EditReport, Vec<(TrackId, TagEdit)>)> {
        let mut report = EditReport::default();
        let mut undo = Vec::new();
        for track in tracks {
            let edit = edit_of(*track);
            let stored = self.stored(*track)?;
            let failed = |reason: &str, path: Option<&Path>| EditFailure {
                track_id: *track,
                path: path.map(|p| p.to_string_lossy().into_owned()),
                reason: reason.to_owned(),
            };
            let outcome = match (&stored.state, &stored.path) {
                (TrackState::Cloud, _) => self.edit_cloud_only(*track, &stored, &edit).map(Ok)?,
                (TrackState::Present, Some(path)) => {
                    match file::write_tags(path, &edit, before_rename) {
                        Ok(previous) => {
                            self.reread(&stored, path, &edit, None)?;
                            self.written(*track, &edit)?;
                            Ok(previous)
                        }
                        Err(reason) => Err(failed(&reason, Some(path))),
                    }
                }
                (TrackState::Missing, path) => {
                    Err(failed("the file is not there any more", path.as_deref()))
                }
                (_, path) => Err(failed(
                    "the file could not be read at the last scan",
                    path.as_deref(),
                )),
            };
            match outcome {
                Ok(previous) => {
                    report.edited.push(*track);
                    undo.push((*track, previous));
                }
                Err(failure) => report.failed.push(failure),
            }
        }
        Ok((report, undo))
    }

    fn stored(&self, track: TrackId) -> Result<Stored> {
        let columns = crate::cloud::metadata_columns();
        self.store().read(|conn| {
            conn.query_row(
                &format!(
                    "SELECT t.pk, t.folder_id, t.path, t.state, t.size, t.fingerprint, t.artwork_id, {columns}
                     FROM tracks t WHERE t.id = ?1"
                ),
                [track.to_string()],
                |row| {
                    Ok(Stored {
                        pk: row.get(0)?,
                        folder: row.get::<_, Option<i64>>(1)?.map(FolderId),
                        path: row
                            .get::<_, Option<Vec<u8>>>(2)?
                            .map(|p| pathbytes::from_bytes(&p)),
                        state: TrackState::parse(&row.get::<_, String>(3)?),
                        size: row.get::<_, i64>(4)? as u64,
                        fingerprint: row.get(5)?,
                        artwork: row.get::<_, Option<String>>(6)?.map(ArtworkId),
                        metadata: crate::cloud::metadata_from_row(row, 7)?,
                    })
                },
            )
            .optional()?
            .ok_or(crate::LibraryError::UnknownTrack(track))
        })
    }

    /// After the file was written: its row read again from it, keeping the row (and id).
    /// With `overlay`, the row gets the file's tags with that edit applied (a file that could
    /// not be written, whose row still follows an edit).
    fn reread(
        &self,
        stored: &Stored,
        path: &Path,
        edit: &TagEdit,
        overlay: Option<&TagEdit>,
    ) -> Result<()> {
        let meta = std::fs::metadata(path).map_err(|e| crate::LibraryError::io(path, e))?;
        let found = FoundFile {
            path: path.to_path_buf(),
            size: meta.len(),
            mtime_ms: crate::scan::walk::mtime_ms(&meta),
        };
        let mut tags = read::read_file(path)
            .map_err(|reason| crate::LibraryError::io(path, std::io::Error::other(reason)))?;
        if let Some(overlay) = overlay {
            overlay.apply_to(&mut tags);
        }
        let folder = stored.folder.unwrap_or(FolderId(0));
        self.store().write(|tx| {
            let artwork = match (&tags.cover, &edit.cover) {
                (Some(bytes), _) => write::store_artwork(tx, bytes)?,
                (None, CoverEdit::Leave) => stored.artwork.clone(),
                (None, _) => None,
            };
            let mut dirty = Dirty::default();
            write::write_track(
                tx,
                folder,
                &found,
                &tags,
                artwork.as_ref(),
                Target::Update(stored.pk),
                &mut dirty,
            )?;
            if stored.folder.is_none() {
                tx.execute(
                    "UPDATE tracks SET folder_id = NULL WHERE pk = ?1",
                    [stored.pk],
                )?;
            }
            dirty.track(tx, stored.pk)?;
            write::rebuild_summaries(tx, Some(&dirty))
        })
    }

    /// A cloud-only track: its row changes (the sync engine sends the change up).
    fn edit_cloud_only(&self, track: TrackId, stored: &Stored, edit: &TagEdit) -> Result<TagEdit> {
        self.store().write(|tx| {
            let previous_cover: Option<Vec<u8>> = match &stored.artwork {
                Some(id) => tx
                    .query_row("SELECT bytes FROM artwork WHERE id = ?1", [&id.0], |row| {
                        row.get(0)
                    })
                    .optional()?,
                None => None,
            };
            let undo = edit.undo_of(&stored.metadata, previous_cover);
            let mut tags = stored.metadata.tags();
            edit.apply_to(&mut tags);
            let artwork = match &edit.cover {
                CoverEdit::Leave => stored.artwork.clone(),
                CoverEdit::Replace(bytes) => write::store_artwork(tx, bytes)?,
                CoverEdit::Remove => None,
            };
            let location = Location {
                folder: None,
                path: None,
                size: stored.size,
                mtime_ms: 0,
                state: TrackState::Cloud,
                fingerprint: stored.fingerprint.clone(),
                id: Some(track),
            };
            let mut dirty = Dirty::default();
            write::write_row(
                tx,
                &location,
                &tags,
                artwork.as_ref(),
                Target::Update(stored.pk),
                &mut dirty,
            )?;
            dirty.track(tx, stored.pk)?;
            write::rebuild_summaries(tx, Some(&dirty))?;
            Ok(undo)
        })
    }
}

/// Records the edit that undoes the last one on `track`.
fn save_undo(tx: &Transaction<'_>, track: TrackId, undo: &TagEdit) -> Result<()> {
    let (cover, bytes) = match &undo.cover {
        CoverEdit::Leave => ("leave", None),
        CoverEdit::Replace(bytes) => ("replace", Some(bytes.as_slice())),
        CoverEdit::Remove => ("remove", None),
    };
    tx.execute(
        "INSERT OR REPLACE INTO tag_undo (track_id, edit, cover, cover_bytes) VALUES (?1, ?2, ?3, ?4)",
        params![
            track.to_string(),
            serde_json::to_string(undo).unwrap_or_default(),
            cover,
            bytes
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_keeps_what_it_leaves_and_undoes_what_it_changes() {
        let edit = TagEdit {
            title: FieldEdit::Set("New".into()),
            album: FieldEdit::Clear,
            year: FieldEdit::Set(2001),
            ..TagEdit::default()
        };
        let before = CloudMetadata {
            title: Some("Old".into()),
            album: Some("Album".into()),
            artist: Some("Kept".into()),
            ..CloudMetadata::default()
        };
        let mut tags = before.tags();
        edit.apply_to(&mut tags);
        assert_eq!(tags.title.as_deref(), Some("New"));
        assert_eq!(tags.album, None);
        assert_eq!(tags.artists, ["Kept"]);
        assert_eq!(tags.year, Some(2001));
        let undo = edit.undo_of(&before, None);
        assert_eq!(undo.title, FieldEdit::Set("Old".into()));
        assert_eq!(undo.album, FieldEdit::Set("Album".into()));
        assert_eq!(undo.year, FieldEdit::Clear);
        assert_eq!(undo.artist, FieldEdit::Leave);
        assert_eq!(undo.cover, CoverEdit::Leave);
        let json = serde_json::to_value(&edit).expect("json");
        assert_eq!(
            json["title"],
            serde_json::json!({"action": "set", "value": "New"})
        );
        assert_eq!(json["album"], serde_json::json!({"action": "clear"}));
        assert_eq!(serde_json::from_value::<TagEdit>(json).expect("back"), edit);
        assert_eq!(edit.year.as_text(), FieldEdit::Set("2001".to_owned()));
    }
}
