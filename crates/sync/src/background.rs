//! What the engine does by itself while an app runs, so that every app gets it the same:
//! uploads as music is queued, a sync every minute and right after each login, and new
//! music queued for upload after every scan and every batch of changes the folder watcher
//! applies ("scan, then upload what is new").
//!
//! The app starts it ([`Cloud::start_background`]), keeps the [`Background`] while it runs,
//! and forwards the engine's events ([`Cloud::subscribe`]); it decides none of it.

use crate::Cloud;
use crate::error::Result;
use crate::upload::Until;
use std::sync::Arc;
use std::time::Duration;
use tonearm_library::watch::Watcher;
use tonearm_library::{ScanControl, ScanReport};

/// How often the engine syncs in the background while logged in.
pub const SYNC_EVERY: Duration = Duration::from_secs(60);

/// The background work of one engine, running on the runtime it was started on; dropping
/// it (or [`Background::stop`]) ends it, uploads mid-request included (they resume).
#[derive(Debug)]
pub struct Background {
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Background {
    /// Ends the background work now.
    pub fn stop(self) {}
}

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Cloud {
    /// Starts the background work on `runtime`: the upload workers (as many as the settings
    /// allow, following their changes) and the sync loop ([`Cloud::run_syncs`] every
    /// [`SYNC_EVERY`]).
    pub fn start_background(self: &Arc<Self>, runtime: &tokio::runtime::Handle) -> Background {
        let uploads = self.clone();
        let uploads = runtime.spawn(async move { uploads.run_uploads(0, Until::Stopped).await });
        let syncs = self.clone();
        let syncs = runtime.spawn(async move { syncs.run_syncs(SYNC_EVERY).await });
        Background {
            tasks: vec![uploads.abort_handle(), syncs.abort_handle()],
        }
    }

    /// Syncs now if logged in, then again every `every`, and at once after each login (the
    /// account's library and playlists come in without waiting). Runs until its future is
    /// dropped; a sync that fails is logged and the next one tries again.
    pub async fn run_syncs(&self, every: Duration) {
        loop {
            if self.client().is_ok()
                && let Err(error) = self.sync().await
            {
                tracing::info!(%error, "cloud sync did not finish; trying again later");
            }
            // A login while this sync ran left a permit: the next sync starts at once.
            let _ = tokio::time::timeout(every, self.logged_in.notified()).await;
        }
    }

    /// Scans the library's music folders, then queues the new music for upload (when
    /// automatic uploads are on: see [`Cloud::upload_new`]). Blocking, as the scan is.
    pub fn scan(&self, control: &ScanControl<'_>) -> Result<ScanReport> {
        let report = self.library.scan(control)?;
        self.upload_new_or_log();
        Ok(report)
    }

    /// Watches the library's music folders: each batch of changes is applied to the
    /// library, `on_change` hears of it, and the new music is queued for upload. Watching
    /// stops when the [`Watcher`] is dropped.
    pub fn watch(
        self: &Arc<Self>,
        on_change: impl Fn(ScanReport) + Send + 'static,
    ) -> Result<Watcher> {
        let cloud = Arc::clone(self);
        Ok(Watcher::start(self.library.clone(), move |report| {
            on_change(report);
            cloud.upload_new_or_log();
        })?)
    }
}
