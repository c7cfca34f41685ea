//! Identifier newtypes: a track id is never confused with a playlist id, and a content hash is
//! validated once, at the boundary, instead of being a string every layer re-checks.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;
use uuid::Uuid;

/// Why a string is not a valid identifier.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    /// A content hash must be exactly 64 lowercase hexadecimal characters.
    #[error("invalid blake3 hash {0:?}: expected 64 lowercase hex characters")]
    BadHash(String),
    /// A UUID-based id did not parse.
    #[error("invalid id {0:?}: expected a uuid")]
    BadUuid(String),
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id (UUID v4).
            #[must_use]
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Uuid::parse_str(s).map(Self).map_err(|_| IdError::BadUuid(s.to_owned()))
            }
        }
    };
}

uuid_id!(
    /// A track, minted by the first device that sees it; the cloud is the registry.
    TrackId
);
uuid_id!(
    /// A playlist.
    PlaylistId
);
uuid_id!(
    /// One entry of a playlist (the same track may appear in several entries).
    EntryId
);
uuid_id!(
    /// A client-generated id that makes a playlist operation idempotent.
    OpId
);
uuid_id!(
    /// A login session of one device; listing and revoking sessions use it.
    SessionId
);
uuid_id!(
    /// A proof-of-ownership challenge issued by `match`.
    ChallengeId
);

/// The BLAKE3 hash of a whole file, as 64 lowercase hex characters: the key of a blob.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, pattern = "^[0-9a-f]{64}$")]
pub struct BlobHash(String);

impl BlobHash {
    /// The hash of `data`, computed here.
    #[must_use]
    pub fn of(data: &[u8]) -> Self {
        Self::from(blake3::hash(data))
    }

    /// The lowercase hex form.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<blake3::Hash> for BlobHash {
    fn from(hash: blake3::Hash) -> Self {
        Self(hash.to_hex().to_string())
    }
}

impl TryFrom<String> for BlobHash {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        let valid = s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if valid {
            Ok(Self(s))
        } else {
            Err(IdError::BadHash(s))
        }
    }
}

impl FromStr for BlobHash {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, IdError> {
        Self::try_from(s.to_owned())
    }
}

impl From<BlobHash> for String {
    fn from(hash: BlobHash) -> Self {
        hash.0
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_hash_accepts_only_lowercase_64_hex() {
        let good = "a".repeat(64);
        assert!(good.parse::<BlobHash>().is_ok());
        for bad in [
            "A".repeat(64),
            "a".repeat(63),
            "a".repeat(65),
            "g".repeat(64),
            String::new(),
        ] {
            assert_eq!(
                bad.parse::<BlobHash>(),
                Err(IdError::BadHash(bad.clone())),
                "{bad}"
            );
        }
    }

    #[test]
    fn blob_hash_rejects_bad_input_during_deserialization() {
        let err = serde_json::from_str::<BlobHash>("\"ABC\"").unwrap_err();
        assert!(err.to_string().contains("invalid blake3 hash"), "{err}");
    }

    #[test]
    fn blob_hash_of_matches_blake3() {
        assert_eq!(
            BlobHash::of(b"").as_str(),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }
}
