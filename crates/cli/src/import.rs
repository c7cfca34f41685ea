//! `tonearm import`: bring what another music app knows into this library. Today the library
//! iTunes and Apple Music export (`tonearm import itunes FILE`), printed as a report of what
//! matched, what changed and what was not found; running it again changes nothing.

use crate::commands::print_json;
use anyhow::Result;
use clap::Subcommand;
use std::path::PathBuf;
use tonearm_library::{ItunesImport, Library, PlaylistOutcome};

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import ratings, loves, play and skip counts, dates and playlists from the library file
    /// iTunes or Apple Music exports (File → Library → Export Library, or `iTunes Library.xml`)
    /// into the songs this library has scanned.
    Itunes {
        /// The exported `Library.xml`.
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(library: &Library, command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Itunes { file, json } => {
            let report = library.import_itunes(&file)?;
            if json {
                return print_json(&report);
            }
            print_report(&report);
        }
    }
    Ok(())
}

fn print_report(report: &ItunesImport) {
    println!(
        "{} songs: {} matched by location, {} by tags, {} not found ({} podcasts and videos skipped)",
        report.songs,
        report.matched_by_location,
        report.matched_by_tags,
        report.unmatched.len(),
        report.skipped
    );
    println!(
        "{} tracks changed: {} plays and {} skips added, {} ratings, {} loves, {} dates",
        report.tracks_changed,
        report.plays_added,
        report.skips_added,
        report.ratings_changed,
        report.loves_changed,
        report.dates_changed
    );
    println!(
        "{} playlists: {} created, {} updated; {} entries not found ({} ms)",
        report.playlists.len(),
        report.playlists_created,
        report.playlists_updated,
        report.entries_not_found,
        report.duration_ms
    );
    for playlist in &report.playlists {
        let outcome = match playlist.outcome {
            PlaylistOutcome::Created => "created",
            PlaylistOutcome::Updated => "updated",
            PlaylistOutcome::Unchanged => "unchanged",
        };
        let missing = if playlist.not_found > 0 {
            format!(", {} not found", playlist.not_found)
        } else {
            String::new()
        };
        println!(
            "  {outcome:<9} {}  ({} songs{missing})",
            playlist.name, playlist.entries
        );
    }
    for song in &report.unmatched {
        let mut line = format!("not found: {}", song.name);
        for part in [&song.artist, &song.album].into_iter().flatten() {
            line.push_str(" — ");
            line.push_str(part);
        }
        if let Some(location) = &song.location {
            line.push_str(&format!("  ({location})"));
        }
        println!("{line}");
    }
}
