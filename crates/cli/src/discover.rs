//! `tonearm folders discover`: "Find my music" from a terminal. The library finds the places
//! (`tonearm_library::discover`); this prints them and, with `--add`, adds them as music
//! folders the way `folders add` does.

use crate::cloud::size;
use crate::commands::print_json;
use crate::paths::Dirs;
use anyhow::Result;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use tonearm_library::Library;
use tonearm_library::discover::{
    AddOutcome, DiscoverOptions, Discovery, PlaceAdded, SkippedFolders, default_roots, discover,
};

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Add the places found as music folders (then run `tonearm scan`).
    #[arg(long)]
    add: bool,
    #[arg(long)]
    json: bool,
    /// Where to look (default: the home folder and mounted drives).
    paths: Vec<PathBuf>,
}

/// The `--json` document: the discovery, and with `--add` what adding each place did.
#[derive(Debug, Serialize)]
struct Report {
    #[serde(flatten)]
    discovery: Discovery,
    #[serde(skip_serializing_if = "Option::is_none")]
    added: Option<Vec<PlaceAdded>>,
}

pub fn run(library: &Library, dirs: &Dirs, args: DiscoverArgs) -> Result<()> {
    let roots = if args.paths.is_empty() {
        default_roots()
    } else {
        args.paths
    };
    let options = DiscoverOptions {
        library_folders: library
            .folders()?
            .into_iter()
            .map(|folder| PathBuf::from(folder.path))
            .collect(),
        exclude: vec![dirs.data.clone(), dirs.cache.clone()],
        ..DiscoverOptions::default()
    };
    let discovery = discover(&roots, &options)?;
    let added = if args.add {
        Some(library.add_places(&discovery.places)?)
    } else {
        None
    };
    if args.json {
        return print_json(&Report { discovery, added });
    }
    print_discovery(&discovery);
    if let Some(added) = added {
        print_added(&added);
    }
    Ok(())
}

fn print_discovery(found: &Discovery) {
    if found.places.is_empty() {
        println!("No music found in {}.", found.roots.join(", "));
    } else {
        println!(
            "Found {} in {} ({}):",
            count(found.songs, "song"),
            count(found.places.len() as u64, "place"),
            size(found.bytes)
        );
        for place in &found.places {
            let samples = if place.samples.is_empty() {
                String::new()
            } else {
                format!("  ({})", place.samples.join(", "))
            };
            let known = if place.in_library {
                "  [in the library]"
            } else {
                ""
            };
            println!(
                "{:>14} {:>9}  {}{samples}{known}",
                count(place.songs, "song"),
                size(place.bytes),
                place.path.display()
            );
        }
    }
    if found.stray.songs > 0 {
        println!(
            "{} outside these places, in {}{}",
            count(found.stray.songs, "song"),
            found.stray.folders.join(", "),
            if found.stray.folder_count > found.stray.folders.len() as u64 {
                ", …"
            } else {
                ""
            }
        );
    }
    let skipped = skipped(&found.skipped);
    if !skipped.is_empty() {
        println!("Folders not looked in: {}.", skipped.join(", "));
    }
    if found.unreadable_count > 0 {
        println!(
            "{} could not be read:",
            count(found.unreadable_count, "folder")
        );
        for problem in &found.unreadable {
            println!("  {}: {}", problem.path, problem.reason);
        }
        if found.unreadable_count > found.unreadable.len() as u64 {
            println!("  …");
        }
    }
}

fn print_added(added: &[PlaceAdded]) {
    let mut new = 0;
    for place in added {
        let path = place.path.display();
        match &place.outcome {
            AddOutcome::Added { folder } => {
                new += 1;
                println!("added {}", folder.path);
            }
            AddOutcome::InLibrary { folder } => {
                println!("already in the library: {path} (music folder {folder})");
            }
            AddOutcome::Overlaps { folder } => {
                println!("not added: {path} holds the music folder {folder}");
            }
            AddOutcome::Failed { reason } => println!("not added: {path}: {reason}"),
        }
    }
    if new > 0 {
        println!(
            "Run `tonearm scan` to read the new {}.",
            if new == 1 { "folder" } else { "folders" }
        );
    }
}

/// What was not walked, by reason ("hidden 2"), the zero counts left out.
fn skipped(s: &SkippedFolders) -> Vec<String> {
    [
        ("hidden", s.hidden),
        ("system", s.system),
        ("applications", s.application),
        ("trash", s.trash),
        ("caches", s.cache),
        ("development", s.development),
        ("other apps' and games'", s.private_store),
        ("Tonearm's own", s.excluded),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(what, n)| format!("{what} {n}"))
    .collect()
}

/// `1 song`, `12,430 songs`.
fn count(n: u64, noun: &str) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} {noun}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(1, "song"), "1 song");
        assert_eq!(count(0, "place"), "0 places");
        assert_eq!(count(12_430, "song"), "12,430 songs");
        assert_eq!(count(1_000_000, "song"), "1,000,000 songs");
    }

    #[test]
    fn skipped_folders_read_as_one_phrase() {
        let s = SkippedFolders {
            hidden: 2,
            trash: 1,
            ..SkippedFolders::default()
        };
        assert_eq!(skipped(&s), ["hidden 2", "trash 1"]);
        assert!(skipped(&SkippedFolders::default()).is_empty());
    }
}
