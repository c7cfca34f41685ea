//! One-off repairs of data that older servers accepted without checking, run as migrations.
//!
//! Servers before position keys were parsed at the edge stored any string a device sent as a
//! playlist position. Such a key crashed or misplaced inserts on every other device, so the
//! migration that introduced [`PositionKey`] re-spaces each playlist holding one: its live
//! entries get evenly spread keys in their current order, each announced in the change feed
//! (devices that already hold the bad key move the entry), and old feed events that carry a bad
//! key are rewritten with the entry's repaired key, so a new device reading the feed from the
//! start never sees one.

use super::{record_change, to_json};
use crate::error::{Error, Result};
use crate::store::UserId;
use rusqlite::{Transaction, params};
use std::collections::BTreeMap;
use tonearm_protocol::position::spread;
use tonearm_protocol::{ChangeEvent, EntryId, PlaylistEntry, PlaylistId, PositionKey, TrackId};
use uuid::Uuid;

const CONTEXT: &str = "repairing playlist positions";

/// Rows whose key SQLite can already tell is invalid; [`PositionKey::parse`] has the last word.
const SUSPECT: &str = "position = '' OR length(position) > 64 OR position GLOB '*[^0-9A-Za-z]*' \
                       OR position GLOB '*0'";

fn uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| Error::Corrupt(format!("bad uuid {text:?}")))
}

/// Re-spaces every playlist that holds an invalid position key; see the module docs.
pub(super) fn repair_position_keys(tx: &Transaction<'_>) -> Result<()> {
    let db = Error::db(CONTEXT);
    let playlists: Vec<(String, String)> = tx
        .prepare(&format!(
            "SELECT DISTINCT user_id, playlist_id FROM playlist_entries WHERE {SUSPECT}"
        ))
        .and_then(|mut stmt| {
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(db)?;
    for (user, playlist) in &playlists {
        respace(tx, user, playlist)?;
    }
    rewrite_feed(tx)?;
    if !playlists.is_empty() {
        tracing::warn!(
            playlists = playlists.len(),
            "re-spaced playlists that held invalid position keys"
        );
    }
    Ok(())
}

fn respace(tx: &Transaction<'_>, user: &str, playlist: &str) -> Result<()> {
    let rows: Vec<(String, String, String, bool)> = tx
        .prepare(
            "SELECT id, track_id, position, deleted FROM playlist_entries
             WHERE user_id = ?1 AND playlist_id = ?2 ORDER BY position, id",
        )
        .and_then(|mut stmt| {
            stmt.query_map([user, playlist], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? != 0))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(Error::db(CONTEXT))?;
    let live: Vec<_> = rows.iter().filter(|row| !row.3).collect();
    let user_id = UserId(uuid(user)?);
    let playlist_id = PlaylistId(uuid(playlist)?);
    for ((id, track, old, _), key) in live.iter().zip(spread(live.len())) {
        if *old == key.as_str() {
            continue;
        }
        set_position(tx, user, id, &key)?;
        let entry = PlaylistEntry {
            id: EntryId(uuid(id)?),
            playlist_id,
            track_id: TrackId(uuid(track)?),
            position: key,
        };
        record_change(tx, user_id, |_| ChangeEvent::EntryUpserted { entry })?;
    }
    // A removed entry is never served, but every stored key stays valid.
    for (id, _, old, _) in rows.iter().filter(|row| row.3) {
        if PositionKey::parse(old).is_err() {
            set_position(tx, user, id, &PositionKey::first())?;
        }
    }
    Ok(())
}

fn set_position(tx: &Transaction<'_>, user: &str, entry: &str, key: &PositionKey) -> Result<()> {
    tx.execute(
        "UPDATE playlist_entries SET position = ?3 WHERE user_id = ?1 AND id = ?2",
        params![user, entry, key.as_str()],
    )
    .map_err(Error::db(CONTEXT))?;
    Ok(())
}

/// Old `entry_upserted` events with an invalid key get the entry's current (repaired) key.
fn rewrite_feed(tx: &Transaction<'_>) -> Result<()> {
    let db = || Error::db(CONTEXT);
    let events: Vec<(String, i64, String)> = tx
        .prepare("SELECT user_id, seq, event FROM changes WHERE event LIKE '%entry_upserted%'")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(db())?;
    let mut current: BTreeMap<(String, String), PositionKey> = BTreeMap::new();
    for (user, seq, text) in events {
        let mut event: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| Error::Corrupt(e.to_string()))?;
        let Some(entry) = event.get_mut("entry") else {
            continue;
        };
        let bad = entry
            .get("position")
            .and_then(serde_json::Value::as_str)
            .is_none_or(|key| PositionKey::parse(key).is_err());
        if !bad {
            continue;
        }
        let id = entry
            .get("id")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let key = match current.get(&(user.clone(), id.clone())) {
            Some(key) => key.clone(),
            None => {
                let stored: Option<String> = tx
                    .query_row(
                        "SELECT position FROM playlist_entries WHERE user_id = ?1 AND id = ?2",
                        [&user, &id],
                        |r| r.get(0),
                    )
                    .ok();
                let key = stored
                    .and_then(|text| PositionKey::parse(&text).ok())
                    .unwrap_or_else(PositionKey::first);
                current.insert((user.clone(), id), key.clone());
                key
            }
        };
        entry["position"] = serde_json::Value::String(key.into());
        tx.execute(
            "UPDATE changes SET event = ?3 WHERE user_id = ?1 AND seq = ?2",
            params![user, seq, to_json(&event)?],
        )
        .map_err(db())?;
    }
    Ok(())
}
