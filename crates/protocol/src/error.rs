//! The one error body every failing JSON API call returns, so clients branch on a stable code
//! instead of parsing messages.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{ "error": { "code": "...", "message": "..." } }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The code and a human-readable message (lowercase, no internals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Human-readable explanation; never contains server internals.
    pub message: String,
}

/// Stable error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was malformed; the message says what was wrong.
    BadRequest,
    /// Missing, invalid or revoked credentials.
    Unauthorized,
    /// No such resource for this user (also when it belongs to someone else).
    NotFound,
    /// The request conflicts with the current state (for example a tus offset mismatch).
    Conflict,
    /// The file exceeds the per-file size limit.
    TooLarge,
    /// The upload would exceed the user's quota.
    QuotaExceeded,
    /// Too many failed logins; retry after the `Retry-After` delay.
    TooManyRequests,
    /// A tus chunk did not match its `Upload-Checksum`.
    ChecksumMismatch,
    /// The uploaded file's BLAKE3 differs from the hash declared at creation.
    HashMismatch,
    /// The proof-of-ownership answer was wrong; nothing was linked.
    ChallengeFailed,
    /// A change asked with a browser's session cookie lacked the session's CSRF token.
    Forbidden,
    /// The requested byte range cannot be satisfied.
    RangeNotSatisfiable,
    /// The server is at a limit (too many password checks waiting); retry after the
    /// `Retry-After` delay.
    Unavailable,
    /// The server failed; details are in its log, not in the response.
    Internal,
}

impl ErrorBody {
    /// Builds a body from a code and a message.
    #[must_use]
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_format_of_an_error() {
        let body = ErrorBody::new(ErrorCode::NotFound, "track not found");
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"error": {"code": "not_found", "message": "track not found"}})
        );
    }
}
