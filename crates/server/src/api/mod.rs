//! The HTTP surface: every route is registered here once, through `utoipa-axum`, so the router
//! and the OpenAPI document (served at `/api/v1/openapi.json`) cannot disagree. Each handler's
//! `#[utoipa::path]` describes its own answers; `document` adds those many routes share.

mod artwork;
mod document;
mod extract;
mod health;
mod library;
mod marks;
mod matching;
mod playlists;
mod sessions;
mod tracks;

pub(crate) use artwork::send as send_artwork;
pub(crate) use tracks::send_audio;
mod uploads;
mod web;

use crate::error::{ApiError, Error};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Tonearm locker", description = "The Tonearm cloud locker API. Uploads use tus 1.0."),
    modifiers(&BearerAuth),
    components(schemas(tonearm_protocol::ErrorBody, tonearm_protocol::ChangeEvent)),
)]
struct ApiDoc;

struct BearerAuth;

/// The name of the bearer token's security scheme.
const BEARER: &str = "bearer";

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The OpenAPI document, as served.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "server",
    responses((status = 200, description = "this document", content_type = "application/json")))]
async fn openapi(State(state): State<AppState>) -> impl IntoResponse {
    let document = state.openapi.get().cloned().unwrap_or_default();
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        document.as_ref().clone(),
    )
}

/// Paths no route takes: the web player's (`crate::web_app`: its files, and its page for any
/// other GET outside `/api` and `/rest`); the typed error body for the others.
async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    crate::web_app::answer(&method, uri.path(), &headers)
        .unwrap_or_else(|| ApiError(Error::NotFound("route")).into_response())
}

/// The router over `state`, and the OpenAPI document describing it.
pub fn router(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let uploads = OpenApiRouter::new()
        .routes(routes!(uploads::options, uploads::create))
        .routes(routes!(uploads::head, uploads::patch, uploads::terminate))
        .layer(axum::middleware::map_response(
            uploads::tus_resumable_header,
        ));
    // Covers are larger than JSON bodies.
    let artwork = OpenApiRouter::new()
        .routes(routes!(artwork::put, artwork::get))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::artwork::MAX_BYTES + 1,
        ));
    let (router, mut document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(openapi))
        .routes(routes!(sessions::login, sessions::list))
        .routes(routes!(sessions::revoke))
        .routes(routes!(sessions::storage))
        .routes(routes!(web::sign_in, web::current, web::sign_out))
        .routes(routes!(sessions::create_api_key, sessions::list_api_keys))
        .routes(routes!(sessions::revoke_api_key))
        .merge(uploads)
        .routes(routes!(matching::match_blob))
        .routes(routes!(matching::answer))
        .routes(routes!(tracks::create, tracks::list))
        .routes(routes!(tracks::get, tracks::update, tracks::delete))
        .routes(routes!(tracks::stream))
        .routes(routes!(tracks::stream_url))
        .routes(routes!(tracks::patch_metadata))
        .merge(artwork)
        .routes(routes!(library::artists))
        .routes(routes!(library::artist_page))
        .routes(routes!(library::albums))
        .routes(routes!(library::album_page))
        .routes(routes!(library::genres))
        .routes(routes!(library::songs))
        .routes(routes!(library::search))
        .routes(routes!(marks::plays))
        .routes(routes!(marks::patch))
        .routes(routes!(playlists::list))
        .routes(routes!(playlists::apply_ops))
        .routes(routes!(playlists::changes))
        .split_for_parts();
    document::complete(&mut document, state.config.max_file_size);
    let json = document.to_pretty_json().unwrap_or_default();
    // A fresh state has no document yet; a second router over the same state keeps the first.
    let _ = state.openapi.set(Arc::new(json));
    let router = router
        .merge(crate::subsonic::router())
        .fallback(fallback)
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::limits::JSON_BODY,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state);
    (router, document)
}
