//! A page of the cloud's change feed, applied in one transaction.
//!
//! Each change does what its own `apply_remote_*` method does, in the feed's order, so a page
//! leaves the library as the same changes applied one by one would; what differs is the cost.
//! One transaction per page instead of per change, the search entries written together (FTS5
//! then writes them as one segment), and the album summaries the page made stale rebuilt once
//! at its end instead of after every track; artist and genre summaries only with the pages
//! that ask for it (a genre's summary counts every track of that genre, so rebuilding it per
//! track made a first sync quadratic, and per page still grew with the library).
//!
//! The page commits as a whole, with the feed's cursor when the caller gives it (the sync
//! engine does), so after a crash the library holds exactly the pages before the cursor and
//! the sync resumes at the next one; readers (WAL) see each page as it commits, so a long
//! first sync can be browsed while it runs.

use super::metadata::CloudMetadata;
use super::tracks::{self, RemoteApplied, RemoteTrack};
use crate::Library;
use crate::error::Result;
use crate::history::{self, CloudMarks};
use crate::ids::{EntryId, PlaylistId, TrackId};
use crate::now_ms;
use crate::playlists::position::PositionKey;
use crate::playlists::remote as playlists;
use crate::scan::{bulk, write};
use rusqlite::{OptionalExtension, Transaction};

/// One change of the cloud's feed, as the library applies it.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteChange {
    /// A track created or changed in the cloud ([`Library::apply_remote_track`]); boxed, as
    /// it is much larger than the other changes.
    Track(Box<RemoteTrack>),
    /// A track deleted from the cloud ([`Library::apply_remote_deletion`]).
    TrackDeleted(TrackId),
    /// A playlist created or renamed ([`Library::apply_remote_playlist`]).
    Playlist { id: PlaylistId, name: String },
    /// A playlist deleted ([`Library::apply_remote_playlist_deletion`]).
    PlaylistDeleted(PlaylistId),
    /// An entry added or moved ([`Library::apply_remote_entry`]).
    Entry {
        playlist: PlaylistId,
        entry: EntryId,
        track: TrackId,
        position: PositionKey,
    },
    /// An entry removed ([`Library::apply_remote_entry_removal`]).
    EntryRemoved(EntryId),
    /// A song's plays, rating or love ([`Library::apply_remote_marks`]).
    Marks { track: TrackId, marks: CloudMarks },
}

/// A page of the cloud's change feed, to apply at once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemotePage {
    /// Covers the page's tracks name that this device lacked, fetched for it (image bytes;
    /// what is not an image is left out, as [`Library::add_artwork`] does).
    pub covers: Vec<Vec<u8>>,
    /// The changes, in the feed's order.
    pub changes: Vec<RemoteChange>,
    /// A sync value (key, value) set in the same transaction: the feed's position after the
    /// page, so that a page is either applied and passed, or neither.
    pub cursor: Option<(String, String)>,
    /// Whether the artist and genre summaries are rebuilt with this page (with those earlier
    /// pages left stale, even before a restart). Album summaries always are; a genre's counts
    /// all its tracks, so a long sync rebuilds these now and then, and with its last page.
    pub rebuild_names: bool,
}

/// What a page did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageApplied {
    /// Tracks of this device now linked to the cloud's, in the page's order, each with the
    /// metadata it was linked at: the other device's tag edits to follow into the file
    /// ([`Library::follow_cloud_tags`]), once the page is committed.
    pub linked: Vec<(TrackId, CloudMetadata)>,
    /// Tracks the page added or changed as cloud-only rows.
    pub cloud_only: u64,
}

impl Library {
    /// Applies a page of the cloud's change feed in one transaction: the covers first, then
    /// each change in order as its own `apply_remote_*` method would, then the summaries the
    /// page made stale (artists and genres only with [`RemotePage::rebuild_names`]) and the
    /// cursor. A cover a track names that this device does not hold (it could not be
    /// fetched) leaves the track's cover as it is here, and the metadata recorded as the
    /// cloud's says so, as the sync engine does for a single track.
    pub fn apply_remote_page(&self, page: &RemotePage) -> Result<PageApplied> {
        let now = now_ms();
        let started = std::time::Instant::now();
        let applied = self.store().write(|tx| {
            for cover in &page.covers {
                write::store_artwork(tx, cover)?;
            }
            let covered = started.elapsed();
            let mut pending = tracks::Pending::default();
            let mut applied = PageApplied::default();
            let changing = std::time::Instant::now();
            for change in &page.changes {
                apply(tx, change, now, &mut pending, &mut applied)?;
            }
            let changed = changing.elapsed();
            pending.finish_page(tx, page.rebuild_names)?;
            tracing::debug!(
                changes = page.changes.len(),
                covers_ms = covered.as_secs_f64() * 1e3,
                changes_ms = changed.as_secs_f64() * 1e3,
                search_and_summaries_ms = (changing.elapsed() - changed).as_secs_f64() * 1e3,
                "a page of the cloud's changes written"
            );
            if let Some((key, value)) = &page.cursor {
                super::values::set(tx, key, Some(value))?;
            }
            Ok(applied)
        })?;
        tracing::debug!(
            total_ms = started.elapsed().as_secs_f64() * 1e3,
            "a page of the cloud's changes committed"
        );
        Ok(applied)
    }
}

/// The sorted indexes a pull in bulk keeps: the Songs view's own order (by artist), and an
/// album's songs (by album, and by album key as an album's page reads them), so the views a
/// new device opens on answer as fast while the first sync runs. Their keys arrive grouped,
/// album after album, so keeping them up costs the pull little (`bench sync first-sync`,
/// 100,000 tracks, alternating: within the runs' spread), while an album opened meanwhile
/// lists its songs in 0.5-0.7 ms instead of 37-59 ms (read from the whole table).
const KEPT_BY_PULLS: &[&str] = &[
    "tracks_sort_artist",
    "tracks_sort_album",
    "tracks_album_key",
];

impl Library {
    /// Before a pull's first transaction, which adds up to `adding` tracks: whether the pull
    /// is to be written in bulk, its sorted indexes deferred ([`crate::scan::bulk`]) but
    /// [`KEPT_BY_PULLS`]. It is when it adds at least as many tracks as the library holds (a
    /// new device's first sync of a large cloud library), which then sorts songs in other
    /// orders without their indexes until [`Library::end_bulk_pull`]; search, summaries and
    /// every other index stay as they are.
    pub fn begin_bulk_pull(&self, adding: u64) -> Result<bool> {
        if adding < bulk::MIN_TRACKS as u64 {
            return Ok(false);
        }
        self.store().write(|tx| {
            let stored: i64 = tx.query_row("SELECT COUNT(*) FROM tracks", [], |row| row.get(0))?;
            if !bulk::worth_it(adding as usize, stored as u64) {
                return Ok(false);
            }
            bulk::defer_indexes(tx, KEPT_BY_PULLS)?;
            Ok(true)
        })
    }

    /// The end of a pull written in bulk, however it ended: builds the indexes it deferred
    /// (those a scan running meanwhile deferred too; the scan still fills its search entries
    /// at its own end).
    pub fn end_bulk_pull(&self) -> Result<()> {
        self.store().write(bulk::build_indexes)
    }
}

fn apply(
    tx: &Transaction<'_>,
    change: &RemoteChange,
    now: i64,
    pending: &mut tracks::Pending,
    applied: &mut PageApplied,
) -> Result<()> {
    match change {
        RemoteChange::Track(remote) => {
            let remote: &RemoteTrack = remote;
            let held = remote_with_held_cover(tx, remote)?;
            let remote = held.as_ref().unwrap_or(remote);
            match tracks::apply_track(tx, remote, pending)? {
                RemoteApplied::Linked => applied.linked.push((remote.id, remote.metadata.clone())),
                RemoteApplied::CloudOnly => applied.cloud_only += 1,
                RemoteApplied::Unchanged => {}
            }
        }
        RemoteChange::TrackDeleted(track) => tracks::apply_deletion(tx, *track, pending)?,
        RemoteChange::Playlist { id, name } => playlists::playlist(tx, *id, name, now)?,
        RemoteChange::PlaylistDeleted(id) => playlists::playlist_deletion(tx, *id)?,
        RemoteChange::Entry {
            playlist,
            entry,
            track,
            position,
        } => playlists::entry(tx, *playlist, *entry, *track, position, now)?,
        RemoteChange::EntryRemoved(entry) => playlists::entry_removal(tx, *entry)?,
        RemoteChange::Marks { track, marks } => history::apply_remote_marks(tx, *track, marks)?,
    }
    Ok(())
}

/// `remote` with the cover its track has here when this device does not hold the one it
/// names; `None` when it holds it (or names none).
fn remote_with_held_cover(
    tx: &Transaction<'_>,
    remote: &RemoteTrack,
) -> Result<Option<RemoteTrack>> {
    let Some(cover) = &remote.metadata.artwork else {
        return Ok(None);
    };
    if tx
        .prepare_cached("SELECT 1 FROM artwork WHERE id = ?1")?
        .exists([cover])?
    {
        return Ok(None);
    }
    let own: Option<String> = tx
        .prepare_cached("SELECT artwork_id FROM tracks WHERE id = ?1")?
        .query_row([remote.id.to_string()], |row| row.get(0))
        .optional()?
        .flatten();
    let mut remote = remote.clone();
    remote.metadata.artwork = own;
    Ok(Some(remote))
}
