//! Structs inside request bodies are read from JSON objects only. Serde's derive also takes a
//! sequence for a struct, field by field in declaration order (`[null, null]` is a
//! `TrackMetadata`, `["rename_playlist", ID, "x"]` a playlist action), which the OpenAPI
//! document does not allow and no client sends. The fields that hold a struct use these with
//! `#[serde(deserialize_with = ...)]`; the server refuses a body that is not an object.

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// `T` from an object only.
pub(crate) fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ObjectOnly<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectOnly<T> {
        type Value = T;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("an object")
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map))
        }
    }

    deserializer.deserialize_map(ObjectOnly(PhantomData))
}

/// A list of `T`, each from an object only.
pub(crate) fn objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Item<T>(T);

    impl<'de, T: Deserialize<'de>> Deserialize<'de> for Item<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            object(deserializer).map(Item)
        }
    }

    let items = Vec::<Item<T>>::deserialize(deserializer)?;
    Ok(items.into_iter().map(|item| item.0).collect())
}

#[cfg(test)]
mod tests {
    use crate::{PlaylistOpsRequest, UpdateTrackRequest};
    use serde_json::json;

    #[test]
    fn structs_in_bodies_come_from_objects_only() {
        let metadata: UpdateTrackRequest =
            serde_json::from_value(json!({"metadata": {"title": "t", "format": "flac"}}))
                .expect("an object is a struct");
        assert_eq!(metadata.metadata.title.as_deref(), Some("t"));
        let error = serde_json::from_value::<UpdateTrackRequest>(json!({"metadata": [null, null]}))
            .expect_err("an array is not");
        assert!(error.to_string().contains("expected an object"), "{error}");

        let op = json!({"op_id": uuid::Uuid::nil(), "action": {"type": "delete_playlist", "playlist_id": uuid::Uuid::nil()}});
        serde_json::from_value::<PlaylistOpsRequest>(json!({"ops": [op]}))
            .expect("objects all the way down");
        let as_array = json!([uuid::Uuid::nil(), {"type": "delete_playlist", "playlist_id": uuid::Uuid::nil()}]);
        assert!(serde_json::from_value::<PlaylistOpsRequest>(json!({"ops": [as_array]})).is_err());
        let action_as_array =
            json!({"op_id": uuid::Uuid::nil(), "action": ["delete_playlist", uuid::Uuid::nil()]});
        assert!(
            serde_json::from_value::<PlaylistOpsRequest>(json!({"ops": [action_as_array]}))
                .is_err()
        );
    }
}
