//! Local playlists: ordered entries with fractional position keys, and M3U import/export.
//!
//! Each entry has its own id and a position key (see [`position`]) instead of an index, so an
//! insert or a move touches one row, and edits made on several devices can be merged by the
//! sync crate without renumbering (design brief, "Playlist sync"). Equal keys, which two
//! devices can mint independently, are ordered by entry id so every device shows one order.

pub mod m3u;
pub mod position;
pub(crate) mod repair;

use crate::error::{LibraryError, Result};
use crate::ids::{EntryId, PlaylistId, TrackId};
use crate::model::TrackRow;
use crate::query::TrackShape;
use crate::{Library, now_ms};
use position::PositionKey;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

/// A playlist in the list of playlists.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaylistSummary {
    pub id: PlaylistId,
    pub name: String,
    pub entry_count: u64,
    pub updated_at: i64,
}

/// One entry of a playlist, with its track (as a list shows it) when the library has it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaylistEntry {
    pub id: EntryId,
    pub track_id: TrackId,
    pub position: String,
    pub track: Option<TrackRow>,
}

/// A playlist with its entries in order.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Playlist {
    pub id: PlaylistId,
    pub name: String,
    pub entries: Vec<PlaylistEntry>,
}

fn ordered_keys(tx: &Transaction<'_>, playlist: PlaylistId) -> Result<Vec<(EntryId, PositionKey)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id, position FROM playlist_entries WHERE playlist_id = ?1 ORDER BY position, id",
    )?;
    let rows = stmt.query_map([playlist.to_string()], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, position) = row?;
        if let Ok(id) = id.parse() {
            out.push((id, PositionKey::parse(&position)?));
        }
    }
    Ok(out)
}

/// Gives an entry a new key, recorded as a move for the cloud.
fn set_position(
    tx: &Transaction<'_>,
    playlist: PlaylistId,
    entry: EntryId,
    key: &PositionKey,
) -> Result<()> {
    tx.execute(
        "UPDATE playlist_entries SET position = ?1 WHERE id = ?2",
        params![key.as_str(), entry.to_string()],
    )?;
    Op {
        kind: "move",
        playlist: Some(playlist),
        entry: Some(entry),
        position: Some(key.as_str()),
        ..NO_OP
    }
    .record(tx)
}

/// Gives existing entries the keys a re-spacing assigned them.
fn apply_moves(
    tx: &Transaction<'_>,
    playlist: PlaylistId,
    keys: &[(EntryId, PositionKey)],
    moved: &[(usize, PositionKey)],
) -> Result<()> {
    for (index, key) in moved {
        set_position(tx, playlist, keys[*index].0, key)?;
    }
    Ok(())
}

fn ensure_playlist(tx: &Transaction<'_>, id: PlaylistId) -> Result<()> {
    if exists_in(tx, id)? {
        Ok(())
    } else {
        Err(LibraryError::UnknownPlaylist(id))
    }
}

/// One playlist edit, recorded in the same transaction as the edit itself, to be sent to the
/// cloud (see `cloud::playlist_edits`). Edits that come from the cloud are not recorded.
struct Op<'a> {
    kind: &'static str,
    playlist: Option<PlaylistId>,
    entry: Option<EntryId>,
    track: Option<TrackId>,
    name: Option<&'a str>,
    position: Option<&'a str>,
}

impl Op<'_> {
    fn record(&self, tx: &Transaction<'_>) -> Result<()> {
        tx.prepare_cached(
            "INSERT INTO playlist_ops (op_id, kind, playlist_id, entry_id, track_id, name, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            uuid::Uuid::new_v4().to_string(),
            self.kind,
            self.playlist.map(|p| p.to_string()),
            self.entry.map(|e| e.to_string()),
            self.track.map(|t| t.to_string()),
            self.name,
            self.position,
        ])?;
        Ok(())
    }
}

const NO_OP: Op<'static> = Op {
    kind: "",
    playlist: None,
    entry: None,
    track: None,
    name: None,
    position: None,
};

fn touch(tx: &Transaction<'_>, id: PlaylistId) -> Result<()> {
    tx.execute(
        "UPDATE playlists SET updated_at = ?1 WHERE id = ?2",
        params![now_ms(), id.to_string()],
    )?;
    Ok(())
}

// The edits below run inside a caller's transaction, so an edit made of several (an import
// from another app) commits whole; each records its operations for the cloud like the
// `Library` methods that wrap them.

/// Creates an empty playlist named `name` (trimmed).
pub(crate) fn create_in(tx: &Transaction<'_>, name: &str) -> Result<PlaylistId> {
    let id = PlaylistId::new();
    tx.execute(
        "INSERT INTO playlists (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![id.to_string(), name.trim(), now_ms()],
    )?;
    Op {
        kind: "create",
        playlist: Some(id),
        name: Some(name.trim()),
        ..NO_OP
    }
    .record(tx)?;
    Ok(id)
}

/// Renames a playlist.
pub(crate) fn rename_in(tx: &Transaction<'_>, id: PlaylistId, name: &str) -> Result<()> {
    ensure_playlist(tx, id)?;
    tx.execute(
        "UPDATE playlists SET name = ?1 WHERE id = ?2",
        params![name.trim(), id.to_string()],
    )?;
    Op {
        kind: "rename",
        playlist: Some(id),
        name: Some(name.trim()),
        ..NO_OP
    }
    .record(tx)?;
    touch(tx, id)
}

/// Whether the playlist exists.
pub(crate) fn exists_in(tx: &Transaction<'_>, id: PlaylistId) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM playlists WHERE id = ?1")?
        .exists([id.to_string()])?)
}

/// Adds tracks before the entry at `index` (or at the end); returns the new entries' ids.
pub(crate) fn add_in(
    tx: &Transaction<'_>,
    id: PlaylistId,
    tracks: &[TrackId],
    index: Option<usize>,
) -> Result<Vec<EntryId>> {
    ensure_playlist(tx, id)?;
    let keys = ordered_keys(tx, id)?;
    let existing: Vec<PositionKey> = keys.iter().map(|(_, key)| key.clone()).collect();
    let placement = position::place(&existing, index.unwrap_or(keys.len()), tracks.len());
    apply_moves(tx, id, &keys, &placement.moved)?;
    let now = now_ms();
    let mut added = Vec::with_capacity(tracks.len());
    for (track, key) in tracks.iter().zip(&placement.inserted) {
        let entry = EntryId::new();
        tx.prepare_cached(
            "INSERT INTO playlist_entries (id, playlist_id, track_id, position, added_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![entry.to_string(), id.to_string(), track.to_string(), key.as_str(), now])?;
        Op {
            kind: "add",
            playlist: Some(id),
            entry: Some(entry),
            track: Some(*track),
            position: Some(key.as_str()),
            ..NO_OP
        }
        .record(tx)?;
        added.push(entry);
    }
    touch(tx, id)?;
    Ok(added)
}

/// Removes one entry (the caller touches the playlist).
fn remove_in(tx: &Transaction<'_>, id: PlaylistId, entry: EntryId) -> Result<()> {
    let removed = tx.execute(
        "DELETE FROM playlist_entries WHERE id = ?1 AND playlist_id = ?2",
        params![entry.to_string(), id.to_string()],
    )?;
    if removed == 0 {
        return Err(LibraryError::UnknownEntry(entry));
    }
    Op {
        kind: "remove",
        playlist: Some(id),
        entry: Some(entry),
        ..NO_OP
    }
    .record(tx)
}

/// Removes every entry of a playlist, one recorded removal each; returns how many.
pub(crate) fn clear_in(tx: &Transaction<'_>, id: PlaylistId) -> Result<usize> {
    let entries = ordered_keys(tx, id)?;
    for (entry, _) in &entries {
        remove_in(tx, id, *entry)?;
    }
    touch(tx, id)?;
    Ok(entries.len())
}

impl Library {
    /// Creates an empty playlist.
    pub fn create_playlist(&self, name: &str) -> Result<PlaylistId> {
        self.store().write(|tx| create_in(tx, name))
    }

    /// Renames a playlist.
    pub fn rename_playlist(&self, id: PlaylistId, name: &str) -> Result<()> {
        self.store().write(|tx| rename_in(tx, id, name))
    }

    /// Deletes a playlist and its entries (the tracks stay).
    pub fn delete_playlist(&self, id: PlaylistId) -> Result<()> {
        self.store().write(|tx| {
            ensure_playlist(tx, id)?;
            tx.execute("DELETE FROM playlists WHERE id = ?1", [id.to_string()])?;
            Op {
                kind: "delete",
                playlist: Some(id),
                ..NO_OP
            }
            .record(tx)
        })
    }

    /// All playlists by name.
    pub fn playlists(&self) -> Result<Vec<PlaylistSummary>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT p.id, p.name, p.updated_at, (SELECT COUNT(*) FROM playlist_entries e WHERE e.playlist_id = p.id)
                 FROM playlists p ORDER BY p.name COLLATE NOCASE, p.id",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?, row.get::<_, i64>(3)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, name, updated_at, count) = row?;
                if let Ok(id) = id.parse() {
                    out.push(PlaylistSummary { id, name, entry_count: count as u64, updated_at });
                }
            }
            Ok(out)
        })
    }

    /// A playlist with its entries in order.
    pub fn playlist(&self, id: PlaylistId) -> Result<Playlist> {
        self.store().read(|conn| {
            let name: Option<String> = conn
                .query_row(
                    "SELECT name FROM playlists WHERE id = ?1",
                    [id.to_string()],
                    |row| row.get(0),
                )
                .optional()?;
            let name = name.ok_or(LibraryError::UnknownPlaylist(id))?;
            // One read for the whole playlist: the entry's columns come after its track's,
            // which are NULL when the library no longer has the song.
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {}, e.id, e.track_id, e.position, t.pk IS NOT NULL
                 FROM playlist_entries e LEFT JOIN tracks t ON t.id = e.track_id
                 WHERE e.playlist_id = ?1 ORDER BY e.position, e.id",
                TrackRow::COLUMNS
            ))?;
            let mut rows = stmt.query([id.to_string()])?;
            let mut entries = Vec::new();
            while let Some(row) = rows.next()? {
                let last = row.as_ref().column_count() - 1;
                let entry = row.get::<_, String>(last - 3)?.parse::<EntryId>();
                let track_id = row.get::<_, String>(last - 2)?.parse::<TrackId>();
                let (Ok(entry), Ok(track_id)) = (entry, track_id) else {
                    continue;
                };
                let track = if row.get::<_, bool>(last)? {
                    Some(TrackRow::from_row(row)?)
                } else {
                    None
                };
                entries.push(PlaylistEntry {
                    id: entry,
                    track_id,
                    position: row.get(last - 1)?,
                    track,
                });
            }
            Ok(Playlist { id, name, entries })
        })
    }

    /// Adds tracks before the entry at `index` (or at the end); returns the new entries' ids.
    /// Keys are minted between the neighbours, or the playlist is re-spaced when they would
    /// grow long (see [`position::place`]).
    pub fn add_to_playlist(
        &self,
        id: PlaylistId,
        tracks: &[TrackId],
        index: Option<usize>,
    ) -> Result<Vec<EntryId>> {
        self.store().write(|tx| add_in(tx, id, tracks, index))
    }

    /// Removes one entry.
    pub fn remove_from_playlist(&self, id: PlaylistId, entry: EntryId) -> Result<()> {
        self.store().write(|tx| {
            remove_in(tx, id, entry)?;
            touch(tx, id)
        })
    }

    /// Moves an entry so that it ends up at `index` of the playlist; returns its new key.
    pub fn move_in_playlist(
        &self,
        id: PlaylistId,
        entry: EntryId,
        index: usize,
    ) -> Result<PositionKey> {
        self.store().write(|tx| {
            let keys = ordered_keys(tx, id)?;
            if !keys.iter().any(|(e, _)| *e == entry) {
                return Err(LibraryError::UnknownEntry(entry));
            }
            let others: Vec<(EntryId, PositionKey)> =
                keys.into_iter().filter(|(e, _)| *e != entry).collect();
            let existing: Vec<PositionKey> = others.iter().map(|(_, key)| key.clone()).collect();
            let placement = position::place(&existing, index, 1);
            apply_moves(tx, id, &others, &placement.moved)?;
            let key = placement
                .inserted
                .into_iter()
                .next()
                .expect("a placement has one key per inserted entry");
            set_position(tx, id, entry, &key)?;
            touch(tx, id)?;
            Ok(key)
        })
    }

    /// Applies a playlist's state from the cloud (created or renamed there); not sent back.
    pub fn apply_remote_playlist(&self, id: PlaylistId, name: &str) -> Result<()> {
        let now = now_ms();
        self.store().write(|tx| remote::playlist(tx, id, name, now))
    }

    /// Applies a playlist deletion from the cloud.
    pub fn apply_remote_playlist_deletion(&self, id: PlaylistId) -> Result<()> {
        self.store().write(|tx| remote::playlist_deletion(tx, id))
    }

    /// Applies an entry's state from the cloud (added or moved there). An entry of a playlist
    /// this device does not have creates it, named later by its own change.
    pub fn apply_remote_entry(
        &self,
        playlist: PlaylistId,
        entry: EntryId,
        track: TrackId,
        position: &PositionKey,
    ) -> Result<()> {
        let now = now_ms();
        self.store()
            .write(|tx| remote::entry(tx, playlist, entry, track, position, now))
    }

    /// Applies an entry's removal from the cloud.
    pub fn apply_remote_entry_removal(&self, entry: EntryId) -> Result<()> {
        self.store().write(|tx| remote::entry_removal(tx, entry))
    }
}

/// The cloud's playlist changes inside a transaction: what the `apply_remote_*` methods above
/// do, and what a page of the feed applied at once (`cloud::feed`) does for each change.
pub(crate) mod remote {
    use super::PositionKey;
    use crate::error::Result;
    use crate::ids::{EntryId, PlaylistId, TrackId};
    use rusqlite::{Transaction, params};

    pub(crate) fn playlist(
        tx: &Transaction<'_>,
        id: PlaylistId,
        name: &str,
        now: i64,
    ) -> Result<()> {
        tx.prepare_cached(
            "INSERT INTO playlists (id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at",
        )?
        .execute(params![id.to_string(), name, now])?;
        Ok(())
    }

    pub(crate) fn playlist_deletion(tx: &Transaction<'_>, id: PlaylistId) -> Result<()> {
        tx.prepare_cached("DELETE FROM playlists WHERE id = ?1")?
            .execute([id.to_string()])?;
        Ok(())
    }

    pub(crate) fn entry(
        tx: &Transaction<'_>,
        playlist: PlaylistId,
        entry: EntryId,
        track: TrackId,
        position: &PositionKey,
        now: i64,
    ) -> Result<()> {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO playlists (id, name, created_at, updated_at) VALUES (?1, '', ?2, ?2)",
        )?
        .execute(params![playlist.to_string(), now])?;
        tx.prepare_cached(
            "INSERT INTO playlist_entries (id, playlist_id, track_id, position, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET position = excluded.position, track_id = excluded.track_id",
        )?
        .execute(params![entry.to_string(), playlist.to_string(), track.to_string(), position.as_str(), now])?;
        Ok(())
    }

    pub(crate) fn entry_removal(tx: &Transaction<'_>, entry: EntryId) -> Result<()> {
        tx.prepare_cached("DELETE FROM playlist_entries WHERE id = ?1")?
            .execute([entry.to_string()])?;
        Ok(())
    }
}
