//! The change feed: everything that changed in a user's locker since sequence number N, so
//! devices sync incrementally instead of re-listing.

use crate::ids::{EntryId, PlaylistId, TrackId};
use crate::marks::TrackMarks;
use crate::playlists::{PlaylistEntry, PlaylistSummary};
use crate::tracks::CloudTrack;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /api/v1/changes?since=N`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChangesResponse {
    /// Changes with `seq > since`, ascending.
    pub changes: Vec<Change>,
    /// Pass as `since` next time.
    pub next: u64,
    /// Whether more changes are waiting (the page was full).
    pub more: bool,
}

/// One numbered change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    /// Per-user sequence number, strictly increasing.
    pub seq: u64,
    /// What changed, with the new state.
    pub event: ChangeEvent,
}

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChangeEvent {
    /// A track was created or its metadata changed.
    TrackUpserted {
        /// The track's state after the change (boxed: it is much larger than the other events).
        track: Box<CloudTrack>,
    },
    /// A track was deleted.
    TrackDeleted {
        /// Which track.
        track_id: TrackId,
    },
    /// A playlist was created or renamed.
    PlaylistUpserted {
        /// The playlist's state after the change.
        playlist: PlaylistSummary,
    },
    /// A playlist was deleted.
    PlaylistDeleted {
        /// Which playlist.
        playlist_id: PlaylistId,
    },
    /// An entry was added or moved.
    EntryUpserted {
        /// The entry's state after the change.
        entry: PlaylistEntry,
    },
    /// An entry was removed.
    EntryRemoved {
        /// Owning playlist.
        playlist_id: PlaylistId,
        /// Which entry.
        entry_id: EntryId,
    },
    /// A song's plays, rating or love changed (from any device or app).
    TrackMarks {
        /// The song's marks after the change.
        marks: TrackMarks,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn wire_format_of_changes() {
        let response = ChangesResponse {
            changes: vec![Change {
                seq: 3,
                event: ChangeEvent::PlaylistDeleted {
                    playlist_id: PlaylistId(Uuid::nil()),
                },
            }],
            next: 3,
            more: false,
        };
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({"changes": [{"seq": 3, "event": {"kind": "playlist_deleted",
                    "playlist_id": "00000000-0000-0000-0000-000000000000"}}],
                   "next": 3, "more": false})
        );
    }
}
