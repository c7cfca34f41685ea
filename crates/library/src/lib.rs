//! Tonearm's local music library.
//!
//! Indexes music folders into SQLite (tags, properties, artwork), keeps the index in line with
//! the disk (scanner and watcher), and answers the questions a music app asks: sorted pages of
//! songs, albums, artists and genres, search as you type, artwork thumbnails, playlists.
//!
//! It knows nothing about Tauri, HTTP or audio output: the desktop shell and the `tonearm`
//! command line both drive it through [`Library`].

pub mod artwork;
pub mod cloud;
pub mod discover;
pub mod edit;
pub mod error;
pub mod export;
pub mod history;
pub mod ids;
pub mod import;
pub mod model;
pub mod normalize;
pub mod playlists;
pub mod preferences;
pub mod query;
pub mod scan;
pub mod search;
mod sort_keys;
pub mod store;
pub mod watch;

pub use discover::{DiscoverOptions, Discovery, Place, default_roots, discover};
pub use edit::{CoverEdit, EditFailure, EditReport, FieldEdit, TagEdit};
pub use error::{LibraryError, Result};
pub use ids::{ArtworkId, EntryId, FolderId, PlaylistId, TrackId};
pub use import::{ImportedPlaylist, ItunesImport, PlaylistOutcome, UnmatchedSong};
pub use model::{
    AlbumSummary, LibraryStats, NameSummary, Page, SearchResults, Track, TrackRow, TrackState,
};
pub use scan::{ScanControl, ScanPhase, ScanProblem, ScanProgress, ScanReport};

use rusqlite::params;
use serde::Serialize;
use std::path::{Path, PathBuf};
use store::{Store, pathbytes};

/// File name of the library database inside the data directory.
pub const DATABASE_FILE: &str = "library.sqlite3";

/// A music folder of the library.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MusicFolder {
    pub id: FolderId,
    pub path: String,
    /// Unix milliseconds of the last complete scan.
    pub scanned_at: Option<i64>,
    pub track_count: u64,
    /// Whether the folder is there right now (a disk may be unplugged).
    pub available: bool,
}

/// An open library.
#[derive(Debug)]
pub struct Library {
    store: Store,
    cache_dir: PathBuf,
}

impl Library {
    /// Opens the library kept in `data_dir`, with thumbnails under `cache_dir`.
    pub fn open(data_dir: &Path, cache_dir: &Path) -> Result<Self> {
        let store = Store::open(&data_dir.join(DATABASE_FILE))?;
        Ok(Self {
            store,
            cache_dir: cache_dir.to_path_buf(),
        })
    }

    /// The underlying store, for the query modules.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where thumbnails are cached.
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    /// Adds a music folder (not scanned yet). Refuses folders inside or around existing ones,
    /// which would index the same files twice.
    pub fn add_folder(&self, path: &Path) -> Result<MusicFolder> {
        let canonical = std::fs::canonicalize(path).map_err(|e| LibraryError::io(path, e))?;
        if !canonical.is_dir() {
            return Err(LibraryError::NotAFolder { path: canonical });
        }
        for folder in self.folders()? {
            let existing = PathBuf::from(&folder.path);
            if canonical.starts_with(&existing) || existing.starts_with(&canonical) {
                return Err(LibraryError::FolderOverlaps {
                    path: canonical,
                    existing,
                });
            }
        }
        self.store.write(|tx| {
            tx.execute(
                "INSERT INTO folders (path, added_at) VALUES (?1, ?2)",
                params![pathbytes::to_bytes(&canonical), now_ms()],
            )?;
            Ok(())
        })?;
        // Found by its exact path: a `MusicFolder`'s is lossy for names that are not UTF-8.
        let id = self
            .folder_paths()?
            .into_iter()
            .find(|(_, path)| *path == canonical)
            .map(|(id, _)| id);
        self.folders()?
            .into_iter()
            .find(|f| Some(f.id) == id)
            .ok_or(LibraryError::UnknownFolder { path: canonical })
    }

    /// Removes a music folder and its tracks from the library (the files are not touched).
    /// Playlist entries of those tracks are kept, pointing at a track that is gone.
    pub fn remove_folder(&self, path: &Path) -> Result<()> {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let removed = self.store.write(|tx| {
            let id: Option<i64> = tx
                .query_row(
                    "SELECT id FROM folders WHERE path = ?1",
                    [pathbytes::to_bytes(&key)],
                    |row| row.get(0),
                )
                .ok();
            let Some(id) = id else { return Ok(false) };
            tx.execute("DELETE FROM track_search WHERE rowid IN (SELECT pk FROM tracks WHERE folder_id = ?1)", [id])?;
            tx.execute("DELETE FROM tracks WHERE folder_id = ?1", [id])?;
            tx.execute("DELETE FROM folders WHERE id = ?1", [id])?;
            scan::write::rebuild_summaries(tx, None)?;
            Ok(true)
        })?;
        if removed {
            Ok(())
        } else {
            Err(LibraryError::UnknownFolder { path: key })
        }
    }

    /// The music folders, with their track counts.
    pub fn folders(&self) -> Result<Vec<MusicFolder>> {
        self.store.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT f.id, f.path, f.scanned_at, (SELECT COUNT(*) FROM tracks t WHERE t.folder_id = f.id)
                 FROM folders f ORDER BY f.path",
            )?;
            let rows = stmt.query_map([], |row| {
                let path = pathbytes::from_bytes(&row.get::<_, Vec<u8>>(1)?);
                Ok(MusicFolder {
                    id: FolderId(row.get(0)?),
                    available: path.is_dir(),
                    path: path.to_string_lossy().into_owned(),
                    scanned_at: row.get(2)?,
                    track_count: row.get::<_, i64>(3)? as u64,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn folder_paths(&self) -> Result<Vec<(FolderId, PathBuf)>> {
        self.store.read(|conn| {
            let mut stmt = conn.prepare_cached("SELECT id, path FROM folders ORDER BY path")?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    FolderId(row.get(0)?),
                    pathbytes::from_bytes(&row.get::<_, Vec<u8>>(1)?),
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    /// Scans every music folder (see [`scan`] for the pipeline).
    pub fn scan(&self, control: &ScanControl<'_>) -> Result<ScanReport> {
        let folders = self.folder_paths()?;
        let report = scan::scan(&self.store, &folders, control)?;
        self.retry_pending_after_scan();
        Ok(report)
    }

    /// A scan may have found a file that another device's tag edit waits for.
    fn retry_pending_after_scan(&self) {
        match self.retry_pending_tags() {
            Ok(report) => {
                for failure in report.failed {
                    tracing::info!(track = %failure.track_id, reason = %failure.reason,
                        "another device's tag edit still waits for this file");
                }
            }
            Err(error) => tracing::warn!(%error, "waiting tag edits were not retried"),
        }
    }

    /// Rescans just the parts of the music folders where `paths` changed (used by the
    /// watcher): the nearest existing directory of each path, nested ones merged.
    pub fn scan_paths(&self, paths: &[PathBuf], control: &ScanControl<'_>) -> Result<ScanReport> {
        let folders = self.folder_paths()?;
        let mut dirs: Vec<(FolderId, PathBuf)> = Vec::new();
        for path in paths {
            let Some((folder_id, root)) = folders.iter().find(|(_, root)| path.starts_with(root))
            else {
                continue;
            };
            let mut dir = path.clone();
            while !dir.is_dir() && dir != *root {
                if !dir.pop() {
                    break;
                }
            }
            if !dir.starts_with(root) {
                dir = root.clone();
            }
            dirs.push((*folder_id, dir));
        }
        dirs.sort_by(|a, b| a.1.cmp(&b.1));
        let mut merged: Vec<(FolderId, PathBuf)> = Vec::new();
        for (id, dir) in dirs {
            if merged.last().is_none_or(|(_, last)| !dir.starts_with(last)) {
                merged.push((id, dir));
            }
        }
        let report = scan::scan(&self.store, &merged, control)?;
        self.retry_pending_after_scan();
        Ok(report)
    }
}

/// The time now, in unix milliseconds (what the library stores).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
