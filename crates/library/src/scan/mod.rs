//! The scanner: a pipeline that brings the database in line with the music folders.
//!
//! For each music folder:
//!
//! 1. **Walk** ([`walk`]): list audio files with size and modification time, without opening
//!    them; note folder images, unsupported audio files and unreadable folders. Folders are
//!    listed by a few threads: an unchanged rescan is mostly this walk.
//! 2. **Compare** with the stored tracks of that folder, both in path order, side by side (no
//!    hash map of 100,000 paths): a file whose size and modification time are unchanged is
//!    skipped without being opened (this is what makes a rescan of an unchanged library take
//!    a fraction of a second). A missing track whose file is back is read again.
//! 3. **Read** ([`read`]) the new and changed files in parallel, one thread per core; a
//!    reader that fails or panics marks that one file unreadable, with the reason. Readers
//!    also prepare each row (sort keys, album key, fingerprint, the cover's hash), so the
//!    writer, which alone sets the pace of a first scan, only binds values. They hand files
//!    over in chunks, far enough ahead to go on reading while the writer commits
//!    ([`handoff`]: the covers' bytes on the way are bounded apart).
//! 4. **Write** ([`write`]) results in batches of [`BATCH`] per transaction, so readers of the
//!    library see progress and a crash loses at most one batch. A new path whose fingerprint
//!    matches a vanished track is that track, moved: it keeps its id and history. A changed
//!    file's row is compared with the stored one and only what differs is written: a touched
//!    file costs an update of its size and time. Search entries are written at the end of
//!    each batch. When a scan adds more tracks than the library holds (a first scan), the
//!    sorted indexes and the search index are built once at the end instead ([`bulk`]).
//! 5. **Finish**: tracks whose files were not found are marked missing (never deleted: an
//!    unplugged disk must not wipe the library), and the album/artist/genre summaries are
//!    rebuilt if anything changed (all of them after a bulk scan, in one pass).
//!
//! A cancelled scan keeps the batches already written and marks nothing missing.
//!
//! `docs/benchmarks.md` (Library) has the figures, and the profiles this design comes from.

mod blocks;
pub(crate) mod bulk;
mod handoff;
pub mod read;
mod summaries;
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
    let mut bulk = false;
    let mut result = Ok(());
    for (folder_id, root) in folders {
        result = scan_folder(
            store,
            *folder_id,
            root,
            control,
            &mut report,
            &mut dirty,
            &mut bulk,
        );
        if result.is_err() || report.cancelled {
            break;
        }
    }
    // Even a failed or cancelled scan builds what it deferred and keeps the summaries in
    // step with what it wrote.
    if bulk {
        store.write(bulk::finish)?;
    } else if !dirty.is_empty() {
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
    bulk: &mut bool,
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

    // 2. Compare, walking the files and the stored tracks side by side in path order.
    let files = walked.files;
    let keys: Vec<std::borrow::Cow<'_, [u8]>> =
        files.iter().map(|f| pathbytes::as_bytes(&f.path)).collect();
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_unstable_by(|a, b| keys[*a].cmp(&keys[*b]));
    let mut stored: Vec<Option<write::Existing>> = vec![None; files.len()];
    let mut gone: Vec<i64> = Vec::new();
    store.read(|conn| {
        let mut next = order.iter().peekable();
        write::tracks_under(conn, root, |path, existing| {
            while next.next_if(|at| keys[**at].as_ref() < path).is_some() {}
            match next.next_if(|at| keys[**at].as_ref() == path) {
                Some(at) => stored[*at] = Some(existing),
                None if existing.state != TrackState::Missing => gone.push(existing.pk),
                None => {}
            }
        })
    })?;
    drop(keys);
    let mut to_read: Vec<(FoundFile, Option<i64>)> = Vec::new();
    let mut back: HashSet<i64> = HashSet::new();
    for (file, old) in files.into_iter().zip(stored) {
        match old {
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
    }

    // A first scan (or a folder larger than the library) builds its indexes at the end.
    let adding = to_read.iter().filter(|(_, pk)| pk.is_none()).count();
    if !*bulk && adding >= bulk::MIN_TRACKS {
        let stored: i64 = store.read(|conn| {
            Ok(conn.query_row("SELECT COUNT(*) FROM tracks", [], |row| row.get(0))?)
        })?;
        if bulk::worth_it(adding, stored as u64) {
            store.write(bulk::begin)?;
            *bulk = true;
        }
    }
    let bulk = *bulk;

    // 3 and 4. Read in parallel, write in batches.
    let mut candidates = if to_read.iter().any(|(_, pk)| pk.is_none()) {
        store.read(|conn| write::move_candidates(conn, &gone))?
    } else {
        HashMap::new()
    };
    let mut moved_from: HashSet<i64> = HashSet::new();
    let files_to_read = to_read.len() as u64;
    let next = AtomicUsize::new(0);
    let covers = handoff::Covers::new(handoff::COVER_BYTES);
    let (handing, taking) = handoff::queue(&covers);
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let read_started = Instant::now();
    let mut artwork_cache = ArtworkCache::new(walked.folder_images);

    std::thread::scope(|scope| -> Result<()> {
        // The writer's end is dropped when this returns, an error included, so readers
        // waiting for it to take covers stop before the scope waits for them.
        let taking = taking;
        for _ in 0..workers {
            let mut handing = handing.clone();
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
                    let scanned =
                        read::read_file(&file.path).map(|tags| Scanned::new(folder_id, file, tags));
                    if !handing.send((index, scanned)) {
                        break;
                    }
                }
            });
        }
        drop(handing);

        let mut batch: Vec<handoff::Item> = Vec::with_capacity(BATCH);
        let mut batch_covers = 0;
        let mut done = 0u64;
        let mut flush = |batch: &mut Vec<handoff::Item>, report: &mut ScanReport| -> Result<()> {
            store.write(|tx| {
                let mut search = if bulk {
                    write::SearchUpdates::deferred()
                } else {
                    write::SearchUpdates::default()
                };
                for (index, outcome) in batch.drain(..) {
                    let (file, old_pk) = &to_read[index];
                    match outcome {
                        Ok(Scanned { mut row, cover }) => {
                            row.set_artwork(artwork_cache.resolve(tx, file, cover)?);
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
                                    let moved = candidates
                                        .get_mut(row.fingerprint())
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
                            write::write_prepared(tx, &row, target, dirty, &mut search)?;
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
                search.apply(tx)
            })
        };
        for item in std::iter::from_fn(|| taking.recv()).flatten() {
            batch_covers += handoff::cover_bytes(&item);
            batch.push(item);
            done += 1;
            if batch.len() >= BATCH || batch_covers >= handoff::COVER_BYTES {
                flush(&mut batch, report)?;
                batch_covers = 0;
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

/// What a reader hands the writer: the row, and the embedded cover with its id (hashed by
/// the reader, so the writer only stores covers it has not seen).
struct Scanned {
    row: write::TrackRow,
    cover: Option<(ArtworkId, Vec<u8>)>,
}

impl Scanned {
    fn new(folder: FolderId, file: &FoundFile, mut tags: FileTags) -> Self {
        let cover = tags
            .cover
            .take()
            .map(|bytes| (ArtworkId::of(&bytes), bytes));
        Self {
            row: write::TrackRow::scanned(folder, file, tags),
            cover,
        }
    }
}

/// Artwork for tracks being written: the embedded cover, else the folder's image; each image
/// is stored once per scan however many tracks share it.
struct ArtworkCache {
    folder_images: HashMap<PathBuf, PathBuf>,
    by_folder: HashMap<PathBuf, Option<ArtworkId>>,
    /// The last folder asked about: tracks arrive folder by folder, and hashing a path is
    /// not free.
    last_folder: Option<(PathBuf, Option<ArtworkId>)>,
    stored: HashMap<ArtworkId, Option<ArtworkId>>,
}

impl ArtworkCache {
    fn new(folder_images: HashMap<PathBuf, PathBuf>) -> Self {
        Self {
            folder_images,
            by_folder: HashMap::new(),
            last_folder: None,
            stored: HashMap::new(),
        }
    }

    fn resolve(
        &mut self,
        tx: &rusqlite::Transaction<'_>,
        file: &FoundFile,
        embedded: Option<(ArtworkId, Vec<u8>)>,
    ) -> Result<Option<ArtworkId>> {
        if let Some((id, bytes)) = embedded {
            let known = match self.stored.get(&id) {
                Some(known) => known.clone(),
                None => {
                    let stored = write::store_artwork_as(tx, id.clone(), &bytes)?;
                    self.stored.insert(id, stored.clone());
                    stored
                }
            };
            if known.is_some() {
                return Ok(known);
            }
        }
        let Some(dir) = file.path.parent() else {
            return Ok(None);
        };
        if let Some((last, known)) = &self.last_folder
            && last.as_os_str() == dir.as_os_str()
        {
            return Ok(known.clone());
        }
        let id = match self.by_folder.get(dir) {
            Some(known) => known.clone(),
            None => {
                let id = match self.folder_images.get(dir).map(std::fs::read) {
                    Some(Ok(bytes)) => write::store_artwork(tx, &bytes)?,
                    _ => None,
                };
                self.by_folder.insert(dir.to_path_buf(), id.clone());
                id
            }
        };
        self.last_folder = Some((dir.to_path_buf(), id.clone()));
        Ok(id)
    }
}
