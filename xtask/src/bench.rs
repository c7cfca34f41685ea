//! `cargo xtask bench NAME`: benchmarks that print their figures.
//!
//! Each benchmark arrives with the issue that sets its goals (library, player, server, sync,
//! ui) and records its figures in `docs/benchmarks.md`. Until then a name is refused with a
//! list of what exists, rather than printing numbers that measure nothing.

use crate::project::Project;
use anyhow::{Result, bail};

/// Benchmarks that exist, with what they measure.
const BENCHES: &[(&str, &str)] = &[];

pub fn run(_project: &Project, args: &[String]) -> Result<()> {
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
