//! The demo `cargo xtask run` opens with, so a new user sees the whole product at once.
//!
//! On a first run (no music folder, no cloud account, welcome never finished) with both demo
//! folders named (`TONEARM_DEMO_MUSIC`, `TONEARM_DEMO_CLOUD_MUSIC`), the app sets itself up as
//! a user would through the welcome, without a click: the demo music becomes its folder and
//! this computer the cloud (the built-in locker, with a generated password). Then "another
//! computer" (a second library and sync engine in this process, with its own data directory)
//! uploads music of its own and shares a playlist. This app's next sync brings both in: songs
//! that live only in the cloud and stream, a playlist mirrored from elsewhere, while its own
//! library uploads in the background. Every step goes through the same engines as a user's
//! clicks; nothing here is reachable from the UI.

use crate::cloud::CloudState;
use crate::locker::{ConnectError, Locker, connect_this_computer};
use crate::state::LibraryState;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tauri::{AppHandle, Manager, Runtime};
use tonearm_library::query::{TrackFilter, TrackSort};
use tonearm_library::{Library, ScanControl, ScanReport};
use tonearm_sync::{Cloud, Settings, Until};

/// Where the demo's music comes from.
#[derive(Debug, Clone)]
pub struct DemoMusic {
    /// This computer's music.
    pub here: PathBuf,
    /// The music "another computer" has put in the cloud.
    pub elsewhere: PathBuf,
}

/// The file in the data directory that tells the user the demo account's password.
pub const ACCOUNT_FILE: &str = "demo-account.txt";

#[derive(Debug, thiserror::Error)]
enum DemoError {
    #[error(transparent)]
    Library(#[from] tonearm_library::LibraryError),
    #[error(transparent)]
    Sync(#[from] tonearm_sync::SyncError),
    #[error(transparent)]
    Locker(#[from] ConnectError),
    #[error("{0} of another computer's songs did not reach the cloud")]
    Uploads(u64),
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("a scan stopped unexpectedly")]
    Scan,
}

/// Whether the demo applies: nothing set up yet.
pub fn applies(library: &Library, welcomed: bool) -> bool {
    !welcomed
        && library.folders().is_ok_and(|f| f.is_empty())
        && tonearm_sync::Account::load(library).is_ok_and(|a| a.is_none())
}

/// The part that must be done before the window shows: the demo music is the library's
/// folder (so the welcome is not shown). The rest runs in the background.
pub fn prepare(library: &Library, music: &DemoMusic) -> tonearm_library::Result<()> {
    library.add_folder(&music.here).map(drop)
}

/// Scans, starts the built-in locker and connects to it, has "another computer" fill the
/// cloud, and syncs. Runs on the app's runtime; a failure is logged and ends the demo's
/// setup, never the app.
pub fn start<R: Runtime>(app: &AppHandle<R>, music: DemoMusic, data_dir: PathBuf) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match set_up(&app, &music, &data_dir).await {
            Ok(()) => tracing::info!("the demo is set up"),
            Err(error) => tracing::warn!(%error, "the demo could not be set up"),
        }
    });
}

async fn set_up<R: Runtime>(
    app: &AppHandle<R>,
    music: &DemoMusic,
    data_dir: &Path,
) -> Result<(), DemoError> {
    let library = app.state::<LibraryState>().library.clone();
    let cloud = app.state::<CloudState>().cloud.clone();
    app.state::<LibraryState>().watch_again();
    let report = scan(library.clone()).await?;
    {
        use tauri_specta::Event;
        let _ = crate::events::LibraryChanged(report).emit(app);
    }

    // This computer as the cloud, as the welcome's "This computer" does.
    let password = tonearm_server::auth::hex(&tonearm_server::auth::random_bytes::<9>());
    let locker = app.state::<Locker>();
    let info = connect_this_computer(&locker, &library, &cloud, &password, false).await?;
    write_account(data_dir, &info.url, &info.username, &password)?;
    favourites(&library)?;

    // Another computer puts music of its own in the cloud, and a playlist of it.
    let elsewhere = data_dir.join("demo").join("another-computer");
    another_computer(
        &elsewhere,
        &music.elsewhere,
        &info.url,
        &info.username,
        &password,
    )
    .await?;

    // What this app sends: its playlist, and (the sync queues them) its songs.
    cloud.sync().await?;
    Ok(())
}

/// Scans every music folder of `library` on the blocking pool.
async fn scan(library: Arc<Library>) -> Result<ScanReport, DemoError> {
    tokio::task::spawn_blocking(move || {
        let cancel = AtomicBool::new(false);
        library.scan(&ScanControl {
            cancel: &cancel,
            progress: &|_| {},
        })
    })
    .await
    .map_err(|_| DemoError::Scan)?
    .map_err(Into::into)
}

/// A playlist made here: mirrored to the cloud once its songs are there (so only songs that
/// can go there: the entry of a file that cannot be read would wait for ever).
fn favourites(library: &Library) -> Result<(), DemoError> {
    let tracks = playable(library)?;
    let playlist = library.create_playlist("Demo favourites")?;
    library.add_to_playlist(playlist, &tracks[..tracks.len().min(12)], None)?;
    Ok(())
}

/// The library's songs that can play (and so reach the cloud), in its default order.
fn playable(library: &Library) -> tonearm_library::Result<Vec<tonearm_library::TrackId>> {
    let filter = TrackFilter {
        present_only: true,
        ..TrackFilter::default()
    };
    library.track_ids(&filter, TrackSort::default(), false)
}

/// A second device with its own library in `dir`: it scans `music`, uploads it all and shares
/// a playlist of it.
async fn another_computer(
    dir: &Path,
    music: &Path,
    url: &str,
    username: &str,
    password: &str,
) -> Result<(), DemoError> {
    let library = Arc::new(Library::open(dir, &dir.join("cache"))?);
    if library.folders()?.is_empty() {
        library.add_folder(music)?;
    }
    scan(library.clone()).await?;
    let settings = Settings {
        use_keychain: false,
        device_name: "Another computer (demo)".to_owned(),
        ..Settings::default()
    };
    let cloud = Cloud::open(library.clone(), dir, &dir.join("cache"), settings)?;
    cloud.login(&url.parse()?, username, password).await?;
    cloud.queue_all()?;
    cloud.run_uploads(2, Until::Idle).await;
    let totals = library.cloud_totals()?;
    if totals.failed + totals.pending > 0 {
        return Err(DemoError::Uploads(totals.failed + totals.pending));
    }
    let tracks = playable(&library)?;
    let playlist = library.create_playlist("From another computer")?;
    library.add_to_playlist(playlist, &tracks, None)?;
    cloud.sync().await?;
    // Its part is done: its session ends (its songs and playlist stay in the cloud).
    cloud.logout().await?;
    Ok(())
}

/// Tells the user how other devices (or `tonearm cloud login`) get into the demo's locker.
fn write_account(dir: &Path, url: &str, username: &str, password: &str) -> Result<(), DemoError> {
    let path = dir.join(ACCOUNT_FILE);
    let text = format!(
        "The demo's cloud runs inside Tonearm on this computer.\n\
         Address:  {url}\nAccount:  {username}\nPassword: {password}\n"
    );
    write_private(&path, &text).map_err(|source| DemoError::Io {
        path: path.clone(),
        source,
    })?;
    println!(
        "The demo's cloud runs at {url}; its account and password are in {}",
        path.display()
    );
    Ok(())
}

/// Writes a new file only its owner can read (an old one is replaced, not reused with its
/// permissions).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, text.as_bytes())
}
