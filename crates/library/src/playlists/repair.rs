//! The migration that repairs playlist positions stored before keys were parsed at the edge.
//!
//! Older versions stored whatever key the cloud sent. An invalid one crashed the next insert
//! or put it in the wrong place, so each playlist holding one is re-spaced in its current
//! order, every changed entry recorded as a move so the cloud converges; pending edits that
//! carry an invalid key take their entry's repaired key (or are dropped when the entry is
//! gone).

use super::position::{PositionKey, spread};
use crate::error::Result;
use rusqlite::{Transaction, params};

/// Keys SQLite can already tell are invalid; [`PositionKey::parse`] has the last word.
const SUSPECT: &str = "position = '' OR length(position) > 64 OR position GLOB '*[^0-9A-Za-z]*' \
                       OR position GLOB '*0'";

/// Re-spaces every playlist that holds an invalid key; see the module docs.
pub(crate) fn repair_positions(tx: &Transaction<'_>) -> Result<()> {
    let playlists: Vec<String> = tx
        .prepare(&format!(
            "SELECT DISTINCT playlist_id FROM playlist_entries WHERE {SUSPECT}"
        ))?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for playlist in &playlists {
        let entries: Vec<(String, String)> = tx
            .prepare(
                "SELECT id, position FROM playlist_entries WHERE playlist_id = ?1
                 ORDER BY position, id",
            )?
            .query_map([playlist], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for ((entry, old), key) in entries.iter().zip(spread(entries.len())) {
            if *old == key.as_str() {
                continue;
            }
            tx.execute(
                "UPDATE playlist_entries SET position = ?1 WHERE id = ?2",
                params![key.as_str(), entry],
            )?;
            tx.execute(
                "INSERT INTO playlist_ops (op_id, kind, playlist_id, entry_id, position)
                 VALUES (?1, 'move', ?2, ?3, ?4)",
                params![
                    uuid::Uuid::new_v4().to_string(),
                    playlist,
                    entry,
                    key.as_str()
                ],
            )?;
        }
    }
    let pending: Vec<(i64, Option<String>, String)> = tx
        .prepare("SELECT seq, entry_id, position FROM playlist_ops WHERE position IS NOT NULL")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (seq, entry, position) in pending {
        if PositionKey::parse(&position).is_ok() {
            continue;
        }
        let current: Option<String> = match &entry {
            Some(entry) => tx
                .query_row(
                    "SELECT position FROM playlist_entries WHERE id = ?1",
                    [entry],
                    |row| row.get(0),
                )
                .ok(),
            None => None,
        };
        match current {
            Some(key) => tx.execute(
                "UPDATE playlist_ops SET position = ?1 WHERE seq = ?2",
                params![key, seq],
            )?,
            None => tx.execute("DELETE FROM playlist_ops WHERE seq = ?1", [seq])?,
        };
    }
    if !playlists.is_empty() {
        tracing::warn!(
            playlists = playlists.len(),
            "re-spaced playlists that held invalid position keys"
        );
    }
    Ok(())
}
