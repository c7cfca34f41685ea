//! Playback in the app: the audio engine over the library, its events forwarded to the UI,
//! plays counted in the library, and the OS media keys.
//!
//! Glue only: the engine (`tonearm-player`) decides everything about playing and
//! `tonearm-playback` how a library track is opened (its file, or the cloud's copy); this
//! module says where the engine's news goes.

use crate::events::{CurrentTrack, PlayerChange, PlayerChanged};
use std::sync::Arc;
use tauri::{AppHandle, Runtime};
use tonearm_library::Library;
use tonearm_playback::LibraryCatalog;
pub use tonearm_playback::QueuedTrack;
use tonearm_player::output::{DefaultDevice, OutputDevice, RecordingDevice};
use tonearm_player::{Player, PlayerError, PlayerEvent};

/// Where the app's sound goes.
#[derive(Debug, Clone, Default)]
pub enum AudioOutput {
    /// The system's default device.
    #[default]
    System,
    /// A virtual sound card (tests of the shell, where there is none).
    Virtual(RecordingDevice),
}

/// The engine, as the app holds it.
pub struct PlayerState {
    pub player: Player<QueuedTrack>,
    media_keys: std::sync::Mutex<Option<tonearm_player::media_controls::MediaKeys>>,
}

impl std::fmt::Debug for PlayerState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayerState").finish_non_exhaustive()
    }
}

impl PlayerState {
    /// Starts the engine and the thread that forwards its events to the UI.
    pub fn start<R: Runtime>(
        library: Arc<Library>,
        cloud: Option<(Arc<tonearm_sync::Cloud>, tokio::runtime::Handle)>,
        output: &AudioOutput,
        app: AppHandle<R>,
    ) -> Result<Self, PlayerError> {
        let device: Box<dyn OutputDevice> = match output {
            AudioOutput::System => Box::new(DefaultDevice),
            AudioOutput::Virtual(device) => Box::new(device.clone()),
        };
        let catalog = LibraryCatalog::new(library.clone());
        let catalog = match cloud {
            Some((cloud, runtime)) => catalog.with_cloud(cloud, runtime),
            None => catalog,
        };
        let player = Player::spawn(catalog, device)?;
        let events = player.subscribe();
        std::thread::Builder::new()
            .name("tonearm-player-events".into())
            .spawn(move || forward(&events, &library, &app))
            .map_err(|e| PlayerError::Output(e.to_string()))?;
        Ok(Self {
            player,
            media_keys: std::sync::Mutex::new(None),
        })
    }

    /// Connects the OS media keys (once the window exists: Windows needs its handle).
    pub fn attach_media_keys(&self, separate_instance: bool, hwnd: Option<usize>) {
        if !tonearm_player::media_controls::available() {
            tracing::info!("no media controls service; media keys are off");
            return;
        }
        let identity = tonearm_player::media_controls::Identity {
            // A separate data directory is a separate "device" and may run beside the main one.
            dbus_name: if separate_instance {
                format!("tonearm.instance{}", std::process::id())
            } else {
                "tonearm".to_owned()
            },
            display_name: "Tonearm".to_owned(),
            hwnd,
        };
        match tonearm_player::media_controls::attach(&self.player, &identity) {
            Ok(keys) => {
                *self.media_keys.lock().unwrap_or_else(|p| p.into_inner()) = Some(keys);
            }
            Err(error) => tracing::warn!(%error, "media keys are off"),
        }
    }
}

/// The current entry as the UI shows it, with the library's record of the track.
pub fn current_track(
    library: &Library,
    now: Option<tonearm_player::engine::NowPlaying<QueuedTrack>>,
) -> Option<CurrentTrack> {
    let now = now?;
    let track = library.track(now.item.track_id()?).ok()?;
    Some(CurrentTrack {
        entry: now.entry,
        duration_ms: now
            .info
            .and_then(|info| info.duration)
            .map(|d| d.as_millis() as u64)
            .or(track.duration_ms),
        track,
    })
}

/// Forwards engine events to the UI until the engine stops; plays go to the library.
fn forward<R: Runtime>(
    events: &std::sync::mpsc::Receiver<PlayerEvent<QueuedTrack>>,
    library: &Library,
    app: &AppHandle<R>,
) {
    use tauri_specta::Event;
    for event in events {
        let change = match event {
            PlayerEvent::Status(status) => PlayerChange::Status { status },
            PlayerEvent::Current(now) => PlayerChange::Current {
                current: current_track(library, now).map(Box::new),
            },
            PlayerEvent::Position {
                entry,
                position,
                duration,
            } => PlayerChange::Position {
                entry,
                position_ms: position.as_millis() as u64,
                duration_ms: duration.map(|d| d.as_millis() as u64),
            },
            PlayerEvent::QueueChanged => PlayerChange::Queue,
            PlayerEvent::Played { item } => {
                // The app queues library tracks only.
                let Some(track_id) = item.track_id() else {
                    continue;
                };
                if let Err(error) = library.record_play(track_id, tonearm_library::now_ms()) {
                    tracing::warn!(%error, "could not count a play");
                }
                PlayerChange::Played { track_id }
            }
            PlayerEvent::QueueEnded => PlayerChange::Ended,
            PlayerEvent::Error { item, message } => PlayerChange::Error {
                track_id: item.and_then(|item| item.track_id()),
                message,
            },
            PlayerEvent::Started { .. } | PlayerEvent::Ended { .. } => continue,
        };
        if let Err(error) = PlayerChanged(change).emit(app) {
            tracing::warn!(%error, "could not tell the UI about playback");
        }
    }
}
