//! `/api/v1/plays` and `/api/v1/tracks/{id}/marks`: plays, ratings and loves from devices,
//! the same marks Subsonic apps see (`crate::catalog`). See `tonearm_protocol::marks`.

use super::extract::{Json, Path};
use crate::auth::AuthUser;
use crate::catalog::{Item, Play};
use crate::error::{ApiError, Error};
use crate::state::{AppState, now};
use axum::extract::State;
use tonearm_protocol::{ErrorBody, MarksPatch, PlaysRequest, PlaysResponse, TrackId, TrackMarks};

/// Record plays (each counted once by its id).
#[utoipa::path(post, path = "/api/v1/plays", tag = "marks", security(("bearer" = [])),
    request_body = PlaysRequest,
    responses(
        (status = 200, description = "recorded; plays of songs the user does not have are skipped", body = PlaysResponse),
        (status = 400, description = "malformed body (a bad play id, more than 1000 plays)", body = ErrorBody),
    ))]
pub async fn plays(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<PlaysRequest>,
) -> Result<Json<PlaysResponse>, ApiError> {
    // A play in the future is a device's clock: it counts, at the time it arrives.
    let limit = now() + 24 * 3600;
    let plays: Vec<Play> = request
        .plays
        .into_iter()
        .map(|play| Play {
            id: play.id.as_str().to_owned(),
            track: play.track_id,
            played_at: play.played_at.clamp(0, limit),
        })
        .collect();
    let counted = state.store.record_plays(auth.user, &plays).await?;
    Ok(Json(PlaysResponse {
        counted: u32::try_from(counted).unwrap_or(u32::MAX),
    }))
}

/// Rate or love a song (fields absent are left).
#[utoipa::path(patch, path = "/api/v1/tracks/{id}/marks", tag = "marks", security(("bearer" = [])),
    params(("id" = TrackId, Path, description = "track id")),
    request_body = MarksPatch,
    responses(
        (status = 200, description = "the song's marks now", body = TrackMarks),
        (status = 400, description = "malformed body (a rating outside 1 to 5)", body = ErrorBody),
        (status = 404, description = "no such track", body = ErrorBody),
    ))]
pub async fn patch(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<TrackId>,
    Json(patch): Json<MarksPatch>,
) -> Result<Json<TrackMarks>, ApiError> {
    let item = Item::Song(id);
    if let Some(rating) = patch.rating
        && !state
            .store
            .rate(auth.user, &item, rating.unwrap_or(0))
            .await?
    {
        return Err(Error::NotFound("track").into());
    }
    if let Some(loved) = patch.loved {
        state
            .store
            .star(auth.user, &[item], loved.then(now))
            .await?;
    }
    let marks = state
        .store
        .track_marks(auth.user, id)
        .await?
        .ok_or(Error::NotFound("track"))?;
    Ok(Json(marks))
}
