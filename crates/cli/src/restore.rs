//! `tonearm cloud download` and `tonearm export`: the library brought out of the cloud, to
//! this device (restore) or to a folder of its own (the exit guarantee), through the sync
//! engine's `download` and `export`. Both resume what a killed run left; progress goes to
//! stderr, the report to stdout.

use anyhow::{Context, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonearm_library::normalize::sort_key;
use tonearm_library::{Library, PlaylistId, TrackId};
use tonearm_sync::{Cancel, DownloadProgress};

/// How often the progress line is redrawn.
const REDRAW_EVERY: Duration = Duration::from_millis(250);

/// `tonearm cloud download DIR [--album NAME | --artist NAME | --playlist ID]`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("selection").args(["album", "artist", "playlist"]))]
pub struct DownloadArgs {
    /// Where the songs go (`Album Artist/Album/NN Title.ext` inside); it becomes a music
    /// folder of the library unless it is inside one.
    dir: PathBuf,
    /// Only this album's songs, by name (case and accents ignored).
    #[arg(long, value_name = "NAME")]
    album: Option<String>,
    /// Only the songs credited to this artist (as artist or album artist).
    #[arg(long, value_name = "NAME")]
    artist: Option<String>,
    /// Only this playlist's songs.
    #[arg(long, value_name = "ID")]
    playlist: Option<PlaylistId>,
    /// Download bandwidth limit, in kilobytes per second.
    #[arg(long, value_name = "KB_PER_S")]
    limit: Option<u64>,
    /// Print the report as JSON (see docs/cli.md).
    #[arg(long)]
    json: bool,
}

/// `tonearm export DIR`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The folder to fill: `Music/`, `Playlists/`, `library.json`.
    dir: PathBuf,
    /// Download bandwidth limit for the songs only in the cloud, in kilobytes per second.
    #[arg(long, value_name = "KB_PER_S")]
    limit: Option<u64>,
    #[arg(long)]
    json: bool,
}

/// `tonearm cloud download`.
pub fn download(
    library: &Arc<Library>,
    dirs: &crate::paths::Dirs,
    runtime: &tokio::runtime::Runtime,
    args: DownloadArgs,
) -> Result<()> {
    let cloud = crate::cloud::open(library, dirs, crate::cloud::settings("", 3, args.limit))?;
    cloud.client()?;
    let tracks = selection(library, &args)?;
    let progress = ProgressLine::default();
    let report = runtime.block_on(cloud.download(
        tracks.as_deref(),
        &args.dir,
        &|p| progress.show(p),
        &Cancel::default(),
    ))?;
    progress.done();
    let failed = report.failed.len();
    if args.json {
        crate::commands::print_json(&report)?;
    } else {
        for failure in &report.failed {
            eprintln!(
                "failed: {}: {}",
                title(library, failure.track_id),
                failure.error
            );
        }
        println!(
            "{} songs downloaded ({} fetched); {} already on this device; {failed} failed",
            report.downloaded.len(),
            crate::cloud::size(report.bytes_fetched),
            report.already_local
        );
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} songs could not be downloaded (run the same command again to retry)"
    );
    Ok(())
}

/// `tonearm export`.
pub fn export(library: &Arc<Library>, dirs: &crate::paths::Dirs, args: ExportArgs) -> Result<()> {
    let runtime = crate::cloud::runtime()?;
    let cloud = crate::cloud::open(library, dirs, crate::cloud::settings("", 3, args.limit))?;
    let progress = ProgressLine::default();
    let report = runtime.block_on(tonearm_sync::export::export(
        library,
        Some(&cloud),
        &args.dir,
        &|p| progress.show(p),
        &Cancel::default(),
    ))?;
    progress.done();
    let failed = report.failed.len();
    if args.json {
        crate::commands::print_json(&report)?;
    } else {
        for failure in &report.failed {
            eprintln!(
                "not exported: {}: {}",
                title(library, failure.track_id),
                failure.error
            );
        }
        println!(
            "exported to {}: {} songs ({} copied, {} downloaded), {} playlists, library.json; {failed} songs missing",
            report.folder.display(),
            report.songs,
            report.copied,
            report.downloaded,
            report.playlists
        );
    }
    anyhow::ensure!(failed == 0, "{failed} songs could not be exported");
    Ok(())
}

/// The tracks the flags name, or `None` for every cloud-only song.
fn selection(library: &Library, args: &DownloadArgs) -> Result<Option<Vec<TrackId>>> {
    if let Some(id) = args.playlist {
        let playlist = library
            .playlist(id)
            .with_context(|| format!("no playlist {id}"))?;
        return Ok(Some(playlist.entries.iter().map(|e| e.track_id).collect()));
    }
    let wanted = |name: &Option<String>| name.as_deref().map(sort_key);
    let (album, artist) = (wanted(&args.album), wanted(&args.artist));
    if album.is_none() && artist.is_none() {
        return Ok(None);
    }
    let is =
        |value: &Option<String>, key: &str| value.as_deref().is_some_and(|v| sort_key(v) == key);
    let ids: Vec<TrackId> = library
        .all_tracks()?
        .into_iter()
        .filter(|t| album.as_deref().is_none_or(|key| is(&t.album, key)))
        .filter(|t| {
            artist.as_deref().is_none_or(|key| {
                is(&t.album_artist, key)
                    || is(&t.artist, key)
                    || t.artists.iter().any(|a| sort_key(a) == key)
            })
        })
        .map(|t| t.id)
        .collect();
    anyhow::ensure!(!ids.is_empty(), "no songs match");
    Ok(Some(ids))
}

fn title(library: &Library, id: TrackId) -> String {
    library
        .track(id)
        .map_or_else(|_| id.to_string(), |t| t.title)
}

/// The progress on one line of stderr, redrawn now and then.
#[derive(Debug, Default)]
struct ProgressLine {
    drawn: Mutex<Option<Instant>>,
}

impl ProgressLine {
    fn show(&self, p: &DownloadProgress) {
        let Ok(mut drawn) = self.drawn.lock() else {
            return;
        };
        let last = p.tracks_done == p.tracks_total;
        if !last && drawn.is_some_and(|at| at.elapsed() < REDRAW_EVERY) {
            return;
        }
        *drawn = Some(Instant::now());
        let eta = p
            .eta_seconds
            .map_or_else(String::new, |s| format!(", {} left", duration(s)));
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{} of {}, {} of {} songs, {}/s{eta}\x1b[K",
            crate::cloud::size(p.bytes_done),
            crate::cloud::size(p.bytes_total),
            p.tracks_done,
            p.tracks_total,
            crate::cloud::size(p.bytes_per_second)
        );
        let _ = err.flush();
    }

    fn done(&self) {
        if self.drawn.lock().is_ok_and(|d| d.is_some()) {
            eprintln!();
        }
    }
}

/// Seconds for people: `42 s`, `3 min`, `1 h 20 min`.
fn duration(seconds: u64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}
