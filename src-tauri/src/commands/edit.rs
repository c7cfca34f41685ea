//! Tag editing commands: edit one song or many ("Properties" and "Edit album"), undo the last
//! edit; and the user's marks of songs (love, rating). The library writes the files and keeps what to undo; the sync engine sends the new
//! tags to the cloud at its next sync, which an edit asks for right away (rather than within
//! `tonearm_sync::SYNC_EVERY`) so other devices see it soon.

use crate::cloud::CloudState;
use crate::error::CommandError;
use crate::state::LibraryState;
use serde::Deserialize;
use specta::Type;
use tauri::State;
use tonearm_library::{ArtworkId, CoverEdit, EditReport, TagEdit, TrackId};

/// What an edit does to the cover (the webview reads no files: a picture comes as a path).
#[derive(Debug, Clone, Default, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CoverChoice {
    /// Each song keeps its cover.
    #[default]
    Leave,
    /// Every picture goes.
    Remove,
    /// The front cover becomes the picture in this file (JPEG, PNG).
    FromFile { path: String },
    /// The front cover becomes another song's cover (its `artwork_id`).
    FromArtwork { artwork_id: ArtworkId },
}

/// Edits the tags of `track_ids`: fields set or cleared change, fields left stay as each song
/// has them. Songs that could not be changed are in the report with their reason.
#[tauri::command]
#[specta::specta]
pub async fn edit_tags(
    state: State<'_, LibraryState>,
    cloud: State<'_, CloudState>,
    track_ids: Vec<TrackId>,
    edit: TagEdit,
    cover: CoverChoice,
) -> Result<EditReport, CommandError> {
    let mut edit = edit;
    edit.cover = match cover {
        CoverChoice::Leave => CoverEdit::Leave,
        CoverChoice::Remove => CoverEdit::Remove,
        CoverChoice::FromFile { path } => {
            let path = std::path::PathBuf::from(path.trim());
            let bytes = std::fs::read(&path).map_err(|e| CommandError::Invalid {
                message: format!("the picture {} cannot be read ({e})", path.display()),
            })?;
            CoverEdit::Replace(bytes)
        }
        CoverChoice::FromArtwork { artwork_id } => {
            match super::blocking(|| Ok(state.library.artwork(&artwork_id)?))? {
                Some(artwork) => CoverEdit::Replace(artwork.bytes),
                None => {
                    return Err(CommandError::Invalid {
                        message: "that song's cover is no longer in the library".into(),
                    });
                }
            }
        }
    };
    let report = super::blocking(|| Ok(state.library.edit_tags(&track_ids, &edit)?))?;
    sync_soon(&cloud, &report);
    Ok(report)
}

/// Sends edited tags up now when the device is logged in; a failure waits for the next sync.
fn sync_soon(cloud: &CloudState, report: &EditReport) {
    if report.edited.is_empty() {
        return;
    }
    sync_now(cloud);
}

/// Asks for a sync now (a failure waits for the next periodic one).
fn sync_now(cloud: &CloudState) {
    let engine = cloud.cloud.clone();
    cloud.runtime.spawn(async move {
        if let Err(error) = engine.sync().await {
            tracing::debug!(%error, "the sync after a tag edit did not run");
        }
    });
}

/// Puts back what the last edit changed; nothing happens when there is no edit to undo.
#[tauri::command]
#[specta::specta]
pub async fn undo_tag_edit(
    state: State<'_, LibraryState>,
    cloud: State<'_, CloudState>,
) -> Result<EditReport, CommandError> {
    let report = super::blocking(|| Ok(state.library.undo_last_edit()?))?;
    sync_soon(&cloud, &report);
    Ok(report)
}

/// Whether there is an edit to undo.
#[tauri::command]
#[specta::specta]
pub async fn can_undo_tag_edit(state: State<'_, LibraryState>) -> Result<bool, CommandError> {
    super::blocking(|| Ok(state.library.can_undo_edit()?))
}

/// Loves songs, or takes the love back; every device and Subsonic app sees it (it is cloud
/// data, sent at once).
#[tauri::command]
#[specta::specta]
pub async fn set_loved(
    state: State<'_, LibraryState>,
    cloud: State<'_, CloudState>,
    track_ids: Vec<TrackId>,
    loved: bool,
) -> Result<(), CommandError> {
    super::blocking(|| {
        for track in track_ids {
            state.library.set_loved(track, loved)?;
        }
        sync_now(&cloud);
        Ok(())
    })
}

/// Rates songs 0 to 100 (the cloud keeps whole stars: 20 per star), or clears their rating.
#[tauri::command]
#[specta::specta]
pub async fn set_rating(
    state: State<'_, LibraryState>,
    cloud: State<'_, CloudState>,
    track_ids: Vec<TrackId>,
    rating: Option<u8>,
) -> Result<(), CommandError> {
    super::blocking(|| {
        for track in track_ids {
            state.library.set_rating(track, rating)?;
        }
        sync_now(&cloud);
        Ok(())
    })
}
