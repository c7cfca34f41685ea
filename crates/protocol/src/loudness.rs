//! ReplayGain as tagged, carried with a track's metadata so every player of the cloud's songs
//! (the web player, Subsonic apps, a device streaming a song it does not have) plays them at
//! the loudness their tags ask for.
//!
//! Values are kept as whole numbers, hundredths of a dB and millionths of full scale, so
//! metadata compares exactly (a device decides what to send by comparing) and a value that
//! went through JSON comes back equal. On the wire they are plain numbers (`-6.52`, `0.988`),
//! parsed here into ranges no tag can exceed: a gain of ±64 dB, a peak of at most 64.0.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

/// A gain in dB, to the hundredth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Gain(i32);

/// A peak as a linear amplitude (1.0 is full scale), to the millionth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Peak(u32);

/// The largest gain, up or down, taken from a tag.
pub const MAX_GAIN_DB: f64 = 64.0;
/// The largest peak taken from a tag.
pub const MAX_PEAK: f64 = 64.0;

impl Gain {
    /// The gain of `db`, or `None` for a value no tag holds (not finite, beyond ±64 dB).
    #[must_use]
    pub fn from_db(db: f64) -> Option<Self> {
        (db.is_finite() && db.abs() <= MAX_GAIN_DB).then(|| Self((db * 100.0).round() as i32))
    }

    #[must_use]
    pub fn db(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// From hundredths of a dB (`None` beyond ±64 dB).
    #[must_use]
    pub fn from_hundredths(hundredths: i32) -> Option<Self> {
        (hundredths.unsigned_abs() <= 6_400).then_some(Self(hundredths))
    }

    #[must_use]
    pub fn hundredths(self) -> i32 {
        self.0
    }
}

impl Peak {
    /// The peak of `amplitude`, or `None` for a value no tag holds (negative, not finite, huge).
    #[must_use]
    pub fn from_amplitude(amplitude: f64) -> Option<Self> {
        (amplitude.is_finite() && (0.0..=MAX_PEAK).contains(&amplitude))
            .then(|| Self((amplitude * 1_000_000.0).round() as u32))
    }

    #[must_use]
    pub fn amplitude(self) -> f64 {
        f64::from(self.0) / 1_000_000.0
    }

    /// From millionths of full scale (`None` past 64.0).
    #[must_use]
    pub fn from_millionths(millionths: u32) -> Option<Self> {
        (millionths <= 64_000_000).then_some(Self(millionths))
    }

    #[must_use]
    pub fn millionths(self) -> u32 {
        self.0
    }
}

impl Serialize for Gain {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.db())
    }
}

impl<'de> Deserialize<'de> for Gain {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let db = f64::deserialize(deserializer)?;
        Self::from_db(db).ok_or_else(|| {
            serde::de::Error::custom(format!("a ReplayGain gain is -64 to 64 dB, not {db}"))
        })
    }
}

impl Serialize for Peak {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.amplitude())
    }
}

impl<'de> Deserialize<'de> for Peak {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let amplitude = f64::deserialize(deserializer)?;
        Self::from_amplitude(amplitude).ok_or_else(|| {
            serde::de::Error::custom(format!("a ReplayGain peak is 0 to 64, not {amplitude}"))
        })
    }
}

/// The four ReplayGain tags; any may be missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct ReplayGainTags {
    /// dB.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, minimum = -64, maximum = 64)]
    pub track_gain: Option<Gain>,
    /// Linear amplitude, 1.0 is full scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 64)]
    pub track_peak: Option<Peak>,
    /// dB.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, minimum = -64, maximum = 64)]
    pub album_gain: Option<Gain>,
    /// Linear amplitude, 1.0 is full scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>, minimum = 0, maximum = 64)]
    pub album_peak: Option<Peak>,
}

impl<'de> Deserialize<'de> for ReplayGainTags {
    /// Only from an object: serde would also take the fields as an array, which the document
    /// does not allow.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Default, Deserialize)]
        #[serde(default)]
        struct Fields {
            track_gain: Option<Gain>,
            track_peak: Option<Peak>,
            album_gain: Option<Gain>,
            album_peak: Option<Peak>,
        }
        struct Object;
        impl<'de> serde::de::Visitor<'de> for Object {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of track_gain, track_peak, album_gain, album_peak")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Fields, A::Error> {
                Fields::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        let fields = deserializer.deserialize_map(Object)?;
        Ok(Self {
            track_gain: fields.track_gain,
            track_peak: fields.track_peak,
            album_gain: fields.album_gain,
            album_peak: fields.album_peak,
        })
    }
}

impl ReplayGainTags {
    /// The tags of a file (values out of range are left out).
    #[must_use]
    pub fn from_tags(
        track_gain: Option<f64>,
        track_peak: Option<f64>,
        album_gain: Option<f64>,
        album_peak: Option<f64>,
    ) -> Self {
        Self {
            track_gain: track_gain.and_then(Gain::from_db),
            track_peak: track_peak.and_then(Peak::from_amplitude),
            album_gain: album_gain.and_then(Gain::from_db),
            album_peak: album_peak.and_then(Peak::from_amplitude),
        }
    }

    /// No tag at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_exactly_and_out_of_range_ones_are_refused() {
        let tags = ReplayGainTags::from_tags(Some(-6.524), Some(0.988_123_4), Some(1.5), None);
        let json = serde_json::to_string(&tags).unwrap();
        assert_eq!(
            json,
            r#"{"track_gain":-6.52,"track_peak":0.988123,"album_gain":1.5}"#
        );
        assert_eq!(serde_json::from_str::<ReplayGainTags>(&json).unwrap(), tags);
        for bad in [
            r#"{"track_gain":65}"#,
            r#"{"track_peak":-0.1}"#,
            r#"{"album_peak":1e300}"#,
            r#"{"album_gain":"loud"}"#,
            r#"[null, null]"#,
        ] {
            assert!(
                serde_json::from_str::<ReplayGainTags>(bad).is_err(),
                "{bad}"
            );
        }
        assert!(ReplayGainTags::from_tags(Some(f64::NAN), None, None, None).is_empty());
    }
}
