//! Playlist commands: local edits (the library records each for the cloud to mirror), M3U
//! import and export, and the import of an iTunes or Apple Music library (its playlists,
//! ratings, loves and plays).

use crate::error::CommandError;
use crate::state::LibraryState;
use tauri::State;
use tonearm_library::playlists::m3u::M3uImport;
use tonearm_library::playlists::{Playlist, PlaylistSummary};
use tonearm_library::{EntryId, ItunesImport, PlaylistId, TrackId};

/// All playlists by name.
#[tauri::command]
#[specta::specta]
pub async fn list_playlists(
    state: State<'_, LibraryState>,
) -> Result<Vec<PlaylistSummary>, CommandError> {
    super::blocking(|| Ok(state.library.playlists()?))
}

/// One playlist with its entries in order.
#[tauri::command]
#[specta::specta]
pub async fn get_playlist(
    state: State<'_, LibraryState>,
    id: PlaylistId,
) -> Result<Playlist, CommandError> {
    super::blocking(|| Ok(state.library.playlist(id)?))
}

/// Creates an empty playlist.
#[tauri::command]
#[specta::specta]
pub async fn create_playlist(
    state: State<'_, LibraryState>,
    name: String,
) -> Result<PlaylistId, CommandError> {
    super::blocking(|| {
        if name.trim().is_empty() {
            return Err(CommandError::Invalid {
                message: "a playlist needs a name".to_owned(),
            });
        }
        Ok(state.library.create_playlist(&name)?)
    })
}

/// Renames a playlist.
#[tauri::command]
#[specta::specta]
pub async fn rename_playlist(
    state: State<'_, LibraryState>,
    id: PlaylistId,
    name: String,
) -> Result<(), CommandError> {
    super::blocking(|| {
        if name.trim().is_empty() {
            return Err(CommandError::Invalid {
                message: "a playlist needs a name".to_owned(),
            });
        }
        Ok(state.library.rename_playlist(id, &name)?)
    })
}

/// Deletes a playlist; its tracks stay in the library.
#[tauri::command]
#[specta::specta]
pub async fn delete_playlist(
    state: State<'_, LibraryState>,
    id: PlaylistId,
) -> Result<(), CommandError> {
    super::blocking(|| Ok(state.library.delete_playlist(id)?))
}

/// Adds tracks before entry `index`, or at the end.
#[tauri::command]
#[specta::specta]
pub async fn add_to_playlist(
    state: State<'_, LibraryState>,
    id: PlaylistId,
    tracks: Vec<TrackId>,
    index: Option<u32>,
) -> Result<Vec<EntryId>, CommandError> {
    super::blocking(|| {
        Ok(state
            .library
            .add_to_playlist(id, &tracks, index.map(|i| i as usize))?)
    })
}

/// Removes one entry.
#[tauri::command]
#[specta::specta]
pub async fn remove_from_playlist(
    state: State<'_, LibraryState>,
    id: PlaylistId,
    entry: EntryId,
) -> Result<(), CommandError> {
    super::blocking(|| Ok(state.library.remove_from_playlist(id, entry)?))
}

/// Moves an entry to `index`.
#[tauri::command]
#[specta::specta]
pub async fn move_in_playlist(
    state: State<'_, LibraryState>,
    id: PlaylistId,
    entry: EntryId,
    index: u32,
) -> Result<(), CommandError> {
    super::blocking(|| {
        state.library.move_in_playlist(id, entry, index as usize)?;
        Ok(())
    })
}

/// Imports an M3U playlist file; returns the new playlist and the lines it could not match.
#[tauri::command]
#[specta::specta]
pub async fn import_playlist(
    state: State<'_, LibraryState>,
    path: String,
) -> Result<M3uImport, CommandError> {
    super::blocking(|| {
        Ok(state
            .library
            .import_m3u(std::path::Path::new(path.trim()), None)?)
    })
}

/// Writes a playlist to an M3U file (paths relative to it); returns how many tracks it holds.
#[tauri::command]
#[specta::specta]
pub async fn export_playlist(
    state: State<'_, LibraryState>,
    id: PlaylistId,
    path: String,
) -> Result<u64, CommandError> {
    super::blocking(|| {
        Ok(state
            .library
            .export_m3u(id, std::path::Path::new(path.trim()))?)
    })
}

/// Imports an iTunes or Apple Music library (`Library.xml`): playlists, ratings, loves, plays,
/// skips and dates of the songs it finds in this library. Running it again changes nothing.
/// It writes in one transaction (seconds for a large library): off the main thread.
#[tauri::command]
#[specta::specta]
pub async fn import_itunes(
    state: State<'_, LibraryState>,
    path: String,
) -> Result<ItunesImport, CommandError> {
    let path = std::path::PathBuf::from(path.trim());
    super::blocking(|| Ok(state.library.import_itunes(&path)?))
}
