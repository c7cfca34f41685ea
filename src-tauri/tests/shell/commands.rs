//! The commands answer through the real IPC path with the values the UI relies on.

use crate::support::{app, invoke};

#[test]
fn app_info_reports_the_version_and_the_directories_it_created() {
    let data = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = app(data.path());

    let info =
        invoke(&window, "get_app_info", serde_json::json!({})).expect("get_app_info answers");

    assert_eq!(info["name"], "Tonearm");
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["os"], std::env::consts::OS);
    assert_eq!(info["dataDir"], data.path().display().to_string());
    for key in ["dataDir", "cacheDir", "logDir"] {
        let dir = info[key].as_str().expect("directories are strings");
        assert!(
            std::path::Path::new(dir).is_dir(),
            "{key} {dir} was created"
        );
        assert!(
            dir.starts_with(&data.path().display().to_string()),
            "{key} is under the data dir"
        );
    }
}

#[test]
fn unknown_commands_are_refused() {
    let data = tempfile::tempdir().expect("a temp dir");
    let (_app, window) = app(data.path());

    let result = invoke(
        &window,
        "read_any_file",
        serde_json::json!({ "path": "/etc/passwd" }),
    );

    assert!(
        result.is_err(),
        "an unregistered command must not answer: {result:?}"
    );
}

#[test]
fn the_first_run_offers_the_demo_library_until_it_is_a_music_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = dir.path().join("Demo music");
    let (_app, window) = app(dir.path());
    let offered = |window: &tauri::WebviewWindow<tauri::test::MockRuntime>| {
        invoke(window, "suggest_music_folders", serde_json::json!({}))
            .expect("suggestions")
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_str().expect("a path").to_owned())
            .collect::<Vec<_>>()
    };
    assert!(
        offered(&window).is_empty() || !offered(&window)[0].contains("Demo music"),
        "not there yet"
    );
    std::fs::create_dir_all(&demo).expect("demo folder");
    let demo = std::fs::canonicalize(&demo)
        .expect("canonical")
        .display()
        .to_string();
    assert_eq!(offered(&window).first(), Some(&demo), "offered first");
    invoke(
        &window,
        "add_music_folder",
        serde_json::json!({ "path": demo }),
    )
    .expect("added");
    assert!(
        !offered(&window).contains(&demo),
        "no longer offered once added"
    );
}
