//! Where the app keeps its files on each OS.
//!
//! By default the OS conventions, through Tauri's path resolver (for the identifier
//! `app.tonearm.desktop`): `~/.local/share/…` and `~/.cache/…` on Linux,
//! `~/Library/Application Support/…` and `~/Library/Caches/…` on macOS, `%APPDATA%\…` and
//! `%LOCALAPPDATA%\…` on Windows. An explicit data directory puts everything under it, which
//! is how tests and side-by-side "devices" run.

use std::path::{Path, PathBuf};
use tauri::{Manager, Runtime};

/// The directories of one installation, created at start-up.
#[derive(Debug, Clone)]
pub struct AppPaths {
    /// Library database, settings, account data.
    pub data_dir: PathBuf,
    /// Thumbnails and the streaming cache: may be deleted at any time.
    pub cache_dir: PathBuf,
    /// Rotating log files.
    pub log_dir: PathBuf,
    /// Where the OS keeps the user's music (offered at the first run), when it says.
    pub music_dirs: Vec<PathBuf>,
}

/// A directory could not be found or created.
#[derive(Debug, thiserror::Error)]
pub enum PathsError {
    /// The OS gave no location for a directory kind.
    #[error("no {kind} directory on this system")]
    Unknown {
        kind: &'static str,
        #[source]
        source: tauri::Error,
    },
    /// The directory exists as something else, or cannot be made.
    #[error("cannot create {}", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl AppPaths {
    /// Everything under one directory: `DIR`, `DIR/cache`, `DIR/logs`.
    pub fn under(dir: &Path) -> Self {
        Self {
            data_dir: dir.to_path_buf(),
            cache_dir: dir.join("cache"),
            log_dir: dir.join("logs"),
            music_dirs: Vec::new(),
        }
    }

    /// The OS locations for this app, or everything under `data_dir` when given; creates them.
    pub fn resolve<R: Runtime>(
        app: &tauri::AppHandle<R>,
        data_dir: Option<&Path>,
    ) -> Result<Self, PathsError> {
        let paths = match data_dir {
            Some(dir) => Self::under(dir),
            None => {
                let resolver = app.path();
                let unknown = |kind| move |source| PathsError::Unknown { kind, source };
                Self {
                    data_dir: resolver.app_data_dir().map_err(unknown("data"))?,
                    cache_dir: resolver.app_cache_dir().map_err(unknown("cache"))?,
                    log_dir: resolver.app_log_dir().map_err(unknown("log"))?,
                    music_dirs: Vec::new(),
                }
            }
        };
        let resolver = app.path();
        let mut paths = paths;
        paths.music_dirs = [
            resolver.audio_dir().ok(),
            resolver.home_dir().ok().map(|home| home.join("Music")),
        ]
        .into_iter()
        .flatten()
        .collect();
        for dir in [&paths.data_dir, &paths.cache_dir, &paths.log_dir] {
            std::fs::create_dir_all(dir).map_err(|source| PathsError::Create {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(paths)
    }
}
