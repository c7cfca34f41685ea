//! `tonearm cloud free-up`: "remove downloads" from a terminal. The plan (what would go and
//! the space it frees, what is skipped and why) is printed first; then, unless `--dry-run`,
//! the sync engine removes each file the server confirms holding, into the OS trash.

use anyhow::{Context, Result};
use clap::Args;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tonearm_library::cloud::{FreeUpPlan, FreeUpSelection};
use tonearm_library::{Library, TrackId};
use tonearm_sync::FreeUpReport;

/// Which songs, and whether to act.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("selection").required(true).args(["tracks", "album", "not_played_months"]))]
pub struct FreeUpArgs {
    /// Track ids.
    tracks: Vec<TrackId>,
    /// An album, by name (any ASCII case) or key.
    #[arg(long, value_name = "NAME")]
    album: Option<String>,
    /// Songs not played for N months (30 days each; never played: since they were added).
    #[arg(long, value_name = "N")]
    not_played_months: Option<u32>,
    /// Print the plan only; remove nothing.
    #[arg(long)]
    dry_run: bool,
    #[arg(long)]
    json: bool,
}

/// The `--json` answer.
#[derive(Debug, Serialize)]
struct Output<'a> {
    plan: &'a FreeUpPlan,
    /// `null` with `--dry-run`.
    report: Option<&'a FreeUpReport>,
}

pub fn run(
    library: &Arc<Library>,
    dirs: &crate::paths::Dirs,
    runtime: &tokio::runtime::Runtime,
    args: FreeUpArgs,
) -> Result<()> {
    let selection = match (args.album, args.not_played_months) {
        (Some(album), _) => FreeUpSelection::Album(album),
        (None, Some(months)) => FreeUpSelection::NotPlayedFor {
            months,
            now_ms: tonearm_library::now_ms(),
        },
        (None, None) => FreeUpSelection::Tracks(args.tracks),
    };
    let plan = library.plan_free_up(&selection)?;
    if !args.json {
        print_plan(library, &plan, args.dry_run);
    }
    let report = if args.dry_run || plan.tracks.is_empty() {
        None
    } else {
        let cloud = crate::cloud::open(library, dirs, crate::cloud::settings("", 1, None))?;
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        // Ctrl+C stops between two files, never in the middle of one.
        runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::Relaxed);
            }
        });
        Some(
            runtime
                .block_on(cloud.free_up(&plan, &cancel))
                .context("cannot free space")?,
        )
    };
    if args.json {
        return crate::commands::print_json(&Output {
            plan: &plan,
            report: report.as_ref(),
        });
    }
    if let Some(report) = &report {
        print_report(report);
    }
    Ok(())
}

fn print_plan(library: &Library, plan: &FreeUpPlan, dry_run: bool) {
    let verb = if dry_run { "would free" } else { "freeing" };
    println!(
        "{verb} {} from {} songs in the cloud:",
        crate::cloud::size(plan.total_bytes),
        plan.tracks.len()
    );
    for item in &plan.tracks {
        println!(
            "  {}  {}  {}",
            item.track_id,
            crate::cloud::size(item.bytes),
            item.path.display()
        );
    }
    for skipped in &plan.skipped {
        let title = library
            .track(skipped.track_id)
            .map_or_else(|_| skipped.track_id.to_string(), |t| t.title);
        println!("  skipped {title}: {}", skipped.reason.describe());
    }
}

fn print_report(report: &FreeUpReport) {
    println!(
        "freed {} from {} songs (moved to the trash; they stay in the library, in the cloud)",
        crate::cloud::size(report.freed_bytes),
        report.freed.len()
    );
    for refused in &report.refused {
        println!("  kept {}: {}", refused.title, refused.reason.describe());
    }
    if report.cancelled {
        println!("stopped before the end; the rest was not touched");
    }
}
