//! The sync crate's one error type: what went wrong talking to the cloud, and whether trying
//! again later can help. A failed connection is one sentence (the server, what happened, what
//! to try), with the HTTP stack's own account kept as its source.

use std::path::PathBuf;

/// Everything that can go wrong syncing with the cloud.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// No account is connected on this device.
    #[error("not connected to a cloud account (log in first)")]
    NotLoggedIn,
    /// The server answered with an error.
    #[error("the server refused: {message} (HTTP {status})")]
    Server {
        status: u16,
        /// The stable code of the error body; `None` when the body was not one (a proxy's page,
        /// a newer server's code).
        code: Option<tonearm_protocol::ErrorCode>,
        message: String,
    },
    /// The server could not be reached, or the connection failed on the way: one sentence
    /// naming the server, what happened and what to try; the HTTP stack's account of it is
    /// the source, for the log.
    #[error("cannot reach the server{} ({failure}): {}", at(.server.as_deref()), .failure.advice())]
    Unreachable {
        /// Scheme, host and port (`http://127.0.0.1:7420`), when the request had an address.
        server: Option<String>,
        failure: NetworkFailure,
        #[source]
        source: reqwest::Error,
    },
    /// The network failed the cloud in a way the HTTP stack did not report (a stream that
    /// ended early, no connection to stream a part that is not cached).
    #[error("cannot reach the server: {0}")]
    Network(String),
    /// Text that cannot be a server's address: nothing was sent.
    #[error("{}", .problem.describe(.text))]
    NotAServerAddress {
        /// The text as given (its start, when long).
        text: String,
        problem: crate::server_url::AddressProblem,
    },
    /// Input that can never be sent (a malformed user name, an over-long password).
    #[error("{0}")]
    Invalid(String),
    /// The server said something this client does not understand.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file changed while it was being hashed or uploaded; it is hashed again.
    #[error("{} changed while it was being uploaded", path.display())]
    Changed { path: PathBuf },
    /// The upload was paused by the user.
    #[error("paused")]
    Paused,
    /// A file could not be written (a download, an export).
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Downloaded bytes are not those the cloud holds (their BLAKE3 differs): they were
    /// thrown away, nothing was kept.
    #[error(
        "the downloaded file of track {track} is not what was uploaded (BLAKE3 {actual}, expected {expected}); it was discarded"
    )]
    HashMismatch {
        track: tonearm_library::TrackId,
        expected: String,
        actual: String,
    },
    /// A download was cancelled; what it fetched is kept and the next one resumes from it.
    #[error("cancelled")]
    Cancelled,
    /// The keychain failed (the token goes to the fallback file instead).
    #[error("keychain: {0}")]
    Keychain(String),
    #[error(transparent)]
    Library(#[from] tonearm_library::LibraryError),
}

impl SyncError {
    /// Whether trying again later may succeed (network trouble, a server error, rate limits),
    /// as opposed to a request the server will refuse again.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::Network(_) | Self::Changed { .. } => true,
            Self::Server { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }

    /// Whether the server could not be reached (the device is offline, as far as the cloud
    /// goes), as opposed to a server that answered.
    pub fn is_network(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::Network(_))
    }
}

/// What went wrong between the device and the server, in the user's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkFailure {
    /// Nothing listens at that address (the server is not running, or the port is wrong).
    Refused,
    /// The host name is unknown (a typo, or no network to look it up).
    UnknownHost,
    /// No answer in time.
    TimedOut,
    /// The secure connection could not be made (a certificate, or `https://` to a plain server).
    Tls,
    /// The connection was cut before the answer ended.
    Interrupted,
    /// Anything else the connection did.
    Other,
}

impl NetworkFailure {
    /// What the user can try.
    pub fn advice(self) -> &'static str {
        match self {
            Self::Refused => "check that the server is running and the address is right",
            Self::UnknownHost => "check the address and the network connection",
            Self::TimedOut | Self::Other => "check the network connection, then try again",
            Self::Tls => "check whether the server wants http:// or https://, and its certificate",
            Self::Interrupted => "try again in a moment",
        }
    }

    /// Reads the failure out of what reqwest and the layers under it said.
    fn of(error: &reqwest::Error) -> Self {
        // The causes' words, lower case; not reqwest's own, which holds the URL.
        let mut text = String::new();
        let mut kind = None;
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            if is_tls(cause) {
                return Self::Tls;
            }
            kind = kind.or(cause
                .downcast_ref::<std::io::Error>()
                .map(std::io::Error::kind));
            text.push_str(&cause.to_string().to_lowercase());
            text.push('\n');
            source = cause.source();
        }
        use std::io::ErrorKind;
        match kind {
            Some(ErrorKind::ConnectionRefused) => return Self::Refused,
            Some(ErrorKind::TimedOut) => return Self::TimedOut,
            Some(
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe
                | ErrorKind::UnexpectedEof,
            ) => return Self::Interrupted,
            _ => {}
        }
        if error.is_timeout() {
            Self::TimedOut
        } else if text.contains("dns error") || text.contains("failed to lookup address") {
            Self::UnknownHost
        } else if text.contains("certificate") || text.contains("tls") {
            Self::Tls
        } else if error.is_connect() || error.is_builder() {
            Self::Other
        } else {
            Self::Interrupted
        }
    }
}

/// Whether `error` is rustls', maybe inside I/O errors (whose `source` skips what they wrap).
fn is_tls(mut error: &(dyn std::error::Error + 'static)) -> bool {
    loop {
        if error.is::<rustls::Error>() {
            return true;
        }
        match error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => error = inner,
            None => return false,
        }
    }
}

impl std::fmt::Display for NetworkFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Refused => "connection refused",
            Self::UnknownHost => "no such host",
            Self::TimedOut => "no answer in time",
            Self::Tls => "the secure connection failed",
            Self::Interrupted => "the connection was cut",
            Self::Other => "the connection failed",
        })
    }
}

/// " at SERVER", or nothing when the server is not known.
fn at(server: Option<&str>) -> String {
    server
        .map(|server| format!(" at {server}"))
        .unwrap_or_default()
}

impl From<reqwest::Error> for SyncError {
    fn from(error: reqwest::Error) -> Self {
        let server = error.url().map(|url| url.origin().ascii_serialization());
        Self::Unreachable {
            server,
            failure: NetworkFailure::of(&error),
            source: error,
        }
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;
