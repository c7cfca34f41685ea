//! The cloud account of this device: which server, which user, which session; and where the
//! device's token is kept.
//!
//! The token goes to the OS keychain (Keychain on macOS, the Credential Manager on Windows,
//! the Secret Service on Linux desktops). Where no keychain service runs (a headless Linux box,
//! a minimal desktop), it goes to a file in the data directory readable by its owner only
//! (`cloud-token`, mode 0600), and `tonearm cloud status` says which one is used. The account
//! itself (server, user, session id; no secret) is in the library database.

use crate::error::{Result, SyncError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tonearm_library::Library;
use tonearm_protocol::SessionId;

/// The key of the account in the library's sync values.
const ACCOUNT_KEY: &str = "account";

/// The file the token falls back to.
pub const TOKEN_FILE: &str = "cloud-token";

/// The connected account (no secret in here).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub server: String,
    pub username: String,
    pub device: String,
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub session: SessionId,
}

impl Account {
    pub fn load(library: &Library) -> Result<Option<Self>> {
        Ok(library
            .sync_value(ACCOUNT_KEY)?
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    pub fn save(&self, library: &Library) -> Result<()> {
        let text = serde_json::to_string(self).map_err(|e| SyncError::Protocol(e.to_string()))?;
        Ok(library.set_sync_value(ACCOUNT_KEY, Some(&text))?)
    }
}

/// Where the token is kept.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStore {
    Keychain,
    /// The owner-only file in the data directory.
    File,
}

/// The device token's home: the keychain, or the fallback file.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Keychain entry name: one per data directory, so two "devices" on one machine (two data
    /// directories) keep two tokens.
    user: String,
    file: PathBuf,
    use_keychain: bool,
}

const SERVICE: &str = "app.tonearm.desktop";

impl Credentials {
    /// Credentials for the data directory `data_dir`; `use_keychain: false` always uses the
    /// file (tests, and users who prefer it).
    pub fn new(data_dir: &Path, use_keychain: bool) -> Self {
        Self {
            user: format!("device token ({})", data_dir.display()),
            file: data_dir.join(TOKEN_FILE),
            use_keychain,
        }
    }

    fn entry(&self) -> Option<keyring::Entry> {
        if !self.use_keychain {
            return None;
        }
        keyring::Entry::new(SERVICE, &self.user).ok()
    }

    /// Keeps `token`; says where. Blocking (the keychain may be a D-Bus call away).
    pub fn store(&self, token: &str) -> Result<TokenStore> {
        if let Some(entry) = self.entry() {
            match entry.set_password(token) {
                Ok(()) => {
                    // A token from an earlier fallback must not outlive this login.
                    let _ = std::fs::remove_file(&self.file);
                    return Ok(TokenStore::Keychain);
                }
                Err(error) => {
                    tracing::info!(%error, "no keychain; the token goes to an owner-only file");
                }
            }
        }
        write_private(&self.file, token.as_bytes()).map_err(|source| SyncError::Io {
            path: self.file.clone(),
            source,
        })?;
        Ok(TokenStore::File)
    }

    /// The token, and where it was found.
    pub fn load(&self) -> Result<Option<(String, TokenStore)>> {
        if let Some(entry) = self.entry()
            && let Ok(token) = entry.get_password()
        {
            return Ok(Some((token, TokenStore::Keychain)));
        }
        match std::fs::read_to_string(&self.file) {
            Ok(token) => Ok(Some((token.trim().to_owned(), TokenStore::File))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SyncError::Io {
                path: self.file.clone(),
                source,
            }),
        }
    }

    /// Forgets the token, wherever it is.
    pub fn delete(&self) -> Result<()> {
        if let Some(entry) = self.entry() {
            let _ = entry.delete_credential();
        }
        match std::fs::remove_file(&self.file) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(SyncError::Io {
                path: self.file.clone(),
                source: error,
            }),
            _ => Ok(()),
        }
    }
}

/// Writes a file only its owner can read, replacing it atomically.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let temporary = path.with_extension("new");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_keychain_the_token_is_an_owner_only_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let credentials = Credentials::new(dir.path(), false);
        assert_eq!(credentials.load().expect("load"), None);
        assert_eq!(
            credentials.store("s3cret").expect("store"),
            TokenStore::File
        );
        assert_eq!(
            credentials.load().expect("load"),
            Some(("s3cret".to_owned(), TokenStore::File))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(TOKEN_FILE))
                .expect("token file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        credentials.delete().expect("delete");
        assert_eq!(credentials.load().expect("load"), None);
        credentials.delete().expect("deleting twice is fine");
    }
}
