//! Housekeeping: expiring stale uploads and collecting blobs nobody owns. Runs periodically and
//! on demand ([`crate::RunningServer::run_maintenance`]), so tests need not wait for a timer.

use crate::error::{Error, Result};
use crate::state::{AppState, now};
use std::collections::HashSet;

/// What one maintenance pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceReport {
    /// Unfinished uploads deleted for being stale.
    pub expired_uploads: usize,
    /// Blobs deleted because nobody owns them any more.
    pub collected_blobs: usize,
    /// Upload files deleted because no upload owns them.
    pub orphaned_upload_files: usize,
}

/// Runs one pass: expire uploads, then collect garbage.
pub async fn run(state: &AppState) -> Result<MaintenanceReport> {
    let now = now();
    let expiry = i64::try_from(state.config.upload_expiry.as_secs()).unwrap_or(i64::MAX);
    let expired = state
        .store
        .expire_uploads(now.saturating_sub(expiry))
        .await?;
    for id in &expired {
        let path = state.upload_path(*id);
        if let Err(error) = tokio::fs::remove_file(&path).await
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %path.display(), %error, "could not remove expired upload data");
        }
    }
    let orphans = sweep_orphaned_upload_files(state).await?;
    let grace = i64::try_from(state.config.link_grace.as_secs()).unwrap_or(i64::MAX);
    let collected = {
        let _exclusive = state.publish_lock.write().await;
        let hashes = state
            .store
            .collect_garbage(now.saturating_sub(grace))
            .await?;
        for hash in &hashes {
            state.blobs.delete(hash).await?;
        }
        hashes.len()
    };
    if !expired.is_empty() || collected > 0 || orphans > 0 {
        tracing::info!(
            expired_uploads = expired.len(),
            collected_blobs = collected,
            orphaned_upload_files = orphans,
            "maintenance"
        );
    }
    Ok(MaintenanceReport {
        expired_uploads: expired.len(),
        collected_blobs: collected,
        orphaned_upload_files: orphans,
    })
}

/// Deletes upload files without an upload row (left by a removed user or a crash). Files are
/// listed before rows are read, and uploads get their row before their file, so a file created
/// meanwhile is never taken for an orphan.
async fn sweep_orphaned_upload_files(state: &AppState) -> Result<usize> {
    let folder = state.config.data_dir.join("uploads");
    let mut files = Vec::new();
    let mut entries = tokio::fs::read_dir(&folder)
        .await
        .map_err(Error::io(&folder))?;
    while let Some(entry) = entries.next_entry().await.map_err(Error::io(&folder))? {
        files.push(entry.file_name());
    }
    let live: HashSet<String> = state
        .store
        .upload_ids()
        .await?
        .into_iter()
        .map(|id| id.0.to_string())
        .collect();
    let mut removed = 0;
    for name in files {
        if live.contains(&*name.to_string_lossy()) {
            continue;
        }
        let path = folder.join(&name);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path)(e)),
        }
    }
    Ok(removed)
}
