//! One function per command: parse ids, call the library (and the player through
//! `tonearm-playback` for `play`), print text or JSON.

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tonearm_library::query::{TrackFilter, TrackSort};
use tonearm_library::{
    EntryId, Library, PlaylistId, ScanControl, ScanPhase, ScanProgress, Track, TrackId,
};
use tonearm_playback::{LibraryCatalog, QueuedTrack, Source};
use tonearm_player::gain::ReplayGainSettings;
use tonearm_player::output::DefaultDevice;
use tonearm_player::{Command, Player, PlayerEvent};
use tonearm_sync::Cloud;

use crate::paths::Dirs;

pub fn print_json(value: &impl Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

fn duration(ms: Option<u64>) -> String {
    ms.map_or_else(
        || "-:--".to_owned(),
        |ms| format!("{}:{:02}", ms / 60_000, (ms / 1000) % 60),
    )
}

fn print_tracks(tracks: &[Track]) {
    for t in tracks {
        println!(
            "{}  {:>5}  {} — {} — {}{}",
            t.id,
            duration(t.duration_ms),
            t.artist.as_deref().unwrap_or("Unknown artist"),
            t.album.as_deref().unwrap_or("Unknown album"),
            t.title,
            match t.state {
                tonearm_library::TrackState::Present => String::new(),
                other => format!(
                    "  [{}]",
                    serde_json::to_string(&other)
                        .unwrap_or_default()
                        .trim_matches('"')
                ),
            }
        );
    }
}

#[derive(Debug, Subcommand)]
pub enum FoldersCommand {
    /// Add a music folder (then run `tonearm scan`).
    Add { path: PathBuf },
    /// Remove a music folder and its tracks from the library (files are not touched).
    Remove { path: PathBuf },
    /// List the music folders.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Find the folders holding music in the home folder and mounted drives (or PATHs).
    Discover(crate::discover::DiscoverArgs),
}

pub fn folders(library: &Library, dirs: &Dirs, command: FoldersCommand) -> Result<()> {
    match command {
        FoldersCommand::Discover(args) => return crate::discover::run(library, dirs, args),
        FoldersCommand::Add { path } => {
            let folder = library.add_folder(&path)?;
            println!("added {}", folder.path);
        }
        FoldersCommand::Remove { path } => {
            library.remove_folder(&path)?;
            println!("removed {}", path.display());
        }
        FoldersCommand::List { json } => {
            let folders = library.folders()?;
            if json {
                return print_json(&folders);
            }
            for f in folders {
                let state = if f.available { "" } else { "  [not available]" };
                println!("{}  {} tracks{state}", f.path, f.track_count);
            }
        }
    }
    Ok(())
}

pub fn scan(library: &Library, json: bool) -> Result<()> {
    let cancel = AtomicBool::new(false);
    let interactive = std::io::stderr().is_terminal();
    let progress = |p: &ScanProgress| {
        if interactive && p.phase != ScanPhase::Done {
            eprint!(
                "\r\x1b[K{:?}: {} found, {}/{} read ({:.0}/s)",
                p.phase, p.files_found, p.files_read, p.files_to_read, p.rate_per_sec
            );
        }
    };
    let report = library.scan(&ScanControl {
        cancel: &cancel,
        progress: &progress,
    })?;
    if interactive {
        eprint!("\r\x1b[K");
    }
    if json {
        return print_json(&report);
    }
    println!(
        "{} files in {} folders: {} added, {} updated, {} moved, {} restored, {} missing, {} unchanged ({} ms)",
        report.files_found,
        report.folders,
        report.added,
        report.updated,
        report.moved,
        report.restored,
        report.missing,
        report.unchanged,
        report.duration_ms
    );
    for p in &report.unreadable {
        println!("unreadable: {}: {}", p.path, p.reason);
    }
    for path in &report.unsupported {
        println!("unsupported format: {path}");
    }
    for p in &report.errors {
        println!("error: {}: {}", p.path, p.reason);
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct TracksArgs {
    /// Only tracks matching this search.
    #[arg(long)]
    query: Option<String>,
    /// artist, title, album, year, added, duration or plays.
    #[arg(long, default_value = "artist")]
    sort: String,
    #[arg(long)]
    descending: bool,
    #[arg(long, default_value_t = 0)]
    offset: u64,
    /// At most this many (default: all).
    #[arg(long)]
    limit: Option<u64>,
    #[arg(long)]
    json: bool,
}

pub fn tracks(library: &Library, args: TracksArgs) -> Result<()> {
    let limit = args.limit.unwrap_or(i64::MAX as u64);
    let page = match &args.query {
        Some(query) => library.search(query, args.offset, limit)?,
        None => {
            let sort: TrackSort =
                serde_json::from_value(serde_json::Value::String(args.sort.clone()))
                    .with_context(|| format!("unknown sort `{}`", args.sort))?;
            library.tracks(
                &TrackFilter::default(),
                sort,
                args.descending,
                args.offset,
                limit,
            )?
        }
    };
    if args.json {
        return print_json(&page);
    }
    print_tracks(&page.items);
    Ok(())
}

pub fn search(library: &Library, query: &str, limit: u64, json: bool) -> Result<()> {
    let page = library.search(query, 0, limit)?;
    if json {
        return print_json(&page);
    }
    print_tracks(&page.items);
    if page.total > page.items.len() as u64 {
        println!("… {} more", page.total - page.items.len() as u64);
    }
    Ok(())
}

pub fn stats(library: &Library, json: bool) -> Result<()> {
    let stats = library.stats()?;
    if json {
        return print_json(&stats);
    }
    println!(
        "tracks      {} ({} present, {} missing, {} unreadable)",
        stats.tracks, stats.present, stats.missing, stats.unreadable
    );
    println!("albums      {}", stats.albums);
    println!("artists     {}", stats.artists);
    println!("genres      {}", stats.genres);
    println!("playlists   {}", stats.playlists);
    println!(
        "duration    {:.1} h",
        stats.duration_ms as f64 / 3_600_000.0
    );
    println!("size        {:.1} MB", stats.size_bytes as f64 / 1e6);
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum PlaylistCommand {
    /// Create an empty playlist; prints its id.
    Create { name: String },
    /// List playlists.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a playlist's entries in order.
    Show {
        id: PlaylistId,
        #[arg(long)]
        json: bool,
    },
    /// Add tracks (at the end, or before entry number --at, counting from 0).
    Add {
        id: PlaylistId,
        #[arg(required = true)]
        tracks: Vec<TrackId>,
        #[arg(long)]
        at: Option<usize>,
    },
    /// Remove an entry.
    Remove { id: PlaylistId, entry: EntryId },
    /// Move an entry to position INDEX (counting from 0).
    Move {
        id: PlaylistId,
        entry: EntryId,
        index: usize,
    },
    /// Rename a playlist.
    Rename { id: PlaylistId, name: String },
    /// Delete a playlist (its tracks stay in the library).
    Delete { id: PlaylistId },
    /// Import an M3U/M3U8 file as a new playlist.
    Import {
        file: PathBuf,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Export a playlist as M3U8 with paths relative to FILE.
    Export { id: PlaylistId, file: PathBuf },
}

pub fn playlist(library: &Library, command: PlaylistCommand) -> Result<()> {
    match command {
        PlaylistCommand::Create { name } => println!("{}", library.create_playlist(&name)?),
        PlaylistCommand::List { json } => {
            let playlists = library.playlists()?;
            if json {
                return print_json(&playlists);
            }
            for p in playlists {
                println!("{}  {} ({} entries)", p.id, p.name, p.entry_count);
            }
        }
        PlaylistCommand::Show { id, json } => {
            let playlist = library.playlist(id)?;
            if json {
                return print_json(&playlist);
            }
            println!("{}", playlist.name);
            for (index, entry) in playlist.entries.iter().enumerate() {
                let what = entry.track.as_ref().map_or_else(
                    || format!("(track {} is not in this library)", entry.track_id),
                    |t| {
                        format!(
                            "{} — {}",
                            t.artist.as_deref().unwrap_or("Unknown artist"),
                            t.title
                        )
                    },
                );
                println!("{index:>4}  {}  {what}", entry.id);
            }
        }
        PlaylistCommand::Add { id, tracks, at } => {
            for track in &tracks {
                library.track(*track)?;
            }
            for entry in library.add_to_playlist(id, &tracks, at)? {
                println!("{entry}");
            }
        }
        PlaylistCommand::Remove { id, entry } => library.remove_from_playlist(id, entry)?,
        PlaylistCommand::Move { id, entry, index } => {
            library.move_in_playlist(id, entry, index)?;
        }
        PlaylistCommand::Rename { id, name } => library.rename_playlist(id, &name)?,
        PlaylistCommand::Delete { id } => library.delete_playlist(id)?,
        PlaylistCommand::Import { file, name, json } => {
            let imported = library.import_m3u(&file, name.as_deref())?;
            if json {
                return print_json(&imported);
            }
            println!("{}  {} tracks imported", imported.playlist, imported.added);
            for line in imported.unresolved {
                println!("not in the library: {line}");
            }
        }
        PlaylistCommand::Export { id, file } => {
            let written = library.export_m3u(id, &file)?;
            println!("{written} entries written to {}", file.display());
        }
    }
    Ok(())
}

/// A track id of the library, or a file.
fn play_item(library: &Library, item: &str) -> Result<QueuedTrack> {
    if let Ok(id) = item.parse::<TrackId>() {
        let mut queued = QueuedTrack::from_library(library, &[id])?;
        return queued.pop().context("the library answered for no track");
    }
    let path = PathBuf::from(item);
    anyhow::ensure!(
        path.exists(),
        "`{item}` is neither a track id of this library nor a file"
    );
    Ok(QueuedTrack::file(path))
}

/// What to call a queue entry in messages: the track's title, or the file's name.
fn title(library: &Library, item: &QueuedTrack) -> String {
    match &item.source {
        Source::Track(id) => library
            .track(*id)
            .map_or_else(|_| id.to_string(), |track| track.title),
        Source::File(path) => path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        ),
    }
}

/// Plays tracks to the end through the audio engine; a track that cannot be played is
/// reported and skipped; a track heard long enough counts as played in the library.
pub fn play(
    library: &Arc<Library>,
    dirs: &crate::paths::Dirs,
    items: &[String],
    replaygain: ReplayGainSettings,
) -> Result<()> {
    let queue = items
        .iter()
        .map(|item| play_item(library, item))
        .collect::<Result<Vec<_>>>()?;
    // Tracks that are not here stream through the sync engine, on its own runtime; it is
    // opened only when one must (a local file never touches the keychain).
    let runtime = crate::cloud::runtime()?;
    let catalog =
        LibraryCatalog::new(library.clone()).with_cloud_on_demand(runtime.handle().clone(), {
            let (library, data, cache) = (library.clone(), dirs.data.clone(), dirs.cache.clone());
            move || {
                Cloud::open(
                    library.clone(),
                    &data,
                    &cache,
                    crate::cloud::settings("", 3, None),
                )
            }
        });
    let player = Player::spawn(catalog, Box::new(DefaultDevice))?;
    let events = player.subscribe();
    // Media keys work while `tonearm play` runs, as for any player.
    let _media_keys = tonearm_player::media_controls::available()
        .then(|| {
            let identity = tonearm_player::media_controls::Identity {
                dbus_name: format!("tonearm.cli.instance{}", std::process::id()),
                display_name: "Tonearm (command line)".to_owned(),
                hwnd: None,
            };
            tonearm_player::media_controls::attach(&player, &identity)
                .inspect_err(|e| eprintln!("media keys unavailable: {e}"))
                .ok()
        })
        .flatten();
    player.send(Command::SetReplayGain(replaygain));
    player.send(Command::Play {
        items: queue,
        start: 0,
    });
    let mut announced = None;
    let mut played_any = false;
    for event in events {
        match event {
            PlayerEvent::Current(Some(now)) => {
                if let Some(info) = now.info.filter(|_| announced != Some(now.entry)) {
                    announced = Some(now.entry);
                    match info.artist {
                        Some(artist) => eprintln!("playing: {artist} — {}", info.title),
                        None => eprintln!("playing: {}", info.title),
                    }
                }
            }
            PlayerEvent::Started { .. } => played_any = true,
            PlayerEvent::Played { item } => {
                if let Some(id) = item.track_id() {
                    library.record_play(id, tonearm_library::now_ms())?;
                }
            }
            PlayerEvent::Error {
                item: Some(item),
                message,
            } => eprintln!("skipped: {}: {message}", title(library, &item)),
            PlayerEvent::Error {
                item: None,
                message,
            } => anyhow::bail!("{message}"),
            PlayerEvent::QueueEnded => break,
            _ => {}
        }
    }
    anyhow::ensure!(played_any, "nothing could be played");
    Ok(())
}
