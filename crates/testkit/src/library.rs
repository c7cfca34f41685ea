//! A library filled with music: files copied into a music folder, the folder added, scanned.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use tonearm_library::{Library, ScanControl, ScanProgress, ScanReport};

/// Scans every music folder of `library` to the end.
pub fn scan(library: &Library) -> ScanReport {
    scan_with_progress(library, &|_| {})
}

/// Scans every music folder of `library` to the end, telling `progress` as it goes.
pub fn scan_with_progress(
    library: &Library,
    progress: &(dyn Fn(&ScanProgress) + Sync),
) -> ScanReport {
    let cancel = AtomicBool::new(false);
    library
        .scan(&ScanControl {
            cancel: &cancel,
            progress,
        })
        .expect("the scan runs")
}

/// Copies `files` into `folder` (created if need be), makes it a music folder of `library`
/// (unless it is one already) and scans.
pub fn add_music(library: &Library, folder: &Path, files: &[PathBuf]) -> ScanReport {
    std::fs::create_dir_all(folder).expect("the music folder");
    for file in files {
        let name = file.file_name().expect("a file name");
        std::fs::copy(file, folder.join(name)).expect("copy into the music folder");
    }
    let canonical = folder.canonicalize().expect("the music folder exists");
    let known = library
        .folders()
        .expect("the library's folders")
        .iter()
        .any(|f| Path::new(&f.path) == canonical);
    if !known {
        library.add_folder(folder).expect("the folder is added");
    }
    scan(library)
}
