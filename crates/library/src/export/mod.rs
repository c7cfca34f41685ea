//! The exit guarantee: everything the library knows that is the user's, in open formats, so
//! leaving Tonearm loses nothing. The songs' files themselves are copied (and the cloud-only
//! ones downloaded) by `tonearm-sync`'s export, into the layout of [`layout`]; this module
//! owns what only the library knows: the playlists as M3U8 pointing at wherever the files
//! went, and [`LibraryExport`], the songs' ids, tags, ratings, loves and plays as JSON (its
//! shape is documented in `docs/cli.md`; changing it is a breaking change).

pub mod layout;

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::{PlaylistId, TrackId};
use crate::model::Track;
use crate::query::{TrackFilter, TrackSort};
use rusqlite::params;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The version of [`LibraryExport`]'s shape.
pub const EXPORT_FORMAT: u32 = 1;

/// `library.json`: what the user did with their songs, by song.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryExport {
    /// [`EXPORT_FORMAT`].
    pub format: u32,
    /// Unix milliseconds.
    pub exported_at: i64,
    pub songs: Vec<ExportedSong>,
    pub playlists: Vec<ExportedPlaylist>,
}

/// One song of [`LibraryExport`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedSong {
    pub id: TrackId,
    pub title: String,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub track_no: Option<u32>,
    pub disc_no: Option<u32>,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub duration_ms: Option<u64>,
    /// 0 to 100, or none.
    pub rating: Option<u8>,
    pub loved: bool,
    /// Every device's plays (the cloud's count plus those not sent yet).
    pub play_count: u32,
    /// Unix milliseconds.
    pub last_played_at: Option<i64>,
    /// The plays this device recorded, with their times (unix milliseconds), oldest first;
    /// other devices' plays are in `play_count` only.
    pub plays: Vec<i64>,
    /// The exported file, relative to the export folder (`Music/...`); none when it could
    /// not be exported.
    pub file: Option<String>,
}

/// One playlist of [`LibraryExport`]: its songs by id, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedPlaylist {
    pub id: PlaylistId,
    pub name: String,
    /// Its file, relative to the export folder (`Playlists/<name>.m3u8`).
    pub file: String,
    pub songs: Vec<TrackId>,
}

impl Library {
    /// Every track of the library, in album order (what an export goes through).
    pub fn all_tracks(&self) -> Result<Vec<Track>> {
        let ids = self.track_ids(&TrackFilter::default(), TrackSort::Album, false)?;
        self.tracks_by_id(&ids)
    }

    /// Each track's plays recorded on this device, with their times (unix ms), oldest first.
    pub fn play_times(&self) -> Result<HashMap<TrackId, Vec<i64>>> {
        self.store().read(|conn| {
            let mut stmt =
                conn.prepare("SELECT track_id, played_at FROM play_log ORDER BY played_at, id")?;
            let mut plays: HashMap<TrackId, Vec<i64>> = HashMap::new();
            for row in stmt.query_map(params![], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })? {
                let (id, at) = row?;
                if let Ok(id) = id.parse() {
                    plays.entry(id).or_default().push(at);
                }
            }
            Ok(plays)
        })
    }

    /// The library as `library.json` says it, with `files` (where each song's file went,
    /// relative to the export folder) and the playlists written by
    /// [`Library::export_playlists`].
    pub fn export_record(
        &self,
        tracks: &[Track],
        files: &HashMap<TrackId, String>,
        playlists: Vec<ExportedPlaylist>,
    ) -> Result<LibraryExport> {
        let mut plays = self.play_times()?;
        let songs = tracks
            .iter()
            .map(|t| ExportedSong {
                id: t.id,
                title: t.title.clone(),
                artist: t.artist.clone(),
                album_artist: t.album_artist.clone(),
                album: t.album.clone(),
                track_no: t.track_no,
                disc_no: t.disc_no,
                year: t.year,
                genre: t.genre.clone(),
                duration_ms: t.duration_ms,
                rating: t.rating,
                loved: t.loved,
                play_count: t.play_count,
                last_played_at: t.last_played_at,
                plays: plays.remove(&t.id).unwrap_or_default(),
                file: files.get(&t.id).cloned(),
            })
            .collect();
        Ok(LibraryExport {
            format: EXPORT_FORMAT,
            exported_at: crate::now_ms(),
            songs,
            playlists,
        })
    }

    /// Writes every playlist as `<folder>/<name>.m3u8` (names cleaned, collisions numbered),
    /// its entries pointing at `files` (absolute paths of the exported files; entries whose
    /// song was not exported are left out). `root` is the export folder the returned
    /// records' paths are relative to.
    pub fn export_playlists(
        &self,
        folder: &Path,
        root: &Path,
        files: &HashMap<TrackId, PathBuf>,
    ) -> Result<Vec<ExportedPlaylist>> {
        std::fs::create_dir_all(folder).map_err(|e| LibraryError::io(folder, e))?;
        let mut written = Vec::new();
        let mut taken = std::collections::HashSet::new();
        for summary in self.playlists()? {
            let base = folder.join(format!("{}.m3u8", layout::clean_name(&summary.name)));
            let path = (1..)
                .map(|n| layout::numbered(&base, n))
                .find(|p| taken.insert(p.clone()))
                .expect("some number is free");
            let songs =
                self.export_m3u_with(summary.id, &path, |track| files.get(&track.id).cloned())?;
            written.push(ExportedPlaylist {
                id: summary.id,
                name: summary.name,
                file: relative_text(root, &path),
                songs,
            });
        }
        Ok(written)
    }
}

/// `path` relative to `root`, with `/` separators (as JSON and M3U readers expect).
#[must_use]
pub fn relative_text(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
