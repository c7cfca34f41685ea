//! What every request handler shares: configuration, the two stores, the login throttle and
//! the password workers, the URL signer, and the bounds on upload buffers. Nothing here holds
//! state another replica would need: that lives in the two stores (the stream grants are a
//! cache of the store's answers, trusted for two seconds).

use crate::artwork::Thumbnails;
use crate::blobs::BlobStore;
use crate::config::Config;
use crate::passwords::PasswordPool;
use crate::signing::UrlSigner;
use crate::store::{MetadataStore, UploadId};
use crate::stream_grants::StreamGrants;
use crate::throttle::LoginThrottle;
use crate::vault::PasswordVault;
use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::Semaphore;

/// Shared state; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Settings.
    pub config: Arc<Config>,
    /// Metadata.
    pub store: Arc<dyn MetadataStore>,
    /// Blob bytes.
    pub blobs: Arc<dyn BlobStore>,
    /// The login throttle's rules; its counters are in `store`, shared by every replica.
    pub throttle: Arc<LoginThrottle>,
    /// Where passwords are checked, bounded in threads, memory and queue length.
    pub passwords: PasswordPool,
    /// Signs stream URLs.
    pub signer: UrlSigner,
    /// Account passwords sealed for Subsonic's token authentication.
    pub vault: PasswordVault,
    /// Cover thumbnails, made once and cached.
    pub thumbnails: Thumbnails,
    /// One permit per upload part buffered in memory (`Limits::upload_part_bytes` each).
    pub part_buffers: Arc<Semaphore>,
    /// Uploads with a PATCH in flight on this replica; a second concurrent PATCH gets 409 at
    /// once (across replicas, the offset check of each commit refuses it).
    pub busy_uploads: Arc<Mutex<HashSet<UploadId>>>,
    /// Stream checks of the last moments (replica-local, expiring in seconds).
    pub stream_grants: Arc<StreamGrants>,
    /// The OpenAPI document as JSON, set when the router is built.
    pub openapi: Arc<OnceLock<Arc<String>>>,
}

/// Unix seconds now.
#[must_use]
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
