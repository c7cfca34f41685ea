//! What the shell keeps while the app runs: the open library, the running scan's cancel flag,
//! and the folder watcher (restarted when the folders change). The sync engine watches, so
//! that new music goes to the cloud; the shell only tells the UI.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use tonearm_library::Library;
use tonearm_library::watch::Watcher;
use tonearm_sync::Cloud;

type OnChange = Arc<dyn Fn(tonearm_library::ScanReport) + Send + Sync>;

/// The library and its background work.
pub struct LibraryState {
    pub library: Arc<Library>,
    cloud: Arc<Cloud>,
    /// Set while a scan runs; storing `true` asks it to stop.
    pub scan_cancel: Mutex<Option<Arc<AtomicBool>>>,
    watcher: Arc<Mutex<Option<Watcher>>>,
    on_change: OnChange,
}

impl std::fmt::Debug for LibraryState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LibraryState")
            .field("library", &self.library)
            .finish_non_exhaustive()
    }
}

impl LibraryState {
    /// Wraps the sync engine's library and starts watching its folders; `on_change` hears
    /// about every batch of changes the watcher applies.
    pub fn new(
        cloud: Arc<Cloud>,
        on_change: impl Fn(tonearm_library::ScanReport) + Send + Sync + 'static,
    ) -> Self {
        let state = Self {
            library: cloud.library().clone(),
            cloud,
            scan_cancel: Mutex::new(None),
            watcher: Arc::new(Mutex::new(None)),
            on_change: Arc::new(on_change),
        };
        state.watch_again();
        state
    }

    /// (Re)starts the watcher over the current music folders, in the background: watching
    /// a large library means visiting each of its folders, which must not hold up the
    /// window or the command that changed the folders.
    pub fn watch_again(&self) {
        let (slot, cloud, on_change) = (
            self.watcher.clone(),
            self.cloud.clone(),
            self.on_change.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("library-watch-start".to_owned())
            .spawn(move || {
                // Held while starting, so a second restart waits and watches the latest folders.
                let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
                slot.take();
                match cloud.watch(move |report| on_change(report)) {
                    Ok(watcher) => *slot = Some(watcher),
                    Err(error) => {
                        tracing::warn!(%error, "music folders are not watched for changes")
                    }
                }
            });
        if let Err(error) = spawned {
            tracing::warn!(%error, "music folders are not watched for changes");
        }
    }
}
