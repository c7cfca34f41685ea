//! The library's side of cloud sync: the upload queue, the cloud's tracks, the stream cache's
//! bookkeeping, the feed position and the playlist edits waiting to be sent.
//!
//! Everything the sync engine needs to remember is here, in the library database, so it
//! survives restarts and crashes and shares the library's transactions: a track's upload
//! state, its hash and its resumable upload; a cloud-only track is an ordinary row of `tracks`
//! (state `cloud`, no path) so every list, search and playlist sees it. This module knows no
//! HTTP: `tonearm-sync` drives it.

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::TrackId;
use crate::now_ms;
use crate::scan::read::FileTags;
use crate::scan::write::{self, Dirty, Location, Target};
use crate::store::pathbytes;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where a track stands with the cloud.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// On this device only; not queued.
    LocalOnly,
    Queued,
    Hashing,
    /// Asking the cloud whether it already has the file (and proving we hold it).
    Matching,
    Uploading,
    /// The upload finished; the cloud checks the hash and records the track.
    Verifying,
    InCloud,
    Paused,
    /// The last attempt failed; it is tried again at `next_retry_at`.
    Failed,
}

impl UploadState {
    fn as_str(self) -> &'static str {
        match self {
            Self::LocalOnly => "local_only",
            Self::Queued => "queued",
            Self::Hashing => "hashing",
            Self::Matching => "matching",
            Self::Uploading => "uploading",
            Self::Verifying => "verifying",
            Self::InCloud => "in_cloud",
            Self::Paused => "paused",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "queued" => Self::Queued,
            "hashing" => Self::Hashing,
            "matching" => Self::Matching,
            "uploading" => Self::Uploading,
            "verifying" => Self::Verifying,
            "in_cloud" => Self::InCloud,
            "paused" => Self::Paused,
            "failed" => Self::Failed,
            _ => Self::LocalOnly,
        }
    }
}

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

/// What the cloud should know about a track: its descriptive metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudMetadata {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub duration_ms: Option<u64>,
    /// The library's format name (`mp3`, `flac`, `ogg`, `opus`, `m4a`, `wav`, `aiff`...).
    pub format: String,
}

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

/// A track as the cloud reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteTrack {
    pub id: TrackId,
    pub blake3: String,
    pub size: u64,
    pub metadata: CloudMetadata,
    /// The cloud's change number of this state.
    pub revision: u64,
}

/// What applying a remote track did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteApplied {
    /// A cloud-only track was added or updated.
    CloudOnly,
    /// A track of this device is now known to be in the cloud (its id may have been adopted).
    Linked,
    /// Already known at this revision.
    Unchanged,
}

/// A cloud-only track's bytes: what the streamer needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudFile {
    pub track_id: TrackId,
    pub blake3: String,
    pub size: u64,
    pub format: String,
}

/// A playlist edit waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPlaylistOp {
    pub seq: i64,
    pub op_id: String,
    pub kind: String,
    pub playlist_id: Option<String>,
    pub entry_id: Option<String>,
    pub track_id: Option<String>,
    pub name: Option<String>,
    pub position: Option<String>,
}

/// Whether a playlist's edits have all reached the cloud.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaylistSyncState {
    pub playlist_id: crate::PlaylistId,
    pub name: String,
    /// Edits made here and not yet sent (0: in sync as of the last sync).
    pub pending_edits: u64,
}

/// A stream cache entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    pub blake3: String,
    pub size: u64,
    pub cached: u64,
    pub pinned: bool,
    pub last_used: i64,
}

/// Upload states that mean "under way" (reset to queued after a crash).
const UNDER_WAY: &str = "'hashing', 'matching', 'uploading', 'verifying'";

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
                    "SELECT t.pk, t.id, t.path, t.size, t.mtime_ms, c.blake3, c.hashed_size, c.hashed_mtime,
                            c.upload_url, c.attempts, t.title, t.artist, t.album, t.album_artist, t.genre,
                            t.year, t.track_no, t.disc_no, t.duration_ms, t.format, c.automatic
                     FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk
                     WHERE t.path IS NOT NULL AND t.state = 'present'
                       AND (c.state = 'queued' OR (c.state = 'failed' AND c.next_retry_at <= ?1))
                     ORDER BY c.state = 'failed', c.updated_at, t.pk LIMIT 1",
                    [now],
                    |row| {
                        let size: i64 = row.get(3)?;
                        let mtime: i64 = row.get(4)?;
                        let hashed = row.get::<_, Option<i64>>(6)? == Some(size)
                            && row.get::<_, Option<i64>>(7)? == Some(mtime);
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
                                automatic: row.get(20)?,
                                metadata: CloudMetadata {
                                    title: row.get(10)?,
                                    artist: row.get(11)?,
                                    album: row.get(12)?,
                                    album_artist: row.get(13)?,
                                    genre: row.get(14)?,
                                    year: row.get(15)?,
                                    track_number: row.get(16)?,
                                    disc_number: row.get(17)?,
                                    duration_ms: row.get::<_, Option<i64>>(18)?.map(|d| d as u64),
                                    format: row.get(19)?,
                                },
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

    /// Remembers a file's hash, for the size and mtime it was computed at.
    pub fn record_hash(
        &self,
        track: TrackId,
        blake3: &str,
        size: u64,
        mtime_ms: i64,
    ) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "UPDATE cloud_tracks SET blake3 = ?2, hashed_size = ?3, hashed_mtime = ?4, updated_at = ?5
                 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                params![track.to_string(), blake3, size as i64, mtime_ms, now_ms()],
            )?;
            Ok(())
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
        let sent = serde_json::to_string(metadata).unwrap_or_default();
        self.store().write(|tx| {
            if cloud_id != track {
                adopt_id(tx, track, cloud_id)?;
            }
            tx.execute(
                "UPDATE cloud_tracks SET state = 'in_cloud', in_cloud = 1, upload_url = NULL, error = NULL,
                    bytes_done = bytes_total, attempts = 0, next_retry_at = NULL, metadata_sent = ?2,
                    updated_at = ?3
                 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                params![cloud_id.to_string(), sent, now_ms()],
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
            let sql = "UPDATE cloud_tracks SET state = 'paused', updated_at = ?2
                 WHERE state IN ('queued', 'failed', 'hashing', 'matching', 'uploading', 'verifying')
                   AND (?1 IS NULL OR track_pk = (SELECT pk FROM tracks WHERE id = ?1))";
            Ok(tx.execute(sql, params![track.map(|t| t.to_string()), now_ms()])? as u64)
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

    /// Every track's cloud state that is not simply "local only" or "in the cloud", first the
    /// ones under way: what the cloud panel lists.
    pub fn upload_activity(&self, limit: u64) -> Result<Vec<TrackCloudState>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT t.id, t.title, c.state, c.bytes_done, c.bytes_total, c.error, c.next_retry_at
                 FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk
                 WHERE c.state NOT IN ('local_only', 'in_cloud')
                 ORDER BY c.state NOT IN ('hashing', 'matching', 'uploading', 'verifying'), c.updated_at
                 LIMIT ?1",
            )?;
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

    /// Applies a track from the cloud's change feed: a track of this device with the same
    /// bytes is linked to it (taking the cloud's id), anything else becomes a cloud-only track.
    pub fn apply_remote_track(&self, remote: &RemoteTrack) -> Result<RemoteApplied> {
        let id = remote.id.to_string();
        self.store().write(|tx| {
            let known: Option<(i64, String, Option<i64>)> = tx
                .query_row(
                    "SELECT t.pk, t.state, c.revision FROM tracks t
                     LEFT JOIN cloud_tracks c ON c.track_pk = t.pk WHERE t.id = ?1",
                    [&id],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .optional()?;
            if let Some((pk, state, revision)) = known {
                if revision.is_some_and(|r| r as u64 >= remote.revision) {
                    return Ok(RemoteApplied::Unchanged);
                }
                if state == "cloud" {
                    write_cloud_only(tx, remote, Target::Update(pk))?;
                    return Ok(RemoteApplied::CloudOnly);
                }
                link(tx, pk, remote)?;
                return Ok(RemoteApplied::Linked);
            }
            let local: Option<(i64, String)> = tx
                .query_row(
                    "SELECT t.pk, t.id FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk
                     WHERE c.blake3 = ?1 AND t.state != 'cloud' LIMIT 1",
                    [&remote.blake3],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            if let Some((pk, local_id)) = local {
                adopt_id(tx, parse_id(&local_id)?, remote.id)?;
                link(tx, pk, remote)?;
                return Ok(RemoteApplied::Linked);
            }
            write_cloud_only(tx, remote, Target::Insert)?;
            Ok(RemoteApplied::CloudOnly)
        })
    }

    /// The cloud deleted a track: a cloud-only track goes; a track of this device stays and
    /// is simply no longer in the cloud.
    pub fn apply_remote_deletion(&self, track: TrackId) -> Result<()> {
        self.store().write(|tx| {
            let id = track.to_string();
            let cloud_only: Option<i64> = tx
                .query_row(
                    "SELECT pk FROM tracks WHERE id = ?1 AND state = 'cloud'",
                    [&id],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(pk) = cloud_only {
                let mut dirty = Dirty::default();
                dirty.track(tx, pk)?;
                tx.execute("DELETE FROM track_search WHERE rowid = ?1", [pk])?;
                tx.execute("DELETE FROM tracks WHERE pk = ?1", [pk])?;
                write::rebuild_summaries(tx, Some(&dirty))?;
            } else {
                tx.execute(
                    "UPDATE cloud_tracks SET in_cloud = 0, state = 'local_only', revision = NULL,
                        upload_url = NULL, updated_at = ?2
                     WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                    params![id, now_ms()],
                )?;
            }
            Ok(())
        })
    }

    /// The bytes of a track that streams: its hash, size and format (`None` for a track
    /// that is not in the cloud, or whose hash is unknown).
    pub fn cloud_file(&self, track: TrackId) -> Result<Option<CloudFile>> {
        self.store().read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT t.id, c.blake3, t.size, t.format FROM tracks t JOIN cloud_tracks c ON c.track_pk = t.pk
                     WHERE t.id = ?1 AND c.in_cloud = 1 AND c.blake3 IS NOT NULL",
                    [track.to_string()],
                    |row| {
                        Ok(CloudFile {
                            track_id: parse_id(&row.get::<_, String>(0)?)?,
                            blake3: row.get(1)?,
                            size: row.get::<_, i64>(2)? as u64,
                            format: row.get(3)?,
                        })
                    },
                )
                .optional()?)
        })
    }

    /// Tracks of this device whose metadata changed since the cloud got it.
    pub fn metadata_to_send(&self) -> Result<Vec<(TrackId, CloudMetadata)>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT t.id, t.title, t.artist, t.album, t.album_artist, t.genre, t.year, t.track_no,
                        t.disc_no, t.duration_ms, t.format, c.metadata_sent
                 FROM cloud_tracks c JOIN tracks t ON t.pk = c.track_pk
                 WHERE c.in_cloud = 1 AND t.state = 'present'",
            )?;
            let rows = stmt.query_map([], |row| {
                let metadata = CloudMetadata {
                    title: row.get(1)?,
                    artist: row.get(2)?,
                    album: row.get(3)?,
                    album_artist: row.get(4)?,
                    genre: row.get(5)?,
                    year: row.get(6)?,
                    track_number: row.get(7)?,
                    disc_number: row.get(8)?,
                    duration_ms: row.get::<_, Option<i64>>(9)?.map(|d| d as u64),
                    format: row.get(10)?,
                };
                let sent: Option<String> = row.get(11)?;
                Ok((parse_id(&row.get::<_, String>(0)?)?, metadata, sent))
            })?;
            let mut changed = Vec::new();
            for row in rows {
                let (id, metadata, sent) = row?;
                let sent: Option<CloudMetadata> =
                    sent.and_then(|s| serde_json::from_str(&s).ok());
                if sent.as_ref() != Some(&metadata) {
                    changed.push((id, metadata));
                }
            }
            Ok(changed)
        })
    }

    /// Remembers the metadata the cloud now has for a track.
    pub fn metadata_sent(&self, track: TrackId, metadata: &CloudMetadata) -> Result<()> {
        let sent = serde_json::to_string(metadata).unwrap_or_default();
        self.store().write(|tx| {
            tx.execute(
                "UPDATE cloud_tracks SET metadata_sent = ?2 WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                params![track.to_string(), sent],
            )?;
            Ok(())
        })
    }

    /// A small stored value of the sync engine (the feed position, the account).
    pub fn sync_value(&self, key: &str) -> Result<Option<String>> {
        self.store().read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT value FROM sync_values WHERE key = ?1",
                    [key],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }

    /// Stores (or, with `None`, forgets) a value of the sync engine.
    pub fn set_sync_value(&self, key: &str, value: Option<&str>) -> Result<()> {
        self.store().write(|tx| {
            match value {
                Some(value) => tx.execute(
                    "INSERT INTO sync_values (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, value],
                )?,
                None => tx.execute("DELETE FROM sync_values WHERE key = ?1", [key])?,
            };
            Ok(())
        })
    }

    /// Forgets everything learned from a cloud account (on logout): cloud-only tracks go,
    /// local tracks become local-only, the feed position and pending edits are dropped.
    pub fn forget_cloud(&self) -> Result<()> {
        self.store().write(|tx| {
            let cloud_only: Vec<i64> = {
                let mut stmt = tx.prepare("SELECT pk FROM tracks WHERE state = 'cloud'")?;
                stmt.query_map([], |row| row.get(0))?
                    .collect::<rusqlite::Result<_>>()?
            };
            let mut dirty = Dirty::default();
            for pk in &cloud_only {
                dirty.track(tx, *pk)?;
                tx.execute("DELETE FROM track_search WHERE rowid = ?1", [pk])?;
                tx.execute("DELETE FROM tracks WHERE pk = ?1", [pk])?;
            }
            write::rebuild_summaries(tx, Some(&dirty))?;
            tx.execute("DELETE FROM cloud_tracks", [])?;
            tx.execute("DELETE FROM sync_values", [])?;
            tx.execute("DELETE FROM playlist_ops", [])?;
            Ok(())
        })
    }

    /// Playlist edits waiting to be sent, oldest first, from the one after `after_seq` (0 for
    /// the first).
    pub fn pending_playlist_ops(
        &self,
        after_seq: i64,
        limit: u64,
    ) -> Result<Vec<PendingPlaylistOp>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT seq, op_id, kind, playlist_id, entry_id, track_id, name, position
                 FROM playlist_ops WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![after_seq, limit as i64], |row| {
                Ok(PendingPlaylistOp {
                    seq: row.get(0)?,
                    op_id: row.get(1)?,
                    kind: row.get(2)?,
                    playlist_id: row.get(3)?,
                    entry_id: row.get(4)?,
                    track_id: row.get(5)?,
                    name: row.get(6)?,
                    position: row.get(7)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Each playlist with the number of its edits not yet sent.
    pub fn playlist_sync_states(&self) -> Result<Vec<PlaylistSyncState>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT p.id, p.name, (SELECT COUNT(*) FROM playlist_ops o WHERE o.playlist_id = p.id)
                 FROM playlists p ORDER BY p.name COLLATE NOCASE, p.id",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })?;
            let mut states = Vec::new();
            for row in rows {
                let (id, name, pending) = row?;
                if let Ok(playlist_id) = id.parse() {
                    states.push(PlaylistSyncState {
                        playlist_id,
                        name,
                        pending_edits: pending as u64,
                    });
                }
            }
            Ok(states)
        })
    }

    /// Drops playlist edits the cloud has answered (applied, duplicate or rejected).
    pub fn drop_playlist_ops(&self, seqs: &[i64]) -> Result<()> {
        self.store().write(|tx| {
            let mut delete = tx.prepare_cached("DELETE FROM playlist_ops WHERE seq = ?1")?;
            for seq in seqs {
                delete.execute([seq])?;
            }
            Ok(())
        })
    }

    /// The stream cache's record of `blake3`, if any.
    pub fn cache_entry(&self, blake3: &str) -> Result<Option<CacheEntry>> {
        self.store().read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT blake3, size, cached, pinned, last_used FROM stream_cache WHERE blake3 = ?1",
                    [blake3],
                    cache_entry_from_row,
                )
                .optional()?)
        })
    }

    /// Records how much of a file the stream cache holds, and that it was just used.
    pub fn touch_cache(&self, blake3: &str, size: u64, cached: u64) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "INSERT INTO stream_cache (blake3, size, cached, last_used) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (blake3) DO UPDATE SET cached = excluded.cached, last_used = excluded.last_used",
                params![blake3, size as i64, cached as i64, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Pins or unpins a file ("keep offline").
    pub fn set_pinned(&self, blake3: &str, size: u64, pinned: bool) -> Result<()> {
        self.store().write(|tx| {
            tx.execute(
                "INSERT INTO stream_cache (blake3, size, pinned, last_used) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (blake3) DO UPDATE SET pinned = excluded.pinned",
                params![blake3, size as i64, pinned, now_ms()],
            )?;
            Ok(())
        })
    }

    /// Every stream cache entry, least recently used first.
    pub fn cache_entries(&self) -> Result<Vec<CacheEntry>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT blake3, size, cached, pinned, last_used FROM stream_cache ORDER BY last_used, blake3",
            )?;
            let rows = stmt.query_map([], cache_entry_from_row)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Forgets a cache entry (its file was evicted).
    pub fn remove_cache_entry(&self, blake3: &str) -> Result<()> {
        self.store().write(|tx| {
            tx.execute("DELETE FROM stream_cache WHERE blake3 = ?1", [blake3])?;
            Ok(())
        })
    }
}

fn cache_entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<CacheEntry> {
    Ok(CacheEntry {
        blake3: row.get(0)?,
        size: row.get::<_, i64>(1)? as u64,
        cached: row.get::<_, i64>(2)? as u64,
        pinned: row.get(3)?,
        last_used: row.get(4)?,
    })
}

fn parse_id(text: &str) -> rusqlite::Result<TrackId> {
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Marks a track of this device as being in the cloud at `remote`'s revision.
fn link(tx: &Transaction<'_>, pk: i64, remote: &RemoteTrack) -> Result<()> {
    tx.execute(
        "INSERT INTO cloud_tracks (track_pk, state, blake3, in_cloud, revision, updated_at)
         VALUES (?1, 'in_cloud', ?2, 1, ?3, ?4)
         ON CONFLICT (track_pk) DO UPDATE SET state = 'in_cloud', blake3 = excluded.blake3, in_cloud = 1,
            revision = excluded.revision, upload_url = NULL, error = NULL, updated_at = excluded.updated_at",
        params![pk, remote.blake3, remote.revision as i64, now_ms()],
    )?;
    Ok(())
}

/// Writes a cloud-only track's row from the cloud's metadata.
fn write_cloud_only(tx: &Transaction<'_>, remote: &RemoteTrack, target: Target) -> Result<()> {
    let meta = &remote.metadata;
    let split = |value: &Option<String>| -> Vec<String> {
        value
            .as_deref()
            .map(|v| v.split("; ").map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let tags = FileTags {
        format: meta.format.clone(),
        duration_ms: meta.duration_ms,
        title: meta.title.clone(),
        artists: split(&meta.artist),
        album: meta.album.clone(),
        album_artists: split(&meta.album_artist),
        track_no: meta.track_number,
        disc_no: meta.disc_number,
        year: meta.year,
        genres: split(&meta.genre),
        ..FileTags::default()
    };
    let location = Location {
        folder: None,
        path: None,
        size: remote.size,
        mtime_ms: 0,
        state: "cloud",
        fingerprint: format!("cloud:{}", remote.blake3),
        id: Some(remote.id),
    };
    let mut dirty = Dirty::default();
    let pk = write::write_row(tx, &location, &tags, None, target, &mut dirty)?;
    dirty.track(tx, pk)?;
    tx.execute(
        "INSERT INTO cloud_tracks (track_pk, state, blake3, in_cloud, revision, updated_at)
         VALUES (?1, 'in_cloud', ?2, 1, ?3, ?4)
         ON CONFLICT (track_pk) DO UPDATE SET blake3 = excluded.blake3, revision = excluded.revision,
            updated_at = excluded.updated_at",
        params![pk, remote.blake3, remote.revision as i64, now_ms()],
    )?;
    write::rebuild_summaries(tx, Some(&dirty))?;
    Ok(())
}

/// Gives the track `from` the id `to` (the cloud's), merging with a cloud-only row that
/// already has it; playlists follow.
fn adopt_id(tx: &Transaction<'_>, from: TrackId, to: TrackId) -> Result<()> {
    let (from, to) = (from.to_string(), to.to_string());
    let cloud_only: Option<i64> = tx
        .query_row(
            "SELECT pk FROM tracks WHERE id = ?1 AND state = 'cloud'",
            [&to],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(pk) = cloud_only {
        let mut dirty = Dirty::default();
        dirty.track(tx, pk)?;
        tx.execute("DELETE FROM track_search WHERE rowid = ?1", [pk])?;
        tx.execute("DELETE FROM tracks WHERE pk = ?1", [pk])?;
        write::rebuild_summaries(tx, Some(&dirty))?;
    }
    let taken: Option<i64> = tx
        .query_row("SELECT pk FROM tracks WHERE id = ?1", [&to], |row| {
            row.get(0)
        })
        .optional()?;
    if taken.is_some() {
        // Two files of this device hold the same bytes: keep the ids apart.
        return Err(LibraryError::InvalidQuery(format!(
            "track {to} is already another file of this device"
        )));
    }
    tx.execute("UPDATE tracks SET id = ?2 WHERE id = ?1", params![from, to])?;
    tx.execute(
        "UPDATE playlist_entries SET track_id = ?2 WHERE track_id = ?1",
        params![from, to],
    )?;
    tx.execute(
        "UPDATE playlist_ops SET track_id = ?2 WHERE track_id = ?1",
        params![from, to],
    )?;
    Ok(())
}
