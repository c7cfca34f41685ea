//! Browsing, lists and search: the catalog's queries as Subsonic answers. Folder-based
//! browsing (`getIndexes`, `getMusicDirectory`) is the same tree as the ID3 endpoints, with
//! the same ids: album artists, then their albums, then the songs.

use super::Call;
use super::response::{Failure, Node, Payload, object, payload};
use super::views::{self, IGNORED_ARTICLES};
use crate::catalog::{AlbumId, AlbumOrder, ArtistId, MAX_PAGE, Page, Search};
use crate::state::AppState;
use serde_json::{Value, json};
use tonearm_protocol::TrackId;

/// A song id a client sent; anything that is not one cannot be found.
pub fn song_id(text: &str) -> Result<TrackId, Failure> {
    uuid::Uuid::parse_str(text.trim())
        .map(TrackId)
        .map_err(|_| Failure::not_found("song"))
}

fn albums(list: &[crate::catalog::Album]) -> Vec<Value> {
    list.iter().map(views::album).collect()
}

fn artists_json(list: &[crate::catalog::Artist]) -> Vec<Value> {
    list.iter().map(views::artist).collect()
}

/// `getUser`: one's own account (there are no administrators over the API).
pub fn user(call: &Call) -> Result<Payload, Failure> {
    let asked = call.params.required("username")?;
    if asked != call.user.username {
        return Err(Failure::not_authorized("only your own account can be read"));
    }
    Ok(payload(
        "user",
        json!({
            "username": call.user.username,
            "scrobblingEnabled": true,
            "adminRole": false,
            "settingsRole": false,
            "downloadRole": true,
            "uploadRole": false,
            "playlistRole": true,
            "coverArtRole": false,
            "commentRole": false,
            "podcastRole": false,
            "streamRole": true,
            "jukeboxRole": false,
            "shareRole": false,
            "videoConversionRole": false,
            "folder": [1],
        }),
    ))
}

/// `getMusicFolders`: one folder, the user's whole cloud library.
pub fn music_folders() -> Payload {
    payload(
        "musicFolders",
        json!({ "musicFolder": [{ "id": 1, "name": "Music" }] }),
    )
}

pub async fn indexes(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let artists = state.store.artists(call.user.id).await?;
    Ok(payload(
        "indexes",
        json!({
            "ignoredArticles": IGNORED_ARTICLES,
            "lastModified": crate::state::now() * 1000,
            "index": views::indexes(&artists),
        }),
    ))
}

/// `getMusicDirectory`: an artist's albums, or an album's songs.
pub async fn directory(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let id = call.params.required("id")?;
    if let Some(artist_id) = ArtistId::parse(id) {
        let (artist, albums) = state
            .store
            .artist(call.user.id, &artist_id)
            .await?
            .ok_or_else(|| Failure::not_found("directory"))?;
        return Ok(payload(
            "directory",
            json!({
                "id": artist.id.as_str(),
                "name": artist.name,
                "child": albums.iter().map(views::album_as_directory).collect::<Vec<_>>(),
            }),
        ));
    }
    if let Some(album_id) = AlbumId::parse(id) {
        let (album, songs_of) = state
            .store
            .album(call.user.id, &album_id)
            .await?
            .ok_or_else(|| Failure::not_found("directory"))?;
        return Ok(payload(
            "directory",
            Node::object([
                ("id", json!(album.id.as_str()).into()),
                ("parent", json!(album.artist_id.as_str()).into()),
                ("name", json!(album.name).into()),
                ("child", Node::Songs(songs_of)),
            ]),
        ));
    }
    Err(Failure::not_found("directory"))
}

pub async fn artists(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let artists = state.store.artists(call.user.id).await?;
    Ok(payload(
        "artists",
        object([
            ("ignoredArticles", IGNORED_ARTICLES.into()),
            ("index", views::indexes(&artists).into()),
        ]),
    ))
}

pub async fn artist(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let id =
        ArtistId::parse(call.params.required("id")?).ok_or_else(|| Failure::not_found("artist"))?;
    let (artist, list) = state
        .store
        .artist(call.user.id, &id)
        .await?
        .ok_or_else(|| Failure::not_found("artist"))?;
    let mut object = views::artist(&artist);
    object["album"] = albums(&list).into();
    Ok(payload("artist", object))
}

pub async fn album(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let id =
        AlbumId::parse(call.params.required("id")?).ok_or_else(|| Failure::not_found("album"))?;
    let (album, list) = state
        .store
        .album(call.user.id, &id)
        .await?
        .ok_or_else(|| Failure::not_found("album"))?;
    let mut fields = Node::fields_of(views::album(&album));
    fields.push(("song".into(), Node::Songs(list)));
    Ok(payload("album", Node::Object(fields)))
}

pub async fn song(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let id = song_id(call.params.required("id")?)?;
    let found = state
        .store
        .song(call.user.id, id)
        .await?
        .ok_or_else(|| Failure::not_found("song"))?;
    Ok(payload("song", Node::Song(Box::new(found))))
}

pub async fn genres(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let list = state.store.genres(call.user.id).await?;
    let genres: Vec<Value> = list
        .iter()
        .map(|g| json!({ "value": g.name, "songCount": g.song_count, "albumCount": g.album_count }))
        .collect();
    Ok(payload("genres", object([("genre", genres.into())])))
}

pub async fn album_list(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let params = &call.params;
    let order = match params.required("type")? {
        "random" => AlbumOrder::Random,
        "newest" => AlbumOrder::Newest,
        "frequent" => AlbumOrder::Frequent,
        "recent" => AlbumOrder::Recent,
        "starred" => AlbumOrder::Starred,
        "highest" => AlbumOrder::Highest,
        "alphabeticalByName" => AlbumOrder::AlphabeticalByName,
        "alphabeticalByArtist" => AlbumOrder::AlphabeticalByArtist,
        "byYear" => AlbumOrder::ByYear {
            from: params
                .parsed("fromYear")?
                .ok_or_else(|| Failure::missing("fromYear"))?,
            to: params
                .parsed("toYear")?
                .ok_or_else(|| Failure::missing("toYear"))?,
        },
        "byGenre" => AlbumOrder::ByGenre(params.required("genre")?.to_owned()),
        other => {
            return Err(Failure::generic(format!(
                "type {other:?} is not an album list (random, newest, frequent, recent, starred, \
                 highest, alphabeticalByName, alphabeticalByArtist, byYear, byGenre)"
            )));
        }
    };
    let page = Page::new(
        params.number("offset", 0, u32::MAX)?,
        params.number("size", 10, MAX_PAGE)?,
    );
    let list = state.store.albums(call.user.id, &order, page).await?;
    Ok(payload(
        "albumList2",
        object([("album", albums(&list).into())]),
    ))
}

pub async fn random_songs(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let params = &call.params;
    let size = params.number("size", 10, MAX_PAGE)?;
    let list = state
        .store
        .random_songs(
            call.user.id,
            size,
            params.get("genre").filter(|g| !g.is_empty()),
            (params.parsed("fromYear")?, params.parsed("toYear")?),
        )
        .await?;
    Ok(payload(
        "randomSongs",
        Node::object([("song", Node::Songs(list))]),
    ))
}

pub async fn songs_by_genre(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let params = &call.params;
    let genre = params.required("genre")?;
    let page = Page::new(
        params.number("offset", 0, u32::MAX)?,
        params.number("count", 10, MAX_PAGE)?,
    );
    let list = state
        .store
        .songs_by_genre(call.user.id, genre, page)
        .await?;
    Ok(payload(
        "songsByGenre",
        Node::object([("song", Node::Songs(list))]),
    ))
}

/// `getTopSongs`: the artist's most played songs here (there is no outside chart).
pub async fn top_songs(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let params = &call.params;
    let artist = params.required("artist")?;
    let count = params.number("count", 50, MAX_PAGE)?;
    let list = state.store.top_songs(call.user.id, artist, count).await?;
    Ok(payload(
        "topSongs",
        Node::object([("song", Node::Songs(list))]),
    ))
}

pub async fn search(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let params = &call.params;
    // Clients ask for everything with `""` (two quotes) or nothing; a trailing `*` is a prefix,
    // which every word is anyway.
    let query = params.get("query").unwrap_or("").trim();
    let query = if query == "\"\"" {
        ""
    } else {
        query.trim_end_matches('*')
    };
    let page = |offset: &str, count: &str| -> Result<Page, Failure> {
        Ok(Page::new(
            params.number(offset, 0, u32::MAX)?,
            params.number(count, 20, MAX_PAGE)?,
        ))
    };
    let search = Search {
        query: query.to_owned(),
        artists: page("artistOffset", "artistCount")?,
        albums: page("albumOffset", "albumCount")?,
        songs: page("songOffset", "songCount")?,
    };
    let found = state.store.search(call.user.id, &search).await?;
    Ok(payload(
        "searchResult3",
        Node::object([
            ("artist", Value::from(artists_json(&found.artists)).into()),
            ("album", Value::from(albums(&found.albums)).into()),
            ("song", Node::Songs(found.songs)),
        ]),
    ))
}

pub async fn starred(state: &AppState, call: &Call) -> Result<Payload, Failure> {
    let found = state.store.starred(call.user.id).await?;
    Ok(payload(
        "starred2",
        Node::object([
            ("artist", Value::from(artists_json(&found.artists)).into()),
            ("album", Value::from(albums(&found.albums)).into()),
            ("song", Node::Songs(found.songs)),
        ]),
    ))
}
