//! One function per command: parse ids, call the library, print text or JSON.

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
use tonearm_player::catalog::{AlbumPosition, Catalog, OpenTrack, Playable, TrackInfo};
use tonearm_player::gain::{ReplayGainSettings, TrackGain};
use tonearm_player::output::DefaultDevice;
use tonearm_player::source::ReaderSource;
use tonearm_player::{Command, Player, PlayerEvent};

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
}

pub fn folders(library: &Library, command: FoldersCommand) -> Result<()> {
    match command {
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

/// Which album a track belongs to and where in it, for ReplayGain's album-in-order check.
fn album_position(
    artist: Option<&str>,
    album: Option<&str>,
    disc: Option<u32>,
    track: Option<u32>,
) -> Option<AlbumPosition> {
    Some(AlbumPosition {
        album: format!("{}\u{1f}{}", artist.unwrap_or(""), album?),
        disc: disc.unwrap_or(1),
        track: track.unwrap_or(0),
    })
}

/// Where a track's bytes are.
#[derive(Debug, Clone, PartialEq)]
enum ItemSource {
    File(PathBuf),
    /// Only in the cloud: streamed through the cache.
    Cloud(TrackId),
}

/// A track to play, resolved up front: where it is, what to call it, its gain.
#[derive(Debug, Clone, PartialEq)]
struct PlayItem {
    source: ItemSource,
    info: TrackInfo,
    gain: TrackGain,
    album: Option<AlbumPosition>,
    /// The library's track, when it is one (its plays are counted).
    track: Option<TrackId>,
}

impl Playable for PlayItem {
    fn album(&self) -> Option<&AlbumPosition> {
        self.album.as_ref()
    }
}

/// Opens files, and cloud tracks through the sync engine when there are any.
struct PlayCatalog {
    cloud: Option<(Arc<tonearm_sync::Cloud>, tokio::runtime::Handle)>,
}

impl Catalog for PlayCatalog {
    type Item = PlayItem;
    fn open(&self, item: &PlayItem) -> Result<OpenTrack, tonearm_player::PlayerError> {
        match &item.source {
            ItemSource::File(path) => OpenTrack::file(path, item.info.clone(), item.gain),
            ItemSource::Cloud(track) => {
                let (cloud, runtime) = self.cloud.as_ref().ok_or_else(|| {
                    tonearm_player::PlayerError::Unavailable("not connected to the cloud".into())
                })?;
                let reader = cloud
                    .open_track(*track, runtime.clone())
                    .map_err(|e| tonearm_player::PlayerError::Unavailable(e.to_string()))?;
                let len = reader.len();
                Ok(OpenTrack {
                    source: Box::new(ReaderSource::new(reader, Some(len))),
                    extension: None,
                    info: item.info.clone(),
                    gain: item.gain,
                })
            }
        }
    }
}

fn gain_of(rg: &tonearm_library::model::ReplayGain) -> TrackGain {
    TrackGain {
        track_gain: rg.track_gain,
        track_peak: rg.track_peak,
        album_gain: rg.album_gain,
        album_peak: rg.album_peak,
    }
}

/// A track id of the library, or a file.
fn play_item(library: &Library, item: &str) -> Result<PlayItem> {
    if let Ok(id) = item.parse::<TrackId>() {
        let track = library.track(id)?;
        let artist = track.album_artist.as_deref().or(track.artist.as_deref());
        // The cover, for the OS media controls.
        let artwork = track.artwork_id.as_ref().and_then(|artwork| {
            library
                .thumbnail(artwork, tonearm_library::artwork::ThumbnailSize::Large)
                .ok()
                .flatten()
        });
        return Ok(PlayItem {
            album: album_position(
                artist,
                track.album.as_deref(),
                track.disc_no,
                track.track_no,
            ),
            // Only in the cloud, or gone from this device but in the cloud: stream it.
            source: if track.state == tonearm_library::TrackState::Cloud
                || (track.state == tonearm_library::TrackState::Missing
                    && library.cloud_file(id)?.is_some())
            {
                ItemSource::Cloud(id)
            } else {
                ItemSource::File(PathBuf::from(&track.path))
            },
            gain: gain_of(&track.replaygain),
            info: TrackInfo {
                title: track.title,
                artist: track.artist,
                album: track.album,
                duration: track.duration_ms.map(std::time::Duration::from_millis),
                artwork,
            },
            track: Some(id),
        });
    }
    let path = PathBuf::from(item);
    anyhow::ensure!(
        path.exists(),
        "`{item}` is neither a track id of this library nor a file"
    );
    let tags = tonearm_library::scan::read::read_file(&path).ok();
    let album = tags.as_ref().and_then(|t| {
        let artist = t
            .album_artists
            .first()
            .or(t.artists.first())
            .map(String::as_str);
        album_position(artist, t.album.as_deref(), t.disc_no, t.track_no)
    });
    Ok(PlayItem {
        info: TrackInfo {
            title: path
                .file_name()
                .map_or_else(|| item.to_owned(), |n| n.to_string_lossy().into_owned()),
            ..TrackInfo::default()
        },
        gain: tags
            .as_ref()
            .map_or_else(TrackGain::default, |t| gain_of(&t.replaygain)),
        album,
        source: ItemSource::File(path),
        track: None,
    })
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
    // Cloud tracks stream through the sync engine, on its own runtime.
    let runtime = queue
        .iter()
        .any(|item| matches!(item.source, ItemSource::Cloud(_)))
        .then(crate::cloud::runtime)
        .transpose()?;
    let cloud = match &runtime {
        Some(runtime) => Some((
            crate::cloud::open(library, dirs, crate::cloud::settings("", 3, None))?,
            runtime.handle().clone(),
        )),
        None => None,
    };
    let player = Player::spawn(PlayCatalog { cloud }, Box::new(DefaultDevice))?;
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
                if let Some(id) = item.track {
                    library.record_play(id, tonearm_library::now_ms())?;
                }
            }
            PlayerEvent::Error {
                item: Some(item),
                message,
            } => eprintln!("skipped: {}: {message}", item.info.title),
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
