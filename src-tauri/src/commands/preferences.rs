//! Settings commands: read the user's settings, and change them (saved, then applied to the
//! audio engine and the sync engine at once).

use crate::cloud::CloudState;
use crate::error::CommandError;
use crate::playback::PlayerState;
use crate::preferences::Preferences;
use crate::state::LibraryState;
use std::sync::Mutex;
use tauri::State;

/// The settings as the app runs with them.
#[derive(Debug, Default)]
pub struct PreferencesState(pub Mutex<Preferences>);

/// The current settings.
#[tauri::command]
#[specta::specta]
pub fn get_preferences(state: State<'_, PreferencesState>) -> Preferences {
    state.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// Saves new settings and applies them; returns them as kept (values out of range are
/// brought into it).
#[tauri::command]
#[specta::specta]
pub async fn set_preferences(
    state: State<'_, PreferencesState>,
    library: State<'_, LibraryState>,
    player: State<'_, PlayerState>,
    cloud: State<'_, CloudState>,
    preferences: Preferences,
) -> Result<Preferences, CommandError> {
    super::blocking(|| {
        let preferences = preferences.clamped();
        preferences.save(&library.library)?;
        apply_to_player(&preferences, &player);
        cloud.cloud.set_tuning(preferences.tuning())?;
        *state.0.lock().unwrap_or_else(|p| p.into_inner()) = preferences.clone();
        Ok(preferences)
    })
}

/// Hands the player its settings (the sync engine gets its own when it opens, and through
/// `set_tuning` when they change).
pub fn apply_to_player(preferences: &Preferences, player: &PlayerState) {
    player.player.send(tonearm_player::Command::SetReplayGain(
        preferences.replay_gain,
    ));
}
