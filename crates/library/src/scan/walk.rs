//! Phase 1 of a scan: walking a music folder.
//!
//! Lists audio files with their size and modification time (no file is opened here), the
//! folder images that can stand in for missing embedded covers, files with an audio extension
//! no reader supports, and the folders that could not be read. Symbolic links are followed,
//! with loops detected and reported; hidden files and folders (a leading dot) are skipped.
//! The result is in the order of a depth-first walk with each folder's entries sorted by
//! name, whichever thread listed what (see [`walk`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

/// Extensions the scanner reads.
pub const SUPPORTED: &[&str] = &[
    "mp3", "flac", "ogg", "oga", "opus", "m4a", "m4b", "mp4", "aac", "wav", "aif", "aiff", "aifc",
    "wv", "ape", "mpc",
];

/// Audio extensions no reader here supports; listed in the report so the user knows.
pub const UNSUPPORTED: &[&str] = &[
    "wma", "dsf", "dff", "tak", "tta", "ac3", "dts", "mka", "ra", "rm", "shn", "mid", "midi",
    "mod", "xm", "it", "s3m",
];

/// Folder images, in order of preference.
const FOLDER_IMAGES: &[&str] = &["cover", "folder", "front", "album", "albumart"];
const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp"];

/// An audio file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFile {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ms: i64,
}

/// What walking one folder found.
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<FoundFile>,
    /// Best folder image per directory.
    pub folder_images: HashMap<PathBuf, PathBuf>,
    pub unsupported: Vec<PathBuf>,
    /// Paths that could not be read, with why.
    pub errors: Vec<(PathBuf, String)>,
    /// The walk stopped early because the scan was cancelled.
    pub cancelled: bool,
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
}

/// Whether the file is one the scanner reads, by extension.
pub fn is_supported(path: &Path) -> bool {
    extension(path).is_some_and(|ext| SUPPORTED.contains(&ext.as_str()))
}

/// Milliseconds since the epoch of a modification time (0 when the OS gives none).
pub fn mtime_ms(metadata: &std::fs::Metadata) -> i64 {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64)
}

/// One entry of a folder listing, in name order.
#[derive(Debug)]
enum Entry {
    File(FoundFile),
    /// A folder to walk into (listed apart, maybe by another thread).
    Folder(PathBuf),
    Unsupported(PathBuf),
    Error(PathBuf, String),
}

/// One folder, listed.
#[derive(Debug, Default)]
struct Listing {
    entries: Vec<Entry>,
    /// Its best folder image (the rank in [`FOLDER_IMAGES`], and the path).
    image: Option<(usize, PathBuf)>,
}

/// What identifies a folder whatever path leads to it.
#[cfg(unix)]
type Identity = (u64, u64);
#[cfg(not(unix))]
type Identity = PathBuf;

fn identity(path: &Path) -> Option<Identity> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path).ok()
    }
}

/// The folders still to list and how many are being listed, shared by the walking threads.
#[derive(Default)]
struct Queue {
    jobs: Vec<PathBuf>,
    busy: usize,
}

/// Walks `root`. `on_dir` is told each folder listed, with the number of audio files found
/// so far (for progress).
///
/// Folders are listed by a few threads (one per core, at most 4) sharing a stack of folders
/// to list: a rescan of an unchanged library is mostly this walk, and most of the walk is the
/// kernel's work for each entry (reading the folder, the metadata of each file), which
/// threads share out. Each file's metadata is read relative to its open folder (`statx` on a
/// name) rather than by its full path, which the kernel would resolve again component by
/// component. The listings are then put together in the order of a depth-first walk with
/// each folder's entries sorted by name, so the result does not depend on the threads.
pub fn walk(root: &Path, cancel: &AtomicBool, mut on_dir: impl FnMut(&Path, usize)) -> Walk {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let queue = Mutex::new(Queue {
        jobs: vec![root.to_path_buf()],
        busy: 0,
    });
    let wake = Condvar::new();
    let found = AtomicUsize::new(0);
    let listings: Mutex<HashMap<PathBuf, Listing>> = Mutex::new(HashMap::new());
    let work = |on_dir: &mut dyn FnMut(&Path, usize)| {
        while let Some(folder) = next_job(&queue, &wake, cancel) {
            let (listing, folders) = list(root, &folder, cancel);
            let files = listing
                .entries
                .iter()
                .filter(|e| matches!(e, Entry::File(_)))
                .count();
            let total = found.fetch_add(files, Ordering::Relaxed) + files;
            on_dir(&folder, total);
            lock(&listings).insert(folder, listing);
            let mut queue = lock(&queue);
            // Reversed, so one thread alone walks depth first in name order.
            queue.jobs.extend(folders.into_iter().rev());
            queue.busy -= 1;
            if !queue.jobs.is_empty() || queue.busy == 0 {
                wake.notify_all();
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(|| work(&mut |_, _| {}));
        }
        work(&mut on_dir);
    });

    // Put the listings together, depth first, in name order.
    let mut listings = listings
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let mut result = Walk {
        cancelled: cancel.load(Ordering::Relaxed),
        ..Walk::default()
    };
    let mut stack: Vec<std::vec::IntoIter<Entry>> = Vec::new();
    let mut enter = |path: &Path, result: &mut Walk, stack: &mut Vec<_>| {
        if let Some(listing) = listings.remove(path) {
            if let Some((_, image)) = listing.image {
                result.folder_images.insert(path.to_path_buf(), image);
            }
            stack.push(listing.entries.into_iter());
        }
    };
    enter(root, &mut result, &mut stack);
    while let Some(entries) = stack.last_mut() {
        let Some(entry) = entries.next() else {
            stack.pop();
            continue;
        };
        match entry {
            Entry::File(file) => result.files.push(file),
            Entry::Folder(path) => enter(&path, &mut result, &mut stack),
            Entry::Unsupported(path) => result.unsupported.push(path),
            Entry::Error(path, reason) => result.errors.push((path, reason)),
        }
    }
    result
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The next folder to list, or `None` once none is left and none is being listed (or the
/// walk was cancelled).
fn next_job(queue: &Mutex<Queue>, wake: &Condvar, cancel: &AtomicBool) -> Option<PathBuf> {
    let mut guard = lock(queue);
    loop {
        if cancel.load(Ordering::Relaxed) {
            guard.jobs.clear();
            wake.notify_all();
            return None;
        }
        if let Some(job) = guard.jobs.pop() {
            guard.busy += 1;
            return Some(job);
        }
        if guard.busy == 0 {
            wake.notify_all();
            return None;
        }
        guard = wake.wait(guard).unwrap_or_else(PoisonError::into_inner);
    }
}

/// Whether the folder a link at `link` leads to is `folder` (where the link is) or one of the
/// folders above it, up to `root`: following it would walk the same folders forever.
fn loops(root: &Path, folder: &Path, link: &Path) -> bool {
    let Some(target) = identity(link) else {
        return false;
    };
    let mut above = Some(folder);
    while let Some(ancestor) = above {
        if identity(ancestor).as_ref() == Some(&target) {
            return true;
        }
        if ancestor == root {
            break;
        }
        above = ancestor.parent();
    }
    false
}

/// Lists `folder` (under `root`); returns its listing and the folders in it to walk, in name
/// order.
fn list(root: &Path, folder: &Path, cancel: &AtomicBool) -> (Listing, Vec<PathBuf>) {
    let mut listing = Listing::default();
    let mut folders = Vec::new();
    let read = match std::fs::read_dir(folder) {
        Ok(read) => read,
        Err(error) => {
            listing
                .entries
                .push(Entry::Error(folder.to_path_buf(), error.to_string()));
            return (listing, folders);
        }
    };
    let mut entries: Vec<(std::ffi::OsString, std::fs::DirEntry)> = Vec::new();
    for entry in read {
        match entry {
            Ok(entry) => {
                let name = entry.file_name();
                // Hidden files and folders are skipped (the root itself never is).
                if !name.as_encoded_bytes().starts_with(b".") {
                    entries.push((name, entry));
                }
            }
            Err(error) => listing
                .entries
                .push(Entry::Error(folder.to_path_buf(), error.to_string())),
        }
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (_, entry) in entries {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        let path = entry.path();
        let file_type = match entry.file_type() {
            Ok(file_type) => file_type,
            Err(error) => {
                listing.entries.push(Entry::Error(path, error.to_string()));
                continue;
            }
        };
        // A symbolic link is followed: to a folder (unless it leads back above itself), or
        // to a file, whose metadata is then the target's.
        let mut target = None;
        if file_type.is_symlink() {
            match std::fs::metadata(&path) {
                Err(error) => {
                    listing.entries.push(Entry::Error(path, error.to_string()));
                    continue;
                }
                Ok(metadata) if metadata.is_dir() => {
                    if loops(root, folder, &path) {
                        listing.entries.push(Entry::Error(
                            path,
                            "a symbolic link loops back to a folder above it; not followed"
                                .to_owned(),
                        ));
                    } else {
                        folders.push(path.clone());
                        listing.entries.push(Entry::Folder(path));
                    }
                    continue;
                }
                Ok(metadata) => target = Some(metadata),
            }
        } else if file_type.is_dir() {
            folders.push(path.clone());
            listing.entries.push(Entry::Folder(path));
            continue;
        }
        let Some(ext) = extension(&path) else {
            continue;
        };
        if SUPPORTED.contains(&ext.as_str()) {
            let metadata = match target {
                Some(metadata) => Ok(metadata),
                None => entry.metadata(),
            };
            match metadata {
                Ok(metadata) => listing.entries.push(Entry::File(FoundFile {
                    path,
                    size: metadata.len(),
                    mtime_ms: mtime_ms(&metadata),
                })),
                Err(error) => listing.entries.push(Entry::Error(path, error.to_string())),
            }
        } else if UNSUPPORTED.contains(&ext.as_str()) {
            listing.entries.push(Entry::Unsupported(path));
        } else if IMAGE_EXTENSIONS.contains(&ext.as_str()) {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if let Some(rank) = FOLDER_IMAGES.iter().position(|name| *name == stem)
                && listing.image.as_ref().is_none_or(|(best, _)| rank < *best)
            {
                listing.image = Some((rank, path));
            }
        }
    }
    (listing, folders)
}
