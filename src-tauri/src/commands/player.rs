//! Player commands: what the now-playing bar, the queue panel and "play" buttons send.
//!
//! One command carries every transport and queue action as a tagged value, so the UI has a
//! single typed entry point and the permission list stays short; another reads the state.

use crate::error::CommandError;
use crate::events::CurrentTrack;
use crate::playback::{PlayerState, QueuedTrack, current_track};
use crate::state::LibraryState;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::time::Duration;
use tauri::State;
use tonearm_library::TrackId;
use tonearm_player::engine::Status;
use tonearm_player::gain::ReplayGainSettings;
use tonearm_player::{Command, EntryId, Repeat};

/// Something for the player to do.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlayerControl {
    /// Replace the queue with these tracks and play from `start`.
    Play {
        track_ids: Vec<TrackId>,
        start: u32,
    },
    /// Queue tracks right after the current one.
    PlayNext {
        track_ids: Vec<TrackId>,
    },
    /// Queue tracks at the end.
    Add {
        track_ids: Vec<TrackId>,
    },
    Remove {
        entries: Vec<EntryId>,
    },
    Move {
        entry: EntryId,
        to: u32,
    },
    Clear,
    /// Play this queue entry now.
    JumpTo {
        entry: EntryId,
    },
    Pause,
    Resume,
    TogglePause,
    Stop,
    Next,
    /// The previous track, or the start of this one after a few seconds.
    Previous,
    Seek {
        position_ms: u64,
    },
    /// 0 to 1, as the volume slider shows it.
    SetVolume {
        volume: f32,
    },
    SetMuted {
        muted: bool,
    },
    SetShuffle {
        on: bool,
    },
    SetRepeat {
        repeat: Repeat,
    },
    SetReplayGain {
        settings: ReplayGainSettings,
    },
}

/// The player as the UI draws it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct PlayerView {
    pub status: Status,
    pub current: Option<CurrentTrack>,
    pub position_ms: u64,
    /// The queue in list order.
    pub queue: Vec<QueueEntry>,
    /// The entries that play after the current one, in play order (shuffled or not).
    pub upcoming: Vec<EntryId>,
}

/// One entry of the queue.
#[derive(Debug, Clone, Serialize, Type)]
pub struct QueueEntry {
    pub entry: EntryId,
    pub track_id: TrackId,
}

/// Tells the player to do something. Tracks are checked against the library first.
#[tauri::command]
#[specta::specta]
pub fn control_player(
    library: State<'_, LibraryState>,
    player: State<'_, PlayerState>,
    control: PlayerControl,
) -> Result<(), CommandError> {
    let tracks = |ids: &[TrackId]| -> Result<Vec<QueuedTrack>, CommandError> {
        Ok(QueuedTrack::from_library(&library.library, ids)?)
    };
    let command = match control {
        PlayerControl::Play { track_ids, start } => {
            if start as usize >= track_ids.len() {
                return Err(CommandError::Invalid {
                    message: format!("cannot start at track {} of {}", start + 1, track_ids.len()),
                });
            }
            Command::Play {
                items: tracks(&track_ids)?,
                start: start as usize,
            }
        }
        PlayerControl::PlayNext { track_ids } => Command::PlayNext(tracks(&track_ids)?),
        PlayerControl::Add { track_ids } => Command::Add(tracks(&track_ids)?),
        PlayerControl::Remove { entries } => Command::Remove(entries),
        PlayerControl::Move { entry, to } => Command::Move {
            entry,
            to: to as usize,
        },
        PlayerControl::Clear => Command::Clear,
        PlayerControl::JumpTo { entry } => Command::JumpTo(entry),
        PlayerControl::Pause => Command::Pause,
        PlayerControl::Resume => Command::Resume,
        PlayerControl::TogglePause => Command::TogglePause,
        PlayerControl::Stop => Command::Stop,
        PlayerControl::Next => Command::Next,
        PlayerControl::Previous => Command::Previous,
        PlayerControl::Seek { position_ms } => Command::Seek(Duration::from_millis(position_ms)),
        PlayerControl::SetVolume { volume } => Command::SetVolume(volume),
        PlayerControl::SetMuted { muted } => Command::SetMuted(muted),
        PlayerControl::SetShuffle { on } => Command::SetShuffle(on),
        PlayerControl::SetRepeat { repeat } => Command::SetRepeat(repeat),
        PlayerControl::SetReplayGain { settings } => Command::SetReplayGain(settings),
    };
    player.player.send(command);
    Ok(())
}

/// What plays, where, and the queue.
#[tauri::command]
#[specta::specta]
pub fn get_player_state(
    library: State<'_, LibraryState>,
    player: State<'_, PlayerState>,
) -> Result<PlayerView, CommandError> {
    let snapshot = player.player.snapshot();
    Ok(PlayerView {
        status: snapshot.status,
        current: current_track(&library.library, snapshot.current),
        position_ms: snapshot.position.as_millis() as u64,
        queue: snapshot
            .entries
            .iter()
            .filter_map(|(entry, item)| {
                Some(QueueEntry {
                    entry: *entry,
                    track_id: item.track_id()?,
                })
            })
            .collect(),
        upcoming: snapshot.upcoming.to_vec(),
    })
}
