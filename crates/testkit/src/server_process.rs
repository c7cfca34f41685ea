//! The release `tonearm-server` binary in a child process, for the server's benchmarks: its
//! memory and CPU are its own, so what `/proc` says of it is what the server costs, as it would
//! run in production. Unlike `locker` (a server inside the test's process), nothing here needs
//! another Tonearm crate, so no feature: the binary is run as a user would run it.
//!
//! Linux only in what it measures (`/proc`); elsewhere the figures read as 0.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use tempfile::TempDir;

/// A release `tonearm-server` with its own data directory in a temp dir (and, unless started
/// as a further replica on a shared database, one account), listening on a free port of
/// 127.0.0.1; killed (and its data directory removed) when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    base: String,
    data_dir: PathBuf,
    dir: TempDir,
}

/// How [`ServerProcess::launch`] starts the binary: the account to make, and environment
/// variables and flags given both to `user add` and to the server.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    account: Option<(String, String)>,
    env: Vec<(OsString, OsString)>,
    args: Vec<OsString>,
}

impl ServerOptions {
    /// No account, no extra environment or flags: SQLite and a folder in the data directory.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the account `user` with `password` (through `tonearm-server user add`) before
    /// the server starts.
    #[must_use]
    pub fn account(mut self, user: &str, password: &str) -> Self {
        self.account = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// Sets the environment variable `name` (`TONEARM_DATABASE_URL`, `TONEARM_BLOB_STORE`,
    /// `TONEARM_SERVER_VAULT_KEY`...).
    #[must_use]
    pub fn env(mut self, name: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Adds a flag (or its value) before the command.
    #[must_use]
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }
}

impl ServerProcess {
    /// Creates the account `user` with `password` through the binary's own `user add`, then
    /// starts the server. The binary is the one `cargo build --release -p tonearm-server`
    /// puts beside the examples' folder of the running benchmark (`target/release`).
    pub fn start(user: &str, password: &str) -> Self {
        Self::start_with(user, password, |_| {})
    }

    /// As [`start`](Self::start), with `prepare` run on the data directory after the account
    /// is made and before the server opens it (a benchmark filling the database through the
    /// server's own store, as if the server were restarted on an existing library).
    pub fn start_with(user: &str, password: &str, prepare: impl FnOnce(&std::path::Path)) -> Self {
        Self::launch(&ServerOptions::new().account(user, password), prepare)
    }

    /// A server started as `options` say (its environment and flags: another database, a blob
    /// store, a shared vault key), the account made first if `options` names one, and `prepare`
    /// run on the data directory before the server opens it. A second replica on a database
    /// that already holds the account names none.
    pub fn launch(options: &ServerOptions, prepare: impl FnOnce(&std::path::Path)) -> Self {
        let binary = binary();
        let dir = tempfile::tempdir().expect("a temp dir for the server");
        let data_dir = dir.path().join("data");
        let command = |args: &[&str]| {
            let mut command = Command::new(&binary);
            command
                .arg("--data-dir")
                .arg(&data_dir)
                .args(&options.args)
                .args(args)
                .envs(options.env.iter().cloned());
            command
        };
        if let Some((user, password)) = &options.account {
            let mut add = command(&["user", "add", user])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()
                .expect("`tonearm-server user add` starts");
            writeln!(add.stdin.take().expect("piped stdin"), "{password}")
                .expect("the password is given");
            assert!(
                add.wait().expect("`user add` ends").success(),
                "could not create the user {user}"
            );
        }
        prepare(&data_dir);
        // What the server logs (warnings and errors) goes to a file, shown if it fails to start.
        let log_path = dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).expect("the server's log file");
        let mut child = command(&["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("the server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the server says where it listens");
        let Some(base) = line.trim().strip_prefix("listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!("the server did not say where it listens: {line:?}\n{log}");
        };
        Self {
            base: base.to_owned(),
            child,
            data_dir,
            dir,
        }
    }

    /// Where clients reach it (`http://127.0.0.1:PORT`).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Its data directory (with SQLite and a folder, where the database and blobs are; on other
    /// stores, the replica's caches).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// What it has logged so far (warnings and errors: it runs with `RUST_LOG=warn`).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Its process id, for [`status_kib`] and [`cpu_seconds`].
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `target/release/tonearm-server`, beside the running executable's folder.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the running executable");
    let profile = exe
        .parent()
        .and_then(|examples| examples.parent())
        .expect("a benchmark lives in target/*/examples");
    let binary = profile.join(format!("tonearm-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it with `cargo build --release -p tonearm-server`",
        binary.display()
    );
    binary
}

/// A figure of `/proc/PID/status` in KiB: `VmRSS:` (resident now), `VmHWM:` (the peak).
pub fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) the process has used.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after the name.
    (ticks(11) + ticks(12)) / 100.0
}
