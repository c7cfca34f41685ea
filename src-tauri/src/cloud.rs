//! The cloud in the app: the sync engine over the library, its background work (uploads
//! while the app runs, a sync every minute) and its events forwarded to the UI as
//! `cloud-changed`.
//!
//! Glue only: what to upload, how to merge and how to stream is `tonearm-sync`'s business.

use crate::events::CloudChanged;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Runtime};
use tonearm_library::Library;
use tonearm_sync::{Cloud, Settings, Tuning, Until};

/// How often the app syncs with the cloud while logged in.
const SYNC_EVERY: Duration = Duration::from_secs(60);

/// The sync engine, as the app holds it.
#[derive(Debug)]
pub struct CloudState {
    pub cloud: Arc<Cloud>,
    /// The runtime the engine's network work runs on (Tauri's).
    pub runtime: tokio::runtime::Handle,
}

impl CloudState {
    /// Opens the sync engine with the user's settings and starts its background work.
    pub fn start<R: Runtime>(
        library: Arc<Library>,
        data_dir: &Path,
        cache_dir: &Path,
        tuning: Tuning,
        app: AppHandle<R>,
    ) -> Result<Self, tonearm_sync::SyncError> {
        let settings = Settings {
            device_name: device_name(),
            workers: tuning.workers as usize,
            bandwidth_limit: tuning.bandwidth_limit,
            cache_budget: tuning.cache_budget,
            auto_upload: tuning.auto_upload,
            // As for the `tonearm` command line: `file` keeps the token out of the keychain.
            use_keychain: std::env::var("TONEARM_TOKEN_STORE").map_or(true, |v| v != "file"),
        };
        let cloud = Cloud::open(library, data_dir, cache_dir, settings)?;
        let runtime = tauri::async_runtime::handle().inner().clone();

        let uploads = cloud.clone();
        // The number of workers comes from the settings (and follows their changes).
        runtime.spawn(async move { uploads.run_uploads(0, Until::Stopped).await });

        let syncing = cloud.clone();
        runtime.spawn(async move {
            loop {
                if syncing.client().is_ok()
                    && let Err(error) = syncing.sync().await
                {
                    tracing::info!(%error, "cloud sync did not finish; trying again later");
                }
                tokio::time::sleep(SYNC_EVERY).await;
            }
        });

        let mut events = cloud.subscribe();
        runtime.spawn(async move {
            use tauri_specta::Event;
            loop {
                match events.recv().await {
                    Ok(event) => {
                        if let Err(error) = CloudChanged(event).emit(&app) {
                            tracing::warn!(%error, "could not tell the UI about the cloud");
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        Ok(Self { cloud, runtime })
    }
}

impl CloudState {
    /// Syncs now in the background (after a login: the account's library and playlists come
    /// in without waiting for the minute); a failure is logged and the next sync tries again.
    pub fn sync_soon(&self) {
        let cloud = self.cloud.clone();
        self.runtime.spawn(async move {
            if let Err(error) = cloud.sync().await {
                tracing::info!(%error, "the first sync did not finish; trying again later");
            }
        });
    }
}

/// What the server calls this device: the computer's name when it has one.
fn device_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|name| !name.is_empty())
        .map_or_else(
            || "Tonearm desktop".to_owned(),
            |name| format!("Tonearm on {name}"),
        )
}
