//! Playback in the app: the audio engine over the library, its events forwarded to the UI,
//! plays counted in the library, and the OS media keys.
//!
//! Glue only: the engine (`tonearm-player`) decides everything about playing; this module
//! says how a library track is opened (path, tags, cover) and where the engine's news goes.

use crate::events::{CurrentTrack, PlayerChange, PlayerChanged};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Runtime};
use tonearm_library::artwork::ThumbnailSize;
use tonearm_library::{Library, TrackId};
use tonearm_player::catalog::{AlbumPosition, Catalog, OpenTrack, Playable, TrackInfo};
use tonearm_player::gain::TrackGain;
use tonearm_player::output::{DefaultDevice, OutputDevice, RecordingDevice};
use tonearm_player::source::ReaderSource;
use tonearm_player::{Player, PlayerError, PlayerEvent};

/// A library track in the play queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedTrack {
    pub id: TrackId,
    album: Option<AlbumPosition>,
}

impl Playable for QueuedTrack {
    fn album(&self) -> Option<&AlbumPosition> {
        self.album.as_ref()
    }
}

impl QueuedTrack {
    /// Looks the tracks up for queueing (one read, however long the list).
    pub fn from_library(
        library: &Library,
        ids: &[TrackId],
    ) -> Result<Vec<Self>, tonearm_library::LibraryError> {
        Ok(library
            .album_placements(ids)?
            .into_iter()
            .map(|placement| Self {
                id: placement.id,
                album: placement.album.map(|album| AlbumPosition {
                    album: format!(
                        "{}\u{1f}{album}",
                        placement.album_artist.as_deref().unwrap_or("")
                    ),
                    disc: placement.disc_no.unwrap_or(1),
                    track: placement.track_no.unwrap_or(0),
                }),
            })
            .collect())
    }
}

/// Opens library tracks for the engine: files from disk, cloud-only tracks through the sync
/// engine's streaming reader.
struct LibraryCatalog {
    library: Arc<Library>,
    cloud: Option<(Arc<tonearm_sync::Cloud>, tokio::runtime::Handle)>,
}

impl Catalog for LibraryCatalog {
    type Item = QueuedTrack;

    fn open(&self, item: &QueuedTrack) -> Result<OpenTrack, PlayerError> {
        let track = self
            .library
            .track(item.id)
            .map_err(|e| PlayerError::Unavailable(e.to_string()))?;
        let artwork = track.artwork_id.as_ref().and_then(|id| {
            self.library
                .thumbnail(id, ThumbnailSize::Large)
                .ok()
                .flatten()
        });
        let info = TrackInfo {
            title: track.title.clone(),
            artist: track.artist.clone(),
            album: track.album.clone(),
            duration: track.duration_ms.map(Duration::from_millis),
            artwork,
        };
        let gain = TrackGain {
            track_gain: track.replaygain.track_gain,
            track_peak: track.replaygain.track_peak,
            album_gain: track.replaygain.album_gain,
            album_peak: track.replaygain.album_peak,
        };
        if track.state != tonearm_library::TrackState::Cloud {
            match OpenTrack::file(std::path::Path::new(&track.path), info.clone(), gain) {
                Ok(open) => return Ok(open),
                // A file gone from this device still plays from the cloud.
                Err(error) if self.library.cloud_file(item.id).ok().flatten().is_none() => {
                    return Err(error);
                }
                Err(error) => tracing::info!(%error, "not here; streaming it from the cloud"),
            }
        }
        let (cloud, runtime) = self
            .cloud
            .as_ref()
            .ok_or_else(|| PlayerError::Unavailable("the cloud is not connected".to_owned()))?;
        let reader = cloud
            .open_track(item.id, runtime.clone())
            .map_err(|e| PlayerError::Unavailable(e.to_string()))?;
        let len = reader.len();
        Ok(OpenTrack {
            source: Box::new(ReaderSource::new(reader, Some(len))),
            extension: Some(track.format.clone()),
            info,
            gain,
        })
    }
}

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
        let player = Player::spawn(
            LibraryCatalog {
                library: library.clone(),
                cloud,
            },
            device,
        )?;
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
    let track = library.track(now.item.id).ok()?;
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
                if let Err(error) = library.record_play(item.id, tonearm_library::now_ms()) {
                    tracing::warn!(%error, "could not count a play");
                }
                PlayerChange::Played { track_id: item.id }
            }
            PlayerEvent::QueueEnded => PlayerChange::Ended,
            PlayerEvent::Error { item, message } => PlayerChange::Error {
                track_id: item.map(|item| item.id),
                message,
            },
            PlayerEvent::Started { .. } | PlayerEvent::Ended { .. } => continue,
        };
        if let Err(error) = PlayerChanged(change).emit(app) {
            tracing::warn!(%error, "could not tell the UI about playback");
        }
    }
}
