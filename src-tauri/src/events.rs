//! Events the shell sends the UI: facts, named in the past tense.

use serde::Serialize;
use specta::Type;

/// The watcher applied a batch of file changes to the library.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct LibraryChanged(pub tonearm_library::ScanReport);

/// The player changed: what plays, where, how, or the queue.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct PlayerChanged(pub PlayerChange);

/// One change of the player.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlayerChange {
    /// Playing, paused or stopped; volume, shuffle, repeat or ReplayGain changed.
    Status {
        status: tonearm_player::engine::Status,
    },
    /// Another track is current (or none).
    Current { current: Option<Box<CurrentTrack>> },
    /// Where the current track is, several times a second while playing.
    Position {
        entry: tonearm_player::EntryId,
        position_ms: u64,
        duration_ms: Option<u64>,
    },
    /// The queue changed; `get_player_state` has it.
    Queue,
    /// A track counted as played (its play count went up).
    Played { track_id: tonearm_library::TrackId },
    /// The end of the queue was reached.
    Ended,
    /// A track could not be played (it is skipped), or the device failed.
    Error {
        track_id: Option<tonearm_library::TrackId>,
        message: String,
    },
}

/// The queue entry playing, with the library's record of its track.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CurrentTrack {
    pub entry: tonearm_player::EntryId,
    pub track: tonearm_library::Track,
    pub duration_ms: Option<u64>,
}

/// The cloud changed: an upload moved on, totals, a sync finished, the connection.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct CloudChanged(pub tonearm_sync::SyncEvent);
