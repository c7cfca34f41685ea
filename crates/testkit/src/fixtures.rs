//! The committed audio fixtures (`tests/fixtures/audio`, rebuilt by `cargo xtask fixtures`)
//! and their manifest, found from any crate of the workspace.

use std::path::{Path, PathBuf};

/// The workspace root, where `tests/`, `ui/` and `tauri.conf.json` live: the checkout Cargo
/// runs the test in (it sets `CARGO_MANIFEST_DIR` for the test's process). The path compiled
/// in is only a fallback: checkouts sharing one target directory (CI's clean clone and a work
/// tree) can run a test binary built in the other, whose compiled-in path is another tree or
/// none.
pub fn workspace_root() -> PathBuf {
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    package
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|manifest| manifest.contains("[workspace]"))
        })
        .map(Path::to_path_buf)
        .expect("tests run inside the workspace")
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
