//! What a user did with their songs, as cloud data: plays, ratings and loves. Every device,
//! the web player and Subsonic apps share them.
//!
//! Plays are events, not a count: each carries an id minted where it happened, so a device that
//! played a song offline sends its plays later and they add to those of other devices, and a
//! play sent twice (a retry after a dropped connection) counts once. Ratings and loves are
//! last-writer-wins. The feed announces each song's marks after any change
//! (`ChangeEvent::TrackMarks`).

use crate::ids::TrackId;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// At most this many plays in one request.
pub const MAX_PLAYS: usize = 1000;

/// A play's id: 1 to 64 letters, digits, `-` or `_` (a UUID, typically).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[schema(value_type = String, pattern = "^[A-Za-z0-9_-]{1,64}$")]
pub struct PlayId(String);

impl PlayId {
    /// A new random id.
    #[must_use]
    pub fn new_random() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// Parses an id; `None` when it breaks the rule.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        (!text.is_empty()
            && text.len() <= 64
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .then(|| Self(text.to_owned()))
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for PlayId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom("a play id is 1 to 64 letters, digits, '-' or '_'")
        })
    }
}

/// One play of a song.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Play {
    /// Minted where the song was played; the same id twice is one play.
    pub id: PlayId,
    /// The song.
    pub track_id: TrackId,
    /// Unix seconds.
    pub played_at: i64,
}

/// `POST /api/v1/plays`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlaysRequest {
    /// At most 1000.
    #[schema(max_items = 1000)]
    pub plays: Vec<Play>,
}

impl<'de> Deserialize<'de> for PlaysRequest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            plays: Vec<Play>,
        }
        let raw = Raw::deserialize(deserializer)?;
        if raw.plays.len() > MAX_PLAYS {
            return Err(serde::de::Error::custom(format!(
                "at most {MAX_PLAYS} plays in one request"
            )));
        }
        Ok(Self { plays: raw.plays })
    }
}

/// The answer to [`PlaysRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlaysResponse {
    /// Plays counted now (not seen before, of the user's songs).
    pub counted: u32,
}

/// A song's marks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TrackMarks {
    /// The song.
    pub track_id: TrackId,
    /// Plays from every device and app.
    pub play_count: u64,
    /// Unix seconds of the latest play.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub played_at: Option<i64>,
    /// 1 to 5 stars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    /// Loved (Subsonic's "starred").
    pub loved: bool,
}

/// `PATCH /api/v1/tracks/{id}/marks`: a field absent is left; `rating: null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MarksPatch {
    /// 1 to 5 stars, or `null` for none.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "rating")]
    #[schema(value_type = Option<u8>, minimum = 1, maximum = 5)]
    pub rating: Option<Option<u8>>,
    /// Loved or not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loved: Option<bool>,
}

fn rating<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<u8>>, D::Error> {
    let value = Option::<u8>::deserialize(deserializer)?;
    if value.is_some_and(|r| !(1..=5).contains(&r)) {
        return Err(serde::de::Error::custom(
            "a rating is 1 to 5 stars, or null",
        ));
    }
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plays_and_marks_are_checked_on_the_wire() {
        let id = TrackId::new_random();
        let ok: PlaysRequest = serde_json::from_value(json!({"plays": [
            {"id": "a-1_B", "track_id": id, "played_at": 1}]}))
        .unwrap();
        assert_eq!(ok.plays[0].id.as_str(), "a-1_B");
        for bad in ["", "a b", "é", &"x".repeat(65)] {
            assert!(
                serde_json::from_value::<PlaysRequest>(json!({"plays": [
                    {"id": bad, "track_id": id, "played_at": 1}]}))
                .is_err(),
                "{bad:?}"
            );
        }
        let many: Vec<_> = (0..=MAX_PLAYS)
            .map(|i| json!({"id": format!("p{i}"), "track_id": id, "played_at": 1}))
            .collect();
        assert!(serde_json::from_value::<PlaysRequest>(json!({ "plays": many })).is_err());
        let patch: MarksPatch = serde_json::from_value(json!({"rating": null})).unwrap();
        assert_eq!(
            patch,
            MarksPatch {
                rating: Some(None),
                loved: None
            }
        );
        let patch: MarksPatch = serde_json::from_value(json!({"loved": true})).unwrap();
        assert_eq!(patch.rating, None);
        assert!(serde_json::from_value::<MarksPatch>(json!({"rating": 6})).is_err());
        assert!(serde_json::from_value::<MarksPatch>(json!({"rating": 0})).is_err());
    }
}
