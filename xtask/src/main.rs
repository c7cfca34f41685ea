//! `cargo xtask`: the project's developer commands, in Rust so they run the same on every OS.
//!
//! - `run`: install what is missing, build the UI and the app, start it.
//! - `test`: every test: Rust crates, the shell, UI unit tests, end-to-end.
//! - `fixtures`: rebuild the audio fixtures and the damaged-file corpus, or generate a
//!   synthetic library.
//! - `codegen`: regenerate the TypeScript IPC bindings.
//! - `bundle`: build installers through the Tauri CLI.
//! - `bench`: benchmarks (each arrives with the issue that sets its goals).
//! - `screenshots`: a picture of every view, for the README and the docs.

mod bench;
mod bundle;
mod fixtures;
mod project;
mod screenshots;
mod services;
mod setup;
mod sound;
mod staged;
mod test;
#[cfg(test)]
mod tidy;

use anyhow::{Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command> [args]

commands:
  run                    install what is missing, build, and start the app
  test [--no-e2e]        run every test (Rust, UI unit tests, end-to-end)
  fixtures               rebuild tests/fixtures/audio and tests/fixtures/damaged with their
                         manifests (needs ffmpeg; MUTAGEN_PYTHON refreshes the mutagen column)
  fixtures damaged       rebuild only the damaged-file corpus
  fixtures library --tracks N --out DIR
                         generate a synthetic library of N tagged tracks
  codegen                regenerate ui/src/ipc/bindings.ts from the Rust commands
  bundle [--bundles B]   build installers with the Tauri CLI (.deb on Linux, checked to
                         install and start; add appimage where GitHub is reachable)
  bench <name>           run a benchmark and print its figures
  screenshots            regenerate docs/screenshots from the real app
  doctor                 check and repair the checkout (the config symlink on Windows)
";

fn main() {
    if let Err(error) = run() {
        eprintln!("xtask: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        print!("{USAGE}");
        return Ok(());
    };
    let project = project::Project::locate()?;
    match command.as_str() {
        "run" => setup::run_app(&project, rest),
        "test" => test::run(&project, rest),
        "fixtures" => fixtures::run(&project, rest),
        "codegen" => setup::codegen(&project),
        "bundle" => bundle::run(&project, rest),
        "bench" => bench::run(&project, rest),
        "screenshots" => screenshots::run(&project),
        "doctor" => setup::repair_config_link(&project),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}
