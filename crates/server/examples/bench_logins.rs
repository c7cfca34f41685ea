//! `cargo xtask bench logins`: what a flood of bad logins costs the release server, and what it
//! costs a real user meanwhile. Against the real binary in a child process (its memory is its
//! own), on loopback:
//!
//! - 500 concurrent logins with random names, from 50 loopback addresses (so per-address
//!   throttling alone cannot stop them), then the same from one address;
//! - meanwhile the account's owner logs in again and again, from an address they used before
//!   and from a new one;
//! - figures: the server's peak resident memory (sampled every 10 ms, and VmHWM), the owner's
//!   login times (p50, max), how the flood was answered.
//!
//! Goals (issue 17): under 200 MB, and the owner's login under 1 s.

use anyhow::{Result, bail};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tonearm_testkit::server_process::{ServerProcess, status_kib};

const FLOOD: usize = 500;
const ADDRESSES: usize = 50;
const OWNER_LOGINS: usize = 20;
const PASSWORD: &str = "benchmark password";

fn client_from(ip: &str) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>()?)
        .build()?)
}

async fn login(client: &reqwest::Client, base: &str, name: &str, password: &str) -> Result<u16> {
    Ok(client
        .post(format!("{base}/api/v1/sessions"))
        .json(&serde_json::json!({"username": name, "password": password, "device": "bench"}))
        .send()
        .await?
        .status()
        .as_u16())
}

#[tokio::main]
async fn main() -> Result<()> {
    // reqwest is built without a crypto provider of its own (see the server's tests).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = ServerProcess::start("owner", PASSWORD);
    run(server.base(), server.pid()).await
}

async fn run(base: &str, pid: u32) -> Result<()> {
    let home = client_from("127.0.0.2")?;
    if login(&home, base, "owner", PASSWORD).await? != 201 {
        bail!("the owner cannot log in");
    }
    println!(
        "server at rest: {} MiB resident",
        status_kib(pid, "VmRSS:") / 1024
    );
    for (label, addresses) in [
        ("random names from 50 addresses", ADDRESSES),
        ("random names from one address", 1),
    ] {
        flood(base, pid, label, addresses, &home).await?;
        // Let the per-address buckets refill a little between rounds.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    println!(
        "server overall: VmHWM {} MiB",
        status_kib(pid, "VmHWM:") / 1024
    );
    Ok(())
}

async fn flood(
    base: &str,
    pid: u32,
    label: &str,
    addresses: usize,
    home: &reqwest::Client,
) -> Result<()> {
    let peak = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(status_kib(pid, "VmRSS:"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let clients: Vec<reqwest::Client> = (0..addresses)
        .map(|i| client_from(&format!("127.0.{}.{}", 10 + i / 200, 1 + i % 200)))
        .collect::<Result<_>>()?;
    let started = Instant::now();
    let attackers: Vec<_> = (0..FLOOD)
        .map(|i| {
            let client = clients[i % clients.len()].clone();
            let base = base.to_owned();
            tokio::spawn(async move {
                let name = format!("nobody-{i}-{}", i * 7919 % 104_729);
                login(&client, &base, &name, "wrong password")
                    .await
                    .unwrap_or(0)
            })
        })
        .collect();
    // The owner, meanwhile: from home, and from an address never used before.
    let stranger_address = client_from(&format!("127.0.99.{}", 1 + addresses % 200))?;
    let mut times = Vec::new();
    let mut owner_statuses = BTreeMap::new();
    for i in 0..OWNER_LOGINS {
        let client = if i % 2 == 0 { home } else { &stranger_address };
        let asked = Instant::now();
        let status = login(client, base, "owner", PASSWORD).await?;
        times.push(asked.elapsed());
        *owner_statuses.entry(status).or_insert(0) += 1;
    }
    let mut answers = BTreeMap::new();
    for attacker in attackers {
        *answers.entry(attacker.await?).or_insert(0) += 1;
    }
    let flood_time = started.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    times.sort();
    println!(
        "{label}: {FLOOD} concurrent bad logins answered in {:.2} s: {answers:?}",
        flood_time.as_secs_f64()
    );
    println!(
        "  owner's logins meanwhile: p50 {:.0} ms, max {:.0} ms, answers {owner_statuses:?}",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    );
    println!(
        "  server peak resident memory: {} MiB",
        peak.load(Ordering::Relaxed) / 1024
    );
    Ok(())
}
