//! `cargo xtask bundle`: installers through the Tauri CLI.
//!
//! The CLI looks for the config next to the app crate, so it runs with `TAURI_APP_PATH`
//! pointing at `src-tauri/` (whose `tauri.conf.json` links to the root one) and
//! `TAURI_FRONTEND_PATH` at `ui/`. On Linux it builds the .deb and the AppImage; elsewhere the
//! platform's defaults (.dmg/.app on macOS, .msi/NSIS on Windows).
//!
//! On Linux the .deb is then checked: its package fields, and that the app it installs starts
//! (unpacked into a scratch folder, run with a scratch data directory until it reports its
//! window ready, and still running a few seconds later). `apt install` of the package is left
//! to the user: it changes the system.

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
        // The AppImage needs tools downloaded from GitHub at bundle time; ask for it with
        // `--bundles deb,appimage` where the network allows.
        command.args(["--bundles", "deb"]);
    }
    command.args(args);
    #[cfg(target_os = "linux")]
    let started = std::time::SystemTime::now();
    project::run(&mut command)?;
    let out = project.target_dir()?.join("release/bundle");
    eprintln!("installers: {}", out.display());
    #[cfg(target_os = "linux")]
    if let Ok(deb) = linux::newest(&out.join("deb"), "deb")
        && deb.metadata()?.modified()? >= started
    {
        linux::check_deb(project, &deb)?;
    }
    Ok(())
}

/// The .deb's check (see the module's doc).
#[cfg(target_os = "linux")]
mod linux {
    use super::setup;
    use crate::project::{self, Project};
    use anyhow::{Context, Result, bail};
    use std::path::{Path, PathBuf};
    use std::time::{Duration, Instant};

    /// The newest file ending in `.extension` in `dir`.
    pub fn newest(dir: &Path, extension: &str) -> Result<PathBuf> {
        std::fs::read_dir(dir)
            .with_context(|| format!("no bundles in {}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == extension))
            .max_by_key(|path| path.metadata().and_then(|m| m.modified()).ok())
            .with_context(|| format!("no .{extension} in {}", dir.display()))
    }

    /// The package says what it needs, and the app it installs starts.
    pub fn check_deb(project: &Project, deb: &Path) -> Result<()> {
        let info = std::process::Command::new("dpkg-deb")
            .arg("--field")
            .arg(deb)
            .args(["Package", "Version", "Depends"])
            .output()
            .context("cannot run dpkg-deb")?;
        let fields = String::from_utf8_lossy(&info.stdout);
        let needs = ["libwebkit2gtk-4.1", "libasound2"];
        if !info.status.success() || !needs.iter().all(|name| fields.contains(name)) {
            bail!("{} lacks its package fields:\n{fields}", deb.display());
        }
        let scratch = project.target_dir()?.join("bundle-check");
        let _ = std::fs::remove_dir_all(&scratch);
        let root = scratch.join("root");
        std::fs::create_dir_all(&root)?;
        project::run(
            std::process::Command::new("dpkg-deb")
                .arg("-x")
                .arg(deb)
                .arg(&root),
        )?;
        let binary = root.join("usr/bin/tonearm-desktop");
        let data = scratch.join("data");
        let mut command = setup::in_display(project, &binary);
        command
            .env("TONEARM_DATA_DIR", &data)
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null());
        // In a process group of its own, so that ending it ends Xvfb and the app too.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        let outcome = wait_until_started(&mut child, &data.join("logs"));
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &format!("-{}", child.id())])
            .status();
        let _ = child.wait();
        outcome?;
        eprintln!(
            "checked {}:\n{}  the app it installs starts",
            deb.display(),
            fields
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect::<String>()
        );
        Ok(())
    }

    /// Waits for the app's log to say its window is ready, then checks it is still running.
    fn wait_until_started(child: &mut std::process::Child, logs: &Path) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait()? {
                bail!("the packaged app exited at start ({status})");
            }
            let started = std::fs::read_dir(logs).ok().is_some_and(|entries| {
                entries.filter_map(Result::ok).any(|entry| {
                    std::fs::read_to_string(entry.path())
                        .is_ok_and(|text| text.contains("the window is ready"))
                })
            });
            if started {
                break;
            }
            if Instant::now() > deadline {
                bail!("the packaged app did not start within a minute");
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        std::thread::sleep(Duration::from_secs(3));
        if let Some(status) = child.try_wait()? {
            bail!("the packaged app stopped right after starting ({status})");
        }
        Ok(())
    }
}
