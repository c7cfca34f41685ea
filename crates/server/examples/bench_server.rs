//! `cargo xtask bench server`: loopback figures for the locker server, measured against the real
//! release binary in a child process (so its memory is its own):
//! - upload throughput (tus creation + one PATCH, including hashing, verification and publishing),
//! - time to first byte of 200 concurrent keep-alive clients asking for random 64 KiB ranges back
//!   to back (p50, p99, max),
//! - the server's resident memory while serving them (peak sampled RSS) and overall (VmHWM).
//!
//! Run with `cargo run --release -p tonearm-server --example bench_server`; it builds nothing itself
//! and expects `tonearm-server` beside its own executable's folder (target/release).

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
const PASSWORD: &str = "benchmark password";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> Result<()> {
    // reqwest is built without a crypto provider of its own (see the server's tests).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = ServerProcess::start("bench", PASSWORD);
    run(server.base(), server.pid()).await
}

async fn run(base: &str, pid: u32) -> Result<()> {
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&serde_json::json!({"username": "bench", "password": PASSWORD, "device": "bench"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("token")?.to_owned();
    println!("server bench (loopback, release build, pid {pid})");

    // Upload throughput.
    let mut best = 0f64;
    let mut last_hash = String::new();
    for round in 0..UPLOAD_ROUNDS {
        let data = Bytes::from(tonearm_testkit::rng::bytes(UPLOAD_BYTES, round + 1));
        let hash = blake3::hash(&data).to_hex().to_string();
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
            "  upload {} MB round {}: {mbps:.0} MB/s",
            UPLOAD_BYTES / 1_000_000,
            round + 1
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

    // 200 concurrent range clients.
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
    println!(
        "server_rss_mib after the uploads, before the range phase: {:.1}",
        status_kib(pid, "VmRSS:") as f64 / 1024.0
    );
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let mut tasks = Vec::new();
    let addr = base.trim_start_matches("http://").to_owned();
    let path = stream_url.trim_start_matches(base).to_owned();
    for client_index in 0..CLIENTS {
        let (addr, path, token) = (addr.clone(), path.clone(), token.clone());
        tasks.push(tokio::spawn(range_client(addr, path, token, client_index)));
    }
    let mut samples = Vec::new();
    let mut warm = Vec::new();
    for task in tasks {
        let ttfb = task.await??;
        warm.extend(ttfb.iter().skip(1).copied());
        samples.extend(ttfb);
    }
    warm.sort();
    let elapsed = started.elapsed();
    let server_cpu = cpu_seconds(pid) - cpu_before;
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;
    samples.sort();
    let bytes = (samples.len() as u64 * RANGE_BYTES) as f64;
    println!(
        "range clients: {CLIENTS} x {REQUESTS_PER_CLIENT} requests of {} KiB in {:.2} s ({:.0} MB/s)",
        RANGE_BYTES / 1024,
        elapsed.as_secs_f64(),
        bytes / elapsed.as_secs_f64() / 1e6
    );
    println!(
        "server cpu during the range phase: {server_cpu:.2} s ({:.0} us per request)",
        server_cpu * 1e6 / samples.len() as f64
    );
    println!(
        "ttfb_ms p50: {:.2}  p99: {:.2}  max: {:.2}",
        percentile(&samples, 0.5).as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    println!(
        "ttfb_ms on open connections (each client's first request, which connects, left out) p50: {:.2}  p99: {:.2}",
        percentile(&warm, 0.5).as_secs_f64() * 1e3,
        percentile(&warm, 0.99).as_secs_f64() * 1e3,
    );
    println!(
        "server_rss_mib while streaming (peak sampled): {:.1}",
        peak.load(Ordering::Relaxed) as f64 / 1024.0
    );
    println!(
        "server_rss_mib peak over the whole run (VmHWM): {:.1}",
        status_kib(pid, "VmHWM:") as f64 / 1024.0
    );
    Ok(())
}

/// One player: a keep-alive HTTP/1.1 connection asking for random ranges back to back. A
/// hand-written client keeps the load generator's own CPU use (it shares the machine) small.
/// TTFB is the time from sending the request (and, for the first, connecting) to the first
/// byte of the response.
async fn range_client(
    addr: String,
    path: String,
    token: String,
    index: usize,
) -> Result<Vec<Duration>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 256 * 1024];
    let mut ttfb = Vec::with_capacity(REQUESTS_PER_CLIENT);
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
            let read = stream.read(&mut buf).await?;
            if read == 0 {
                bail!("the server closed the connection mid-body");
            }
            body += read;
        }
        ttfb.push(first_byte.context("a response arrived")?);
    }
    Ok(ttfb)
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
