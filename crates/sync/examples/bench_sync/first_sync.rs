//! The first sync of a new device (issue 18): a cloud library of 100,000 tracks with their
//! playlists, plays and covers, pulled by a device that has never synced, while the library is
//! browsed the way the Songs and Albums views do.
//!
//! The account is filled through the server's own store (`add_blob` + `create_track`, the
//! blobs need not exist for the feed), playlists through `apply_playlist_ops` and plays through
//! `record_plays`; covers go up through `PUT /api/v1/artwork` as a device sends them. Every
//! one of those writes is a change of the feed, which is what a new device reads.
//!
//! `BENCH_SYNC_TRACKS` changes the size (for a profile at a smaller scale);
//! `BENCH_SYNC_SERVER_DIR` keeps the filled server's data there and reuses it on the next run
//! (filling takes minutes; the sync does not change what the server holds).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tonearm_library::Library;
use tonearm_library::query::{TrackFilter, TrackSort};
use tonearm_protocol::{
    AudioFormat, BlobHash, EntryId, OpId, PlaylistAction, PlaylistId, PlaylistOp, TrackId,
    TrackMetadata,
};
use tonearm_sync::{Cloud, Settings};
use tonearm_testkit::locker::PASSWORD;
use tonearm_testkit::rng::Rng;
use tonearm_testkit::vocabulary::{
    self, ADJECTIVES, FIRST_NAMES, GENRES, LAST_NAMES, NOUNS, cover_jpeg,
};

const USER: &str = "first";
const DEFAULT_TRACKS: usize = 100_000;
/// One album in this many has a cover (about 500 of 8,000, as the server's catalog bench).
const COVER_EVERY: usize = 16;
/// Covers are drawn this many pixels a side (a store-bought cover is 1000-1400).
const COVER_SIDE: u32 = 1000;
const COMPILATION_EVERY: usize = 20;
const PLAYLISTS: usize = 300;
const PLAYS: usize = 20_000;
/// The songs page the Songs view asks for, and the albums page of the Albums view.
const SONGS_PAGE: u64 = 100;
const ALBUMS_PAGE: u64 = 50;
/// A browsing query every this long while the sync runs.
const BROWSE_EVERY: Duration = Duration::from_millis(100);

/// Words of titles: fewer than `vocabulary::WORDS` (an account a run keeps, with
/// `BENCH_SYNC_SERVER_DIR`, was filled from these).
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "love", "night", "heart", "dream", "fire", "rain", "summer", "winter", "river", "light",
    "shadow", "dance", "blue", "gold", "silver", "midnight", "morning", "evening", "sun", "moon",
    "star", "sky", "ocean", "sea", "waves", "road", "home", "city", "lights", "girl", "boy",
    "time", "forever", "tonight", "alone", "together", "away", "back", "run", "falling", "rise",
    "burning", "cold", "warm", "wild", "free", "broken", "lost", "found", "hold", "eyes", "soul",
    "tears", "kiss", "song", "sweet", "little", "last", "first", "new", "old", "young", "days",
    "world", "paradise", "heaven", "angel", "ghost", "echoes", "mirror", "glass", "paper",
    "stone", "velvet", "electric", "neon", "crystal", "diamond", "bright", "dark", "secret",
    "silent", "quiet", "crazy", "happy", "lonely", "beautiful", "strange", "highway", "train",
    "garden", "roses", "wine", "honey", "thunder", "storm", "wind", "island", "desert",
    "mountain", "north", "south", "memories", "story", "letters", "promise", "goodbye", "hello",
    "yesterday", "tomorrow", "always", "never", "again", "alive", "slow", "fast", "high", "deep",
    "door", "window", "house", "street", "birds", "horses", "queen", "king", "sunset", "sunrise",
    "harbour", "tide", "fever", "magic", "machine", "radio", "motel", "london", "paris", "tokyo",
    "café", "corazón", "mañana", "été", "noël", "déjà", "über", "amor", "canción", "lumière",
    "soleil", "nuit", "fiesta", "vida", "sueño", "kärlek", "hjärta", "jóga", "smörgås",
];

fn artist_name(index: usize) -> String {
    let persons = FIRST_NAMES.len() * LAST_NAMES.len();
    if index < persons {
        return format!(
            "{} {}",
            FIRST_NAMES[index % FIRST_NAMES.len()],
            LAST_NAMES[index / FIRST_NAMES.len()]
        );
    }
    let band = index - persons;
    format!(
        "The {} {}",
        ADJECTIVES[band % ADJECTIVES.len()],
        NOUNS[band / ADJECTIVES.len() % NOUNS.len()]
    )
}

const ARTISTS: usize = FIRST_NAMES.len() * LAST_NAMES.len() + ADJECTIVES.len() * NOUNS.len();

fn words(rng: &mut Rng, most: usize) -> String {
    vocabulary::words(rng, WORDS, most)
}

/// What the account holds.
struct Plan {
    tracks: Vec<(TrackId, u64, TrackMetadata)>,
    albums: usize,
    /// How many covers there are, which one each track names (drawn only to fill the
    /// account), and the first track of each covered album.
    covers: usize,
    cover_of: Vec<Option<usize>>,
    covered: Vec<TrackId>,
    playlists: Vec<(PlaylistId, String, Vec<usize>)>,
}

impl Plan {
    fn entries(&self) -> usize {
        self.playlists.iter().map(|p| p.2.len()).sum()
    }
}

fn cover(index: usize) -> Vec<u8> {
    cover_jpeg(index, COVER_SIDE)
}

/// About 8,000 albums of 10 to 15 songs by 2,500 album artists (a few prolific), one in twenty
/// a compilation, one in twelve songs with a featured artist, a quarter with a composer; 24
/// genres, years 1960-2025, accented names; 300 playlists of 10 to 100 songs (one in fifty of
/// 1,000).
fn plan(tracks: usize) -> Plan {
    let mut rng = Rng::new(0x6669_7273);
    let formats = [
        (AudioFormat::Flac, 900),
        (AudioFormat::Mp3, 320),
        (AudioFormat::Mp3, 256),
        (AudioFormat::M4a, 256),
        (AudioFormat::Ogg, 192),
        (AudioFormat::Opus, 128),
    ];
    let mut planned = Vec::with_capacity(tracks);
    // Which cover each track names (drawn once the plan is made).
    let mut cover_of: Vec<Option<usize>> = Vec::with_capacity(tracks);
    let mut covered = Vec::new();
    let mut cover_count = 0;
    let mut album = 0;
    while planned.len() < tracks {
        let compilation = album % COMPILATION_EVERY == COMPILATION_EVERY / 2;
        let artist_index = if album < ARTISTS {
            (album * 7919) % ARTISTS
        } else {
            rng.below(ARTISTS).min(rng.below(ARTISTS))
        };
        let artist = artist_name(artist_index);
        let title = format!("{} {album}", words(&mut rng, 3));
        let genre = if compilation || rng.below(5) == 0 {
            GENRES[rng.below(GENRES.len())]
        } else {
            GENRES[artist_index % GENRES.len()]
        };
        let year = (rng.below(50) != 0).then(|| 1960 + rng.below(66) as i32);
        let (format, kbps) = formats[rng.below(formats.len())];
        let artwork = (album % COVER_EVERY == 3).then(|| {
            cover_count += 1;
            covered.push(planned.len());
            cover_count - 1
        });
        let songs = (10 + rng.below(6)).min(tracks - planned.len());
        let discs = if rng.below(16) == 0 { 2 } else { 1 };
        let per_disc = songs.div_ceil(discs);
        let tagged_album_artist = !compilation && rng.below(4) != 0;
        for number in 0..songs {
            let track_artist = if compilation {
                artist_name(rng.below(ARTISTS))
            } else if rng.below(12) == 0 {
                format!("{artist}; {}", artist_name(rng.below(ARTISTS)))
            } else {
                artist.clone()
            };
            let duration_ms = 120_000 + rng.below(360_000) as u64;
            let id = TrackId(uuid::Uuid::from_u64_pair(rng.next_u64(), rng.next_u64()));
            cover_of.push(artwork);
            planned.push((
                id,
                duration_ms * kbps / 8,
                TrackMetadata {
                    title: Some(words(&mut rng, 4)),
                    artist: Some(track_artist),
                    album: Some(title.clone()),
                    album_artist: tagged_album_artist.then(|| artist.clone()),
                    genre: Some(genre.to_owned()),
                    year,
                    track_number: Some((number % per_disc + 1) as u32),
                    disc_number: (discs > 1).then_some((number / per_disc + 1) as u32),
                    duration_ms: Some(duration_ms),
                    track_total: Some(per_disc as u32),
                    disc_total: (discs > 1).then_some(discs as u32),
                    composer: (rng.below(4) == 0).then(|| artist_name(rng.below(1600))),
                    compilation: compilation.then_some(true),
                    format,
                    ..TrackMetadata::default()
                },
            ));
        }
        album += 1;
    }
    let playlists = (0..PLAYLISTS)
        .map(|p| {
            let len = if p % 50 == 7 {
                1_000
            } else {
                10 + rng.below(91)
            };
            let songs = (0..len.min(planned.len()))
                .map(|_| rng.below(planned.len()))
                .collect();
            (
                PlaylistId(uuid::Uuid::from_u64_pair(rng.next_u64(), rng.next_u64())),
                words(&mut rng, 3),
                songs,
            )
        })
        .collect();
    Plan {
        covered: covered.iter().map(|&i| planned[i].0).collect(),
        tracks: planned,
        albums: album,
        covers: cover_count,
        cover_of,
        playlists,
    }
}

fn draw_covers(count: usize) -> Vec<Vec<u8>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut covers: Vec<(usize, Vec<u8>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t..count)
                        .step_by(threads)
                        .map(|i| (i, cover(i)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a cover thread"))
            .collect()
    });
    covers.sort_by_key(|(i, _)| *i);
    covers.into_iter().map(|(_, c)| c).collect()
}

/// Writes the plan into the account: tracks through the store, covers over HTTP as devices
/// send them, playlists and plays through the store.
async fn fill(server: &tonearm_server::RunningServer, url: &tonearm_sync::ServerUrl, plan: &Plan) {
    let store = server.store();
    let user = store
        .user_by_name(USER)
        .await
        .expect("the store answers")
        .expect("the account")
        .id;
    // Covers are drawn on both cores; the tracks then name them.
    let covers = draw_covers(plan.covers);
    let hashes: Vec<BlobHash> = covers.iter().map(|c| BlobHash::of(c)).collect();
    let started = Instant::now();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    for (index, (id, size, metadata)) in plan.tracks.iter().enumerate() {
        let hash = BlobHash::of(&(index as u64).to_le_bytes());
        let mut metadata = metadata.clone();
        metadata.artwork = plan.cover_of[index].map(|i| hashes[i].clone());
        store
            .add_blob(user, &hash, *size, now)
            .await
            .expect("a blob");
        store
            .create_track(user, *id, &hash, &metadata)
            .await
            .expect("a track");
    }
    let tracks_took = started.elapsed();
    let client = tonearm_sync::Client::new(url).expect("a client");
    let login = client.login(USER, PASSWORD, "filler").await.expect("login");
    let client = client.with_token(&login.token);
    for cover in &covers {
        client
            .put_artwork(BlobHash::of(cover).as_str(), cover.clone())
            .await
            .expect("a cover");
    }
    let mut ops = Vec::new();
    for (id, name, songs) in &plan.playlists {
        ops.push(PlaylistOp {
            op_id: OpId::new_random(),
            action: PlaylistAction::CreatePlaylist {
                playlist_id: *id,
                name: name.clone(),
            },
        });
        let positions = tonearm_protocol::position::spread(songs.len());
        for (song, position) in songs.iter().zip(positions) {
            ops.push(PlaylistOp {
                op_id: OpId::new_random(),
                action: PlaylistAction::AddEntry {
                    playlist_id: *id,
                    entry_id: EntryId::new_random(),
                    track_id: plan.tracks[*song].0,
                    position,
                },
            });
        }
    }
    for batch in ops.chunks(1_000) {
        store
            .apply_playlist_ops(user, batch)
            .await
            .expect("playlist ops");
    }
    let mut rng = Rng::new(99);
    let plays: Vec<tonearm_server::catalog::Play> = (0..PLAYS)
        .map(|index| {
            // Skewed: a few songs are played often, most never.
            let n = plan.tracks.len();
            let track = rng.below(n).min(rng.below(n)).min(rng.below(n));
            tonearm_server::catalog::Play {
                id: format!("bench-{index}"),
                track: plan.tracks[track].0,
                played_at: now - rng.below(365 * 86_400) as i64,
            }
        })
        .collect();
    for batch in plays.chunks(1_000) {
        store.record_plays(user, batch).await.expect("plays");
    }
    println!(
        "filled the account: {} tracks in {:.0} s (one transaction each), {} covers ({:.0} MB), {} playlists with {} entries, {PLAYS} plays; {:.0} s in all",
        plan.tracks.len(),
        tracks_took.as_secs_f64(),
        covers.len(),
        covers.iter().map(Vec::len).sum::<usize>() as f64 / 1e6,
        plan.playlists.len(),
        plan.entries(),
        started.elapsed().as_secs_f64()
    );
}

/// What the browsing thread saw.
#[derive(Default)]
struct Browsing {
    /// When the first page of songs and of albums could be listed in full.
    songs_at: Option<Duration>,
    albums_at: Option<Duration>,
    songs: Vec<Duration>,
    albums: Vec<Duration>,
    /// An album of that page opened: its songs, as the album's page lists them.
    album_songs: Vec<Duration>,
    /// The library's totals, as the views ask for them each time they read the library again.
    totals: Vec<Duration>,
    /// A small write of the app (a preference) at each turn: it waits for the writer.
    writes: Vec<Duration>,
}

/// Lists the first page of songs (by artist, as the Songs view opens) and of albums, opens
/// one of those albums (a different one each turn), reads the library's totals, and saves a preference (a write, as the
/// app makes when a song is rated or a setting changes), every [`BROWSE_EVERY`] until `done`;
/// before the first full page, every 10 ms, to time it.
fn browse(library: &Library, started: Instant, done: &AtomicBool) -> Browsing {
    let mut seen = Browsing::default();
    let mut next = Instant::now();
    while !done.load(Ordering::Relaxed) {
        let asked = Instant::now();
        let songs = library
            .tracks(
                &TrackFilter::default(),
                TrackSort::Artist,
                false,
                0,
                SONGS_PAGE,
            )
            .expect("songs");
        let answered = Instant::now();
        let albums = library.albums(false, 0, ALBUMS_PAGE).expect("albums");
        let albums_answered = Instant::now();
        if let Some(album) = albums
            .items
            .get(seen.albums.len() % albums.items.len().max(1))
        {
            let filter = TrackFilter {
                album_key: Some(album.key.clone()),
                ..TrackFilter::default()
            };
            let opened = Instant::now();
            library
                .tracks(&filter, TrackSort::Album, false, 0, SONGS_PAGE)
                .expect("an album's songs");
            seen.album_songs.push(opened.elapsed());
        }
        let counted = Instant::now();
        library.stats().expect("the library's totals");
        seen.totals.push(counted.elapsed());
        let written = Instant::now();
        library
            .set_preference("bench.probe", &seen.writes.len().to_string())
            .expect("a preference");
        seen.songs.push(answered - asked);
        seen.albums.push(albums_answered - answered);
        seen.writes.push(written.elapsed());
        if seen.songs_at.is_none() && songs.items.len() as u64 == SONGS_PAGE {
            seen.songs_at = Some(answered - started);
        }
        if seen.albums_at.is_none() && albums.items.len() as u64 == ALBUMS_PAGE {
            seen.albums_at = Some(albums_answered - started);
        }
        let every = if seen.songs_at.is_some() && seen.albums_at.is_some() {
            BROWSE_EVERY
        } else {
            Duration::from_millis(10)
        };
        next += every;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now;
        }
    }
    seen
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1e3
}

/// CPU seconds this process has used (user + system): the server runs in it too.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// A server over `data_dir`, its account made (and filled) unless it is there already.
async fn server_with_account(
    data_dir: &Path,
    plan: &Plan,
) -> (tonearm_server::RunningServer, tonearm_sync::ServerUrl) {
    let mut config = tonearm_server::Config::new(data_dir);
    config.listen = "127.0.0.1:0".parse().expect("an address");
    config.maintenance_interval = None;
    let server = tonearm_server::spawn(config)
        .await
        .expect("the server starts");
    let url: tonearm_sync::ServerUrl = server.base_url().parse().expect("a server address");
    let marker = data_dir.join(format!("bench-first-sync-{}", plan.tracks.len()));
    if !marker.exists() {
        tonearm_server::users::add(&*server.store(), server.vault(), USER, PASSWORD)
            .await
            .expect("the account");
        fill(&server, &url, plan).await;
        std::fs::write(&marker, b"filled\n").expect("marker");
    } else {
        println!("reusing the account filled in {}", data_dir.display());
    }
    (server, url)
}

/// The pull as it was before issue 18, for the figure beside today's: pages of 500, each
/// change in its own transaction (summaries rebuilt after every track), a missing cover
/// fetched when a track names it. Through the same public calls the sync engine made.
async fn reference_pull(library: &Library, client: &tonearm_sync::Client) -> u64 {
    use tonearm_protocol::ChangeEvent;
    let mut cursor = 0;
    let mut applied = 0;
    loop {
        let page = client.changes(cursor, 500).await.expect("a page");
        for change in &page.changes {
            match &change.event {
                ChangeEvent::TrackUpserted { track } => {
                    let mut metadata = tonearm_sync::upload::from_protocol(&track.metadata);
                    if let Some(hash) = metadata.artwork.clone()
                        && !library.has_artwork(&hash).expect("artwork")
                    {
                        let fetched = match client.get_artwork(&hash).await {
                            Ok(bytes) => library.add_artwork(&bytes).expect("cover"),
                            Err(_) => None,
                        };
                        if fetched.is_none() {
                            metadata.artwork = None;
                        }
                    }
                    library
                        .apply_remote_track(&tonearm_library::cloud::RemoteTrack {
                            id: tonearm_library::TrackId(track.id.0),
                            blake3: track.blake3.as_str().to_owned(),
                            size: track.size,
                            metadata,
                            revision: track.revision,
                        })
                        .expect("a track");
                }
                ChangeEvent::PlaylistUpserted { playlist } => library
                    .apply_remote_playlist(
                        tonearm_library::PlaylistId(playlist.id.0),
                        &playlist.name,
                    )
                    .expect("a playlist"),
                ChangeEvent::EntryUpserted { entry } => library
                    .apply_remote_entry(
                        tonearm_library::PlaylistId(entry.playlist_id.0),
                        tonearm_library::EntryId(entry.id.0),
                        tonearm_library::TrackId(entry.track_id.0),
                        &entry.position,
                    )
                    .expect("an entry"),
                ChangeEvent::TrackMarks { marks } => library
                    .apply_remote_marks(
                        tonearm_library::TrackId(marks.track_id.0),
                        &tonearm_library::history::CloudMarks {
                            play_count: marks.play_count,
                            played_at: marks.played_at,
                            stars: marks.rating,
                            loved: marks.loved,
                        },
                    )
                    .expect("marks"),
                other => panic!("the bench's feed has no {other:?}"),
            }
            applied += 1;
        }
        cursor = page.next.max(cursor);
        library
            .set_sync_value("feed_cursor", Some(&cursor.to_string()))
            .expect("cursor");
        if !page.more {
            return applied;
        }
    }
}

/// One new device's first sync, browsed meanwhile: `reference` runs [`reference_pull`]
/// instead of [`Cloud::sync`].
fn measure(
    runtime: &tokio::runtime::Runtime,
    root: &Path,
    name: &str,
    url: &tonearm_sync::ServerUrl,
    plan: &Plan,
    reference: bool,
) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("device dir");
    let library = Arc::new(Library::open(&dir, &dir.join("cache")).expect("library"));
    let cloud: Arc<Cloud> =
        tonearm_testkit::device::open_cloud(&dir, library.clone(), Settings::default());
    runtime
        .block_on(cloud.login(url, USER, PASSWORD))
        .expect("login");

    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let cpu_before = cpu_seconds();
    let browsing = {
        let (library, done) = (library.clone(), done.clone());
        std::thread::spawn(move || browse(&library, started, &done))
    };
    let changes = if reference {
        let client = cloud.client().expect("logged in");
        runtime.block_on(reference_pull(&library, &client))
    } else {
        runtime
            .block_on(cloud.sync())
            .expect("the first sync")
            .changes_applied
    };
    let took = started.elapsed();
    let cpu = cpu_seconds() - cpu_before;
    done.store(true, Ordering::Relaxed);
    let mut seen = browsing.join().expect("the browsing thread");

    let stats = library.stats().expect("stats");
    assert_eq!(stats.cloud as usize, plan.tracks.len(), "{stats:?}");
    assert_eq!(stats.playlists as usize, plan.playlists.len(), "{stats:?}");
    for id in &plan.covered {
        let track = library
            .track(tonearm_library::TrackId(id.0))
            .expect("a covered track");
        assert!(track.artwork_id.is_some(), "track {id:?} has no cover");
    }
    let page = library
        .tracks(
            &TrackFilter::default(),
            TrackSort::Artist,
            false,
            0,
            SONGS_PAGE,
        )
        .expect("songs");
    assert_eq!(page.total as usize, plan.tracks.len());

    seen.songs.sort();
    seen.albums.sort();
    seen.album_songs.sort();
    seen.totals.sort();
    seen.writes.sort();
    let secs =
        |d: Option<Duration>| d.map_or("never".to_owned(), |d| format!("{:.2} s", d.as_secs_f64()));
    let what = if reference {
        "before issue 18 (pages of 500, a transaction per change)"
    } else {
        "now"
    };
    println!(
        "first sync of a new device, {what}: {} tracks ({changes} changes: tracks, {} playlists with {} entries, plays; {} covers; {} albums, {} artists, {} genres here): {:.2} s, {:.0} changes/s, {:.1} CPU s (client + server)",
        plan.tracks.len(),
        stats.playlists,
        plan.entries(),
        plan.covers,
        stats.albums,
        stats.artists,
        stats.genres,
        took.as_secs_f64(),
        changes as f64 / took.as_secs_f64(),
        cpu,
    );
    println!(
        "  browsable: first {SONGS_PAGE} songs listed after {}, first {ALBUMS_PAGE} albums after {}",
        secs(seen.songs_at),
        secs(seen.albums_at)
    );
    println!(
        "  during the sync, {} songs pages ({SONGS_PAGE}, by artist, with the total): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; albums pages ({ALBUMS_PAGE}): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; an album's songs: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        seen.songs.len(),
        percentile(&seen.songs, 0.5),
        percentile(&seen.songs, 0.99),
        percentile(&seen.songs, 1.0),
        percentile(&seen.albums, 0.5),
        percentile(&seen.albums, 0.99),
        percentile(&seen.albums, 1.0),
        percentile(&seen.album_songs, 0.5),
        percentile(&seen.album_songs, 0.99),
        percentile(&seen.album_songs, 1.0),
    );
    println!(
        "  the library's totals during the sync: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&seen.totals, 0.5),
        percentile(&seen.totals, 0.99),
        percentile(&seen.totals, 1.0),
    );
    println!(
        "  a write of the app during the sync (a preference, waiting for the writer): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&seen.writes, 0.5),
        percentile(&seen.writes, 0.99),
        percentile(&seen.writes, 1.0),
    );
    drop(cloud);
    drop(library);
    std::fs::remove_dir_all(&dir).ok();
}

/// The first sync of a new device: wall time to done, and when (and how fast) it could be
/// browsed meanwhile; with `reference`, the same for the pull as it was before, first.
pub fn run(runtime: &tokio::runtime::Runtime, root: &Path, reference: bool) {
    let tracks = std::env::var("BENCH_SYNC_TRACKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_TRACKS);
    let planning = Instant::now();
    let plan = plan(tracks);
    println!(
        "planned {} tracks on {} albums, {} covers, {} playlists ({} entries) in {:.1} s",
        plan.tracks.len(),
        plan.albums,
        plan.covers,
        plan.playlists.len(),
        plan.entries(),
        planning.elapsed().as_secs_f64()
    );
    let data_dir: PathBuf = match std::env::var_os("BENCH_SYNC_SERVER_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => root.join("first-sync-server"),
    };
    std::fs::create_dir_all(&data_dir).expect("server dir");
    let (server, url) = runtime.block_on(server_with_account(&data_dir, &plan));
    if reference {
        measure(runtime, root, "reference-device", &url, &plan, true);
    }
    measure(runtime, root, "new-device", &url, &plan, false);
    runtime.block_on(server.shutdown());
}
