//! `tonearm cloud ...`, `tonearm pin|unpin`: the cloud locker from a terminal, through the
//! same sync engine as the app (`tonearm-sync`).

use anyhow::{Context, Result};
use clap::Subcommand;
use std::io::BufRead;
use std::sync::Arc;
use tonearm_library::cloud::UploadState;
use tonearm_library::{Library, TrackId};
use tonearm_sync::{Cloud, Connection, ServerUrl, Settings, SyncEvent, Until};

/// How long `cloud status` waits for the server to answer.
const STATUS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, Subcommand)]
pub enum CloudCommand {
    /// Connect this device to a locker server.
    Login {
        /// The server, such as http://127.0.0.1:7420 or https://music.example.org (refused
        /// before anything is sent when it cannot be one).
        url: ServerUrl,
        #[arg(long, value_name = "USER")]
        user: String,
        /// Read the password from the first line of standard input (required: passwords
        /// never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// What the server calls this device.
        #[arg(long, default_value = "tonearm command line")]
        device: String,
    },
    /// Disconnect: the session is revoked and the cloud-only tracks leave this device.
    Logout,
    /// The account, whether the server answers (asked now), what is in the cloud, what is
    /// left to upload.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Queue every track the cloud does not have; with --wait, upload them now.
    Upload {
        #[arg(long)]
        wait: bool,
        /// Uploads at once.
        #[arg(long, default_value_t = 3)]
        jobs: usize,
        /// Upload bandwidth limit, in kilobytes per second.
        #[arg(long, value_name = "KB_PER_S")]
        limit: Option<u64>,
    },
    /// Pause uploads (all, or one track).
    Pause { track: Option<TrackId> },
    /// Resume paused uploads (all, or one track).
    Resume { track: Option<TrackId> },
    /// Send playlist and tag edits, and bring the cloud's changes here.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Delete a track from the cloud (a copy on this device stays).
    Delete { track: TrackId },
    /// Remove downloads of songs safely in the cloud (to the trash; they stay in the library,
    /// stream, and can be downloaded again): the plan and the space it frees first.
    #[command(name = "free-up")]
    FreeUp(crate::free_up::FreeUpArgs),
    /// Download songs only in the cloud to a folder of this device, where they become local
    /// songs with their plays, ratings and playlists (all of them, or an album, an artist or
    /// a playlist); resumes what a stopped download left.
    Download(crate::restore::DownloadArgs),
    /// Keys for Subsonic apps (docs/subsonic.md), so an app never holds your password.
    #[command(name = "api-key", subcommand)]
    ApiKey(ApiKeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make a key; it is printed once.
    Create {
        /// What it is for, such as "phone".
        name: String,
    },
    /// The account's keys.
    List,
    /// Revoke a key by its id: apps using it stop working at once.
    Revoke { id: String },
}

/// Settings from the environment: `TONEARM_TOKEN_STORE=file` keeps the token out of the OS
/// keychain (in an owner-only file in the data directory).
pub fn settings(device: &str, jobs: usize, limit_kb: Option<u64>) -> Settings {
    Settings {
        use_keychain: std::env::var("TONEARM_TOKEN_STORE").map_or(true, |v| v != "file"),
        device_name: device.to_owned(),
        workers: jobs,
        bandwidth_limit: limit_kb.map(|kb| kb * 1000),
        ..Settings::default()
    }
}

/// A tokio runtime for the network work of one command.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the network runtime")
}

pub fn open(
    library: &Arc<Library>,
    dirs: &crate::paths::Dirs,
    settings: Settings,
) -> Result<Arc<Cloud>> {
    Ok(Cloud::open(
        library.clone(),
        &dirs.data,
        &dirs.cache,
        settings,
    )?)
}

/// A size for people: KB, MB or GB.
pub(crate) fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1u32 << 20)),
        b => format!("{:.0} KB", b as f64 / 1024.0),
    }
}

pub fn run(library: &Arc<Library>, dirs: &crate::paths::Dirs, command: CloudCommand) -> Result<()> {
    let runtime = runtime()?;
    match command {
        CloudCommand::Login {
            url,
            user,
            password_stdin: _,
            device,
        } => {
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            anyhow::ensure!(!password.is_empty(), "no password on standard input");
            let cloud = open(library, dirs, settings(&device, 3, None))?;
            let account = runtime.block_on(cloud.login(&url, &user, password))?;
            let store = cloud.status()?.token_store;
            println!(
                "logged in to {} as {} ({})",
                account.server,
                account.username,
                match store {
                    Some(tonearm_sync::TokenStore::Keychain) => "token in the OS keychain",
                    _ => "token in an owner-only file in the data directory",
                }
            );
        }
        CloudCommand::ApiKey(action) => {
            let cloud = open(library, dirs, settings("", 3, None))?;
            let client = cloud.client()?;
            match action {
                ApiKeyCommand::Create { name } => {
                    let created = runtime.block_on(client.create_api_key(&name))?;
                    println!("{}", created.key);
                    eprintln!(
                        "API key {:?} made (id {}); give the key above to the app: it is not shown again",
                        created.info.name, created.info.id
                    );
                }
                ApiKeyCommand::List => {
                    for key in runtime.block_on(client.api_keys())? {
                        println!("{}\t{}", key.id, key.name);
                    }
                }
                ApiKeyCommand::Revoke { id } => {
                    runtime.block_on(client.revoke_api_key(&id))?;
                    println!("revoked {id}");
                }
            }
        }
        CloudCommand::Logout => {
            let cloud = open(library, dirs, settings("", 3, None))?;
            runtime.block_on(cloud.logout())?;
            println!("logged out");
        }
        CloudCommand::Status { json } => {
            let cloud = open(library, dirs, settings("", 3, None))?;
            runtime.block_on(cloud.check_connection(STATUS_TIMEOUT));
            let status = cloud.status()?;
            if json {
                return crate::commands::print_json(&status);
            }
            match &status.account {
                Some(account) => println!(
                    "account: {} at {} (device \"{}\"; token in {})",
                    account.username,
                    account.server,
                    account.device,
                    match status.token_store {
                        Some(tonearm_sync::TokenStore::Keychain) => "the OS keychain",
                        Some(tonearm_sync::TokenStore::File) => "an owner-only file",
                        None => "nowhere: log in again",
                    }
                ),
                None => println!("not logged in"),
            }
            match (&status.connection, &status.account) {
                (Connection::Online, Some(account)) => {
                    println!("online: {} answers", account.server);
                }
                (Connection::Offline { reason }, _) => println!("offline: {reason}"),
                _ => {}
            }
            let t = &status.totals;
            println!(
                "in the cloud: {} tracks ({}); only here: {}; only in the cloud: {}",
                t.in_cloud,
                size(t.in_cloud_bytes),
                t.local_only,
                t.cloud_only
            );
            println!(
                "to upload: {} ({}); paused: {}; failed: {}",
                t.pending,
                size(t.pending_bytes),
                t.paused,
                t.failed
            );
            for track in library.upload_activity(20)? {
                let detail = match (&track.error, track.state) {
                    (Some(error), _) => format!(": {error}"),
                    (None, UploadState::Uploading) => {
                        format!(" {} of {}", size(track.bytes_done), size(track.bytes_total))
                    }
                    _ => String::new(),
                };
                println!("  {:?} {}{detail}", track.state, track.title);
            }
            println!(
                "stream cache: {} of {}",
                size(status.cache_bytes),
                size(status.cache_budget)
            );
        }
        CloudCommand::Upload { wait, jobs, limit } => {
            let cloud = open(library, dirs, settings("", jobs, limit))?;
            cloud.client()?;
            let queued = cloud.queue_all()?;
            if !wait {
                println!(
                    "{queued} tracks queued (upload them with `tonearm cloud upload --wait` or the app)"
                );
                return Ok(());
            }
            let mut events = cloud.subscribe();
            let titles = |id: TrackId| {
                library
                    .track(id)
                    .map_or_else(|_| id.to_string(), |t| t.title)
            };
            let mut failed = 0;
            let mut report = |event: SyncEvent| {
                if let SyncEvent::Upload(upload) = event {
                    match upload.state {
                        UploadState::InCloud => {
                            println!("in the cloud: {}", titles(upload.track_id));
                        }
                        UploadState::Failed => {
                            failed += 1;
                            eprintln!(
                                "failed: {}: {}",
                                titles(upload.track_id),
                                upload.error.unwrap_or_default()
                            );
                        }
                        _ => {}
                    }
                }
            };
            runtime.block_on(async {
                let work = cloud.run_uploads(jobs, Until::Idle);
                tokio::pin!(work);
                loop {
                    tokio::select! {
                        () = &mut work => break,
                        event = events.recv() => match event {
                            Ok(event) => report(event),
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                            Err(_) => break,
                        },
                    }
                }
            });
            // What happened in the last moments before the workers finished.
            while let Ok(event) = events.try_recv() {
                report(event);
            }
            let totals = library.cloud_totals()?;
            println!(
                "{} tracks in the cloud; {} failed (retried later), {} paused",
                totals.in_cloud, totals.failed, totals.paused
            );
            anyhow::ensure!(failed == 0, "{failed} uploads failed");
        }
        CloudCommand::Pause { track } => {
            let cloud = open(library, dirs, settings("", 3, None))?;
            println!("{} uploads paused", cloud.pause(track)?);
        }
        CloudCommand::Resume { track } => {
            let cloud = open(library, dirs, settings("", 3, None))?;
            println!("{} uploads resumed", cloud.resume(track)?);
        }
        CloudCommand::Delete { track } => {
            let cloud = open(library, dirs, settings("", 3, None))?;
            let title = library.track(track)?.title;
            runtime.block_on(cloud.delete_from_cloud(track))?;
            println!("deleted from the cloud: {title}");
        }
        CloudCommand::Download(args) => crate::restore::download(library, dirs, &runtime, args)?,
        CloudCommand::FreeUp(args) => crate::free_up::run(library, dirs, &runtime, args)?,
        CloudCommand::Sync { json } => {
            let cloud = open(library, dirs, settings("", 3, None))?;
            let report = runtime.block_on(cloud.sync())?;
            if json {
                return crate::commands::print_json(&report);
            }
            println!(
                "{} changes from the cloud; {} playlist edits sent ({} waiting for uploads); {} tag edits sent",
                report.changes_applied,
                report.playlist_ops_sent,
                report.playlist_ops_waiting,
                report.metadata_sent
            );
        }
    }
    Ok(())
}

/// `tonearm pin|unpin TRACK_ID...`.
pub fn pin(
    library: &Arc<Library>,
    dirs: &crate::paths::Dirs,
    tracks: &[TrackId],
    pinned: bool,
) -> Result<()> {
    let runtime = runtime()?;
    let cloud = open(library, dirs, settings("", 3, None))?;
    for track in tracks {
        if pinned {
            cloud.pin(*track, runtime.handle().clone())?;
            println!("kept offline: {}", library.track(*track)?.title);
        } else {
            cloud.unpin(*track)?;
            println!("no longer kept offline: {}", library.track(*track)?.title);
        }
    }
    Ok(())
}
