//! Account passwords kept recoverable, for Subsonic's token authentication.
//!
//! Most Subsonic apps log in with `t = md5(password + salt)` and a fresh salt per request, so
//! the server must know the password itself to check them; an argon2 hash cannot answer. Each
//! password is therefore also kept sealed (XChaCha20-Poly1305, bound to its username) with a
//! key in a file apart from the database (by default in the data directory; replicas share one
//! through `--vault-key`). The trade-off, documented in
//! docs/subsonic.md: a copy of the database alone reveals nothing, but whoever holds both the
//! database and the key file can read every password. The desktop login still checks the
//! argon2 hash; only Subsonic uses the sealed copy (and API keys avoid it altogether).

use crate::error::{Error, Result};
use crate::store::MetadataStore;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::path::Path;

/// Seals and opens account passwords. Cheap to clone.
#[derive(Clone)]
pub struct PasswordVault {
    cipher: XChaCha20Poly1305,
    /// A keyed hash that identifies the key without revealing it.
    check: [u8; 32],
}

impl std::fmt::Debug for PasswordVault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordVault(..)")
    }
}

impl PasswordVault {
    /// The file in a data directory that holds the key unless `--vault-key` names another.
    pub const KEY_FILE: &'static str = "password-vault.key";

    /// The vault whose key is in `key_file` (made on first use, owner-only).
    pub fn open(key_file: &Path) -> Result<Self> {
        let key = crate::signing::load_or_create_key(key_file)?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
            check: blake3::keyed_hash(&key, b"tonearm vault check v1").into(),
        })
    }

    /// Refuses a key other than the one the database's passwords were sealed with: the first
    /// server on a database records a check value of its key, and a replica started with
    /// another key file would fail every Subsonic login.
    pub async fn check_against(&self, store: &dyn MetadataStore, key_file: &Path) -> Result<()> {
        if store
            .shared_secret("password-vault-check", self.check)
            .await?
            == self.check
        {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "the password vault key {} is not the key this database's passwords were sealed with; give every server on the database the same --vault-key file",
                key_file.display()
            )))
        }
    }

    /// `password` sealed for `username`: a random nonce and the ciphertext, base64.
    pub fn seal(&self, username: &str, password: &str) -> Result<String> {
        let nonce: [u8; 24] = crate::auth::random_bytes();
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: password.as_bytes(),
                    aad: username.as_bytes(),
                },
            )
            .map_err(|_| Error::Corrupt("sealing a password failed".into()))?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(STANDARD_NO_PAD.encode(bytes))
    }

    /// The password sealed for `username`; `None` if it was sealed for someone else, with
    /// another key, or is damaged.
    pub fn open_sealed(&self, username: &str, sealed: &str) -> Option<String> {
        let bytes = STANDARD_NO_PAD.decode(sealed).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: username.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_password_opens_only_for_its_user_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let vault = PasswordVault::open(&dir.path().join("key")).unwrap();
        let sealed = vault.seal("ann", "correct horse").unwrap();
        assert!(!sealed.contains("correct"));
        assert_eq!(
            vault.open_sealed("ann", &sealed).as_deref(),
            Some("correct horse")
        );
        assert_eq!(vault.open_sealed("bob", &sealed), None, "bound to its user");
        assert_ne!(
            vault.seal("ann", "correct horse").unwrap(),
            sealed,
            "fresh nonces"
        );
        let again = PasswordVault::open(&dir.path().join("key")).unwrap();
        assert_eq!(
            again.open_sealed("ann", &sealed).as_deref(),
            Some("correct horse")
        );
        let other = tempfile::tempdir().unwrap();
        assert_eq!(
            PasswordVault::open(&other.path().join("key"))
                .unwrap()
                .open_sealed("ann", &sealed),
            None
        );
        assert_eq!(vault.open_sealed("ann", "!!"), None);
    }
}
