//! Authentication: argon2id password hashes, per-device bearer tokens stored only as hashes,
//! throttling of failed logins, and the [`AuthUser`] extractor every protected route takes.

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::UserId;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tonearm_protocol::SessionId;

/// Hashes a password with argon2id and a fresh random salt, as a PHC string. CPU-heavy: call it
/// on the blocking pool.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = random_bytes::<16>();
    argon2::Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::PasswordHash(e.to_string()))
}

/// Whether `password` matches the PHC string. CPU-heavy: call it on the blocking pool.
#[must_use]
pub fn verify_password(password: &str, phc: &str) -> bool {
    argon2::Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

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

/// Failed attempts allowed before logins are refused for a while.
const FREE_FAILURES: u32 = 3;
/// Lockout after the first failure beyond the free ones; it doubles with each further failure.
const BASE_LOCKOUT: Duration = Duration::from_secs(5);
/// The longest lockout.
const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// How long logins stay refused after `failures` consecutive failures: none for the first few,
/// then exponential backoff up to a cap.
#[must_use]
pub fn lockout(failures: u32) -> Option<Duration> {
    let beyond = failures.checked_sub(FREE_FAILURES)?.checked_sub(1)?;
    let factor = 1u32.checked_shl(beyond.min(16)).unwrap_or(u32::MAX);
    Some(BASE_LOCKOUT.saturating_mul(factor).min(MAX_LOCKOUT))
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

/// Counts failed logins per (username, client address). In memory: a restart forgets them,
/// which only shortens a lockout. Replicas behind a load balancer each count their own.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<(String, IpAddr), Failures>>,
}

/// Entries kept before old ones are pruned, so a flood of names cannot grow memory unbounded.
const MAX_TRACKED: usize = 10_000;

impl LoginThrottle {
    /// Refuses with `Throttled` while this username and address are locked out.
    pub fn check(&self, username: &str, ip: IpAddr) -> Result<()> {
        let map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if let Some(Failures {
            locked_until: Some(until),
            ..
        }) = map.get(&(username.to_owned(), ip))
            && *until > now
        {
            return Err(Error::Throttled {
                retry_after: *until - now,
            });
        }
        Ok(())
    }

    /// Records a failed attempt.
    pub fn failed(&self, username: &str, ip: IpAddr) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if map.len() >= MAX_TRACKED {
            map.retain(|_, f| f.locked_until.is_some_and(|until| until > now));
        }
        let entry = map.entry((username.to_owned(), ip)).or_insert(Failures {
            count: 0,
            locked_until: None,
        });
        entry.count = entry.count.saturating_add(1);
        entry.locked_until = lockout(entry.count).map(|d| now + d);
    }

    /// Forgets failures after a successful login.
    pub fn succeeded(&self, username: &str, ip: IpAddr) {
        let mut map = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.remove(&(username.to_owned(), ip));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_backs_off_exponentially_with_a_cap() {
        let table = [
            (0, None),
            (3, None),
            (4, Some(5)),
            (5, Some(10)),
            (6, Some(20)),
            (10, Some(320)),
            (30, Some(900)),
            (u32::MAX, Some(900)),
        ];
        for (failures, expected) in table {
            assert_eq!(
                lockout(failures).map(|d| d.as_secs()),
                expected,
                "{failures}"
            );
        }
    }

    #[test]
    fn password_hashes_are_argon2id_and_verify() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong", &phc));
        assert_ne!(phc, hash_password("correct horse").unwrap(), "salted");
    }

    #[test]
    fn throttle_counts_per_username_and_address() {
        let throttle = LoginThrottle::default();
        let (a, b) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        for _ in 0..4 {
            throttle.check("ann", a).unwrap();
            throttle.failed("ann", a);
        }
        assert!(matches!(
            throttle.check("ann", a),
            Err(Error::Throttled { .. })
        ));
        throttle.check("ann", b).unwrap();
        throttle.check("bob", a).unwrap();
        throttle.succeeded("ann", a);
        throttle.check("ann", a).unwrap();
    }
}
