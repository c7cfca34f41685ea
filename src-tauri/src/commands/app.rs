//! Commands about the app itself: version and where it keeps its files.

use crate::paths::AppPaths;
use serde::Serialize;
use specta::Type;

/// What the Settings view shows about this installation.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Product name, as shown to users.
    pub name: String,
    /// Version of the app (semver).
    pub version: String,
    /// Operating system family (`linux`, `macos`, `windows`).
    pub os: String,
    /// Where the library database and settings live.
    pub data_dir: String,
    /// Where thumbnails and streamed audio are cached; safe to delete.
    pub cache_dir: String,
    /// Where the rotating log files are written.
    pub log_dir: String,
}

/// Returns the app's version and the directories it uses.
#[tauri::command]
#[specta::specta]
pub fn get_app_info(paths: tauri::State<'_, AppPaths>) -> AppInfo {
    AppInfo {
        name: "Tonearm".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        os: std::env::consts::OS.to_owned(),
        data_dir: paths.data_dir.display().to_string(),
        cache_dir: paths.cache_dir.display().to_string(),
        log_dir: paths.log_dir.display().to_string(),
    }
}
