//! The cloud's tracks on this device, as the change feed reports them.
//!
//! A track the cloud has and this device does not becomes a cloud-only row of `tracks` (state
//! `cloud`, no path), written like a scanned file so lists, search, albums and playlists
//! include it. A track of this device with the same bytes (the same hash) is linked instead,
//! taking the cloud's id, so the two devices agree on one id and playlists follow; a
//! cloud-only row already holding that id merges into it. The streamer asks here for the
//! bytes of a track that streams.

use super::metadata::CloudMetadata;
use super::{hashes, parse_id};
use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::{ArtworkId, TrackId};
use crate::model::TrackState;
use crate::now_ms;
use crate::scan::write::{self, Dirty, Location, Target};
use rusqlite::{OptionalExtension, Transaction, params};

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

impl Library {
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
                if TrackState::parse(&state) == TrackState::Cloud {
                    write_cloud_only(tx, remote, Target::Update(pk))?;
                    return Ok(RemoteApplied::CloudOnly);
                }
                link(tx, pk, remote)?;
                return Ok(RemoteApplied::Linked);
            }
            if let Some((pk, local_id)) = hashes::local_track_with(tx, &remote.blake3)? {
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
            if !remove_cloud_only(tx, track)? {
                tx.execute(
                    "UPDATE cloud_tracks SET in_cloud = 0, state = 'local_only', revision = NULL,
                        upload_url = NULL, updated_at = ?2
                     WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
                    params![track.to_string(), now_ms()],
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
    let location = Location {
        folder: None,
        path: None,
        size: remote.size,
        mtime_ms: 0,
        state: TrackState::Cloud,
        fingerprint: format!("cloud:{}", remote.blake3),
        id: Some(remote.id),
    };
    // The cover, when this device has its bytes (the sync engine fetches them first).
    let artwork: Option<ArtworkId> = match &remote.metadata.artwork {
        Some(id) => tx
            .prepare_cached("SELECT id FROM artwork WHERE id = ?1")?
            .query_row([id], |row| row.get(0))
            .optional()?
            .map(ArtworkId),
        None => None,
    };
    let mut dirty = Dirty::default();
    let pk = write::write_row(
        tx,
        &location,
        &remote.metadata.tags(),
        artwork.as_ref(),
        target,
        &mut dirty,
    )?;
    dirty.track(tx, pk)?;
    tx.execute(
        "INSERT INTO cloud_tracks (track_pk, state, blake3, in_cloud, revision, metadata_sent, updated_at)
         VALUES (?1, 'in_cloud', ?2, 1, ?3, ?5, ?4)
         ON CONFLICT (track_pk) DO UPDATE SET blake3 = excluded.blake3, revision = excluded.revision,
            metadata_sent = excluded.metadata_sent, updated_at = excluded.updated_at",
        // What the row now holds is what the cloud has: nothing to send back.
        params![pk, remote.blake3, remote.revision as i64, now_ms(), remote.metadata.stored()],
    )?;
    write::rebuild_summaries(tx, Some(&dirty))?;
    Ok(())
}

/// Deletes the cloud-only row with this id, if there is one (its albums and names are
/// summarised again). Returns whether there was.
fn remove_cloud_only(tx: &Transaction<'_>, id: TrackId) -> Result<bool> {
    let pk: Option<i64> = tx
        .query_row(
            "SELECT pk FROM tracks WHERE id = ?1 AND state = 'cloud'",
            [id.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    let Some(pk) = pk else { return Ok(false) };
    let mut dirty = Dirty::default();
    write::delete_track(tx, pk, &mut dirty)?;
    write::rebuild_summaries(tx, Some(&dirty))?;
    Ok(true)
}

/// Gives the track `from` the id `to` (the cloud's), merging with a cloud-only row that
/// already has it; playlists follow.
pub(super) fn adopt_id(tx: &Transaction<'_>, from: TrackId, to: TrackId) -> Result<()> {
    remove_cloud_only(tx, to)?;
    let (from, to) = (from.to_string(), to.to_string());
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
