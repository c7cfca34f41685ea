//! Discovery's walk: the folders under the roots, listed in parallel, each once.
//!
//! Reads directory entries only: names, the entry's type, and for songs their size from the
//! file's metadata. No file is opened. Folders are listed by a pool of threads sharing one
//! stack of folders to list, because a home folder is wide and a warm cache makes listing
//! CPU-bound (the scanner's `walkdir` walks one folder at a time).
//!
//! Every folder is claimed by its identity (device and inode; on other systems its canonical
//! path) before it is listed, so nothing is counted twice. Symbolic links to folders are
//! followed only after everything reachable without links was claimed, in rounds, in path
//! order: a link into the tree, back up to an ancestor (a loop) or to a folder another link
//! already led to is not followed, and the outcome does not depend on thread timing.

use super::rules::{self, FileKind, SkipReason};
use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

/// What identifies a folder, whatever path led to it.
#[cfg(unix)]
pub type Identity = (u64, u64);
/// What identifies a folder, whatever path led to it.
#[cfg(not(unix))]
pub type Identity = PathBuf;

/// The identity of the folder at `path`, following links; `None` when it cannot be read.
pub fn identity_of(path: &Path) -> Option<Identity> {
    #[cfg(unix)]
    {
        std::fs::metadata(path).ok().map(|m| unix_identity(&m))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok()
    }
}

#[cfg(unix)]
fn unix_identity(metadata: &Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    (metadata.dev(), metadata.ino())
}

/// One folder listed.
#[derive(Debug)]
pub struct Folder {
    pub path: PathBuf,
    /// Index of the folder it was found in (roots have none); always lower than its own.
    pub parent: Option<usize>,
    /// Songs directly in it, and their bytes.
    pub songs: u64,
    pub bytes: u64,
    /// Files directly in it that are neither songs nor what goes with songs.
    pub others: u64,
    /// It is one of the library's music folders.
    pub library: bool,
    /// It is the user's home folder.
    pub home: bool,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Indexed by id; a folder's parent comes before it.
    pub folders: Vec<Folder>,
    pub files_seen: u64,
    pub unsupported: u64,
    pub skipped: Skipped,
    pub links_followed: u64,
    pub links_not_followed: u64,
    /// Folders that could not be listed, with why.
    pub unreadable: Vec<(PathBuf, String)>,
    pub cancelled: bool,
}

/// Folders not walked, by reason.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Skipped {
    pub hidden: u64,
    pub system: u64,
    pub application: u64,
    pub trash: u64,
    pub cache: u64,
    pub development: u64,
    pub private_store: u64,
    pub excluded: u64,
}

impl Skipped {
    fn count(&mut self, reason: SkipReason) {
        *match reason {
            SkipReason::Hidden => &mut self.hidden,
            SkipReason::System => &mut self.system,
            SkipReason::Application => &mut self.application,
            SkipReason::Trash => &mut self.trash,
            SkipReason::Cache => &mut self.cache,
            SkipReason::Development => &mut self.development,
            SkipReason::PrivateStore => &mut self.private_store,
            SkipReason::Excluded => &mut self.excluded,
        } += 1;
    }

    fn add(&mut self, other: &Skipped) {
        self.hidden += other.hidden;
        self.system += other.system;
        self.application += other.application;
        self.trash += other.trash;
        self.cache += other.cache;
        self.development += other.development;
        self.private_store += other.private_store;
        self.excluded += other.excluded;
    }
}

/// What the walk needs to know besides the roots.
#[derive(Debug)]
pub struct Plan<'a> {
    pub threads: usize,
    pub excluded: HashSet<Identity>,
    pub library: HashSet<Identity>,
    pub home: Option<Identity>,
    pub cancel: Option<&'a AtomicBool>,
}

/// A folder to list.
#[derive(Debug)]
struct Job {
    id: usize,
    parent: Option<usize>,
    path: PathBuf,
    /// 0 for a root.
    depth: u32,
    identity: Identity,
}

/// A folder seen in a listing, not claimed yet.
#[derive(Debug)]
struct Candidate {
    path: PathBuf,
    identity: Identity,
}

/// A link to a folder, followed (or not) after the round that found it.
#[derive(Debug)]
struct Link {
    parent: usize,
    path: PathBuf,
    depth: u32,
    identity: Identity,
}

/// The shared stack of folders to list, and every identity claimed so far.
#[derive(Debug, Default)]
struct Queue {
    jobs: Vec<Job>,
    busy: usize,
    claimed: HashSet<Identity>,
    next_id: usize,
    done: bool,
}

impl Queue {
    /// Claims `identity` for a new folder; its id, or `None` if it was walked already.
    // An `Identity` is `Copy` on Unix only (a path elsewhere).
    #[allow(clippy::clone_on_copy)]
    fn claim(&mut self, identity: &Identity) -> Option<usize> {
        if !self.claimed.insert(identity.clone()) {
            return None;
        }
        self.next_id += 1;
        Some(self.next_id - 1)
    }
}

/// What one thread found in a round.
#[derive(Debug, Default)]
struct Found {
    folders: Vec<(usize, Folder)>,
    links: Vec<Link>,
    files_seen: u64,
    unsupported: u64,
    skipped: Skipped,
    unreadable: Vec<(PathBuf, String)>,
}

struct Walker<'a> {
    plan: &'a Plan<'a>,
    queue: Mutex<Queue>,
    wake: Condvar,
}

/// Walks `roots` (canonical, none inside another).
pub fn walk(roots: &[PathBuf], plan: &Plan<'_>) -> Walked {
    let walker = Walker {
        plan,
        queue: Mutex::new(Queue::default()),
        wake: Condvar::new(),
    };
    let mut walked = Walked::default();
    let mut jobs = Vec::new();
    {
        let mut queue = walker.lock();
        for root in roots {
            let Some(identity) = identity_of(root) else {
                walked
                    .unreadable
                    .push((root.clone(), "cannot read the folder".to_owned()));
                continue;
            };
            if let Some(id) = queue.claim(&identity) {
                jobs.push(Job {
                    id,
                    parent: None,
                    path: root.clone(),
                    depth: 0,
                    identity,
                });
            }
        }
    }
    let mut slots: Vec<Option<Folder>> = Vec::new();
    while !jobs.is_empty() {
        let mut links = Vec::new();
        for found in walker.round(jobs) {
            for (id, folder) in found.folders {
                if slots.len() <= id {
                    slots.resize_with(id + 1, || None);
                }
                slots[id] = Some(folder);
            }
            links.extend(found.links);
            walked.files_seen += found.files_seen;
            walked.unsupported += found.unsupported;
            walked.skipped.add(&found.skipped);
            walked.unreadable.extend(found.unreadable);
        }
        if walker.cancelled() {
            walked.cancelled = true;
            return walked;
        }
        links.sort_by(|a, b| a.path.cmp(&b.path));
        jobs = Vec::new();
        let mut queue = walker.lock();
        for link in links {
            if plan.excluded.contains(&link.identity) {
                walked.skipped.count(SkipReason::Excluded);
            } else if let Some(id) = queue.claim(&link.identity) {
                walked.links_followed += 1;
                jobs.push(Job {
                    id,
                    parent: Some(link.parent),
                    path: link.path,
                    depth: link.depth,
                    identity: link.identity,
                });
            } else {
                walked.links_not_followed += 1;
            }
        }
        queue.done = false;
    }
    walked.folders = slots
        .into_iter()
        .map(|slot| slot.expect("every claimed folder is listed by the round that claimed it"))
        .collect();
    walked.unreadable.sort();
    walked
}

impl Walker<'_> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn cancelled(&self) -> bool {
        self.plan
            .cancel
            .is_some_and(|cancel| cancel.load(Ordering::Relaxed))
    }

    /// Lists `jobs` and everything below them (links aside) on the pool.
    fn round(&self, jobs: Vec<Job>) -> Vec<Found> {
        self.lock().jobs.extend(jobs);
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..self.plan.threads.max(1))
                .map(|_| scope.spawn(|| self.work()))
                .collect();
            workers
                .into_iter()
                .map(|worker| match worker.join() {
                    Ok(found) => found,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    }

    fn work(&self) -> Found {
        let mut found = Found::default();
        while let Some(job) = self.next_job() {
            let (folder, candidates) = self.list(&job, &mut found);
            let mut queue = self.lock();
            for candidate in candidates {
                if self.plan.excluded.contains(&candidate.identity) {
                    found.skipped.count(SkipReason::Excluded);
                } else if let Some(id) = queue.claim(&candidate.identity) {
                    queue.jobs.push(Job {
                        id,
                        parent: Some(job.id),
                        path: candidate.path,
                        depth: job.depth + 1,
                        identity: candidate.identity,
                    });
                }
            }
            queue.busy -= 1;
            if !queue.jobs.is_empty() || queue.busy == 0 {
                self.wake.notify_all();
            }
            drop(queue);
            found.folders.push((job.id, folder));
        }
        found
    }

    /// The next folder to list, or `None` once none is left and none is being listed (or the
    /// walk was cancelled).
    fn next_job(&self) -> Option<Job> {
        let mut queue = self.lock();
        loop {
            if queue.done {
                return None;
            }
            if self.cancelled() {
                queue.done = true;
                queue.jobs.clear();
                self.wake.notify_all();
                return None;
            }
            if let Some(job) = queue.jobs.pop() {
                queue.busy += 1;
                return Some(job);
            }
            if queue.busy == 0 {
                queue.done = true;
                self.wake.notify_all();
                return None;
            }
            queue = self
                .wake
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Lists one folder: its counts, and the folders in it to claim.
    fn list(&self, job: &Job, found: &mut Found) -> (Folder, Vec<Candidate>) {
        let mut folder = Folder {
            path: job.path.clone(),
            parent: job.parent,
            songs: 0,
            bytes: 0,
            others: 0,
            library: self.plan.library.contains(&job.identity),
            home: self.plan.home.as_ref() == Some(&job.identity),
        };
        let entries = match std::fs::read_dir(&job.path) {
            Ok(entries) => entries,
            Err(error) => {
                found.unreadable.push((job.path.clone(), error.to_string()));
                return (folder, Vec::new());
            }
        };
        let mut listing = Listing::default();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    found.unreadable.push((job.path.clone(), error.to_string()));
                    break;
                }
            };
            listing.entry(&entry, job, &mut found.skipped);
        }
        if listing.cache_tag {
            // Counted by the folder that found it: it is a cache, and nothing in it counts.
            found.skipped.count(SkipReason::Cache);
            return (folder, Vec::new());
        }
        for link in listing.links {
            found.links.push(Link {
                parent: job.id,
                path: job.path.join(&link.0),
                depth: job.depth + 1,
                identity: link.1,
            });
        }
        found.files_seen += listing.files;
        found.unsupported += listing.unsupported;
        folder.songs = listing.songs;
        folder.bytes = listing.bytes;
        folder.others = listing.others;
        if listing.songs == 0 && listing.unsupported == 0 {
            // Artwork beside songs is the album's; a folder of photos is not music.
            folder.others += listing.companions;
        }
        (folder, listing.folders)
    }
}

/// What one folder's entries hold.
#[derive(Debug, Default)]
struct Listing {
    songs: u64,
    bytes: u64,
    others: u64,
    companions: u64,
    unsupported: u64,
    files: u64,
    cache_tag: bool,
    folders: Vec<Candidate>,
    links: Vec<(OsString, Identity)>,
}

impl Listing {
    fn entry(&mut self, entry: &std::fs::DirEntry, job: &Job, skipped: &mut Skipped) {
        let name = entry.file_name();
        let Ok(file_type) = entry.file_type() else {
            return;
        };
        if rules::is_hidden(&name) || hidden_by_attribute(entry) {
            if file_type.is_dir() {
                skipped.count(SkipReason::Hidden);
            }
            return;
        }
        if file_type.is_dir() {
            if let Some(reason) = rules::skip_folder(&name, job.depth == 0) {
                skipped.count(reason);
                return;
            }
            if let Some(identity) = folder_identity(entry) {
                self.folders.push(Candidate {
                    path: entry.path(),
                    identity,
                });
            }
        } else if file_type.is_symlink() {
            // The one place a name is not enough: where the link leads.
            let Ok(target) = std::fs::metadata(entry.path()) else {
                return;
            };
            if target.is_dir() {
                if let Some(reason) = rules::skip_folder(&name, job.depth == 0) {
                    skipped.count(reason);
                } else if let Some(identity) = link_identity(entry, &target) {
                    self.links.push((name, identity));
                }
            } else if target.is_file() {
                self.file(&name, || Some(target.len()));
            }
        } else if file_type.is_file() {
            self.file(&name, || entry.metadata().ok().map(|m| m.len()));
        }
    }

    fn file(&mut self, name: &std::ffi::OsStr, size: impl FnOnce() -> Option<u64>) {
        self.files += 1;
        if name == std::ffi::OsStr::new(rules::CACHE_TAG) {
            self.cache_tag = true;
        }
        match rules::classify(name) {
            FileKind::Song => {
                self.songs += 1;
                self.bytes += size().unwrap_or(0);
            }
            FileKind::Unsupported => self.unsupported += 1,
            FileKind::Companion => self.companions += 1,
            FileKind::Other => self.others += 1,
        }
    }
}

/// The identity of a folder found by name (not through a link).
fn folder_identity(entry: &std::fs::DirEntry) -> Option<Identity> {
    #[cfg(unix)]
    {
        // `lstat` of the folder itself: a mount point or bind mount gets its own identity.
        entry.metadata().ok().map(|m| unix_identity(&m))
    }
    #[cfg(not(unix))]
    {
        // Under a canonical root, the path is canonical too.
        Some(entry.path())
    }
}

/// The identity of the folder a link leads to.
fn link_identity(entry: &std::fs::DirEntry, target: &Metadata) -> Option<Identity> {
    #[cfg(unix)]
    {
        let _ = entry;
        Some(unix_identity(target))
    }
    #[cfg(not(unix))]
    {
        let _ = target;
        std::fs::canonicalize(entry.path()).ok()
    }
}

/// Windows marks folders hidden by an attribute rather than a name (`AppData` is hidden so).
#[cfg(windows)]
fn hidden_by_attribute(entry: &std::fs::DirEntry) -> bool {
    use std::os::windows::fs::MetadataExt;
    const HIDDEN: u32 = 0x2;
    const SYSTEM: u32 = 0x4;
    entry
        .metadata()
        .is_ok_and(|m| m.file_attributes() & (HIDDEN | SYSTEM) != 0)
}

#[cfg(not(windows))]
fn hidden_by_attribute(_: &std::fs::DirEntry) -> bool {
    false
}
