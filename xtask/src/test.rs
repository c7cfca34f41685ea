//! `cargo xtask test`: every test the project has, in the order that fails fastest.
//!
//! 1. install what is missing (system packages, npm packages, tauri-driver);
//! 2. the UI: type check and build, then its unit tests (Vitest);
//! 3. the Rust workspace: formatting, clippy with warnings as errors (also for Windows), then
//!    every crate's tests, the desktop shell included;
//! 4. end-to-end: the real app under Xvfb, driven through tauri-driver and WebKitWebDriver.
//!
//! Step 3's tests and step 4 run with a PostgreSQL and an S3-compatible server of their own
//! (`services`), stopped when the run ends however it ends; the server's HTTP suite runs twice,
//! on SQLite and a folder, then on PostgreSQL and S3.
//!
//! `--no-e2e` skips step 4 for a quicker loop while developing.

use crate::project::{self, Project};
use crate::services::{self, Services};
use crate::setup::{self, Needs};
use anyhow::{Result, bail};

pub fn run(project: &Project, args: &[String]) -> Result<()> {
    let mut e2e = true;
    for arg in args {
        match arg.as_str() {
            "--no-e2e" => e2e = false,
            other => bail!("unknown option `{other}` (expected --no-e2e)"),
        }
    }
    setup::ensure_installed(project, if e2e { Needs::WebDriver } else { Needs::Tests })?;

    setup::build_ui(project)?;
    project::run(project.npm("ui").args(["test"]))?;

    project::run(project.cargo().args(["fmt", "--all", "--check"]))?;
    // Every crate and every target (tests, examples, benchmarks), the shell included; a
    // warning fails the run like an error.
    project::run(project.cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The server as the desktop links it, without its PostgreSQL and S3 backends (the workspace
    // above builds it with them, as its own tests need).
    project::run(project.cargo().args([
        "clippy",
        "-p",
        "tonearm-server",
        "--no-default-features",
        "--lib",
        "--bins",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The same for Windows and macOS, on Linux (their `cfg` code is compiled nowhere else
    // here): the libraries and programs, not the tests, which are written for Linux.
    if cfg!(target_os = "linux") {
        for target in setup::CROSS_TARGETS {
            if !setup::has_target(project, target) {
                eprintln!("SKIPPED: the check for {target} (it could not be installed, see above)");
                continue;
            }
            let mut clippy = project.cargo();
            clippy.args([
                "clippy",
                "--workspace",
                "--target",
                target,
                "--",
                "-D",
                "warnings",
            ]);
            if target == setup::MACOS_TARGET {
                // The cc crate's per-target variables: `CC_x86_64_apple_darwin`...
                let suffix = target.replace('-', "_");
                let cc = setup::no_c_compiler(project)?;
                clippy
                    .env(format!("CC_{suffix}"), &cc)
                    .env(format!("CXX_{suffix}"), &cc)
                    .env(format!("AR_{suffix}"), "ar");
            }
            project::run(&mut clippy)?;
        }
    }
    // Stopped when dropped, at the end of this function, on an error too.
    let services = services::start(project)?;
    // The interop tests (tus clients, schemathesis) fail, rather than skip, when a tool is
    // missing.
    project::run(
        services.apply(
            project
                .cargo()
                .args(["test", "--workspace"])
                .env("TONEARM_REQUIRE_INTEROP", "1"),
        ),
    )?;
    // The server's HTTP suite once more, every server on PostgreSQL and S3 (the first run
    // put them on SQLite and a folder, the household default).
    project::run(
        services.apply(
            project
                .cargo()
                .args(["test", "-p", "tonearm-server", "--test", "server"])
                .env("TONEARM_REQUIRE_INTEROP", "1")
                .env("TONEARM_TEST_BACKENDS", "postgres-s3"),
        ),
    )?;

    if e2e {
        end_to_end(project, &services)?;
    }
    eprintln!("xtask test: all suites passed");
    Ok(())
}

/// Tracks in the library the end-to-end tests scroll through: pages of songs past the first,
/// and a few hundred albums.
const LONG_LIBRARY: u64 = 3_000;

/// Builds the app (and the locker server the cloud tests talk to, and the command line the
/// web player's tests use as a desktop device) and runs the WebDriver suite in `tests/e2e`:
/// the app through tauri-driver, the web player in Chromium through chromedriver.
fn end_to_end(project: &Project, services: &Services) -> Result<()> {
    project::run(project.cargo().args([
        "build",
        "-p",
        "tonearm-desktop",
        "-p",
        "tonearm-server",
        "-p",
        "tonearm-cli",
    ]))?;
    let app = setup::app_binary(project)?;
    let server = setup::binary(project, "debug", "tonearm-server")?;
    let cli = setup::binary(project, "debug", "tonearm")?;
    let screenshots = project.target_dir()?.join("e2e-screenshots");
    std::fs::create_dir_all(&screenshots)?;
    // A library long enough to scroll (`tests/e2e/lists.test.mjs`), written once and kept.
    let long_library = project
        .target_dir()?
        .join(format!("e2e/library-{LONG_LIBRARY}"));
    crate::fixtures::synthetic_library_without_covers(project, &long_library, LONG_LIBRARY, 1)?;

    let mut command = setup::in_display(project, "node");
    command
        .args(["--test", "--test-concurrency=1", "tests/e2e/"])
        .env("TONEARM_APP", &app)
        .env("TONEARM_SERVER", &server)
        .env("TONEARM_CLI", &cli)
        .env("TONEARM_LONG_LIBRARY", &long_library)
        .env("TONEARM_SCREENSHOTS", &screenshots);
    project::run(services.apply(&mut command))?;
    eprintln!("screenshots of every view: {}", screenshots.display());
    Ok(())
}
