//! `tonearm`: the library from a terminal, for scripts and for people without the app open.
//!
//! Shares the desktop app's data directory (so both see one library); `--data-dir` or
//! `TONEARM_DATA_DIR` points it elsewhere. With `--json`, commands print one JSON document on
//! stdout whose shape is documented in `docs/cli.md` and kept stable; human-readable output
//! may change. Errors go to stderr with exit status 1 (2 for usage errors).

mod cloud;
mod commands;
mod discover;
mod free_up;
mod import;
mod paths;
mod restore;
mod tag;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "tonearm",
    version,
    about = "Tonearm music library from the command line"
)]
struct Cli {
    /// Keep the library here instead of the app's data directory.
    #[arg(long, env = "TONEARM_DATA_DIR", global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Add, remove or list music folders.
    #[command(subcommand)]
    Folders(commands::FoldersCommand),
    /// Scan the music folders and print what changed.
    Scan {
        #[arg(long)]
        json: bool,
    },
    /// List tracks with every stored field.
    Tracks(commands::TracksArgs),
    /// Search as you type: words match as prefixes; `artist:`, `album:`, `year:1990-1999`...
    Search {
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: u64,
        #[arg(long)]
        json: bool,
    },
    /// Totals: tracks, albums, artists, genres, duration, size.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Create, edit, import and export playlists.
    #[command(subcommand)]
    Playlist(commands::PlaylistCommand),
    /// Import from another music app: `import itunes FILE` (the library iTunes and Apple
    /// Music export: ratings, loves, plays, skips, dates, playlists).
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Show and edit tags (written into the files; cloud-only tracks in the cloud).
    #[command(subcommand)]
    Tag(tag::TagCommand),
    /// The cloud locker: log in, upload, sync.
    #[command(subcommand)]
    Cloud(cloud::CloudCommand),
    /// Everything, into one folder: every song's file (downloading those only in the
    /// cloud), the playlists as M3U8, ratings, loves and plays as JSON (docs/cli.md).
    Export(restore::ExportArgs),
    /// Keep cloud tracks on this device, playable offline.
    Pin {
        #[arg(required = true)]
        tracks: Vec<tonearm_library::TrackId>,
    },
    /// Stop keeping cloud tracks offline (their bytes may be evicted from the cache).
    Unpin {
        #[arg(required = true)]
        tracks: Vec<tonearm_library::TrackId>,
    },
    /// Play tracks (library ids or file paths) through the default audio output, to the end.
    Play {
        /// Track ids from the library, or paths of audio files.
        #[arg(required = true, value_name = "TRACK_ID|PATH")]
        items: Vec<String>,
        /// off, track, album, or auto (album gain when the tracks are one album in order).
        #[arg(long, default_value = "auto", value_name = "MODE")]
        replaygain: tonearm_player::gain::ReplayGainMode,
        /// Added to the ReplayGain, in dB.
        #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
        preamp: f64,
        /// The gain for tracks without ReplayGain tags, in dB.
        #[arg(
            long,
            default_value_t = 0.0,
            allow_negative_numbers = true,
            value_name = "DB"
        )]
        fallback_gain: f64,
    },
}

fn main() {
    let cli = Cli::parse();
    if let Err(error) = run(cli) {
        eprintln!("tonearm: error: {}", message(&error));
        std::process::exit(1);
    }
}

/// The error and its causes on one line, except under a network failure: its sentence names
/// the server, what happened and what to try, and the HTTP stack's account below it would
/// only bury that.
fn message(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause.to_string());
        if cause
            .downcast_ref::<tonearm_sync::SyncError>()
            .is_some_and(tonearm_sync::SyncError::is_network)
        {
            break;
        }
    }
    text
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let dirs = paths::Dirs::resolve(cli.data_dir)?;
    let library = std::sync::Arc::new(tonearm_library::Library::open(&dirs.data, &dirs.cache)?);
    match cli.command {
        Command::Folders(command) => commands::folders(&library, &dirs, command),
        Command::Scan { json } => commands::scan(&library, json),
        Command::Tracks(args) => commands::tracks(&library, args),
        Command::Search { query, limit, json } => commands::search(&library, &query, limit, json),
        Command::Stats { json } => commands::stats(&library, json),
        Command::Tag(command) => tag::run(&library, command),
        Command::Import(command) => import::run(&library, command),
        Command::Cloud(command) => cloud::run(&library, &dirs, command),
        Command::Export(args) => restore::export(&library, &dirs, args),
        Command::Pin { tracks } => cloud::pin(&library, &dirs, &tracks, true),
        Command::Unpin { tracks } => cloud::pin(&library, &dirs, &tracks, false),
        Command::Playlist(command) => commands::playlist(&library, command),
        Command::Play {
            items,
            replaygain,
            preamp,
            fallback_gain,
        } => {
            let settings = tonearm_player::gain::ReplayGainSettings {
                mode: replaygain,
                preamp_db: preamp,
                fallback_db: fallback_gain,
                ..Default::default()
            };
            commands::play(&library, &dirs, &items, settings)
        }
    }
}
