//! Phase 1 of a scan: walking a music folder.
//!
//! Lists audio files with their size and modification time (no file is opened here), the
//! folder images that can stand in for missing embedded covers, files with an audio extension
//! no reader supports, and the folders that could not be read. Symbolic links are followed,
//! with loops detected and reported; hidden files and folders (a leading dot) are skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Walks `root`. `on_dir` is told each directory entered (for progress).
pub fn walk(root: &Path, cancel: &AtomicBool, mut on_dir: impl FnMut(&Path, usize)) -> Walk {
    let mut result = Walk::default();
    let mut image_rank: HashMap<PathBuf, usize> = HashMap::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
        });
    for entry in walker {
        if cancel.load(Ordering::Relaxed) {
            result.cancelled = true;
            break;
        }
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                let reason = if error.loop_ancestor().is_some() {
                    "a symbolic link loops back to a folder above it; not followed".to_owned()
                } else {
                    error
                        .io_error()
                        .map_or_else(|| error.to_string(), ToString::to_string)
                };
                result.errors.push((path, reason));
                continue;
            }
        };
        if entry.file_type().is_dir() {
            on_dir(entry.path(), result.files.len());
            continue;
        }
        let path = entry.path();
        let Some(ext) = extension(path) else { continue };
        if SUPPORTED.contains(&ext.as_str()) {
            match entry.metadata() {
                Ok(metadata) => result.files.push(FoundFile {
                    path: path.to_path_buf(),
                    size: metadata.len(),
                    mtime_ms: mtime_ms(&metadata),
                }),
                Err(error) => result.errors.push((path.to_path_buf(), error.to_string())),
            }
        } else if UNSUPPORTED.contains(&ext.as_str()) {
            result.unsupported.push(path.to_path_buf());
        } else if IMAGE_EXTENSIONS.contains(&ext.as_str()) {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if let (Some(rank), Some(dir)) = (
                FOLDER_IMAGES.iter().position(|name| *name == stem),
                path.parent(),
            ) {
                let better = image_rank.get(dir).is_none_or(|best| rank < *best);
                if better {
                    image_rank.insert(dir.to_path_buf(), rank);
                    result
                        .folder_images
                        .insert(dir.to_path_buf(), path.to_path_buf());
                }
            }
        }
    }
    result
}
