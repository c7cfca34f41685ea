//! The Tonearm desktop shell.
//!
//! This crate owns the window, the app's directories, logging, and the IPC surface the web UI
//! talks to. It translates between the UI and the core crates and holds no business logic of
//! its own: scanning, playback and sync live in `crates/` and are tested without a webview.
//!
//! The same [`configure`] and [`start`] functions build the real app ([`run`]) and the app on
//! Tauri's mock runtime in tests, so what the tests exercise is what users run.

mod cloud;
mod commands;
mod demo;
mod error;
mod events;
pub mod heap_trim;
pub mod ipc;
mod locker;
mod logging;
pub mod paths;
pub mod playback;
mod preferences;
mod rendering;
mod reveal;
mod script_engine;
mod startup_code;
mod state;
mod web_memory;
mod web_player;
mod webkit_env;
mod window;

use paths::AppPaths;
use tauri::{Manager, Runtime};

/// Options that change where the app keeps its data. Read from the environment by [`run`];
/// tests pass them directly.
#[derive(Debug, Clone, Default)]
pub struct ShellOptions {
    /// Keep data, cache and logs under this directory instead of the OS locations
    /// (`TONEARM_DATA_DIR`). Used to run several "devices" side by side.
    pub data_dir: Option<std::path::PathBuf>,
    /// Where sound goes: the system's device, or a virtual one in tests.
    pub audio_output: playback::AudioOutput,
    /// A demo library the first run offers before the OS music folder
    /// (`TONEARM_DEMO_MUSIC`; `cargo xtask run` makes one from the test fixtures).
    pub demo_music: Option<std::path::PathBuf>,
    /// With `demo_music`: the music "another computer" puts in the cloud. When both are set,
    /// a first run sets itself up as the demo, with no welcome (`TONEARM_DEMO_CLOUD_MUSIC`;
    /// see `demo`).
    pub demo_cloud_music: Option<std::path::PathBuf>,
}

impl ShellOptions {
    /// Options from the environment: `TONEARM_DATA_DIR` overrides the data directory,
    /// `TONEARM_DEMO_MUSIC` names a demo library, `TONEARM_DEMO_CLOUD_MUSIC` the demo's
    /// cloud music.
    pub fn from_env() -> Self {
        let path = |name| {
            std::env::var_os(name)
                .filter(|value| !value.is_empty())
                .map(Into::into)
        };
        Self {
            data_dir: path("TONEARM_DATA_DIR"),
            audio_output: playback::AudioOutput::System,
            demo_music: path("TONEARM_DEMO_MUSIC"),
            demo_cloud_music: path("TONEARM_DEMO_CLOUD_MUSIC"),
        }
    }
}

/// Starts the desktop app and blocks until it exits.
pub fn run() {
    script_engine::configure();
    rendering::configure();
    web_memory::configure();
    heap_trim::start();
    startup_code::release_later();
    let options = ShellOptions::from_env();
    let mut builder = tauri::Builder::default();
    // One window per data directory: a second launch with the default directory focuses the
    // running app. Runs with an explicit directory are separate "devices" and may coexist.
    if options.data_dir.is_none() {
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }));
    }
    let app = configure(builder)
        .build(tauri::generate_context!())
        .map_err(|error| error.to_string())
        .and_then(|app| {
            start(&app, &options)
                .map(|()| app)
                .map_err(|error| error.to_string())
        })
        .unwrap_or_else(|error| {
            // Logging may not be up yet; stderr is the one place left to say why.
            eprintln!("tonearm: could not start: {error}");
            std::process::exit(1);
        });
    let separate_instance = options.data_dir.is_some();
    app.run(move |handle, event| match event {
        tauri::RunEvent::Ready => {
            // The window exists now (Windows needs its handle for the media controls).
            let player = handle.state::<playback::PlayerState>();
            player.attach_media_keys(separate_instance, main_window_handle(handle));
            if let Some(main) = handle.get_webview_window("main") {
                rendering::apply(&main);
            }
            window::restore(handle);
            tracing::info!("the window is ready");
        }
        tauri::RunEvent::WindowEvent { label, event, .. } if label == "main" => match event {
            tauri::WindowEvent::CloseRequested { .. } => window::remember(handle),
            tauri::WindowEvent::Moved(_) | tauri::WindowEvent::Resized(_) => {
                window::changed(handle);
            }
            _ => {}
        },
        tauri::RunEvent::Exit => shutdown(handle),
        _ => {}
    });
}

/// The main window's native handle, where the OS media controls need one (Windows).
#[cfg(windows)]
fn main_window_handle<R: Runtime>(app: &tauri::AppHandle<R>) -> Option<usize> {
    let window = app.get_webview_window("main")?;
    window.hwnd().ok().map(|hwnd| hwnd.0 as usize)
}

#[cfg(not(windows))]
fn main_window_handle<R: Runtime>(_app: &tauri::AppHandle<R>) -> Option<usize> {
    None
}

/// Registers Tonearm's commands on a Tauri builder of any runtime.
///
/// Tauri runs a command that is not `async` on the thread that hands it the call: the window's,
/// which also puts the page's frames on screen. So that thread is kept off the library's
/// database while it does (`KeptOff`): a command that reads or writes the library runs off
/// it, or stops with the reason in every test that calls it.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    let commands = ipc::builder::<R>().invoke_handler();
    builder.invoke_handler(move |invoke| {
        let _window = tonearm_library::store::kept_off::KeptOff::here();
        commands(invoke)
    })
}

/// Prepares a built app before its event loop starts: directories, logging, state, events.
/// Tauri opens the windows only once the loop runs, so the UI never sees the app half-ready.
pub fn start<R: Runtime>(app: &tauri::App<R>, options: &ShellOptions) -> Result<(), StartError> {
    let mut paths = AppPaths::resolve(app.handle(), options.data_dir.as_deref())?;
    if let Some(demo) = &options.demo_music {
        paths.music_dirs.insert(0, demo.clone());
    }
    logging::init(&paths.log_dir);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        data_dir = %paths.data_dir.display(),
        "tonearm started"
    );
    let library = std::sync::Arc::new(tonearm_library::Library::open(
        &paths.data_dir,
        &paths.cache_dir,
    )?);
    // Events may be sent as soon as the engine starts.
    ipc::builder::<R>().mount_events(app);
    let mut preferences = preferences::Preferences::load(&library);
    let demo = options
        .demo_music
        .clone()
        .zip(options.demo_cloud_music.clone())
        .map(|(here, elsewhere)| demo::DemoMusic { here, elsewhere })
        .filter(|_| demo::applies(&library, preferences.welcomed));
    let demo = demo.filter(|music| match demo::prepare(&library, music) {
        Ok(()) => {
            preferences.welcomed = true;
            preferences.save(&library).is_ok()
        }
        Err(error) => {
            tracing::warn!(%error, "the demo music cannot be used; the welcome asks instead");
            false
        }
    });
    let cloud = cloud::CloudState::start(
        library.clone(),
        &paths.data_dir,
        &paths.cache_dir,
        preferences.tuning(),
        app.handle().clone(),
    )?;
    let handle = app.handle().clone();
    let library_state = state::LibraryState::new(cloud.cloud.clone(), move |report| {
        use tauri_specta::Event;
        if let Err(error) = events::LibraryChanged(report).emit(&handle) {
            tracing::warn!(%error, "could not tell the UI about library changes");
        }
    });
    let player = playback::PlayerState::start(
        library_state.library.clone(),
        Some((cloud.cloud.clone(), cloud.runtime.clone())),
        &options.audio_output,
        app.handle().clone(),
    )?;
    commands::preferences::apply_to_player(&preferences, &player);
    app.manage(commands::preferences::PreferencesState(
        std::sync::Mutex::new(preferences),
    ));
    // "This computer as the cloud": started again as it was when the app last ran.
    let locker = locker::Locker::new(&paths.data_dir);
    if let Some(settings) = locker::LockerSettings::load(&library_state.library) {
        match tauri::async_runtime::block_on(locker.start(settings, false)) {
            Ok((info, _)) => tracing::info!(url = %info.url, "the built-in locker runs"),
            Err(error) => tracing::warn!(%error, "the built-in locker could not start"),
        }
    }
    app.manage(locker);
    app.manage(library_state);
    app.manage(cloud);
    app.manage(player);
    if let Some(music) = demo {
        demo::start(app.handle(), music, paths.data_dir.clone());
    }
    app.manage(paths);
    Ok(())
}

/// What the app does as it exits: the built-in locker lets its open requests finish and
/// frees its port. (Tests call it to stand for an exit.)
pub fn shutdown<R: Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(locker) = app.try_state::<locker::Locker>() {
        tauri::async_runtime::block_on(locker.stop());
    }
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Paths(#[from] paths::PathsError),
    #[error("cannot open the music library")]
    Library(#[from] tonearm_library::LibraryError),
    #[error("cannot start the audio engine")]
    Player(#[from] tonearm_player::PlayerError),
    #[error("cannot open the cloud connection")]
    Cloud(#[from] tonearm_sync::SyncError),
}
