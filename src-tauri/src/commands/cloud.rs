//! Cloud commands: log in and out, the cloud panel's status, uploads, sync, "keep offline".

use crate::cloud::CloudState;
use crate::error::CommandError;
use serde::Serialize;
use specta::Type;
use std::path::PathBuf;
use tauri::State;
use tauri::ipc::Channel;
use tonearm_library::TrackId;
use tonearm_library::cloud::{FreeUpPlan, FreeUpSelection, PlaylistSyncState, TrackCloudState};
use tonearm_sync::export::ExportReport;
use tonearm_sync::{
    Account, Cancel, CloudStatus, DownloadProgress, DownloadReport, FreeUpReport, SyncReport,
};

/// What the cloud panel shows: the account, totals, connection, the tracks under way and
/// each playlist's sync state.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CloudOverview {
    pub status: CloudStatus,
    /// Tracks queued, uploading, paused or failed (the busiest first), at most 200.
    pub activity: Vec<TrackCloudState>,
    pub playlists: Vec<PlaylistSyncState>,
}

/// Connects this device to a locker server; syncs right away.
#[tauri::command]
#[specta::specta]
pub async fn cloud_login(
    state: State<'_, CloudState>,
    server: String,
    username: String,
    password: String,
) -> Result<Account, CommandError> {
    // Parsed before anything is sent: a mistyped address says how to write it.
    let server: tonearm_sync::ServerUrl = server.parse()?;
    Ok(state.cloud.login(&server, &username, &password).await?)
}

/// Disconnects this device; cloud-only tracks leave it.
#[tauri::command]
#[specta::specta]
pub async fn cloud_logout(state: State<'_, CloudState>) -> Result<(), CommandError> {
    Ok(state.cloud.logout().await?)
}

/// The account, totals, connection and uploads under way.
#[tauri::command]
#[specta::specta]
pub async fn get_cloud_status(state: State<'_, CloudState>) -> Result<CloudOverview, CommandError> {
    super::blocking(|| {
        Ok(CloudOverview {
            status: state.cloud.status()?,
            activity: state.cloud.library().upload_activity(200)?,
            playlists: state.cloud.library().playlist_sync_states()?,
        })
    })
}

/// Queues every track of this device the cloud does not have; returns how many.
#[tauri::command]
#[specta::specta]
pub async fn upload_library(state: State<'_, CloudState>) -> Result<u64, CommandError> {
    super::blocking(|| {
        state.cloud.client()?;
        Ok(state.cloud.queue_all()?)
    })
}

/// Uploads these tracks now, or tries failed ones again at once; returns how many were queued.
#[tauri::command]
#[specta::specta]
pub async fn queue_uploads(
    state: State<'_, CloudState>,
    track_ids: Vec<TrackId>,
) -> Result<u64, CommandError> {
    super::blocking(|| {
        state.cloud.client()?;
        Ok(state.cloud.queue(&track_ids)?)
    })
}

/// Pauses uploads: of one track, or all.
#[tauri::command]
#[specta::specta]
pub async fn pause_uploads(
    state: State<'_, CloudState>,
    track_id: Option<TrackId>,
) -> Result<u64, CommandError> {
    super::blocking(|| Ok(state.cloud.pause(track_id)?))
}

/// Resumes paused uploads: of one track, or all.
#[tauri::command]
#[specta::specta]
pub async fn resume_uploads(
    state: State<'_, CloudState>,
    track_id: Option<TrackId>,
) -> Result<u64, CommandError> {
    super::blocking(|| Ok(state.cloud.resume(track_id)?))
}

/// Syncs now: playlist and tag edits up, the cloud's changes down.
#[tauri::command]
#[specta::specta]
pub async fn sync_cloud(state: State<'_, CloudState>) -> Result<SyncReport, CommandError> {
    Ok(state.cloud.sync().await?)
}

/// Keeps cloud tracks on this device ("keep offline": a track, an album, a playlist),
/// downloading them in the background; returns once all are on disk.
#[tauri::command]
#[specta::specta]
pub async fn pin_tracks(
    state: State<'_, CloudState>,
    track_ids: Vec<TrackId>,
) -> Result<(), CommandError> {
    let (cloud, runtime) = (state.cloud.clone(), state.runtime.clone());
    tokio::task::spawn_blocking(move || {
        track_ids
            .into_iter()
            .try_for_each(|track| cloud.pin(track, runtime.clone()))
    })
    .await
    .map_err(|e| CommandError::internal("keeping tracks offline stopped", &e))??;
    Ok(())
}

/// Stops keeping cloud tracks offline (their bytes may then be evicted).
#[tauri::command]
#[specta::specta]
pub async fn unpin_tracks(
    state: State<'_, CloudState>,
    track_ids: Vec<TrackId>,
) -> Result<(), CommandError> {
    super::blocking(|| {
        for track in track_ids {
            state.cloud.unpin(track)?;
        }
        Ok(())
    })
}

/// Deletes tracks from the cloud; copies on this device stay.
#[tauri::command]
#[specta::specta]
pub async fn delete_from_cloud(
    state: State<'_, CloudState>,
    track_ids: Vec<TrackId>,
) -> Result<(), CommandError> {
    for track in track_ids {
        state.cloud.delete_from_cloud(track).await?;
    }
    Ok(())
}

/// A key for a Subsonic app, as listed (the key itself is shown once, when made).
#[derive(Debug, Clone, Serialize, Type)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A key just made: `key` is shown this once, for the user to give to the app.
#[derive(Debug, Clone, Serialize, Type)]
pub struct NewApiKey {
    pub info: ApiKey,
    pub key: String,
}

/// The account's keys for Subsonic apps, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn list_api_keys(state: State<'_, CloudState>) -> Result<Vec<ApiKey>, CommandError> {
    let keys = state.cloud.client()?.api_keys().await?;
    Ok(keys
        .into_iter()
        .map(|k| ApiKey {
            id: k.id,
            name: k.name,
            created_at: k.created_at,
        })
        .collect())
}

/// Makes a key for a Subsonic app named `name` ("phone").
#[tauri::command]
#[specta::specta]
pub async fn create_api_key(
    state: State<'_, CloudState>,
    name: String,
) -> Result<NewApiKey, CommandError> {
    let created = state.cloud.client()?.create_api_key(name.trim()).await?;
    Ok(NewApiKey {
        info: ApiKey {
            id: created.info.id,
            name: created.info.name,
            created_at: created.info.created_at,
        },
        key: created.key,
    })
}

/// Revokes a key: apps using it stop working at once.
#[tauri::command]
#[specta::specta]
pub async fn revoke_api_key(state: State<'_, CloudState>, id: String) -> Result<(), CommandError> {
    Ok(state.cloud.client()?.revoke_api_key(&id).await?)
}

/// What "Remove downloads" would free for these songs, and which of them it would keep (not in
/// the cloud, kept offline, not verified): nothing changes.
#[tauri::command]
#[specta::specta]
pub async fn plan_free_up(
    state: State<'_, CloudState>,
    track_ids: Vec<TrackId>,
) -> Result<FreeUpPlan, CommandError> {
    super::blocking(|| {
        Ok(state
            .cloud
            .library()
            .plan_free_up(&FreeUpSelection::Tracks(track_ids))?)
    })
}

/// What "Remove downloads" would free among the songs not played for `months` months (never
/// played: added that long ago): nothing changes.
#[tauri::command]
#[specta::specta]
pub async fn plan_free_up_unplayed(
    state: State<'_, CloudState>,
    months: u32,
) -> Result<FreeUpPlan, CommandError> {
    super::blocking(|| {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        Ok(state
            .cloud
            .library()
            .plan_free_up(&FreeUpSelection::NotPlayedFor { months, now_ms })?)
    })
}

/// Removes the downloads of these songs to free space: each file goes to the trash only after
/// the server confirms, at that moment, that it holds the same bytes for this account. The
/// songs stay in the library, cloud-only, with their plays and playlists.
#[tauri::command]
#[specta::specta]
pub async fn free_up(
    state: State<'_, CloudState>,
    track_ids: Vec<TrackId>,
) -> Result<FreeUpReport, CommandError> {
    let plan = state
        .cloud
        .library()
        .plan_free_up(&FreeUpSelection::Tracks(track_ids))?;
    let cancel = std::sync::atomic::AtomicBool::new(false);
    Ok(state.cloud.free_up(&plan, &cancel).await?)
}

/// Progress for the page at most a few times a second (the engine reports every chunk).
fn throttled(channel: Channel<DownloadProgress>) -> impl Fn(&DownloadProgress) + Send + Sync {
    let last = std::sync::Mutex::new(None::<std::time::Instant>);
    move |progress: &DownloadProgress| {
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let done = progress.tracks_done == progress.tracks_total;
        if done || last.is_none_or(|at| at.elapsed() >= std::time::Duration::from_millis(200)) {
            *last = Some(std::time::Instant::now());
            let _ = channel.send(progress.clone());
        }
    }
}

/// "Download my library" (no ids: every song only in the cloud) or some songs: each into
/// `folder` (the first music folder when absent) as `Album Artist/Album/NN Title.ext`, checked
/// against the cloud's hash, and then a song of this device under the same id. A run stopped
/// midway is resumed by the next.
#[tauri::command]
#[specta::specta]
pub async fn download_songs(
    state: State<'_, CloudState>,
    track_ids: Option<Vec<TrackId>>,
    folder: Option<String>,
    on_progress: Channel<DownloadProgress>,
) -> Result<DownloadReport, CommandError> {
    let folder = match folder
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty())
    {
        Some(folder) => PathBuf::from(folder),
        None => state
            .cloud
            .library()
            .folders()?
            .into_iter()
            .next()
            .map(|f| PathBuf::from(f.path))
            .ok_or_else(|| CommandError::Invalid {
                message: "add a music folder first: downloaded songs go into it".into(),
            })?,
    };
    let progress = throttled(on_progress);
    Ok(state
        .cloud
        .download(track_ids.as_deref(), &folder, &progress, &Cancel::default())
        .await?)
}

/// "Export everything": every song's file (downloading what only the cloud has), the
/// playlists as M3U8 and `library.json` (ratings, loves, plays), into `folder`.
#[tauri::command]
#[specta::specta]
pub async fn export_library(
    state: State<'_, CloudState>,
    folder: String,
    on_progress: Channel<DownloadProgress>,
) -> Result<ExportReport, CommandError> {
    let progress = throttled(on_progress);
    let cloud = state.cloud.clone();
    let connected = cloud.status().is_ok_and(|status| status.account.is_some());
    Ok(tonearm_sync::export::export(
        cloud.library(),
        connected.then_some(cloud.as_ref()),
        &PathBuf::from(folder.trim()),
        &progress,
        &Cancel::default(),
    )
    .await?)
}
