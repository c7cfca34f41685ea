//! The servers a test or benchmark run talks to, started for the length of the run: a
//! PostgreSQL 15 and an S3-compatible object store (moto's server), each on a free port of
//! 127.0.0.1, with their files in a folder of the run's under the temp dir.
//!
//! Real servers rather than fakes: the scale-out code is tested against what it will meet in
//! production, and on every machine the same way (CI included), with nothing to set up by
//! hand. The run's processes get their addresses through the environment
//! (`TONEARM_TEST_POSTGRES`, `TONEARM_TEST_S3_ENDPOINT` and moto's credentials, see [`ENV`]);
//! `tonearm-testkit`'s `services` module reads them.
//!
//! Both stop when [`Services`] is dropped, whether the run passed, failed or ended on an error;
//! a watchdog also stops them if xtask itself is interrupted (Ctrl-C, killed), since the
//! PostgreSQL server runs in a session of its own and would outlive it.

use crate::project::Project;
use crate::setup;
use anyhow::{Context, Result, bail};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Where Debian's `postgresql-15` puts `initdb` and `pg_ctl` (off PATH); elsewhere PATH's.
const DEBIAN_POSTGRES_BIN: &str = "/usr/lib/postgresql/15/bin";

/// The variables the run's processes get: where the servers are, and credentials for the AWS
/// SDKs (moto takes any; the region is the one a bucket needs no location for).
pub const ENV: &[&str] = &[
    "TONEARM_TEST_POSTGRES",
    "TONEARM_TEST_S3_ENDPOINT",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
];

/// How long moto may take to answer (it is ready in about half a second).
const MOTO_START: Duration = Duration::from_secs(30);

/// The running servers. Field order is drop order: the watchdog goes first (the servers are
/// stopped here, not by it), the folder last.
#[derive(Debug)]
pub struct Services {
    _watchdog: Option<Watchdog>,
    postgres: Postgres,
    s3: Moto,
    _dir: RunDir,
}

/// Installs what is missing (`setup::ensure_services`) and starts both servers.
pub fn start(project: &Project) -> Result<Services> {
    let moto = setup::ensure_services(project)?;
    let started = Instant::now();
    let dir = RunDir::create()?;
    // moto readies itself while PostgreSQL's cluster is made.
    let mut s3 = Moto::spawn(moto, &dir.path).context("starting moto's S3 server")?;
    let watchdog = Watchdog::start(&dir.path, &s3)
        .inspect_err(|error| eprintln!("no watchdog for the test servers: {error:#}"))
        .ok();
    let postgres = Postgres::start(&dir.path).context("starting PostgreSQL")?;
    s3.wait_until_ready().context("starting moto's S3 server")?;
    eprintln!(
        "test servers up in {:.1} s: PostgreSQL at {}, S3 (moto) at {}",
        started.elapsed().as_secs_f64(),
        postgres.url(),
        s3.endpoint()
    );
    Ok(Services {
        _watchdog: watchdog,
        postgres,
        s3,
        _dir: dir,
    })
}

impl Services {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`: a superuser, no password.
    pub fn postgres_url(&self) -> String {
        self.postgres.url()
    }

    /// `http://127.0.0.1:PORT`, path-style buckets, any credentials.
    pub fn s3_endpoint(&self) -> String {
        self.s3.endpoint()
    }

    /// The process id of PostgreSQL's postmaster (its backends are its children), if it wrote
    /// one; for benchmarks reporting the CPU time the database spent.
    pub fn postgres_pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.postgres.data.join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// The process id of moto's server (one Python process), for the same.
    pub fn moto_pid(&self) -> u32 {
        self.s3.child.id()
    }

    /// The environment of [`ENV`], in that order.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let values = [
            self.postgres_url(),
            self.s3_endpoint(),
            "test".to_owned(),
            "test".to_owned(),
            "us-east-1".to_owned(),
            self.s3_endpoint(),
        ];
        ENV.iter().copied().zip(values).collect()
    }

    /// Gives `command` (a test or benchmark run) the servers.
    pub fn apply<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command.envs(self.env())
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        eprintln!("stopping the test servers (PostgreSQL, moto)");
    }
}

/// The run's folder, `tonearm-services-PID-N` under the temp dir, removed when dropped.
#[derive(Debug)]
struct RunDir {
    path: PathBuf,
}

impl RunDir {
    fn create() -> Result<Self> {
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "tonearm-services-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        if path.exists() {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("cannot empty {}", path.display()))?;
        }
        std::fs::create_dir_all(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        if run_as_postgres() {
            // The postgres user must reach its data directory inside.
            open_to_all(&path)?;
        }
        Ok(Self { path })
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.path) {
            eprintln!("cannot remove {}: {error}", self.path.display());
        }
    }
}

#[cfg(unix)]
fn open_to_all(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot open {} to the postgres user", dir.display()))
}

#[cfg(not(unix))]
fn open_to_all(_dir: &Path) -> Result<()> {
    Ok(())
}

/// A PostgreSQL cluster of our own: `initdb` in the run's folder, the server on a free port,
/// its socket in the data directory (never `/var/run/postgresql`, which another cluster may
/// use), no fsync (a test's data need not survive a crash).
#[derive(Debug)]
struct Postgres {
    data: PathBuf,
    port: u16,
    /// Run the tools as the `postgres` user: `initdb` refuses root.
    as_postgres: bool,
}

impl Postgres {
    /// The folder of the run's cluster, its data directory inside.
    fn home(run_dir: &Path) -> PathBuf {
        run_dir.join("postgres")
    }

    fn start(run_dir: &Path) -> Result<Self> {
        let home = Self::home(run_dir);
        std::fs::create_dir_all(&home)?;
        let as_postgres = run_as_postgres();
        if as_postgres {
            quiet(Command::new("chown").arg("postgres:").arg(&home))
                .context("the postgres user (made by Debian's postgresql-common) is needed")?;
        }
        let data = home.join("data");
        let mut initdb = tool("initdb", as_postgres);
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .current_dir(&home);
        quiet(&mut initdb)?;
        let port = free_port()?;
        let postgres = Self {
            data,
            port,
            as_postgres,
        };
        let options = format!(
            "-p {port} -k '{}' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            postgres.data.display()
        );
        let log = home.join("server.log");
        let mut start = postgres.pg_ctl();
        start
            .arg("-l")
            .arg(&log)
            .args(["-w", "start", "-o", &options])
            .current_dir(&home);
        if let Err(error) = quiet(&mut start) {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(error.context(format!("the server's log:\n{log}")));
        }
        Ok(postgres)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl -D DATA`, as the user owning the data.
    fn pg_ctl(&self) -> Command {
        let mut command = tool("pg_ctl", self.as_postgres);
        command.arg("-D").arg(&self.data);
        command
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Nothing to stop when the start failed before the server wrote its pid.
        if !self.data.join("postmaster.pid").exists() {
            return;
        }
        let mut stop = self.pg_ctl();
        stop.args(["-w", "-m", "fast", "stop"]);
        if let Err(error) = quiet(&mut stop) {
            eprintln!("PostgreSQL did not stop: {error:#}");
        }
    }
}

/// Whether PostgreSQL's tools run as the `postgres` user: `initdb` refuses root.
fn run_as_postgres() -> bool {
    setup::is_root()
}

/// A PostgreSQL tool, as the `postgres` user when `as_postgres` (`runuser`: no password, no
/// terminal; util-linux is in every Debian).
fn tool(name: &str, as_postgres: bool) -> Command {
    let program = Path::new(DEBIAN_POSTGRES_BIN).join(name);
    let program = if program.exists() {
        program
    } else {
        PathBuf::from(name)
    };
    if !as_postgres {
        return Command::new(program);
    }
    let mut runuser = Command::new("runuser");
    runuser.args(["-u", "postgres", "--"]).arg(program);
    runuser
}

/// moto's S3 server, its requests logged to a file (it logs every one).
#[derive(Debug)]
struct Moto {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Moto {
    /// Starts `command` (`setup::ensure_services`' way to run moto's server) on a free port.
    /// Dropped, it stops it.
    fn spawn(mut command: Command, run_dir: &Path) -> Result<Self> {
        let port = free_port()?;
        let log_path = run_dir.join("moto.log");
        let log = std::fs::File::create(&log_path)?;
        let child = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {:?}", command.get_program()))?;
        Ok(Self {
            child,
            port,
            log: log_path,
        })
    }

    /// Waits until it answers HTTP.
    fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + MOTO_START;
        while !answers_http(self.port) {
            let log = || std::fs::read_to_string(&self.log).unwrap_or_default();
            if let Ok(Some(status)) = self.child.try_wait() {
                bail!("moto's server stopped ({status}):\n{}", log());
            }
            if Instant::now() > deadline {
                bail!(
                    "moto's server did not answer on port {} in {MOTO_START:?}:\n{}",
                    self.port,
                    log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether an HTTP server answers a request on 127.0.0.1:`port`.
fn answers_http(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut status = [0; 5];
    stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .and_then(|()| stream.read_exact(&mut status))
        .is_ok_and(|()| &status == b"HTTP/")
}

/// A port of 127.0.0.1 nothing listens on now.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// Runs `command` with its output kept, shown only when it fails.
fn quiet(command: &mut Command) -> Result<()> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// A shell that stops the servers and removes the folder when xtask ends without dropping
/// [`Services`] (Ctrl-C, a kill), from the moment moto runs, PostgreSQL's start included: it
/// waits for the end of its standard input, which only xtask holds. Out of the terminal's
/// process group and ignoring the usual signals, so it outlives what interrupts xtask. Killed
/// on a normal end, when xtask stops the servers itself.
#[derive(Debug)]
struct Watchdog {
    child: Child,
}

/// `$1` the data directory, `$2` `pg_ctl`, `$3` 1 to run it as postgres, `$4` moto's pid,
/// `$5` the run's folder. `read` is a builtin: the shell has no child to leave behind.
#[cfg(unix)]
const WATCHDOG: &str = r#"trap '' INT TERM HUP
while read -r _; do :; done
kill "$4" 2>/dev/null
if [ "$3" = 1 ]; then
  runuser -u postgres -- "$2" -D "$1" -w -m fast stop
else
  "$2" -D "$1" -w -m fast stop
fi >/dev/null 2>&1
rm -rf "$5""#;

impl Watchdog {
    #[cfg(unix)]
    fn start(run_dir: &Path, s3: &Moto) -> Result<Self> {
        use std::os::unix::process::CommandExt;
        let pg_ctl = tool("pg_ctl", false);
        let child = Command::new("sh")
            .args(["-c", WATCHDOG, "tonearm-services-watchdog"])
            .arg(Postgres::home(run_dir).join("data"))
            .arg(pg_ctl.get_program())
            .arg(if run_as_postgres() { "1" } else { "0" })
            .arg(s3.child.id().to_string())
            .arg(run_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .context("cannot start sh")?;
        Ok(Self { child })
    }

    #[cfg(not(unix))]
    fn start(_run_dir: &Path, _s3: &Moto) -> Result<Self> {
        bail!("only on Unix")
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::{ENV, answers_http, free_port};
    use std::process::Command;

    /// What `cargo xtask test` gives the tests answers, and nothing is left once dropped.
    #[test]
    #[cfg(target_os = "linux")]
    fn the_servers_answer_and_stop_when_dropped() {
        let project = crate::project::Project::locate().expect("the workspace");
        let services = super::start(&project).expect("the servers start");
        let env = services.env();
        assert_eq!(env[0], ("TONEARM_TEST_POSTGRES", services.postgres_url()));
        assert_eq!(env[1], ("TONEARM_TEST_S3_ENDPOINT", services.s3_endpoint()));

        let psql = Command::new("psql")
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .arg(services.postgres_url())
            .args(["-c", "SHOW fsync"])
            .output()
            .expect("psql runs");
        assert!(psql.status.success(), "{psql:?}");
        assert_eq!(String::from_utf8_lossy(&psql.stdout).trim(), "off");
        let s3_port = services.s3.port;
        assert!(answers_http(s3_port));

        let (data, run_dir) = (services.postgres.data.clone(), services._dir.path.clone());
        let (pg_port, moto_pid) = (services.postgres.port, services.s3.child.id());
        drop(services);
        assert!(!data.join("postmaster.pid").exists());
        assert!(!run_dir.exists(), "{} is removed", run_dir.display());
        assert!(std::net::TcpStream::connect(("127.0.0.1", pg_port)).is_err());
        assert!(!answers_http(s3_port));
        assert!(!std::path::Path::new(&format!("/proc/{moto_pid}")).exists());
    }

    #[test]
    fn the_environment_names_what_testkit_reads() {
        assert_eq!(
            ENV,
            [
                "TONEARM_TEST_POSTGRES",
                "TONEARM_TEST_S3_ENDPOINT",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_REGION",
                "AWS_ENDPOINT_URL",
            ]
        );
    }

    #[test]
    fn a_free_port_does_not_answer() {
        let port = free_port().expect("a port");
        assert_ne!(port, 0);
        assert!(!answers_http(port));
    }
}
