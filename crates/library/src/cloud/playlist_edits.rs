//! Playlist edits made on this device and not yet sent to the cloud, oldest first.
//!
//! `playlists` records each edit in the same transaction as the edit itself (so none is lost
//! to a crash), and does not record edits that came from the cloud; this module hands them to
//! the sync engine in order, drops those the cloud answered, and counts what each playlist
//! still has to send.

use crate::Library;
use crate::error::Result;
use crate::ids::PlaylistId;
use rusqlite::params;
use serde::Serialize;

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
    pub playlist_id: PlaylistId,
    pub name: String,
    /// Edits made here and not yet sent (0: in sync as of the last sync).
    pub pending_edits: u64,
}

impl Library {
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
}
