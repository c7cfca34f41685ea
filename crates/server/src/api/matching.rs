//! `/api/v1/match`: scan-and-match with proof of ownership (DESIGN.md, "Upload, match and proof
//! of ownership"). A hash alone never links a blob the user does not already own.

use super::extract::{Json, Path};
use crate::auth::{AuthUser, hex, random_bytes};
use crate::error::{ApiError, Error, Result};
use crate::state::{AppState, now};
use crate::store::ChallengeRecord;
use futures::TryStreamExt;
use tonearm_protocol::{
    ByteRange, ChallengeAnswer, ChallengeId, ErrorBody, MatchRequest, MatchResponse,
    answer_challenge,
};

/// Ranges per challenge.
const CHALLENGE_RANGES: usize = 4;
/// Longest challenged range.
const RANGE_LENGTH: u64 = 64 * 1024;
/// Seconds a challenge stays answerable.
const CHALLENGE_TTL: i64 = 300;

/// Random ranges over a file of `size` bytes (not empty).
fn challenge_ranges(size: u64) -> Vec<ByteRange> {
    let length = RANGE_LENGTH.min(size);
    let span = size - length + 1;
    (0..CHALLENGE_RANGES)
        .map(|_| ByteRange {
            offset: u64::from_le_bytes(random_bytes::<8>()) % span,
            length,
        })
        .collect()
}

/// Ask whether the server holds a file.
#[utoipa::path(post, path = "/api/v1/match", tag = "match", security(("bearer" = [])),
    request_body = MatchRequest,
    responses(
        (status = 200, description = "linked, a challenge to answer, upload needed, or removed (only when `automatic`)", body = MatchResponse),
        (status = 413, description = "linking the file would pass the user's quota", body = ErrorBody),
    ))]
pub async fn match_blob(
    axum::extract::State(state): axum::extract::State<AppState>,
    auth: AuthUser,
    Json(request): Json<MatchRequest>,
) -> Result<Json<MatchResponse>, ApiError> {
    let hash = request.blake3;
    if request.automatic && state.store.removed_by_user(auth.user, &hash).await? {
        return Ok(Json(MatchResponse::Removed));
    }
    if state.store.owns_blob(auth.user, &hash).await? {
        let track_ids = state.store.tracks_for_blob(auth.user, &hash).await?;
        return Ok(Json(MatchResponse::Linked { track_ids }));
    }
    let Some(size) = state.store.blob_size(&hash).await? else {
        return Ok(Json(MatchResponse::UploadNeeded));
    };
    if size != request.size {
        // The hash is the key, so the client's size is wrong; uploading settles it.
        return Ok(Json(MatchResponse::UploadNeeded));
    }
    if size == 0 {
        // Everyone owns the empty file.
        state.store.add_blob(auth.user, &hash, 0, now()).await?;
        return Ok(Json(MatchResponse::Linked {
            track_ids: Vec::new(),
        }));
    }
    // Linking counts against the quota: say so before the client does the work of a proof.
    super::uploads::check_quota(&state, auth.user, size).await?;
    let nonce = random_bytes::<32>();
    let challenge = ChallengeRecord {
        id: ChallengeId::new_random(),
        user: auth.user,
        hash,
        nonce,
        ranges: challenge_ranges(size),
        expires_at: now() + CHALLENGE_TTL,
    };
    state.store.create_challenge(&challenge).await?;
    Ok(Json(MatchResponse::Challenge {
        challenge_id: challenge.id,
        nonce: hex(&nonce),
        ranges: challenge.ranges,
        expires_at: challenge.expires_at,
    }))
}

/// Answer a challenge; links the blob only if every answer is right. Each challenge can be
/// answered once.
#[utoipa::path(post, path = "/api/v1/match/{challenge_id}", tag = "match", security(("bearer" = [])),
    params(("challenge_id" = ChallengeId, Path, description = "from the challenge")),
    request_body = ChallengeAnswer,
    responses(
        (status = 200, description = "proved: the blob is linked", body = MatchResponse),
        (status = 403, description = "wrong or late answer: nothing linked", body = ErrorBody),
        (status = 404, description = "no such challenge (or already answered)", body = ErrorBody),
        (status = 413, description = "linking the file would pass the user's quota", body = ErrorBody),
    ))]
pub async fn answer(
    axum::extract::State(state): axum::extract::State<AppState>,
    auth: AuthUser,
    Path(id): Path<ChallengeId>,
    Json(answer): Json<ChallengeAnswer>,
) -> Result<Json<MatchResponse>, ApiError> {
    let challenge = state
        .store
        .take_challenge(auth.user, id)
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    if challenge.expires_at <= now() || answer.answers.len() != challenge.ranges.len() {
        return Err(Error::ChallengeFailed.into());
    }
    let _shared = state
        .store
        .blob_lock(crate::store::LockMode::Shared)
        .await?;
    let size = state
        .store
        .blob_size(&challenge.hash)
        .await?
        .ok_or(Error::NotFound("blob"))?;
    for (range, given) in challenge.ranges.iter().zip(&answer.answers) {
        let expected = answer_challenge(
            &challenge.nonce,
            &read_range(&state, &challenge, *range).await?,
        );
        // Compare as hashes: `blake3::Hash` equality is constant-time.
        let matches = blake3::Hash::from_hex(given)
            .ok()
            .zip(blake3::Hash::from_hex(&expected).ok())
            .is_some_and(|(given, expected)| given == expected);
        if !matches {
            tracing::info!(blob = %challenge.hash, "failed proof of ownership");
            return Err(Error::ChallengeFailed.into());
        }
    }
    // Checked again: an upload may have taken the room since the challenge. (A blob the user
    // came to own meanwhile costs nothing more.)
    if !state.store.owns_blob(auth.user, &challenge.hash).await? {
        super::uploads::check_quota(&state, auth.user, size).await?;
    }
    state
        .store
        .add_blob(auth.user, &challenge.hash, size, now())
        .await?;
    let track_ids = state
        .store
        .tracks_for_blob(auth.user, &challenge.hash)
        .await?;
    Ok(Json(MatchResponse::Linked { track_ids }))
}

async fn read_range(
    state: &AppState,
    challenge: &ChallengeRecord,
    range: ByteRange,
) -> Result<Vec<u8>> {
    let stream = state
        .blobs
        .read(&challenge.hash, range.offset..range.offset + range.length)
        .await?;
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await?;
    Ok(chunks.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenge_ranges_lie_inside_the_file() {
        for size in [1, 2, 100, RANGE_LENGTH, RANGE_LENGTH + 1, 10_000_000] {
            for range in challenge_ranges(size) {
                assert!(range.length >= 1);
                assert!(range.offset + range.length <= size, "{range:?} of {size}");
            }
        }
    }
}
