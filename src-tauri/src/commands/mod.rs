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
