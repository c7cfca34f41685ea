//! Library commands: music folders, scanning, and the browse and search queries.

use crate::error::CommandError;
use crate::state::LibraryState;
use base64::Engine;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::State;
use tauri::ipc::Channel;
use tonearm_library::artwork::ThumbnailSize;
use tonearm_library::query::{TrackFilter, TrackSort};
use tonearm_library::{
    AlbumSummary, ArtworkId, DiscoverOptions, Discovery, LibraryStats, MusicFolder, NameSummary,
    Page, ScanControl, ScanProgress, ScanReport, SearchResults, Track, TrackId, TrackRow,
    default_roots, discover,
};

/// The music folders.
#[tauri::command]
#[specta::specta]
pub async fn list_music_folders(
    state: State<'_, LibraryState>,
) -> Result<Vec<MusicFolder>, CommandError> {
    super::blocking(|| Ok(state.library.folders()?))
}

/// Adds a music folder (scan it afterwards with `scan_library`).
#[tauri::command]
#[specta::specta]
pub async fn add_music_folder(
    state: State<'_, LibraryState>,
    path: String,
) -> Result<MusicFolder, CommandError> {
    super::blocking(|| {
        let folder = state.library.add_folder(&PathBuf::from(path.trim()))?;
        state.watch_again();
        Ok(folder)
    })
}

/// Where the OS keeps music (the first run offers it): the user's Music folder, when it exists
/// and is not a music folder of the library yet.
#[tauri::command]
#[specta::specta]
pub async fn suggest_music_folders(
    paths: State<'_, crate::paths::AppPaths>,
    state: State<'_, LibraryState>,
) -> Result<Vec<String>, CommandError> {
    super::blocking(|| {
        let known: Vec<String> = state
            .library
            .folders()?
            .into_iter()
            .map(|f| f.path)
            .collect();
        let mut found: Vec<String> = Vec::new();
        for dir in &paths.music_dirs {
            let Ok(dir) = std::fs::canonicalize(dir) else {
                continue;
            };
            let text = dir.display().to_string();
            if dir.is_dir() && !known.contains(&text) && !found.contains(&text) {
                found.push(text);
            }
        }
        Ok(found)
    })
}

/// "Find my music": the folders holding songs in the home folder and on mounted drives, with
/// their counts and sizes (names only are read, never a file's contents). The app's own data
/// and cache are left out; the library's folders are marked. Off the main thread: a large
/// drive takes a while.
#[tauri::command]
#[specta::specta]
pub async fn discover_music(
    paths: State<'_, crate::paths::AppPaths>,
    state: State<'_, LibraryState>,
) -> Result<Discovery, CommandError> {
    let library_folders = state
        .library
        .folders()?
        .into_iter()
        .map(|f| PathBuf::from(f.path))
        .collect();
    let options = DiscoverOptions {
        library_folders,
        exclude: vec![
            paths.data_dir.clone(),
            paths.cache_dir.clone(),
            paths.log_dir.clone(),
        ],
        ..DiscoverOptions::default()
    };
    tauri::async_runtime::spawn_blocking(move || discover(&default_roots(), &options))
        .await
        .map_err(|join| CommandError::internal("looking for music stopped unexpectedly", &join))?
        .map_err(CommandError::from)
}

/// Removes a music folder and its tracks from the library; the files stay on disk.
#[tauri::command]
#[specta::specta]
pub async fn remove_music_folder(
    state: State<'_, LibraryState>,
    path: String,
) -> Result<(), CommandError> {
    super::blocking(|| {
        state.library.remove_folder(&PathBuf::from(path))?;
        state.watch_again();
        Ok(())
    })
}

/// Scans every music folder, streaming progress to `on_progress`; one scan at a time.
#[tauri::command]
#[specta::specta]
pub async fn scan_library(
    state: State<'_, LibraryState>,
    cloud: State<'_, crate::cloud::CloudState>,
    on_progress: Channel<ScanProgress>,
) -> Result<ScanReport, CommandError> {
    let cancel = Arc::new(AtomicBool::new(false));
    {
        let mut running = state.scan_cancel.lock().unwrap_or_else(|p| p.into_inner());
        if running.is_some() {
            return Err(CommandError::busy("a scan is already running"));
        }
        *running = Some(cancel.clone());
    }
    let cloud = cloud.cloud.clone();
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        let progress = move |p: &ScanProgress| {
            let _ = on_progress.send(p.clone());
        };
        // Then the new music goes to the cloud, when automatic uploads are on.
        cloud.scan(&ScanControl {
            cancel: &cancel,
            progress: &progress,
        })
    })
    .await;
    *state.scan_cancel.lock().unwrap_or_else(|p| p.into_inner()) = None;
    match outcome {
        Ok(result) => Ok(result?),
        Err(join) => Err(CommandError::internal(
            "the scan stopped unexpectedly",
            &join,
        )),
    }
}

/// Asks a running scan to stop; what it has written stays.
#[tauri::command]
#[specta::specta]
pub fn cancel_scan(state: State<'_, LibraryState>) -> bool {
    match state
        .scan_cancel
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
    {
        Some(cancel) => {
            cancel.store(true, Ordering::Relaxed);
            true
        }
        None => false,
    }
}

/// A sorted page of tracks, optionally of one album, artist or genre.
#[tauri::command]
#[specta::specta]
pub async fn list_tracks(
    state: State<'_, LibraryState>,
    filter: TrackFilter,
    sort: TrackSort,
    descending: bool,
    offset: u32,
    limit: u32,
) -> Result<Page<TrackRow>, CommandError> {
    super::blocking(|| {
        Ok(state
            .library
            .tracks_as(&filter, sort, descending, offset.into(), limit.into())?)
    })
}

/// Every track id of a list in its order (to play a whole list, or act on a selection).
#[tauri::command]
#[specta::specta]
pub async fn list_track_ids(
    state: State<'_, LibraryState>,
    filter: TrackFilter,
    sort: TrackSort,
    descending: bool,
) -> Result<Vec<TrackId>, CommandError> {
    // A whole list (100,000 songs) takes 0.1-0.2 s to read.
    super::blocking(|| Ok(state.library.track_ids(&filter, sort, descending)?))
}

/// These tracks, in the order asked (the queue panel, a playlist); unknown ids are left out.
#[tauri::command]
#[specta::specta]
pub async fn get_tracks(
    state: State<'_, LibraryState>,
    ids: Vec<TrackId>,
) -> Result<Vec<Track>, CommandError> {
    super::blocking(|| Ok(state.library.tracks_by_id(&ids)?))
}

/// Search as you type: the best songs, and albums and artists whose names match.
#[tauri::command]
#[specta::specta]
pub async fn search_library(
    state: State<'_, LibraryState>,
    query: String,
    limit: u32,
) -> Result<SearchResults, CommandError> {
    super::blocking(|| Ok(state.library.search_grouped(&query, limit.into(), 8)?))
}

/// The albums an artist appears on, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_artist_albums(
    state: State<'_, LibraryState>,
    artist: String,
) -> Result<Vec<AlbumSummary>, CommandError> {
    super::blocking(|| Ok(state.library.artist_albums(&artist)?))
}

/// Shows a track's file in the system's file manager ("Show in folder").
#[tauri::command]
#[specta::specta]
pub async fn reveal_track(state: State<'_, LibraryState>, id: TrackId) -> Result<(), CommandError> {
    super::blocking(|| {
        let track = state.library.track(id)?;
        if track.path.is_empty() {
            return Err(CommandError::Invalid {
                message: format!(
                    "“{}” is only in the cloud: it has no file here",
                    track.title
                ),
            });
        }
        let path = PathBuf::from(&track.path);
        if !path.exists() {
            return Err(CommandError::NotFound {
                message: format!("{} is not there any more", track.path),
            });
        }
        crate::reveal::show_in_folder(&path)
            .map_err(|e| CommandError::internal("the file manager could not be opened", &e))
    })
}

/// A page of albums, by title (or by artist).
#[tauri::command]
#[specta::specta]
pub async fn list_albums(
    state: State<'_, LibraryState>,
    by_artist: bool,
    offset: u32,
    limit: u32,
) -> Result<Page<AlbumSummary>, CommandError> {
    super::blocking(|| {
        Ok(state
            .library
            .albums(by_artist, offset.into(), limit.into())?)
    })
}

/// A page of artists.
#[tauri::command]
#[specta::specta]
pub async fn list_artists(
    state: State<'_, LibraryState>,
    offset: u32,
    limit: u32,
) -> Result<Page<NameSummary>, CommandError> {
    super::blocking(|| Ok(state.library.artists(offset.into(), limit.into())?))
}

/// A page of genres.
#[tauri::command]
#[specta::specta]
pub async fn list_genres(
    state: State<'_, LibraryState>,
    offset: u32,
    limit: u32,
) -> Result<Page<NameSummary>, CommandError> {
    super::blocking(|| Ok(state.library.genres(offset.into(), limit.into())?))
}

/// Totals for the whole library.
#[tauri::command]
#[specta::specta]
pub async fn get_library_stats(
    state: State<'_, LibraryState>,
) -> Result<LibraryStats, CommandError> {
    super::blocking(|| Ok(state.library.stats()?))
}

/// A JPEG thumbnail of a piece of artwork as a `data:` URL (the CSP allows images only from
/// the app and `data:`), or `None` when the artwork is unknown.
#[tauri::command]
#[specta::specta]
pub async fn get_artwork(
    state: State<'_, LibraryState>,
    id: ArtworkId,
    size: ThumbnailSize,
) -> Result<Option<String>, CommandError> {
    let Some(path) = super::blocking(|| Ok(state.library.thumbnail(&id, size)?))? else {
        return Ok(None);
    };
    let bytes = std::fs::read(&path)
        .map_err(|e| CommandError::internal("cannot read a cached thumbnail", &e))?;
    Ok(Some(format!(
        "data:image/jpeg;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )))
}
