//! The OpenSubsonic API at `/rest/...`, for the phone and desktop apps that speak it
//! (docs/subsonic.md says which endpoints and how to connect).
//!
//! Every request goes through one handler: parameters from the query string and a form body
//! ([`params`]), the answer's format, authentication ([`auth`]), then the endpoint by name,
//! with or without `.view`. Endpoints read the catalog (`crate::catalog`), the same query
//! layer as the JSON API; playlists are the same playlists, edited through the operation log.
//! Nothing a client sends can produce an HTTP error page: unknown endpoints, missing or
//! malformed parameters and failures all answer the spec's error in the requested format.

mod auth;
mod browse;
mod marks;
mod media;
mod params;
mod playlists;
mod response;
mod views;

pub use auth::api_key_hash;

use crate::state::AppState;
use crate::store::UserRecord;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::any;
use params::Params;
use response::{Failure, Format, Payload};
use serde_json::json;
use std::net::SocketAddr;

/// The largest form body read, in bytes (a playlist of a few thousand song ids).
const MAX_FORM: usize = 256 * 1024;

/// The `/rest` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rest/{method}", any(handle))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_FORM))
}

/// One authenticated call: who, with what, answered how.
pub struct Call {
    pub user: UserRecord,
    pub params: Params,
    pub format: Format,
    /// The client's name (`c`).
    pub client: String,
}

/// What an endpoint answers: a payload for the envelope, or media bytes.
pub enum Reply {
    Payload(Payload),
    Media(Response),
}

impl From<Payload> for Reply {
    fn from(payload: Payload) -> Self {
        Self::Payload(payload)
    }
}

async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut params = Params::default();
    let parsed = params
        .extend_from(query.as_deref().unwrap_or("").as_bytes())
        .and_then(|()| {
            let form = headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if form {
                params.extend_from(&body)
            } else {
                Ok(())
            }
        });
    let format = Format::from_params(params.get("f"), params.get("callback"));
    if let Err(failure) = parsed {
        return response::failed(&format, &failure);
    }
    let method = method.strip_suffix(".view").unwrap_or(&method).to_owned();
    if method == "getOpenSubsonicExtensions" {
        return response::ok(&format, extensions());
    }
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|value| value.to_str().ok());
    let ip = crate::throttle::client_address(peer.ip(), forwarded, &state.config.trusted_proxies);
    let call = match admit(&state, params, format.clone(), ip).await {
        Ok(call) => call,
        Err(failure) => return response::failed(&format, &failure),
    };
    match dispatch(&state, &call, &method, &headers).await {
        Ok(Reply::Payload(payload)) => response::ok(&call.format, payload),
        Ok(Reply::Media(response)) => response,
        Err(failure) => response::failed(&call.format, &failure),
    }
}

/// Checks the protocol parameters and authenticates.
async fn admit(
    state: &AppState,
    params: Params,
    format: Format,
    ip: std::net::IpAddr,
) -> Result<Call, Failure> {
    let version = params.required("v")?;
    check_version(version)?;
    let client = params.required("c")?.chars().take(256).collect();
    let user = auth::authenticate(state, &params, ip).await?;
    Ok(Call {
        user,
        params,
        format,
        client,
    })
}

/// Clients of API 1.x up to ours are served; a later minor version needs a newer server (30).
fn check_version(version: &str) -> Result<(), Failure> {
    let mut parts = version.trim().split('.').map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(1)), Some(Ok(minor))) if minor <= 16 => Ok(()),
        (Some(Ok(1)), Some(Ok(_))) => Err(Failure {
            code: 30,
            message: format!(
                "client protocol {version} is newer than the server's {}",
                response::API_VERSION
            ),
        }),
        (Some(Ok(major)), Some(Ok(_))) if major > 1 => Err(Failure {
            code: 30,
            message: format!("client protocol {version} is not supported"),
        }),
        (Some(Ok(_)), Some(Ok(_))) => Err(Failure {
            code: 20,
            message: format!("client protocol {version} is too old"),
        }),
        _ => Err(Failure::generic(format!(
            "parameter v is not a version: {version:?}"
        ))),
    }
}

/// The OpenSubsonic extensions this server implements.
fn extensions() -> Payload {
    response::payload(
        "openSubsonicExtensions",
        json!([
            { "name": "formPost", "versions": [1] },
            { "name": "apiKeyAuthentication", "versions": [1] },
        ]),
    )
}

async fn dispatch(
    state: &AppState,
    call: &Call,
    method: &str,
    headers: &HeaderMap,
) -> Result<Reply, Failure> {
    let reply: Reply = match method {
        "ping" => Payload::new().into(),
        "getLicense" => response::payload("license", json!({ "valid": true })).into(),
        "tokenInfo" => {
            response::payload("tokenInfo", json!({ "username": call.user.username })).into()
        }
        "getUser" => browse::user(call)?.into(),
        "getMusicFolders" => browse::music_folders().into(),
        "getIndexes" => browse::indexes(state, call).await?.into(),
        "getMusicDirectory" => browse::directory(state, call).await?.into(),
        "getArtists" => browse::artists(state, call).await?.into(),
        "getArtist" => browse::artist(state, call).await?.into(),
        "getAlbum" => browse::album(state, call).await?.into(),
        "getSong" => browse::song(state, call).await?.into(),
        "getGenres" => browse::genres(state, call).await?.into(),
        "getAlbumList2" => browse::album_list(state, call).await?.into(),
        "getRandomSongs" => browse::random_songs(state, call).await?.into(),
        "getSongsByGenre" => browse::songs_by_genre(state, call).await?.into(),
        "getTopSongs" => browse::top_songs(state, call).await?.into(),
        "search3" => browse::search(state, call).await?.into(),
        "getStarred2" => browse::starred(state, call).await?.into(),
        "stream" | "download" => media::audio(state, call, headers).await?,
        "getCoverArt" => media::cover(state, call).await?,
        "star" => marks::star(state, call, true).await?.into(),
        "unstar" => marks::star(state, call, false).await?.into(),
        "setRating" => marks::rate(state, call).await?.into(),
        "scrobble" => marks::scrobble(state, call).await?.into(),
        "getPlayQueue" => marks::play_queue(state, call).await?.into(),
        "savePlayQueue" => marks::save_play_queue(state, call).await?.into(),
        "getPlaylists" => playlists::list(state, call).await?.into(),
        "getPlaylist" => playlists::get(state, call).await?.into(),
        "createPlaylist" => playlists::create(state, call).await?.into(),
        "updatePlaylist" => playlists::update(state, call).await?.into(),
        "deletePlaylist" => playlists::delete(state, call).await?.into(),
        other => {
            return Err(Failure::generic(format!(
                "{other} is not supported by this server (docs/subsonic.md lists what is)"
            )));
        }
    };
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_checked_as_the_spec_says() {
        assert!(check_version("1.16.1").is_ok());
        assert!(check_version("1.2.0").is_ok());
        assert_eq!(check_version("1.17.0").unwrap_err().code, 30);
        assert_eq!(check_version("2.0.0").unwrap_err().code, 30);
        assert_eq!(check_version("0.9").unwrap_err().code, 20);
        assert_eq!(check_version("x").unwrap_err().code, 0);
    }
}
