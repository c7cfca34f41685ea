//! The replicas part: one PostgreSQL database and one S3 bucket holding the 100,000-track
//! catalog and a few real songs, served by one replica, then by two (the same vault key file,
//! data directories of their own). The same clients each time: [`CLIENTS`] keep-alive
//! connections spread round-robin over the replicas, as a load balancer would, each making a
//! typical mix of requests back to back (small range reads of songs, albums, list pages,
//! searches). After a warm-up (every replica's blob cache holds the songs, the database's
//! pages are read), they run for [`MEASURE`]; the figure is the requests answered per second,
//! with the p50 and p99 of the whole response.

use super::catalog::{Library, PAGE, PREFIXES, USER, subsonic_auth};
use super::{Backend, CpuSnapshot, Deployment, Externals, Goal, PASSWORD, Summary, ms, percentile};
use anyhow::{Context, Result, bail};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Barrier;
use tonearm_protocol::BlobHash;
use tonearm_testkit::rng::Rng;
use tonearm_testkit::server_process::ServerProcess;

/// Connections, each making one request at a time.
const CLIENTS: usize = 64;
/// Requests of each client before the clock starts.
const WARM_UP: usize = 20;
/// How long each measurement runs.
const MEASURE: Duration = Duration::from_secs(10);
/// Songs with real bytes, for the range reads.
const SONGS: usize = 8;
const SONG_BYTES: usize = 8 * 1024 * 1024;
const RANGE_BYTES: u64 = 64 * 1024;

/// What a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 64 KiB of a song (`/api/v1/tracks/ID/stream`, `Range`).
    Range,
    /// `getAlbum` of a random album.
    Album,
    /// A page of `getAlbumList2` (`newest` or `alphabeticalByName`).
    List,
    /// `search3`: a three-letter prefix or two words of a title.
    Search,
}

/// One client's cycle: a player reading its song while someone browses.
const MIX: [Kind; 10] = [
    Kind::Range,
    Kind::Album,
    Kind::Range,
    Kind::List,
    Kind::Range,
    Kind::Album,
    Kind::Range,
    Kind::Search,
    Kind::Range,
    Kind::List,
];

/// One measurement: so many replicas.
#[derive(Debug)]
struct Run {
    replicas: usize,
    rps: f64,
    p50: f64,
    p99: f64,
}

/// What the replicas part found.
#[derive(Debug)]
pub struct Figures {
    runs: Vec<Run>,
}

impl Figures {
    pub fn summarize(&self, summary: &mut Summary) {
        let one = self.runs.iter().find(|r| r.replicas == 1).map(|r| r.rps);
        for run in &self.runs {
            let goal = match (run.replicas, one) {
                (2, Some(one)) => Goal::Judged(format!(
                    "more than 1 replica: {} (× {:.2})",
                    if run.rps > one { "met" } else { "MISSED" },
                    run.rps / one
                )),
                _ => Goal::None,
            };
            let plural = if run.replicas == 1 { "" } else { "s" };
            summary.add(
                &format!("mixed load, {} replica{plural}: requests/s", run.replicas),
                Backend::Remote,
                run.rps,
                format!("{:.0}", run.rps),
                goal,
            );
            summary.add(
                &format!("mixed load, {} replica{plural}: p50 / p99", run.replicas),
                Backend::Remote,
                run.p99,
                format!("{:.1} / {:.1} ms", run.p50, run.p99),
                Goal::None,
            );
        }
    }
}

/// The requests clients draw from, as request heads without `Host`.
struct Requests {
    ranges: Vec<String>,
    albums: Vec<String>,
    lists: Vec<String>,
    searches: Vec<String>,
}

impl Requests {
    fn of(&self, kind: Kind, rng: &mut Rng) -> &str {
        let list = match kind {
            Kind::Range => &self.ranges,
            Kind::Album => &self.albums,
            Kind::List => &self.lists,
            Kind::Search => &self.searches,
        };
        &list[rng.below(list.len())]
    }
}

/// `library` is already in `deployment`'s database (the account too).
pub async fn run(
    library: &Library,
    deployment: &Deployment,
    externals: &Externals,
) -> Result<Figures> {
    println!(
        "== replicas: {CLIENTS} clients round-robin, a mix of range reads, albums, list pages and searches, on one PostgreSQL database and one S3 bucket =="
    );
    let first = ServerProcess::launch(&deployment.options(), |_| {});
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{}/api/v1/sessions", first.base()))
        .json(&serde_json::json!({"username": USER, "password": PASSWORD, "device": "bench"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("token")?.to_owned();
    let mut songs = Vec::new();
    for index in 0..SONGS {
        let bytes = tonearm_testkit::rng::bytes(SONG_BYTES, 1000 + index as u64);
        songs.push(upload_song(&http, first.base(), &token, bytes).await?);
    }
    let requests = Arc::new(requests(library, &songs, &token)?);

    let mut runs = Vec::new();
    let run = load(&[&first], &songs, &requests, &http, &token, externals).await?;
    runs.push(run);
    let second = ServerProcess::launch(&deployment.options(), |_| {});
    let run = load(
        &[&first, &second],
        &songs,
        &requests,
        &http,
        &token,
        externals,
    )
    .await?;
    runs.push(run);
    Ok(Figures { runs })
}

/// Uploads `bytes` (tus, one PATCH) and makes a track of it; returns the track's id and the
/// blob's hash.
async fn upload_song(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    bytes: Vec<u8>,
) -> Result<(String, String)> {
    use base64::Engine;
    let hash = BlobHash::of(&bytes).to_string();
    let metadata = format!(
        "blake3 {}",
        base64::engine::general_purpose::STANDARD.encode(hash.as_bytes())
    );
    let created = http
        .post(format!("{base}/api/v1/uploads"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header("Upload-Metadata", metadata)
        .send()
        .await?;
    let location = created
        .headers()
        .get("location")
        .context("location")?
        .to_str()?
        .to_owned();
    let response = http
        .patch(format!("{base}{location}"))
        .bearer_auth(token)
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "0")
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::NO_CONTENT {
        bail!("upload failed: {}", response.status());
    }
    let track: serde_json::Value = http
        .post(format!("{base}/api/v1/tracks"))
        .bearer_auth(token)
        .json(&serde_json::json!({"blake3": hash, "metadata": {"format": "flac", "title": "Bench song"}}))
        .send()
        .await?
        .json()
        .await?;
    let id = track["id"].as_str().context("track id")?.to_owned();
    Ok((id, hash))
}

/// Every request a client may make, written out once (the load generator shares the machine:
/// it should spend little).
fn requests(library: &Library, songs: &[(String, String)], token: &str) -> Result<Requests> {
    let mut rng = Rng::new(15);
    let subsonic = |method: &str, params: &[(&str, String)]| -> Result<String> {
        let mut url = reqwest::Url::parse(&format!("http://bench/rest/{method}"))?;
        url.query_pairs_mut()
            .extend_pairs(subsonic_auth())
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
        Ok(format!(
            "GET {}?{} HTTP/1.1\r\n",
            url.path(),
            url.query().unwrap_or_default()
        ))
    };
    let mut ranges = Vec::new();
    for _ in 0..1_000 {
        let (id, _) = &songs[rng.below(songs.len())];
        let start = rng.below(SONG_BYTES - RANGE_BYTES as usize) as u64;
        ranges.push(format!(
            "GET /api/v1/tracks/{id}/stream HTTP/1.1\r\nAuthorization: Bearer {token}\r\nRange: bytes={start}-{}\r\n",
            start + RANGE_BYTES - 1
        ));
    }
    let mut albums = Vec::new();
    for _ in 0..1_000 {
        let album = &library.albums[rng.below(library.albums.len())];
        albums.push(subsonic("getAlbum", &[("id", album.to_string())])?);
    }
    let mut lists = Vec::new();
    let pages = library.albums.len().div_ceil(PAGE);
    for index in 0..1_000 {
        let kind = if index % 2 == 0 {
            "newest"
        } else {
            "alphabeticalByName"
        };
        lists.push(subsonic(
            "getAlbumList2",
            &[
                ("type", kind.to_owned()),
                ("size", PAGE.to_string()),
                ("offset", (rng.below(pages) * PAGE).to_string()),
            ],
        )?);
    }
    let mut searches = Vec::new();
    for prefix in PREFIXES {
        searches.push(subsonic("search3", &[("query", prefix.to_owned())])?);
    }
    for words in library.two_words.iter().take(PREFIXES.len()) {
        searches.push(subsonic("search3", &[("query", words.clone())])?);
    }
    Ok(Requests {
        ranges,
        albums,
        lists,
        searches,
    })
}

/// Runs the clients against `replicas` and measures them.
async fn load(
    replicas: &[&ServerProcess],
    songs: &[(String, String)],
    requests: &Arc<Requests>,
    http: &reqwest::Client,
    token: &str,
    externals: &Externals,
) -> Result<Run> {
    let count = replicas.len();
    println!("-- {count} replica{} --", if count == 1 { "" } else { "s" });
    let barrier = Arc::new(Barrier::new(CLIENTS + 1));
    let mut tasks = Vec::new();
    for index in 0..CLIENTS {
        let addr = replicas[index % count]
            .base()
            .trim_start_matches("http://")
            .to_owned();
        let (requests, barrier) = (Arc::clone(requests), Arc::clone(&barrier));
        tasks.push(tokio::spawn(client(index, addr, requests, barrier)));
    }
    // Each replica reads every song once, then waits until it has copied them into its cache
    // (a replica answers from the object store until then).
    for replica in replicas {
        for (id, _) in songs {
            let response = http
                .get(format!("{}/api/v1/tracks/{id}/stream", replica.base()))
                .bearer_auth(token)
                .header("Range", "bytes=0-0")
                .send()
                .await?;
            if response.status() != reqwest::StatusCode::PARTIAL_CONTENT {
                bail!("a range read failed: {}", response.status());
            }
        }
    }
    barrier.wait().await;
    let waiting = Instant::now();
    for replica in replicas {
        for (_, hash) in songs {
            let cached = replica.data_dir().join("blob-cache").join(hash);
            while !cached.exists() {
                if waiting.elapsed() > Duration::from_secs(120) {
                    bail!("{} is not in the replica's cache after 120 s", hash);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    let pids: Vec<u32> = replicas.iter().map(|r| r.pid()).collect();
    let cpu = CpuSnapshot::take(&pids, externals);
    barrier.wait().await;
    let mut all = Vec::new();
    let mut by_kind: Vec<(Kind, Vec<Duration>)> =
        [Kind::Range, Kind::Album, Kind::List, Kind::Search]
            .into_iter()
            .map(|kind| (kind, Vec::new()))
            .collect();
    for task in tasks {
        for (kind, took) in task.await?? {
            all.push(took);
            if let Some((_, times)) = by_kind.iter_mut().find(|(k, _)| *k == kind) {
                times.push(took);
            }
        }
    }
    println!(
        "  {}",
        CpuSnapshot::take(&pids, externals).since(&cpu, Backend::Remote)
    );
    all.sort();
    let run = Run {
        replicas: count,
        rps: all.len() as f64 / MEASURE.as_secs_f64(),
        p50: ms(percentile(&all, 0.5)),
        p99: ms(percentile(&all, 0.99)),
    };
    println!(
        "  {} requests in {:.0} s: {:.0} requests/s, p50 {:.2} ms, p99 {:.2} ms",
        all.len(),
        MEASURE.as_secs_f64(),
        run.rps,
        run.p50,
        run.p99
    );
    for (kind, mut times) in by_kind {
        times.sort();
        if !times.is_empty() {
            println!(
                "    {kind:?}: {} requests, p50 {:.2} ms, p99 {:.2} ms",
                times.len(),
                ms(percentile(&times, 0.5)),
                ms(percentile(&times, 0.99))
            );
        }
    }
    Ok(run)
}

/// One client: a keep-alive connection making the mix's requests back to back; warms up, waits
/// for the start, then counts what it gets answered before the end. A hand-written HTTP/1.1
/// client, as for the range clients, keeps the load generator's CPU small.
async fn client(
    index: usize,
    addr: String,
    requests: Arc<Requests>,
    barrier: Arc<Barrier>,
) -> Result<Vec<(Kind, Duration)>> {
    let mut rng = Rng::new(index as u64 + 1);
    let mut connection = match Connection::open(&addr).await {
        Ok(connection) => connection,
        Err(error) => {
            barrier.wait().await;
            barrier.wait().await;
            return Err(error);
        }
    };
    let mut step = index;
    let mut next = |rng: &mut Rng| {
        step += 1;
        let kind = MIX[step % MIX.len()];
        (
            kind,
            format!("{}Host: {addr}\r\n\r\n", requests.of(kind, rng)),
        )
    };
    let mut warm_up = Ok(());
    for _ in 0..WARM_UP {
        let (kind, request) = next(&mut rng);
        warm_up = connection.exchange(kind, &request).await;
        if warm_up.is_err() {
            break;
        }
    }
    // Whatever happened, the others wait for this one at the barrier.
    barrier.wait().await;
    barrier.wait().await;
    warm_up?;
    let deadline = Instant::now() + MEASURE;
    let mut times = Vec::new();
    loop {
        let (kind, request) = next(&mut rng);
        let began = Instant::now();
        if began >= deadline {
            break;
        }
        connection.exchange(kind, &request).await?;
        let ended = Instant::now();
        if ended <= deadline {
            times.push((kind, ended - began));
        }
    }
    Ok(times)
}

/// A keep-alive HTTP/1.1 connection, and the response being read (`buf[..filled]`).
struct Connection {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
    filled: usize,
}

impl Connection {
    async fn open(addr: &str) -> Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: vec![0; 512 * 1024],
            filled: 0,
        })
    }

    /// Sends `request` and reads the whole response; fails unless it is a success (206 for a
    /// range, 200 and a Subsonic `ok` otherwise).
    async fn exchange(&mut self, kind: Kind, request: &str) -> Result<()> {
        self.stream.write_all(request.as_bytes()).await?;
        self.filled = 0;
        let header_end = loop {
            self.fill().await?;
            if let Some(at) = self.buf[..self.filled]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
            {
                break at + 4;
            }
        };
        let head = std::str::from_utf8(&self.buf[..header_end])?.to_ascii_lowercase();
        let wanted = if kind == Kind::Range {
            "http/1.1 206"
        } else {
            "http/1.1 200"
        };
        if !head.starts_with(wanted) {
            bail!("unexpected response to {request:?}: {head}");
        }
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .map(|v| v.trim().parse::<usize>())
            .transpose()?;
        match length {
            Some(length) => {
                while self.filled < header_end + length {
                    self.fill().await?;
                }
            }
            None if head.contains("transfer-encoding: chunked") => {
                let mut at = header_end;
                loop {
                    let line_end = loop {
                        if let Some(i) = self.buf[at..self.filled]
                            .windows(2)
                            .position(|w| w == b"\r\n")
                        {
                            break at + i;
                        }
                        self.fill().await?;
                    };
                    let size = std::str::from_utf8(&self.buf[at..line_end])?;
                    let size = size.split(';').next().unwrap_or_default().trim();
                    let size = usize::from_str_radix(size, 16)?;
                    at = line_end + 2 + size + 2;
                    while self.filled < at {
                        self.fill().await?;
                    }
                    if size == 0 {
                        break;
                    }
                }
            }
            None => bail!("a response without a length: {head}"),
        }
        if kind != Kind::Range {
            let body = &self.buf[header_end..self.filled];
            // The envelope's keys are sorted: its status is near the end.
            if !body[body.len().saturating_sub(200)..]
                .windows(13)
                .any(|w| w == b"\"status\":\"ok\"")
            {
                bail!(
                    "a failed answer to {request:?}: {}",
                    String::from_utf8_lossy(body)
                );
            }
        }
        Ok(())
    }

    /// Reads more of the response.
    async fn fill(&mut self) -> Result<()> {
        if self.filled == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let read = self.stream.read(&mut self.buf[self.filled..]).await?;
        if read == 0 {
            bail!("the server closed the connection");
        }
        self.filled += read;
        Ok(())
    }
}
