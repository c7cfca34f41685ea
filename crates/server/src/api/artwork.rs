//! `/api/v1/artwork/{hash}`: covers. A device uploads each cover once (`PUT`, the image as the
//! body; `GET`/`HEAD` first tells whether the user already has it), then names it in track
//! metadata (`artwork`). Only the user who uploaded the bytes is served them: knowing a
//! hash is not enough.

use super::extract::{Path, Query};
use crate::artwork::{MAX_BYTES, Thumbnails, inspect};
use crate::auth::AuthUser;
use crate::catalog::Artwork;
use crate::error::{ApiError, Error};
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use tonearm_protocol::{BlobHash, ErrorBody};
use utoipa::IntoParams;

/// Upload a cover.
#[utoipa::path(put, path = "/api/v1/artwork/{hash}", tag = "artwork", security(("bearer" = [])),
    params(("hash" = BlobHash, Path, description = "BLAKE3 of the image, hex")),
    request_body(content = Vec<u8>, content_type = "image/*", description = "a JPEG, PNG, WebP, GIF or BMP image of at most 10 MiB and 8000 pixels a side"),
    responses(
        (status = 204, description = "kept (or already kept)"),
        (status = 400, description = "not an image this server keeps, or not the hash in the URL", body = ErrorBody),
        (status = 413, description = "larger than 10 MiB", body = ErrorBody),
    ))]
pub async fn put(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(hash): Path<BlobHash>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    if body.len() > MAX_BYTES {
        return Err(Error::BodyTooLarge { limit: MAX_BYTES }.into());
    }
    let artwork = {
        let (hash, body) = (hash.clone(), body.clone());
        tokio::task::spawn_blocking(move || inspect(&hash, &body)).await??
    };
    if state.store.artwork(auth.user, &hash).await?.is_none() {
        state.blobs.put(&hash, body).await?;
        state.store.add_artwork(auth.user, &artwork).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The size a client asks a cover at.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SizeQuery {
    /// Longest side in pixels; the original when absent or larger.
    pub size: Option<u32>,
}

/// A cover the user uploaded, whole or scaled down.
#[utoipa::path(get, path = "/api/v1/artwork/{hash}", tag = "artwork", security(("bearer" = [])),
    params(("hash" = BlobHash, Path, description = "BLAKE3 of the image, hex"), SizeQuery),
    responses(
        (status = 200, description = "the image", content_type = "image/*"),
        (status = 404, description = "the user has no such cover", body = ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    auth: AuthUser,
    Path(hash): Path<BlobHash>,
    Query(query): Query<SizeQuery>,
) -> Result<Response, ApiError> {
    let artwork = state
        .store
        .artwork(auth.user, &hash)
        .await?
        .ok_or(Error::NotFound("cover"))?;
    Ok(send(&state, &artwork, query.size).await?)
}

/// Answers with `artwork`, scaled to `size` when that is smaller (the JSON API and
/// Subsonic's `getCoverArt`).
pub(crate) async fn send(
    state: &AppState,
    artwork: &Artwork,
    size: Option<u32>,
) -> Result<Response, Error> {
    let original = || async {
        let mut stream = state.blobs.read(&artwork.hash, 0..artwork.size).await?;
        let mut bytes = Vec::with_capacity(artwork.size as usize);
        while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
            bytes.extend_from_slice(&chunk?);
        }
        Ok(Bytes::from(bytes))
    };
    let (bytes, mime) = match size.and_then(|s| Thumbnails::size_for(artwork, s)) {
        Some(pixels) => (
            state.thumbnails.get(artwork, pixels, original).await?,
            "image/jpeg",
        ),
        None => (original().await?, artwork.mime.as_str()),
    };
    Ok(Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, mime)
        .header(header::CONTENT_LENGTH, bytes.len())
        .header(
            header::CACHE_CONTROL,
            "private, max-age=31536000, immutable",
        )
        .header(
            header::ETAG,
            format!("\"{}-{}\"", artwork.hash, size.unwrap_or(0)),
        )
        .body(Body::from(bytes))
        .expect("headers from numbers and hex are valid"))
}
