//! `cargo xtask bundle`: installers through the Tauri CLI.
//!
//! The CLI looks for the config next to the app crate, so it runs with `TAURI_APP_PATH`
//! pointing at `src-tauri/` (whose `tauri.conf.json` links to the root one) and
//! `TAURI_FRONTEND_PATH` at `ui/`. On Linux it builds the .deb and the AppImage; elsewhere the
//! platform's defaults (.dmg/.app on macOS, .msi/NSIS on Windows).

use crate::project::{self, Project};
use crate::setup::{self, Needs};
use anyhow::Result;

/// The Tauri CLI, fetched by npm when bundling (it is not a UI dependency: npm registries
/// do not always carry every platform build of it, which would break `npm ci`).
const TAURI_CLI: &str = "@tauri-apps/cli@2.12";

pub fn run(project: &Project, args: &[String]) -> Result<()> {
    setup::ensure_installed(project, Needs::App)?;
    setup::build_ui(project)?;
    let mut command = project.npm("ui");
    command
        .args([
            "exec",
            "--yes",
            "--package",
            TAURI_CLI,
            "--",
            "tauri",
            "build",
        ])
        .env("TAURI_APP_PATH", project.path("src-tauri"))
        .env("TAURI_FRONTEND_PATH", project.path("ui"));
    if cfg!(target_os = "linux") && args.is_empty() {
        command.args(["--bundles", "deb,appimage"]);
    }
    command.args(args);
    project::run(&mut command)?;
    let out = project.target_dir()?.join("release/bundle");
    eprintln!("installers: {}", out.display());
    Ok(())
}
