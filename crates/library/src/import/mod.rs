//! Imports from other music apps: today the library iTunes and Apple Music export
//! (`Library.xml`, File → Library → Export Library; or iTunes' own `iTunes Library.xml`).
//!
//! An import brings what the user did in that app to the songs this library already has (it
//! never adds files): ratings, loves, play and skip counts, the last play and the date added,
//! and the playlists (folders of playlists flattened into the name, `Road trips / 2019`;
//! smart playlists as the songs they held when exported). The file is read as a stream
//! ([`plist`], [`itunes`]), each song matched to a track (`matching`, `location`), and
//! everything written in one transaction (`apply`), with a report of what matched, how, and
//! what did not.
//!
//! Invariants:
//! - **Idempotent.** Importing the same file again changes nothing: what each import brought
//!   is remembered by the app's persistent ids (`itunes_tracks`, `itunes_playlists`), plays
//!   and skips are added as the difference from what was imported before (plays made here
//!   since are kept), and imported plays carry ids derived from the song's persistent id, so
//!   the cloud counts them once even when two devices import the same file.
//! - **The file is untrusted.** Its size, text, counts and numbers of songs, playlists and
//!   entries are bounded; unknown keys are skipped; a malformed file is refused whole, with
//!   the line and column of the problem ([`LibraryError::InvalidItunesLibrary`]), before
//!   anything is written.
//! - **Through the library's own edits.** Ratings and loves are flagged for the cloud, plays
//!   join the play log, playlists are created and filled through `playlists`, so all of it
//!   syncs like the user's own edits.

mod apply;
pub mod itunes;
mod location;
mod matching;
pub mod plist;

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::PlaylistId;
use serde::Serialize;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The largest file an import reads (a library of a million songs is under this).
pub const MAX_FILE_BYTES: u64 = 4 << 30;

/// What an import from iTunes or Apple Music did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ItunesImport {
    /// Songs in the file (podcasts, films, videos and radio streams left out).
    pub songs: u64,
    /// Podcasts, films, TV shows, videos and radio streams: not looked for.
    pub skipped: u64,
    /// Songs found by their file's location.
    pub matched_by_location: u64,
    /// Songs found by title, artist, album and duration.
    pub matched_by_tags: u64,
    /// Songs this library does not have.
    pub unmatched: Vec<UnmatchedSong>,
    /// Tracks whose rating, love, counts or dates this import changed.
    pub tracks_changed: u64,
    /// Plays added (the difference from what an earlier import brought).
    pub plays_added: u64,
    /// Skips added (likewise).
    pub skips_added: u64,
    /// Ratings set or cleared.
    pub ratings_changed: u64,
    /// Loves given or taken back.
    pub loves_changed: u64,
    /// Tracks given an earlier date added or a later last play.
    pub dates_changed: u64,
    /// Every playlist of the file (folders and iTunes' own lists left out), in file order.
    pub playlists: Vec<ImportedPlaylist>,
    pub playlists_created: u64,
    pub playlists_updated: u64,
    /// Playlist entries whose song this library does not have (left out of the playlist).
    pub entries_not_found: u64,
    /// How long the import took.
    pub duration_ms: u64,
}

/// A song of the file that matched no track.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmatchedSong {
    pub name: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    /// Where the file was on the exporting computer (decoded), if it said.
    pub location: Option<String>,
}

/// What became of one playlist of the file.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedPlaylist {
    /// The name given here: folders first, `Road trips / 2019`.
    pub name: String,
    pub id: PlaylistId,
    pub outcome: PlaylistOutcome,
    /// Whether it was a smart playlist there (imported as the songs it held).
    pub smart: bool,
    /// Entries it has from the file.
    pub entries: u64,
    /// Entries of the file whose song this library does not have.
    pub not_found: u64,
}

/// Whether an import created, changed or left a playlist.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaylistOutcome {
    Created,
    /// Renamed, or its songs replaced by the file's (they changed there since the last import).
    Updated,
    /// As the last import left it (edits made here since are kept).
    Unchanged,
}

impl Library {
    /// Imports the library file iTunes or Apple Music exported at `path` into the tracks this
    /// library has (see [`import`](crate::import)). Safe to run again: a second import of the
    /// same file changes nothing.
    pub fn import_itunes(&self, path: &Path) -> Result<ItunesImport> {
        let started = std::time::Instant::now();
        let file = std::fs::File::open(path).map_err(|e| LibraryError::io(path, e))?;
        let size = file
            .metadata()
            .map_err(|e| LibraryError::io(path, e))?
            .len();
        if size > MAX_FILE_BYTES {
            return Err(LibraryError::InvalidItunesLibrary {
                path: path.to_path_buf(),
                line: 0,
                column: 0,
                reason: format!("the file is larger than {} GiB", MAX_FILE_BYTES >> 30),
            });
        }
        let source = BufReader::with_capacity(1 << 16, file.take(MAX_FILE_BYTES));
        let parsed = itunes::read(source).map_err(|malformed| invalid(path, &malformed))?;
        let mut report = self.store().write(|tx| apply::apply(tx, &parsed))?;
        report.duration_ms = started.elapsed().as_millis() as u64;
        tracing::info!(
            songs = report.songs,
            by_location = report.matched_by_location,
            by_tags = report.matched_by_tags,
            unmatched = report.unmatched.len(),
            playlists = report.playlists.len(),
            ms = report.duration_ms,
            "imported an iTunes library"
        );
        Ok(report)
    }
}

/// The error for a malformed file, with the line and column of `malformed.offset`.
fn invalid(path: &Path, malformed: &plist::Malformed) -> LibraryError {
    let (line, column) = std::fs::File::open(path)
        .ok()
        .map(|file| line_and_column(BufReader::new(file), malformed.offset))
        .unwrap_or((0, 0));
    LibraryError::InvalidItunesLibrary {
        path: path.to_path_buf(),
        line,
        column,
        reason: malformed.reason.clone(),
    }
}

/// The 1-based line and column (in characters) of a byte offset.
fn line_and_column(mut source: impl BufRead, offset: u64) -> (u64, u64) {
    let (mut line, mut column, mut read) = (1u64, 1u64, 0u64);
    while read < offset {
        let Ok(chunk) = source.fill_buf() else { break };
        if chunk.is_empty() {
            break;
        }
        let take = chunk.len().min((offset - read) as usize);
        for &byte in &chunk[..take] {
            if byte == b'\n' {
                line += 1;
                column = 1;
            } else if byte & 0xC0 != 0x80 {
                column += 1;
            }
        }
        source.consume(take);
        read += take as u64;
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "ab\nÅsa x\n";
        assert_eq!(line_and_column(text.as_bytes(), 0), (1, 1));
        assert_eq!(line_and_column(text.as_bytes(), 3), (2, 1));
        // `Å` is two bytes, one column.
        assert_eq!(line_and_column(text.as_bytes(), 7), (2, 4));
        assert_eq!(line_and_column(text.as_bytes(), 100), (3, 1));
    }
}
