//! ReplayGain: how loud to play a track so that tracks and albums sound equally loud.
//!
//! Pure arithmetic on the tagged values: pick the track or album gain, add the preamp, and
//! lower the result if the tagged peak would clip; tracks without tags get a fallback gain.

use serde::{Deserialize, Serialize};

/// Which gain to apply.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayGainMode {
    Off,
    Track,
    Album,
    /// Album gain while an album plays in order, track gain otherwise.
    #[default]
    Auto,
}

impl std::str::FromStr for ReplayGainMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "off" => Ok(Self::Off),
            "track" => Ok(Self::Track),
            "album" => Ok(Self::Album),
            "auto" => Ok(Self::Auto),
            other => Err(format!(
                "unknown ReplayGain mode `{other}` (off, track, album or auto)"
            )),
        }
    }
}

/// ReplayGain settings.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReplayGainSettings {
    pub mode: ReplayGainMode,
    /// Added to every gain, in dB.
    pub preamp_db: f64,
    /// Applied to tracks without ReplayGain tags, in dB.
    pub fallback_db: f64,
    /// Lower the gain so the tagged peak does not clip.
    pub prevent_clipping: bool,
}

impl Default for ReplayGainSettings {
    fn default() -> Self {
        Self {
            mode: ReplayGainMode::Auto,
            preamp_db: 0.0,
            fallback_db: 0.0,
            prevent_clipping: true,
        }
    }
}

/// A track's tagged ReplayGain values (dB, linear peak).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TrackGain {
    pub track_gain: Option<f64>,
    pub track_peak: Option<f64>,
    pub album_gain: Option<f64>,
    pub album_peak: Option<f64>,
}

/// The linear factor to multiply samples by. `in_album_order` says whether the track is
/// playing as part of its album in order (for [`ReplayGainMode::Auto`]).
pub fn factor(settings: &ReplayGainSettings, tags: &TrackGain, in_album_order: bool) -> f32 {
    let (gain, peak) = match settings.mode {
        ReplayGainMode::Off => return 1.0,
        ReplayGainMode::Track => (
            tags.track_gain.or(tags.album_gain),
            tags.track_peak.or(tags.album_peak),
        ),
        ReplayGainMode::Album => (
            tags.album_gain.or(tags.track_gain),
            tags.album_peak.or(tags.track_peak),
        ),
        ReplayGainMode::Auto if in_album_order => (
            tags.album_gain.or(tags.track_gain),
            tags.album_peak.or(tags.track_peak),
        ),
        ReplayGainMode::Auto => (
            tags.track_gain.or(tags.album_gain),
            tags.track_peak.or(tags.album_peak),
        ),
    };
    let db = gain.map_or(settings.fallback_db, |g| g + settings.preamp_db);
    let mut linear = 10f64.powf(db / 20.0);
    if settings.prevent_clipping
        && let Some(peak) = peak.filter(|p| *p > 0.0)
    {
        linear = linear.min(1.0 / peak);
    }
    linear as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAGS: TrackGain = TrackGain {
        track_gain: Some(-6.0),
        track_peak: Some(0.9),
        album_gain: Some(-3.0),
        album_peak: Some(0.95),
    };

    fn db(factor: f32) -> f64 {
        20.0 * f64::from(factor).log10()
    }

    #[test]
    fn the_mode_picks_the_gain_and_auto_follows_album_order() {
        let cases = [
            (ReplayGainMode::Off, false, 0.0),
            (ReplayGainMode::Track, true, -6.0),
            (ReplayGainMode::Album, false, -3.0),
            (ReplayGainMode::Auto, true, -3.0),
            (ReplayGainMode::Auto, false, -6.0),
        ];
        for (mode, in_order, expected) in cases {
            let settings = ReplayGainSettings {
                mode,
                ..Default::default()
            };
            let got = db(factor(&settings, &TAGS, in_order));
            assert!((got - expected).abs() < 1e-4, "{mode:?} {in_order}: {got}");
        }
    }

    #[test]
    fn preamp_adds_and_peak_protection_limits() {
        let loud = ReplayGainSettings {
            mode: ReplayGainMode::Track,
            preamp_db: 9.0,
            ..Default::default()
        };
        // -6 + 9 = +3 dB would push a 0.9 peak to 1.27: limited to 1 / 0.9.
        assert!((factor(&loud, &TAGS, false) - 1.0 / 0.9).abs() < 1e-6);
        let unprotected = ReplayGainSettings {
            prevent_clipping: false,
            ..loud
        };
        assert!((db(factor(&unprotected, &TAGS, false)) - 3.0).abs() < 1e-4);
    }

    #[test]
    fn untagged_tracks_get_the_fallback_and_half_tagged_ones_use_what_there_is() {
        let settings = ReplayGainSettings {
            mode: ReplayGainMode::Album,
            fallback_db: -8.0,
            preamp_db: 2.0,
            ..Default::default()
        };
        assert!(
            (db(factor(&settings, &TrackGain::default(), true)) + 8.0).abs() < 1e-4,
            "fallback ignores preamp"
        );
        let track_only = TrackGain {
            track_gain: Some(-4.0),
            ..Default::default()
        };
        assert!((db(factor(&settings, &track_only, true)) + 2.0).abs() < 1e-4);
    }

    #[test]
    fn modes_parse_from_the_command_line() {
        assert_eq!("ALBUM".parse::<ReplayGainMode>(), Ok(ReplayGainMode::Album));
        assert!("loud".parse::<ReplayGainMode>().is_err());
    }
}
