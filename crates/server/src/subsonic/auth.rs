//! Who is calling: Subsonic's three ways to authenticate, each checked without spending more
//! than a lookup and a hash, and throttled like the desktop login.
//!
//! - `apiKey` (OpenSubsonic): a key the user made, stored as its hash; `u` or a password with
//!   it is a conflict (43), an unknown key is 44.
//! - `u` + `t` + `s`: `t = md5(password + s)`, checked against the password the vault keeps
//!   sealed for the account (`crate::vault`); an account without one (made before it was
//!   kept, and not logged in since) gets 41 with what to do.
//! - `u` + `p` (plain or `enc:` hex): compared with the sealed password; without one, checked
//!   against the argon2 hash through the password pool, after which it is sealed.
//!
//! Every failure is counted by the login throttle (per name and address, per address, per
//! account), and a throttled caller is refused before anything is checked.

use super::params::Params;
use super::response::Failure;
use crate::passwords::Verdict;
use crate::state::AppState;
use crate::store::UserRecord;
use md5::{Digest, Md5};
use std::net::IpAddr;

/// The stored form of an API key (random, so a fast hash suffices, as for tokens).
pub fn api_key_hash(key: &str) -> String {
    crate::auth::token_hash(key)
}

/// Whether two secrets are equal, in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    blake3::hash(a.as_bytes()) == blake3::hash(b.as_bytes())
}

/// `p` as sent: plain, or `enc:` and the UTF-8 bytes in hex.
fn decode_password(p: &str) -> Option<String> {
    let Some(hex) = p.strip_prefix("enc:") else {
        return Some(p.to_owned());
    };
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// `md5(password + salt)` in lowercase hex.
pub fn token(password: &str, salt: &str) -> String {
    let digest = Md5::digest(format!("{password}{salt}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The account a request authenticates as, or the Subsonic error to answer.
pub async fn authenticate(
    state: &AppState,
    params: &Params,
    ip: IpAddr,
) -> Result<UserRecord, Failure> {
    let present = |name: &str| params.get(name).is_some_and(|v| !v.is_empty());
    if let Some(key) = params.get("apiKey").filter(|k| !k.is_empty()) {
        if ["u", "p", "t", "s"].iter().any(|name| present(name)) {
            return Err(Failure {
                code: 43,
                message: "an API key is used alone: send no u, p, t or s with it".into(),
            });
        }
        return state
            .store
            .user_by_api_key(&api_key_hash(key))
            .await
            .map_err(Failure::from)?
            .ok_or(Failure {
                code: 44,
                message: "invalid API key".into(),
            });
    }
    let username = params.required("u")?;
    let password = params.get("p").filter(|p| !p.is_empty());
    let token_pair = match (params.get("t"), params.get("s")) {
        (Some(t), Some(s)) if !t.is_empty() && !s.is_empty() => Some((t, s)),
        _ => None,
    };
    let credentials = match (password, token_pair) {
        (Some(_), Some(_)) => {
            return Err(Failure {
                code: 43,
                message: "send either p, or t and s, not both".into(),
            });
        }
        (None, None) => return Err(Failure::missing("p (or t and s)")),
        (Some(p), None) => Credentials::Password(decode_password(p).unwrap_or_default()),
        (None, Some((t, s))) => Credentials::Token {
            token: t.to_ascii_lowercase(),
            salt: s.to_owned(),
        },
    };
    state
        .throttle
        .check(&*state.store, username, ip)
        .await
        .map_err(Failure::from)?;
    let user = state
        .store
        .user_by_name(username)
        .await
        .map_err(Failure::from)?;
    let outcome = match &user {
        // As fast as a known account with a kept password (a lookup and a comparison).
        None => Outcome::Wrong,
        Some(user) => check(state, user, &credentials).await?,
    };
    match (outcome, user) {
        (Outcome::Right, Some(user)) => {
            if let Err(error) = state.throttle.succeeded(&*state.store, username, ip).await {
                tracing::warn!(%error, "the login throttle could not record a login");
            }
            Ok(user)
        }
        (_, user) => {
            state
                .throttle
                .failed(&*state.store, username, ip, user.is_some())
                .await
                .map_err(Failure::from)?;
            tracing::info!(username, %ip, "failed Subsonic login");
            Err(Failure::wrong_credentials())
        }
    }
}

enum Credentials {
    Password(String),
    Token { token: String, salt: String },
}

enum Outcome {
    Right,
    Wrong,
}

async fn check(
    state: &AppState,
    user: &UserRecord,
    credentials: &Credentials,
) -> Result<Outcome, Failure> {
    let sealed = user
        .sealed_password
        .as_deref()
        .and_then(|sealed| state.vault.open_sealed(&user.username, sealed));
    let right = match (credentials, &sealed) {
        (Credentials::Password(given), Some(password)) => same(given, password),
        (Credentials::Token { token: t, salt }, Some(password)) => same(t, &token(password, salt)),
        (Credentials::Token { .. }, None) => {
            return Err(Failure {
                code: 41,
                message: "this account's password is not kept for token authentication yet: \
                          log in once with the password (from Tonearm, or with p=), or use an API key"
                    .into(),
            });
        }
        (Credentials::Password(given), None) => {
            match state
                .passwords
                .verify(given, Some(&user.password_hash))
                .await
            {
                Verdict::Valid => {
                    // Kept from now on, so token authentication works for this account.
                    match state.vault.seal(&user.username, given) {
                        Ok(sealed) => {
                            if let Err(error) =
                                state.store.set_sealed_password(user.id, &sealed).await
                            {
                                tracing::warn!(%error, "the password could not be kept for Subsonic");
                            }
                        }
                        Err(error) => tracing::warn!(%error, "the password could not be sealed"),
                    }
                    true
                }
                Verdict::Busy(retry_after) => {
                    return Err(Failure::generic(format!(
                        "the server is busy, retry in {} s",
                        retry_after.as_secs().max(1)
                    )));
                }
                Verdict::Invalid => false,
            }
        }
    };
    Ok(if right {
        Outcome::Right
    } else {
        Outcome::Wrong
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_encoded_passwords_follow_the_spec() {
        // The spec's own example.
        assert_eq!(
            token("sesame", "c19b2d"),
            "26719a1196d2a940705a59634eb18eab"
        );
        assert_eq!(
            decode_password("enc:736573616d65").as_deref(),
            Some("sesame")
        );
        assert_eq!(
            decode_password("enc:736573616D65").as_deref(),
            Some("sesame")
        );
        assert_eq!(decode_password("sesame").as_deref(), Some("sesame"));
        assert_eq!(decode_password("enc:7"), None);
        assert_eq!(decode_password("enc:zz"), None);
        assert!(same("a", "a") && !same("a", "b"));
    }
}
