//! The OS media controls: media keys, headset buttons and the system's now-playing display.
//!
//! Through souvlaki: MPRIS over D-Bus on Linux (pure-Rust zbus, no libdbus), the System Media
//! Transport Controls on Windows (they need the window's HWND), Now Playing on macOS. What the
//! OS asks (play, pause, next, seek...) becomes an engine [`Command`]; what the engine
//! publishes (the track, its cover, playing or paused, the position) goes to the OS.
//!
//! The bridge holds no strong handle on the engine: the engine stops when its owner drops it,
//! and the bridge's thread then ends by itself.

use crate::catalog::Playable;
use crate::engine::{Command, PlaybackState, Player, PlayerEvent};
use crate::error::PlayerError;
use souvlaki::{
    MediaControlEvent, MediaControls, MediaMetadata, MediaPlayback, MediaPosition, PlatformConfig,
    SeekDirection,
};
use std::path::Path;
use std::time::Duration;

/// How far the OS's "seek forward/backward" buttons move.
const SEEK_STEP: f64 = 10.0;

/// Who we are to the OS.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The D-Bus name (`org.mpris.MediaPlayer2.<name>`); unique per running player.
    pub dbus_name: String,
    /// What the user sees.
    pub display_name: String,
    /// The main window's HWND on Windows (required there), as an integer.
    pub hwnd: Option<usize>,
}

/// Media controls attached to a player; detached when dropped.
pub struct MediaKeys {
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for MediaKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaKeys").finish_non_exhaustive()
    }
}

impl Drop for MediaKeys {
    fn drop(&mut self) {
        // The thread ends when the engine goes away; don't wait for that here.
        drop(self.thread.take());
    }
}

/// Whether the OS offers media controls here. On Linux that needs a D-Bus session bus.
pub fn available() -> bool {
    if cfg!(target_os = "linux") {
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
            || std::env::var_os("XDG_RUNTIME_DIR")
                .is_some_and(|dir| Path::new(&dir).join("bus").exists())
    } else {
        true
    }
}

/// Connects `player` to the OS media controls.
pub fn attach<I: Playable>(
    player: &Player<I>,
    identity: &Identity,
) -> Result<MediaKeys, PlayerError> {
    let events = player.subscribe();
    let commander = player.commander();
    let failed = |e: souvlaki::Error| PlayerError::Output(format!("media controls: {e:?}"));
    // The HWND goes to souvlaki as a pointer; it is only read on Windows.
    let hwnd = identity.hwnd.map(|h| h as *mut std::ffi::c_void);
    let mut controls = MediaControls::new(PlatformConfig {
        dbus_name: &identity.dbus_name,
        display_name: &identity.display_name,
        hwnd,
    })
    .map_err(failed)?;
    controls
        .attach(move |event| {
            if let Some(command) = command_for(event) {
                commander.send(command);
            }
        })
        .map_err(failed)?;
    let thread = std::thread::Builder::new()
        .name("tonearm-media-keys".into())
        .spawn(move || publish(controls, &events))
        .map_err(|e| PlayerError::Output(format!("media controls: {e}")))?;
    Ok(MediaKeys {
        thread: Some(thread),
    })
}

/// What the OS asked, as an engine command.
fn command_for<I>(event: MediaControlEvent) -> Option<Command<I>> {
    Some(match event {
        MediaControlEvent::Play => Command::Resume,
        MediaControlEvent::Pause => Command::Pause,
        MediaControlEvent::Toggle => Command::TogglePause,
        MediaControlEvent::Next => Command::Next,
        MediaControlEvent::Previous => Command::Previous,
        MediaControlEvent::Stop => Command::Stop,
        MediaControlEvent::Seek(SeekDirection::Forward) => Command::SeekBy(SEEK_STEP),
        MediaControlEvent::Seek(SeekDirection::Backward) => Command::SeekBy(-SEEK_STEP),
        MediaControlEvent::SeekBy(SeekDirection::Forward, by) => Command::SeekBy(by.as_secs_f64()),
        MediaControlEvent::SeekBy(SeekDirection::Backward, by) => {
            Command::SeekBy(-by.as_secs_f64())
        }
        MediaControlEvent::SetPosition(MediaPosition(at)) => Command::Seek(at),
        MediaControlEvent::SetVolume(volume) => Command::SetVolume(volume as f32),
        MediaControlEvent::SetShuffle(on) => Command::SetShuffle(on),
        _ => return None,
    })
}

/// Tells the OS what the engine does, until the engine stops.
fn publish<I: Playable>(
    mut controls: MediaControls,
    events: &std::sync::mpsc::Receiver<PlayerEvent<I>>,
) {
    let mut state = PlaybackState::Stopped;
    let mut position = Duration::ZERO;
    for event in events {
        let result = match event {
            PlayerEvent::Current(Some(now)) => {
                position = Duration::ZERO;
                let info = now.info.unwrap_or_default();
                let cover = info.artwork.as_deref().map(file_url);
                controls.set_metadata(MediaMetadata {
                    title: Some(&info.title),
                    artist: info.artist.as_deref(),
                    album: info.album.as_deref(),
                    cover_url: cover.as_deref(),
                    duration: info.duration,
                })
            }
            PlayerEvent::Current(None) => controls.set_metadata(MediaMetadata::default()),
            PlayerEvent::Status(status) => {
                state = status.state;
                // Only MPRIS shows a player's volume (souvlaki has no volume elsewhere).
                #[cfg(all(unix, not(target_os = "macos")))]
                {
                    let volume = if status.muted { 0.0 } else { status.volume };
                    let _ = controls.set_volume(f64::from(volume));
                }
                controls.set_playback(playback(state, position))
            }
            PlayerEvent::Position { position: at, .. } => {
                position = at;
                controls.set_playback(playback(state, position))
            }
            _ => Ok(()),
        };
        if let Err(error) = result {
            tracing::warn!(?error, "the OS media controls stopped answering");
            return;
        }
    }
    let _ = controls.detach();
}

fn playback(state: PlaybackState, position: Duration) -> MediaPlayback {
    let progress = Some(MediaPosition(position));
    match state {
        PlaybackState::Playing => MediaPlayback::Playing { progress },
        PlaybackState::Paused => MediaPlayback::Paused { progress },
        PlaybackState::Stopped => MediaPlayback::Stopped,
    }
}

/// A `file://` URL for a local path, with everything but unreserved characters escaped.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                url.push(char::from(byte));
            }
            _ => url.push_str(&format!("%{byte:02X}")),
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_paths_become_escaped_file_urls() {
        assert_eq!(
            file_url(Path::new("/music/Sigur Rós/cover.jpg")),
            "file:///music/Sigur%20R%C3%B3s/cover.jpg"
        );
    }

    #[test]
    fn os_requests_map_to_engine_commands() {
        let seek: Option<Command<()>> =
            command_for(MediaControlEvent::Seek(SeekDirection::Backward));
        assert!(matches!(seek, Some(Command::SeekBy(s)) if s == -SEEK_STEP));
        let at: Option<Command<()>> = command_for(MediaControlEvent::SetPosition(MediaPosition(
            Duration::from_secs(7),
        )));
        assert!(matches!(at, Some(Command::Seek(d)) if d == Duration::from_secs(7)));
        assert!(command_for::<()>(MediaControlEvent::Raise).is_none());
    }
}
