//! Playlist sync as an operation log (DESIGN.md, "Playlist sync"): clients send batches of
//! idempotent operations; the server applies them in arrival order and numbers them.

use crate::ids::{EntryId, OpId, PlaylistId, TrackId};
use crate::position::PositionKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/playlists/ops`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaylistOpsRequest {
    /// Applied in order.
    #[serde(deserialize_with = "crate::object::objects")]
    pub ops: Vec<PlaylistOp>,
}

/// One operation with its client-generated id; sending the same id again is a no-op.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaylistOp {
    /// Idempotency key.
    pub op_id: OpId,
    /// What to do.
    #[serde(deserialize_with = "crate::object::object")]
    pub action: PlaylistAction,
}

/// The operations of DESIGN.md. Renames and moves are last-writer-wins by server sequence;
/// removals and deletions are tombstones that later adds or moves of the same id do not undo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PlaylistAction {
    /// Creates a playlist (idempotent by playlist id).
    CreatePlaylist {
        /// Client-minted id.
        playlist_id: PlaylistId,
        /// Display name.
        name: String,
    },
    /// Renames a playlist.
    RenamePlaylist {
        /// Which playlist.
        playlist_id: PlaylistId,
        /// New name.
        name: String,
    },
    /// Deletes a playlist (tombstone).
    DeletePlaylist {
        /// Which playlist.
        playlist_id: PlaylistId,
    },
    /// Adds an entry (idempotent by entry id).
    AddEntry {
        /// Which playlist.
        playlist_id: PlaylistId,
        /// Client-minted entry id.
        entry_id: EntryId,
        /// A cloud track of the same user.
        track_id: TrackId,
        /// Fractional-index position key; entries sort by (position, entry id).
        position: PositionKey,
    },
    /// Removes an entry (tombstone).
    RemoveEntry {
        /// Which entry.
        entry_id: EntryId,
    },
    /// Moves an entry to a new position key.
    MoveEntry {
        /// Which entry.
        entry_id: EntryId,
        /// New position key.
        position: PositionKey,
    },
}

/// What happened to one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpStatus {
    /// Applied now, with the change sequence number in `seq`.
    Applied,
    /// Already applied earlier (same op id); nothing changed.
    Duplicate,
    /// Not applicable (unknown playlist, entry or track; tombstoned target); nothing changed.
    Rejected,
}

/// The outcome of one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OpResult {
    /// The operation's id.
    pub op_id: OpId,
    /// Outcome.
    pub status: OpStatus,
    /// Change sequence number when applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Response to a batch of operations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaylistOpsResponse {
    /// One result per operation, in request order.
    pub results: Vec<OpResult>,
}

/// A playlist's name without its entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaylistSummary {
    /// Id.
    pub id: PlaylistId,
    /// Display name.
    pub name: String,
}

/// One entry of a playlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaylistEntry {
    /// Entry id.
    pub id: EntryId,
    /// Owning playlist.
    pub playlist_id: PlaylistId,
    /// The track.
    pub track_id: TrackId,
    /// Position key.
    pub position: PositionKey,
}

/// A live playlist with its live entries in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Playlist {
    /// Id.
    pub id: PlaylistId,
    /// Display name.
    pub name: String,
    /// Entries sorted by (position, entry id).
    pub entries: Vec<PlaylistEntry>,
}

/// `GET /api/v1/playlists`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaylistsResponse {
    /// Live playlists.
    pub playlists: Vec<Playlist>,
    /// The change sequence number this state reflects: continue the feed from here.
    pub seq: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn wire_format_of_ops() {
        let op = PlaylistOp {
            op_id: OpId(Uuid::nil()),
            action: PlaylistAction::AddEntry {
                playlist_id: PlaylistId(Uuid::nil()),
                entry_id: EntryId(Uuid::nil()),
                track_id: TrackId(Uuid::nil()),
                position: PositionKey::parse("a1").unwrap(),
            },
        };
        let nil = "00000000-0000-0000-0000-000000000000";
        assert_eq!(
            serde_json::to_value(&op).unwrap(),
            json!({"op_id": nil, "action": {"type": "add_entry", "playlist_id": nil,
                   "entry_id": nil, "track_id": nil, "position": "a1"}})
        );
        let result = OpResult {
            op_id: OpId(Uuid::nil()),
            status: OpStatus::Applied,
            seq: Some(4),
            reason: None,
        };
        assert_eq!(
            serde_json::to_value(&result).unwrap(),
            json!({"op_id": nil, "status": "applied", "seq": 4})
        );
    }
}
