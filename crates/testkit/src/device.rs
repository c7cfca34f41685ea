//! A device of the cloud: its own data directory, library and sync engine (with the token
//! in an owner-only file, never the test machine's keychain).

use crate::locker::{Locker, PASSWORD};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tempfile::TempDir;
use tonearm_library::{Library, Track};
use tonearm_sync::{Cloud, Settings};

/// One device: a data directory, its library, its cloud client.
#[derive(Debug)]
pub struct Device {
    pub dir: TempDir,
    pub library: Arc<Library>,
    pub cloud: Arc<Cloud>,
}

impl Default for Device {
    fn default() -> Self {
        Self::new()
    }
}

impl Device {
    /// A fresh device with the default settings.
    pub fn new() -> Self {
        Self::with_settings(Settings::default())
    }

    pub fn with_settings(settings: Settings) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let library =
            Arc::new(Library::open(dir.path(), &dir.path().join("cache")).expect("library opens"));
        let cloud = open_cloud(dir.path(), library.clone(), settings);
        Self {
            dir,
            library,
            cloud,
        }
    }

    /// The same device after a restart: library and cloud client opened again.
    pub fn restart(&mut self, settings: Settings) {
        self.library = Arc::new(
            Library::open(self.dir.path(), &self.dir.path().join("cache")).expect("library opens"),
        );
        self.cloud = open_cloud(self.dir.path(), self.library.clone(), settings);
    }

    /// Copies `files` into the device's music folder and scans it.
    pub fn add_music(&self, files: &[PathBuf]) {
        crate::library::add_music(&self.library, &self.dir.path().join("Music"), files);
    }

    pub fn tracks(&self) -> Vec<Track> {
        self.library
            .tracks(&Default::default(), Default::default(), false, 0, 1_000)
            .expect("tracks")
            .items
    }

    pub async fn login(&self, server: &Locker, user: &str) {
        self.cloud
            .login(
                &server.url().parse().expect("a server address"),
                user,
                PASSWORD,
            )
            .await
            .expect("login");
    }
}

/// The sync engine of the library in `dir` (its cache in `dir/cache`), the token kept in a
/// file.
pub fn open_cloud(dir: &Path, library: Arc<Library>, settings: Settings) -> Arc<Cloud> {
    let settings = Settings {
        use_keychain: false,
        ..settings
    };
    Cloud::open(library, dir, &dir.join("cache"), settings).expect("cloud opens")
}
