//! Where the library stands with the cloud, as people see it: the cloud panel's list of
//! uploads that need attention and its totals, also printed by `tonearm cloud status`.
//! Read-only views over the upload queue and the cloud's tracks.

use super::parse_id;
use super::uploads::UNDER_WAY;
use crate::Library;
use crate::error::Result;
use crate::ids::TrackId;
use crate::model::UploadState;
use serde::Serialize;

/// One track's cloud state, as the cloud panel shows it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackCloudState {
    pub track_id: TrackId,
    pub title: String,
    pub state: UploadState,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub error: Option<String>,
    /// Unix milliseconds.
    pub next_retry_at: Option<i64>,
}

/// Totals for the cloud panel.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CloudTotals {
    /// Tracks here that the cloud also has, and their bytes.
    pub in_cloud: u64,
    pub in_cloud_bytes: u64,
    /// Tracks only on this device (not queued).
    pub local_only: u64,
    /// Tracks only in the cloud.
    pub cloud_only: u64,
    /// Waiting or under way (queued, hashing, matching, uploading, verifying).
    pub pending: u64,
    pub pending_bytes: u64,
    pub paused: u64,
    pub failed: u64,
}

impl Library {
    /// Every track's cloud state that is not simply "local only" or "in the cloud", first the
    /// ones under way: what the cloud panel lists.
    pub fn upload_activity(&self, limit: u64) -> Result<Vec<TrackCloudState>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT t.id, t.title, c.state, c.bytes_done, c.bytes_total, c.error, c.next_retry_at
                 FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk
                 WHERE c.state NOT IN ('local_only', 'in_cloud')
                 ORDER BY c.state NOT IN ({UNDER_WAY}), c.updated_at
                 LIMIT ?1"
            ))?;
            let rows = stmt.query_map([limit as i64], |row| {
                Ok(TrackCloudState {
                    track_id: parse_id(&row.get::<_, String>(0)?)?,
                    title: row.get(1)?,
                    state: UploadState::parse(&row.get::<_, String>(2)?),
                    bytes_done: row.get::<_, i64>(3)? as u64,
                    bytes_total: row.get::<_, i64>(4)? as u64,
                    error: row.get(5)?,
                    next_retry_at: row.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Totals for the cloud panel and `tonearm cloud status`.
    pub fn cloud_totals(&self) -> Result<CloudTotals> {
        self.store().read(|conn| {
            Ok(conn.query_row(
                &format!(
                    "SELECT
                    COALESCE(SUM(t.state != 'cloud' AND c.in_cloud = 1), 0),
                    COALESCE(SUM(CASE WHEN c.in_cloud = 1 THEN t.size END), 0),
                    COALESCE(SUM(t.state = 'present' AND (c.state IS NULL OR c.state = 'local_only')), 0),
                    COALESCE(SUM(t.state = 'cloud'), 0),
                    COALESCE(SUM(c.state IN ('queued', {UNDER_WAY})), 0),
                    COALESCE(SUM(CASE WHEN c.state IN ('queued', {UNDER_WAY}) THEN t.size END), 0),
                    COALESCE(SUM(c.state = 'paused'), 0),
                    COALESCE(SUM(c.state = 'failed'), 0)
                 FROM tracks t LEFT JOIN cloud_tracks c ON c.track_pk = t.pk"
                ),
                [],
                |row| {
                    let n = |i: usize| row.get::<_, i64>(i).map(|v| v as u64);
                    Ok(CloudTotals {
                        in_cloud: n(0)?,
                        in_cloud_bytes: n(1)?,
                        local_only: n(2)?,
                        cloud_only: n(3)?,
                        pending: n(4)?,
                        pending_bytes: n(5)?,
                        paused: n(6)?,
                        failed: n(7)?,
                    })
                },
            )?)
        })
    }
}
