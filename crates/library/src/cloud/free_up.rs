//! "Remove downloads": which local files may go because the cloud holds their bytes, and the
//! track a file becomes once it has gone.
//!
//! The library only plans and records; it never deletes a file and never talks to the server.
//! `tonearm-sync` asks the server, at the moment of each removal, whether it still holds the
//! same bytes, moves the file to the trash, and then calls [`Library::mark_freed`].
//!
//! A plan holds only files that are here (`present`), in the cloud (`in_cloud`), with a hash
//! still valid for the file as the library last saw it (so the bytes the cloud was sent are
//! the bytes on disk), and not pinned ("keep offline" wins over freeing space). Everything
//! else the selection names is listed as skipped, with its reason.
//!
//! A freed track becomes an ordinary cloud-only row (state `cloud`, no path, like a track the
//! change feed brought): the same row, so the same id, plays, rating, loves and playlist
//! entries. Having no path, the scanner and the folder watcher never see it again (their
//! queries are by path), so a rescan does not mark it missing.

use super::parse_id;
use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::TrackId;
use crate::model::TrackState;
use crate::now_ms;
use crate::scan::write::{self, Dirty};
use crate::store::pathbytes;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::path::PathBuf;

/// An average month, for "not played for N months".
const MONTH_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Which songs to free space from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FreeUpSelection {
    /// These tracks.
    Tracks(Vec<TrackId>),
    /// An album, by its key ([`crate::AlbumSummary::key`]) or its name (any case).
    Album(String),
    /// Songs not played for this many (30-day) months before `now_ms`; a song never played
    /// counts from when it was added.
    NotPlayedFor { months: u32, now_ms: i64 },
}

/// One file a plan would remove, with what the cloud was sent for it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreeUpItem {
    pub track_id: TrackId,
    pub title: String,
    pub path: PathBuf,
    /// The file's size: what removing it frees.
    pub bytes: u64,
    /// The BLAKE3 the cloud knows the file by.
    pub blake3: String,
    /// The file's mtime (unix ms) when it was hashed: a file with another size or mtime is
    /// hashed again before it may go.
    pub hashed_mtime_ms: i64,
}

/// Why a selected song is not in the plan.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FreeUpSkip {
    /// No such track.
    UnknownTrack,
    /// Only in the cloud already.
    AlreadyCloudOnly,
    /// Its file is missing or unreadable: nothing here to remove.
    NoLocalFile,
    /// The cloud does not have it (not uploaded yet, or deleted from the cloud).
    NotInCloud,
    /// Its file changed since it was hashed, or was never hashed: the cloud may hold other
    /// bytes.
    NotVerified,
    /// Kept offline: pinned songs are never removed.
    Pinned,
}

impl FreeUpSkip {
    /// One sentence for the user.
    pub fn describe(self) -> &'static str {
        match self {
            Self::UnknownTrack => "no such song",
            Self::AlreadyCloudOnly => "already only in the cloud",
            Self::NoLocalFile => "its file is not here",
            Self::NotInCloud => "not in the cloud",
            Self::NotVerified => "its file changed since it was uploaded (sync it first)",
            Self::Pinned => "kept offline",
        }
    }
}

/// A selected song left out of a plan.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreeUpSkipped {
    pub track_id: TrackId,
    pub reason: FreeUpSkip,
}

/// What freeing space would remove, shown before anything is.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FreeUpPlan {
    pub tracks: Vec<FreeUpItem>,
    /// The space the plan frees, in bytes.
    pub total_bytes: u64,
    pub skipped: Vec<FreeUpSkipped>,
}

/// A selected track as the plan needs it.
struct Candidate {
    id: TrackId,
    title: String,
    path: Option<Vec<u8>>,
    size: u64,
    mtime_ms: i64,
    state: TrackState,
    in_cloud: bool,
    blake3: Option<String>,
    hashed: (Option<i64>, Option<i64>),
    pinned: bool,
}

const CANDIDATE_COLUMNS: &str = "t.id, t.title, t.path, t.size, t.mtime_ms, t.state,
    COALESCE(c.in_cloud, 0), c.blake3, c.hashed_size, c.hashed_mtime,
    EXISTS (SELECT 1 FROM stream_cache s WHERE s.blake3 = c.blake3 AND s.pinned = 1)";

fn candidate(row: &rusqlite::Row<'_>) -> rusqlite::Result<Candidate> {
    Ok(Candidate {
        id: parse_id(&row.get::<_, String>(0)?)?,
        title: row.get(1)?,
        path: row.get(2)?,
        size: row.get::<_, i64>(3)? as u64,
        mtime_ms: row.get(4)?,
        state: TrackState::parse(&row.get::<_, String>(5)?),
        in_cloud: row.get(6)?,
        blake3: row.get(7)?,
        hashed: (row.get(8)?, row.get(9)?),
        pinned: row.get(10)?,
    })
}

impl Candidate {
    /// The plan's item, or why there is none.
    fn judge(self) -> std::result::Result<FreeUpItem, FreeUpSkip> {
        match self.state {
            TrackState::Cloud => return Err(FreeUpSkip::AlreadyCloudOnly),
            TrackState::Present => {}
            _ => return Err(FreeUpSkip::NoLocalFile),
        }
        let Some(path) = self.path else {
            return Err(FreeUpSkip::NoLocalFile);
        };
        if !self.in_cloud {
            return Err(FreeUpSkip::NotInCloud);
        }
        let Some(blake3) = self.blake3 else {
            return Err(FreeUpSkip::NotVerified);
        };
        if !super::hashes::still_valid(self.hashed, (self.size as i64, self.mtime_ms)) {
            return Err(FreeUpSkip::NotVerified);
        }
        if self.pinned {
            return Err(FreeUpSkip::Pinned);
        }
        Ok(FreeUpItem {
            track_id: self.id,
            title: self.title,
            path: pathbytes::from_bytes(&path),
            bytes: self.size,
            blake3,
            hashed_mtime_ms: self.mtime_ms,
        })
    }
}

impl Library {
    /// What freeing space from `selection` would remove, and the songs it leaves, with why.
    /// Nothing is changed.
    pub fn plan_free_up(&self, selection: &FreeUpSelection) -> Result<FreeUpPlan> {
        let candidates = self.store().read(|conn| select(conn, selection))?;
        let mut plan = FreeUpPlan::default();
        for (id, candidate) in candidates {
            match candidate.map(Candidate::judge) {
                None => plan.skipped.push(FreeUpSkipped {
                    track_id: id,
                    reason: FreeUpSkip::UnknownTrack,
                }),
                Some(Ok(item)) => {
                    plan.total_bytes += item.bytes;
                    plan.tracks.push(item);
                }
                Some(Err(reason)) => plan.skipped.push(FreeUpSkipped {
                    track_id: id,
                    reason,
                }),
            }
        }
        Ok(plan)
    }

    /// Whether the file with this hash is pinned ("keep offline"), asked again right before
    /// a removal.
    pub fn is_pinned(&self, blake3: &str) -> Result<bool> {
        self.store().read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT pinned FROM stream_cache WHERE blake3 = ?1",
                    [blake3],
                    |row| row.get::<_, bool>(0),
                )
                .optional()?
                .unwrap_or(false))
        })
    }

    /// Records that `item`'s file has gone (moved to the trash after the cloud confirmed it
    /// holds the same bytes): the track becomes cloud-only, keeping its row, id, plays,
    /// rating and playlist entries. Refused when the file is still at its path, or the track
    /// no longer is the file the plan named (moved, or changed since).
    pub fn mark_freed(&self, item: &FreeUpItem) -> Result<()> {
        match std::fs::symlink_metadata(&item.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Ok(_) => {
                return Err(LibraryError::InvalidQuery(format!(
                    "{} is still there",
                    item.path.display()
                )));
            }
            Err(e) => return Err(LibraryError::io(&item.path, e)),
        }
        let path = pathbytes::to_bytes(&item.path);
        self.store().write(|tx| {
            let pk: Option<i64> = tx
                .query_row(
                    // A watcher that saw the file go first may have marked it missing.
                    "SELECT t.pk FROM tracks t JOIN cloud_tracks c ON c.track_pk = t.pk
                     WHERE t.id = ?1 AND t.path = ?2 AND t.state IN ('present', 'missing')
                       AND c.in_cloud = 1 AND c.blake3 = ?3",
                    params![item.track_id.to_string(), path, item.blake3],
                    |row| row.get(0),
                )
                .optional()?;
            let Some(pk) = pk else {
                return Err(LibraryError::UnknownTrack(item.track_id));
            };
            let mut dirty = Dirty::default();
            dirty.track(tx, pk)?;
            tx.execute(
                "UPDATE tracks SET state = 'cloud', state_reason = NULL, folder_id = NULL,
                    path = NULL, path_text = '', mtime_ms = 0, size = ?2, fingerprint = ?3,
                    updated_at = ?4
                 WHERE pk = ?1",
                params![
                    pk,
                    item.bytes as i64,
                    format!("cloud:{}", item.blake3),
                    now_ms()
                ],
            )?;
            tx.execute(
                "UPDATE cloud_tracks SET state = 'in_cloud', hashed_size = NULL, hashed_mtime = NULL,
                    upload_url = NULL, error = NULL, updated_at = ?2
                 WHERE track_pk = ?1",
                params![pk, now_ms()],
            )?;
            dirty.track(tx, pk)?;
            write::rebuild_summaries(tx, Some(&dirty))?;
            Ok(())
        })
    }
}

/// The tracks `selection` names, each with what the plan needs (`None`: no such track).
fn select(
    conn: &Connection,
    selection: &FreeUpSelection,
) -> Result<Vec<(TrackId, Option<Candidate>)>> {
    let from = format!(
        "SELECT {CANDIDATE_COLUMNS} FROM tracks t LEFT JOIN cloud_tracks c ON c.track_pk = t.pk"
    );
    let collect = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> Result<Vec<_>> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map(args, candidate)?;
        let mut found = Vec::new();
        for row in rows {
            let row = row?;
            found.push((row.id, Some(row)));
        }
        Ok(found)
    };
    match selection {
        FreeUpSelection::Tracks(ids) => {
            let mut stmt = conn.prepare(&format!("{from} WHERE t.id = ?1"))?;
            let mut found = Vec::new();
            for id in ids {
                let row = stmt.query_row([id.to_string()], candidate).optional()?;
                found.push((*id, row));
            }
            Ok(found)
        }
        FreeUpSelection::Album(album) => collect(
            &format!(
                "{from} WHERE t.album IS NOT NULL
                   AND (t.album_key = ?1 OR t.album = ?1 COLLATE NOCASE)
                 ORDER BY t.album_key, t.disc_no, t.track_no, t.pk"
            ),
            &[album],
        ),
        FreeUpSelection::NotPlayedFor { months, now_ms } => {
            let before = now_ms.saturating_sub(i64::from(*months) * MONTH_MS);
            collect(
                &format!(
                    "{from} WHERE t.state != 'cloud'
                       AND COALESCE(t.last_played_at, t.added_at) < ?1
                     ORDER BY COALESCE(t.last_played_at, t.added_at), t.pk"
                ),
                &[&before],
            )
        }
    }
}
