//! The same directories as the desktop app: the OS data and cache locations for the app's
//! identifier, or everything under one directory when one is given.

use anyhow::{Context, Result};
use std::path::PathBuf;

/// The desktop app's identifier (`tauri.conf.json`), which names its directories.
pub const IDENTIFIER: &str = "app.tonearm.desktop";

#[derive(Debug)]
pub struct Dirs {
    pub data: PathBuf,
    pub cache: PathBuf,
}

impl Dirs {
    pub fn resolve(data_dir: Option<PathBuf>) -> Result<Self> {
        match data_dir {
            Some(dir) => Ok(Self {
                cache: dir.join("cache"),
                data: dir,
            }),
            None => Ok(Self {
                data: dirs::data_dir()
                    .context("this system has no data directory")?
                    .join(IDENTIFIER),
                cache: dirs::cache_dir()
                    .context("this system has no cache directory")?
                    .join(IDENTIFIER),
            }),
        }
    }
}
