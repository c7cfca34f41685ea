//! The streaming part: upload throughput, then 200 keep-alive clients asking for random 64 KiB
//! ranges of the last upload, with the server's memory sampled meanwhile.
//!
//! Before the clients start, one range is read (its time to first byte is printed: on an object
//! store the replica answers it from the store) and, on an object store, the benchmark waits
//! until the replica has copied the blob into its local cache, as it does on a first read: the
//! clients measure a replica serving a song it has streamed before. (Reads while the copy is
//! under way go to the store each; moto, a single Python process, reads the whole 256 MiB
//! object for every range it serves, so 200 clients then measure nothing but moto.)

use super::{Backend, CpuSnapshot, Deployment, Externals, Goal, PASSWORD, Summary, ms, percentile};
use anyhow::{Context, Result, bail};
use bytes::Bytes;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tonearm_testkit::server_process::{ServerProcess, cpu_seconds, status_kib};

const UPLOAD_BYTES: usize = 256 * 1024 * 1024;
const UPLOAD_ROUNDS: u64 = 3;
const CLIENTS: usize = 200;
const REQUESTS_PER_CLIENT: usize = 100;
const RANGE_BYTES: u64 = 64 * 1024;

/// One range phase's figures.
#[derive(Debug)]
pub struct RangeFigures {
    p50: f64,
    p99: f64,
    warm_p99: f64,
    /// Requests that got no answer.
    failed: usize,
}

/// What the streaming part found on one backend.
#[derive(Debug)]
pub struct Figures {
    upload_best: f64,
    ranges: RangeFigures,
    /// Time to first byte of the first range read of the blob (from the store itself).
    first_read: f64,
    rss_streaming: f64,
    rss_hwm: f64,
}

impl Figures {
    pub fn summarize(&self, backend: Backend, summary: &mut Summary) {
        summary.add(
            "upload, best of 3 × 256 MiB (MB/s)",
            backend,
            self.upload_best,
            format!("{:.0}", self.upload_best),
            Goal::OfLocal(0.5),
        );
        let phase = &self.ranges;
        summary.add(
            "200 range clients, TTFB p99",
            backend,
            phase.p99,
            format!("{:.1} ms", phase.p99),
            Goal::Below(30.0, "ms"),
        );
        summary.add(
            "200 range clients, TTFB p50",
            backend,
            phase.p50,
            format!("{:.1} ms", phase.p50),
            Goal::None,
        );
        summary.add(
            "200 range clients, TTFB p99 on open connections",
            backend,
            phase.warm_p99,
            format!("{:.1} ms", phase.warm_p99),
            Goal::None,
        );
        if phase.failed > 0 {
            summary.add(
                "200 range clients, requests that FAILED",
                backend,
                phase.failed as f64,
                phase.failed.to_string(),
                Goal::None,
            );
        }
        summary.add(
            "first range read of the song (not cached yet), TTFB",
            backend,
            self.first_read,
            format!("{:.1} ms", self.first_read),
            Goal::None,
        );
        summary.add(
            "server memory while streaming (peak RSS, MiB)",
            backend,
            self.rss_streaming,
            format!("{:.0}", self.rss_streaming),
            Goal::Below(100.0, "MiB"),
        );
        summary.add(
            "server memory, whole run (VmHWM, MiB)",
            backend,
            self.rss_hwm,
            format!("{:.0}", self.rss_hwm),
            Goal::None,
        );
    }
}

/// Starts a server on `deployment`'s stores and measures it.
pub async fn run(deployment: &Deployment, externals: &Externals) -> Result<Figures> {
    let backend = deployment.backend;
    let server = ServerProcess::launch(&deployment.options().account("bench", PASSWORD), |_| {});
    let (base, pid) = (server.base(), server.pid());
    println!(
        "== streaming on {} (loopback, release build, pid {pid}) ==",
        backend.name()
    );
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&serde_json::json!({"username": "bench", "password": PASSWORD, "device": "bench"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("token")?.to_owned();

    // Upload throughput.
    let mut best = 0f64;
    let mut last_hash = String::new();
    for round in 0..UPLOAD_ROUNDS {
        let data = Bytes::from(tonearm_testkit::rng::bytes(UPLOAD_BYTES, round + 1));
        let hash = blake3::hash(&data).to_hex().to_string();
        let cpu = CpuSnapshot::take(&[pid], externals);
        let started = Instant::now();
        let metadata = format!("blake3 {}", base64_encode(hash.as_bytes()));
        let created = http
            .post(format!("{base}/api/v1/uploads"))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", UPLOAD_BYTES.to_string())
            .header("Upload-Metadata", metadata)
            .send()
            .await?;
        let location = created
            .headers()
            .get("location")
            .context("location")?
            .to_str()?
            .to_owned();
        let chunks: Vec<Result<Bytes, std::io::Error>> = (0..data.len())
            .step_by(1 << 20)
            .map(|i| Ok(data.slice(i..(i + (1 << 20)).min(data.len()))))
            .collect();
        let response = http
            .patch(format!("{base}{location}"))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Offset", "0")
            .header("Content-Type", "application/offset+octet-stream")
            .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::NO_CONTENT {
            bail!("upload failed: {}", response.status());
        }
        let seconds = started.elapsed().as_secs_f64();
        let mbps = UPLOAD_BYTES as f64 / seconds / 1e6;
        println!(
            "  upload {} MB round {}: {mbps:.0} MB/s ({})",
            UPLOAD_BYTES / 1_000_000,
            round + 1,
            CpuSnapshot::take(&[pid], externals).since(&cpu, backend)
        );
        best = best.max(mbps);
        last_hash = hash;
    }
    println!("upload_mb_per_s_best: {best:.0}");

    let track: serde_json::Value = http
        .post(format!("{base}/api/v1/tracks"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"blake3": last_hash, "metadata": {"format": "flac"}}))
        .send()
        .await?
        .json()
        .await?;
    let stream_url = format!(
        "{base}/api/v1/tracks/{}/stream",
        track["id"].as_str().context("track id")?
    );

    println!(
        "server_rss_mib after the uploads, before the range phase: {:.1}",
        status_kib(pid, "VmRSS:") as f64 / 1024.0
    );
    let sampling = Arc::new(AtomicBool::new(true));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (sampling, peak) = (Arc::clone(&sampling), Arc::clone(&peak));
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(status_kib(pid, "VmRSS:"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    // One read first: on an object store, the replica answers it from the store and starts
    // copying the blob into its cache.
    let began = Instant::now();
    let response = http
        .get(&stream_url)
        .bearer_auth(&token)
        .header("Range", format!("bytes=0-{}", RANGE_BYTES - 1))
        .send()
        .await?;
    let first_read = ms(began.elapsed());
    if response.status() != reqwest::StatusCode::PARTIAL_CONTENT {
        bail!("the first range read failed: {}", response.status());
    }
    response.bytes().await?;
    println!("first range read of the song: time to first byte {first_read:.1} ms");
    if backend == Backend::Remote {
        let cached = server.data_dir().join("blob-cache").join(&last_hash);
        let waiting = Instant::now();
        while !cached.exists() {
            if waiting.elapsed() > Duration::from_secs(300) {
                bail!("the replica did not cache the blob in 300 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!(
            "the replica copied it into its cache in {:.1} s",
            waiting.elapsed().as_secs_f64()
        );
    }
    let ranges = range_phase(base, &stream_url, &token, pid, externals, backend)
        .await
        .map_err(|error| {
            let log = server.log();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            error.context(format!("the server's last log lines:\n{}", tail.join("\n")))
        })?;
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;
    let rss_streaming = peak.load(Ordering::Relaxed) as f64 / 1024.0;
    let rss_hwm = status_kib(pid, "VmHWM:") as f64 / 1024.0;
    println!("server_rss_mib while streaming (peak sampled): {rss_streaming:.1}");
    println!("server_rss_mib peak over the whole run (VmHWM): {rss_hwm:.1}");
    Ok(Figures {
        upload_best: best,
        ranges,
        first_read,
        rss_streaming,
        rss_hwm,
    })
}

/// 200 clients, 100 random ranges each, back to back.
async fn range_phase(
    base: &str,
    stream_url: &str,
    token: &str,
    pid: u32,
    externals: &Externals,
    backend: Backend,
) -> Result<RangeFigures> {
    let cpu = CpuSnapshot::take(&[pid], externals);
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let addr = base.trim_start_matches("http://").to_owned();
    let path = stream_url.trim_start_matches(base).to_owned();
    for client_index in 0..CLIENTS {
        let (addr, path, token) = (addr.clone(), path.clone(), token.to_owned());
        tasks.push(tokio::spawn(range_client(addr, path, token, client_index)));
    }
    let mut samples = Vec::new();
    let mut warm = Vec::new();
    let mut failed = Vec::new();
    for task in tasks {
        let ranges = task.await??;
        warm.extend(ranges.ttfb.iter().skip(1).copied());
        samples.extend(ranges.ttfb);
        failed.extend(ranges.failed);
    }
    if samples.is_empty() {
        bail!("every range request failed: {failed:?}");
    }
    warm.sort();
    let elapsed = started.elapsed();
    let server_cpu = cpu_seconds(pid) - cpu_before;
    samples.sort();
    let bytes = (samples.len() as u64 * RANGE_BYTES) as f64;
    println!(
        "  {CLIENTS} clients x {REQUESTS_PER_CLIENT} requests of {} KiB in {:.2} s ({:.0} MB/s); {}",
        RANGE_BYTES / 1024,
        elapsed.as_secs_f64(),
        bytes / elapsed.as_secs_f64() / 1e6,
        CpuSnapshot::take(&[pid], externals).since(&cpu, backend)
    );
    println!(
        "  server cpu: {:.0} us per request",
        server_cpu * 1e6 / samples.len() as f64
    );
    if !failed.is_empty() {
        println!(
            "  {} requests FAILED (left out of the figures), e.g. {}",
            failed.len(),
            failed[0]
        );
    }
    let figures = RangeFigures {
        p50: ms(percentile(&samples, 0.5)),
        p99: ms(percentile(&samples, 0.99)),
        warm_p99: ms(percentile(&warm, 0.99)),
        failed: failed.len(),
    };
    println!(
        "  ttfb_ms p50: {:.2}  p99: {:.2}  max: {:.2}",
        figures.p50,
        figures.p99,
        samples.last().map_or(0.0, |d| ms(*d))
    );
    println!(
        "  ttfb_ms on open connections (each client's first request, which connects, left out) p50: {:.2}  p99: {:.2}",
        ms(percentile(&warm, 0.5)),
        figures.warm_p99,
    );
    Ok(figures)
}

/// One player: a keep-alive HTTP/1.1 connection asking for random ranges back to back. A
/// hand-written client keeps the load generator's own CPU use (it shares the machine) small.
/// TTFB is the time from sending the request (and, for the first, connecting) to the first
/// byte of the response. A request the server drops (it closes the connection: an object
/// store that does not answer in time) is counted as failed, and the client connects again.
async fn range_client(addr: String, path: String, token: String, index: usize) -> Result<Ranges> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut ranges = Ranges {
        ttfb: Vec::with_capacity(REQUESTS_PER_CLIENT),
        failed: Vec::new(),
    };
    let mut state = index as u64 * 7919 + 1;
    let mut connection: Option<tokio::net::TcpStream> = None;
    for _ in 0..REQUESTS_PER_CLIENT {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let start = (state >> 16) % (UPLOAD_BYTES as u64 - RANGE_BYTES);
        let end = start + RANGE_BYTES - 1;
        let began = Instant::now();
        let stream = match &mut connection {
            Some(stream) => stream,
            None => {
                let stream = tokio::net::TcpStream::connect(&addr).await?;
                stream.set_nodelay(true)?;
                connection.insert(stream)
            }
        };
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nRange: bytes={start}-{end}\r\n\r\n"
        );
        match range_request(stream, &request, &mut buf, began).await {
            Ok(ttfb) => ranges.ttfb.push(ttfb),
            Err(error) => {
                ranges.failed.push(format!(
                    "after {:.1} s: {error:#}",
                    began.elapsed().as_secs_f64()
                ));
                connection = None;
            }
        }
    }
    Ok(ranges)
}

/// One client's time to first byte of each answered request, and what went wrong with others.
struct Ranges {
    ttfb: Vec<Duration>,
    failed: Vec<String>,
}

/// One range request on `stream`; returns its time to first byte.
async fn range_request(
    stream: &mut tokio::net::TcpStream,
    request: &str,
    buf: &mut [u8],
    began: Instant,
) -> Result<Duration> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(request.as_bytes()).await?;
    let mut filled = 0;
    let mut first_byte = None;
    let header_end = loop {
        let read = stream.read(&mut buf[filled..]).await?;
        if read == 0 {
            bail!("the server closed the connection");
        }
        first_byte.get_or_insert_with(|| began.elapsed());
        filled += read;
        if let Some(at) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = std::str::from_utf8(&buf[..header_end])?.to_ascii_lowercase();
    if !head.starts_with("http/1.1 206") {
        bail!("unexpected response: {head}");
    }
    let length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .context("content-length")?
        .trim()
        .parse()?;
    if length as u64 != RANGE_BYTES {
        bail!("short range: {length}");
    }
    let mut body = filled - header_end;
    while body < length {
        let read = stream.read(&mut buf[..]).await?;
        if read == 0 {
            bail!("the server closed the connection mid-body");
        }
        body += read;
    }
    first_byte.context("a response arrived")
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
