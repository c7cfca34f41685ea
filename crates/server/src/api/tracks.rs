//! `/api/v1/tracks`: cloud track records, and streaming their audio with `Range` support,
//! authorised by bearer token or by a signed URL.

use super::extract::{Json, Path, Query};
use crate::auth::{AuthUser, bearer_token, token_hash};
use crate::error::{ApiError, Error};
use crate::range::{RangeRequest, parse_range};
use crate::state::{AppState, now};
use crate::store::UserId;
use crate::stream_grants::{Grant, Principal};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use tonearm_protocol::{
    CloudTrack, CreateTrackRequest, ErrorBody, MetadataPatch, StreamUrlResponse, TrackId,
    TracksResponse, UpdateTrackRequest,
};
use utoipa::IntoParams;
use uuid::Uuid;

/// Create a cloud track over a blob the user owns.
#[utoipa::path(post, path = "/api/v1/tracks", tag = "tracks", security(("bearer" = [])),
    request_body = CreateTrackRequest,
    responses(
        (status = 201, description = "created (or the same track already existed)", body = CloudTrack),
        (status = 404, description = "the user owns no such blob", body = ErrorBody),
        (status = 409, description = "the id is taken by another track", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    auth: AuthUser,
    Json(request): Json<CreateTrackRequest>,
) -> Result<(StatusCode, Json<CloudTrack>), ApiError> {
    if !state.store.owns_blob(auth.user, &request.blake3).await? {
        return Err(Error::NotFound("blob").into());
    }
    let id = request.id.unwrap_or_else(TrackId::new_random);
    let track = state
        .store
        .create_track(auth.user, id, &request.blake3, &request.metadata)
        .await?;
    Ok((StatusCode::CREATED, Json(track)))
}

/// List the user's tracks.
#[utoipa::path(get, path = "/api/v1/tracks", tag = "tracks", security(("bearer" = [])),
    responses((status = 200, description = "live tracks", body = TracksResponse)))]
pub async fn list(
    State(state): State<AppState>,
    auth: AuthUser,
) -> Result<Json<TracksResponse>, ApiError> {
    Ok(Json(TracksResponse {
        tracks: state.store.list_tracks(auth.user).await?,
    }))
}

/// One track.
#[utoipa::path(get, path = "/api/v1/tracks/{id}", tag = "tracks", security(("bearer" = [])),
    params(("id" = TrackId, Path, description = "track id")),
    responses((status = 200, description = "the track", body = CloudTrack),
              (status = 404, description = "no such track", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<TrackId>,
) -> Result<Json<CloudTrack>, ApiError> {
    Ok(Json(
        state
            .store
            .track(auth.user, id)
            .await?
            .ok_or(Error::NotFound("track"))?,
    ))
}

/// Replace a track's metadata.
#[utoipa::path(patch, path = "/api/v1/tracks/{id}", tag = "tracks", security(("bearer" = [])),
    params(("id" = TrackId, Path, description = "track id")),
    request_body = UpdateTrackRequest,
    responses((status = 200, description = "updated", body = CloudTrack),
              (status = 404, description = "no such track", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<TrackId>,
    Json(request): Json<UpdateTrackRequest>,
) -> Result<Json<CloudTrack>, ApiError> {
    let track = state
        .store
        .update_track(auth.user, id, &request.metadata)
        .await?;
    Ok(Json(track.ok_or(Error::NotFound("track"))?))
}

/// Change some fields of a track's metadata: a field absent is left as it is, `null` clears
/// it, a value sets it. Edits of different fields from different devices all survive; the same
/// field is last-writer-wins. A patch that changes nothing records no change.
#[utoipa::path(patch, path = "/api/v1/tracks/{id}/metadata", tag = "tracks", security(("bearer" = [])),
    params(("id" = TrackId, Path, description = "track id")),
    request_body = MetadataPatch,
    responses((status = 200, description = "the track with the merged metadata", body = CloudTrack),
              (status = 404, description = "no such track", body = ErrorBody)))]
pub async fn patch_metadata(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<TrackId>,
    Json(patch): Json<MetadataPatch>,
) -> Result<Json<CloudTrack>, ApiError> {
    let track = state.store.patch_track(auth.user, id, &patch).await?;
    Ok(Json(track.ok_or(Error::NotFound("track"))?))
}

/// Delete a track (its blob is collected once nothing uses it).
#[utoipa::path(delete, path = "/api/v1/tracks/{id}", tag = "tracks", security(("bearer" = [])),
    params(("id" = TrackId, Path, description = "track id")),
    responses((status = 204, description = "deleted"),
              (status = 404, description = "no such track", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<TrackId>,
) -> Result<StatusCode, ApiError> {
    if state.store.delete_track(auth.user, id).await? {
        state.stream_grants.forget_all();
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound("track").into())
    }
}

/// A short-lived URL that streams the track without an `Authorization` header.
#[utoipa::path(post, path = "/api/v1/tracks/{id}/stream-url", tag = "tracks", security(("bearer" = [])),
    params(("id" = TrackId, Path, description = "track id")),
    responses((status = 200, description = "signed URL", body = StreamUrlResponse),
              (status = 404, description = "no such track", body = ErrorBody)))]
pub async fn stream_url(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(id): Path<TrackId>,
) -> Result<Json<StreamUrlResponse>, ApiError> {
    state
        .store
        .track(auth.user, id)
        .await?
        .ok_or(Error::NotFound("track"))?;
    let ttl = i64::try_from(state.config.stream_url_ttl.as_secs()).unwrap_or(i64::MAX);
    let expires_at = now().saturating_add(ttl);
    let signature = state.signer.sign(auth.user, id, expires_at);
    let base = state.config.public_url.as_deref().unwrap_or_default();
    let url = format!(
        "{base}/api/v1/tracks/{id}/stream?user={}&expires={expires_at}&sig={signature}",
        auth.user.0
    );
    Ok(Json(StreamUrlResponse { url, expires_at }))
}

/// The query of a signed stream URL (from `stream-url`). All three or none: without all
/// three, the request needs a bearer token.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedQuery {
    /// User the URL was signed for.
    user: Option<Uuid>,
    /// Unix seconds after which the URL stops working.
    expires: Option<i64>,
    /// Signature over user, track and expiry.
    sig: Option<String>,
}

/// Stream a track's audio. `Range` forms: `bytes=a-b`, `a-`, `-n`; of several ranges the first
/// satisfiable one is sent. 416 with `Content-Range: bytes */LEN` when none is satisfiable.
/// `ETag` is the quoted BLAKE3; `If-Range` with another tag gets the whole file.
#[utoipa::path(get, path = "/api/v1/tracks/{id}/stream", tag = "tracks", security(("bearer" = []), ()),
    params(("id" = TrackId, Path, description = "track id"), SignedQuery,
           ("Range" = Option<String>, Header, nullable = false, description = "`bytes=a-b`, `bytes=a-` or `bytes=-n`; a malformed range or another unit is ignored"),
           ("If-Range" = Option<String>, Header, nullable = false, description = "honour `Range` only if the file's ETag is this one")),
    responses(
        (status = 200, description = "the whole file; `Content-Type` follows the track's format", content(("audio/*"), ("application/octet-stream")),
            headers(
                ("Accept-Ranges" = String, description = "`bytes`"),
                ("ETag" = String, description = "the quoted BLAKE3 of the file"),
                ("Content-Length" = u64, description = "bytes in the body"),
                ("Cache-Control" = String, description = "`private, max-age=31536000, immutable`"),
            )),
        (status = 206, description = "the first satisfiable range", content(("audio/*"), ("application/octet-stream")),
            headers(
                ("Content-Range" = String, description = "`bytes a-b/LEN`"),
                ("Accept-Ranges" = String, description = "`bytes`"),
                ("ETag" = String, description = "the quoted BLAKE3 of the file"),
                ("Content-Length" = u64, description = "bytes in the body"),
                ("Cache-Control" = String, description = "`private, max-age=31536000, immutable`"),
            )),
        (status = 401, description = "no valid token or signature", body = ErrorBody),
        (status = 404, description = "no such track", body = ErrorBody),
        (status = 416, description = "no range is satisfiable; empty body",
            headers(("Content-Range" = String, description = "`bytes */LEN`"))),
    ))]
pub async fn stream(
    State(state): State<AppState>,
    Path(id): Path<TrackId>,
    Query(query): Query<SignedQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let grant = stream_grant(&state, id, &query, &headers).await?;
    Ok(send_audio(&state, &grant.hash, grant.size, grant.mime, &headers).await?)
}

/// Answers a request for a blob's bytes: the whole file or the range asked for, with the
/// headers a player needs to seek and cache (the `stream` route and Subsonic's `stream`).
pub(crate) async fn send_audio(
    state: &AppState,
    hash: &tonearm_protocol::BlobHash,
    len: u64,
    mime: &str,
    headers: &HeaderMap,
) -> Result<Response, Error> {
    let etag = format!("\"{hash}\"");
    let range_header = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let if_range_ok = headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|tag| tag.trim() == etag);
    let request = match range_header {
        Some(value) if if_range_ok => parse_range(value, len),
        _ => RangeRequest::Full,
    };
    let builder = Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, &etag)
        .header(
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable",
        );
    let (builder, range) = match request {
        RangeRequest::Full => (builder.status(StatusCode::OK), 0..len),
        RangeRequest::Partial(range) => (
            builder.status(StatusCode::PARTIAL_CONTENT).header(
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{len}", range.start, range.end - 1),
            ),
            range,
        ),
        RangeRequest::Unsatisfiable => {
            return Ok(builder
                .status(StatusCode::RANGE_NOT_SATISFIABLE)
                .header(header::CONTENT_RANGE, format!("bytes */{len}"))
                .body(Body::empty())
                .expect("static headers are valid"));
        }
    };
    let stream = state.blobs.read(hash, range.clone()).await?;
    Ok(builder
        .header(header::CONTENT_TYPE, mime)
        .header(header::CONTENT_LENGTH, range.end - range.start)
        .body(Body::from_stream(stream))
        .expect("headers built from numbers and hex are valid"))
}

/// What a stream request may read: with a valid signature if the URL carries one, otherwise
/// with the bearer token's user (token and track resolved in one store call, since streaming
/// is the hot path, and the answer kept for the next ranges: `stream_grants`).
async fn stream_grant(
    state: &AppState,
    id: TrackId,
    query: &SignedQuery,
    headers: &HeaderMap,
) -> Result<Grant, Error> {
    let grant = |track: CloudTrack| Grant {
        hash: track.blake3,
        size: track.size,
        mime: track.metadata.format.mime_type(),
    };
    if let (Some(user), Some(expires), Some(sig)) = (query.user, query.expires, &query.sig) {
        let user = UserId(user);
        // Checked on every request: a signature expires on its own clock.
        if !state.signer.verify(user, id, expires, sig, now()) {
            return Err(Error::Unauthorized);
        }
        let who = Principal::Signed(user.0);
        if let Some(known) = state.stream_grants.get(&who, id) {
            return Ok(known);
        }
        let track = state
            .store
            .track(user, id)
            .await?
            .ok_or(Error::NotFound("track"))?;
        let granted = grant(track);
        state.stream_grants.put(who, id, granted.clone());
        return Ok(granted);
    }
    // A player's bearer token, or a browser's session cookie (a read: no CSRF token needed).
    let token = bearer_token(headers)
        .or_else(|| crate::auth::session_cookie(headers))
        .ok_or(Error::Unauthorized)?;
    let hash = token_hash(token);
    let who = Principal::Token(hash.clone());
    if let Some(known) = state.stream_grants.get(&who, id) {
        return Ok(known);
    }
    let (_user, track) = state
        .store
        .track_for_token(&hash, id)
        .await?
        .ok_or(Error::Unauthorized)?;
    let granted = grant(track.ok_or(Error::NotFound("track"))?);
    state.stream_grants.put(who, id, granted.clone());
    Ok(granted)
}
