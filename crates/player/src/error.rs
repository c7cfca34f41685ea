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
    /// The audio device could not be opened.
    #[error("cannot open the audio output: {0}")]
    Output(String),
}
