//! "Find my music": where on this computer the user's music is, before any folder is added.
//!
//! A discovery pass walks the home folder and the mounted drives ([`default_roots`]) and
//! answers with a few **places** (folders to add, with their song counts and sizes), for the
//! welcome ("Tonearm found 12,430 songs in 4 places"), Settings and `tonearm folders
//! discover`. It is a different job from the scanner's walk, which lists one music folder the
//! user chose: discovery must stay out of what is not music (system and application folders,
//! trash, caches, development trees, other apps' stores: [`rules`]), survive any home folder
//! (links looping back, unreadable folders, names that are not UTF-8), and be fast on half a
//! million entries (in parallel: [`walk`]), then group what it found so the user sees four
//! places, not four thousand album folders ([`places`] has the rule).
//!
//! It reads names only: directory entries, and the metadata of songs (their sizes) and of
//! links (where they lead). No file is opened. What counts as a song is the scanner's list of
//! extensions, so a place's count is what a scan of it would find.

pub mod places;
pub mod rules;
pub mod walk;

use crate::error::{LibraryError, Result};
use crate::{Library, MusicFolder, ScanProblem};
use serde::{Serialize, Serializer};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// How many unreadable folders a [`Discovery`] names (all are counted).
const UNREADABLE_LISTED: usize = 100;

/// What a discovery pass should know besides where to look.
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// The user's home folder, which is never offered as a place itself (songs loose in it
    /// are stray). Defaults to the current user's.
    pub home: Option<PathBuf>,
    /// The library's music folders: a place at or inside one is marked
    /// [`in_library`](Place::in_library), and no place is offered around one.
    pub library_folders: Vec<PathBuf>,
    /// Folders never walked, such as the app's own data and cache directories.
    pub exclude: Vec<PathBuf>,
    /// Threads listing folders; `None` for one per core (at least 2, at most 8).
    pub threads: Option<usize>,
    /// Set to stop the walk; [`discover`] then fails with [`LibraryError::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        Self {
            home: std::env::home_dir(),
            library_folders: Vec::new(),
            exclude: Vec::new(),
            threads: None,
            cancel: None,
        }
    }
}

/// A folder worth adding to the library.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The folder, as reached from the root (through a link if one led there). In JSON a
    /// string; names that are not UTF-8 are shown with replacement characters.
    #[serde(serialize_with = "lossy")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub path: PathBuf,
    /// Songs under it (the scanner's extensions).
    pub songs: u64,
    /// Their total size.
    pub bytes: u64,
    /// Folders under it holding songs directly (about the number of albums).
    pub folders: u64,
    /// Names of its largest sub-folders holding songs, at most three (artists, albums).
    pub samples: Vec<String>,
    /// It is, or is inside, a music folder of the library already.
    pub in_library: bool,
}

/// Songs outside every place (loose in the home folder, among documents): counted, not
/// offered.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stray {
    pub songs: u64,
    pub bytes: u64,
    /// How many folders hold them.
    pub folder_count: u64,
    /// The folders holding most of them, at most ten.
    pub folders: Vec<String>,
}

/// Folders not walked, by reason.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SkippedFolders {
    /// A leading dot (or Windows' hidden attribute).
    pub hidden: u64,
    pub system: u64,
    pub application: u64,
    pub trash: u64,
    /// By name, or marked by a `CACHEDIR.TAG` file.
    pub cache: u64,
    /// Dependencies and build output (`node_modules`, `target`, `site-packages`...).
    pub development: u64,
    /// Other apps' and games' stores (`Steam`, `Mobile Documents`, `Containers`...).
    pub private_store: u64,
    /// Excluded by the caller (the app's own folders).
    pub excluded: u64,
}

/// What a discovery pass found.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discovery {
    /// The places, most songs first.
    pub places: Vec<Place>,
    /// Songs in the places, and their size ("12,430 songs in 4 places").
    pub songs: u64,
    pub bytes: u64,
    /// Songs outside every place.
    pub stray: Stray,
    /// The folders walked from (canonical), in order.
    pub roots: Vec<String>,
    /// Folders listed, and files seen in them.
    pub folders_walked: u64,
    pub files_seen: u64,
    /// Audio files in formats the scanner cannot read (not counted as songs).
    pub unsupported: u64,
    pub skipped: SkippedFolders,
    /// Links to folders followed, and links not followed because what they lead to was
    /// walked already (through another link, or directly: a loop).
    pub links_followed: u64,
    pub links_not_followed: u64,
    /// Folders that could not be listed (at most a hundred named; all counted).
    pub unreadable: Vec<ScanProblem>,
    pub unreadable_count: u64,
    pub duration_ms: u64,
}

/// What adding one place did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceAdded {
    #[serde(serialize_with = "lossy")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub path: PathBuf,
    #[serde(flatten)]
    pub outcome: AddOutcome,
}

/// Whether a place became a music folder.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AddOutcome {
    /// Added as this music folder (not scanned yet).
    Added { folder: MusicFolder },
    /// It is, or is inside, this music folder already (perhaps one added just before).
    InLibrary { folder: String },
    /// It holds this music folder; adding it would index those files twice.
    Overlaps { folder: String },
    /// It could not be added (gone, unreadable).
    Failed { reason: String },
}

fn lossy<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.to_string_lossy())
}

/// Walks `roots` and groups the music found into places.
///
/// A root that is not a folder is an error ([`LibraryError::NotAFolder`]); a root inside
/// another is walked as part of it. Everything under the roots that cannot be read is
/// skipped and counted, never an error.
pub fn discover(roots: &[PathBuf], options: &DiscoverOptions) -> Result<Discovery> {
    let started = Instant::now();
    let mut canonical = Vec::new();
    for root in roots {
        let path = std::fs::canonicalize(root).map_err(|e| LibraryError::io(root, e))?;
        if !path.is_dir() {
            return Err(LibraryError::NotAFolder { path });
        }
        canonical.push(path);
    }
    canonical.sort();
    canonical.dedup();
    let mut outermost: Vec<PathBuf> = Vec::new();
    for root in canonical {
        if !outermost.iter().any(|outer| root.starts_with(outer)) {
            outermost.push(root);
        }
    }

    let identities = |paths: &[PathBuf]| -> HashSet<walk::Identity> {
        paths.iter().filter_map(|p| walk::identity_of(p)).collect()
    };
    let library_paths: Vec<PathBuf> = options
        .library_folders
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let plan = walk::Plan {
        threads: options.threads.unwrap_or_else(default_threads),
        excluded: identities(&options.exclude),
        library: identities(&library_paths),
        home: options.home.as_deref().and_then(walk::identity_of),
        cancel: options.cancel.as_deref(),
    };
    let mut walked = walk::walk(&outermost, &plan);
    if walked.cancelled {
        return Err(LibraryError::Cancelled);
    }
    // A root inside a music folder is in the library as a whole.
    for folder in walked.folders.iter_mut().filter(|f| f.parent.is_none()) {
        if library_paths.iter().any(|lib| folder.path.starts_with(lib)) {
            folder.library = true;
        }
    }

    let (places, stray) = places::group(&walked.folders);
    let unreadable_count = walked.unreadable.len() as u64;
    Ok(Discovery {
        songs: places.iter().map(|p| p.songs).sum(),
        bytes: places.iter().map(|p| p.bytes).sum(),
        places,
        stray,
        roots: outermost
            .iter()
            .map(|r| r.to_string_lossy().into_owned())
            .collect(),
        folders_walked: walked.folders.len() as u64,
        files_seen: walked.files_seen,
        unsupported: walked.unsupported,
        skipped: skipped(walked.skipped),
        links_followed: walked.links_followed,
        links_not_followed: walked.links_not_followed,
        unreadable: walked
            .unreadable
            .drain(..)
            .take(UNREADABLE_LISTED)
            .map(|(path, reason)| ScanProblem {
                path: path.to_string_lossy().into_owned(),
                reason,
            })
            .collect(),
        unreadable_count,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

fn skipped(s: walk::Skipped) -> SkippedFolders {
    SkippedFolders {
        hidden: s.hidden,
        system: s.system,
        application: s.application,
        trash: s.trash,
        cache: s.cache,
        development: s.development,
        private_store: s.private_store,
        excluded: s.excluded,
    }
}

/// Where to look by default: the home folder and the mounted drives (Linux: `/media/$USER/*`,
/// `/run/media/$USER/*`, `/mnt/*`; macOS: `/Volumes/*` but the startup disk; Windows: the
/// drive letters but the one holding the home folder). Only folders that exist.
pub fn default_roots() -> Vec<PathBuf> {
    let home = std::env::home_dir();
    let mut roots: Vec<PathBuf> = home.iter().cloned().collect();
    roots.extend(drives(home.as_deref()));
    roots.retain(|root| root.is_dir());
    roots
}

/// The folders inside `dir`, sorted (none if it cannot be read).
#[cfg(unix)]
fn folders_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| !rules::is_hidden(&entry.file_name()))
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    found.sort();
    found
}

#[cfg(all(unix, not(target_os = "macos")))]
fn drives(home: Option<&Path>) -> Vec<PathBuf> {
    let user = std::env::var_os("USER")
        .or_else(|| std::env::var_os("LOGNAME"))
        .or_else(|| home.and_then(Path::file_name).map(ToOwned::to_owned));
    let mut drives = Vec::new();
    if let Some(user) = user {
        drives.extend(folders_in(&Path::new("/media").join(&user)));
        drives.extend(folders_in(&Path::new("/run/media").join(&user)));
    }
    drives.extend(folders_in(Path::new("/mnt")));
    drives
}

#[cfg(target_os = "macos")]
fn drives(_home: Option<&Path>) -> Vec<PathBuf> {
    // The startup disk is listed in /Volumes as a link to `/`.
    folders_in(Path::new("/Volumes"))
        .into_iter()
        .filter(|volume| std::fs::canonicalize(volume).is_ok_and(|c| c != Path::new("/")))
        .collect()
}

#[cfg(windows)]
fn drives(home: Option<&Path>) -> Vec<PathBuf> {
    let system = home
        .and_then(|h| h.components().next())
        .map(|c| c.as_os_str().to_string_lossy().to_ascii_uppercase());
    // From C: on: probing A: and B: may wake a floppy drive.
    (b'C'..=b'Z')
        .map(|letter| format!("{}:", letter as char))
        .filter(|drive| system.as_deref() != Some(drive.as_str()))
        .map(|drive| PathBuf::from(format!("{drive}\\")))
        .collect()
}

#[cfg(not(any(unix, windows)))]
fn drives(_home: Option<&Path>) -> Vec<PathBuf> {
    Vec::new()
}

impl Library {
    /// Adds places found by [`discover`] as music folders (not scanned yet), outer folders
    /// first, so of two nested places only the outer one is added; a place inside or around
    /// an existing music folder is not added, and says why.
    pub fn add_places(&self, places: &[Place]) -> Result<Vec<PlaceAdded>> {
        let mut order: Vec<(PathBuf, &Place)> = places
            .iter()
            .map(|place| {
                let key = std::fs::canonicalize(&place.path).unwrap_or_else(|_| place.path.clone());
                (key, place)
            })
            .collect();
        order.sort_by(|a, b| a.0.cmp(&b.0));
        let mut added = Vec::new();
        for (canonical, place) in order {
            let outcome = match self.add_folder(&place.path) {
                Ok(folder) => AddOutcome::Added { folder },
                Err(LibraryError::FolderOverlaps { existing, .. }) => {
                    let folder = existing.to_string_lossy().into_owned();
                    if canonical.starts_with(&existing) {
                        AddOutcome::InLibrary { folder }
                    } else {
                        AddOutcome::Overlaps { folder }
                    }
                }
                Err(error @ (LibraryError::Io { .. } | LibraryError::NotAFolder { .. })) => {
                    AddOutcome::Failed {
                        reason: reason(&error),
                    }
                }
                Err(error) => return Err(error),
            };
            added.push(PlaceAdded {
                path: place.path.clone(),
                outcome,
            });
        }
        Ok(added)
    }
}

/// An error and its causes, as one line.
fn reason(error: &LibraryError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
