//! `cargo xtask bench NAME`: benchmarks that print their figures.
//!
//! Each benchmark arrives with the issue that sets its goals (library, player, server, sync,
//! ui, web) and records its figures in `docs/benchmarks.md`. Until then a name is refused with a
//! list of what exists, rather than printing numbers that measure nothing.

use crate::project::{self, Project};
use crate::setup::{self, Needs};
use anyhow::{Result, bail};

/// Benchmarks that exist, with what they measure.
const BENCHES: &[(&str, &str)] = &[
    (
        "library",
        "scan (beside a bare mutagen loop over the same files), rescan, search-as-you-type latency and peak memory on 10k/50k/100k-track synthetic libraries",
    ),
    (
        "discover",
        "\"find my music\": discovery of a home-like tree of 500,000 files and folders, warm cache",
    ),
    (
        "itunes",
        "importing an iTunes library of 50,000 songs and 500 playlists into a scanned 50k-track synthetic library",
    ),
    (
        "player",
        "time to the first sample, samples added at a track change per format, FLAC decode CPU",
    ),
    (
        "server",
        "SQLite + folder beside PostgreSQL + S3 (moto): upload throughput, time to first byte of 200 concurrent range clients, server memory; OpenSubsonic lists, search and covers with 100k tracks; one replica against two",
    ),
    (
        "logins",
        "500 concurrent bad logins with random names against the release server: its memory, a real user's login time",
    ),
    (
        "sync",
        "1 GB library upload, play and seek on a cloud-only track, no-op sync of 10k tracks, first sync of a new device from a 100k-track account (browsed while it runs)",
    ),
    (
        "ui",
        "the release app on a 100k-track library: start to Songs painted, search keystroke to results, scroll frame times, memory",
    ),
    (
        "web",
        "the web player in Chromium against the release server with 100k tracks: first page painted, search keystroke to results, scroll frame times, JavaScript size, gapless join",
    ),
];

/// Library sizes measured by `bench library` (override with `--tracks N`).
const LIBRARY_SIZES: &[u64] = &[10_000, 50_000, 100_000];

pub fn run(project: &Project, args: &[String]) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("library") => return library(project, &args[1..]),
        Some("discover") => return discover(project, &args[1..]),
        Some("itunes") => return itunes(project, &args[1..]),
        Some("server") => return server(project, "bench_server", &args[1..]),
        Some("logins") => return server(project, "bench_logins", &[]),
        Some("player") => return player(project),
        Some("sync") => return sync(project, &args[1..]),
        Some("ui") => return ui(project, &args[1..]),
        Some("web") => return web(project, &args[1..]),
        _ => {}
    }
    let listing = if BENCHES.is_empty() {
        "none yet: each arrives with the issue that sets its goals".to_owned()
    } else {
        BENCHES
            .iter()
            .map(|(name, what)| format!("  {name}: {what}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match args.first() {
        None => {
            println!("benchmarks: {listing}");
            Ok(())
        }
        Some(name) => bail!("no benchmark named `{name}`; benchmarks: {listing}"),
    }
}

/// Generates each synthetic library once (kept under the target directory) and runs the
/// release-built library benchmark on it, with a fresh database each time. Right after its
/// first scan, the benchmark runs the yardstick on the same files: a bare Python loop reading
/// the same tags with mutagen (`crates/library/examples/bench_mutagen.py`, from a virtual
/// environment under the target directory).
fn library(project: &Project, args: &[String]) -> Result<()> {
    let sizes: Vec<u64> = match args {
        [flag, n] if flag == "--tracks" => vec![n.parse()?],
        [] => LIBRARY_SIZES.to_vec(),
        _ => bail!("usage: cargo xtask bench library [--tracks N]"),
    };
    project::run(project.cargo().args([
        "build",
        "--release",
        "-p",
        "tonearm-library",
        "--example",
        "bench",
    ]))?;
    let python = setup::mutagen_python(project)?;
    let script = project.path("crates/library/examples/bench_mutagen.py");
    let target = project.target_dir()?;
    let bench = target.join("release/examples/bench");
    for tracks in sizes {
        let music = synthetic_library(project, tracks)?;
        // Warm the page cache, as the goals assume.
        let mut warm = std::process::Command::new(&bench);
        warm.arg(&music)
            .arg(target.join("bench/data-warm"))
            .stdout(std::process::Stdio::null());
        project::run(&mut warm)?;
        println!("== library, {tracks} tracks ==");
        project::run(
            std::process::Command::new(&bench)
                .arg(&music)
                .arg(target.join(format!("bench/data-{tracks}")))
                .arg("--mutagen")
                .arg(&python)
                .arg(&script),
        )?;
    }
    println!("record these figures in docs/benchmarks.md");
    Ok(())
}

/// Imports an iTunes library of 50,000 songs and 500 playlists (written by the benchmark from
/// the scanned tracks) into the 50,000-track synthetic library, with a fresh database.
fn itunes(project: &Project, args: &[String]) -> Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask bench itunes");
    }
    project::run(project.cargo().args([
        "build",
        "--release",
        "-p",
        "tonearm-library",
        "--example",
        "bench_itunes",
    ]))?;
    let target = project.target_dir()?;
    let music = synthetic_library(project, 50_000)?;
    println!("== iTunes import, 50,000 songs ==");
    project::run(
        std::process::Command::new(target.join("release/examples/bench_itunes"))
            .arg(&music)
            .arg(target.join("bench/data-itunes")),
    )?;
    println!("record these figures in docs/benchmarks.md");
    Ok(())
}

/// Builds the discovery benchmark in release mode and runs it on a home-like tree of
/// `--entries N` (500,000) files and folders, which it generates once under the target
/// directory.
fn discover(project: &Project, args: &[String]) -> Result<()> {
    let entries: u64 = match args {
        [flag, n] if flag == "--entries" => n.parse()?,
        [] => 500_000,
        _ => bail!("usage: cargo xtask bench discover [--entries N]"),
    };
    project::run(project.cargo().args([
        "build",
        "--release",
        "-p",
        "tonearm-library",
        "--example",
        "bench_discover",
    ]))?;
    let target = project.target_dir()?;
    project::run(
        std::process::Command::new(target.join("release/examples/bench_discover"))
            .arg(target.join(format!("bench/home-{entries}")))
            .args(["--entries", &entries.to_string()]),
    )?;
    println!("record these figures in docs/benchmarks.md");
    Ok(())
}

/// A synthetic library of `tracks` tracks under the target directory, generated once; without
/// covers, as the figures in `docs/benchmarks.md` were measured.
fn synthetic_library(project: &Project, tracks: u64) -> Result<std::path::PathBuf> {
    let music = project
        .target_dir()?
        .join(format!("bench/library-{tracks}"));
    crate::fixtures::synthetic_library_without_covers(project, &music, tracks, 1)?;
    Ok(music)
}

/// The release app on a scanned synthetic library (100,000 tracks unless `--tracks N`),
/// driven through WebDriver; `tests/e2e/bench-ui.mjs` measures in the webview.
fn ui(project: &Project, args: &[String]) -> Result<()> {
    let tracks: u64 = match args {
        [flag, n] if flag == "--tracks" => n.parse()?,
        [] => 100_000,
        _ => bail!("usage: cargo xtask bench ui [--tracks N]"),
    };
    setup::ensure_installed(project, Needs::WebDriver)?;
    setup::build_ui(project)?;
    project::run(project.cargo().args([
        "build",
        "--release",
        "-p",
        "tonearm-desktop",
        "-p",
        "tonearm-cli",
    ]))?;
    let music = synthetic_library(project, tracks)?;
    // The library is scanned once with the command line, then reused.
    let data = project
        .target_dir()?
        .join(format!("bench/ui-data-{tracks}"));
    if !data.join("scanned").exists() {
        let _ = std::fs::remove_dir_all(&data);
        let cli = setup::binary(project, "release", "tonearm")?;
        let tonearm = |args: &[&std::ffi::OsStr]| {
            project::run(
                std::process::Command::new(&cli)
                    .arg("--data-dir")
                    .arg(&data)
                    .args(args)
                    .stdout(std::process::Stdio::null()),
            )
        };
        tonearm(&["folders".as_ref(), "add".as_ref(), music.as_os_str()])?;
        tonearm(&["scan".as_ref()])?;
        std::fs::write(data.join("scanned"), "")?;
    }
    // Another build's app (a copy of an earlier commit's), to compare two builds on the same
    // library, alternating: `TONEARM_BENCH_APP=path`.
    let app = match std::env::var_os("TONEARM_BENCH_APP") {
        Some(app) => std::path::PathBuf::from(app),
        None => setup::binary(project, "release", "tonearm-desktop")?,
    };
    println!("== ui, {tracks} tracks ({}) ==", app.display());
    let mut command = setup::in_display(project, "node");
    command
        .arg("tests/e2e/bench-ui.mjs")
        .env("TONEARM_APP", &app)
        .env("TONEARM_BENCH_DATA", &data);
    // "Play all" starts real playback: on a machine with no sound card, into the same virtual
    // output `cargo xtask run` uses (kept until the benchmark ends), not into a missing device.
    let sound = setup::virtual_sound(project, "bench/virtual-sound")?;
    if let Some(sound) = &sound {
        sound.apply(&mut command);
        println!("{}", sound.describe());
    }
    project::run(&mut command)?;
    println!("record these figures in docs/benchmarks.md");
    Ok(())
}

/// The web player in headless Chromium against the release `tonearm-server` serving an account
/// of 100,000 tracks; `tests/e2e/bench-web.mjs` measures in the page. The account is written
/// once by `bench_server fill-web` into a data directory kept under the target directory
/// (`bench/web-catalog`; delete it to write it again), and each run serves a copy of it.
fn web(project: &Project, args: &[String]) -> Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask bench web");
    }
    setup::ensure_installed(project, Needs::WebDriver)?;
    // The server embeds the web player it is compiled with: the UI first.
    setup::build_ui(project)?;
    project::run(project.cargo().args([
        "build",
        "--release",
        "-p",
        "tonearm-server",
        "-p",
        "tonearm-cli",
        "--bin",
        "tonearm-server",
        "--bin",
        "tonearm",
        "--example",
        "bench_server",
    ]))?;
    let target = project.target_dir()?;
    println!("== web player, 100,000 tracks (release server, headless Chromium) ==");
    let mut command = project.command("node");
    command
        .arg("tests/e2e/bench-web.mjs")
        .env(
            "TONEARM_SERVER",
            setup::binary(project, "release", "tonearm-server")?,
        )
        .env("TONEARM_CLI", setup::binary(project, "release", "tonearm")?)
        .env(
            "TONEARM_BENCH_FILL",
            target.join("release/examples/bench_server"),
        )
        .env("TONEARM_BENCH_CATALOG", target.join("bench/web-catalog"))
        .env("TONEARM_WEB_DIST", project.path("ui/dist-web"));
    project::run(&mut command)?;
    println!("record these figures in docs/benchmarks.md");
    Ok(())
}

/// Builds the server and its load generator in release mode and runs it: the real
/// `tonearm-server` binary is started as a child process on loopback. `bench_server` also
/// gets a PostgreSQL and an S3-compatible server (moto), started for the run as `cargo xtask
/// test` starts them, and their process ids (to report their CPU time); `args` (`streaming`,
/// `catalog`, `replicas`) are passed on.
fn server(project: &Project, example: &str, args: &[String]) -> Result<()> {
    project::run(project.cargo().args([
        "build",
        "--release",
        "-p",
        "tonearm-server",
        "--bins",
        "--examples",
    ]))?;
    let bench = project.target_dir()?.join("release/examples").join(example);
    let mut command = std::process::Command::new(bench);
    command.args(args);
    let services = if example == "bench_server" {
        let services = crate::services::start(project)?;
        services.apply(&mut command);
        if let Some(pid) = services.postgres_pid() {
            command.env("TONEARM_BENCH_POSTGRES_PID", pid.to_string());
        }
        command.env("TONEARM_BENCH_MOTO_PID", services.moto_pid().to_string());
        Some(services)
    } else {
        None
    };
    project::run(&mut command)?;
    drop(services);
    println!("record these figures in docs/benchmarks.md");
    Ok(())
}

/// Builds the player benchmark in release mode and runs it on the committed fixtures.
fn player(project: &Project) -> Result<()> {
    project::run(project.cargo().args([
        "build",
        "--release",
        "-p",
        "tonearm-player",
        "--example",
        "bench_player",
    ]))?;
    let bench = project.target_dir()?.join("release/examples/bench_player");
    project::run(std::process::Command::new(bench).arg(project.path("tests/fixtures/audio")))?;
    println!("record these figures in docs/benchmarks.md");
    Ok(())
}

/// Builds the sync benchmark in release mode and runs it against an in-process server; the
/// arguments name its parts (`transfers`, `first-sync`), none runs them all.
fn sync(project: &Project, parts: &[String]) -> Result<()> {
    project::run(project.cargo().args([
        "build",
        "--release",
        "-p",
        "tonearm-sync",
        "--example",
        "bench_sync",
    ]))?;
    let bench = project.target_dir()?.join("release/examples/bench_sync");
    project::run(std::process::Command::new(bench).args(parts))?;
    println!("record these figures in docs/benchmarks.md");
    Ok(())
}
