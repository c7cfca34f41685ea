//! The Tonearm cloud locker server as a library, so tests and the desktop app can embed it.
//!
//! [`spawn`] starts a server from a [`Config`] and returns a [`RunningServer`] with the bound
//! address and a shutdown handle; the `tonearm-server` binary is a thin shell around it.
//!
//! Map: `api` (HTTP routes and the OpenAPI document), `auth` (tokens), `passwords` (argon2id
//! checks on a bounded pool), `throttle` (failed logins), `limits` (what a caller can spend),
//! `store` (metadata behind [`MetadataStore`]), `blobs` (bytes behind [`BlobStore`]), `range`
//! and `signing` (pure helpers for streaming), `maintenance` (expiry and garbage collection),
//! `users` (account administration for the CLI), `playlists` (the pure rules of playlist sync),
//! `tls` (HTTPS when a certificate is configured), `web_app` (the web player at `/`, embedded at
//! build time).

mod api;
pub mod artwork;
pub mod auth;
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
mod subsonic;
pub mod throttle;
mod tls;
pub mod users;
pub mod vault;
mod web_app;

pub use blobs::{BlobStore, ObjectBlobStore};
pub use config::{Config, Settings, TlsConfig};
pub use error::{Error, Result};
pub use maintenance::MaintenanceReport;
pub use store::{MetadataStore, SqliteStore};

use state::AppState;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a shutdown waits for open requests (long streams) before dropping them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Opens the metadata store in `data_dir`, creating the folder and the schema if needed.
pub fn open_store(data_dir: &Path) -> Result<SqliteStore> {
    std::fs::create_dir_all(data_dir).map_err(Error::io(data_dir))?;
    SqliteStore::open(&data_dir.join("tonearm.db"))
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
    let store = {
        let data_dir = data_dir.clone();
        tokio::task::spawn_blocking(move || open_store(&data_dir)).await??
    };
    let blobs = ObjectBlobStore::local(&data_dir.join("blobs"))?;
    let signer = signing::UrlSigner::load_or_create(&data_dir.join("url-signing.key"))?;
    let vault = vault::PasswordVault::open(&data_dir)?;
    let uploads = data_dir.join("uploads");
    std::fs::create_dir_all(&uploads).map_err(Error::io(&uploads))?;
    let limits = config.limits;
    let state = AppState {
        config: Arc::new(config),
        store: Arc::new(store),
        blobs: Arc::new(blobs),
        throttle: Arc::new(throttle::LoginThrottle::new(limits.throttle)),
        passwords: passwords::PasswordPool::new(limits.passwords),
        signer,
        vault,
        thumbnails: artwork::Thumbnails::new(&data_dir),
        publish_lock: Arc::default(),
        busy_uploads: Arc::default(),
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
    tracing::info!(%addr, https, data_dir = %data_dir.display(), "tonearm-server listening");
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

    /// Runs one maintenance pass now: expire stale uploads, collect unowned blobs.
    pub async fn run_maintenance(&self) -> Result<MaintenanceReport> {
        maintenance::run(&self.state).await
    }

    /// The metadata store, for administration while the server runs.
    #[must_use]
    pub fn store(&self) -> Arc<dyn MetadataStore> {
        Arc::clone(&self.state.store)
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
