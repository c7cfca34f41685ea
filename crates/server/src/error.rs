//! The server's one error type, and the one place ([`ApiError`]) that maps it to HTTP.
//!
//! Domain code returns [`Error`] with context (the upload id, the hash); handlers return
//! [`ApiError`], whose `IntoResponse` picks the status and the typed JSON body. Internal failures
//! are logged with their cause chain and answered with a bare "internal server error".

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use std::time::Duration;
use tonearm_protocol::{ErrorBody, ErrorCode};

/// Everything that can go wrong in the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The metadata database failed.
    #[error("database error while {context}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The cause, from whichever database the store runs on.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The database was migrated by a newer build, whose schema this one does not know.
    #[error(
        "the database schema is at version {found}, newer than this build knows ({supported}): run a newer server"
    )]
    SchemaTooNew {
        /// The version the database records.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The blob store failed.
    #[error("blob store error for blob {hash}")]
    BlobStore {
        /// The blob concerned.
        hash: String,
        /// The cause.
        #[source]
        source: object_store::Error,
    },
    /// A local file operation failed.
    #[error("i/o error at {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A blocking task panicked or was cancelled.
    #[error("background task failed")]
    Task(#[source] tokio::task::JoinError),
    /// Hashing a password failed.
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Stored data could not be decoded (a bug or a corrupted database).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The request was malformed.
    #[error("{0}")]
    BadRequest(String),
    /// No such thing for this user (also when it belongs to someone else).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Missing, invalid or revoked credentials.
    #[error("invalid credentials")]
    Unauthorized,
    /// Too many failed logins for this username from this address.
    #[error("too many failed logins, retry in {} s", retry_seconds(*retry_after))]
    Throttled {
        /// How long to wait.
        retry_after: Duration,
    },
    /// The server is at one of its limits (password checks waiting); nothing was done.
    #[error("the server is busy, retry in {} s", retry_seconds(*retry_after))]
    Busy {
        /// How long to wait.
        retry_after: Duration,
    },
    /// A request body is larger than the route accepts.
    #[error("request body too large: this route takes at most {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The user has as many unfinished uploads, or reserved bytes, as allowed.
    #[error("{0}")]
    TooManyUploads(String),
    /// A username is taken.
    #[error("user {0:?} already exists")]
    UserExists(String),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// A tus PATCH did not start at the server's offset.
    #[error("upload offset mismatch: the server has {expected} bytes, the request starts at {got}")]
    OffsetMismatch {
        /// The server's offset.
        expected: u64,
        /// The request's `Upload-Offset`.
        got: u64,
    },
    /// A tus chunk did not match its `Upload-Checksum`.
    #[error("chunk checksum mismatch ({algorithm})")]
    ChecksumMismatch {
        /// The algorithm named by the client.
        algorithm: &'static str,
    },
    /// The uploaded file hashes to something else than declared.
    #[error("uploaded data hashes to {actual}, not the declared {declared}")]
    HashMismatch {
        /// Declared at creation.
        declared: String,
        /// Computed over the received bytes.
        actual: String,
    },
    /// A file exceeds the per-file limit.
    #[error("file of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Declared size.
        size: u64,
        /// Limit.
        limit: u64,
    },
    /// An upload would exceed the user's quota.
    #[error("upload of {size} bytes would exceed the quota ({used} of {quota} bytes used)")]
    QuotaExceeded {
        /// Declared size.
        size: u64,
        /// Bytes already used.
        used: u64,
        /// The quota.
        quota: u64,
    },
    /// A tus request lacks `Tus-Resumable: 1.0.0`.
    #[error("missing or unsupported Tus-Resumable version: this server speaks 1.0.0")]
    TusVersion,
    /// A request body has the wrong media type.
    #[error("expected content type {expected}")]
    MediaType {
        /// The type the route takes.
        expected: &'static str,
    },
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A proof-of-ownership answer was wrong.
    #[error("wrong proof of ownership: nothing was linked")]
    ChallengeFailed,
    /// A change asked with the session cookie, without the session's CSRF token.
    #[error(
        "this change needs the session's {header} header (a page of another site cannot send it)"
    )]
    Csrf {
        /// The header's name.
        header: &'static str,
    },
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps a database error (rusqlite's, tokio-postgres's, a pool's) with what the store was
    /// doing.
    pub(crate) fn db<E>(context: &'static str) -> impl FnOnce(E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        move |source| Self::Database {
            context,
            source: Box::new(source),
        }
    }

    /// Wraps an I/O error with the path.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// An error on its way to an HTTP response.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(error: tokio::task::JoinError) -> Self {
        Self::Task(error)
    }
}

/// Status 460 is tus's "checksum mismatch".
const CHECKSUM_MISMATCH: u16 = 460;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let (status, code) = match &error {
            Error::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            Error::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Error::Unauthorized => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            Error::Throttled { .. } | Error::TooManyUploads(_) => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::TooManyRequests)
            }
            Error::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            Error::BodyTooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge),
            Error::UserExists(_) | Error::Conflict(_) | Error::OffsetMismatch { .. } => {
                (StatusCode::CONFLICT, ErrorCode::Conflict)
            }
            Error::ChecksumMismatch { .. } => (
                StatusCode::from_u16(CHECKSUM_MISMATCH).expect("460 is a valid status code"),
                ErrorCode::ChecksumMismatch,
            ),
            Error::HashMismatch { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::HashMismatch)
            }
            Error::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge),
            Error::QuotaExceeded { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::QuotaExceeded)
            }
            Error::ChallengeFailed => (StatusCode::FORBIDDEN, ErrorCode::ChallengeFailed),
            Error::Csrf { .. } => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            Error::TusVersion => (StatusCode::PRECONDITION_FAILED, ErrorCode::BadRequest),
            Error::MediaType { .. } => (StatusCode::UNSUPPORTED_MEDIA_TYPE, ErrorCode::BadRequest),
            Error::Database { .. }
            | Error::SchemaTooNew { .. }
            | Error::BlobStore { .. }
            | Error::Io { .. }
            | Error::Task(_)
            | Error::PasswordHash(_)
            | Error::Config(_)
            | Error::Bind { .. }
            | Error::Corrupt(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        };
        let message = if code == ErrorCode::Internal {
            tracing::error!(error = %error_chain(&error), "request failed");
            "internal server error".to_owned()
        } else {
            error.to_string()
        };
        let mut response = (status, axum::Json(ErrorBody::new(code, message))).into_response();
        if matches!(error, Error::TusVersion) {
            response.headers_mut().insert(
                "tus-version",
                HeaderValue::from_static(tonearm_protocol::uploads::TUS_VERSION),
            );
        }
        if let Error::Throttled { retry_after } | Error::Busy { retry_after } = error {
            let seconds = retry_seconds(retry_after).to_string();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_str(&seconds).expect("digits are a valid header value"),
            );
        }
        response
    }
}

/// Whole seconds to wait, rounded up (a client that waits exactly this long is not refused
/// again for being a moment early), at least one.
#[must_use]
pub fn retry_seconds(wait: Duration) -> u64 {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    seconds.max(1)
}

/// The error and all its causes, for the log.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up() {
        for (millis, seconds) in [(0, 1), (1, 1), (999, 1), (1000, 1), (1001, 2), (4_200, 5)] {
            assert_eq!(
                retry_seconds(Duration::from_millis(millis)),
                seconds,
                "{millis}"
            );
        }
    }
}
