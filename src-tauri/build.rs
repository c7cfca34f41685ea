//! Build script: checks the shared config is reachable, then lets tauri-build generate the
//! context and the permissions of Tonearm's own commands.
//!
//! Every command the UI may call is listed in [`COMMANDS`]; tauri-build turns each into an
//! `allow-<name>` permission, and `tauri.conf.json` grants the main window exactly those. A
//! command missing here is denied at run time, which keeps the webview's reach explicit.

/// Commands the webview may invoke. Keep in step with `src/ipc.rs`.
const COMMANDS: &[&str] = &[
    "get_app_info",
    "list_music_folders",
    "suggest_music_folders",
    "discover_music",
    "add_music_folder",
    "remove_music_folder",
    "scan_library",
    "cancel_scan",
    "list_tracks",
    "list_track_ids",
    "get_tracks",
    "search_library",
    "list_artist_albums",
    "reveal_track",
    "list_albums",
    "list_artists",
    "list_genres",
    "get_library_stats",
    "get_artwork",
    "edit_tags",
    "undo_tag_edit",
    "can_undo_tag_edit",
    "set_loved",
    "set_rating",
    "list_playlists",
    "get_playlist",
    "create_playlist",
    "rename_playlist",
    "delete_playlist",
    "add_to_playlist",
    "remove_from_playlist",
    "move_in_playlist",
    "import_playlist",
    "import_itunes",
    "export_playlist",
    "control_player",
    "get_player_state",
    "cloud_login",
    "cloud_logout",
    "get_cloud_status",
    "upload_library",
    "queue_uploads",
    "pause_uploads",
    "resume_uploads",
    "sync_cloud",
    "list_api_keys",
    "create_api_key",
    "revoke_api_key",
    "pin_tracks",
    "unpin_tracks",
    "delete_from_cloud",
    "plan_free_up",
    "plan_free_up_unplayed",
    "free_up",
    "download_songs",
    "export_library",
    "get_local_locker",
    "start_local_locker",
    "stop_local_locker",
    "get_web_player",
    "get_preferences",
    "set_preferences",
];

fn main() {
    check_config_link();
    // The built UI is embedded into the binary: rebuild when it changes.
    println!("cargo:rerun-if-changed=../ui/dist");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}

/// `src-tauri/tauri.conf.json` is a symlink to the root config. On a Windows checkout made
/// without `core.symlinks`, git writes a one-line text file instead; say how to fix it
/// rather than failing later with a JSON parse error.
fn check_config_link() {
    let link = std::path::Path::new("tauri.conf.json");
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    let text = std::fs::read_to_string(link).unwrap_or_default();
    if !text.trim_start().starts_with('{') {
        panic!(
            "src-tauri/tauri.conf.json must be a symlink to ../tauri.conf.json, but it holds {text:?}. \
             On Windows, enable Developer Mode and run `git config core.symlinks true`, then \
             `git checkout -- src-tauri/tauri.conf.json` (or run `cargo xtask doctor`)"
        );
    }
}
