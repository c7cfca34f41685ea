//! Cloud tracks: the per-user record (id, metadata, blob) the locker keeps for each song.

use crate::ids::{BlobHash, TrackId};
use crate::loudness::ReplayGainTags;
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
    /// Number of tracks on the disc.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_total: Option<u32>,
    /// Number of discs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disc_total: Option<u32>,
    /// Composer.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bounded_text"
    )]
    #[schema(max_length = 4096)]
    pub composer: Option<String>,
    /// Part of a compilation (various artists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compilation: Option<bool>,
    /// Free-text comment.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "bounded_text"
    )]
    #[schema(max_length = 4096)]
    pub comment: Option<String>,
    /// BLAKE3 of the front cover, uploaded once with `PUT /api/v1/artwork/{hash}`. A cover
    /// the user has not uploaded is simply not served.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artwork: Option<BlobHash>,
    /// Container format: `mp3`, `flac`, `ogg`, `opus`, `m4a`, `wav`, `aiff` or `unknown`. Any
    /// other string is taken as `unknown` (a newer client may know more formats), so the
    /// document calls it a string.
    #[schema(value_type = String, example = "flac")]
    pub format: AudioFormat,
    /// ReplayGain as tagged.
    #[serde(skip_serializing_if = "ReplayGainTags::is_empty")]
    pub replaygain: ReplayGainTags,
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
            &mut self.composer,
            &mut self.comment,
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

/// `PATCH /api/v1/tracks/{id}`: replaces the whole metadata (older clients; devices now send a
/// [`MetadataPatch`], which loses no other device's edit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateTrackRequest {
    /// The new metadata, replacing the old.
    #[serde(deserialize_with = "crate::object::object")]
    pub metadata: TrackMetadata,
}

/// One field of a [`MetadataPatch`]: absent leaves it, `null` clears it, a value sets it.
pub type PatchField<T> = Option<Option<T>>;

/// A present field (even `null`) is `Some`; an absent one stays `None` (`#[serde(default)]`).
fn present<'de, D, T>(deserializer: D) -> Result<PatchField<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

fn present_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<PatchField<String>, D::Error> {
    bounded_text(deserializer).map(Some)
}

/// `PATCH /api/v1/tracks/{id}/metadata`: the fields a device changed, merged by the server into
/// the stored metadata (a field absent is left as it is, `null` clears it, a value sets it), so
/// edits of different fields on different devices all survive and the same field is
/// last-writer-wins. Text fields are at most [`MAX_TEXT`] characters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct MetadataPatch {
    /// Title.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_text"
    )]
    #[schema(value_type = Option<String>, max_length = 4096)]
    pub title: PatchField<String>,
    /// Track artist.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_text"
    )]
    #[schema(value_type = Option<String>, max_length = 4096)]
    pub artist: PatchField<String>,
    /// Album title.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_text"
    )]
    #[schema(value_type = Option<String>, max_length = 4096)]
    pub album: PatchField<String>,
    /// Album artist.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_text"
    )]
    #[schema(value_type = Option<String>, max_length = 4096)]
    pub album_artist: PatchField<String>,
    /// Genre.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_text"
    )]
    #[schema(value_type = Option<String>, max_length = 4096)]
    pub genre: PatchField<String>,
    /// Composer.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_text"
    )]
    #[schema(value_type = Option<String>, max_length = 4096)]
    pub composer: PatchField<String>,
    /// Year of release.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub year: PatchField<i32>,
    /// Track number on its disc.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub track_number: PatchField<u32>,
    /// Number of tracks on the disc.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub track_total: PatchField<u32>,
    /// Disc number.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub disc_number: PatchField<u32>,
    /// Number of discs.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub disc_total: PatchField<u32>,
    /// Part of a compilation.
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub compilation: PatchField<bool>,
    /// Comment.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_text"
    )]
    #[schema(value_type = Option<String>, max_length = 4096)]
    pub comment: PatchField<String>,
    /// Front cover (BLAKE3 of an uploaded image).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    #[schema(value_type = Option<BlobHash>)]
    pub artwork: PatchField<BlobHash>,
    /// ReplayGain as tagged (all four values at once).
    #[serde(skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    #[schema(value_type = Option<ReplayGainTags>)]
    pub replaygain: PatchField<ReplayGainTags>,
}

impl MetadataPatch {
    /// The fields of `now` that differ from `before`: what a device changed since it last
    /// told the server.
    #[must_use]
    pub fn between(before: &TrackMetadata, now: &TrackMetadata) -> Self {
        fn field<T: Clone + PartialEq>(before: &Option<T>, now: &Option<T>) -> PatchField<T> {
            (before != now).then(|| now.clone())
        }
        Self {
            title: field(&before.title, &now.title),
            artist: field(&before.artist, &now.artist),
            album: field(&before.album, &now.album),
            album_artist: field(&before.album_artist, &now.album_artist),
            genre: field(&before.genre, &now.genre),
            composer: field(&before.composer, &now.composer),
            year: field(&before.year, &now.year),
            track_number: field(&before.track_number, &now.track_number),
            track_total: field(&before.track_total, &now.track_total),
            disc_number: field(&before.disc_number, &now.disc_number),
            disc_total: field(&before.disc_total, &now.disc_total),
            compilation: field(&before.compilation, &now.compilation),
            comment: field(&before.comment, &now.comment),
            artwork: field(&before.artwork, &now.artwork),
            replaygain: (before.replaygain != now.replaygain).then_some(Some(now.replaygain)),
        }
    }

    /// Whether the patch changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Applies the patch to stored metadata (what the server does, in its transaction).
    pub fn apply(&self, metadata: &mut TrackMetadata) {
        fn field<T: Clone>(patch: &PatchField<T>, value: &mut Option<T>) {
            if let Some(new) = patch {
                value.clone_from(new);
            }
        }
        field(&self.title, &mut metadata.title);
        field(&self.artist, &mut metadata.artist);
        field(&self.album, &mut metadata.album);
        field(&self.album_artist, &mut metadata.album_artist);
        field(&self.genre, &mut metadata.genre);
        field(&self.composer, &mut metadata.composer);
        field(&self.year, &mut metadata.year);
        field(&self.track_number, &mut metadata.track_number);
        field(&self.track_total, &mut metadata.track_total);
        field(&self.disc_number, &mut metadata.disc_number);
        field(&self.disc_total, &mut metadata.disc_total);
        field(&self.compilation, &mut metadata.compilation);
        field(&self.comment, &mut metadata.comment);
        field(&self.artwork, &mut metadata.artwork);
        if let Some(tags) = self.replaygain {
            metadata.replaygain = tags.unwrap_or_default();
        }
    }
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
    fn a_patch_tells_absent_from_null_from_a_value() {
        let patch: MetadataPatch =
            serde_json::from_value(json!({"title": "New", "album": null})).unwrap();
        assert_eq!(patch.title, Some(Some("New".to_owned())));
        assert_eq!(patch.album, Some(None));
        assert_eq!(patch.artist, None);
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            json!({"title": "New", "album": null})
        );
        let mut stored = TrackMetadata {
            title: Some("Old".into()),
            album: Some("Album".into()),
            artist: Some("Artist".into()),
            ..TrackMetadata::default()
        };
        patch.apply(&mut stored);
        assert_eq!(
            (
                stored.title.as_deref(),
                stored.album.as_deref(),
                stored.artist.as_deref()
            ),
            (Some("New"), None, Some("Artist"))
        );
        let before = TrackMetadata::default();
        let between = MetadataPatch::between(&before, &stored);
        assert_eq!(
            serde_json::to_value(&between).unwrap(),
            json!({"title": "New", "artist": "Artist"})
        );
        let long = "x".repeat(MAX_TEXT + 1);
        assert!(serde_json::from_value::<MetadataPatch>(json!({ "genre": long })).is_err());
        assert!(MetadataPatch::default().is_empty());
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
