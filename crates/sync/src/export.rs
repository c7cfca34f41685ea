//! The exit guarantee: `tonearm export DIR` puts everything that is the user's into one
//! folder, in open formats: every song's file in `Music/` (the library's files copied,
//! cloud-only songs downloaded), laid out as `Album Artist/Album/NN Title.ext`; every
//! playlist as `Playlists/<name>.m3u8` pointing at those files by relative paths; and
//! `library.json`, the songs' ids, tags, ratings, loves and plays
//! (`tonearm_library::export::LibraryExport`, documented in `docs/cli.md`).
//!
//! Downloads go the way a restore's do (`.part`, resumed, BLAKE3-verified) but the library
//! does not adopt them: an export is a copy, not where the library lives. Copies go through
//! a `.part` too, so the folder never holds half a song under a song's name. Exporting again
//! into the same folder reuses the songs already there (same bytes) and rewrites the rest.

use crate::Cloud;
use crate::download::{Cancel, DownloadProgress, Meter, is_complete_copy, part_path, place};
use crate::error::{Result, SyncError};
use crate::upload::RateLimit;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use tonearm_library::export::relative_text;
use tonearm_library::model::TrackState;
use tonearm_library::{Library, TrackId};

/// The folder of the songs, inside the export folder.
pub const MUSIC_FOLDER: &str = "Music";
/// The folder of the playlists.
pub const PLAYLISTS_FOLDER: &str = "Playlists";
/// The file of what the user did with their songs.
pub const LIBRARY_FILE: &str = "library.json";

/// What an export did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExportReport {
    pub folder: PathBuf,
    /// Songs whose file is in the export.
    pub songs: u64,
    /// Of those, copied from this device's files, and downloaded from the cloud.
    pub copied: u64,
    pub downloaded: u64,
    /// Songs not exported, and why (their record in `library.json` has no file).
    pub failed: Vec<ExportFailure>,
    pub playlists: u64,
    /// Cancelled before every song was exported (nothing else was written).
    pub cancelled: bool,
}

/// A song that could not be exported.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportFailure {
    pub track_id: TrackId,
    pub error: String,
}

/// Exports `library` into `folder` (see the module documentation). `cloud`, when logged in,
/// downloads the songs this device has no file of; without it they are reported as not
/// exported. Playlists and `library.json` are written last, once the songs are there.
pub async fn export(
    library: &Library,
    cloud: Option<&Cloud>,
    folder: &Path,
    progress: &(dyn Fn(&DownloadProgress) + Send + Sync),
    cancel: &Cancel,
) -> Result<ExportReport> {
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SyncError::Write { path, source }
    };
    std::fs::create_dir_all(folder).map_err(write_error(folder))?;
    let root = std::fs::canonicalize(folder).map_err(write_error(folder))?;
    let music = root.join(MUSIC_FOLDER);
    let client = cloud.and_then(|c| c.client().ok());
    let tracks = library.all_tracks()?;
    let total = tracks.iter().map(|t| t.size).sum();
    let mut meter = Meter::new(progress, tracks.len() as u64, total);
    let rate = RateLimit::default();
    let mut claimed = HashSet::new();
    let mut files: HashMap<TrackId, PathBuf> = HashMap::new();
    let mut report = ExportReport {
        folder: root.clone(),
        ..ExportReport::default()
    };
    for track in &tracks {
        if cancel.is_cancelled() {
            report.cancelled = true;
            break;
        }
        meter.progress.track_id = Some(track.id);
        let local = (track.state != TrackState::Cloud)
            .then(|| PathBuf::from(&track.path))
            .filter(|p| p.is_file());
        let outcome = match local {
            Some(source) => {
                let target = place(&music, track, &mut claimed, |p| same_bytes(p, &source));
                copy(&source, &target, &mut meter).map(|()| (target, false))
            }
            None => match (library.cloud_file(track.id)?, cloud, &client) {
                (Some(file), Some(cloud), Some(client)) => {
                    let target = place(&music, track, &mut claimed, |p| is_complete_copy(p, &file));
                    cloud
                        .fetch_verified(client, &file, &target, &rate, &mut meter, cancel)
                        .await
                        .map(|_| (target, true))
                }
                (Some(_), _, _) => Err(SyncError::NotLoggedIn),
                (None, _, _) => Err(SyncError::Invalid(format!(
                    "the file of track {} is missing and it is not in the cloud",
                    track.id
                ))),
            },
        };
        match outcome {
            Ok((target, downloaded)) => {
                meter.finished(0);
                report.songs += 1;
                if downloaded {
                    report.downloaded += 1;
                } else {
                    report.copied += 1;
                }
                files.insert(track.id, target);
            }
            Err(SyncError::Cancelled) => {
                report.cancelled = true;
                break;
            }
            Err(error) => {
                meter.finished(track.size);
                report.failed.push(ExportFailure {
                    track_id: track.id,
                    error: crate::error_chain(&error),
                });
            }
        }
    }
    meter.progress.track_id = None;
    meter.report();
    if report.cancelled {
        return Ok(report);
    }
    let playlists = library.export_playlists(&root.join(PLAYLISTS_FOLDER), &root, &files)?;
    report.playlists = playlists.len() as u64;
    let relative = files
        .iter()
        .map(|(id, path)| (*id, relative_text(&root, path)))
        .collect();
    let record = library.export_record(&tracks, &relative, playlists)?;
    let json = serde_json::to_vec_pretty(&record)
        .map_err(|e| SyncError::Protocol(format!("library.json: {e}")))?;
    let target = root.join(LIBRARY_FILE);
    let part = part_path(&target);
    std::fs::write(&part, json).map_err(write_error(&part))?;
    std::fs::rename(&part, &target).map_err(write_error(&target))?;
    Ok(report)
}

/// Copies `source` to `target` through a part (a complete copy already there is kept).
fn copy(source: &Path, target: &Path, meter: &mut Meter<'_>) -> Result<()> {
    let size = std::fs::metadata(source).map_or(0, |m| m.len());
    if same_bytes(target, source) {
        meter.progress.bytes_done += size;
        return Ok(());
    }
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SyncError::Write { path, source }
    };
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(write_error(parent))?;
    }
    let part = part_path(target);
    std::fs::copy(source, &part).map_err(|e| SyncError::Io {
        path: source.to_path_buf(),
        source: e,
    })?;
    std::fs::rename(&part, target).map_err(write_error(target))?;
    meter.progress.bytes_done += size;
    meter.report();
    Ok(())
}

/// Whether `a` and `b` are files with the same bytes (same size, same BLAKE3).
fn same_bytes(a: &Path, b: &Path) -> bool {
    let size = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    };
    match (size(a), size(b)) {
        (Some(x), Some(y)) if x == y => {
            let hash = |p: &Path| crate::upload::hash_file(p).map(|(h, _, _)| h).ok();
            hash(a).is_some_and(|h| Some(h) == hash(b))
        }
        _ => false,
    }
}
