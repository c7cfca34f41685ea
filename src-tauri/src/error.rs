//! The one error type commands return to the UI, and the one place domain errors become it.
//!
//! The UI gets a kind it can act on and a message it can show; internal details (SQL, I/O
//! causes) go to the log, never to the screen.

use serde::Serialize;
use specta::Type;
use tonearm_library::LibraryError;

/// What went wrong, for the UI.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CommandError {
    /// The thing asked for does not exist (a folder, a track, a playlist).
    #[error("{message}")]
    NotFound { message: String },
    /// The request cannot be done as asked (not a folder, overlapping folders, a bad query).
    #[error("{message}")]
    Invalid { message: String },
    /// Something else is already running (a scan).
    #[error("{message}")]
    Busy { message: String },
    /// The cloud server cannot be reached right now; trying again later may work.
    #[error("{message}")]
    Unavailable { message: String },
    /// An unexpected failure; the log has the details.
    #[error("{message}")]
    Internal { message: String },
}

impl CommandError {
    pub fn busy(message: impl Into<String>) -> Self {
        Self::Busy {
            message: message.into(),
        }
    }

    pub fn internal(context: &str, error: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error_chain(error), "{context}");
        Self::Internal {
            message: format!("{context}; see the log for details"),
        }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<LibraryError> for CommandError {
    fn from(error: LibraryError) -> Self {
        let message = error.to_string();
        match error {
            LibraryError::UnknownFolder { .. }
            | LibraryError::UnknownTrack(_)
            | LibraryError::UnknownPlaylist(_)
            | LibraryError::UnknownEntry(_) => Self::NotFound { message },
            LibraryError::NotAFolder { .. }
            | LibraryError::FolderOverlaps { .. }
            | LibraryError::InvalidQuery(_)
            | LibraryError::TooNew { .. }
            | LibraryError::InvalidItunesLibrary { .. } => Self::Invalid { message },
            LibraryError::Io { ref source, .. }
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                Self::Invalid {
                    message: format!("{message}: no such file or folder"),
                }
            }
            LibraryError::Cancelled => Self::Busy { message },
            other => Self::internal("the library could not do that", &other),
        }
    }
}

impl From<tonearm_sync::SyncError> for CommandError {
    fn from(error: tonearm_sync::SyncError) -> Self {
        use tonearm_sync::SyncError;
        let message = error.to_string();
        match error {
            SyncError::NotLoggedIn
            | SyncError::NotAServerAddress { .. }
            | SyncError::Invalid(_)
            | SyncError::Protocol(_)
            | SyncError::Changed { .. } => Self::Invalid { message },
            SyncError::Server { status: 404, .. } => Self::NotFound { message },
            SyncError::Server { status, .. } if status < 500 && status != 429 => {
                Self::Invalid { message }
            }
            SyncError::Server { .. } | SyncError::Unreachable { .. } | SyncError::Network(_) => {
                Self::Unavailable { message }
            }
            SyncError::Paused => Self::Busy { message },
            SyncError::Library(inner) => inner.into(),
            other => Self::internal("the cloud could not do that", &other),
        }
    }
}

impl From<tonearm_server::Error> for CommandError {
    fn from(error: tonearm_server::Error) -> Self {
        use tonearm_server::Error;
        let message = error.to_string();
        match error {
            Error::BadRequest(_) => Self::Invalid { message },
            Error::Bind { .. } => Self::Unavailable {
                message: format!("{message}: another program uses it"),
            },
            other => Self::internal("the built-in locker could not do that", &other),
        }
    }
}

impl From<crate::locker::ConnectError> for CommandError {
    fn from(error: crate::locker::ConnectError) -> Self {
        use crate::locker::ConnectError;
        match error {
            ConnectError::Server(error) => error.into(),
            ConnectError::Sync(error) => error.into(),
            ConnectError::Library(error) => error.into(),
        }
    }
}
