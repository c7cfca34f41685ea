//! The library's one error type. Each variant keeps the context a user or a log reader needs
//! (which folder, which track) and the underlying cause as its source.

use crate::ids::{EntryId, PlaylistId, TrackId};
use std::path::PathBuf;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// The database could not be opened, migrated, read or written.
    #[error("library database error")]
    Database(#[from] rusqlite::Error),
    /// A stored playlist position is not a valid key (a migration repairs old ones).
    #[error("a playlist entry has an invalid position")]
    Position(#[from] tonearm_protocol::PositionError),
    /// The database was written by a newer Tonearm.
    #[error(
        "the library database is at version {found}, newer than this app understands ({supported}); update Tonearm"
    )]
    TooNew { found: i64, supported: i64 },
    /// A schema migration would leave the database inconsistent; nothing was changed.
    #[error("cannot upgrade the library database to version {version}: {reason}")]
    Migration { version: i64, reason: String },
    /// A file or folder could not be read or written.
    #[error("cannot access {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The folder is not a directory (or is gone).
    #[error("{} is not a folder", path.display())]
    NotAFolder { path: PathBuf },
    /// The folder is already in the library, or inside/around one that is.
    #[error("{} overlaps the music folder {}", path.display(), existing.display())]
    FolderOverlaps { path: PathBuf, existing: PathBuf },
    /// No such music folder.
    #[error("{} is not a music folder of this library", path.display())]
    UnknownFolder { path: PathBuf },
    /// No such track.
    #[error("no track {0}")]
    UnknownTrack(TrackId),
    /// No such playlist.
    #[error("no playlist {0}")]
    UnknownPlaylist(PlaylistId),
    /// No such playlist entry.
    #[error("no entry {0} in that playlist")]
    UnknownEntry(EntryId),
    /// A search query that cannot be understood.
    #[error("invalid search: {0}")]
    InvalidQuery(String),
    /// An image could not be decoded or encoded.
    #[error("cannot process artwork")]
    Image(#[from] image::ImageError),
    /// The folder watcher could not start.
    #[error("cannot watch {}", path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: notify::Error,
    },
    /// A file given as a library exported by iTunes or Apple Music is not one, or is
    /// malformed; nothing was imported. `line` and `column` (1-based; 0 when not known) say
    /// where.
    #[error("cannot import {}: {reason} (line {line}, column {column})", path.display())]
    InvalidItunesLibrary {
        path: PathBuf,
        line: u64,
        column: u64,
        reason: String,
    },
    /// The operation was cancelled by the user.
    #[error("cancelled")]
    Cancelled,
}

impl LibraryError {
    /// An I/O error about `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// Results of library operations.
pub type Result<T, E = LibraryError> = std::result::Result<T, E>;
