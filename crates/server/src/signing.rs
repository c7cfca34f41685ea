//! Short-lived signed stream URLs, for players that cannot send an `Authorization` header.
//!
//! The signature is BLAKE3 in keyed mode (a MAC, used here as HMAC would be) over the user, the
//! track and the expiry, keyed with a random secret kept in the metadata store, so URLs stay
//! valid across restarts and every replica on the same database verifies them.

use crate::auth::random_bytes;
use crate::error::{Error, Result};
use crate::store::{MetadataStore, UserId};
use std::path::Path;
use tonearm_protocol::TrackId;

/// The URL-signing key.
#[derive(Clone)]
pub struct UrlSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(..)")
    }
}

impl UrlSigner {
    /// The key every replica shares, made by the first server to start on the database. A
    /// server that kept its key in `legacy_file` (before keys moved to the database) offers
    /// that one, so the URLs and CSRF tokens it handed out stay valid.
    pub async fn shared(store: &dyn MetadataStore, legacy_file: &Path) -> Result<Self> {
        let fresh = match std::fs::read(legacy_file) {
            Ok(bytes) => bytes.try_into().unwrap_or_else(|_| random_bytes::<32>()),
            Err(_) => random_bytes::<32>(),
        };
        Ok(Self {
            key: store.shared_secret("url-signing", fresh).await?,
        })
    }

    #[cfg(test)]
    fn with_key(key: [u8; 32]) -> Self {
        Self { key }
    }

    fn mac(&self, user: UserId, track: TrackId, expires: i64) -> blake3::Hash {
        let message = format!("tonearm stream v1\0{}\0{track}\0{expires}", user.0);
        blake3::keyed_hash(&self.key, message.as_bytes())
    }

    /// The CSRF token of the browser session whose token hashes to `token_hash`: derived, so
    /// nothing more is stored, and only someone who can read the session's answers (the page
    /// itself, not another site) learns it.
    #[must_use]
    pub fn csrf_token(&self, token_hash: &str) -> String {
        let message = format!("tonearm csrf v1\0{token_hash}");
        blake3::keyed_hash(&self.key, message.as_bytes())
            .to_hex()
            .to_string()
    }

    /// The signature for these parameters, hex.
    #[must_use]
    pub fn sign(&self, user: UserId, track: TrackId, expires: i64) -> String {
        self.mac(user, track, expires).to_hex().to_string()
    }

    /// Whether `signature` is valid for these parameters and `now` is before `expires`.
    /// The comparison is constant-time (`blake3::Hash` equality is).
    #[must_use]
    pub fn verify(
        &self,
        user: UserId,
        track: TrackId,
        expires: i64,
        signature: &str,
        now: i64,
    ) -> bool {
        let Ok(given) = blake3::Hash::from_hex(signature) else {
            return false;
        };
        now < expires && given == self.mac(user, track, expires)
    }
}

/// A 32-byte secret kept in `path`, made (readable by the owner only) on first use.
pub(crate) fn load_or_create_key(path: &Path) -> Result<[u8; 32]> {
    if let Ok(bytes) = std::fs::read(path) {
        return bytes
            .try_into()
            .map_err(|_| Error::Config(format!("{} is not a 32-byte key", path.display())));
    }
    let key = random_bytes::<32>();
    let temporary = path.with_extension("tmp");
    write_private(&temporary, &key)?;
    std::fs::rename(&temporary, path).map_err(Error::io(path))?;
    Ok(key)
}

fn write_private(path: &Path, key: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(Error::io(path))?;
    file.write_all(key)
        .and_then(|()| file.sync_all())
        .map_err(Error::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn signatures_bind_user_track_and_expiry() {
        let signer = UrlSigner::with_key(random_bytes());
        let (user, track) = (UserId(Uuid::new_v4()), TrackId::new_random());
        let sig = signer.sign(user, track, 100);
        assert!(signer.verify(user, track, 100, &sig, 99));
        assert!(!signer.verify(user, track, 100, &sig, 100), "expired");
        assert!(!signer.verify(user, track, 101, &sig, 99), "other expiry");
        assert!(
            !signer.verify(user, TrackId::new_random(), 100, &sig, 99),
            "other track"
        );
        assert!(
            !signer.verify(UserId(Uuid::new_v4()), track, 100, &sig, 99),
            "other user"
        );
        assert!(!signer.verify(user, track, 100, "zz", 99), "garbage");
    }
}
