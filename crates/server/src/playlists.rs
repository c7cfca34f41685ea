//! The rules of playlist sync (DESIGN.md, "Playlist sync") as a pure function, apart from storage.
//!
//! [`decide`] looks at the current state through [`PlaylistView`] and turns an operation into
//! an [`Effect`] (what to write, and the change-feed event announcing it) or a rejection reason.
//! A metadata store applies ops in arrival order, each inside its transaction: dedupe by op id,
//! `decide`, then write the effect under the next sequence number. Because the rules live here,
//! the SQLite store and a later PostgreSQL store cannot disagree about them.
//!
//! The rules: creating an existing playlist or entry id is rejected (ids are client-minted, so a
//! clash is a client bug, not a merge); renames and moves of live objects simply apply, so the
//! later arrival wins; deletions and removals are tombstones, and nothing applies to a
//! tombstoned object afterwards; an entry must name a track of the same user.

use crate::error::Result;
use tonearm_protocol::{
    ChangeEvent, EntryId, PlaylistAction, PlaylistEntry, PlaylistId, PlaylistSummary, TrackId,
};

/// Whether a stored object is live or a tombstone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// In use.
    Live,
    /// Deleted or removed; kept so late operations on it are recognised.
    Tombstone,
}

/// A stored playlist entry as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// Live or removed.
    pub liveness: Liveness,
    /// Owning playlist.
    pub playlist_id: PlaylistId,
    /// The track.
    pub track_id: TrackId,
}

/// Read access to one user's playlists, inside the transaction that applies the op.
pub trait PlaylistView {
    /// The playlist's state, if it ever existed.
    fn playlist(&self, id: PlaylistId) -> Result<Option<Liveness>>;
    /// The entry's state, if it ever existed.
    fn entry(&self, id: EntryId) -> Result<Option<StoredEntry>>;
    /// Whether the user has (or had) a track with this id.
    fn track_exists(&self, id: TrackId) -> Result<bool>;
}

/// What an accepted operation changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Insert a playlist.
    CreatePlaylist(PlaylistSummary),
    /// Set a live playlist's name.
    RenamePlaylist(PlaylistSummary),
    /// Tombstone a playlist.
    DeletePlaylist(PlaylistId),
    /// Insert an entry.
    AddEntry(PlaylistEntry),
    /// Tombstone an entry.
    RemoveEntry {
        /// Owning playlist.
        playlist_id: PlaylistId,
        /// The entry.
        entry_id: EntryId,
    },
    /// Set a live entry's position (the whole entry after the move).
    MoveEntry(PlaylistEntry),
}

impl Effect {
    /// The change-feed event announcing this effect.
    #[must_use]
    pub fn event(&self) -> ChangeEvent {
        match self {
            Self::CreatePlaylist(playlist) | Self::RenamePlaylist(playlist) => {
                ChangeEvent::PlaylistUpserted {
                    playlist: playlist.clone(),
                }
            }
            Self::DeletePlaylist(playlist_id) => ChangeEvent::PlaylistDeleted {
                playlist_id: *playlist_id,
            },
            Self::AddEntry(entry) | Self::MoveEntry(entry) => ChangeEvent::EntryUpserted {
                entry: entry.clone(),
            },
            Self::RemoveEntry {
                playlist_id,
                entry_id,
            } => ChangeEvent::EntryRemoved {
                playlist_id: *playlist_id,
                entry_id: *entry_id,
            },
        }
    }
}

/// An operation is either applied with an effect or rejected with a reason.
pub type Decision = std::result::Result<Effect, &'static str>;

/// Decides what `action` does to the state seen through `view`.
pub fn decide(view: &impl PlaylistView, action: &PlaylistAction) -> Result<Decision> {
    let live_playlist = |id| -> Result<bool> { Ok(view.playlist(id)? == Some(Liveness::Live)) };
    let live_entry = |id| -> Result<Option<StoredEntry>> {
        Ok(view
            .entry(id)?
            .filter(|entry| entry.liveness == Liveness::Live))
    };
    Ok(match action {
        PlaylistAction::CreatePlaylist { playlist_id, name } => {
            if view.playlist(*playlist_id)?.is_some() {
                Err("playlist already exists")
            } else {
                Ok(Effect::CreatePlaylist(PlaylistSummary {
                    id: *playlist_id,
                    name: name.clone(),
                }))
            }
        }
        PlaylistAction::RenamePlaylist { playlist_id, name } => {
            if live_playlist(*playlist_id)? {
                Ok(Effect::RenamePlaylist(PlaylistSummary {
                    id: *playlist_id,
                    name: name.clone(),
                }))
            } else {
                Err("unknown or deleted playlist")
            }
        }
        PlaylistAction::DeletePlaylist { playlist_id } => {
            if live_playlist(*playlist_id)? {
                Ok(Effect::DeletePlaylist(*playlist_id))
            } else {
                Err("unknown or deleted playlist")
            }
        }
        PlaylistAction::AddEntry {
            playlist_id,
            entry_id,
            track_id,
            position,
        } => {
            if !live_playlist(*playlist_id)? {
                Err("unknown or deleted playlist")
            } else if view.entry(*entry_id)?.is_some() {
                Err("entry already exists")
            } else if !view.track_exists(*track_id)? {
                Err("unknown track")
            } else {
                Ok(Effect::AddEntry(PlaylistEntry {
                    id: *entry_id,
                    playlist_id: *playlist_id,
                    track_id: *track_id,
                    position: position.clone(),
                }))
            }
        }
        PlaylistAction::RemoveEntry { entry_id } => match live_entry(*entry_id)? {
            Some(entry) => Ok(Effect::RemoveEntry {
                playlist_id: entry.playlist_id,
                entry_id: *entry_id,
            }),
            None => Err("unknown or removed entry"),
        },
        PlaylistAction::MoveEntry { entry_id, position } => match live_entry(*entry_id)? {
            Some(entry) => Ok(Effect::MoveEntry(PlaylistEntry {
                id: *entry_id,
                playlist_id: entry.playlist_id,
                track_id: entry.track_id,
                position: position.clone(),
            })),
            None => Err("unknown or removed entry"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use uuid::Uuid;

    #[derive(Default)]
    struct Fake {
        playlists: HashMap<PlaylistId, Liveness>,
        entries: HashMap<EntryId, StoredEntry>,
        tracks: Vec<TrackId>,
    }

    impl PlaylistView for Fake {
        fn playlist(&self, id: PlaylistId) -> Result<Option<Liveness>> {
            Ok(self.playlists.get(&id).copied())
        }
        fn entry(&self, id: EntryId) -> Result<Option<StoredEntry>> {
            Ok(self.entries.get(&id).cloned())
        }
        fn track_exists(&self, id: TrackId) -> Result<bool> {
            Ok(self.tracks.contains(&id))
        }
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn decisions_table() {
        use Liveness::{Live, Tombstone};
        let (live, dead, fresh) = (PlaylistId(id(1)), PlaylistId(id(2)), PlaylistId(id(3)));
        let (track, ghost) = (TrackId(id(10)), TrackId(id(11)));
        let (kept, removed, new) = (EntryId(id(20)), EntryId(id(21)), EntryId(id(22)));
        let mut fake = Fake {
            tracks: vec![track],
            ..Fake::default()
        };
        fake.playlists.insert(live, Live);
        fake.playlists.insert(dead, Tombstone);
        let stored = |liveness| StoredEntry {
            liveness,
            playlist_id: live,
            track_id: track,
        };
        fake.entries.insert(kept, stored(Live));
        fake.entries.insert(removed, stored(Tombstone));
        let name = || "n".to_owned();
        let pos = || tonearm_protocol::PositionKey::parse("b").unwrap();
        let add = |playlist_id, entry_id, track_id| PlaylistAction::AddEntry {
            playlist_id,
            entry_id,
            track_id,
            position: pos(),
        };
        let entry = |entry_id| PlaylistEntry {
            id: entry_id,
            playlist_id: live,
            track_id: track,
            position: pos(),
        };
        let table: Vec<(PlaylistAction, Decision)> = vec![
            (
                PlaylistAction::CreatePlaylist {
                    playlist_id: fresh,
                    name: name(),
                },
                Ok(Effect::CreatePlaylist(PlaylistSummary {
                    id: fresh,
                    name: name(),
                })),
            ),
            (
                PlaylistAction::CreatePlaylist {
                    playlist_id: live,
                    name: name(),
                },
                Err("playlist already exists"),
            ),
            (
                PlaylistAction::CreatePlaylist {
                    playlist_id: dead,
                    name: name(),
                },
                Err("playlist already exists"),
            ),
            (
                PlaylistAction::RenamePlaylist {
                    playlist_id: live,
                    name: name(),
                },
                Ok(Effect::RenamePlaylist(PlaylistSummary {
                    id: live,
                    name: name(),
                })),
            ),
            (
                PlaylistAction::RenamePlaylist {
                    playlist_id: dead,
                    name: name(),
                },
                Err("unknown or deleted playlist"),
            ),
            (
                PlaylistAction::RenamePlaylist {
                    playlist_id: fresh,
                    name: name(),
                },
                Err("unknown or deleted playlist"),
            ),
            (
                PlaylistAction::DeletePlaylist { playlist_id: live },
                Ok(Effect::DeletePlaylist(live)),
            ),
            (
                PlaylistAction::DeletePlaylist { playlist_id: dead },
                Err("unknown or deleted playlist"),
            ),
            (add(live, new, track), Ok(Effect::AddEntry(entry(new)))),
            (add(dead, new, track), Err("unknown or deleted playlist")),
            (add(live, kept, track), Err("entry already exists")),
            (add(live, removed, track), Err("entry already exists")),
            (add(live, new, ghost), Err("unknown track")),
            (
                PlaylistAction::RemoveEntry { entry_id: kept },
                Ok(Effect::RemoveEntry {
                    playlist_id: live,
                    entry_id: kept,
                }),
            ),
            (
                PlaylistAction::RemoveEntry { entry_id: removed },
                Err("unknown or removed entry"),
            ),
            (
                PlaylistAction::RemoveEntry { entry_id: new },
                Err("unknown or removed entry"),
            ),
            (
                PlaylistAction::MoveEntry {
                    entry_id: kept,
                    position: pos(),
                },
                Ok(Effect::MoveEntry(entry(kept))),
            ),
            (
                PlaylistAction::MoveEntry {
                    entry_id: removed,
                    position: pos(),
                },
                Err("unknown or removed entry"),
            ),
        ];
        for (action, expected) in table {
            assert_eq!(decide(&fake, &action).unwrap(), expected, "{action:?}");
        }
    }

    #[test]
    fn every_effect_announces_itself() {
        let entry = PlaylistEntry {
            id: EntryId(id(1)),
            playlist_id: PlaylistId(id(2)),
            track_id: TrackId(id(3)),
            position: tonearm_protocol::PositionKey::parse("a").unwrap(),
        };
        assert_eq!(
            Effect::MoveEntry(entry.clone()).event(),
            ChangeEvent::EntryUpserted {
                entry: entry.clone()
            }
        );
        assert_eq!(
            Effect::RemoveEntry {
                playlist_id: entry.playlist_id,
                entry_id: entry.id
            }
            .event(),
            ChangeEvent::EntryRemoved {
                playlist_id: entry.playlist_id,
                entry_id: entry.id
            }
        );
        assert_eq!(
            Effect::DeletePlaylist(entry.playlist_id).event(),
            ChangeEvent::PlaylistDeleted {
                playlist_id: entry.playlist_id
            }
        );
    }
}
