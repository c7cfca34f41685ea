//! `tonearm cloud free-up` against a real locker server: the plan first, then the files in
//! the trash under `$XDG_DATA_HOME`, the songs still listed, cloud-only.

use super::play::fixtures;
use serde_json::Value;
use std::path::Path;
use tonearm_testkit::locker::{Locker, PASSWORD};

/// Runs `tonearm ARGS` on `data`, with its trash under `xdg`; asserts it succeeded.
fn tonearm(data: &Path, xdg: &Path, args: &[&str], stdin: &str) -> String {
    super::tonearm_ok(data, args, stdin, &[("XDG_DATA_HOME", xdg.as_os_str())])
}

#[test]
fn free_up_shows_the_plan_then_moves_the_files_to_the_trash() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(Locker::start());
    runtime.block_on(server.add_user("ann"));
    let data = tempfile::tempdir().expect("device");
    let xdg = tempfile::tempdir().expect("XDG_DATA_HOME");
    let run = |args: &[&str]| tonearm(data.path(), xdg.path(), args, "");
    let music = data.path().join("Music");
    std::fs::create_dir_all(&music).expect("music");
    for name in ["tagged.flac", "id3v24.mp3"] {
        std::fs::copy(fixtures().join(name), music.join(name)).expect("copy");
    }
    run(&["folders", "add", music.to_str().expect("utf-8")]);
    run(&["scan"]);
    tonearm(
        data.path(),
        xdg.path(),
        &[
            "cloud",
            "login",
            &server.url(),
            "--user",
            "ann",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    run(&["cloud", "upload", "--wait"]);
    let tracks: Value = serde_json::from_str(&run(&["tracks", "--json"])).expect("json");
    let flac = tracks["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["format"] == "flac")
        .expect("the FLAC")
        .clone();
    let id = flac["id"].as_str().expect("id");
    let size = flac["size"].as_u64().expect("size");

    // The dry run only tells.
    let plan = run(&["cloud", "free-up", id, "--dry-run"]);
    assert!(plan.contains("would free") && plan.contains(id), "{plan}");
    assert!(music.join("tagged.flac").exists());
    let dry: Value =
        serde_json::from_str(&run(&["cloud", "free-up", id, "--dry-run", "--json"])).expect("json");
    assert_eq!(dry["plan"]["total_bytes"], size, "{dry}");
    assert_eq!(dry["report"], Value::Null);

    // Then it is done: the file is in the trash, the song is cloud-only.
    let done: Value =
        serde_json::from_str(&run(&["cloud", "free-up", id, "--json"])).expect("json");
    assert_eq!(done["report"]["freed_bytes"], size, "{done}");
    assert!(!music.join("tagged.flac").exists());
    assert!(xdg.path().join("Trash/files/tagged.flac").exists());
    assert!(xdg.path().join("Trash/info/tagged.flac.trashinfo").exists());
    let shown: Value = serde_json::from_str(&run(&["tracks", "--json"])).expect("json");
    let flac = shown["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == id)
        .expect("still listed")
        .clone();
    assert_eq!(flac["state"], "cloud");

    // Asked again, it is skipped as already in the cloud only.
    let again = run(&["cloud", "free-up", id]);
    assert!(again.contains("already only in the cloud"), "{again}");
    assert!(music.join("id3v24.mp3").exists());
}
