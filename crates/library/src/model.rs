//! What the library stores and answers with: tracks, their state (on disk and with the cloud),
//! and the browse summaries.

use crate::ids::{ArtworkId, FolderId, TrackId};
use serde::{Deserialize, Serialize};

/// Whether a track's file can be played.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackState {
    /// The file is where the library expects it and was read.
    Present,
    /// The file was not found at the last scan; kept with its play count and playlists in
    /// case it comes back (an unplugged disk must not wipe the library).
    Missing,
    /// The file exists but its tags or audio could not be read (`state_reason` says why).
    Unreadable,
    /// The track is in the user's cloud and not on this device (it streams).
    Cloud,
}

impl TrackState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Missing => "missing",
            Self::Unreadable => "unreadable",
            Self::Cloud => "cloud",
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "missing" => Self::Missing,
            "unreadable" => Self::Unreadable,
            "cloud" => Self::Cloud,
            _ => Self::Present,
        }
    }
}

// Part of every `Track`; the upload queue (`cloud::uploads`) moves a track through it.
/// Where a track stands with the cloud.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// On this device only; not queued.
    LocalOnly,
    Queued,
    Hashing,
    /// Asking the cloud whether it already has the file (and proving we hold it).
    Matching,
    Uploading,
    /// The upload finished; the cloud checks the hash and records the track.
    Verifying,
    InCloud,
    Paused,
    /// The last attempt failed; it is tried again at `next_retry_at`.
    Failed,
}

impl UploadState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::LocalOnly => "local_only",
            Self::Queued => "queued",
            Self::Hashing => "hashing",
            Self::Matching => "matching",
            Self::Uploading => "uploading",
            Self::Verifying => "verifying",
            Self::InCloud => "in_cloud",
            Self::Paused => "paused",
            Self::Failed => "failed",
        }
    }

    pub(crate) fn parse(text: &str) -> Self {
        match text {
            "queued" => Self::Queued,
            "hashing" => Self::Hashing,
            "matching" => Self::Matching,
            "uploading" => Self::Uploading,
            "verifying" => Self::Verifying,
            "in_cloud" => Self::InCloud,
            "paused" => Self::Paused,
            "failed" => Self::Failed,
            _ => Self::LocalOnly,
        }
    }
}

/// ReplayGain values as tagged (gain in dB, peak as a linear amplitude).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ReplayGain {
    pub track_gain: Option<f64>,
    pub track_peak: Option<f64>,
    pub album_gain: Option<f64>,
    pub album_peak: Option<f64>,
}

/// MusicBrainz identifiers, when tagged.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MusicBrainzIds {
    pub recording_id: Option<String>,
    pub track_id: Option<String>,
    pub album_id: Option<String>,
    pub artist_id: Option<String>,
    pub album_artist_id: Option<String>,
}

/// One track with everything the library knows about it.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Track {
    pub id: TrackId,
    pub folder_id: Option<FolderId>,
    /// The file's path (lossy for names that are not valid Unicode).
    pub path: String,
    pub size: u64,
    /// Modification time, unix milliseconds.
    pub mtime_ms: i64,
    pub format: String,
    pub codec: Option<String>,
    pub duration_ms: Option<u64>,
    pub bitrate_kbps: Option<u32>,
    pub sample_rate: Option<u32>,
    pub channels: Option<u8>,
    pub bit_depth: Option<u8>,
    pub title: String,
    /// Display form of all artists.
    pub artist: Option<String>,
    /// Each artist, in tag order.
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_no: Option<u32>,
    pub track_total: Option<u32>,
    pub disc_no: Option<u32>,
    pub disc_total: Option<u32>,
    pub year: Option<i32>,
    pub date: Option<String>,
    /// Display form of all genres.
    pub genre: Option<String>,
    pub genres: Vec<String>,
    pub composer: Option<String>,
    pub compilation: bool,
    /// The comment tag (lofty's `Comment`: COMM, COMMENT, ©cmt...).
    pub comment: Option<String>,
    pub musicbrainz: MusicBrainzIds,
    pub replaygain: ReplayGain,
    pub artwork_id: Option<ArtworkId>,
    pub play_count: u32,
    /// Unix milliseconds.
    pub last_played_at: Option<i64>,
    /// 0..=100.
    pub rating: Option<u8>,
    /// Loved (a heart; "starred" in Subsonic apps).
    pub loved: bool,
    /// Unix milliseconds.
    pub added_at: i64,
    pub state: TrackState,
    pub state_reason: Option<String>,
    /// Tags without a column of their own, as (key, value) pairs.
    pub extra_tags: Vec<(String, String)>,
    /// Where the track stands with the cloud (a cloud-only track is `in_cloud`).
    pub upload_state: UploadState,
    /// Why the last upload attempt failed, while it is `failed`.
    pub upload_error: Option<String>,
    /// All of its bytes are kept on this device ("keep offline"); only cloud tracks are pinned.
    pub kept_offline: bool,
}

/// A track as a list shows it: the columns of the songs table and what its menu decides by.
///
/// Lists send a page of these to the UI as it scrolls and on every search keystroke; the whole
/// [`Track`] (format, MusicBrainz ids, ReplayGain, every tag) is twice the JSON, takes three
/// more subqueries to read, and is read only where one song is looked at (the tag editor, the
/// player).
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackRow {
    pub id: TrackId,
    /// The file's path (lossy for names that are not valid Unicode): what a song without tags
    /// is shown by, and what the tooltip of a missing or unreadable one says.
    pub path: String,
    pub title: String,
    /// Display form of all artists.
    pub artist: Option<String>,
    pub album: Option<String>,
    pub duration_ms: Option<u64>,
    pub year: Option<i32>,
    /// Display form of all genres.
    pub genre: Option<String>,
    pub artwork_id: Option<ArtworkId>,
    pub play_count: u32,
    /// 0..=100.
    pub rating: Option<u8>,
    pub loved: bool,
    /// Unix milliseconds.
    pub added_at: i64,
    pub state: TrackState,
    pub state_reason: Option<String>,
    pub upload_state: UploadState,
    pub upload_error: Option<String>,
    pub kept_offline: bool,
}

/// An album in the Albums view.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlbumSummary {
    pub key: String,
    pub title: String,
    pub artist: String,
    pub year: Option<i32>,
    pub track_count: u32,
    pub duration_ms: u64,
    pub artwork_id: Option<ArtworkId>,
    pub compilation: bool,
}

/// An artist or a genre with what it covers.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameSummary {
    /// The name as tagged. Among artists, `""` stands for the songs no artist is credited on
    /// ("Unknown artist"): it lists first, and a `TrackFilter` with that artist lists them.
    pub name: String,
    pub track_count: u32,
    pub album_count: u32,
    pub duration_ms: u64,
}

/// Totals for `tonearm stats`.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LibraryStats {
    pub tracks: u64,
    pub present: u64,
    pub missing: u64,
    pub unreadable: u64,
    /// Only in the cloud (they stream).
    pub cloud: u64,
    pub albums: u64,
    pub artists: u64,
    pub genres: u64,
    pub duration_ms: u64,
    pub size_bytes: u64,
    pub folders: u64,
    pub playlists: u64,
}

/// One page of a longer list.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub total: u64,
    pub offset: u64,
}

/// Search results grouped as a music app shows them: songs (ranked, paged), and the albums
/// and artists whose names match.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub songs: Page<TrackRow>,
    pub albums: Vec<AlbumSummary>,
    pub artists: Vec<NameSummary>,
}
