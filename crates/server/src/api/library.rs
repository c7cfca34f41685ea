//! `/api/v1/library/...`: the catalog (`crate::catalog`) as JSON, for the web player and
//! devices: the same queries as the OpenSubsonic API, so the two never disagree.

use super::extract::{Json, Path, Query};
use crate::auth::AuthUser;
use crate::catalog::{
    Album, AlbumId, AlbumOrder, Artist, ArtistId, MAX_PAGE, Page, Search, Song, Stats,
};
use crate::error::{ApiError, Error};
use crate::state::AppState;
use axum::extract::State;
use serde::Deserialize;
use tonearm_protocol::library::{
    AlbumResponse, AlbumsResponse, ArtistResponse, ArtistsResponse, GenresResponse, LibraryAlbum,
    LibraryArtist, LibraryGenre, LibraryMarks, LibrarySong, SearchResponse, SongsResponse,
};
use tonearm_protocol::{ErrorBody, TrackId};
use utoipa::{IntoParams, ToSchema};

fn marks(stats: &Stats) -> LibraryMarks {
    LibraryMarks {
        play_count: stats.play_count,
        played_at: stats.played_at,
        rating: stats.rating,
        loved: stats.starred_at.is_some(),
    }
}

pub(crate) fn song(song: &Song) -> LibrarySong {
    LibrarySong {
        id: song.id,
        title: song.title.clone(),
        artist: song.artist.clone(),
        album: song.album.clone().unwrap_or_default(),
        album_id: song.album_id.to_string(),
        album_artist: song.album_artist.clone().unwrap_or_default(),
        artist_id: song.artist_id.to_string(),
        genre: song.genre.clone(),
        year: song.year,
        track_number: song.track_number,
        disc_number: song.disc_number,
        duration_ms: song.duration_ms,
        format: song.format.clone(),
        size: song.size,
        artwork: song.artwork.clone(),
        added_at: song.added_at,
        marks: marks(&song.stats),
        replaygain: song.replaygain,
    }
}

fn album(album: &Album) -> LibraryAlbum {
    LibraryAlbum {
        id: album.id.to_string(),
        name: album.name.clone(),
        artist: album.artist.clone(),
        artist_id: album.artist_id.to_string(),
        year: album.year,
        genre: album.genre.clone(),
        song_count: album.song_count,
        duration_ms: album.duration_ms,
        artwork: album.cover.clone(),
        added_at: album.added_at,
        marks: marks(&album.stats),
    }
}

fn artist(artist: &Artist) -> LibraryArtist {
    LibraryArtist {
        id: artist.id.to_string(),
        name: artist.name.clone(),
        sort_name: artist.sort_name.clone(),
        album_count: artist.album_count,
        marks: marks(&artist.stats),
    }
}

/// Every album artist.
#[utoipa::path(get, path = "/api/v1/library/artists", tag = "library", security(("bearer" = [])),
    responses((status = 200, description = "by sort name", body = ArtistsResponse)))]
pub async fn artists(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<ArtistsResponse>, ApiError> {
    let list = state.store.artists(auth.user).await?;
    Ok(Json(ArtistsResponse {
        artists: list.iter().map(artist).collect(),
    }))
}

/// An artist and their albums.
#[utoipa::path(get, path = "/api/v1/library/artists/{id}", tag = "library", security(("bearer" = [])),
    params(("id" = String, Path, description = "`ar-` and 16 hex digits")),
    responses(
        (status = 200, description = "the artist and their albums", body = ArtistResponse),
        (status = 404, description = "no such artist", body = ErrorBody),
    ))]
pub async fn artist_page(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<ArtistResponse>, ApiError> {
    let id = ArtistId::parse(&id).ok_or(Error::NotFound("artist"))?;
    let (found, albums) = state
        .store
        .artist(auth.user, &id)
        .await?
        .ok_or(Error::NotFound("artist"))?;
    Ok(Json(ArtistResponse {
        artist: artist(&found),
        albums: albums.iter().map(album).collect(),
    }))
}

/// The orders albums are listed in.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ListOrder {
    /// Most recently added first.
    #[default]
    Newest,
    Random,
    /// Most played first (played ones only).
    Frequent,
    /// Most recently played first (played ones only).
    Recent,
    /// Loved ones, most recently loved first.
    Loved,
    /// Best rated first (rated ones only).
    Highest,
    /// By name.
    Name,
    /// By artist, then name.
    Artist,
    /// Between the years `from` and `to`.
    Year,
    /// Of the genre `genre`.
    Genre,
}

/// Which songs.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SongPick {
    #[default]
    Random,
    /// Of the genre `genre`.
    Genre,
    Loved,
    /// Every song, by page (`offset`, `limit`), by album artist, album, disc and track, with
    /// `total`.
    All,
    /// The songs named by `ids`, in that order.
    Ids,
}

/// Which albums, in which order.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AlbumsQuery {
    /// `newest` when absent; `year` needs `from` and `to`, `genre` needs `genre`.
    #[param(inline)]
    pub order: Option<ListOrder>,
    pub offset: Option<u32>,
    /// At most 500; 50 when absent.
    pub limit: Option<u32>,
    /// For `order=genre`.
    pub genre: Option<String>,
    /// For `order=year`: from this year to `to` (newest first when `from > to`).
    pub from: Option<i32>,
    pub to: Option<i32>,
}

/// A page of albums.
#[utoipa::path(get, path = "/api/v1/library/albums", tag = "library", security(("bearer" = [])),
    params(AlbumsQuery),
    responses(
        (status = 200, description = "a page of albums", body = AlbumsResponse),
        (status = 400, description = "an unknown order, or one missing its parameters", body = ErrorBody),
    ))]
pub async fn albums(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<AlbumsQuery>,
) -> Result<Json<AlbumsResponse>, ApiError> {
    let missing = |what: &str| Error::BadRequest(format!("this order needs `{what}`"));
    let order = match query.order.unwrap_or_default() {
        ListOrder::Newest => AlbumOrder::Newest,
        ListOrder::Random => AlbumOrder::Random,
        ListOrder::Frequent => AlbumOrder::Frequent,
        ListOrder::Recent => AlbumOrder::Recent,
        ListOrder::Loved => AlbumOrder::Starred,
        ListOrder::Highest => AlbumOrder::Highest,
        ListOrder::Name => AlbumOrder::AlphabeticalByName,
        ListOrder::Artist => AlbumOrder::AlphabeticalByArtist,
        ListOrder::Year => AlbumOrder::ByYear {
            from: query.from.ok_or_else(|| missing("from"))?,
            to: query.to.ok_or_else(|| missing("to"))?,
        },
        ListOrder::Genre => {
            AlbumOrder::ByGenre(query.genre.clone().ok_or_else(|| missing("genre"))?)
        }
    };
    let page = Page::new(query.offset.unwrap_or(0), query.limit.unwrap_or(50));
    let list = state.store.albums(auth.user, &order, page).await?;
    Ok(Json(AlbumsResponse {
        albums: list.iter().map(album).collect(),
    }))
}

/// An album and its songs.
#[utoipa::path(get, path = "/api/v1/library/albums/{id}", tag = "library", security(("bearer" = [])),
    params(("id" = String, Path, description = "`al-` and 16 hex digits")),
    responses(
        (status = 200, description = "the album and its songs", body = AlbumResponse),
        (status = 404, description = "no such album", body = ErrorBody),
    ))]
pub async fn album_page(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<AlbumResponse>, ApiError> {
    let id = AlbumId::parse(&id).ok_or(Error::NotFound("album"))?;
    let (found, songs) = state
        .store
        .album(auth.user, &id)
        .await?
        .ok_or(Error::NotFound("album"))?;
    Ok(Json(AlbumResponse {
        album: album(&found),
        songs: songs.iter().map(song).collect(),
    }))
}

/// Every genre.
#[utoipa::path(get, path = "/api/v1/library/genres", tag = "library", security(("bearer" = [])),
    responses((status = 200, description = "by name", body = GenresResponse)))]
pub async fn genres(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<GenresResponse>, ApiError> {
    let list = state.store.genres(auth.user).await?;
    Ok(Json(GenresResponse {
        genres: list
            .into_iter()
            .map(|g| LibraryGenre {
                name: g.name,
                song_count: g.song_count,
                album_count: g.album_count,
            })
            .collect(),
    }))
}

/// The `ids` of `pick=ids`, parsed where the query is read: at most [`MAX_PAGE`] track ids,
/// each a hyphenated UUID, separated by commas. Empty names none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackIds(Vec<TrackId>);

impl TrackIds {
    fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(Self::default());
        }
        // Counted before anything is parsed or kept: a huge list costs nothing.
        let count = text.split(',').count();
        if count > MAX_PAGE as usize {
            return Err(format!(
                "`ids` names {count} songs; at most {MAX_PAGE} at once"
            ));
        }
        text.split(',')
            .map(|id| {
                // Hyphenated only (what the pattern in the document says); other spellings of
                // a UUID are refused rather than guessed.
                uuid::Uuid::try_parse(id)
                    .ok()
                    .filter(|_| id.len() == 36)
                    .map(TrackId)
                    .ok_or_else(|| {
                        let shown: String = id.chars().take(40).collect();
                        format!("`ids`: {shown:?} is not a track id (a hyphenated UUID)")
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl<'de> Deserialize<'de> for TrackIds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Which songs.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SongsQuery {
    /// `random` when absent. `all`: every song by page (`offset`, `limit`), by album artist,
    /// album, disc and track, with `total`; `ids`: the songs named by `ids`, in that order;
    /// `genre`: a page of the songs of `genre`; `loved`: the loved ones.
    #[param(inline)]
    pub pick: Option<SongPick>,
    pub genre: Option<String>,
    /// For `pick=ids`: track ids (hyphenated UUIDs) separated by commas, at most 500.
    #[param(value_type = Option<String>, pattern = r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(,[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})*)?$")]
    pub ids: Option<TrackIds>,
    pub offset: Option<u32>,
    /// At most 500; 50 when absent.
    pub limit: Option<u32>,
}

/// Songs: every one by page, some by id, random ones, a genre's, or the loved ones.
#[utoipa::path(get, path = "/api/v1/library/songs", tag = "library", security(("bearer" = [])),
    params(SongsQuery),
    responses(
        (status = 200, description = "songs; with `pick=all`, `total` too", body = SongsResponse),
        (status = 400, description = "an unknown pick, one missing its parameters, or `ids` \
            naming more than 500 songs or something other than track ids", body = ErrorBody),
    ))]
pub async fn songs(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<SongsQuery>,
) -> Result<Json<SongsResponse>, ApiError> {
    let limit = query.limit.unwrap_or(50).min(MAX_PAGE);
    let mut total = None;
    let list = match query.pick.unwrap_or_default() {
        SongPick::Random => {
            state
                .store
                .random_songs(auth.user, limit, query.genre.as_deref(), (None, None))
                .await?
        }
        SongPick::Genre => {
            let genre = query
                .genre
                .as_deref()
                .ok_or_else(|| Error::BadRequest("pick=genre needs `genre`".into()))?;
            let page = Page::new(query.offset.unwrap_or(0), limit);
            state.store.songs_by_genre(auth.user, genre, page).await?
        }
        SongPick::Loved => state.store.starred(auth.user).await?.songs,
        SongPick::All => {
            let page = Page::new(query.offset.unwrap_or(0), limit);
            total = Some(state.store.song_count(auth.user).await?);
            state.store.all_songs(auth.user, page).await?
        }
        SongPick::Ids => {
            let TrackIds(ids) = query
                .ids
                .ok_or_else(|| Error::BadRequest("pick=ids needs `ids`".into()))?;
            // Another user's ids are simply not found, as unknown ones are.
            state.store.songs(auth.user, &ids).await?
        }
    };
    Ok(Json(SongsResponse {
        songs: list.iter().map(song).collect(),
        total,
    }))
}

/// What to search for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words, each a prefix, case and accents ignored; empty finds everything.
    pub q: Option<String>,
    /// Per kind; at most 500, 20 when absent.
    pub limit: Option<u32>,
    /// Songs to skip (paging through songs).
    pub offset: Option<u32>,
}

/// Search artists, albums and songs.
#[utoipa::path(get, path = "/api/v1/library/search", tag = "library", security(("bearer" = [])),
    params(SearchQuery),
    responses((status = 200, description = "best matches first", body = SearchResponse)))]
pub async fn search(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<SearchQuery>,
) -> Result<Json<SearchResponse>, ApiError> {
    let limit = query.limit.unwrap_or(20);
    let text = query.q.unwrap_or_default();
    if text.chars().count() > 512 {
        return Err(Error::BadRequest("a search is at most 512 characters".into()).into());
    }
    let found = state
        .store
        .search(
            auth.user,
            &Search {
                query: text,
                artists: Page::new(0, limit),
                albums: Page::new(0, limit),
                songs: Page::new(query.offset.unwrap_or(0), limit),
            },
        )
        .await?;
    Ok(Json(SearchResponse {
        artists: found.artists.iter().map(artist).collect(),
        albums: found.albums.iter().map(album).collect(),
        songs: found.songs.iter().map(song).collect(),
    }))
}
