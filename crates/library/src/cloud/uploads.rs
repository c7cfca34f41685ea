//! The upload queue: which tracks the cloud was asked to take, and where each stands
//! (`UploadState`), so the upload workers resume after a restart where they stopped.
//!
//! Its rules: a paused track stays paused whatever a worker reports (the worker sees that and
//! stops); a failed one waits for its retry time; what was under way when the app stopped goes
//! back to the queue with its hash and its resumable upload; automatic uploads take only what
//! the cloud was never asked for, and only the user's own request puts back a song the cloud
//! declined.

use super::hashes;
use super::metadata::{self, CloudMetadata};
use super::{parse_id, tracks};
use crate::Library;
use crate::error::Result;
use crate::ids::TrackId;
use crate::model::UploadState;
use crate::now_ms;
use crate::store::pathbytes;
use rusqlite::{OptionalExtension, params};
use std::path::PathBuf;

/// A track claimed for uploading.
#[derive(Debug, Clone)]
pub struct UploadJob {
    pub track_id: TrackId,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ms: i64,
    /// The hash, when it was computed for this very size and mtime.
    pub blake3: Option<String>,
    /// A tus upload to resume.
    pub upload_url: Option<String>,
    pub attempts: u32,
    /// Queued by the app on its own, not by the user.
    pub automatic: bool,
    pub metadata: CloudMetadata,
}

/// Upload states that mean "under way" (reset to queued after a crash).
pub(super) const UNDER_WAY: &str = "'hashing', 'matching', 'uploading', 'verifying'";

impl Library {
    /// Queues every track of this device that the cloud does not have yet (or just `tracks`);
    /// failed uploads are queued again at once (the user asked), paused ones stay paused.
    /// Returns how many were queued.
    pub fn queue_uploads(&self, tracks: Option<&[TrackId]>) -> Result<u64> {
        let now = now_ms();
        self.store().write(|tx| {
            let ids: Vec<String> = match tracks {
                Some(ids) => ids.iter().map(ToString::to_string).collect(),
                None => {
                    let mut stmt = tx.prepare(
                        "SELECT t.id FROM tracks t LEFT JOIN cloud_tracks c ON c.track_pk = t.pk
                         WHERE t.state = 'present'
                           AND (c.state IS NULL OR c.state IN ('local_only', 'failed'))",
                    )?;
                    stmt.query_map([], |row| row.get(0))?
                        .collect::<rusqlite::Result<_>>()?
                }
            };
            let mut queued = 0;
            for id in ids {
                queued += tx.execute(
                    "INSERT INTO cloud_tracks (track_pk, state, updated_at)
                     SELECT pk, 'queued', ?2 FROM tracks WHERE id = ?1 AND state = 'present'
                     ON CONFLICT (track_pk) DO UPDATE SET state = 'queued', error = NULL,
                        next_retry_at = NULL, automatic = 0, updated_at = ?2
                     WHERE cloud_tracks.state IN ('local_only', 'failed', 'paused')",
                    params![id, now],
                )? as u64;
            }
            Ok(queued)
        })
    }

    /// Queues the tracks the cloud has never been asked to take: new music, when the user
    /// lets the library upload by itself. A track removed from the cloud (local-only again),
    /// paused or failed is left as it is. Returns how many were queued.
    pub fn queue_new_uploads(&self) -> Result<u64> {
        let now = now_ms();
        self.store().write(|tx| {
            Ok(tx.execute(
                "INSERT INTO cloud_tracks (track_pk, state, automatic, updated_at)
                 SELECT t.pk, 'queued', 1, ?1 FROM tracks t
                 WHERE t.state = 'present'
                   AND NOT EXISTS (SELECT 1 FROM cloud_tracks c WHERE c.track_pk = t.pk)",
                [now],
            )? as u64)
        })
    }

    /// Automatic uploads were turned off: what they queued and did not start goes back to
    /// never asked for (and is queued again if they are turned on). Returns how many.
    pub fn unqueue_automatic_uploads(&self) -> Result<u64> {
        self.store().write(|tx| {
            Ok(tx.execute(
                "DELETE FROM cloud_tracks
                 WHERE automatic = 1 AND state = 'queued' AND upload_url IS NULL AND in_cloud = 0",
                [],
            )? as u64)
        })
    }

    /// The cloud keeps this song out (the user removed it from there): it is only here again,
    /// until the user asks for it.
    pub fn decline_upload(&self, track: TrackId) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "UPDATE cloud_tracks SET state = 'local_only', automatic = 0, upload_url = NULL,
                    error = NULL, bytes_done = 0, updated_at = ?2
                 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                params![track.to_string(), now_ms()],
            )?;
            Ok(())
        })
    }

    /// After a crash or restart: uploads that were under way go back to the queue (keeping
    /// their hash and their resumable upload).
    pub fn recover_uploads(&self) -> Result<u64> {
        let now = now_ms();
        self.store().write(|tx| {
            Ok(tx.execute(
                &format!(
                    "UPDATE cloud_tracks SET state = 'queued', updated_at = ?1 WHERE state IN ({UNDER_WAY})"
                ),
                [now],
            )? as u64)
        })
    }

    /// Claims the next track to upload (queued, or failed and due again) and marks it
    /// hashing; `None` when there is nothing to do now.
    pub fn claim_upload(&self, now: i64) -> Result<Option<UploadJob>> {
        self.store().write(|tx| {
            let row = tx
                .query_row(
                    &format!(
                        "SELECT t.pk, t.id, t.path, t.size, t.mtime_ms, c.blake3, c.hashed_size,
                            c.hashed_mtime, c.upload_url, c.attempts, c.automatic, {}
                         FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk
                         WHERE t.path IS NOT NULL AND t.state = 'present'
                           AND (c.state = 'queued' OR (c.state = 'failed' AND c.next_retry_at <= ?1))
                         ORDER BY c.state = 'failed', c.updated_at, t.pk LIMIT 1",
                        metadata::COLUMNS
                    ),
                    [now],
                    |row| {
                        let size: i64 = row.get(3)?;
                        let mtime: i64 = row.get(4)?;
                        let hashed =
                            hashes::still_valid((row.get(6)?, row.get(7)?), (size, mtime));
                        Ok((
                            row.get::<_, i64>(0)?,
                            UploadJob {
                                track_id: parse_id(&row.get::<_, String>(1)?)?,
                                path: pathbytes::from_bytes(&row.get::<_, Vec<u8>>(2)?),
                                size: size as u64,
                                mtime_ms: mtime,
                                blake3: if hashed { row.get(5)? } else { None },
                                // A resumable upload is only good for the bytes it was for.
                                upload_url: if hashed { row.get(8)? } else { None },
                                attempts: row.get::<_, i64>(9)? as u32,
                                automatic: row.get(10)?,
                                metadata: CloudMetadata::from_row(row, 11)?,
                            },
                        ))
                    },
                )
                .optional()?;
            let Some((pk, job)) = row else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE cloud_tracks SET state = 'hashing', bytes_done = 0, bytes_total = ?2,
                    error = NULL, updated_at = ?3 WHERE track_pk = ?1",
                params![pk, job.size as i64, now_ms()],
            )?;
            Ok(Some(job))
        })
    }

    /// Records a track's upload state and progress. A paused track stays paused: the worker
    /// sees that and stops.
    pub fn set_upload_state(
        &self,
        track: TrackId,
        state: UploadState,
        bytes_done: u64,
        bytes_total: u64,
    ) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "UPDATE cloud_tracks SET state = ?2, bytes_done = ?3, bytes_total = ?4, updated_at = ?5
                 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1) AND state != 'paused'",
                params![
                    track.to_string(),
                    state.as_str(),
                    bytes_done as i64,
                    bytes_total as i64,
                    now_ms()
                ],
            )?;
            Ok(())
        })
    }

    /// The upload state of one track (`LocalOnly` when it was never queued).
    pub fn upload_state(&self, track: TrackId) -> Result<UploadState> {
        self.store().read(|conn| {
            let state: Option<String> = conn
                .query_row(
                    "SELECT c.state FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk WHERE t.id = ?1",
                    [track.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(state.map_or(UploadState::LocalOnly, |s| UploadState::parse(&s)))
        })
    }

    /// Remembers (or forgets) the tus upload of a track, so it resumes after a restart.
    pub fn set_upload_url(&self, track: TrackId, url: Option<&str>) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "UPDATE cloud_tracks SET upload_url = ?2 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                params![track.to_string(), url],
            )?;
            Ok(())
        })
    }

    /// The cloud has the track now, under `cloud_id` (the device adopts the cloud's id when
    /// the cloud already had one for these bytes). Returns the id the track has now.
    pub fn finish_upload(
        &self,
        track: TrackId,
        cloud_id: TrackId,
        metadata: &CloudMetadata,
    ) -> Result<TrackId> {
        self.store().write(|tx| {
            if cloud_id != track {
                tracks::adopt_id(tx, track, cloud_id)?;
            }
            tx.execute(
                "UPDATE cloud_tracks SET state = 'in_cloud', in_cloud = 1, upload_url = NULL, error = NULL,
                    bytes_done = bytes_total, attempts = 0, next_retry_at = NULL, metadata_sent = ?2,
                    updated_at = ?3
                 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                params![cloud_id.to_string(), metadata.stored(), now_ms()],
            )?;
            Ok(cloud_id)
        })
    }

    /// The attempt failed: the track waits until `next_retry_at` (unix ms) and is tried again.
    pub fn fail_upload(&self, track: TrackId, error: &str, next_retry_at: i64) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "UPDATE cloud_tracks SET state = 'failed', error = ?2, next_retry_at = ?3,
                    attempts = attempts + 1, updated_at = ?4
                 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1) AND state != 'paused'",
                params![track.to_string(), error, next_retry_at, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Pauses uploads: of one track, or every one not finished.
    pub fn pause_uploads(&self, track: Option<TrackId>) -> Result<u64> {
        self.store().write(|tx| {
            let sql = format!(
                "UPDATE cloud_tracks SET state = 'paused', updated_at = ?2
                 WHERE state IN ('queued', 'failed', {UNDER_WAY})
                   AND (?1 IS NULL OR track_pk = (SELECT pk FROM tracks WHERE id = ?1))"
            );
            Ok(tx.execute(&sql, params![track.map(|t| t.to_string()), now_ms()])? as u64)
        })
    }

    /// Resumes paused uploads: of one track, or all.
    pub fn resume_uploads(&self, track: Option<TrackId>) -> Result<u64> {
        self.store().write(|tx| {
            let sql = "UPDATE cloud_tracks SET state = 'queued', next_retry_at = NULL, updated_at = ?2
                 WHERE state = 'paused' AND (?1 IS NULL OR track_pk = (SELECT pk FROM tracks WHERE id = ?1))";
            Ok(tx.execute(sql, params![track.map(|t| t.to_string()), now_ms()])? as u64)
        })
    }
}
