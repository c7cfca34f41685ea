//! Getting a machine ready and starting the app: system packages (apt on Debian and Ubuntu),
//! npm packages, the UI build, the app build, and a display (Xvfb) and a sound card
//! (`sound`) where there is none.

use crate::project::{self, Project};
use crate::staged;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian packages the app needs to build and run (Tauri's WebKitGTK stack, ALSA for audio).
const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "curl",
    "file",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libasound2-dev",
];

/// A virtual display, for machines without one.
const HEADLESS_PACKAGES: &[&str] = &["xvfb", "xauth"];

/// What the tests need beyond the build: the WebDriver server for WebKitGTK (end-to-end
/// tests); a D-Bus session bus and `dbus-send` (media keys over MPRIS); PulseAudio with its
/// ALSA plug-in and `parecord` (a sound card that keeps real time, for playback tests);
/// Chromium and its WebDriver server (the web player's end-to-end tests and benchmark);
/// MinGW's C compiler, for the C inside some crates (SQLite, ring) when the workspace is
/// checked for Windows.
const TEST_PACKAGES: &[&str] = &[
    "gcc-mingw-w64-x86-64",
    "webkit2gtk-driver",
    "chromium",
    "chromium-driver",
    "dbus",
    "pulseaudio",
    "pulseaudio-utils",
    "libasound2-plugins",
];

/// The servers of `services` a test or benchmark run starts: PostgreSQL 15 (moto's S3 server
/// comes from PyPI, see [`moto_server`]).
const SERVICE_PACKAGES: &[&str] = &["postgresql-15"];

/// Where Debian's PostgreSQL packages read how to make a cluster when they are installed.
const CREATECLUSTER_CONF: &str = "/etc/postgresql-common/createcluster.conf";

/// What a command needs installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Build and start the app.
    App,
    /// Build the app and run the unit and integration tests.
    Tests,
    /// All that, and drive the real app through WebDriver (end-to-end tests, benchmarks,
    /// screenshots).
    WebDriver,
}

/// Installs whatever is missing for `needs`: system packages, npm packages, tauri-driver.
pub fn ensure_installed(project: &Project, needs: Needs) -> Result<()> {
    repair_config_link(project)?;
    let mut packages = BUILD_PACKAGES.to_vec();
    if !has_display() {
        packages.extend(HEADLESS_PACKAGES);
    }
    if needs != Needs::App {
        packages.extend(TEST_PACKAGES);
        packages.extend(SERVICE_PACKAGES);
    }
    ensure_system_packages(&packages)?;
    if needs != Needs::App {
        ensure_rust_components(project)?;
    }
    ensure_npm_packages(project, "ui")?;
    if needs != Needs::App {
        ensure_npm_packages(project, "tests/interop")?;
        ensure_python_venv(project, "tests/interop")?;
        moto_server(project)?;
    }
    if needs == Needs::WebDriver {
        ensure_npm_packages(project, "tests/e2e")?;
        ensure_tauri_driver(project)?;
    }
    Ok(())
}

/// rustfmt and clippy, which `cargo xtask test` runs; a minimal rustup profile lacks them.
fn ensure_rust_components(project: &Project) -> Result<()> {
    let present = |tool: &str| {
        project
            .cargo()
            .args([tool, "--version"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !(present("fmt") && present("clippy")) {
        project::run(
            project
                .command("rustup")
                .args(["component", "add", "rustfmt", "clippy"]),
        )
        .context("installing rustfmt and clippy (rustup is needed for them)")?;
    }
    if cfg!(target_os = "linux") {
        for target in CROSS_TARGETS {
            if has_target(project, target) {
                continue;
            }
            // rustup fetches the target's standard library from static.rust-lang.org: where
            // that cannot be reached, the check says so and is skipped (`xtask test`).
            let added = project::run(project.command("rustup").args(["target", "add", target]));
            if let Err(error) = added {
                eprintln!("could not install the {target} target: {error:#}");
            }
        }
    }
    Ok(())
}

/// Whether rustup has `target` installed.
pub fn has_target(project: &Project, target: &str) -> bool {
    project
        .command("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .is_ok_and(|out| {
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|line| line.trim() == target)
        })
}

/// Windows, through MinGW, which Debian packages.
pub const WINDOWS_TARGET: &str = "x86_64-pc-windows-gnu";

/// macOS: its C needs Apple's SDK, which no registry here has, so it is checked with a
/// stand-in C compiler ([`no_c_compiler`]).
pub const MACOS_TARGET: &str = "x86_64-apple-darwin";

/// The script of [`no_c_compiler`]: it writes the object it is asked for (`-o FILE`,
/// `-oFILE` or MSVC's `-FoFILE`), empty, and succeeds.
const NO_C_COMPILER: &str = r#"#!/bin/sh
out=""
prev=""
for a in "$@"; do
  [ "$prev" = "-o" ] && out="$a"
  case "$a" in -o) ;; -o*) out="${a#-o}" ;; -Fo*) out="${a#-Fo}" ;; esac
  prev="$a"
done
[ -n "$out" ] && : > "$out"
exit 0
"#;

/// The targets the workspace is also checked for, on Linux.
pub const CROSS_TARGETS: [&str; 2] = [WINDOWS_TARGET, MACOS_TARGET];

/// A C compiler that compiles nothing: it writes each object it is asked for, empty. Enough
/// for `cargo check` and `clippy`, which need the Rust crates' metadata and never link, so
/// the Rust code for a target whose C toolchain is not here (macOS) is still type-checked;
/// the C itself (SQLite, ring, an Objective-C helper) is not.
pub fn no_c_compiler(project: &Project) -> Result<PathBuf> {
    let path = project.target_dir()?.join("xtask").join("no-c-compiler");
    std::fs::create_dir_all(path.parent().expect("a folder"))?;
    std::fs::write(&path, NO_C_COMPILER)?;
    #[cfg(unix)]
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    Ok(path)
}

/// A virtual environment in `folder/.venv` with `folder/requirements.txt` installed (the tus
/// interop tests drive the Python client from it, the conformance test schemathesis).
fn ensure_python_venv(project: &Project, folder: &str) -> Result<()> {
    let dir = project.path(folder);
    let requirements = dir.join("requirements.txt");
    if !requirements.exists() {
        return Ok(());
    }
    python_venv(project, &dir.join(".venv"), &requirements).map(drop)
}

/// A virtual environment at `venv` with `requirements` installed, reinstalled when they
/// change; returns its Python.
fn python_venv(project: &Project, venv: &Path, requirements: &Path) -> Result<PathBuf> {
    let python = venv_python(venv);
    let stamp = venv.join("requirements.installed");
    let wanted = std::fs::read_to_string(requirements)
        .with_context(|| format!("cannot read {}", requirements.display()))?;
    if python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|done| done == wanted) {
        return Ok(python);
    }
    let create = |project: &Project| {
        project::run(
            project
                .command(system_python())
                .args(["-m", "venv", "--clear"])
                .arg(venv),
        )
    };
    if create(project).is_err() {
        // Debian's own Python keeps venv in a separate package.
        ensure_system_packages(&["python3-venv"])?;
        create(project)?;
    }
    project::run(
        project
            .command(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(requirements),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(python)
}

/// The Python of the virtual environment at `venv`.
fn venv_python(venv: &Path) -> PathBuf {
    venv.join(if cfg!(windows) {
        "Scripts/python.exe"
    } else {
        "bin/python"
    })
}

/// The machine's Python.
fn system_python() -> &'static str {
    if cfg!(windows) { "python" } else { "python3" }
}

/// The Python of a virtual environment of xtask's own under the target directory, with the
/// mutagen `xtask/requirements-mutagen.txt` pins: the library benchmark's yardstick.
pub fn mutagen_python(project: &Project) -> Result<PathBuf> {
    let venv = project.target_dir()?.join("mutagen-venv");
    python_venv(
        project,
        &venv,
        &project.path("xtask/requirements-mutagen.txt"),
    )
    .context("installing mutagen with pip")
}

/// What `services` needs: PostgreSQL 15 and moto's S3 server; returns the command that starts
/// the latter (to which `-H HOST -p PORT` are added).
pub fn ensure_services(project: &Project) -> Result<Command> {
    ensure_system_packages(SERVICE_PACKAGES)?;
    moto_server(project)
}

/// The command that starts moto's S3 server (PyPI `moto[server]`): the one installed on the
/// machine (`moto_server`, or a `python3` with moto), else one installed with pip, at the
/// version `xtask/requirements-moto.txt` pins, into a virtual environment of xtask's own under
/// the target directory (Debian's Python refuses `pip install` outside one).
fn moto_server(project: &Project) -> Result<Command> {
    let venv = project.target_dir()?.join("moto-venv");
    let in_venv = venv_python(&venv);
    let module: &[&str] = &["-m", "moto.server"];
    let mut candidates = vec![(Path::new("moto_server"), &[][..])];
    if in_venv.exists() {
        candidates.insert(0, (in_venv.as_path(), module));
    }
    candidates.push((Path::new(system_python()), module));
    for (program, args) in candidates {
        let answers = Command::new(program)
            .args(args)
            .arg("--help")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if answers {
            let mut command = Command::new(program);
            command.args(args);
            return Ok(command);
        }
    }
    eprintln!(
        "installing moto's S3 server (PyPI moto[server]) into {}",
        venv.display()
    );
    let python = python_venv(project, &venv, &project.path("xtask/requirements-moto.txt"))
        .context("installing moto[server] with pip")?;
    let mut command = Command::new(python);
    command.args(module);
    Ok(command)
}

/// `cargo xtask run`: install, build, start the app (under Xvfb when there is no display).
pub fn run_app(project: &Project, args: &[String]) -> Result<()> {
    ensure_installed(project, Needs::App)?;
    build_ui(project)?;
    project::run(project.cargo().args(["build", "-p", "tonearm-desktop"]))?;
    let binary = app_binary(project)?;
    let demo = demo_music(project)?;
    let cloud_demo = project.target_dir()?.join("demo-cloud-music");
    crate::fixtures::synthetic_library(project, &cloud_demo, 12, 2)?;
    if !has_display() {
        eprintln!("no display found: starting the app under Xvfb (a virtual screen)");
    }
    let sound = virtual_sound(project, "virtual-sound")?;
    // On a first run (no music folder, no cloud account) the app sets itself up with these:
    // the demo library, this computer as the cloud, and "another computer" that put the
    // second folder in it (see `src-tauri/src/demo.rs`). Later runs are the user's own.
    let mut command = in_display(project, &binary);
    command
        .args(args)
        .env("TONEARM_DEMO_MUSIC", &demo)
        .env("TONEARM_DEMO_CLOUD_MUSIC", &cloud_demo);
    if let Some(sound) = &sound {
        sound.apply(&mut command);
        eprintln!("{}", sound.describe());
    }
    // The virtual sound card (if any) stops when the app has ended.
    project::run(&mut command)
}

/// Where there is no sound card and no sound server, a virtual output the app plays into
/// (`sound`), recorded in the target directory's folder `name`; `None` where the machine can
/// play.
pub fn virtual_sound(project: &Project, name: &str) -> Result<Option<crate::sound::VirtualOutput>> {
    if !crate::sound::Machine::probe().needs_virtual_output() {
        return Ok(None);
    }
    // Without them it falls back to ALSA's file plug-in, which needs nothing.
    if let Err(error) = ensure_system_packages(crate::sound::PACKAGES) {
        eprintln!("cannot install PulseAudio for the virtual sound card: {error:#}");
    }
    let dir = project.target_dir()?.join(name);
    crate::sound::VirtualOutput::start(&dir).map(Some)
}

/// A demo library for a first run with no music yet: the test fixtures, in every format with
/// covers and odd tags, and 200 synthetic tracks. Made once, under the target directory.
fn demo_music(project: &Project) -> Result<std::path::PathBuf> {
    let demo = project.target_dir()?.join("demo-music");
    crate::fixtures::synthetic_library(project, &demo.join("More music"), 200, 1)?;
    let fixtures = demo.join("Fixtures");
    std::fs::create_dir_all(&fixtures)?;
    for entry in std::fs::read_dir(project.path("tests/fixtures/audio"))? {
        let entry = entry?;
        let target = fixtures.join(entry.file_name());
        if entry.file_type()?.is_file() && !target.exists() {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(demo)
}

/// `program` run in the graphical session, or under Xvfb (a virtual screen) where there is
/// none.
pub fn in_display(project: &Project, program: impl AsRef<std::ffi::OsStr>) -> Command {
    if has_display() {
        return project.command(program);
    }
    let mut xvfb = project.command("xvfb-run");
    xvfb.args(["-a", "-s", "-screen 0 1280x800x24"])
        .arg(program);
    xvfb
}

/// `cargo xtask codegen`: regenerate the TypeScript bindings from the Rust commands.
pub fn codegen(project: &Project) -> Result<()> {
    ensure_ui_dist(project)?;
    project::run(
        project
            .cargo()
            .args([
                "test",
                "-p",
                "tonearm-desktop",
                "--test",
                "shell",
                "bindings",
            ])
            .env("UPDATE_BINDINGS", "1"),
    )?;
    eprintln!("wrote {}", project.path("ui/src/ipc/bindings.ts").display());
    Ok(())
}

/// Builds the UI into `ui/dist` (the app embeds it) and `ui/dist-web` (the server does).
/// Vite writes them under the target directory first (`TONEARM_UI_OUT`, read by the Vite
/// configs), and only the files that changed are copied over ([`staged`]), so an unchanged UI
/// does not make Cargo build the app and the server again.
pub fn build_ui(project: &Project) -> Result<()> {
    let stage = project.target_dir()?.join("ui-build");
    project::run(
        project
            .npm("ui")
            .args(["run", "build"])
            .env("TONEARM_UI_OUT", &stage),
    )?;
    for folder in ["dist", "dist-web"] {
        staged::copy_changes(&stage.join(folder), &project.path(&format!("ui/{folder}")))?;
    }
    Ok(())
}

/// The app embeds `ui/dist` at compile time; a build that only needs the Rust side (codegen)
/// gets an empty page rather than failing.
fn ensure_ui_dist(project: &Project) -> Result<()> {
    let index = project.path("ui/dist/index.html");
    if !index.exists() {
        std::fs::create_dir_all(project.path("ui/dist"))?;
        std::fs::write(&index, "<!doctype html>\n")?;
    }
    Ok(())
}

/// Path of the debug build of the desktop app.
pub fn app_binary(project: &Project) -> Result<std::path::PathBuf> {
    binary(project, "debug", "tonearm-desktop")
}

/// Path of a binary of the workspace, built in `profile` ("debug" or "release").
pub fn binary(project: &Project, profile: &str, name: &str) -> Result<std::path::PathBuf> {
    Ok(project
        .target_dir()?
        .join(profile)
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}

/// Whether a graphical session is available to open windows in.
pub fn has_display() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// `src-tauri/tauri.conf.json` must be a link to the root config (the Tauri CLI looks for it
/// next to the app crate). Git on Windows without `core.symlinks` checks the link out as a
/// text file holding its target; replace that with a real link, or a hard link where
/// symbolic links are not allowed.
pub fn repair_config_link(project: &Project) -> Result<()> {
    let link = project.path("src-tauri/tauri.conf.json");
    let target = project.path("tauri.conf.json");
    let is_placeholder = match std::fs::symlink_metadata(&link) {
        Ok(meta) if meta.file_type().is_symlink() => false,
        Ok(_) => !std::fs::read_to_string(&link)?
            .trim_start()
            .starts_with('{'),
        Err(_) => true,
    };
    if !is_placeholder {
        return Ok(());
    }
    eprintln!(
        "repairing {} (it must link to the root tauri.conf.json)",
        link.display()
    );
    let _ = std::fs::remove_file(&link);
    make_link(&target, &link).with_context(|| format!("cannot link {}", link.display()))
}

#[cfg(unix)]
fn make_link(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink("../tauri.conf.json", link)
        .or_else(|_| std::fs::hard_link(target, link))
}

#[cfg(windows)]
fn make_link(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::windows::fs::symlink_file("..\\tauri.conf.json", link)
        .or_else(|_| std::fs::hard_link(target, link))
}

/// On Debian and Ubuntu, installs the missing packages with apt (through sudo unless root).
/// Elsewhere, says what the build needs and carries on.
pub fn ensure_system_packages(packages: &[&str]) -> Result<()> {
    if !cfg!(target_os = "linux") {
        return Ok(());
    }
    if !Path::new("/etc/debian_version").exists() {
        eprintln!(
            "not a Debian or Ubuntu system: make sure the equivalents of these are installed: {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("installing system packages: {}", missing.join(" "));
    let as_root = is_root();
    if missing
        .iter()
        .any(|package| package.starts_with("postgresql"))
    {
        keep_package_clusters_off(as_root)?;
    }
    let apt = |args: &[&str]| -> Result<()> {
        let mut command = if as_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        project::run(&mut command)
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&missing);
    apt(&install)
}

/// Whether xtask runs as root (no `id`, as on Windows: no).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Debian's PostgreSQL packages make and start a cluster of their own on port 5432 when they
/// are installed, which would run for good beside the ones `services` starts (and collide with
/// a PostgreSQL the user may run there): `create_main_cluster = false` in their configuration,
/// written before they are installed, stops that.
fn keep_package_clusters_off(as_root: bool) -> Result<()> {
    let path = Path::new(CREATECLUSTER_CONF);
    let current = std::fs::read_to_string(path).unwrap_or_default();
    let wanted = without_main_cluster(&current);
    if wanted == current {
        return Ok(());
    }
    eprintln!("{}: create_main_cluster = false", path.display());
    let folder = path.parent().context("a folder")?;
    if as_root {
        std::fs::create_dir_all(folder)?;
        return std::fs::write(path, wanted)
            .with_context(|| format!("cannot write {}", path.display()));
    }
    project::run(Command::new("sudo").args(["mkdir", "-p"]).arg(folder))?;
    let mut tee = Command::new("sudo")
        .arg("tee")
        .arg(path)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .context("cannot start sudo")?;
    std::io::Write::write_all(
        &mut tee.stdin.take().context("piped stdin")?,
        wanted.as_bytes(),
    )?;
    if !tee.wait()?.success() {
        bail!("cannot write {}", path.display());
    }
    Ok(())
}

/// `createcluster.conf` (its text, possibly empty) with `create_main_cluster = false`: the
/// setting replaced where it is set, added where it is not (the default file only has it in
/// a comment).
fn without_main_cluster(conf: &str) -> String {
    const SETTING: &str = "create_main_cluster = false";
    let mut found = false;
    let mut lines: Vec<&str> = conf
        .lines()
        .map(|line| {
            let key = line.split('=').next().unwrap_or("").trim();
            if key == "create_main_cluster" {
                found = true;
                SETTING
            } else {
                line
            }
        })
        .collect();
    if !found {
        lines.push(SETTING);
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

/// Runs `npm ci` in `folder` unless its `node_modules` already matches the lock file.
fn ensure_npm_packages(project: &Project, folder: &str) -> Result<()> {
    if !project.path(folder).join("package.json").exists() {
        return Ok(());
    }
    let lock = project.path(folder).join("package-lock.json");
    let installed = project.path(folder).join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock), std::fs::metadata(&installed)) {
        (Ok(lock), Ok(installed)) => installed.modified()? >= lock.modified()?,
        (Err(_), _) => bail!("{} is missing", lock.display()),
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    if !project::have(if cfg!(windows) { "npm.cmd" } else { "npm" }) {
        bail!("npm not found: install Node.js 20 or newer (https://nodejs.org)");
    }
    project::run(project.npm(folder).args(["ci", "--no-audit", "--no-fund"]))
}

/// Installs tauri-driver (the WebDriver bridge to the app) with cargo when it is missing.
fn ensure_tauri_driver(project: &Project) -> Result<()> {
    if project::have("tauri-driver") {
        return Ok(());
    }
    project::run(project.cargo().args([
        "install",
        "tauri-driver",
        "--locked",
        "--version",
        "2.1.0",
    ]))
}

#[cfg(test)]
mod tests {
    use super::without_main_cluster;

    #[test]
    fn the_postgresql_packages_are_told_to_make_no_cluster() {
        // Debian's default file has the setting only in a comment.
        let debian = "# Default values for pg_createcluster(8)\n\
                      #create_main_cluster = true\n\
                      ssl = on\n";
        assert_eq!(
            without_main_cluster(debian),
            format!("{debian}create_main_cluster = false\n")
        );
        assert_eq!(
            without_main_cluster("ssl = on\n  create_main_cluster=true\nx = 1\n"),
            "ssl = on\ncreate_main_cluster = false\nx = 1\n"
        );
        // No file yet; done already.
        assert_eq!(without_main_cluster(""), "create_main_cluster = false\n");
        let done = without_main_cluster(debian);
        assert_eq!(without_main_cluster(&done), done);
    }
}
