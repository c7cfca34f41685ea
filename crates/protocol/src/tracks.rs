//! Cloud tracks: the per-user record (id, metadata, blob) the locker keeps for each song.

use crate::ids::{BlobHash, TrackId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The container format of the audio, which decides the streamed `Content-Type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    /// MPEG-1 Layer III.
    Mp3,
    /// Free Lossless Audio Codec.
    Flac,
    /// Ogg Vorbis.
    Ogg,
    /// Ogg Opus.
    Opus,
    /// AAC or ALAC in MPEG-4.
    M4a,
    /// RIFF WAVE.
    Wav,
    /// AIFF.
    Aiff,
    /// Unknown: streamed as `application/octet-stream`.
    #[default]
    #[serde(other)]
    Unknown,
}

impl AudioFormat {
    /// The MIME type to serve this format with.
    #[must_use]
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Mp3 => "audio/mpeg",
            Self::Flac => "audio/flac",
            Self::Ogg => "audio/ogg",
            Self::Opus => "audio/ogg; codecs=opus",
            Self::M4a => "audio/mp4",
            Self::Wav => "audio/wav",
            Self::Aiff => "audio/aiff",
            Self::Unknown => "application/octet-stream",
        }
    }
}

/// The longest text field of [`TrackMetadata`], in characters: tags longer than this exist only in
/// damaged or hostile files, and the sending device cuts them ([`TrackMetadata::bounded`]).
pub const MAX_TEXT: usize = 4096;

fn bounded_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?;
    match text {
        Some(text) if text.chars().count() > MAX_TEXT => Err(serde::de::Error::custom(format!(
            "a text field of {} characters is longer than {MAX_TEXT} characters",
            text.chars().count()
        ))),
        other => Ok(other),
    }
}

/// `text` cut to at most [`MAX_TEXT`] characters.
#[must_use]
pub fn cut_text(text: &str) -> String {
    text.chars().take(MAX_TEXT).collect()
}

/// Descriptive metadata; every field is optional. Edits replace the whole value. Text fields
/// are at most [`MAX_TEXT`] characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TrackMetadata {
    /// Title.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bounded_text"
    )]
    #[schema(max_length = 4096)]
    pub title: Option<String>,
    /// Track artist.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bounded_text"
    )]
    #[schema(max_length = 4096)]
    pub artist: Option<String>,
    /// Album title.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bounded_text"
    )]
    #[schema(max_length = 4096)]
    pub album: Option<String>,
    /// Album artist.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bounded_text"
    )]
    #[schema(max_length = 4096)]
    pub album_artist: Option<String>,
    /// Genre.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bounded_text"
    )]
    #[schema(max_length = 4096)]
    pub genre: Option<String>,
    /// Year of release.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Track number on its disc.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_number: Option<u32>,
    /// Disc number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disc_number: Option<u32>,
    /// Duration in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Container format: `mp3`, `flac`, `ogg`, `opus`, `m4a`, `wav`, `aiff` or `unknown`. Any
    /// other string is taken as `unknown` (a newer client may know more formats), so the
    /// document calls it a string.
    #[schema(value_type = String, example = "flac")]
    pub format: AudioFormat,
}

impl TrackMetadata {
    /// The same metadata with every text field cut to [`MAX_TEXT`] characters, as a device sends
    /// it.
    #[must_use]
    pub fn bounded(mut self) -> Self {
        for field in [
            &mut self.title,
            &mut self.artist,
            &mut self.album,
            &mut self.album_artist,
            &mut self.genre,
        ] {
            if let Some(text) = field.as_mut()
                && text.chars().count() > MAX_TEXT
            {
                *text = cut_text(text);
            }
        }
        self
    }
}

/// `POST /api/v1/tracks`: a cloud track over a blob the user owns (uploaded or matched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateTrackRequest {
    /// The id minted by the device that first saw the track; the server mints one if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<TrackId>,
    /// Whole-file BLAKE3 of the audio.
    pub blake3: BlobHash,
    /// Descriptive metadata.
    #[serde(default, deserialize_with = "crate::object::object")]
    pub metadata: TrackMetadata,
}

/// `PATCH /api/v1/tracks/{id}`: replaces the metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateTrackRequest {
    /// The new metadata, replacing the old.
    #[serde(deserialize_with = "crate::object::object")]
    pub metadata: TrackMetadata,
}

/// A cloud track as the server reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CloudTrack {
    /// Track id.
    pub id: TrackId,
    /// Whole-file BLAKE3 of the audio.
    pub blake3: BlobHash,
    /// Size of the audio in bytes.
    pub size: u64,
    /// Descriptive metadata.
    pub metadata: TrackMetadata,
    /// The change-feed sequence number of the last change to this track.
    pub revision: u64,
}

/// `GET /api/v1/tracks`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TracksResponse {
    /// The user's live tracks.
    pub tracks: Vec<CloudTrack>,
}

/// `POST /api/v1/tracks/{id}/stream-url`: a URL that streams without an `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StreamUrlResponse {
    /// Path and query (relative to the server's base URL), signed.
    pub url: String,
    /// Unix seconds after which the URL stops working.
    pub expires_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_bounded_on_the_wire_and_cut_by_the_sender() {
        let long = "é".repeat(MAX_TEXT + 1);
        let fits = "é".repeat(MAX_TEXT);
        serde_json::from_value::<TrackMetadata>(serde_json::json!({"title": fits})).unwrap();
        let err = serde_json::from_value::<TrackMetadata>(serde_json::json!({"title": long}))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("longer than 4096 characters") && err.len() < 200,
            "{err}"
        );
        let cut = TrackMetadata {
            title: Some(long),
            ..TrackMetadata::default()
        }
        .bounded();
        let title = cut.title.clone().unwrap();
        assert!(title.chars().count() == MAX_TEXT && title.chars().all(|c| c == 'é'));
        let json = serde_json::to_value(&cut).unwrap();
        assert_eq!(serde_json::from_value::<TrackMetadata>(json).unwrap(), cut);
    }
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn wire_format_of_a_track() {
        let track = CloudTrack {
            id: TrackId(Uuid::nil()),
            blake3: BlobHash::of(b""),
            size: 3,
            metadata: TrackMetadata {
                title: Some("So What".into()),
                track_number: Some(1),
                format: AudioFormat::Flac,
                ..TrackMetadata::default()
            },
            revision: 7,
        };
        assert_eq!(
            serde_json::to_value(&track).unwrap(),
            json!({"id": "00000000-0000-0000-0000-000000000000",
                   "blake3": "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
                   "size": 3,
                   "metadata": {"title": "So What", "track_number": 1, "format": "flac"},
                   "revision": 7})
        );
    }

    #[test]
    fn unknown_format_and_missing_fields_are_tolerated() {
        let meta: TrackMetadata = serde_json::from_value(json!({"format": "tracker-mod"})).unwrap();
        assert_eq!(meta.format, AudioFormat::Unknown);
        let request: CreateTrackRequest =
            serde_json::from_value(json!({"blake3": "a".repeat(64)})).unwrap();
        assert_eq!(request.metadata, TrackMetadata::default());
        assert_eq!(request.id, None);
    }
}
