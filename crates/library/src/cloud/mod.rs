//! The library's side of cloud sync: what the sync engine must remember, kept in the library
//! database so it survives restarts and crashes and shares the library's transactions.
//!
//! This module knows no HTTP: `tonearm-sync` drives it through [`Library`](crate::Library)
//! methods, one private submodule per thing remembered (their types are re-exported here, so
//! callers name them `tonearm_library::cloud::…`):
//! - `uploads`: the upload queue and each track's way through it;
//! - `hashes`: content hashes, trusted only for the file they were computed from;
//! - `metadata`: what the cloud should know about a track, and what it was last sent;
//! - `tracks`: the cloud's tracks here: cloud-only rows, and local tracks linked by hash;
//! - `feed`: a page of the change feed (tracks, playlists, marks, covers) in one transaction,
//!   with the feed's cursor;
//! - `status`: what the cloud panel and `tonearm cloud status` show;
//! - `values`: small values of the sync engine (the feed cursor, the account);
//! - `cache`: the stream cache's index and pins;
//! - `free_up`: "remove downloads": the plan of files the cloud holds, and a freed file's
//!   track turned cloud-only;
//! - `playlist_edits`: playlist edits waiting to be sent;
//! - `logout`: forgetting all of it when the account goes;
//! - `downloads`: a cloud-only track that was downloaded becomes that file, same id.
//!
//! A cloud-only track is an ordinary row of `tracks` (state `cloud`, no path), written through
//! the scanner's `scan::write`, so every list, search, album and playlist sees it. The
//! dependency goes one way: this module uses `model`, `scan::write` and `scan::bulk`, none of
//! them uses it.

mod cache;
mod downloads;
mod feed;
mod free_up;
mod hashes;
mod logout;
mod metadata;
mod playlist_edits;
mod status;
mod tracks;
mod uploads;
mod values;

pub use crate::model::UploadState;
pub use cache::CacheEntry;
pub use feed::{PageApplied, RemoteChange, RemotePage};
pub use free_up::{FreeUpItem, FreeUpPlan, FreeUpSelection, FreeUpSkip, FreeUpSkipped};
pub use metadata::{CloudGain, CloudMetadata, MetadataChange};
pub use playlist_edits::{PendingPlaylistOp, PlaylistSyncState};
pub use status::{CloudTotals, TrackCloudState};
pub use tracks::{CloudFile, RemoteApplied, RemoteTrack};
pub use uploads::UploadJob;

use crate::ids::TrackId;

/// The track columns (`t`) [`metadata_from_row`] reads, for the tag editor.
pub(crate) fn metadata_columns() -> &'static str {
    metadata::COLUMNS
}

/// A cloud-only track's metadata from its row (see [`metadata_columns`]).
pub(crate) fn metadata_from_row(
    row: &rusqlite::Row<'_>,
    first: usize,
) -> rusqlite::Result<CloudMetadata> {
    CloudMetadata::from_row(row, first)
}

/// A track id read from the database (stored as text, always a UUID the library wrote).
fn parse_id(text: &str) -> rusqlite::Result<TrackId> {
    text.parse().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}
