//! `/api/v1/playlists` and `/api/v1/changes`: the playlist operation log and the change feed
//! that lets devices sync tracks and playlists incrementally.

use super::extract::{Json, Query};
use crate::auth::AuthUser;
use crate::error::{ApiError, Error};
use crate::state::AppState;
use axum::extract::State;
use serde::Deserialize;
use tonearm_protocol::{
    ChangesResponse, ErrorBody, PlaylistOpsRequest, PlaylistOpsResponse, PlaylistsResponse,
};
use utoipa::IntoParams;

/// Most operations in one batch.
const MAX_OPS: usize = 1000;
/// Default and largest page of the change feed.
const DEFAULT_PAGE: u32 = 500;
const MAX_PAGE: u32 = 5000;

/// Apply a batch of playlist operations, in order, each at most once.
#[utoipa::path(post, path = "/api/v1/playlists/ops", tag = "playlists", security(("bearer" = [])),
    request_body = PlaylistOpsRequest,
    responses((status = 200, description = "one result per operation", body = PlaylistOpsResponse),
              (status = 400, description = "malformed or too many operations", body = ErrorBody)))]
pub async fn apply_ops(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<PlaylistOpsRequest>,
) -> Result<Json<PlaylistOpsResponse>, ApiError> {
    if request.ops.len() > MAX_OPS {
        return Err(Error::BadRequest(format!("at most {MAX_OPS} operations per batch")).into());
    }
    let results = state
        .store
        .apply_playlist_ops(auth.user, &request.ops)
        .await?;
    Ok(Json(PlaylistOpsResponse { results }))
}

/// Current playlists with their entries.
#[utoipa::path(get, path = "/api/v1/playlists", tag = "playlists", security(("bearer" = [])),
    responses((status = 200, description = "live playlists", body = PlaylistsResponse)))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<PlaylistsResponse>, ApiError> {
    Ok(Json(state.store.playlists(auth.user).await?))
}

/// Query of the change feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Return changes after this sequence number (0 for everything).
    #[serde(default)]
    since: u64,
    /// Page size: default 500; values outside 1 to 5000 are clamped to that range.
    limit: Option<u32>,
}

/// Changes to tracks and playlists since a sequence number.
#[utoipa::path(get, path = "/api/v1/changes", tag = "changes", security(("bearer" = [])),
    params(ChangesQuery),
    responses((status = 200, description = "changes in order", body = ChangesResponse)))]
pub async fn changes(
    State(state): State<AppState>,
    auth: AuthUser,
    Query(query): Query<ChangesQuery>,
) -> Result<Json<ChangesResponse>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    Ok(Json(
        state.store.changes(auth.user, query.since, limit).await?,
    ))
}
