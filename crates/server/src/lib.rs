//! The Tonearm cloud locker server as a library, so tests and the desktop app can embed it.
//!
//! [`spawn`] starts a server from a [`Config`] and returns a [`RunningServer`] with the bound
//! address and a shutdown handle; the `tonearm-server` binary is a thin shell around it.
//!
//! Map: `api` (HTTP routes and the OpenAPI document), `auth` (tokens), `passwords` (argon2id
//! checks on a bounded pool), `throttle` (failed logins), `limits` (what a caller can spend),
//! `store` (metadata behind [`MetadataStore`]), `blobs` (bytes behind [`BlobStore`]),
//! `backends` (which of each the configuration names, opened and checked at start), `range`
//! and `signing` (pure helpers for streaming), `maintenance` (expiry and garbage collection),
//! `users` (account administration for the CLI), `playlists` (the pure rules of playlist sync),
//! `tls` (HTTPS when a certificate is configured), `web_app` (the web player at `/`, embedded at
//! build time).

mod api;
pub mod artwork;
pub mod auth;
pub mod backends;
pub mod blob_cache;
pub mod blobs;
pub mod catalog;
pub mod config;
pub mod error;
pub mod limits;
mod listener;
pub mod maintenance;
pub mod passwords;
pub mod playlists;
pub mod range;
pub mod signing;
mod state;
pub mod store;
mod stream_grants;
mod subsonic;
pub mod throttle;
mod tls;
pub mod users;
pub mod vault;
mod web_app;

pub use blobs::{BlobStore, ObjectBlobStore};
pub use config::{BlobLocation, Config, DatabaseUrl, Settings, TlsConfig};
pub use error::{Error, Result};
pub use maintenance::MaintenanceReport;
#[cfg(feature = "postgres")]
pub use store::PostgresStore;
pub use store::{MetadataStore, SqliteStore};

use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a shutdown waits for open requests (long streams) before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Opens the password vault of `config` and checks its key is the one the database's
/// passwords were sealed with.
pub async fn open_vault(
    config: &Config,
    store: &dyn MetadataStore,
) -> Result<vault::PasswordVault> {
    let key_file = config.vault_key();
    if let Some(folder) = key_file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(Error::io(folder))?;
    }
    let vault = vault::PasswordVault::open(&key_file)?;
    vault.check_against(store, &key_file).await?;
    Ok(vault)
}

/// Pending connections the kernel queues before `accept`: a burst of players connecting at once
/// must not overflow it (an overflow drops the SYN and costs the client a 1 s retransmit).
const LISTEN_BACKLOG: u32 = 4096;

fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// A server running on the current tokio runtime.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    https: bool,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    maintenance: Option<JoinHandle<()>>,
}

/// Starts the server: opens the stores under `config.data_dir`, binds `config.listen` (port 0
/// picks a free port) and serves until [`RunningServer::shutdown`] or drop. With `config.tls`
/// it serves HTTPS only; an unreadable or invalid certificate or key fails here, naming the file.
pub async fn spawn(config: Config) -> Result<RunningServer> {
    // First, so a bad certificate fails before anything is created on disk.
    let acceptor = config.tls.as_ref().map(tls::acceptor).transpose()?;
    let data_dir = config.data_dir.clone();
    std::fs::create_dir_all(&data_dir).map_err(Error::io(&data_dir))?;
    let store = backends::open_store(&config).await?;
    let blobs = backends::open_blobs(&config).await?;
    let signer = signing::UrlSigner::shared(&*store, &data_dir.join("url-signing.key")).await?;
    let vault = open_vault(&config, &*store).await?;
    let limits = config.limits;
    let backend_names = backends::BackendNames::of(&config);
    let state = AppState {
        config: Arc::new(config),
        store,
        blobs,
        throttle: Arc::new(throttle::LoginThrottle::new(limits.throttle)),
        passwords: passwords::PasswordPool::new(limits.passwords),
        signer,
        vault,
        thumbnails: artwork::Thumbnails::new(&data_dir),
        part_buffers: Arc::new(tokio::sync::Semaphore::new(limits.upload_buffers.max(1))),
        busy_uploads: Arc::default(),
        stream_grants: Arc::default(),
        openapi: Arc::default(),
    };
    let (router, _) = api::router(state.clone());
    let listen = state.config.listen;
    let listener = bind(listen).map_err(|source| Error::Bind {
        addr: listen,
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind {
        addr: listen,
        source,
    })?;
    let (shutdown, signal) = oneshot::channel::<()>();
    // Small responses (headers, then the first chunk of a range) must not wait for Nagle.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "could not disable Nagle's algorithm");
        }
    });
    // A dropped sender also means "stop".
    let stop = async {
        let _ = signal.await;
    };
    let https = acceptor.is_some();
    let server = match acceptor {
        None => tokio::spawn(listener::serve(listener, router, limits, stop)),
        Some(acceptor) => tokio::spawn(listener::serve(
            tls::TlsListener::new(listener, acceptor),
            router,
            limits,
            stop,
        )),
    };
    let maintenance = state.config.maintenance_interval.map(|every| {
        let state = state.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                if let Err(error) = maintenance::run(&state).await {
                    tracing::error!(error = %error::error_chain(&error), "maintenance failed");
                }
            }
        })
    });
    tracing::info!(
        %addr,
        https,
        data_dir = %data_dir.display(),
        database = %state.config.database(),
        blobs = %state.config.blob_store(),
        "tonearm-server listening on {} and {}",
        backend_names.database,
        backend_names.blobs
    );
    if !web_app::embedded() {
        tracing::info!("this build has no web player (`cargo xtask run` builds it)");
    }
    Ok(RunningServer {
        addr,
        https,
        state,
        shutdown: Some(shutdown),
        server: Some(server),
        maintenance,
    })
}

impl RunningServer {
    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, or `https://ADDR` when serving TLS: the base URL of the API on this
    /// machine.
    #[must_use]
    pub fn base_url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Runs one maintenance pass now: expire stale uploads, collect unowned blobs, prune the
    /// login throttle.
    pub async fn run_maintenance(&self) -> Result<MaintenanceReport> {
        maintenance::run(&self.state).await
    }

    /// The metadata store, for administration while the server runs.
    #[must_use]
    pub fn store(&self) -> Arc<dyn MetadataStore> {
        Arc::clone(&self.state.store)
    }

    /// The blob store, for tests and administration.
    #[must_use]
    pub fn blobs(&self) -> Arc<dyn BlobStore> {
        Arc::clone(&self.state.blobs)
    }

    /// Where account passwords are sealed (for adding accounts while the server runs).
    #[must_use]
    pub fn vault(&self) -> &vault::PasswordVault {
        &self.state.vault
    }

    /// Stops accepting connections, lets open requests finish (up to a grace period) and
    /// returns once the server has stopped.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.maintenance.take() {
            task.abort();
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(mut server) = self.server.take() {
            match tokio::time::timeout(SHUTDOWN_GRACE, &mut server).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(error))) => tracing::error!(%error, "server stopped with an error"),
                Ok(Err(error)) => tracing::error!(%error, "server task failed"),
                Err(_) => {
                    tracing::warn!(
                        "open requests outlived the shutdown grace period; dropping them"
                    );
                    server.abort();
                }
            }
        }
        tracing::info!("tonearm-server stopped");
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(task) = self.maintenance.take() {
            task.abort();
        }
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
