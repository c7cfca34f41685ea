//! Where the checkout is, and how xtask runs other programs in it.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// The workspace being worked on.
#[derive(Debug)]
pub struct Project {
    /// The workspace root (the folder holding the top-level `Cargo.toml`).
    pub root: PathBuf,
}

impl Project {
    /// The workspace this xtask runs for: `cargo run` (what `cargo xtask` is) says where at
    /// run time. The path compiled in is only a fallback: several checkouts sharing one
    /// target directory share one xtask binary, built in whichever checkout came first.
    pub fn locate() -> Result<Self> {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        let root = manifest_dir
            .parent()
            .context("xtask is not inside a workspace")?
            .to_path_buf();
        Ok(Self { root })
    }

    /// A path inside the workspace.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Cargo's target directory, honouring `CARGO_TARGET_DIR` and cargo config.
    pub fn target_dir(&self) -> Result<PathBuf> {
        let output = Command::new(cargo())
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .current_dir(&self.root)
            .output()
            .context("running cargo metadata")?;
        if !output.status.success() {
            bail!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let metadata: serde_json::Value =
            serde_json::from_slice(&output.stdout).context("parsing cargo metadata")?;
        let dir = metadata["target_directory"]
            .as_str()
            .context("cargo metadata has no target_directory")?;
        Ok(PathBuf::from(dir))
    }

    /// A command that runs in the workspace root.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.current_dir(&self.root);
        command
    }

    /// `cargo`, the same one that runs xtask.
    pub fn cargo(&self) -> Command {
        self.command(cargo())
    }

    /// `npm` in a folder of the workspace.
    pub fn npm(&self, folder: &str) -> Command {
        let mut command = Command::new(if cfg!(windows) { "npm.cmd" } else { "npm" });
        command.current_dir(self.path(folder));
        command
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs `command`, echoing it first, and fails unless it exits successfully.
pub fn run(command: &mut Command) -> Result<()> {
    eprintln!("$ {}", describe(command));
    let status = command
        .status()
        .with_context(|| format!("cannot start `{}`", describe(command)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(command));
    }
    Ok(())
}

/// Whether `program` can be started (it is on PATH and answers `--version`).
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
