//! Tonearm's cloud client: the device's side of the user's locker.
//!
//! [`Cloud`] is the one entry point, shared by the desktop shell and the `tonearm` command
//! line. It holds the account and the connection, and owns the background work:
//!
//! - [`account`]: log in and out; the device token in the OS keychain, or an owner-only file.
//! - [`client`]: the server's API, typed with `tonearm-protocol`, at a [`ServerUrl`] (an
//!   address parsed where it comes in: nothing is sent to one that cannot be a server).
//! - [`upload`]: the upload queue's workers (hash, match, tus upload that resumes, retries).
//! - [`remote`]: playlist and tag edits up, the change feed down (cloud-only tracks appear
//!   in the library, tracks already here are linked by content hash).
//! - [`stream`]: cloud tracks as seekable bytes for the player, through a budgeted on-disk
//!   cache, with "keep offline" pins.
//! - [`free_up`]: "remove downloads": files the server confirms it holds go to the OS
//!   [`trash`], their songs stay as cloud-only.
//! - [`download`]: "Download my library": cloud-only songs to a folder, resumable and
//!   BLAKE3-verified, adopted as the same tracks; [`export`]: everything, to one folder.
//! - [`background`]: what runs by itself in an app: uploads, a sync every minute and after
//!   each login, new music queued after every scan and watcher batch.
//!
//! Everything that must survive a restart (queue, hashes, resumable uploads, feed position,
//! pending playlist edits, cache index) is in the library database; see
//! `tonearm_library::cloud`.

pub mod account;
mod artwork;
pub mod background;
pub mod client;
pub mod download;
pub mod error;
pub mod export;
pub mod free_up;
pub mod remote;
pub mod server_url;
pub mod stream;
pub mod trash;
pub mod upload;

pub use account::{Account, Credentials, TokenStore};
pub use background::{Background, SYNC_EVERY};
pub use client::Client;
pub use download::{Cancel, DownloadProgress, DownloadReport};
pub use error::{NetworkFailure, Result, SyncError};
pub use free_up::{FreeUpRefusal, FreeUpReport, Freed, Refused};
pub use remote::SyncReport;
pub use server_url::ServerUrl;
pub use stream::{CloudReader, StreamCache};
pub use upload::Until;

use serde::Serialize;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;
use tonearm_library::cloud::{CloudTotals, UploadState};
use tonearm_library::{Library, TrackId};

/// How the sync engine behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Uploads at once.
    pub workers: usize,
    /// Upload bandwidth limit in bytes per second, or none.
    pub bandwidth_limit: Option<u64>,
    /// Bytes of streamed audio kept on disk (pinned tracks come on top).
    pub cache_budget: u64,
    /// Keep the token in the OS keychain (else in an owner-only file).
    pub use_keychain: bool,
    /// The name this device gives itself at login.
    pub device_name: String,
    /// Upload new music by itself (the app), rather than only when asked (the command line).
    pub auto_upload: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            workers: 3,
            bandwidth_limit: None,
            cache_budget: 2 * 1024 * 1024 * 1024,
            use_keychain: true,
            device_name: "Tonearm".to_owned(),
            auto_upload: false,
        }
    }
}

/// What the user can change while the engine runs (the app's Settings view).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Tuning {
    /// Uploads at once, 1 to [`MAX_WORKERS`].
    pub workers: u32,
    /// Upload bandwidth limit in bytes per second, or none.
    pub bandwidth_limit: Option<u64>,
    /// Bytes of streamed audio kept on disk (pinned tracks come on top).
    pub cache_budget: u64,
    /// Upload new music by itself while logged in.
    pub auto_upload: bool,
}

/// The most uploads at once.
pub const MAX_WORKERS: usize = 8;

/// One track's upload progress.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackUpload {
    pub track_id: TrackId,
    pub state: UploadState,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub error: Option<String>,
}

/// Whether the server answers.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Connection {
    LoggedOut,
    Online,
    Offline { reason: String },
}

/// What the sync engine tells the UI.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncEvent {
    /// A track's upload moved on.
    Upload(TrackUpload),
    /// The totals, the upload rate and the time left.
    Totals {
        totals: CloudTotals,
        bytes_per_second: u64,
        eta_seconds: Option<u64>,
    },
    /// A transaction of the cloud's changes was written while more are on their way: what
    /// arrived can be listed now (a large library's first sync is browsed as it runs).
    Pulled {
        changes_applied: u64,
    },
    /// A sync finished.
    Synced(SyncReport),
    Connection(Connection),
}

/// The cloud status, as `tonearm cloud status` and the cloud panel show it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudStatus {
    pub account: Option<Account>,
    pub token_store: Option<TokenStore>,
    pub connection: Connection,
    pub totals: CloudTotals,
    pub cache_bytes: u64,
    pub cache_budget: u64,
    /// Files kept offline ("keep offline" pins, a song each) and their bytes, on top of the
    /// budget.
    pub pinned_tracks: u64,
    pub pinned_bytes: u64,
    /// Bytes the locker holds for this user, as of the last sync.
    pub storage_used: Option<u64>,
    /// The most the locker lets this user store, when the server sets a quota.
    pub storage_quota: Option<u64>,
}

/// The cloud client of one device. See the crate documentation.
#[derive(Debug)]
pub struct Cloud {
    library: Arc<Library>,
    credentials: Credentials,
    client: RwLock<Option<Client>>,
    settings: Settings,
    /// Upload workers allowed to work now (workers past it wait).
    workers: AtomicUsize,
    /// Upload bandwidth limit in bytes per second; 0 means none.
    bandwidth_limit: AtomicU64,
    /// Upload new music by itself (see [`Cloud::upload_new`]).
    auto_upload: AtomicBool,
    events: tokio::sync::broadcast::Sender<SyncEvent>,
    wake: tokio::sync::Notify,
    /// Told of every login, for the background sync loop (see [`Cloud::run_syncs`]).
    logged_in: tokio::sync::Notify,
    stopping: AtomicBool,
    rate: upload::RateLimit,
    bytes_sent: AtomicU64,
    /// When the rate was last measured, and the bytes sent then.
    rate_window: Mutex<(Instant, u64)>,
    /// When totals were last published during an upload (they are throttled).
    totals_published: Mutex<Option<Instant>>,
    cache: Arc<StreamCache>,
    connection: Mutex<Connection>,
    /// What the server said about storage at the last sync.
    storage: Mutex<Option<tonearm_protocol::StorageUsage>>,
    /// Covers the server is known to have (checked once per run).
    shared_artwork: Mutex<std::collections::HashSet<String>>,
}

impl Cloud {
    /// The cloud client for the library in `data_dir`, streaming through `cache_dir`; logged
    /// in when this device was before.
    pub fn open(
        library: Arc<Library>,
        data_dir: &Path,
        cache_dir: &Path,
        settings: Settings,
    ) -> Result<Arc<Self>> {
        let credentials = Credentials::new(data_dir, settings.use_keychain);
        let client = match (Account::load(&library)?, credentials.load()?) {
            (Some(account), Some((token, _))) => {
                Some(Client::new(&ServerUrl::parse(&account.server)?)?.with_token(&token))
            }
            _ => None,
        };
        let connection = if client.is_some() {
            Connection::Online
        } else {
            Connection::LoggedOut
        };
        let cache = Arc::new(StreamCache::new(
            stream::cache_dir(cache_dir),
            settings.cache_budget,
            library.clone(),
        ));
        let (events, _) = tokio::sync::broadcast::channel(1024);
        Ok(Arc::new(Self {
            library,
            credentials,
            client: RwLock::new(client),
            workers: AtomicUsize::new(settings.workers.clamp(1, MAX_WORKERS)),
            bandwidth_limit: AtomicU64::new(settings.bandwidth_limit.unwrap_or(0)),
            auto_upload: AtomicBool::new(settings.auto_upload),
            settings,
            events,
            wake: tokio::sync::Notify::new(),
            logged_in: tokio::sync::Notify::new(),
            stopping: AtomicBool::new(false),
            rate: upload::RateLimit::default(),
            bytes_sent: AtomicU64::new(0),
            rate_window: Mutex::new((Instant::now(), 0)),
            totals_published: Mutex::new(None),
            cache,
            connection: Mutex::new(connection),
            storage: Mutex::new(None),
            shared_artwork: Mutex::default(),
        }))
    }

    pub fn library(&self) -> &Arc<Library> {
        &self.library
    }

    /// The logged-in client.
    pub fn client(&self) -> Result<Client> {
        self.client
            .read()
            .ok()
            .and_then(|c| c.clone())
            .ok_or(SyncError::NotLoggedIn)
    }

    /// Events from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<SyncEvent> {
        self.events.subscribe()
    }

    /// Logs this device in to `server` as `username`.
    pub async fn login(
        &self,
        server: &ServerUrl,
        username: &str,
        password: &str,
    ) -> Result<Account> {
        let client = Client::new(server)?;
        let login = client
            .login(username, password, &self.settings.device_name)
            .await?;
        let account = Account {
            server: client.base_url().to_owned(),
            username: username.to_owned(),
            device: self.settings.device_name.clone(),
            session: login.session.id,
        };
        if let Some(previous) = Account::load(&self.library)?
            && (previous.server != account.server || previous.username != account.username)
        {
            // Another locker: what this device learned from the old one does not apply.
            self.library.forget_cloud()?;
            if let Ok(mut storage) = self.storage.lock() {
                *storage = None;
            }
        }
        let credentials = self.credentials.clone();
        let token = login.token.clone();
        tokio::task::spawn_blocking(move || credentials.store(&token))
            .await
            .map_err(|e| SyncError::Keychain(e.to_string()))??;
        account.save(&self.library)?;
        if let Ok(mut slot) = self.client.write() {
            *slot = Some(client.with_token(&login.token));
        }
        self.set_online(true, None);
        self.logged_in.notify_one();
        Ok(account)
    }

    /// Logs out: the session is revoked (when the server answers), the token forgotten, and
    /// the cloud-only tracks and pending edits of this account dropped from this device.
    pub async fn logout(&self) -> Result<()> {
        if let (Ok(client), Some(account)) = (self.client(), Account::load(&self.library)?)
            && let Err(error) = client.revoke_session(account.session).await
        {
            tracing::warn!(%error, "the server did not answer; the session stays until it expires");
        }
        let credentials = self.credentials.clone();
        tokio::task::spawn_blocking(move || credentials.delete())
            .await
            .map_err(|e| SyncError::Keychain(e.to_string()))??;
        self.library.forget_cloud()?;
        if let Ok(mut slot) = self.client.write() {
            *slot = None;
        }
        if let Ok(mut connection) = self.connection.lock() {
            *connection = Connection::LoggedOut;
        }
        let _ = self
            .events
            .send(SyncEvent::Connection(Connection::LoggedOut));
        Ok(())
    }

    /// Asks the server whether it answers and still accepts this device, within `timeout`
    /// (what the storage figures need anyway); the connection state follows and is returned.
    /// Logged out, nothing is asked.
    pub async fn check_connection(&self, timeout: std::time::Duration) -> Connection {
        let Ok(client) = self.client() else {
            return Connection::LoggedOut;
        };
        match client.storage_within(timeout).await {
            Ok(usage) => {
                if let Ok(mut storage) = self.storage.lock() {
                    *storage = Some(usage);
                }
                self.set_online(true, None);
            }
            Err(error) => {
                tracing::info!(error = %error_chain(&error), "the server did not answer");
                self.set_online(false, Some(error.to_string()));
            }
        }
        self.connection
            .lock()
            .map(|c| c.clone())
            .unwrap_or(Connection::LoggedOut)
    }

    /// The account, totals and connection.
    pub fn status(&self) -> Result<CloudStatus> {
        let account = Account::load(&self.library)?;
        let cache = self.library.cache_entries()?;
        let storage = if account.is_some() {
            self.storage.lock().ok().and_then(|s| *s)
        } else {
            None
        };
        let token_store = if account.is_some() {
            self.credentials.load()?.map(|(_, store)| store)
        } else {
            None
        };
        Ok(CloudStatus {
            account,
            token_store,
            connection: self
                .connection
                .lock()
                .map(|c| c.clone())
                .unwrap_or(Connection::LoggedOut),
            totals: self.library.cloud_totals()?,
            cache_bytes: cache.iter().map(|e| e.cached).sum(),
            cache_budget: self.cache.budget(),
            pinned_tracks: cache.iter().filter(|e| e.pinned).count() as u64,
            pinned_bytes: cache.iter().filter(|e| e.pinned).map(|e| e.cached).sum(),
            storage_used: storage.map(|s| s.used_bytes),
            storage_quota: storage.and_then(|s| s.quota_bytes),
        })
    }

    /// Queues every local track the cloud does not have; returns how many.
    pub fn queue_all(&self) -> Result<u64> {
        let queued = self.library.queue_uploads(None)?;
        self.wake_uploads();
        self.publish_totals();
        Ok(queued)
    }

    /// Queues these tracks for upload now ("upload now", or "retry" after a failure).
    pub fn queue(&self, tracks: &[TrackId]) -> Result<u64> {
        let queued = self.library.queue_uploads(Some(tracks))?;
        self.wake_uploads();
        self.publish_totals();
        Ok(queued)
    }

    /// The settings the user can change while the engine runs.
    pub fn tuning(&self) -> Tuning {
        Tuning {
            workers: self.workers.load(Ordering::Relaxed) as u32,
            bandwidth_limit: Some(self.bandwidth_limit.load(Ordering::Relaxed)).filter(|l| *l > 0),
            cache_budget: self.cache.budget(),
            auto_upload: self.auto_upload.load(Ordering::Relaxed),
        }
    }

    /// Applies new settings: more or fewer uploads at once, a bandwidth limit, a cache
    /// budget (what no longer fits is evicted now).
    pub fn set_tuning(&self, tuning: Tuning) -> Result<()> {
        self.workers.store(
            (tuning.workers as usize).clamp(1, MAX_WORKERS),
            Ordering::Relaxed,
        );
        self.bandwidth_limit
            .store(tuning.bandwidth_limit.unwrap_or(0), Ordering::Relaxed);
        self.cache.set_budget(tuning.cache_budget)?;
        let was_automatic = self.auto_upload.swap(tuning.auto_upload, Ordering::Relaxed);
        if was_automatic && !tuning.auto_upload {
            self.library.unqueue_automatic_uploads()?;
            self.publish_totals();
        }
        self.upload_new_or_log();
        self.wake_uploads();
        Ok(())
    }

    /// [`Cloud::upload_new`] where a failure must not stop the caller's own work (a sync, a
    /// settings change, a scan): it is logged, and the next one tries again.
    pub fn upload_new_or_log(&self) {
        if let Err(error) = self.upload_new() {
            tracing::warn!(%error, "new music could not be queued for upload");
        }
    }

    /// With automatic uploads on and an account, queues the music the cloud has never been
    /// asked to take (new files, a first login); returns how many. Called after every scan
    /// and at every sync; a song removed from the cloud is not sent again.
    pub fn upload_new(&self) -> Result<u64> {
        if !self.auto_upload.load(Ordering::Relaxed) || self.client().is_err() {
            return Ok(0);
        }
        let queued = self.library.queue_new_uploads()?;
        if queued > 0 {
            self.wake_uploads();
            self.publish_totals();
        }
        Ok(queued)
    }

    /// Pauses uploads (of one track, or all).
    pub fn pause(&self, track: Option<TrackId>) -> Result<u64> {
        let paused = self.library.pause_uploads(track)?;
        self.publish_totals();
        Ok(paused)
    }

    /// Resumes paused uploads (of one track, or all).
    pub fn resume(&self, track: Option<TrackId>) -> Result<u64> {
        let resumed = self.library.resume_uploads(track)?;
        self.wake_uploads();
        self.publish_totals();
        Ok(resumed)
    }

    /// A cloud track's bytes for the player, through the cache. Works offline for what is
    /// cached.
    pub fn open_track(
        &self,
        track: TrackId,
        runtime: tokio::runtime::Handle,
    ) -> Result<CloudReader> {
        let file = self
            .library
            .cloud_file(track)?
            .ok_or_else(|| SyncError::Protocol(format!("track {track} is not in the cloud")))?;
        CloudReader::open(file, self.client().ok(), runtime, self.cache.clone())
    }

    /// "Keep offline": pins the track and downloads all of it. Blocking.
    pub fn pin(&self, track: TrackId, runtime: tokio::runtime::Handle) -> Result<()> {
        let mut reader = self.open_track(track, runtime)?;
        let file = self
            .library
            .cloud_file(track)?
            .ok_or(SyncError::NotLoggedIn)?;
        self.library.set_pinned(&file.blake3, file.size, true)?;
        reader.fetch_all()
    }

    /// Deletes a track from the cloud (an explicit action, apart from deleting files here):
    /// a track of this device stays here, local only; a cloud-only track is gone.
    pub async fn delete_from_cloud(&self, track: TrackId) -> Result<()> {
        let client = self.client()?;
        match client
            .delete_track(tonearm_protocol::TrackId(track.0))
            .await
        {
            Ok(()) | Err(SyncError::Server { status: 404, .. }) => {}
            Err(error) => return Err(error),
        }
        self.library.apply_remote_deletion(track)?;
        self.publish_totals();
        Ok(())
    }

    /// Unpins a track; its bytes stay cached until evicted.
    pub fn unpin(&self, track: TrackId) -> Result<()> {
        if let Some(file) = self.library.cloud_file(track)? {
            self.library.set_pinned(&file.blake3, file.size, false)?;
            self.cache.evict()?;
        }
        Ok(())
    }

    /// Audio bytes this client has sent since it was opened.
    pub fn bytes_uploaded(&self) -> u64 {
        self.bytes_sent.load(Ordering::Relaxed)
    }

    pub fn cache(&self) -> &Arc<StreamCache> {
        &self.cache
    }

    fn set_online(&self, online: bool, reason: Option<String>) {
        let state = if online {
            Connection::Online
        } else {
            Connection::Offline {
                reason: reason.unwrap_or_default(),
            }
        };
        let changed = self
            .connection
            .lock()
            .map(|mut c| std::mem::replace(&mut *c, state.clone()) != state)
            .unwrap_or(false);
        if changed {
            let _ = self.events.send(SyncEvent::Connection(state));
        }
    }

    /// Sends the totals during a long upload, at most twice a second (they cost a query).
    pub(crate) fn publish_totals_now_and_then(&self) {
        let due = self.totals_published.lock().is_ok_and(|mut last| {
            let due = last.is_none_or(|at| at.elapsed() >= std::time::Duration::from_millis(500));
            if due {
                *last = Some(Instant::now());
            }
            due
        });
        if due {
            self.publish_totals();
        }
    }

    /// Sends the totals with the upload rate and the time left.
    pub(crate) fn publish_totals(&self) {
        let Ok(totals) = self.library.cloud_totals() else {
            return;
        };
        let sent = self.bytes_sent.load(Ordering::Relaxed);
        let rate = self
            .rate_window
            .lock()
            .map(|mut window| {
                let elapsed = window.0.elapsed().as_secs_f64();
                let rate = if elapsed > 0.0 {
                    ((sent - window.1) as f64 / elapsed) as u64
                } else {
                    0
                };
                if elapsed > 5.0 {
                    *window = (Instant::now(), sent);
                }
                rate
            })
            .unwrap_or(0);
        let eta_seconds = (rate > 0).then(|| totals.pending_bytes / rate);
        let _ = self.events.send(SyncEvent::Totals {
            totals,
            bytes_per_second: rate,
            eta_seconds,
        });
    }
}

/// An error and every cause under it, `: `-separated, for the log.
fn error_chain(error: &SyncError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `f` on tokio's blocking threads (file hashing and reading, the library's calls that wait
/// on SQLite); a panic there comes back as an error.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SyncError::Protocol(e.to_string()))?
}
