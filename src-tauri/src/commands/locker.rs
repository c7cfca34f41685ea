//! Commands for "this computer as the cloud": start the built-in locker (and connect this
//! app to it), see where other devices connect, stop it.

use crate::cloud::CloudState;
use crate::error::CommandError;
use crate::locker::{Locker, LockerInfo, LockerSettings, PORT, owner_name};
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
    let previous = LockerSettings::load(&library.library);
    let wanted = LockerSettings {
        username: previous
            .as_ref()
            .map_or_else(owner_name, |s| s.username.clone()),
        lan,
        port: previous.as_ref().map_or(PORT, |s| s.port),
    };
    // The first time, any free port will do; later, devices know the address: keep it.
    let (info, settings) = locker.start(wanted, previous.is_none()).await?;
    if let Err(error) = locker.ensure_user(&settings.username, &password).await {
        locker.stop().await;
        return Err(error.into());
    }
    if let Err(error) = cloud
        .cloud
        .login(&info.url, &settings.username, &password)
        .await
    {
        locker.stop().await;
        return Err(error.into());
    }
    LockerSettings::save(Some(&settings), &library.library)?;
    let sync = cloud.cloud.clone();
    cloud.runtime.spawn(async move {
        if let Err(error) = sync.sync().await {
            tracing::info!(%error, "the first sync with the built-in locker did not finish");
        }
    });
    Ok(info)
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
