//! The sync crate's one error type: what went wrong talking to the cloud, and whether trying
//! again later can help.

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
    /// The server could not be reached, or the connection dropped.
    #[error("cannot reach the server: {0}")]
    Network(String),
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
            Self::Network(_) | Self::Changed { .. } => true,
            Self::Server { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }
}

impl From<reqwest::Error> for SyncError {
    fn from(error: reqwest::Error) -> Self {
        // The chain says why (refused, reset, timed out); the top level only "error sending".
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::Network(message)
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;
