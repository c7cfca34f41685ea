//! `cargo xtask screenshots`: regenerates `docs/screenshots/` (the README shows them) from the
//! real app under WebDriver, on a demo library connected to a real locker server. The script
//! that drives the app is `tests/e2e/screenshots.mjs`.

use crate::project::{self, Project};
use crate::setup::{self, Needs};
use anyhow::Result;

/// Tracks in the synthetic part of the demo library: enough albums and artists to fill the
/// views, few enough to scan and upload in seconds.
const DEMO_TRACKS: u64 = 240;

pub fn run(project: &Project) -> Result<()> {
    setup::ensure_installed(project, Needs::WebDriver)?;
    // The fixtures' titles are in Japanese too: without a CJK font they draw as boxes.
    setup::ensure_system_packages(&["fonts-noto-cjk"])?;
    setup::build_ui(project)?;
    project::run(
        project
            .cargo()
            .args(["build", "-p", "tonearm-desktop", "-p", "tonearm-server"]),
    )?;
    let demo = project.target_dir()?.join("screenshots/music");
    crate::fixtures::synthetic_library(project, &demo, DEMO_TRACKS, 1)?;
    let mut command = setup::in_display(project, "node");
    command
        .arg("tests/e2e/screenshots.mjs")
        .env("TONEARM_APP", setup::app_binary(project)?)
        .env(
            "TONEARM_SERVER",
            setup::binary(project, "debug", "tonearm-server")?,
        )
        .env("TONEARM_DEMO_MUSIC", &demo)
        .env("TONEARM_SCREENSHOTS", project.path("docs/screenshots"));
    project::run(&mut command)
}
