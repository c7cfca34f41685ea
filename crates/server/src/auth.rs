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

/// The cookie that holds a browser's session token (the web player's): `HttpOnly`, so the
/// page's scripts never see it, and `SameSite=Strict`, so other sites' pages do not send it.
pub const SESSION_COOKIE: &str = "tonearm_session";

/// The header a browser session sends with every change: the session's CSRF token, which
/// only the page itself learns (`UrlSigner::csrf_token`).
pub const CSRF_HEADER: &str = "x-tonearm-csrf";

/// The session token in a request's `Cookie` header.
pub(crate) fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = bearer_token(&parts.headers) {
            return Ok(Self::from_token(state, token).await?);
        }
        // A browser's session: reads as any device's; changes only with the CSRF token.
        let token = session_cookie(&parts.headers).ok_or(Error::Unauthorized)?;
        let user = Self::from_token(state, token).await?;
        if !parts.method.is_safe() {
            check_csrf(state, token, &parts.headers)?;
        }
        Ok(user)
    }
}

/// Refuses a change asked with the session cookie `token` unless it carries the session's
/// CSRF token (compared in constant time).
pub(crate) fn check_csrf(
    state: &AppState,
    token: &str,
    headers: &axum::http::HeaderMap,
) -> Result<()> {
    let expected = state.signer.csrf_token(&token_hash(token));
    let given = headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    if blake3::hash(given.as_bytes()) == blake3::hash(expected.as_bytes()) {
        Ok(())
    } else {
        Err(Error::Csrf {
            header: CSRF_HEADER,
        })
    }
}
