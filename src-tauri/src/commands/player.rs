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
use std::sync::Arc;
use std::time::Duration;
use tauri::State;
use tonearm_library::query::{TrackFilter, TrackSort};
use tonearm_library::{Library, TrackId};
use tonearm_player::engine::Status;
use tonearm_player::gain::ReplayGainSettings;
use tonearm_player::{Command, EntryId, Player, Repeat};

/// Something for the player to do.
#[derive(Debug, Clone, Deserialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlayerControl {
    /// Replace the queue with these tracks and play from `start`.
    Play {
        track_ids: Vec<TrackId>,
        start: u32,
    },
    /// Replace the queue with a library list (all songs, an album, an artist, a genre), in
    /// its order, read here: the UI need not hold every id of a long list to play it. From
    /// `start`, or the first song (any song, when shuffling). `shuffle` turns shuffle on or
    /// off first; none leaves it as it is. A list with no songs plays nothing.
    PlayList {
        filter: TrackFilter,
        sort: TrackSort,
        descending: bool,
        start: Option<TrackId>,
        shuffle: Option<bool>,
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
    /// How many entries the queue holds.
    pub queue_length: u32,
    /// The first entries to play after the current one, in play order (shuffled or not), at
    /// most [`UPCOMING_SENT`]: what the queue panel lists. A queue may hold the whole library,
    /// which the view does not carry.
    pub upcoming: Vec<QueueEntry>,
    /// How many entries play after the current one, in all.
    pub upcoming_total: u32,
}

/// How many of the entries to come [`PlayerView`] carries.
pub const UPCOMING_SENT: usize = 200;

/// One entry of the queue.
#[derive(Debug, Clone, Serialize, Type)]
pub struct QueueEntry {
    pub entry: EntryId,
    pub track_id: TrackId,
    /// Where it is in the queue's list order, which `move` counts in (the play order differs
    /// when shuffled).
    pub list_index: u32,
}

/// Tells the player to do something. Tracks are checked against the library first.
///
/// Calls keep no order among themselves: send a control once the one before it is answered
/// (`controlPlayerInOrder`).
#[tauri::command]
#[specta::specta]
pub async fn control_player(
    library: State<'_, LibraryState>,
    player: State<'_, PlayerState>,
    control: PlayerControl,
) -> Result<(), CommandError> {
    // Off the window's thread: reading a whole list to play (100,000 songs) takes 0.1-0.2 s,
    // which froze the window. Tauri runs async commands in no set order, hence the UI's queue.
    let library = Arc::clone(&library.library);
    let player = player.player.clone();
    tauri::async_runtime::spawn_blocking(move || control_now(&library, &player, control))
        .await
        .map_err(|join| CommandError::internal("the player control stopped unexpectedly", &join))?
}

/// Turns a control into engine commands, checking its tracks against the library, and sends
/// them.
fn control_now(
    library: &Library,
    player: &Player<QueuedTrack>,
    control: PlayerControl,
) -> Result<(), CommandError> {
    let tracks = |ids: &[TrackId]| -> Result<Vec<QueuedTrack>, CommandError> {
        Ok(QueuedTrack::from_library(library, ids)?)
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
        PlayerControl::PlayList {
            filter,
            sort,
            descending,
            start,
            shuffle,
        } => {
            let placements = library.list_placements(&filter, sort, descending)?;
            let start = start
                .map(|id| {
                    placements.iter().position(|p| p.id == id).ok_or_else(|| {
                        CommandError::Invalid {
                            message: "that song is no longer in this list".to_owned(),
                        }
                    })
                })
                .transpose()?;
            if placements.is_empty() {
                return Ok(());
            }
            // Sent first: the engine starts a list played whole anywhere when shuffled.
            if let Some(on) = shuffle {
                player.send(Command::SetShuffle(on));
            }
            let items = placements.into_iter().map(QueuedTrack::placed).collect();
            match start {
                Some(start) => Command::Play { items, start },
                None => Command::PlayAll(items),
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
    player.send(command);
    Ok(())
}

/// What plays, where, and the queue.
#[tauri::command]
#[specta::specta]
pub async fn get_player_state(
    library: State<'_, LibraryState>,
    player: State<'_, PlayerState>,
) -> Result<PlayerView, CommandError> {
    super::blocking(|| {
        let snapshot = player.player.snapshot();
        let upcoming = snapshot
            .upcoming
            .iter()
            .take(UPCOMING_SENT)
            .filter_map(|entry| {
                let list_index = *snapshot.places.get(entry)?;
                Some(QueueEntry {
                    entry: *entry,
                    track_id: snapshot.entries[list_index].1.track_id()?,
                    list_index: list_index as u32,
                })
            })
            .collect();
        Ok(PlayerView {
            status: snapshot.status,
            current: current_track(&library.library, snapshot.current),
            position_ms: snapshot.position.as_millis() as u64,
            queue_length: snapshot.entries.len() as u32,
            upcoming,
            upcoming_total: snapshot.upcoming.len() as u32,
        })
    })
}
