//! Scan-and-match: ask whether the server already holds a file, and prove ownership of it
//! without uploading it.
//!
//! The proof is `BLAKE3-keyed(nonce, bytes[offset..offset+length])` for each requested range,
//! in hex. Only someone holding the bytes can answer; knowing the hash is not enough.

use crate::ids::{BlobHash, ChallengeId, TrackId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /api/v1/match`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MatchRequest {
    /// Whole-file BLAKE3.
    pub blake3: BlobHash,
    /// File size in bytes.
    pub size: u64,
    /// The device asks on its own (it uploads new music by itself), not because the user
    /// asked: a file whose track the user removed from the cloud is then answered `removed`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub automatic: bool,
}

/// A byte range of the file to prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ByteRange {
    /// First byte.
    pub offset: u64,
    /// Number of bytes (at least 1).
    pub length: u64,
}

/// What the server answers to `match`, and to a correct challenge answer (`linked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum MatchResponse {
    /// The blob is now (or already was) in the user's locker; `track_ids` lists the user's
    /// existing cloud tracks for it, whose id a device should adopt.
    Linked {
        /// The user's cloud tracks over this blob, possibly none.
        track_ids: Vec<TrackId>,
    },
    /// The server holds the bytes for someone else: prove you have them too.
    Challenge {
        /// Answer at `POST /api/v1/match/{challenge_id}`.
        challenge_id: ChallengeId,
        /// 32-byte key for the keyed hashes, hex.
        nonce: String,
        /// Ranges to hash, in order.
        ranges: Vec<ByteRange>,
        /// Unix seconds after which the challenge is void.
        expires_at: i64,
    },
    /// Nobody has these bytes: upload them with tus.
    UploadNeeded,
    /// Only to an automatic request: the user removed their track over these bytes from the
    /// cloud (and has none left), so it stays out until they ask for it.
    Removed,
}

/// `POST /api/v1/match/{challenge_id}`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChallengeAnswer {
    /// One hex keyed hash per range, in the challenge's order (see [`answer_challenge`]).
    pub answers: Vec<String>,
}

/// The answer for one range: BLAKE3 keyed with the 32-byte nonce over the range's bytes, hex.
#[must_use]
pub fn answer_challenge(nonce: &[u8; 32], range_bytes: &[u8]) -> String {
    blake3::keyed_hash(nonce, range_bytes).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn wire_format_of_match_responses() {
        let challenge = MatchResponse::Challenge {
            challenge_id: ChallengeId(Uuid::nil()),
            nonce: "00".repeat(32),
            ranges: vec![ByteRange {
                offset: 5,
                length: 10,
            }],
            expires_at: 100,
        };
        assert_eq!(
            serde_json::to_value(&challenge).unwrap(),
            json!({"result": "challenge",
                   "challenge_id": "00000000-0000-0000-0000-000000000000",
                   "nonce": "00".repeat(32),
                   "ranges": [{"offset": 5, "length": 10}],
                   "expires_at": 100})
        );
        assert_eq!(
            serde_json::to_value(MatchResponse::UploadNeeded).unwrap(),
            json!({"result": "upload_needed"})
        );
        assert_eq!(
            serde_json::to_value(MatchResponse::Linked { track_ids: vec![] }).unwrap(),
            json!({"result": "linked", "track_ids": []})
        );
    }

    #[test]
    fn answer_depends_on_nonce_and_bytes() {
        let a = answer_challenge(&[1; 32], b"abc");
        assert_eq!(a.len(), 64);
        assert_ne!(a, answer_challenge(&[2; 32], b"abc"));
        assert_ne!(a, answer_challenge(&[1; 32], b"abd"));
    }
}
