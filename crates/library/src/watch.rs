//! Watching the music folders while the app runs.
//!
//! File system events are debounced (a copy of an album arrives as one batch, not hundreds of
//! events) and each batch rescans only the directories it touched. A folder that vanishes (a
//! disk unplugged) has its tracks marked missing; the watcher checks every few seconds and,
//! when the folder is back, watches it again and rescans it.

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::scan::{ScanControl, ScanReport};
use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, new_debouncer};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{RecvTimeoutError, Sender};
use std::time::Duration;

/// How long events settle before a batch is scanned.
pub const DEBOUNCE: Duration = Duration::from_millis(750);
/// How often vanished folders are looked for.
const RECHECK: Duration = Duration::from_secs(2);

/// A running watcher; dropping it stops it.
#[derive(Debug)]
pub struct Watcher {
    stop: Arc<AtomicBool>,
    wake: Sender<Vec<PathBuf>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watcher {
    /// Watches every music folder of `library`; `on_batch` gets the report of each rescan
    /// that changed something.
    pub fn start(
        library: Arc<Library>,
        on_batch: impl Fn(ScanReport) + Send + 'static,
    ) -> Result<Self> {
        let (sender, receiver) = std::sync::mpsc::channel::<Vec<PathBuf>>();
        let events = sender.clone();
        let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
            if let Ok(events_batch) = result {
                let paths: Vec<PathBuf> = events_batch
                    .into_iter()
                    .flat_map(|e| e.event.paths)
                    .collect();
                if !paths.is_empty() {
                    let _ = events.send(paths);
                }
            }
        })
        .map_err(|source| LibraryError::Watch {
            path: PathBuf::new(),
            source,
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = stop.clone();
        let mut watched: HashSet<PathBuf> = HashSet::new();
        for folder in library.folders()? {
            let path = PathBuf::from(&folder.path);
            if path.is_dir() && debouncer.watch(&path, RecursiveMode::Recursive).is_ok() {
                watched.insert(path);
            }
        }
        let thread = std::thread::Builder::new()
            .name("library-watcher".to_owned())
            .spawn(move || {
                let never = AtomicBool::new(false);
                let quiet = |_: &crate::scan::ScanProgress| {};
                let control = ScanControl {
                    cancel: &never,
                    progress: &quiet,
                };
                while !stop_flag.load(Ordering::Relaxed) {
                    let mut changed: Vec<PathBuf> = match receiver.recv_timeout(RECHECK) {
                        Ok(paths) => paths,
                        Err(RecvTimeoutError::Timeout) => Vec::new(),
                        Err(RecvTimeoutError::Disconnected) => break,
                    };
                    while let Ok(more) = receiver.try_recv() {
                        changed.extend(more);
                    }
                    // Folders that went away or came back.
                    if let Ok(folders) = library.folders() {
                        for folder in folders {
                            let path = PathBuf::from(&folder.path);
                            let is_watched = watched.contains(&path);
                            if folder.available && !is_watched {
                                if debouncer.watch(&path, RecursiveMode::Recursive).is_ok() {
                                    watched.insert(path.clone());
                                }
                                changed.push(path);
                            } else if !folder.available && is_watched {
                                let _ = debouncer.unwatch(&path);
                                watched.remove(&path);
                                changed.push(path);
                            }
                        }
                    }
                    if stop_flag.load(Ordering::Relaxed) || changed.is_empty() {
                        continue;
                    }
                    match library.scan_paths(&changed, &control) {
                        Ok(report) if report.changed() => on_batch(report),
                        Ok(_) => {}
                        Err(error) => tracing::warn!(%error, "rescan after a file change failed"),
                    }
                }
                drop(debouncer);
            })
            .map_err(|e| LibraryError::io("library-watcher", e))?;
        Ok(Self {
            stop,
            wake: sender,
            thread: Some(thread),
        })
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.wake.send(Vec::new());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
