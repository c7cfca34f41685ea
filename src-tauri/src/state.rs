//! What the shell keeps while the app runs: the open library, the running scan's cancel flag,
//! and the folder watcher (restarted when the folders change).

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use tonearm_library::Library;
use tonearm_library::watch::Watcher;

type OnChange = Arc<dyn Fn(tonearm_library::ScanReport) + Send + Sync>;

/// The library and its background work.
pub struct LibraryState {
    pub library: Arc<Library>,
    /// Set while a scan runs; storing `true` asks it to stop.
    pub scan_cancel: Mutex<Option<Arc<AtomicBool>>>,
    watcher: Mutex<Option<Watcher>>,
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
    /// Wraps an open library and starts watching its folders; `on_change` hears about every
    /// batch of changes the watcher applies.
    pub fn new(
        library: Library,
        on_change: impl Fn(tonearm_library::ScanReport) + Send + Sync + 'static,
    ) -> Self {
        let state = Self {
            library: Arc::new(library),
            scan_cancel: Mutex::new(None),
            watcher: Mutex::new(None),
            on_change: Arc::new(on_change),
        };
        state.watch_again();
        state
    }

    /// (Re)starts the watcher over the current music folders.
    pub fn watch_again(&self) {
        let mut slot = self.watcher.lock().unwrap_or_else(|p| p.into_inner());
        slot.take();
        let on_change = self.on_change.clone();
        match Watcher::start(self.library.clone(), move |report| on_change(report)) {
            Ok(watcher) => *slot = Some(watcher),
            Err(error) => tracing::warn!(%error, "music folders are not watched for changes"),
        }
    }
}
