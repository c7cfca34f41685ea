//! Builds the real app configuration on Tauri's mock runtime and calls its commands the way
//! the webview does.

use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};
use tonearm_desktop::ShellOptions;
use tonearm_desktop::playback::AudioOutput;

pub use tonearm_testkit::fixtures::workspace_root;

/// An app with Tonearm's commands and state, keeping its data under `data_dir`.
pub fn app(data_dir: &std::path::Path) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_with_sound(data_dir, AudioOutput::System)
}

/// An app whose sound goes to `audio_output`.
pub fn app_with_sound(
    data_dir: &std::path::Path,
    audio_output: AudioOutput,
) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    app_with_options(&ShellOptions {
        data_dir: Some(data_dir.to_path_buf()),
        audio_output,
        demo_music: Some(data_dir.join("Demo music")),
        demo_cloud_music: None,
    })
}

/// An app started with `options` (which must name a data directory).
pub fn app_with_options(options: &ShellOptions) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = tonearm_desktop::configure(mock_builder())
        .build(mock_context(noop_assets()))
        .expect("the app builds on the mock runtime");
    tonearm_desktop::start(&app, options).expect("the app starts");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("the main window opens");
    (app, window)
}

/// Invokes `command` with a JSON body from the main window, as the UI would.
pub fn invoke(
    window: &WebviewWindow<MockRuntime>,
    command: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let request = InvokeRequest {
        cmd: command.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().expect("a valid url"),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    };
    get_ipc_response(window, request).map(|response| {
        response
            .deserialize::<serde_json::Value>()
            .expect("command responses are JSON")
    })
}

/// Plays `track_ids` as the UI's "play" does and waits for the end of the queue; returns
/// every `player-changed` event until then.
pub fn play_to_the_end(
    app: &App<MockRuntime>,
    window: &WebviewWindow<MockRuntime>,
    track_ids: serde_json::Value,
) -> Vec<serde_json::Value> {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    use tauri::Listener;
    let changes: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let sink = changes.clone();
    app.listen_any("player-changed", move |event| {
        let value = serde_json::from_str(event.payload()).expect("json payload");
        sink.lock().expect("lock").push(value);
    });
    invoke(
        window,
        "control_player",
        serde_json::json!({ "control": { "kind": "play", "track_ids": track_ids, "start": 0 } }),
    )
    .expect("play is accepted");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = changes.lock().expect("lock").clone();
        if seen.iter().any(|c| c["kind"] == "ended") {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "the queue never ended: {seen:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
