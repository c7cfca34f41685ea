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
use crate::scan::write::{self, Dirty, Location, SearchUpdates, Target, TrackRow};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::HashSet;

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
        self.store().write(|tx| {
            let mut pending = Pending::default();
            let applied = apply_track(tx, remote, &mut pending)?;
            pending.finish(tx)?;
            Ok(applied)
        })
    }

    /// The cloud deleted a track: a cloud-only track goes; a track of this device stays and
    /// is simply no longer in the cloud.
    pub fn apply_remote_deletion(&self, track: TrackId) -> Result<()> {
        self.store().write(|tx| {
            let mut pending = Pending::default();
            apply_deletion(tx, track, &mut pending)?;
            pending.finish(tx)
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

/// What writes of the cloud's tracks leave for the end of their transaction (of one change,
/// or of a whole page of the feed): the summaries they made stale, and their search entries.
///
/// FTS5 keeps the entries of a transaction in memory and writes them out as one segment, but
/// only as long as no statement opens a savepoint in between (a row written with its names
/// and its cloud state does): written between the tracks, every track cost a segment and its
/// merges. So they are written together, before the summaries (see `write::SearchUpdates`).
#[derive(Debug, Default)]
pub(super) struct Pending {
    dirty: Dirty,
    search: SearchUpdates,
    /// The tracks whose search entries wait in `search`.
    searched: HashSet<i64>,
    /// Whether the library holds any file of this device, asked once per transaction: a new
    /// device's first sync has none, and then no track of the feed can be one of them (the
    /// lookup by hash was a tenth of that sync's writing). Applying the cloud's tracks never
    /// adds a file, so the answer holds for the transaction.
    has_files: Option<bool>,
}

impl Pending {
    /// Writes the waiting search entries: before anything that changes the search index
    /// itself (a deletion), or rewrites a row whose entry waits.
    fn write_search(&mut self, tx: &Transaction<'_>) -> Result<()> {
        if !self.searched.is_empty() {
            self.search.apply(tx)?;
            self.searched.clear();
        }
        Ok(())
    }

    /// Writes the search entries, then the summaries that were made stale.
    pub(super) fn finish(&mut self, tx: &Transaction<'_>) -> Result<()> {
        self.finish_page(tx, true)
    }

    /// Writes the search entries and the album summaries made stale; the artist and genre
    /// summaries too when `names`, with those earlier pages left stale. Otherwise those are
    /// left stale and recorded ([`STALE_NAMES_KEY`]), for a later page to rebuild, in this
    /// process or after a restart: rebuilding a genre counts all its tracks, so a first
    /// sync that rebuilt them with every page grew quadratic.
    pub(super) fn finish_page(&mut self, tx: &Transaction<'_>, names: bool) -> Result<()> {
        let started = std::time::Instant::now();
        self.write_search(tx)?;
        let searched = started.elapsed();
        let stored = stale_names(tx)?;
        if names {
            if !stored.is_empty() {
                self.dirty.names.extend(stored);
                super::values::set(tx, STALE_NAMES_KEY, None)?;
            }
        } else {
            let mut stale = stored.clone();
            stale.extend(std::mem::take(&mut self.dirty.names));
            if stale != stored {
                let mut list: Vec<(&str, &str)> = stale
                    .iter()
                    .map(|(kind, name)| (*kind, name.as_str()))
                    .collect();
                list.sort_unstable();
                let list = serde_json::to_string(&list).unwrap_or_default();
                super::values::set(tx, STALE_NAMES_KEY, Some(&list))?;
            }
        }
        if !self.dirty.is_empty() {
            write::rebuild_summaries(tx, Some(&self.dirty))?;
        }
        tracing::trace!(
            search_ms = searched.as_secs_f64() * 1e3,
            summaries_ms = (started.elapsed() - searched).as_secs_f64() * 1e3,
            albums = self.dirty.albums.len(),
            names = self.dirty.names.len(),
            "search entries and summaries written"
        );
        Ok(())
    }
}

/// The sync value listing the artists and genres whose summaries pages of the feed left
/// stale (JSON pairs of kind and sort name).
pub(super) const STALE_NAMES_KEY: &str = "stale_names";

/// The artists and genres pages of the feed left stale ([`STALE_NAMES_KEY`]).
pub(super) fn stale_names(tx: &Transaction<'_>) -> Result<HashSet<(&'static str, String)>> {
    let stored: Option<String> = tx
        .prepare_cached("SELECT value FROM sync_values WHERE key = ?1")?
        .query_row([STALE_NAMES_KEY], |row| row.get(0))
        .optional()?;
    let pairs: Vec<(String, String)> = stored
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    Ok(pairs
        .into_iter()
        .filter_map(|(kind, name)| match kind.as_str() {
            "artist" => Some(("artist", name)),
            "genre" => Some(("genre", name)),
            _ => None,
        })
        .collect())
}

/// [`Library::apply_remote_track`] inside a transaction, leaving search entries and
/// summaries to `pending`.
pub(super) fn apply_track(
    tx: &Transaction<'_>,
    remote: &RemoteTrack,
    pending: &mut Pending,
) -> Result<RemoteApplied> {
    // Single-table lookups: a cached join is prepared again at every use (see
    // `hashes::local_track_with`).
    let known: Option<(i64, String)> = tx
        .prepare_cached("SELECT pk, state FROM tracks WHERE id = ?1")?
        .query_row([remote.id.to_string()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    if let Some((pk, state)) = known {
        let revision: Option<i64> = tx
            .prepare_cached("SELECT revision FROM cloud_tracks WHERE track_pk = ?1")?
            .query_row([pk], |row| row.get(0))
            .optional()?
            .flatten();
        if revision.is_some_and(|r| r as u64 >= remote.revision) {
            return Ok(RemoteApplied::Unchanged);
        }
        if TrackState::parse(&state) == TrackState::Cloud {
            write_cloud_only(tx, remote, Target::Update(pk), pending)?;
            return Ok(RemoteApplied::CloudOnly);
        }
        link(tx, pk, remote)?;
        return Ok(RemoteApplied::Linked);
    }
    let has_files = match pending.has_files {
        Some(known) => known,
        None => {
            // `path` is NULL exactly for cloud-only rows; its unique index answers at once.
            let any: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM tracks WHERE path IS NOT NULL)",
                [],
                |row| row.get(0),
            )?;
            *pending.has_files.insert(any)
        }
    };
    let local = if has_files {
        hashes::local_track_with(tx, &remote.blake3)?
    } else {
        None
    };
    if let Some((pk, local_id)) = local {
        adopt(tx, parse_id(&local_id)?, remote.id, pending)?;
        link(tx, pk, remote)?;
        return Ok(RemoteApplied::Linked);
    }
    write_cloud_only(tx, remote, Target::Insert, pending)?;
    Ok(RemoteApplied::CloudOnly)
}

/// [`Library::apply_remote_deletion`] inside a transaction (see [`apply_track`]).
pub(super) fn apply_deletion(
    tx: &Transaction<'_>,
    track: TrackId,
    pending: &mut Pending,
) -> Result<()> {
    if !remove_cloud_only(tx, track, pending)? {
        tx.prepare_cached(
            "UPDATE cloud_tracks SET in_cloud = 0, state = 'local_only', revision = NULL,
                upload_url = NULL, updated_at = ?2
             WHERE track_pk = (SELECT pk FROM tracks WHERE id = ?1)",
        )?
        .execute(params![track.to_string(), now_ms()])?;
    }
    Ok(())
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

/// Writes a cloud-only track's row from the cloud's metadata (its search entry and what it
/// made stale left to `pending`).
fn write_cloud_only(
    tx: &Transaction<'_>,
    remote: &RemoteTrack,
    target: Target,
    pending: &mut Pending,
) -> Result<()> {
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
    if let Target::Update(pk) = target
        && pending.searched.contains(&pk)
    {
        pending.write_search(tx)?;
    }
    let mut row = TrackRow::new(&location, remote.metadata.tags());
    row.set_artwork(artwork);
    // Marks what the row counted towards before (an update) and what it counts towards now.
    let pk = write::write_prepared(tx, &row, target, &mut pending.dirty, &mut pending.search)?;
    pending.searched.insert(pk);
    tx.prepare_cached(
        "INSERT INTO cloud_tracks (track_pk, state, blake3, in_cloud, revision, metadata_sent, updated_at)
         VALUES (?1, 'in_cloud', ?2, 1, ?3, ?5, ?4)
         ON CONFLICT (track_pk) DO UPDATE SET blake3 = excluded.blake3, revision = excluded.revision,
            metadata_sent = excluded.metadata_sent, updated_at = excluded.updated_at",
    )?
    // What the row now holds is what the cloud has: nothing to send back.
    .execute(params![pk, remote.blake3, remote.revision as i64, now_ms(), remote.metadata.stored()])?;
    Ok(())
}

/// Deletes the cloud-only row with this id, if there is one (what it counted towards is
/// marked in `pending`). Returns whether there was.
fn remove_cloud_only(tx: &Transaction<'_>, id: TrackId, pending: &mut Pending) -> Result<bool> {
    let pk: Option<i64> = tx
        .prepare_cached("SELECT pk FROM tracks WHERE id = ?1 AND state = 'cloud'")?
        .query_row([id.to_string()], |row| row.get(0))
        .optional()?;
    let Some(pk) = pk else { return Ok(false) };
    // The deletion takes the search entry out at once: the waiting ones go in first.
    pending.write_search(tx)?;
    write::delete_track(tx, pk, &mut pending.dirty)?;
    Ok(true)
}

/// Gives the track `from` the id `to` (the cloud's), merging with a cloud-only row that
/// already has it (its albums and names are summarised again); playlists follow.
pub(super) fn adopt_id(tx: &Transaction<'_>, from: TrackId, to: TrackId) -> Result<()> {
    let mut pending = Pending::default();
    adopt(tx, from, to, &mut pending)?;
    pending.finish(tx)
}

/// [`adopt_id`], leaving the summaries to `pending`.
fn adopt(tx: &Transaction<'_>, from: TrackId, to: TrackId, pending: &mut Pending) -> Result<()> {
    remove_cloud_only(tx, to, pending)?;
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
