//! Commands for "this computer as the cloud": start the built-in locker (and connect this
//! app to it), see where other devices connect, stop it.

use crate::cloud::CloudState;
use crate::error::CommandError;
use crate::locker::{Locker, LockerInfo, LockerSettings, connect_this_computer};
use crate::state::LibraryState;
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
