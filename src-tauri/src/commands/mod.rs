//! Tauri commands, one module per area of the app. Each command translates arguments, calls
//! into a core crate and maps the result; none holds business logic.

pub mod app;
pub mod cloud;
pub mod edit;
pub mod library;
pub mod locker;
pub mod player;
pub mod playlists;
pub mod preferences;

/// Runs a command's work that reads or writes the library, from an `async` command: Tauri runs
/// those on a Tokio worker, not on the window's thread (see `configure` in `lib.rs`). The
/// worker hands its other tasks to another thread while the work waits on SQLite, as a
/// blocking call must; the sync engine's tasks go on meanwhile.
pub(crate) fn blocking<T>(work: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(work)
}
