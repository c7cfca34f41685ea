//! What both metadata stores derive and convert the same way, apart from either: stored values
//! parsed back with the same errors, metadata kept as the same JSON, a track's catalog row (its
//! album, artist, sort names and searchable text) derived by one function, and a query split
//! into the same words. Both stores pass one contract suite; deriving in one place is what keeps
//! a song's album or a search's words from drifting apart between them.

use crate::catalog::ids::{album_of, sort_name};
use crate::catalog::{AlbumId, ArtistId, fold};
use crate::error::{Error, Result};
use tonearm_protocol::{BlobHash, CloudTrack, PositionKey};
use uuid::Uuid;

pub(super) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(super) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(super) fn parse_uuid(text: &str) -> Result<Uuid> {
    Uuid::parse_str(text).map_err(|_| Error::Corrupt(format!("bad uuid {text:?}")))
}

pub(super) fn parse_position(text: &str) -> Result<PositionKey> {
    PositionKey::parse(text).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(super) fn parse_hash(text: String) -> Result<BlobHash> {
    BlobHash::try_from(text).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(super) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Corrupt(e.to_string()))
}

/// The words of a search, folded as the indexed text is: each one a prefix to find.
pub(super) fn search_words(query: &str) -> Vec<String> {
    fold(query)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A track as the catalog keeps it: the names it is listed, sorted and found by.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SongRow {
    /// The title, "Untitled" when the tags have none.
    pub title: String,
    pub sort_title: String,
    /// The album, "[Unknown Album]" when the tags have none.
    pub album: String,
    pub album_id: AlbumId,
    /// The album artist as [`album_of`] decides it.
    pub album_artist: String,
    pub artist_id: ArtistId,
    /// The first of the tagged genres.
    pub genre: Option<String>,
    /// Container format as the API names it (`flac`), "unknown" if it has no name.
    pub format: String,
    /// What its album artist's and album's rows sort by: the album's id is derived from the
    /// same folded names.
    pub artist_sort: String,
    pub album_sort: String,
    /// JSON of the ReplayGain tags, if there are any.
    pub replaygain: Option<String>,
    /// What search matches, folded ([`fold`]), in [`SEARCH_WEIGHTS`] order: the title, then the
    /// tags as sent (artist, album, album artist, the whole genre, composer), so a song without
    /// an album is not found by "unknown".
    pub searchable: [Option<String>; 6],
}

/// How much a match in each searchable field counts when ranking (bm25 column weights): the
/// title most, then the artist, album and album artist, then genre and composer.
pub(super) const SEARCH_WEIGHTS: [f64; 6] = [10.0, 4.0, 3.0, 3.0, 1.0, 1.0];

impl SongRow {
    /// The catalog row of `track`.
    pub fn of(track: &CloudTrack) -> Self {
        let m = &track.metadata;
        let (album_artist, album) = album_of(
            m.album.as_deref(),
            m.album_artist.as_deref(),
            m.artist.as_deref(),
            m.compilation == Some(true),
        );
        let title = m
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| "Untitled".to_owned());
        let genre = m
            .genre
            .as_deref()
            .and_then(|g| g.split("; ").next())
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_owned);
        let format = serde_json::to_value(m.format)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned());
        let folded = |text: &Option<String>| text.as_deref().map(fold);
        Self {
            sort_title: sort_name(&title),
            album_id: AlbumId::of(&album_artist, &album),
            artist_id: ArtistId::of(&album_artist),
            artist_sort: sort_name(&album_artist),
            album_sort: sort_name(&album),
            searchable: [
                Some(fold(&title)),
                folded(&m.artist),
                folded(&m.album),
                folded(&m.album_artist),
                folded(&m.genre),
                folded(&m.composer),
            ],
            replaygain: (!m.replaygain.is_empty())
                .then(|| serde_json::to_string(&m.replaygain).unwrap_or_default()),
            title,
            album,
            album_artist,
            genre,
            format,
        }
    }
}

/// What an album list needs, whatever the SQL dialect: whether it reads the user's marks (`m`),
/// what it keeps, and its sort keys (column, descending), the album's name breaking ties.
pub(super) struct AlbumListPlan<'a> {
    pub marks: bool,
    pub filter: AlbumFilter<'a>,
    pub keys: Vec<(&'static str, bool)>,
}

/// The albums a list keeps; the parameters are bound by each store in its own dialect.
pub(super) enum AlbumFilter<'a> {
    All,
    /// A condition on the marks, without parameters.
    Marks(&'static str),
    /// Years from the first to the second, both included.
    Years(i32, i32),
    /// A genre, compared without case.
    Genre(&'a str),
}

/// The plan of an album list.
pub(super) fn album_list_plan(order: &crate::catalog::AlbumOrder) -> AlbumListPlan<'_> {
    use crate::catalog::AlbumOrder;
    let name = ("a.sort_name", false);
    let plan = |marks, filter, keys| AlbumListPlan {
        marks,
        filter,
        keys,
    };
    match order {
        AlbumOrder::Random => plan(false, AlbumFilter::All, vec![("random()", false)]),
        AlbumOrder::Newest => plan(false, AlbumFilter::All, vec![("a.added_at", true), name]),
        AlbumOrder::AlphabeticalByName => plan(
            false,
            AlbumFilter::All,
            vec![name, ("a.artist_sort", false)],
        ),
        AlbumOrder::AlphabeticalByArtist => plan(
            false,
            AlbumFilter::All,
            vec![("a.artist_sort", false), name],
        ),
        AlbumOrder::Frequent => plan(
            true,
            AlbumFilter::Marks(" AND m.play_count > 0"),
            vec![("m.play_count", true), name],
        ),
        AlbumOrder::Recent => plan(
            true,
            AlbumFilter::Marks(" AND m.played_at IS NOT NULL"),
            vec![("m.played_at", true)],
        ),
        AlbumOrder::Starred => plan(
            true,
            AlbumFilter::Marks(" AND m.starred_at IS NOT NULL"),
            vec![("m.starred_at", true)],
        ),
        AlbumOrder::Highest => plan(
            true,
            AlbumFilter::Marks(" AND m.rating > 0"),
            vec![("m.rating", true), name],
        ),
        AlbumOrder::ByYear { from, to } => plan(
            false,
            AlbumFilter::Years(*from.min(to), *from.max(to)),
            vec![("a.year", from > to), name],
        ),
        AlbumOrder::ByGenre(genre) => plan(false, AlbumFilter::Genre(genre), vec![name]),
    }
}
