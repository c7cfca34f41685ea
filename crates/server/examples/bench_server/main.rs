//! `cargo xtask bench server`: loopback figures for the locker server, measured against the real
//! release binary in a child process (so its memory is its own), on SQLite and a blob folder
//! (a household's server) and on PostgreSQL and an S3-compatible store (replicas' shared
//! stores), the same data and the same clients on both:
//! - streaming (`streaming.rs`): upload throughput (tus creation + one PATCH, including
//!   hashing, verification and publishing), time to first byte of 200 concurrent keep-alive
//!   clients asking for random 64 KiB ranges back to back (p50, p99, max), the server's
//!   resident memory while serving them (peak sampled RSS) and overall (VmHWM);
//! - the catalog with 100,000 tracks in one account (`catalog.rs`): OpenSubsonic lists, the
//!   artist index, search, albums and cover thumbnails, one keep-alive client asking in
//!   sequence (p50, p99, max of the whole response);
//! - replicas (`replicas.rs`, PostgreSQL + S3 only): requests per second and p99 of many
//!   clients making a mix of catalog, search and small range requests, spread round-robin over
//!   one replica, then two on the same database and bucket.
//!
//! A table at the end puts the figures side by side with their goals.
//!
//! `cargo xtask bench server` builds everything, starts PostgreSQL and moto's S3 server (as
//! `cargo xtask test` does) and runs this with their addresses in the environment
//! (`TONEARM_TEST_POSTGRES`, `TONEARM_TEST_S3_ENDPOINT`, `AWS_*`) and their process ids
//! (`TONEARM_BENCH_POSTGRES_PID`, `TONEARM_BENCH_MOTO_PID`, to report the CPU they spend).
//! Run alone (`cargo run --release -p tonearm-server --example bench_server`, with
//! `tonearm-server` built beside it in target/release), without those variables, it measures
//! SQLite and the folder only. `-- streaming`, `-- catalog` or `-- replicas` runs one part,
//! `BENCH_BACKENDS=sqlite+folder` or `BENCH_BACKENDS=postgres+s3` one kind of store;
//! `BENCH_REMOTE_CATALOG=URL,BUCKET,KEY_FILE` gives the PostgreSQL catalog and replicas parts a
//! catalog an earlier run filled (its database, bucket and vault key), instead of filling one;
//! `BENCH_KEEP_DB=FILE` keeps a copy of the filled SQLite catalog (to study query plans with
//! `EXPLAIN QUERY PLAN`).
//!
//! `-- fill-web DIR [USER]` measures nothing: it makes DIR a server data directory holding the
//! same 100,000-track catalog, with its covers, in the account USER (`ann` unless named), whose
//! password is read from standard input as `tonearm-server user add` reads it, then exits, for
//! a real `tonearm-server --data-dir DIR` to serve (`cargo xtask bench web`).

mod catalog;
mod replicas;
mod streaming;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tonearm_server::{BlobLocation, Config, DatabaseUrl};
use tonearm_testkit::server_process::{ServerOptions, cpu_seconds};

const PASSWORD: &str = "benchmark password";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() -> Result<()> {
    // reqwest is built without a crypto provider of its own (see the server's tests).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let only = std::env::args().nth(1);
    if only.as_deref() == Some("fill-web") {
        let mut args = std::env::args().skip(2);
        let dir = args
            .next()
            .context("usage: bench_server fill-web DIR [USER] (the password on stdin)")?;
        let user = args.next().unwrap_or_else(|| "ann".to_owned());
        return catalog::fill_web(Path::new(&dir), &user).await;
    }
    let part = |name: &str| only.as_deref().is_none_or(|only| only == name);
    if let Some(other) = only
        .as_deref()
        .filter(|o| !["streaming", "catalog", "replicas"].contains(o))
    {
        bail!("no part named {other:?}: streaming, catalog, replicas or fill-web DIR [USER]");
    }
    let backends = Backend::available();
    let externals = Externals::from_env();
    let mut summary = Summary::default();

    if part("streaming") {
        for &backend in &backends {
            let deployment = Deployment::new(backend)?;
            let figures = streaming::run(&deployment, &externals).await?;
            figures.summarize(backend, &mut summary);
        }
    }
    let library = if part("catalog") || part("replicas") {
        Some(catalog::plan_and_report()?)
    } else {
        None
    };
    // The catalog on PostgreSQL, kept for the replicas part (filling it again takes minutes).
    let mut remote_catalog = None;
    if part("catalog") {
        let library = library.as_ref().context("planned")?;
        for &backend in &backends {
            let deployment = match backend {
                Backend::Remote => {
                    Deployment::reused().map_or_else(|| Deployment::new(backend), Ok)?
                }
                Backend::Local => Deployment::new(backend)?,
            };
            let figures = catalog::run(library, &deployment, &externals).await?;
            for figure in figures {
                summary.add(
                    &figure.label,
                    backend,
                    figure.p99,
                    format!("{:.1} ms", figure.p99),
                    figure.goal,
                );
            }
            if backend == Backend::Remote {
                remote_catalog = Some(deployment);
            }
        }
    }
    if part("replicas") {
        if backends.contains(&Backend::Remote) {
            let library = library.as_ref().context("planned")?;
            let deployment = match remote_catalog {
                Some(deployment) => deployment,
                None => {
                    let deployment = Deployment::new(Backend::Remote)?;
                    catalog::fill_only(library, &deployment).await?;
                    deployment
                }
            };
            let figures = replicas::run(library, &deployment, &externals).await?;
            figures.summarize(&mut summary);
        } else {
            println!(
                "== replicas: skipped (they share PostgreSQL and S3; `cargo xtask bench server` starts both) =="
            );
        }
    }
    summary.print(&backends);
    Ok(())
}

/// What a server stores on: metadata and blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    /// SQLite and a folder of blobs, both in the data directory (the default).
    Local,
    /// PostgreSQL and an S3-compatible bucket (moto's server here).
    Remote,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Local => "sqlite+folder",
            Self::Remote => "postgres+s3",
        }
    }

    /// SQLite and the folder always; PostgreSQL and S3 when `cargo xtask bench server`
    /// started them (their addresses are in the environment). `BENCH_BACKENDS` (one of the
    /// names) keeps one.
    fn available() -> Vec<Self> {
        let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
        let wanted = std::env::var("BENCH_BACKENDS").unwrap_or_default();
        let keep = |backend: &Self| wanted.is_empty() || wanted.contains(backend.name());
        if set(tonearm_testkit::services::POSTGRES_VAR) && set(tonearm_testkit::services::S3_VAR) {
            [Self::Local, Self::Remote]
                .into_iter()
                .filter(keep)
                .collect()
        } else {
            println!(
                "PostgreSQL + S3: not measured ({} and {} are not set; `cargo xtask bench server` starts both)",
                tonearm_testkit::services::POSTGRES_VAR,
                tonearm_testkit::services::S3_VAR
            );
            vec![Self::Local]
        }
    }
}

/// The stores one server, or a group of replicas, runs on: for SQLite and the folder nothing
/// beyond the data directory; for PostgreSQL and S3 a fresh database, a fresh bucket and a
/// vault key file all replicas share.
struct Deployment {
    backend: Backend,
    /// The database's URL and the bucket's name (PostgreSQL + S3).
    remote: Option<(String, String)>,
    /// The catalog is in it already (`BENCH_REMOTE_CATALOG`).
    filled: bool,
    vault_key: PathBuf,
    _dir: tempfile::TempDir,
}

impl Deployment {
    fn new(backend: Backend) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let remote = (backend == Backend::Remote).then(|| {
            (
                tonearm_testkit::services::fresh_database(),
                tonearm_testkit::services::fresh_bucket(),
            )
        });
        Ok(Self {
            backend,
            remote,
            filled: false,
            vault_key: dir.path().join("vault.key"),
            _dir: dir,
        })
    }

    /// The PostgreSQL database, bucket and vault key named by `BENCH_REMOTE_CATALOG`
    /// (`URL,BUCKET,KEY_FILE`: a catalog an earlier run filled, to work on the catalog and
    /// replicas parts without filling it again for each run).
    fn reused() -> Option<Self> {
        let named = std::env::var("BENCH_REMOTE_CATALOG").ok()?;
        let mut parts = named.split(',');
        let (database, bucket, key) = (parts.next()?, parts.next()?, parts.next()?);
        println!("the catalog of BENCH_REMOTE_CATALOG: {database}, s3://{bucket}, {key}");
        Some(Self {
            backend: Backend::Remote,
            remote: Some((database.to_owned(), bucket.to_owned())),
            filled: true,
            vault_key: PathBuf::from(key),
            _dir: tempfile::tempdir().ok()?,
        })
    }

    /// How to start a server on these stores (no account).
    fn options(&self) -> ServerOptions {
        match &self.remote {
            None => ServerOptions::new(),
            Some((database, bucket)) => ServerOptions::new()
                .env("TONEARM_DATABASE_URL", database)
                .env("TONEARM_BLOB_STORE", format!("s3://{bucket}"))
                .env("TONEARM_SERVER_VAULT_KEY", &self.vault_key),
        }
    }

    /// The configuration of a server on these stores with `data_dir`, for the benchmark's own
    /// use of the server's store (filling the catalog).
    fn config(&self, data_dir: &Path) -> Config {
        let mut config = Config::new(data_dir);
        if let Some((database, bucket)) = &self.remote {
            config.database = Some(DatabaseUrl::Postgres(database.clone()));
            config.blob_store = Some(BlobLocation::S3 {
                bucket: bucket.clone(),
                prefix: None,
            });
            config.vault_key = Some(self.vault_key.clone());
        }
        config
    }

    /// Runs `sql` on the PostgreSQL database with `psql`; returns what it printed.
    fn psql(&self, sql: &str) -> Result<String> {
        let (database, _) = self.remote.as_ref().context("no PostgreSQL database")?;
        let output = std::process::Command::new("psql")
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .arg(database)
            .output()
            .context("running psql")?;
        if !output.status.success() {
            bail!(
                "psql -c {sql:?} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// The PostgreSQL database's size in bytes, if there is one.
    fn database_size(&self) -> Option<u64> {
        self.psql("SELECT pg_database_size(current_database())")
            .ok()?
            .parse()
            .ok()
    }
}

/// The processes of the stores, whose CPU time is reported beside the server's: PostgreSQL
/// (the postmaster and its backends) and moto's S3 server (one Python process).
#[derive(Debug, Default)]
struct Externals {
    postgres: Option<u32>,
    moto: Option<u32>,
}

impl Externals {
    fn from_env() -> Self {
        let pid = |name: &str| std::env::var(name).ok().and_then(|v| v.parse().ok());
        Self {
            postgres: pid("TONEARM_BENCH_POSTGRES_PID"),
            moto: pid("TONEARM_BENCH_MOTO_PID"),
        }
    }
}

/// CPU seconds of every process at one moment: the servers, PostgreSQL, moto, this benchmark.
#[derive(Debug, Clone)]
struct CpuSnapshot {
    at: Instant,
    servers: f64,
    postgres: f64,
    moto: f64,
    bench: f64,
}

impl CpuSnapshot {
    fn take(servers: &[u32], externals: &Externals) -> Self {
        Self {
            at: Instant::now(),
            servers: servers.iter().map(|&pid| cpu_seconds(pid)).sum(),
            postgres: externals.postgres.map_or(0.0, tree_cpu_seconds),
            moto: externals.moto.map_or(0.0, cpu_seconds),
            bench: cpu_seconds(std::process::id()),
        }
    }

    /// What each spent since `before`, in one line.
    fn since(&self, before: &Self, backend: Backend) -> String {
        let mut line = format!(
            "cpu over {:.1} s: server {:.1} s",
            (self.at - before.at).as_secs_f64(),
            self.servers - before.servers
        );
        if backend == Backend::Remote {
            line += &format!(
                ", postgres {:.1} s, moto {:.1} s",
                self.postgres - before.postgres,
                self.moto - before.moto
            );
        }
        line + &format!(", bench {:.1} s", self.bench - before.bench)
    }

    /// CPU time per request of the servers (and PostgreSQL) since `before`, over `requests`.
    fn per_request(&self, before: &Self, requests: usize, backend: Backend) -> String {
        let per = |seconds: f64| seconds * 1e3 / requests.max(1) as f64;
        let mut line = format!("server {:.2} ms", per(self.servers - before.servers));
        if backend == Backend::Remote {
            line += &format!(", postgres {:.2} ms", per(self.postgres - before.postgres));
        }
        line + " cpu"
    }
}

/// CPU seconds of `pid`, the children it has reaped and its live children: for PostgreSQL, the
/// postmaster and every backend, past and present.
fn tree_cpu_seconds(pid: u32) -> f64 {
    let fields = |pid: &str| -> Vec<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        // State, ppid, ... : utime is the 12th field after the name, then stime, cutime, cstime.
        after_name
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0.0))
            .collect()
    };
    let get = |f: &[f64], i: usize| f.get(i).copied().unwrap_or(0.0);
    let own = fields(&pid.to_string());
    let mut ticks = get(&own, 11) + get(&own, 12) + get(&own, 13) + get(&own, 14);
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name
                .to_str()
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue;
            };
            let child = fields(name);
            if get(&child, 1) == f64::from(pid) {
                ticks += get(&child, 11) + get(&child, 12);
            }
        }
    }
    ticks / 100.0
}

/// What a figure's goal asks.
#[derive(Debug, Clone, PartialEq)]
enum Goal {
    None,
    /// Below this on every backend.
    Below(f64, &'static str),
    /// PostgreSQL + S3 at least this fraction of SQLite + folder's.
    OfLocal(f64),
    /// Said and judged by the part that measured it.
    Judged(String),
}

/// One line of the table: a figure on each backend, and its goal.
#[derive(Debug)]
struct Row {
    figure: String,
    values: [Option<(f64, String)>; 2],
    goal: Goal,
}

/// The side-by-side table printed at the end.
#[derive(Debug, Default)]
struct Summary {
    rows: Vec<Row>,
}

impl Summary {
    fn add(&mut self, figure: &str, backend: Backend, value: f64, shown: String, goal: Goal) {
        let column = usize::from(backend == Backend::Remote);
        let row = match self.rows.iter_mut().position(|row| row.figure == figure) {
            Some(index) => &mut self.rows[index],
            None => {
                self.rows.push(Row {
                    figure: figure.to_owned(),
                    values: [None, None],
                    goal: goal.clone(),
                });
                self.rows.last_mut().expect("just pushed")
            }
        };
        row.values[column] = Some((value, shown));
    }

    fn verdict(row: &Row, backends: &[Backend]) -> String {
        let value = |b: Backend| row.values[usize::from(b == Backend::Remote)].as_ref();
        let each = |text: String, ok: &dyn Fn(f64) -> bool| {
            let missed: Vec<&str> = backends
                .iter()
                .filter(|&&b| value(b).is_some_and(|(v, _)| !ok(*v)))
                .map(|b| b.name())
                .collect();
            if backends.iter().all(|&b| value(b).is_none()) {
                text
            } else if missed.is_empty() {
                format!("{text}: met")
            } else {
                format!("{text}: MISSED on {}", missed.join(", "))
            }
        };
        match &row.goal {
            Goal::None => String::new(),
            Goal::Below(limit, unit) => each(format!("< {limit} {unit}"), &|v| v < *limit),
            Goal::OfLocal(fraction) => {
                let text = format!("postgres+s3 ≥ {fraction} × sqlite+folder");
                match (value(Backend::Local), value(Backend::Remote)) {
                    (Some((local, _)), Some((remote, _))) if *remote >= local * fraction => {
                        format!("{text}: met ({:.2})", remote / local)
                    }
                    (Some((local, _)), Some((remote, _))) => {
                        format!("{text}: MISSED ({:.2})", remote / local)
                    }
                    _ => text,
                }
            }
            Goal::Judged(text) => text.clone(),
        }
    }

    fn print(&self, backends: &[Backend]) {
        if self.rows.is_empty() {
            return;
        }
        println!("\n== side by side ==");
        let width = self.rows.iter().map(|r| r.figure.chars().count()).max();
        let width = width.unwrap_or(0).max(6);
        println!(
            "| {:width$} | {:>15} | {:>15} | goal",
            "figure", "sqlite+folder", "postgres+s3"
        );
        println!("|{:-<w$}|{:-<17}|{:-<17}|------", "", "", "", w = width + 2);
        for row in &self.rows {
            let shown = |i: usize| row.values[i].as_ref().map_or("—", |(_, s)| s.as_str());
            println!(
                "| {:width$} | {:>15} | {:>15} | {}",
                row.figure,
                shown(0),
                shown(1),
                Self::verdict(row, backends)
            );
        }
    }
}
