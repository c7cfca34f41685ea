//! Authentication: per-device bearer tokens stored only as hashes, and the [`AuthUser`]
//! extractor every protected route takes. Passwords are checked in `passwords`, failed logins
//! throttled in `throttle`.

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::UserId;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use tonearm_protocol::SessionId;

/// `N` bytes from the operating system's secure random source.
#[must_use]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides secure randomness");
    bytes
}

/// Lowercase hex of `bytes`.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new bearer token (256 random bits, hex) and the hash the store keeps instead of it.
#[must_use]
pub fn new_token() -> (String, String) {
    let token = hex(&random_bytes::<32>());
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token. A fast hash suffices: tokens are random, not guessable words.
#[must_use]
pub fn token_hash(token: &str) -> String {
    blake3::hash(token.as_bytes()).to_hex().to_string()
}

/// The user behind a request's bearer token. Taking it as an argument makes a route protected.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    /// The user.
    pub user: UserId,
    /// The session whose token was presented.
    pub session: SessionId,
}

/// The token of an `Authorization: Bearer TOKEN` header.
pub(crate) fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl AuthUser {
    /// Resolves a token to its session.
    pub(crate) async fn from_token(state: &AppState, token: &str) -> Result<Self> {
        let (session, user) = state
            .store
            .session_by_token(&token_hash(token))
            .await?
            .ok_or(Error::Unauthorized)?;
        Ok(Self { user, session })
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers).ok_or(Error::Unauthorized)?;
        Ok(Self::from_token(state, token).await?)
    }
}
