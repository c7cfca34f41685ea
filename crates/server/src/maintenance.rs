//! Housekeeping: expiring stale uploads, collecting blobs nobody owns, and pruning the login
//! throttle's expired entries. Runs periodically and
//! on demand ([`crate::RunningServer::run_maintenance`]), so tests need not wait for a timer.

use crate::error::Result;
use crate::state::{AppState, now};
use crate::store::{LockMode, UploadId};
use std::collections::HashSet;

/// What one maintenance pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceReport {
    /// Unfinished uploads deleted for being stale.
    pub expired_uploads: usize,
    /// Blobs deleted because nobody owns them any more.
    pub collected_blobs: usize,
    /// Uploads whose staged objects were deleted because no upload row owns them.
    pub orphaned_upload_files: usize,
    /// Login throttle entries deleted for having expired.
    pub pruned_throttle_entries: u64,
}

/// Runs one pass: expire uploads, then collect garbage, then prune the login throttle. Several replicas may run it at once:
/// each deletion is idempotent, and collection holds the blob lock exclusively.
pub async fn run(state: &AppState) -> Result<MaintenanceReport> {
    let now = now();
    let expiry = i64::try_from(state.config.upload_expiry.as_secs()).unwrap_or(i64::MAX);
    let expired = state
        .store
        .expire_uploads(now.saturating_sub(expiry))
        .await?;
    for id in &expired {
        state.blobs.discard_upload(*id).await?;
    }
    let orphans = sweep_orphaned_uploads(state).await?;
    let grace = i64::try_from(state.config.link_grace.as_secs()).unwrap_or(i64::MAX);
    let collected = {
        let _exclusive = state.store.blob_lock(LockMode::Exclusive).await?;
        let hashes = state
            .store
            .collect_garbage(now.saturating_sub(grace))
            .await?;
        for hash in &hashes {
            state.blobs.delete(hash).await?;
        }
        hashes.len()
    };
    let pruned = state.store.prune_throttle(now).await?;
    if !expired.is_empty() || collected > 0 || orphans > 0 {
        tracing::info!(
            expired_uploads = expired.len(),
            collected_blobs = collected,
            orphaned_uploads = orphans,
            pruned_throttle_entries = pruned,
            "maintenance"
        );
    }
    Ok(MaintenanceReport {
        expired_uploads: expired.len(),
        collected_blobs: collected,
        orphaned_upload_files: orphans,
        pruned_throttle_entries: pruned,
    })
}

/// Deletes staged upload objects without an upload row (left by a removed user, a killed
/// replica or a failed delete). Objects are listed before rows are read, and uploads get their
/// row before their first part, so an upload created meanwhile is never taken for an orphan.
async fn sweep_orphaned_uploads(state: &AppState) -> Result<usize> {
    let staged = state.blobs.staged_uploads().await?;
    let live: HashSet<UploadId> = state.store.upload_ids().await?.into_iter().collect();
    let mut removed = 0;
    for id in staged {
        if live.contains(&id) {
            continue;
        }
        state.blobs.discard_upload(id).await?;
        removed += 1;
    }
    Ok(removed)
}
