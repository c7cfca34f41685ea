//! The committed audio fixtures (`tests/fixtures/audio`, rebuilt by `cargo xtask fixtures`)
//! and their manifest, found from any crate of the workspace.

use std::path::{Path, PathBuf};

/// The workspace root, where `tests/`, `ui/` and `tauri.conf.json` live.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the test kit sits in crates/ of the workspace")
}

/// The folder of tiny tagged audio files in every supported format, and broken ones.
pub fn audio_dir() -> PathBuf {
    workspace_root().join("tests/fixtures/audio")
}

/// The manifest's file entries: what each fixture holds (`name`, format, tags, tone...).
pub fn manifest() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(audio_dir().join("manifest.json"))
        .expect("the fixtures manifest exists");
    let manifest: serde_json::Value =
        serde_json::from_str(&text).expect("the fixtures manifest is JSON");
    manifest["files"]
        .as_array()
        .expect("the manifest's files are a list")
        .clone()
}
