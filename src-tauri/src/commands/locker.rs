//! Commands for "this computer as the cloud": start the built-in locker (and connect this
//! app to it), see where other devices connect, stop it; and where the web player is.

use crate::cloud::CloudState;
use crate::error::CommandError;
use crate::locker::{Locker, LockerInfo, LockerSettings, connect_this_computer};
use crate::state::LibraryState;
use crate::web_player::{self, WebPlayer};
use tauri::State;

/// The built-in locker, when it runs.
#[tauri::command]
#[specta::specta]
pub async fn get_local_locker(
    locker: State<'_, Locker>,
) -> Result<Option<LockerInfo>, CommandError> {
    Ok(locker.info().await)
}

/// Makes this computer the cloud: starts the built-in locker (on the local network too when
/// `lan`), creates the owner's account with `password` the first time (other devices log in
/// with it), and connects this app to it.
#[tauri::command]
#[specta::specta]
pub async fn start_local_locker(
    locker: State<'_, Locker>,
    library: State<'_, LibraryState>,
    cloud: State<'_, CloudState>,
    password: String,
    lan: bool,
) -> Result<LockerInfo, CommandError> {
    Ok(connect_this_computer(&locker, &library.library, &cloud.cloud, &password, lan).await?)
}

/// Stops the built-in locker; it no longer starts with the app. Its data stays.
#[tauri::command]
#[specta::specta]
pub async fn stop_local_locker(
    locker: State<'_, Locker>,
    library: State<'_, LibraryState>,
) -> Result<(), CommandError> {
    locker.stop().await;
    LockerSettings::save(None, &library.library)?;
    Ok(())
}

/// Where a browser opens the cloud's web player (with a QR code when this computer is the
/// cloud on the local network); `None` while logged out.
#[tauri::command]
#[specta::specta]
pub async fn get_web_player(
    locker: State<'_, Locker>,
    cloud: State<'_, CloudState>,
) -> Result<Option<WebPlayer>, CommandError> {
    let Some(account) = tonearm_sync::Account::load(cloud.cloud.library())? else {
        return Ok(None);
    };
    let settings = locker.settings().await;
    Ok(Some(web_player::describe(
        &account.server,
        settings.as_ref(),
        web_player::lan_address,
    )))
}
