//! A library in a temp dir with a music folder; the committed audio fixtures and their
//! manifest (what each file holds) come from `tonearm-testkit`.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use tonearm_library::{Library, ScanProgress, ScanReport};

pub use tonearm_testkit::fixtures::{audio_dir as fixtures, manifest};

/// A fresh library whose one music folder is `music/`.
pub struct TestLibrary {
    pub dir: tempfile::TempDir,
    pub music: PathBuf,
    pub library: Library,
}

impl TestLibrary {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let music = dir.path().join("music");
        std::fs::create_dir_all(&music).expect("music dir");
        let library = Library::open(&dir.path().join("data"), &dir.path().join("cache"))
            .expect("library opens");
        library.add_folder(&music).expect("folder added");
        let music = std::fs::canonicalize(&music).expect("canonical");
        Self {
            dir,
            music,
            library,
        }
    }

    /// Copies fixture `name` to `relative` inside the music folder; returns the new path.
    pub fn add(&self, name: &str, relative: &str) -> PathBuf {
        let target = self.music.join(relative);
        std::fs::create_dir_all(target.parent().expect("has a parent")).expect("dirs");
        std::fs::copy(fixtures().join(name), &target).expect("fixture copied");
        target
    }

    /// Copies every fixture into `music/all/`.
    pub fn add_all(&self) {
        for entry in manifest() {
            let name = entry["name"].as_str().expect("name");
            self.add(name, &format!("all/{name}"));
        }
    }

    pub fn scan(&self) -> ScanReport {
        self.scan_with_progress(&|_| {})
    }

    pub fn scan_with_progress(&self, progress: &(dyn Fn(&ScanProgress) + Sync)) -> ScanReport {
        let cancel = AtomicBool::new(false);
        self.library
            .scan(&tonearm_library::ScanControl {
                cancel: &cancel,
                progress,
            })
            .expect("scan runs")
    }
}

/// Changes an audio file's tag in place with `edit` (what it does not touch stays).
pub fn edit_tag(path: &Path, edit: impl FnOnce(&mut lofty::tag::Tag)) {
    use lofty::prelude::*;
    let mut file = lofty::read_from_path(path).expect("readable");
    let tag = file.primary_tag_mut().expect("has a tag");
    edit(tag);
    tag.save_to_path(path, lofty::config::WriteOptions::default())
        .expect("saved");
}

/// Rewrites the title and album of an audio file (its other tags stay).
pub fn retag(path: &Path, title: &str, album: &str) {
    use lofty::prelude::*;
    edit_tag(path, |tag| {
        tag.set_title(title.to_owned());
        tag.set_album(album.to_owned());
    });
}
