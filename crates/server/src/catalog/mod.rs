//! The server-side library: each user's cloud tracks as artists, albums, genres and songs, with
//! lists, search, stars, ratings and plays. One query layer ([`CatalogStore`]) serves every
//! interface: the JSON API, OpenSubsonic (`/rest`) and the web player.
//!
//! Tracks arrive as free-form metadata; the catalog derives the rest when a track is created,
//! changed or removed, in the same transaction (so a list never shows a song the feed has not
//! announced). Artist and album ids are derived from names ([`ids`]), not minted: the same
//! album uploaded again, or completed by another device, keeps its id, and so do the stars
//! and links that clients keep.

pub mod ids;

use crate::error::Result;
use crate::store::UserId;
use async_trait::async_trait;
pub use ids::{AlbumId, ArtistId, fold};
use tonearm_protocol::{BlobHash, TrackId, TrackMarks};

/// At most this many items in one page of a list (Subsonic's own limit for album lists).
pub const MAX_PAGE: u32 = 500;

/// A page of a list: `size` items after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u32,
    pub size: u32,
}

impl Page {
    /// A page, its size capped at [`MAX_PAGE`].
    pub fn new(offset: u32, size: u32) -> Self {
        Self {
            offset,
            size: size.min(MAX_PAGE),
        }
    }
}

/// A song as every interface shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Song {
    pub id: TrackId,
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_id: AlbumId,
    pub album_artist: Option<String>,
    pub artist_id: ArtistId,
    pub genre: Option<String>,
    pub year: Option<i32>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub duration_ms: Option<u64>,
    pub composer: Option<String>,
    pub comment: Option<String>,
    /// Container format (`flac`, `mp3`...).
    pub format: String,
    pub size: u64,
    pub hash: BlobHash,
    /// Unix seconds.
    pub added_at: i64,
    pub stats: Stats,
    /// Its front cover, if the device sent one.
    pub artwork: Option<BlobHash>,
    /// ReplayGain as tagged, if the device sent it.
    pub replaygain: tonearm_protocol::ReplayGainTags,
}

/// What the user did with a song, album or artist.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Unix seconds.
    pub starred_at: Option<i64>,
    /// 1 to 5.
    pub rating: Option<u8>,
    pub play_count: u64,
    /// Unix seconds.
    pub played_at: Option<i64>,
}

/// An album: the songs that share an album artist and an album title.
#[derive(Debug, Clone, PartialEq)]
pub struct Album {
    pub id: AlbumId,
    pub name: String,
    pub artist: String,
    pub artist_id: ArtistId,
    pub year: Option<i32>,
    pub genre: Option<String>,
    pub song_count: u32,
    pub duration_ms: u64,
    /// Unix seconds: when its first song arrived.
    pub added_at: i64,
    /// A song of the album whose cover stands for it (the first with one, else the first).
    pub cover_song: Option<TrackId>,
    pub stats: Stats,
    /// The album's cover: that of its first song with one.
    pub cover: Option<BlobHash>,
}

/// An album artist.
#[derive(Debug, Clone, PartialEq)]
pub struct Artist {
    pub id: ArtistId,
    pub name: String,
    /// What it sorts and is indexed by ("The Beatles" under B).
    pub sort_name: String,
    pub album_count: u32,
    pub stats: Stats,
}

/// A genre with its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Genre {
    pub name: String,
    pub song_count: u32,
    pub album_count: u32,
}

/// The album lists of Subsonic's `getAlbumList2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlbumOrder {
    Random,
    Newest,
    /// Most played.
    Frequent,
    /// Recently played.
    Recent,
    Starred,
    /// Best rated.
    Highest,
    AlphabeticalByName,
    AlphabeticalByArtist,
    /// From `from` to `to`, both included, in that direction (`from > to`: newest first).
    ByYear {
        from: i32,
        to: i32,
    },
    ByGenre(String),
}

/// What a search found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Found {
    pub artists: Vec<Artist>,
    pub albums: Vec<Album>,
    pub songs: Vec<Song>,
}

/// A search: the words to find (each a prefix, case and accents folded) and a page per kind.
/// Empty words find everything, in a stable order (what offline-sync clients page through).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    pub artists: Page,
    pub albums: Page,
    pub songs: Page,
}

/// What a star, a rating or a play is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Song(TrackId),
    Album(AlbumId),
    Artist(ArtistId),
}

/// One play of a song, with the id that makes sending it twice count once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    pub id: String,
    pub track: TrackId,
    /// Unix seconds.
    pub played_at: i64,
}

/// A cover image in the blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artwork {
    pub hash: BlobHash,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub size: u64,
}

/// A saved play queue (Subsonic's `savePlayQueue`), one per user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlayQueue {
    pub entries: Vec<TrackId>,
    pub current: Option<TrackId>,
    pub position_ms: u64,
    /// Unix seconds.
    pub changed_at: i64,
    /// The client that saved it.
    pub changed_by: String,
}

/// The catalog's queries and the user's marks. Every method is scoped to one user: another
/// user's ids answer as missing.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Every album artist, by sort name.
    async fn artists(&self, user: UserId) -> Result<Vec<Artist>>;
    /// An artist and their albums (by year, then name).
    async fn artist(&self, user: UserId, id: &ArtistId) -> Result<Option<(Artist, Vec<Album>)>>;
    /// An album and its songs (by disc, then track number).
    async fn album(&self, user: UserId, id: &AlbumId) -> Result<Option<(Album, Vec<Song>)>>;
    /// A page of albums in `order`.
    async fn albums(&self, user: UserId, order: &AlbumOrder, page: Page) -> Result<Vec<Album>>;
    /// One song.
    async fn song(&self, user: UserId, id: TrackId) -> Result<Option<Song>>;
    /// Songs by id, in the order asked; unknown ids are left out.
    async fn songs(&self, user: UserId, ids: &[TrackId]) -> Result<Vec<Song>>;
    /// Up to `size` random songs, optionally of a genre and years.
    async fn random_songs(
        &self,
        user: UserId,
        size: u32,
        genre: Option<&str>,
        years: (Option<i32>, Option<i32>),
    ) -> Result<Vec<Song>>;
    /// A page of every song, by album artist (sort name), album, disc and track number: the
    /// same order on every page, so paging through them lists each song once.
    async fn all_songs(&self, user: UserId, page: Page) -> Result<Vec<Song>>;
    /// How many songs the user has.
    async fn song_count(&self, user: UserId) -> Result<u64>;
    /// A page of the songs of a genre.
    async fn songs_by_genre(&self, user: UserId, genre: &str, page: Page) -> Result<Vec<Song>>;
    /// The most played songs of an artist (by name), then the rest of theirs.
    async fn top_songs(&self, user: UserId, artist: &str, size: u32) -> Result<Vec<Song>>;
    /// Every genre with its counts, by name.
    async fn genres(&self, user: UserId) -> Result<Vec<Genre>>;
    /// Artists, albums and songs matching the words, best first.
    async fn search(&self, user: UserId, search: &Search) -> Result<Found>;
    /// What the user starred.
    async fn starred(&self, user: UserId) -> Result<Found>;
    /// Stars (or unstars, with `None`) items of the user; unknown ones are skipped. Returns
    /// how many were known.
    async fn star(&self, user: UserId, items: &[Item], at: Option<i64>) -> Result<usize>;
    /// Rates an item 1 to 5, or removes its rating with 0; false if the item is unknown.
    async fn rate(&self, user: UserId, item: &Item, rating: u8) -> Result<bool>;
    /// Records plays; a play id seen before is not counted again. Returns how many counted.
    /// Stars, ratings and plays of songs are announced in the change feed.
    async fn record_plays(&self, user: UserId, plays: &[Play]) -> Result<usize>;
    /// A song's marks.
    async fn track_marks(&self, user: UserId, track: TrackId) -> Result<Option<TrackMarks>>;
    /// The saved play queue, if any.
    async fn play_queue(&self, user: UserId) -> Result<Option<PlayQueue>>;
    /// Replaces the saved play queue (its unknown songs left out).
    async fn save_play_queue(&self, user: UserId, queue: &PlayQueue) -> Result<()>;
    /// The cover of a song, an album or an artist (their first album with one), if the user
    /// uploaded it: a hash named in metadata is not enough.
    async fn cover(&self, user: UserId, item: &Item) -> Result<Option<Artwork>>;
    /// Records an uploaded cover and that the user has it.
    async fn add_artwork(&self, user: UserId, artwork: &Artwork) -> Result<()>;
    /// A cover the user uploaded.
    async fn artwork(&self, user: UserId, hash: &BlobHash) -> Result<Option<Artwork>>;
}
