//! The `tonearm-server` binary: parses flags, environment and the config file, then either
//! serves until ctrl-c/SIGTERM or runs a `user` administration command. All logic lives in the
//! library.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use tonearm_server::{Settings, users};

mod allocator;

/// Upper bound of the runtime's blocking thread pool.
const BLOCKING_THREADS: usize = 32;

/// The Tonearm cloud locker server.
#[derive(Debug, Parser)]
#[command(name = "tonearm-server", version)]
struct Cli {
    /// TOML config file with the same keys as the flags (snake_case)
    #[arg(
        long,
        env = "TONEARM_SERVER_CONFIG",
        value_name = "FILE",
        global = true
    )]
    config: Option<PathBuf>,
    /// Log format on stderr: `text` for people, `json` (one object per line) for collectors
    #[arg(
        long,
        env = "TONEARM_SERVER_LOG_FORMAT",
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default)
    Serve,
    /// Bring the database's schema up to date, then exit (`serve` does it too)
    Migrate,
    /// Manage accounts
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Create an account; the password is read from standard input
    Add { name: String },
    /// List accounts
    List,
    /// Change a password (read from standard input) and log out every device
    Passwd { name: String },
    /// Remove an account and everything it owns
    Remove { name: String },
}

fn main() -> std::process::ExitCode {
    allocator::configure();
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line, causes after colons: bad configuration reads as one sentence.
            eprintln!("tonearm-server: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    let file = match &cli.config {
        Some(path) => Settings::from_file(path).context("reading the config file")?,
        None => Settings::default(),
    };
    let config = cli.settings.over(file).into_config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Blocking work (SQLite, file reads) is bounded by the store's connection slots and by
        // this cap; hundreds of streaming clients then cost queueing, not hundreds of threads.
        .max_blocking_threads(BLOCKING_THREADS)
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(config).await,
            Command::Migrate => {
                tonearm_server::backends::open_store(&config).await?;
                println!("the database at {} is up to date", config.database());
                Ok(())
            }
            Command::User { action } => user(&config, action).await,
        }
    })
}

async fn serve(config: tonearm_server::Config) -> Result<()> {
    // Handlers first: a signal that arrives as soon as the address is printed must already
    // mean "shut down gracefully", not the default "die".
    let shutdown = ShutdownSignal::install()?;
    // Its errors say what could not start ("invalid configuration: cannot connect to...").
    let server = tonearm_server::spawn(config).await?;
    // The first line on stdout is the address, for scripts and tests that pass port 0.
    println!("listening on {}", server.base_url());
    std::io::stdout().flush().context("writing to stdout")?;
    shutdown.wait().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

/// ctrl-c and, on Unix, SIGTERM, registered when created.
#[cfg(unix)]
struct ShutdownSignal {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl ShutdownSignal {
    fn install() -> Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt()).context("listening for ctrl-c")?,
            terminate: signal(SignalKind::terminate()).context("listening for SIGTERM")?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

#[cfg(not(unix))]
struct ShutdownSignal;

#[cfg(not(unix))]
impl ShutdownSignal {
    fn install() -> Result<Self> {
        Ok(Self)
    }

    async fn wait(self) {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    }
}

fn read_password() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (input is visible): ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password)
}

async fn user(config: &tonearm_server::Config, action: UserAction) -> Result<()> {
    let store = tonearm_server::backends::open_store(config).await?;
    let vault = tonearm_server::open_vault(config, &*store).await?;
    let store = &*store;
    match action {
        UserAction::Add { name } => {
            users::add(store, &vault, &name, &read_password()?).await?;
            println!("added user {name}");
        }
        UserAction::List => {
            for user in users::list(store).await? {
                println!("{}", user.username);
            }
        }
        UserAction::Passwd { name } => {
            users::set_password(store, &vault, &name, &read_password()?).await?;
            println!("changed the password of {name}; its devices are logged out");
        }
        UserAction::Remove { name } => {
            users::remove(store, &name).await?;
            println!("removed user {name}");
        }
    }
    Ok(())
}
