//! Login and the per-device sessions it creates.

use crate::ids::SessionId;
use crate::names::{DeviceName, Username};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/sessions`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Account name.
    pub username: Username,
    /// Account password (at most 1,024 characters).
    pub password: Password,
    /// A name for the device, shown when listing sessions (for example "laptop").
    pub device: DeviceName,
}

/// A password as sent to log in: at most [`Password::MAX_CHARS`] characters, so a caller cannot make
/// the server hash a megabyte. Never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, max_length = 1024)]
pub struct Password(String);

impl Password {
    /// The longest password accepted.
    pub const MAX_CHARS: usize = 1024;

    /// Takes a password, refusing one longer than [`Password::MAX_CHARS`].
    pub fn new(text: impl Into<String>) -> Result<Self, PasswordTooLong> {
        let text = text.into();
        if text.chars().count() > Self::MAX_CHARS {
            Err(PasswordTooLong)
        } else {
            Ok(Self(text))
        }
    }

    /// The password's text.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// A password longer than [`Password::MAX_CHARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password too long: at most 1024 characters")]
pub struct PasswordTooLong;

impl TryFrom<String> for Password {
    type Error = PasswordTooLong;
    fn try_from(text: String) -> Result<Self, PasswordTooLong> {
        Self::new(text)
    }
}

impl From<Password> for String {
    fn from(password: Password) -> Self {
        password.0
    }
}

/// The bearer token (shown once, stored hashed by the server) and the session it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    /// The session this token authenticates.
    pub session: SessionInfo,
}

/// One device's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    /// Id used to revoke the session.
    pub id: SessionId,
    /// Device name given at login.
    pub device: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Whether this is the session making the request.
    #[serde(default)]
    pub current: bool,
}

/// `GET /api/v1/sessions`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionsResponse {
    /// The user's live sessions, oldest first.
    pub sessions: Vec<SessionInfo>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn wire_format_of_login() {
        let request: LoginRequest = serde_json::from_value(
            json!({"username": "ann", "password": "pw", "device": "laptop"}),
        )
        .unwrap();
        assert_eq!(request.device.as_str(), "laptop");
        assert_eq!(format!("{:?}", request.password), "Password(..)");
        assert!(
            serde_json::from_value::<LoginRequest>(
                json!({"username": "ann", "password": "p".repeat(1025), "device": "d"})
            )
            .is_err()
        );
        let response = LoginResponse {
            token: "t".into(),
            session: SessionInfo {
                id: SessionId(Uuid::nil()),
                device: "laptop".into(),
                created_at: 1,
                current: true,
            },
        };
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({"token": "t", "session": {
                "id": "00000000-0000-0000-0000-000000000000",
                "device": "laptop", "created_at": 1, "current": true}})
        );
    }
}

/// How much of the locker the user fills: `GET /api/v1/storage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StorageUsage {
    /// Bytes of audio the user owns, plus bytes reserved by unfinished uploads.
    pub used_bytes: u64,
    /// The most the user may store, when the server sets a quota.
    pub quota_bytes: Option<u64>,
}

/// `POST /api/v1/api-keys`: a key for a Subsonic app (OpenSubsonic `apiKey`), so the app never
/// holds the account's password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyRequest {
    /// What the key is for (for example "phone"), shown when listing keys.
    pub name: DeviceName,
}

/// An API key as listed (the key itself is shown only once, when made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyInfo {
    /// Id, for revoking it.
    pub id: String,
    /// What the key is for.
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A new API key: give `key` to the app; the server keeps only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeyCreated {
    /// The key's record.
    #[serde(flatten)]
    pub info: ApiKeyInfo,
    /// The key, shown this once.
    pub key: String,
}

/// `GET /api/v1/api-keys`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ApiKeysResponse {
    /// The user's keys, oldest first.
    pub keys: Vec<ApiKeyInfo>,
}

/// `POST /api/v1/web/session`: a browser signs in (the web player).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebLoginRequest {
    /// Account name.
    pub username: Username,
    /// Account password (at most 1,024 characters).
    pub password: Password,
}

/// A browser's session: the token itself is only in the `HttpOnly` cookie; the page gets the
/// CSRF token it sends (as `X-Tonearm-CSRF`) with every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WebSession {
    /// Who is signed in.
    pub username: String,
    /// Sent with every change (`X-Tonearm-CSRF`).
    pub csrf_token: String,
    /// The session, as the account's list of sessions shows it.
    pub session: SessionInfo,
}
