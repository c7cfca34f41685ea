//! Cloud tracks brought down to this device: "Download my library", and the downloads an
//! export makes.
//!
//! A downloaded file is not a new song: it is the cloud-only track it was downloaded for,
//! which already has an id, plays, a rating and playlist entries. So the row is not written
//! by a scan (which would mint a new id) but turned from cloud-only into a file of a music
//! folder here, keeping its id and its metadata (the cloud's, which may be newer than the
//! tags in the uploaded bytes), with the file's size and mtime, so the next scan sees an
//! unchanged file and never opens it. The hash is recorded for that size and mtime, so the
//! track stays linked to its cloud copy and is never uploaded again.

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::{FolderId, TrackId};
use crate::now_ms;
use crate::scan::walk::{FoundFile, mtime_ms};
use crate::scan::{read, write};
use crate::store::pathbytes;
use rusqlite::{OptionalExtension, params};
use std::path::{Path, PathBuf};

impl Library {
    /// The tracks of this library only in the cloud (state `cloud`), in no particular order.
    pub fn cloud_only_tracks(&self) -> Result<Vec<TrackId>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT t.id FROM tracks t JOIN cloud_tracks c ON c.track_pk = t.pk
                 WHERE t.state = 'cloud' AND c.in_cloud = 1 AND c.blake3 IS NOT NULL
                 ORDER BY t.album_artist, t.album, t.disc_no, t.track_no, t.pk",
            )?;
            let rows = stmt.query_map([], |row| super::parse_id(&row.get::<_, String>(0)?))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// The music folder that holds `path`, if one does.
    pub fn folder_holding(&self, path: &Path) -> Result<Option<FolderId>> {
        Ok(self
            .folders()?
            .into_iter()
            .find(|folder| path.starts_with(PathBuf::from(&folder.path)))
            .map(|folder| folder.id))
    }

    /// The cloud-only track `track` now has a local file at `path` whose whole-file BLAKE3
    /// is `blake3` (the caller verified it against the cloud's): the row becomes that file,
    /// with the same id, plays, rating and playlist entries, and the cloud's metadata. The
    /// file should be inside a music folder, so scans and the watcher keep it.
    pub fn adopt_download(&self, track: TrackId, path: &Path, blake3: &str) -> Result<()> {
        let meta = std::fs::metadata(path).map_err(|e| LibraryError::io(path, e))?;
        let found = FoundFile {
            path: path.to_path_buf(),
            size: meta.len(),
            mtime_ms: mtime_ms(&meta),
        };
        let folder = self.folder_holding(path)?;
        // The fingerprint recognises the file if it is moved later; a file the reader cannot
        // open keeps the cloud's (it is still the same bytes).
        let fingerprint = read::read_file(path)
            .ok()
            .map(|tags| write::fingerprint(&found, &tags));
        self.store().write(|tx| {
            let pk: i64 = tx
                .query_row(
                    "SELECT pk FROM tracks WHERE id = ?1",
                    [track.to_string()],
                    |row| row.get(0),
                )
                .optional()?
                .ok_or(LibraryError::UnknownTrack(track))?;
            let mut dirty = write::Dirty::default();
            dirty.track(tx, pk)?;
            tx.execute(
                "UPDATE tracks SET folder_id = ?2, path = ?3, path_text = ?4, size = ?5,
                    mtime_ms = ?6, state = 'present', state_reason = NULL,
                    fingerprint = COALESCE(?7, fingerprint)
                 WHERE pk = ?1",
                params![
                    pk,
                    folder.map(|f| f.0),
                    pathbytes::to_bytes(path),
                    path.to_string_lossy(),
                    found.size as i64,
                    found.mtime_ms,
                    fingerprint,
                ],
            )?;
            tx.execute(
                "UPDATE cloud_tracks SET blake3 = ?2, hashed_size = ?3, hashed_mtime = ?4,
                    updated_at = ?5
                 WHERE track_pk = ?1",
                params![pk, blake3, found.size as i64, found.mtime_ms, now_ms()],
            )?;
            dirty.track(tx, pk)?;
            write::rebuild_summaries(tx, Some(&dirty))
        })
    }
}
