//! The user's settings: what the Settings view edits, stored in the library database and
//! applied to the engines when the app starts and whenever they change.
//!
//! The shell owns this type because it is the one place that knows every engine; the values
//! mean nothing to the library, which only keeps the JSON. Missing fields take their
//! defaults and unknown ones are ignored, so a record from an older or newer version loads.

use serde::{Deserialize, Serialize};
use specta::Type;
use tonearm_library::Library;
use tonearm_player::gain::ReplayGainSettings;

/// Key of the settings record in the library's preferences.
const KEY: &str = "app";
/// Key of the remembered window geometry.
const WINDOW_KEY: &str = "window";

/// Light, dark, or whatever the OS says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// A column of the songs table as the user left it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct ColumnWidth {
    pub column: String,
    pub width: u32,
}

/// Everything the Settings view changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct Preferences {
    pub theme: Theme,
    pub replay_gain: ReplayGainSettings,
    /// Uploads at once (1 to 8).
    pub uploads_at_once: u32,
    /// Upload bandwidth limit in kilobytes per second, or none.
    pub upload_limit_kbps: Option<u32>,
    /// Streamed audio kept on disk, in megabytes (pinned tracks come on top).
    pub cache_budget_mb: u32,
    /// New music goes to the cloud by itself while logged in.
    pub auto_upload: bool,
    /// Widths of the songs table's columns the user resized.
    pub song_columns: Vec<ColumnWidth>,
    /// The first-run welcome was finished or skipped.
    pub welcomed: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            theme: Theme::System,
            replay_gain: ReplayGainSettings::default(),
            uploads_at_once: 3,
            upload_limit_kbps: None,
            cache_budget_mb: 2048,
            auto_upload: true,
            song_columns: Vec::new(),
            welcomed: false,
        }
    }
}

impl Preferences {
    /// The stored settings; defaults when there are none or they cannot be read (a damaged
    /// record must not keep the app from starting: it is logged and replaced on next save).
    pub fn load(library: &Library) -> Self {
        match library.preference(KEY) {
            Ok(Some(text)) => Self::from_stored(&text).unwrap_or_else(|error| {
                tracing::warn!(%error, "the saved settings are unreadable; using defaults");
                Self::default()
            }),
            Ok(None) => Self::default(),
            Err(error) => {
                tracing::warn!(%error, "cannot read the saved settings; using defaults");
                Self::default()
            }
        }
    }

    /// The stored fields over the defaults: a record from an older version (fewer fields)
    /// or a newer one (more) still loads.
    fn from_stored(text: &str) -> serde_json::Result<Self> {
        let mut merged = serde_json::to_value(Self::default())?;
        if let (Some(base), serde_json::Value::Object(stored)) =
            (merged.as_object_mut(), serde_json::from_str(text)?)
        {
            // Settings from before automatic uploads: the user chose what to upload, and
            // the rest of their library must not start going up after an update.
            if !stored.contains_key("auto_upload") {
                base.insert("auto_upload".into(), false.into());
            }
            base.extend(stored);
        }
        Ok(Self::clamped(serde_json::from_value(merged)?))
    }

    /// Values brought into their ranges.
    pub fn clamped(mut self) -> Self {
        self.uploads_at_once = self
            .uploads_at_once
            .clamp(1, tonearm_sync::MAX_WORKERS as u32);
        self.upload_limit_kbps = self.upload_limit_kbps.filter(|limit| *limit > 0);
        self.cache_budget_mb = self.cache_budget_mb.max(64);
        self.replay_gain.preamp_db = self.replay_gain.preamp_db.clamp(-15.0, 15.0);
        self.replay_gain.fallback_db = self.replay_gain.fallback_db.clamp(-15.0, 15.0);
        self
    }

    pub fn save(&self, library: &Library) -> tonearm_library::Result<()> {
        let text = serde_json::to_string(self).expect("settings serialize to JSON");
        library.set_preference(KEY, &text)
    }

    /// What the sync engine should run with.
    pub fn tuning(&self) -> tonearm_sync::Tuning {
        tonearm_sync::Tuning {
            workers: self.uploads_at_once,
            bandwidth_limit: self.upload_limit_kbps.map(|kbps| u64::from(kbps) * 1024),
            cache_budget: u64::from(self.cache_budget_mb) * 1024 * 1024,
            auto_upload: self.auto_upload,
        }
    }
}

/// Where the main window was and how big, in logical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WindowGeometry {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub maximized: bool,
}

impl WindowGeometry {
    pub fn load(library: &Library) -> Option<Self> {
        let text = library.preference(WINDOW_KEY).ok().flatten()?;
        serde_json::from_str(&text).ok()
    }

    pub fn save(&self, library: &Library) {
        let text = serde_json::to_string(self).expect("geometry serializes to JSON");
        if let Err(error) = library.set_preference(WINDOW_KEY, &text) {
            tracing::warn!(%error, "cannot remember the window's place");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_from_another_version_loads_over_the_defaults() {
        // Older: fewer fields. Newer: a field this version does not know.
        let loaded =
            Preferences::from_stored(r#"{"theme":"dark","cache_budget_mb":10,"visualiser":true}"#)
                .expect("loads");
        assert_eq!(loaded.theme, Theme::Dark);
        assert_eq!(loaded.cache_budget_mb, 64, "brought into range");
        assert_eq!(
            loaded.uploads_at_once,
            Preferences::default().uploads_at_once
        );
        assert!(
            !loaded.auto_upload,
            "older settings do not start uploading by themselves"
        );
        assert!(
            Preferences::default().auto_upload,
            "a new install uploads new music"
        );
        assert!(Preferences::from_stored("not json").is_err());
        assert!(Preferences::from_stored(r#"{"theme":"sepia"}"#).is_err());
    }

    #[test]
    fn the_sync_engine_gets_bytes() {
        let preferences = Preferences {
            upload_limit_kbps: Some(500),
            cache_budget_mb: 1024,
            uploads_at_once: 2,
            ..Preferences::default()
        };
        let tuning = preferences.tuning();
        assert_eq!(tuning.bandwidth_limit, Some(500 * 1024));
        assert_eq!(tuning.cache_budget, 1 << 30);
        assert_eq!(tuning.workers, 2);
    }
}
