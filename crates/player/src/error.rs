//! The player's one error type: what could not be played, and why.

use std::path::PathBuf;

/// Everything that can go wrong opening, decoding or playing a track.
#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
    /// The file could not be opened or read.
    #[error("cannot open {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The format is known but Tonearm cannot decode it.
    #[error("{format} files cannot be played yet")]
    Unsupported { format: String },
    /// The data is not audio Tonearm can read, or is damaged.
    #[error("cannot decode {what}: {reason}")]
    Decode { what: String, reason: String },
    /// The track is not available (no longer in the library, say).
    #[error("{0}")]
    Unavailable(String),
    /// No sound output could be opened: no sound card, none configured, or the one there
    /// refused. The message is what the player bar and the terminal show (one line, what to
    /// do); the device's own words are the source, for the log.
    #[error(
        "no sound output is available: connect speakers or headphones, or check the system's sound settings"
    )]
    NoOutput {
        #[source]
        source: rodio::DeviceSinkError,
    },
    /// The audio output failed in another way (a thread could not start, the media keys).
    #[error("cannot open the audio output: {0}")]
    Output(String),
}

impl PlayerError {
    /// The message and every cause under it, `: `-separated: what the log keeps.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }
}
