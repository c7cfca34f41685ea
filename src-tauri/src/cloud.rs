//! The cloud in the app: the sync engine over the library, started with the user's settings,
//! its background work running while the app runs, its events forwarded to the UI as
//! `cloud-changed`.
//!
//! Glue only: what to upload and when, how to merge and how to stream is `tonearm-sync`'s
//! business (its background work: `tonearm_sync::background`).

use crate::events::CloudChanged;
use std::path::Path;
use std::sync::Arc;
use tauri::{AppHandle, Runtime};
use tonearm_library::Library;
use tonearm_sync::{Background, Cloud, Settings, Tuning};

/// The sync engine, as the app holds it.
#[derive(Debug)]
pub struct CloudState {
    pub cloud: Arc<Cloud>,
    /// The runtime the engine's network work runs on (Tauri's).
    pub runtime: tokio::runtime::Handle,
    /// Uploads and syncs, for as long as the app runs.
    _background: Background,
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

        let background = cloud.start_background(&runtime);

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
        Ok(Self {
            cloud,
            runtime,
            _background: background,
        })
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
