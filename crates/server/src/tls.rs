//! HTTPS without a reverse proxy: loads the PEM certificate chain and private key named in the
//! configuration into a rustls server configuration (ring provider, passed explicitly so no
//! process-wide default is needed), and wraps the TCP listener in a [`TlsListener`] that hands
//! axum only connections whose handshake succeeded.
//!
//! Handshakes run on their own tasks: a slow, silent or failing client holds up nobody else, and
//! a failed one is logged at debug level and forgotten. Since axum drives the listener, its
//! graceful shutdown works unchanged: it stops accepting and drops the listener, which aborts
//! handshakes still in progress.

use crate::config::TlsConfig;
use crate::error::{Error, Result};
use axum::serve::Listener;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A client that has not finished its handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes in progress at once; beyond this, new connections wait in the kernel's backlog.
const MAX_PENDING_HANDSHAKES: usize = 1024;

/// Reads the certificate chain and key and builds the acceptor; every failure names the file.
pub(crate) fn acceptor(tls: &TlsConfig) -> Result<TlsAcceptor> {
    let cert_path = &tls.cert;
    let key_path = &tls.key;
    let certs = read(cert_path, "certificate")?;
    let certs = CertificateDer::pem_slice_iter(&certs)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| invalid("certificate", cert_path, &e))?;
    if certs.is_empty() {
        return Err(invalid(
            "certificate",
            cert_path,
            &"no PEM CERTIFICATE block in it",
        ));
    }
    let key = read(key_path, "private key")?;
    let key =
        PrivateKeyDer::from_pem_slice(&key).map_err(|e| invalid("private key", key_path, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("tls setup: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            Error::Config(format!(
                "the TLS private key {} does not suit the certificate {}: {e}",
                key_path.display(),
                cert_path.display()
            ))
        })?;
    // axum serves HTTP/1.1 only (its http2 feature is off), so that is all we offer.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        Error::Config(format!(
            "cannot read the TLS {what} {}: {e}",
            path.display()
        ))
    })
}

fn invalid(what: &str, path: &Path, reason: &dyn std::fmt::Display) -> Error {
    Error::Config(format!(
        "invalid TLS {what} {} (PEM expected): {reason}",
        path.display()
    ))
}

/// A listener that yields TLS streams, handshaking each accepted connection on its own task.
pub(crate) struct TlsListener<L> {
    tcp: L,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
}

impl<L> TlsListener<L> {
    pub(crate) fn new(tcp: L, acceptor: TlsAcceptor) -> Self {
        Self {
            tcp,
            acceptor,
            handshakes: JoinSet::new(),
        }
    }
}

impl<L: std::fmt::Debug> std::fmt::Debug for TlsListener<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener")
            .field("tcp", &self.tcp)
            .field("pending_handshakes", &self.handshakes.len())
            .finish_non_exhaustive()
    }
}

impl<L> Listener for TlsListener<L>
where
    L: Listener<Io = TcpStream, Addr = SocketAddr>,
{
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // Both branches are cancel-safe: axum drops this future when shutdown begins.
            tokio::select! {
                (tcp, peer) = self.tcp.accept(), if self.handshakes.len() < MAX_PENDING_HANDSHAKES => {
                    let acceptor = self.acceptor.clone();
                    self.handshakes.spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                            Ok(Ok(tls)) => Some((tls, peer)),
                            Ok(Err(error)) => {
                                tracing::debug!(%peer, %error, "tls handshake failed");
                                None
                            }
                            Err(_) => {
                                tracing::debug!(%peer, "tls handshake timed out");
                                None
                            }
                        }
                    });
                }
                Some(done) = self.handshakes.join_next() => match done {
                    Ok(Some(connection)) => return connection,
                    Ok(None) => {}
                    Err(error) => tracing::warn!(%error, "tls handshake task failed"),
                },
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
