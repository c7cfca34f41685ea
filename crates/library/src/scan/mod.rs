//! The scanner: a pipeline that brings the database in line with the music folders.
//!
//! For each music folder:
//!
//! 1. **Walk** ([`walk`]): list audio files with size and modification time, without opening
//!    them; note folder images, unsupported audio files and unreadable folders.
//! 2. **Compare** with the stored tracks of that folder: a file whose size and modification
//!    time are unchanged is skipped without being opened (this is what makes a rescan of an
//!    unchanged library take a fraction of a second). A missing track whose file is back
//!    unchanged becomes present again.
//! 3. **Read** ([`read`]) the new and changed files in parallel, one thread per core; a
//!    reader that fails or panics marks that one file unreadable, with the reason.
//! 4. **Write** ([`write`]) results in batches of [`BATCH`] per transaction, so readers of the
//!    library see progress and a crash loses at most one batch. A new path whose fingerprint
//!    matches a vanished track is that track, moved: it keeps its id and history.
//! 5. **Finish**: tracks whose files were not found are marked missing (never deleted: an
//!    unplugged disk must not wipe the library), and the album/artist/genre summaries are
//!    rebuilt if anything changed.
//!
//! A cancelled scan keeps the batches already written and marks nothing missing.

pub mod read;
pub mod walk;
pub(crate) mod write;

use crate::error::Result;
use crate::ids::{ArtworkId, FolderId};
use crate::model::TrackState;
use crate::now_ms;
use crate::store::{Store, pathbytes};
use read::FileTags;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use walk::FoundFile;

/// Files written per transaction.
pub const BATCH: usize = 1_000;

/// Where a scan is.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanPhase {
    Walking,
    Reading,
    Finishing,
    Done,
}

/// A progress report, sent a few times a second.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanProgress {
    pub phase: ScanPhase,
    /// The folder being walked or read.
    pub folder: String,
    /// Audio files found so far.
    pub files_found: u64,
    /// New or changed files read so far.
    pub files_read: u64,
    /// New or changed files to read in this folder.
    pub files_to_read: u64,
    /// Files read per second, over the reading phase so far.
    pub rate_per_sec: f64,
}

/// A file the scan could not take in, with why.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanProblem {
    pub path: String,
    pub reason: String,
}

/// What a scan did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanReport {
    pub folders: u64,
    pub files_found: u64,
    /// Skipped without opening: same size and modification time.
    pub unchanged: u64,
    pub added: u64,
    pub updated: u64,
    /// Recognised at a new path; kept their ids.
    pub moved: u64,
    /// Found again after having gone missing.
    pub restored: u64,
    /// Newly marked missing.
    pub missing: u64,
    /// Files with an audio extension that could not be read.
    pub unreadable: Vec<ScanProblem>,
    /// Audio files in formats Tonearm cannot play (WMA, DSD, ...).
    pub unsupported: Vec<String>,
    /// Folders or files that could not be accessed.
    pub errors: Vec<ScanProblem>,
    pub cancelled: bool,
    pub duration_ms: u64,
}

impl ScanReport {
    /// Whether the scan changed anything in the database.
    pub fn changed(&self) -> bool {
        self.added + self.updated + self.moved + self.restored + self.missing > 0
            || !self.unreadable.is_empty()
    }
}

/// How a scan reports progress and learns it should stop.
pub struct ScanControl<'a> {
    pub cancel: &'a AtomicBool,
    pub progress: &'a (dyn Fn(&ScanProgress) + Sync),
}

impl std::fmt::Debug for ScanControl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanControl")
            .field("cancel", &self.cancel)
            .finish_non_exhaustive()
    }
}

/// Scans the given folders and returns one report for all of them.
pub fn scan(
    store: &Store,
    folders: &[(FolderId, PathBuf)],
    control: &ScanControl<'_>,
) -> Result<ScanReport> {
    let started = Instant::now();
    let mut report = ScanReport {
        folders: folders.len() as u64,
        ..ScanReport::default()
    };
    let mut dirty = write::Dirty::default();
    let mut result = Ok(());
    for (folder_id, root) in folders {
        result = scan_folder(store, *folder_id, root, control, &mut report, &mut dirty);
        if result.is_err() || report.cancelled {
            break;
        }
    }
    // Even a failed or cancelled scan keeps the summaries in step with what it wrote.
    if !dirty.is_empty() {
        store.write(|tx| write::rebuild_summaries(tx, Some(&dirty)))?;
    }
    result?;
    report.duration_ms = started.elapsed().as_millis() as u64;
    (control.progress)(&ScanProgress {
        phase: ScanPhase::Done,
        folder: String::new(),
        files_found: report.files_found,
        files_read: report.added + report.updated + report.moved,
        files_to_read: report.added + report.updated + report.moved,
        rate_per_sec: 0.0,
    });
    Ok(report)
}

/// A progress sender that speaks at most every 100 ms.
struct Throttle<'a> {
    progress: &'a (dyn Fn(&ScanProgress) + Sync),
    last: Option<Instant>,
}

impl Throttle<'_> {
    fn send(&mut self, progress: impl FnOnce() -> ScanProgress, force: bool) {
        if force
            || self
                .last
                .is_none_or(|t| t.elapsed() >= Duration::from_millis(100))
        {
            self.last = Some(Instant::now());
            (self.progress)(&progress());
        }
    }
}

fn scan_folder(
    store: &Store,
    folder_id: FolderId,
    root: &Path,
    control: &ScanControl<'_>,
    report: &mut ScanReport,
    dirty: &mut write::Dirty,
) -> Result<()> {
    let folder_text = root.to_string_lossy().into_owned();
    let mut throttle = Throttle {
        progress: control.progress,
        last: None,
    };
    let found_before = report.files_found;

    // 1. Walk.
    if !root.is_dir() {
        report.errors.push(ScanProblem {
            path: folder_text.clone(),
            reason:
                "the folder is not there (an unplugged disk?); its tracks are kept, marked missing"
                    .to_owned(),
        });
    }
    let walked = walk::walk(root, control.cancel, |dir, found| {
        throttle.send(
            || ScanProgress {
                phase: ScanPhase::Walking,
                folder: dir.to_string_lossy().into_owned(),
                files_found: found_before + found as u64,
                files_read: 0,
                files_to_read: 0,
                rate_per_sec: 0.0,
            },
            false,
        );
    });
    report.files_found += walked.files.len() as u64;
    report.unsupported.extend(
        walked
            .unsupported
            .iter()
            .map(|p| p.to_string_lossy().into_owned()),
    );
    report
        .errors
        .extend(walked.errors.iter().map(|(path, reason)| ScanProblem {
            path: path.to_string_lossy().into_owned(),
            reason: reason.clone(),
        }));
    if walked.cancelled {
        report.cancelled = true;
        return Ok(());
    }

    // 2. Compare.
    let existing = store.read(|conn| write::tracks_under(conn, root))?;
    let mut seen: HashSet<Vec<u8>> = HashSet::with_capacity(walked.files.len());
    let mut to_read: Vec<(FoundFile, Option<i64>)> = Vec::new();
    let mut back: HashSet<i64> = HashSet::new();
    for file in walked.files {
        let key = pathbytes::to_bytes(&file.path);
        match existing.get(&key) {
            // Back after going missing: read again, since its last state is not known.
            Some(old) if old.state == TrackState::Missing => {
                back.insert(old.pk);
                to_read.push((file, Some(old.pk)));
            }
            Some(old) if old.size == file.size && old.mtime_ms == file.mtime_ms => {
                report.unchanged += 1
            }
            Some(old) => to_read.push((file, Some(old.pk))),
            None => to_read.push((file, None)),
        }
        seen.insert(key);
    }
    let gone: Vec<i64> = existing
        .iter()
        .filter(|(path, old)| !seen.contains(*path) && old.state != TrackState::Missing)
        .map(|(_, old)| old.pk)
        .collect();

    // 3 and 4. Read in parallel, write in batches.
    let mut candidates = if to_read.iter().any(|(_, pk)| pk.is_none()) {
        store.read(|conn| write::move_candidates(conn, &gone))?
    } else {
        HashMap::new()
    };
    let mut moved_from: HashSet<i64> = HashSet::new();
    let files_to_read = to_read.len() as u64;
    let next = AtomicUsize::new(0);
    let (sender, receiver) =
        std::sync::mpsc::sync_channel::<(usize, Result<FileTags, String>)>(256);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let read_started = Instant::now();
    let mut artwork_cache = ArtworkCache::new(walked.folder_images);

    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..workers {
            let sender = sender.clone();
            let (to_read, next, cancel) = (&to_read, &next, control.cancel);
            scope.spawn(move || {
                loop {
                    if cancel.load(Ordering::Relaxed) {
                        break;
                    }
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((file, _)) = to_read.get(index) else {
                        break;
                    };
                    if sender.send((index, read::read_file(&file.path))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);

        let mut batch: Vec<(usize, Result<FileTags, String>)> = Vec::with_capacity(BATCH);
        let mut done = 0u64;
        let mut flush = |batch: &mut Vec<(usize, Result<FileTags, String>)>,
                         report: &mut ScanReport|
         -> Result<()> {
            store.write(|tx| {
                for (index, outcome) in batch.drain(..) {
                    let (file, old_pk) = &to_read[index];
                    match outcome {
                        Ok(tags) => {
                            let artwork = artwork_cache.resolve(tx, file, tags.cover.as_deref())?;
                            let target = match old_pk {
                                Some(pk) => {
                                    if back.contains(pk) {
                                        report.restored += 1;
                                    } else {
                                        report.updated += 1;
                                    }
                                    write::Target::Update(*pk)
                                }
                                None => {
                                    let fingerprint = write::fingerprint(file, &tags);
                                    let moved = candidates
                                        .get_mut(&fingerprint)
                                        .and_then(|pks| pks.pop())
                                        .filter(|pk| moved_from.insert(*pk));
                                    match moved {
                                        Some(pk) => {
                                            report.moved += 1;
                                            write::Target::Update(pk)
                                        }
                                        None => {
                                            report.added += 1;
                                            write::Target::Insert
                                        }
                                    }
                                }
                            };
                            write::write_track(
                                tx,
                                folder_id,
                                file,
                                &tags,
                                artwork.as_ref(),
                                target,
                                dirty,
                            )?;
                        }
                        Err(reason) => {
                            if old_pk.is_some_and(|pk| back.contains(&pk)) {
                                report.restored += 1;
                            }
                            report.unreadable.push(ScanProblem {
                                path: file.path.to_string_lossy().into_owned(),
                                reason: reason.clone(),
                            });
                            write::write_unreadable(tx, folder_id, file, &reason, *old_pk, dirty)?;
                        }
                    }
                }
                Ok(())
            })
        };
        for item in receiver {
            batch.push(item);
            done += 1;
            if batch.len() >= BATCH {
                flush(&mut batch, report)?;
            }
            throttle.send(
                || ScanProgress {
                    phase: ScanPhase::Reading,
                    folder: folder_text.clone(),
                    files_found: report.files_found,
                    files_read: done,
                    files_to_read,
                    rate_per_sec: done as f64 / read_started.elapsed().as_secs_f64().max(1e-3),
                },
                false,
            );
        }
        flush(&mut batch, report)
    })?;

    if control.cancel.load(Ordering::Relaxed) {
        report.cancelled = true;
        return Ok(());
    }

    // 5. Finish: what was not found and did not move is missing.
    let now_missing: Vec<i64> = gone
        .into_iter()
        .filter(|pk| !moved_from.contains(pk))
        .collect();
    report.missing += now_missing.len() as u64;
    store.write(|tx| {
        write::set_state(tx, &now_missing, TrackState::Missing, dirty)?;
        tx.execute(
            "UPDATE folders SET scanned_at = ?1 WHERE id = ?2",
            rusqlite::params![now_ms(), folder_id.0],
        )?;
        Ok(())
    })?;
    throttle.send(
        || ScanProgress {
            phase: ScanPhase::Finishing,
            folder: folder_text.clone(),
            files_found: report.files_found,
            files_read: files_to_read,
            files_to_read,
            rate_per_sec: files_to_read as f64 / read_started.elapsed().as_secs_f64().max(1e-3),
        },
        true,
    );
    Ok(())
}

/// Artwork for tracks being written: the embedded cover, else the folder's image; each image
/// is hashed and stored once per scan however many tracks share it.
struct ArtworkCache {
    folder_images: HashMap<PathBuf, PathBuf>,
    by_folder: HashMap<PathBuf, Option<ArtworkId>>,
    stored: HashMap<[u8; 32], Option<ArtworkId>>,
}

impl ArtworkCache {
    fn new(folder_images: HashMap<PathBuf, PathBuf>) -> Self {
        Self {
            folder_images,
            by_folder: HashMap::new(),
            stored: HashMap::new(),
        }
    }

    fn resolve(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        file: &FoundFile,
        embedded: Option<&[u8]>,
    ) -> Result<Option<ArtworkId>> {
        if let Some(bytes) = embedded {
            let key = *blake3::hash(bytes).as_bytes();
            if let Some(known) = self.stored.get(&key) {
                return Ok(known.clone());
            }
            let id = write::store_artwork(tx, bytes)?;
            self.stored.insert(key, id.clone());
            if id.is_some() {
                return Ok(id);
            }
        }
        let Some(dir) = file.path.parent() else {
            return Ok(None);
        };
        if let Some(known) = self.by_folder.get(dir) {
            return Ok(known.clone());
        }
        let id = match self.folder_images.get(dir).map(std::fs::read) {
            Some(Ok(bytes)) => write::store_artwork(tx, &bytes)?,
            _ => None,
        };
        self.by_folder.insert(dir.to_path_buf(), id.clone());
        Ok(id)
    }
}
