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

/// Descriptive metadata; every field is optional. Edits replace the whole value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct TrackMetadata {
    /// Title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Track artist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
    /// Album title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    /// Album artist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub album_artist: Option<String>,
    /// Genre.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    /// Container format.
    pub format: AudioFormat,
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
    #[serde(default)]
    pub metadata: TrackMetadata,
}

/// `PATCH /api/v1/tracks/{id}`: replaces the metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateTrackRequest {
    /// The new metadata, replacing the old.
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
