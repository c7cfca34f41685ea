//! The committed TypeScript bindings must match the Rust commands they describe.
//!
//! `UPDATE_BINDINGS=1` rewrites the committed file instead of failing (`cargo xtask codegen`).

use crate::support::workspace_root;
use tonearm_desktop::ipc::{BINDINGS_PATH, export_bindings};

#[test]
fn committed_bindings_match_the_rust_commands() {
    let scratch = tempfile::tempdir().expect("a temp dir");
    let fresh_path = scratch.path().join("bindings.ts");
    export_bindings(&fresh_path).expect("bindings export");
    let fresh = std::fs::read_to_string(&fresh_path).expect("fresh bindings are readable");

    let committed_path = workspace_root().join(BINDINGS_PATH);
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&committed_path, &fresh).expect("bindings written");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path)
        .unwrap_or_default()
        .replace("\r\n", "\n");
    assert!(
        committed == fresh,
        "{BINDINGS_PATH} is stale: run `cargo xtask codegen` and commit the result"
    );
}

#[test]
fn bindings_expose_every_command_the_webview_is_allowed_to_call() {
    let committed = std::fs::read_to_string(workspace_root().join(BINDINGS_PATH))
        .expect("bindings are committed");
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("tauri.conf.json")).expect("config exists"),
    )
    .expect("config is JSON");
    let permissions = config["app"]["security"]["capabilities"][0]["permissions"]
        .as_array()
        .expect("the main window has a permission list");
    let granted: Vec<&str> = permissions
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .collect();
    assert!(
        !granted.is_empty(),
        "the main window may call at least one command"
    );
    for command in granted {
        let invoke = format!("(\"{}\"", command.replace('-', "_"));
        assert!(committed.contains(&invoke), "no binding invokes {command}");
    }
}

#[test]
fn the_webview_is_allowed_every_command_the_bindings_call() {
    let committed = std::fs::read_to_string(workspace_root().join(BINDINGS_PATH))
        .expect("bindings are committed");
    let config =
        std::fs::read_to_string(workspace_root().join("tauri.conf.json")).expect("config exists");
    // A command the UI calls but the window is not granted fails at run time, silently.
    let called: Vec<&str> = committed
        .split("TAURI_INVOKE(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(called.len() > 10, "the bindings call commands: {called:?}");
    for command in called {
        let permission = format!("\"allow-{}\"", command.replace('_', "-"));
        assert!(
            config.contains(&permission),
            "{command} is called by the UI but not granted in tauri.conf.json (and build.rs)"
        );
    }
}
