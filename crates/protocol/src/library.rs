//! `/api/v1/library/...`: the cloud library as artists, albums, genres and songs, with lists and
//! search: the same query layer as the OpenSubsonic API, for the web player and devices.
//! Artist and album ids are derived from names (`ar-…`, `al-…`) and stay the same when songs
//! are uploaded again.

use crate::ids::{BlobHash, TrackId};
use crate::loudness::ReplayGainTags;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the user did with a song, album or artist.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LibraryMarks {
    /// Plays from every device and app.
    pub play_count: u64,
    /// Unix seconds of the latest play.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub played_at: Option<i64>,
    /// 1 to 5 stars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    /// Loved (Subsonic's "starred").
    pub loved: bool,
}

/// A song.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LibrarySong {
    /// Track id.
    pub id: TrackId,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
    /// Its album's title, as grouped (`[Unknown Album]` for songs on none).
    pub album: String,
    /// `al-` and 16 hex digits.
    pub album_id: String,
    /// The album artist it is grouped under.
    pub album_artist: String,
    /// `ar-` and 16 hex digits.
    pub artist_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_number: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disc_number: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Container format (`flac`, `mp3`...).
    pub format: String,
    /// Bytes of audio.
    pub size: u64,
    /// Its cover (`GET /api/v1/artwork/{hash}`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artwork: Option<BlobHash>,
    /// Unix seconds: when it reached the cloud.
    pub added_at: i64,
    pub marks: LibraryMarks,
    /// ReplayGain as tagged (absent: no tags).
    #[serde(default, skip_serializing_if = "ReplayGainTags::is_empty")]
    pub replaygain: ReplayGainTags,
}

/// An album.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LibraryAlbum {
    /// `al-` and 16 hex digits.
    pub id: String,
    pub name: String,
    /// Album artist.
    pub artist: String,
    /// `ar-` and 16 hex digits.
    pub artist_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    pub song_count: u32,
    pub duration_ms: u64,
    /// Its cover, if any of its songs has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artwork: Option<BlobHash>,
    /// Unix seconds: when its first song reached the cloud.
    pub added_at: i64,
    pub marks: LibraryMarks,
}

/// An album artist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LibraryArtist {
    /// `ar-` and 16 hex digits.
    pub id: String,
    pub name: String,
    /// What it sorts by ("beatles" for "The Beatles").
    pub sort_name: String,
    pub album_count: u32,
    pub marks: LibraryMarks,
}

/// A genre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LibraryGenre {
    pub name: String,
    pub song_count: u32,
    pub album_count: u32,
}

/// `GET /api/v1/library/artists`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ArtistsResponse {
    /// Every album artist, by sort name.
    pub artists: Vec<LibraryArtist>,
}

/// `GET /api/v1/library/artists/{id}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ArtistResponse {
    pub artist: LibraryArtist,
    /// By year, then name.
    pub albums: Vec<LibraryAlbum>,
}

/// `GET /api/v1/library/albums`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlbumsResponse {
    pub albums: Vec<LibraryAlbum>,
}

/// `GET /api/v1/library/albums/{id}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AlbumResponse {
    pub album: LibraryAlbum,
    /// By disc, then track number.
    pub songs: Vec<LibrarySong>,
}

/// `GET /api/v1/library/genres`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GenresResponse {
    /// By name.
    pub genres: Vec<LibraryGenre>,
}

/// `GET /api/v1/library/songs`: all of them by page, some by id, a genre's, random ones, the
/// loved ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SongsResponse {
    pub songs: Vec<LibrarySong>,
    /// With `pick=all`: how many songs the user has (every page's, not this page's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// `GET /api/v1/library/search`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SearchResponse {
    pub artists: Vec<LibraryArtist>,
    pub albums: Vec<LibraryAlbum>,
    pub songs: Vec<LibrarySong>,
}
