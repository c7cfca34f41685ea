//! The catalog part: 100,000 tracks in one account, written through the server's own store
//! before a second server starts on them (as if restarted on an existing library), then asked
//! over OpenSubsonic (`/rest`, JSON, token authentication as apps send it) by one keep-alive
//! client, one request at a time; each figure is the time to the whole response body.

use super::{Backend, CpuSnapshot, Deployment, Externals, Goal, PASSWORD, percentile};
use anyhow::{Context, Result, bail};
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};
use tonearm_protocol::{AudioFormat, BlobHash, TrackId, TrackMetadata};
use tonearm_server::Config;
use tonearm_server::catalog::{AlbumId, Play, fold};
use tonearm_testkit::rng::Rng;
use tonearm_testkit::server_process::{ServerProcess, status_kib};
use tonearm_testkit::vocabulary::{
    self, ADJECTIVES, FIRST_NAMES, GENRES, LAST_NAMES, NOUNS, WORDS, cover_jpeg,
};

pub const USER: &str = "bench";
const TRACKS: usize = 100_000;
/// Album artists: every first name with every last name, then every band name.
const ARTISTS: usize = FIRST_NAMES.len() * LAST_NAMES.len() + ADJECTIVES.len() * NOUNS.len();
/// One album in this many has a real cover (about 500 of 8,000).
const COVER_EVERY: usize = 16;
/// Covers are drawn this many pixels a side (a typical store-bought cover is 1000-1400).
const COVER_SIDE: u32 = 1000;
/// One album in this many is a compilation (various artists, no album artist).
const COMPILATION_EVERY: usize = 20;
const PLAYS: usize = 20_000;
const SAMPLES: usize = 600;
const WARM_UP: usize = 50;
pub const PAGE: usize = 50;

const EDITIONS: [&str; 6] = [
    " (Deluxe)",
    " (Live)",
    " (Remastered)",
    " Vol. II",
    " (Édition Limitée)",
    " (En Directo)",
];
const VERSIONS: [&str; 6] = [
    " (Live)",
    " (Remix)",
    " (Acoustic)",
    " (Radio Edit)",
    " (Demo)",
    " (Versión en Español)",
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
    let (adjective, noun) = (
        ADJECTIVES[band % ADJECTIVES.len()],
        NOUNS[band / ADJECTIVES.len()],
    );
    if band.is_multiple_of(2) {
        format!("The {adjective} {noun}")
    } else {
        format!("{adjective} {noun}")
    }
}

/// One to `most` words of the list, each capitalised.
fn words(rng: &mut Rng, most: usize) -> String {
    vocabulary::words(rng, WORDS, most)
}

/// One in `n`.
fn chance(rng: &mut Rng, n: usize) -> bool {
    rng.below(n) == 0
}

struct PlannedTrack {
    id: TrackId,
    size: u64,
    metadata: TrackMetadata,
}

/// The library to fill, and what the measurements ask about.
pub struct Library {
    tracks: Vec<PlannedTrack>,
    pub albums: Vec<AlbumId>,
    /// Albums with a cover, and the covers (JPEG).
    covered: Vec<AlbumId>,
    covers: Vec<Vec<u8>>,
    /// The first two words of some titles: two-word queries with hits.
    pub two_words: Vec<String>,
    album_artists: usize,
    compilations: usize,
}

fn cover(index: usize) -> Result<Vec<u8>> {
    Ok(cover_jpeg(index, COVER_SIDE))
}

/// About 8,000 albums of 10 to 15 songs by 2,500 album artists (a few prolific, most with
/// one to three albums), one in twenty a compilation; genres and years vary, a tenth of
/// the names carry accents, and titles come from a word list.
fn plan() -> Result<Library> {
    let mut rng = Rng::new(0x746f_6e65);
    // Each artist gets one album first, in a shuffled order; then prolific ones more.
    let mut order: Vec<usize> = (0..ARTISTS).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let formats = [
        (AudioFormat::Flac, 900),
        (AudioFormat::Flac, 1000),
        (AudioFormat::Mp3, 320),
        (AudioFormat::Mp3, 256),
        (AudioFormat::M4a, 256),
        (AudioFormat::Ogg, 192),
        (AudioFormat::Opus, 128),
        (AudioFormat::Mp3, 192),
    ];
    let mut library = Library {
        tracks: Vec::with_capacity(TRACKS),
        albums: Vec::new(),
        covered: Vec::new(),
        covers: Vec::new(),
        two_words: Vec::new(),
        album_artists: 0,
        compilations: 0,
    };
    let mut taken = HashSet::new();
    let mut artists_used = HashSet::new();
    let mut next_artist = 0;
    let mut album_index = 0;
    while library.tracks.len() < TRACKS {
        let compilation = album_index % COMPILATION_EVERY == COMPILATION_EVERY / 2;
        let artist_index = if next_artist < ARTISTS {
            next_artist += 1;
            order[next_artist - 1]
        } else {
            // The smaller of two draws: low indexes get many albums.
            rng.below(ARTISTS).min(rng.below(ARTISTS))
        };
        let artist = artist_name(artist_index);
        let mut title = words(&mut rng, 3);
        if chance(&mut rng, 7) {
            title.push_str(EDITIONS[rng.below(EDITIONS.len())]);
        }
        let album_artist = if compilation {
            tonearm_server::catalog::ids::VARIOUS_ARTISTS.to_owned()
        } else {
            artist.clone()
        };
        let mut numbered = title.clone();
        let mut round = 1;
        while !taken.insert((fold(&album_artist), fold(&numbered))) {
            round += 1;
            numbered = format!("{title} {round}");
        }
        let title = numbered;
        let id = AlbumId::of(&album_artist, &title);
        artists_used.insert(album_artist.clone());
        library.compilations += usize::from(compilation);
        let genre = if compilation || chance(&mut rng, 5) {
            GENRES[rng.below(GENRES.len())]
        } else {
            GENRES[artist_index % GENRES.len()]
        };
        let year = (!chance(&mut rng, 50)).then(|| 1960 + rng.below(66) as i32);
        let (format, kbps) = formats[rng.below(formats.len())];
        let artwork = (album_index % COVER_EVERY == 3).then(|| {
            library.covered.push(id.clone());
            library.covers.len()
        });
        let artwork = match artwork {
            Some(index) => {
                let bytes = cover(index)?;
                let hash = BlobHash::of(&bytes);
                library.covers.push(bytes);
                Some(hash)
            }
            None => None,
        };
        let songs = (10 + rng.below(6)).min(TRACKS - library.tracks.len());
        let discs = if chance(&mut rng, 16) { 2 } else { 1 };
        let per_disc = songs.div_ceil(discs);
        // Most taggers write the album artist; without it, the track artist stands in.
        let tagged_album_artist = !compilation && !chance(&mut rng, 4);
        for number in 0..songs {
            let mut song_title = words(&mut rng, 4);
            if chance(&mut rng, 10) {
                song_title.push_str(VERSIONS[rng.below(VERSIONS.len())]);
            }
            if library.two_words.len() < 100 && song_title.split(' ').count() >= 2 {
                let pair: Vec<&str> = song_title.split(' ').take(2).collect();
                library.two_words.push(pair.join(" "));
            }
            let track_artist = if compilation {
                artist_name(rng.below(ARTISTS))
            } else if chance(&mut rng, 12) {
                format!("{artist}; {}", artist_name(rng.below(ARTISTS)))
            } else {
                artist.clone()
            };
            let duration_ms = 120_000 + rng.below(360_000) as u64;
            library.tracks.push(PlannedTrack {
                id: TrackId(uuid::Uuid::from_u64_pair(rng.next_u64(), rng.next_u64())),
                size: duration_ms * kbps / 8,
                metadata: TrackMetadata {
                    title: Some(song_title),
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
                    composer: chance(&mut rng, 4)
                        .then(|| artist_name(rng.below(FIRST_NAMES.len() * LAST_NAMES.len()))),
                    compilation: compilation.then_some(true),
                    artwork: artwork.clone(),
                    format,
                    ..TrackMetadata::default()
                },
            });
        }
        library.albums.push(id);
        album_index += 1;
    }
    library.album_artists = artists_used.len();
    Ok(library)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Writes the library through the server's store on `deployment`'s stores (blobs need not
/// exist for the catalog), then some plays, so `frequent` has albums to list; returns the
/// albums played.
async fn fill(
    deployment: &Deployment,
    data_dir: &Path,
    library: &Library,
    username: &str,
) -> Result<usize> {
    let config = deployment.config(data_dir);
    let store = tonearm_server::backends::open_store(&config).await?;
    let user = store
        .user_by_name(username)
        .await?
        .context("the bench account")?
        .id;
    let started = Instant::now();
    let now = now();
    for (index, track) in library.tracks.iter().enumerate() {
        let hash = BlobHash::of(&(index as u64).to_le_bytes());
        store.add_blob(user, &hash, track.size, now).await?;
        store
            .create_track(user, track.id, &hash, &track.metadata)
            .await?;
    }
    let tracks_took = started.elapsed();
    let (plays, played) = plays(library, now);
    for batch in plays.chunks(1_000) {
        store.record_plays(user, batch).await?;
    }
    drop(store);
    let size = match deployment.backend {
        Backend::Local => {
            let db = data_dir.join("tonearm.db");
            if let Some(keep) = std::env::var_os("BENCH_KEEP_DB") {
                std::fs::copy(&db, keep)?;
            }
            let size = |path: &Path| std::fs::metadata(path).map_or(0, |m| m.len());
            size(&db) + size(&data_dir.join("tonearm.db-wal"))
        }
        Backend::Remote => {
            // What autovacuum does to a library that grew over months, after five minutes of
            // bulk writes: the visibility map set (index-only scans) and statistics fresh.
            let vacuumed = Instant::now();
            deployment.psql("VACUUM ANALYZE")?;
            println!(
                "VACUUM ANALYZE after the fill: {:.1} s",
                vacuumed.elapsed().as_secs_f64()
            );
            deployment.database_size().unwrap_or(0)
        }
    };
    println!(
        "filled {} tracks on {} in {:.1} s ({:.0} tracks/s: add_blob + create_track, one transaction each), {PLAYS} plays in {:.1} s; database {:.0} MB",
        library.tracks.len(),
        deployment.backend.name(),
        tracks_took.as_secs_f64(),
        library.tracks.len() as f64 / tracks_took.as_secs_f64(),
        (started.elapsed() - tracks_took).as_secs_f64(),
        size as f64 / 1e6,
    );
    Ok(played)
}

/// Plays of the library's songs (skewed: a few songs are played often, most never), and how
/// many albums they touch.
fn plays(library: &Library, now: i64) -> (Vec<Play>, usize) {
    let mut rng = Rng::new(99);
    let mut plays = Vec::with_capacity(PLAYS);
    let mut played = HashSet::new();
    for index in 0..PLAYS {
        let track = rng
            .below(TRACKS)
            .min(rng.below(TRACKS))
            .min(rng.below(TRACKS));
        let m = &library.tracks[track].metadata;
        let (artist, album) = tonearm_server::catalog::ids::album_of(
            m.album.as_deref(),
            m.album_artist.as_deref(),
            m.artist.as_deref(),
            m.compilation == Some(true),
        );
        played.insert(AlbumId::of(&artist, &album));
        plays.push(Play {
            id: format!("bench-{index}"),
            track: library.tracks[track].id,
            played_at: now - rng.below(365 * 86_400) as i64,
        });
    }
    (plays, played.len())
}

/// The account and the library on `deployment`'s stores, without measuring anything (for the
/// replicas when the catalog part did not run).
pub async fn fill_only(library: &Library, deployment: &Deployment) -> Result<()> {
    let server = tokio::task::block_in_place(|| {
        ServerProcess::launch(&deployment.options().account(USER, PASSWORD), |data_dir| {
            tokio::runtime::Handle::current()
                .block_on(fill(deployment, data_dir, library, USER))
                .expect("the library is written");
        })
    });
    drop(server);
    Ok(())
}

/// `fill-web`: the account `username` (its password read from stdin), the library written
/// as `fill` writes it, and the covers kept as `PUT /api/v1/artwork` keeps them (the bytes
/// in the blob store, the record in the store), so that a server started on `data_dir`
/// serves a library that looks like a real one, covers included.
pub async fn fill_web(data_dir: &Path, username: &str) -> Result<()> {
    use tonearm_server::BlobStore;
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("reading the password from stdin")?;
    let password = password.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        bail!("no password on standard input");
    }
    if data_dir.join("tonearm.db").exists() {
        bail!("{} already holds a server's data", data_dir.display());
    }
    let started = Instant::now();
    let library = plan()?;
    println!(
        "planned {} tracks on {} albums, {} covers in {:.1} s",
        library.tracks.len(),
        library.albums.len(),
        library.covers.len(),
        started.elapsed().as_secs_f64()
    );
    {
        let config = Config::new(data_dir);
        let store = tonearm_server::backends::open_store(&config).await?;
        let vault = tonearm_server::open_vault(&config, &*store).await?;
        tonearm_server::users::add(&*store, &vault, username, password).await?;
    }
    fill(
        &Deployment::new(Backend::Local)?,
        data_dir,
        &library,
        username,
    )
    .await?;
    let store = tonearm_server::backends::open_store(&Config::new(data_dir)).await?;
    let user = store
        .user_by_name(username)
        .await?
        .context("the account just made")?
        .id;
    let blobs = tonearm_server::ObjectBlobStore::local(&data_dir.join("blobs"))?;
    for bytes in &library.covers {
        let hash = BlobHash::of(bytes);
        let artwork = tonearm_server::artwork::inspect(&hash, bytes)?;
        blobs.put(&hash, bytes::Bytes::from(bytes.clone())).await?;
        store.add_artwork(user, &artwork).await?;
    }
    println!(
        "{} filled for {username} in {:.1} s",
        data_dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One keep-alive connection asking `/rest` as the bench user (token authentication).
struct Client<'a> {
    http: reqwest::Client,
    base: String,
    auth: Vec<(&'static str, String)>,
    /// The server's process and the stores', whose CPU each measurement reports.
    pid: u32,
    externals: &'a Externals,
    backend: Backend,
}

type Params = Vec<(&'static str, String)>;

/// What a measurement found: each response's time, its mean size and items, and the CPU time
/// each request cost the server (and PostgreSQL).
struct Figures {
    times: Vec<Duration>,
    bytes: u64,
    items: usize,
    cpu: String,
}

impl Client<'_> {
    fn request(&self, method: &str, params: &Params) -> Result<reqwest::Request> {
        Ok(self
            .http
            .get(format!("{}/rest/{method}", self.base))
            .query(&self.auth)
            .query(params)
            .build()?)
    }

    /// The time from sending to the last byte of the body, and the body; the answer is
    /// checked after the clock stops.
    async fn time(
        &self,
        request: reqwest::Request,
    ) -> Result<(Duration, reqwest::header::HeaderMap, bytes::Bytes)> {
        let began = Instant::now();
        let response = self.http.execute(request).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        let took = began.elapsed();
        if status != reqwest::StatusCode::OK {
            bail!("HTTP {status}");
        }
        Ok((took, headers, body))
    }

    /// `samples` requests made by `make` (from index `WARM_UP` on; the first `WARM_UP`
    /// warm up and are not counted), each checked to be a successful answer.
    async fn measure(
        &self,
        warm_up: usize,
        samples: usize,
        mut make: impl FnMut(usize) -> (&'static str, Params),
    ) -> Result<Figures> {
        let mut figures = Figures {
            times: Vec::with_capacity(samples),
            bytes: 0,
            items: 0,
            cpu: String::new(),
        };
        let mut cpu = CpuSnapshot::take(&[self.pid], self.externals);
        for index in 0..warm_up + samples {
            if index == warm_up {
                cpu = CpuSnapshot::take(&[self.pid], self.externals);
            }
            let (method, params) = make(index);
            let request = self.request(method, &params)?;
            let (took, headers, body) = self.time(request).await?;
            let items = check(method, &headers, &body)?;
            if index >= warm_up {
                figures.times.push(took);
                figures.bytes += body.len() as u64;
                figures.items += items;
            }
        }
        figures.cpu =
            CpuSnapshot::take(&[self.pid], self.externals).per_request(&cpu, samples, self.backend);
        Ok(figures)
    }
}

/// Items in an answer (objects with an id); an image counts one. Fails on an error answer.
fn check(method: &str, headers: &reqwest::header::HeaderMap, body: &[u8]) -> Result<usize> {
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("image/") {
        return Ok(1);
    }
    let answer: serde_json::Value = serde_json::from_slice(body)?;
    let answer = &answer["subsonic-response"];
    if answer["status"] != "ok" {
        bail!("{method} failed: {answer}");
    }
    fn count(value: &serde_json::Value) -> usize {
        match value {
            // An album's `artists` repeat its artist: not items of their own.
            serde_json::Value::Object(map) => {
                let item = map.contains_key("id");
                usize::from(item)
                    + map
                        .iter()
                        .filter(|(key, _)| !(item && *key == "artists"))
                        .map(|(_, value)| count(value))
                        .sum::<usize>()
            }
            serde_json::Value::Array(items) => items.iter().map(count).sum(),
            _ => 0,
        }
    }
    Ok(count(answer))
}

/// One request's figure for the table at the end.
pub struct Measured {
    pub label: String,
    pub p99: f64,
    pub goal: Goal,
}

fn report(label: &str, figures: &mut Figures, goal_ms: f64) -> Measured {
    figures.times.sort();
    let n = figures.times.len();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p99 = ms(percentile(&figures.times, 0.99));
    println!(
        "{label:<58} p50 {:>6.2}  p99 {:>6.2}  max {:>6.2} ms  {} ({n} requests, {:.1} items, {:.1} KB, {} each)",
        ms(percentile(&figures.times, 0.5)),
        p99,
        figures.times.last().map_or(0.0, |d| ms(*d)),
        if goal_ms <= 0.0 {
            String::new()
        } else if p99 < goal_ms {
            format!("[goal p99 < {goal_ms} ms: met]")
        } else {
            format!("[goal p99 < {goal_ms} ms: MISSED]")
        },
        figures.items as f64 / n as f64,
        figures.bytes as f64 / n as f64 / 1e3,
        figures.cpu,
    );
    let short = label.split(" (").next().unwrap_or(label);
    Measured {
        label: format!("catalog p99: {short}"),
        p99,
        goal: if goal_ms > 0.0 {
            Goal::Below(goal_ms, "ms")
        } else {
            Goal::None
        },
    }
}

/// Plans the library (the same on every backend) and says what it holds.
pub fn plan_and_report() -> Result<Library> {
    println!("== catalog: {TRACKS} tracks in one account ==");
    let started = Instant::now();
    let library = plan()?;
    println!(
        "planned {} tracks on {} albums ({} compilations) by {} album artists, {} covers of {COVER_SIDE}x{COVER_SIDE} JPEG ({:.0} KB on average) in {:.1} s",
        library.tracks.len(),
        library.albums.len(),
        library.compilations,
        library.album_artists,
        library.covers.len(),
        library.covers.iter().map(Vec::len).sum::<usize>() as f64
            / library.covers.len() as f64
            / 1e3,
        started.elapsed().as_secs_f64()
    );
    Ok(library)
}

/// The account's Subsonic token authentication (`u`, `t`, `s`, ...), as apps send it.
pub fn subsonic_auth() -> Vec<(&'static str, String)> {
    let salt = "b3nchs4lt";
    vec![
        ("u", USER.to_owned()),
        ("t", {
            use md5::Digest;
            let digest = md5::Md5::digest(format!("{PASSWORD}{salt}").as_bytes());
            digest.iter().map(|b| format!("{b:02x}")).collect()
        }),
        ("s", salt.to_owned()),
        ("v", "1.16.1".to_owned()),
        ("c", "bench".to_owned()),
        ("f", "json".to_owned()),
    ]
}

/// The three-letter prefixes searched for (2,000 to 8,000 songs match each).
pub const PREFIXES: [&str; 12] = [
    "lov", "nig", "hea", "dre", "sum", "riv", "gol", "mid", "dan", "sil", "bro", "cit",
];

/// A server on `deployment`'s stores with the library filled in before it starts, asked in
/// sequence; returns each request's p99 and goal.
pub async fn run(
    library: &Library,
    deployment: &Deployment,
    externals: &Externals,
) -> Result<Vec<Measured>> {
    let backend = deployment.backend;
    println!("-- catalog on {} --", backend.name());
    let server = if deployment.filled {
        // A catalog filled by an earlier run (BENCH_REMOTE_CATALOG): the account is there.
        ServerProcess::launch(&deployment.options(), |_| {})
    } else {
        tokio::task::block_in_place(|| {
            ServerProcess::launch(&deployment.options().account(USER, PASSWORD), |data_dir| {
                tokio::runtime::Handle::current()
                    .block_on(fill(deployment, data_dir, library, USER))
                    .expect("the library is written");
            })
        })
    };
    let played_albums = plays(library, now()).1;
    let (base, pid) = (server.base().to_owned(), server.pid());
    println!("catalog server: pid {pid}, {played_albums} albums played");

    // Covers, uploaded as devices do, and named in their tracks since the fill.
    let http = reqwest::Client::builder().tcp_nodelay(true).build()?;
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&serde_json::json!({"username": USER, "password": PASSWORD, "device": "bench"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("token")?.to_owned();
    let uploading = Instant::now();
    for bytes in &library.covers {
        let response = http
            .put(format!("{base}/api/v1/artwork/{}", BlobHash::of(bytes)))
            .bearer_auth(&token)
            .body(bytes.clone())
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::NO_CONTENT {
            bail!("cover upload failed: {}", response.status());
        }
    }
    println!(
        "{} covers uploaded (PUT /api/v1/artwork) in {:.1} s",
        library.covers.len(),
        uploading.elapsed().as_secs_f64()
    );

    let client = Client {
        http,
        base: base.clone(),
        auth: subsonic_auth(),
        pid,
        externals,
        backend,
    };
    let cpu = CpuSnapshot::take(&[pid], externals);
    let mut measured = Vec::new();
    let mut rng = Rng::new(7);
    let albums = library.albums.len();
    let pages = |rng: &mut Rng, items: usize| (rng.below(items.div_ceil(PAGE)) * PAGE).to_string();

    for (kind, items) in [
        ("newest", albums),
        ("alphabeticalByName", albums),
        ("random", PAGE),
        ("frequent", played_albums),
    ] {
        let mut figures = client
            .measure(WARM_UP, SAMPLES, |_| {
                (
                    "getAlbumList2",
                    vec![
                        ("type", kind.to_owned()),
                        ("size", PAGE.to_string()),
                        ("offset", pages(&mut rng, items)),
                    ],
                )
            })
            .await?;
        let offsets = match items.saturating_sub(PAGE) {
            0 => "offset 0".to_owned(),
            last => format!("offsets 0-{last}"),
        };
        measured.push(report(
            &format!("getAlbumList2 {kind} (size {PAGE}, {offsets})"),
            &mut figures,
            20.0,
        ));
    }

    let mut figures = client
        .measure(WARM_UP, SAMPLES, |_| ("getArtists", Params::new()))
        .await?;
    measured.push(report("getArtists (the whole index)", &mut figures, 20.0));

    let queries: [(&str, Vec<String>); 5] = [
        (
            "1 letter",
            ["a", "s", "m", "l", "t", "b", "c", "d"]
                .map(String::from)
                .to_vec(),
        ),
        ("3-letter prefix", PREFIXES.map(String::from).to_vec()),
        ("two words", library.two_words.clone()),
        (
            "accented",
            [
                "café",
                "corazón",
                "mañana",
                "björklund",
                "dvořák",
                "zoë",
                "été",
                "søren",
                "lumière",
                "señor",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            "no hits",
            ["zzyzx", "qwertyuiop", "xylophonic", "jjjj", "vvvvv"]
                .map(String::from)
                .to_vec(),
        ),
    ];
    for (kind, list) in &queries {
        let mut figures = client
            .measure(WARM_UP, SAMPLES, |index| {
                ("search3", vec![("query", list[index % list.len()].clone())])
            })
            .await?;
        measured.push(report(
            &format!("search3 {kind} (e.g. {:?}, default counts)", list[0]),
            &mut figures,
            20.0,
        ));
    }

    let mut figures = client
        .measure(WARM_UP, SAMPLES, |_| {
            (
                "search3",
                vec![
                    ("query", String::new()),
                    ("songCount", "500".to_owned()),
                    ("songOffset", (rng.below(TRACKS / 500) * 500).to_string()),
                    ("artistCount", "0".to_owned()),
                    ("albumCount", "0".to_owned()),
                ],
            )
        })
        .await?;
    measured.push(report(
        &format!(
            "search3 \"\" paged (songCount 500, offsets 0-{})",
            TRACKS - 500
        ),
        &mut figures,
        20.0,
    ));

    let mut figures = client
        .measure(WARM_UP, SAMPLES, |_| {
            (
                "getAlbum",
                vec![("id", library.albums[rng.below(albums)].to_string())],
            )
        })
        .await?;
    measured.push(report("getAlbum (random albums)", &mut figures, 0.0));

    // Each covered album's first thumbnail is made on that request.
    let covered = &library.covered;
    let mut figures = client
        .measure(0, covered.len(), |index| {
            (
                "getCoverArt",
                vec![
                    ("id", covered[index].to_string()),
                    ("size", "300".to_owned()),
                ],
            )
        })
        .await?;
    measured.push(report(
        &format!("getCoverArt size 300, first request (made from {COVER_SIDE} px)"),
        &mut figures,
        0.0,
    ));
    let mut figures = client
        .measure(WARM_UP, SAMPLES, |_| {
            (
                "getCoverArt",
                vec![
                    ("id", covered[rng.below(covered.len())].to_string()),
                    ("size", "300".to_owned()),
                ],
            )
        })
        .await?;
    measured.push(report("getCoverArt size 300, cached", &mut figures, 5.0));

    println!(
        "catalog server: {} over the measurements; rss {:.1} MiB, peak (VmHWM) {:.1} MiB",
        CpuSnapshot::take(&[pid], externals).since(&cpu, backend),
        status_kib(pid, "VmRSS:") as f64 / 1024.0,
        status_kib(pid, "VmHWM:") as f64 / 1024.0
    );
    Ok(measured)
}
