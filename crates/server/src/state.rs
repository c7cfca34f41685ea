//! What every request handler shares: configuration, the two stores, the login throttle and
//! the password workers, the URL signer and the lock that keeps garbage collection from racing a publication.

use crate::artwork::Thumbnails;
use crate::blobs::BlobStore;
use crate::config::Config;
use crate::passwords::PasswordPool;
use crate::signing::UrlSigner;
use crate::store::{MetadataStore, UploadId};
use crate::throttle::LoginThrottle;
use crate::vault::PasswordVault;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::RwLock;

/// Shared state; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<Config>,
    /// Metadata.
    pub store: Arc<dyn MetadataStore>,
    /// Blob bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// Failed-login counters.
    pub throttle: Arc<LoginThrottle>,
    /// Where passwords are checked, bounded in threads, memory and queue length.
    pub passwords: PasswordPool,
    /// Signs stream URLs.
    pub signer: UrlSigner,
    /// Account passwords sealed for Subsonic's token authentication.
    pub vault: PasswordVault,
    /// Cover thumbnails, made once and cached.
    pub thumbnails: Thumbnails,
    /// Publications hold it shared, garbage collection exclusively: a blob being published is
    /// never collected between its bytes landing and its row being written.
    pub publish_lock: Arc<RwLock<()>>,
    /// Uploads with a PATCH in flight; a second concurrent PATCH gets 409.
    pub busy_uploads: Arc<Mutex<HashSet<UploadId>>>,
    /// The OpenAPI document as JSON, set when the router is built.
    pub openapi: Arc<OnceLock<Arc<String>>>,
}

impl AppState {
    /// Where partial upload data lives.
    #[must_use]
    pub fn upload_path(&self, id: UploadId) -> PathBuf {
        self.config.data_dir.join("uploads").join(id.0.to_string())
    }
}

/// Unix seconds now.
#[must_use]
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
