//! Watching the music folders while the app runs.
//!
//! Only events that can mean a file changed lead to a rescan: created, written, renamed,
//! removed, or its metadata changed. inotify also reports every open of a file or folder
//! (notify asks the kernel for `IN_OPEN`), and those are dropped as they arrive: playing a
//! song, another program reading the library, and the rescan itself (which opens every folder
//! it walks) change nothing. Counting them made the watcher rescan its own reads in a loop,
//! a whole core busy for as long as the app ran.
//!
//! Changes are gathered until the folders have been quiet for [`DEBOUNCE`] (a copy of an album
//! arrives as one batch, not hundreds of events), or for [`MOST_DEFERRED`] at most (a folder
//! that never stops changing is still followed), and each batch rescans only the directories
//! it touched. If the kernel's queue overflowed and events were lost, every watched folder is
//! rescanned. A folder that vanishes (a disk unplugged) has its tracks marked missing; the
//! watcher checks every few seconds and, when the folder is back, watches it again and
//! rescans it.

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::scan::{ScanControl, ScanReport};
use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecursiveMode, Watcher as _};
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// How long the folders must be quiet before a batch is scanned.
pub const DEBOUNCE: Duration = Duration::from_millis(750);
/// The longest a change waits for the folders to be quiet.
pub const MOST_DEFERRED: Duration = Duration::from_secs(5);
/// How often vanished folders are looked for.
const RECHECK: Duration = Duration::from_secs(2);

/// What reaches the watcher's thread.
#[derive(Debug)]
enum Signal {
    /// These paths changed.
    Changed(Vec<PathBuf>),
    /// Events were lost: everything may have changed.
    Overflow,
    /// Look at the stop flag.
    Wake,
}

/// A running watcher; dropping it stops it.
#[derive(Debug)]
pub struct Watcher {
    stop: Arc<AtomicBool>,
    wake: Sender<Signal>,
    rescans: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watcher {
    /// Watches every music folder of `library`; `on_batch` gets the report of each rescan
    /// that changed something.
    pub fn start(
        library: Arc<Library>,
        on_batch: impl Fn(ScanReport) + Send + 'static,
    ) -> Result<Self> {
        let (sender, receiver) = std::sync::mpsc::channel::<Signal>();
        let events = sender.clone();
        let mut notifier = notify::recommended_watcher(move |result: notify::Result<Event>| {
            let signal = match result {
                Ok(event) if event.need_rescan() => Signal::Overflow,
                Ok(event) if changes_files(&event.kind) && !event.paths.is_empty() => {
                    Signal::Changed(event.paths)
                }
                Ok(_) => return,
                Err(error) => {
                    tracing::warn!(%error, "watching the music folders");
                    return;
                }
            };
            let _ = events.send(signal);
        })
        .map_err(|source| LibraryError::Watch {
            path: PathBuf::new(),
            source,
        })?;
        let mut watched: HashSet<PathBuf> = HashSet::new();
        for folder in library.folders()? {
            let path = PathBuf::from(&folder.path);
            if path.is_dir() && notifier.watch(&path, RecursiveMode::Recursive).is_ok() {
                watched.insert(path);
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let rescans = Arc::new(AtomicU64::new(0));
        let thread = {
            let stop = stop.clone();
            let rescans = rescans.clone();
            std::thread::Builder::new()
                .name("library-watcher".to_owned())
                .spawn(move || {
                    let never = AtomicBool::new(false);
                    let quiet = |_: &crate::scan::ScanProgress| {};
                    let control = ScanControl {
                        cancel: &never,
                        progress: &quiet,
                    };
                    while let Some(batch) = next_batch(&receiver, &stop) {
                        let mut changed: Vec<PathBuf> = if batch.overflowed {
                            watched.iter().cloned().collect()
                        } else {
                            batch.paths.into_iter().collect()
                        };
                        // Folders that went away or came back.
                        if let Ok(folders) = library.folders() {
                            for folder in folders {
                                let path = PathBuf::from(&folder.path);
                                let is_watched = watched.contains(&path);
                                if folder.available && !is_watched {
                                    if notifier.watch(&path, RecursiveMode::Recursive).is_ok() {
                                        watched.insert(path.clone());
                                    }
                                    changed.push(path);
                                } else if !folder.available && is_watched {
                                    let _ = notifier.unwatch(&path);
                                    watched.remove(&path);
                                    changed.push(path);
                                }
                            }
                        }
                        if changed.is_empty() {
                            continue;
                        }
                        let report = library.scan_paths(&changed, &control);
                        rescans.fetch_add(1, Ordering::Relaxed);
                        match report {
                            Ok(report) if report.changed() => on_batch(report),
                            Ok(_) => {}
                            Err(error) => {
                                tracing::warn!(%error, "rescan after a file change failed");
                            }
                        }
                    }
                    drop(notifier);
                })
                .map_err(|e| LibraryError::io("library-watcher", e))?
        };
        Ok(Self {
            stop,
            wake: sender,
            rescans,
            thread: Some(thread),
        })
    }

    /// How many rescans the watcher has run (changes seen, folders gone or back).
    pub fn rescans(&self) -> u64 {
        self.rescans.load(Ordering::Relaxed)
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.wake.send(Signal::Wake);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether an event can mean the library's files changed. Opening, reading and closing a
/// file unwritten change nothing; closing it after writing does (the copy is complete).
fn changes_files(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Remove(_)
        | EventKind::Any
        | EventKind::Other => true,
    }
}

/// The changes of one rescan.
#[derive(Debug, Default)]
struct Batch {
    paths: BTreeSet<PathBuf>,
    overflowed: bool,
}

impl Batch {
    fn add(&mut self, signal: Signal) {
        match signal {
            Signal::Changed(paths) => self.paths.extend(paths),
            Signal::Overflow => self.overflowed = true,
            Signal::Wake => {}
        }
    }

    fn is_empty(&self) -> bool {
        self.paths.is_empty() && !self.overflowed
    }
}

/// Waits for the next batch: changes once the folders have been quiet for [`DEBOUNCE`] (or
/// after [`MOST_DEFERRED`]), or nothing after [`RECHECK`] (the caller then looks at the
/// folders themselves). `None` once the watcher stops.
fn next_batch(receiver: &Receiver<Signal>, stop: &AtomicBool) -> Option<Batch> {
    let mut batch = Batch::default();
    match receiver.recv_timeout(RECHECK) {
        Ok(signal) => batch.add(signal),
        Err(RecvTimeoutError::Timeout) => {}
        Err(RecvTimeoutError::Disconnected) => return None,
    }
    let first = Instant::now();
    while !batch.is_empty() && !stop.load(Ordering::Relaxed) {
        let left = MOST_DEFERRED.saturating_sub(first.elapsed());
        if left.is_zero() {
            break;
        }
        match receiver.recv_timeout(DEBOUNCE.min(left)) {
            Ok(signal) => batch.add(signal),
            Err(RecvTimeoutError::Timeout) => break,
            Err(RecvTimeoutError::Disconnected) => return None,
        }
    }
    (!stop.load(Ordering::Relaxed)).then_some(batch)
}
