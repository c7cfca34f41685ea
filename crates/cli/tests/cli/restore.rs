//! `tonearm cloud download` and `tonearm export` against a real locker server: a new
//! computer downloads one album, then the rest, and the songs become its own; an export
//! holds the files, the playlists and `library.json`.

use serde_json::Value;
use std::path::Path;
use tonearm_testkit::locker::{Locker, PASSWORD};

/// Runs `tonearm ARGS` on the data directory `data` with `stdin`; stdout, or a failure with
/// stderr.
fn tonearm(data: &Path, args: &[&str], stdin: &str) -> String {
    super::tonearm_ok(data, args, stdin, &[])
}

fn json(data: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&tonearm(data, args, "")).expect("json")
}

fn login(data: &Path, url: &str) {
    tonearm(
        data,
        &["cloud", "login", url, "--user", "ann", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
}

#[test]
fn a_new_computer_downloads_an_album_then_everything_and_exports_it() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(Locker::start());
    runtime.block_on(server.add_user("ann"));
    let url = server.url();
    let fixtures = tonearm_testkit::fixtures::audio_dir();

    let a = tempfile::tempdir().expect("device a");
    let music = a.path().join("Music");
    std::fs::create_dir_all(&music).expect("music");
    for name in ["tagged.flac", "untagged.mp3"] {
        std::fs::copy(fixtures.join(name), music.join(name)).expect("copy");
    }
    tonearm(
        a.path(),
        &["folders", "add", music.to_str().expect("utf-8")],
        "",
    );
    tonearm(a.path(), &["scan"], "");
    login(a.path(), &url);
    tonearm(a.path(), &["cloud", "upload", "--wait"], "");

    let b = tempfile::tempdir().expect("device b");
    login(b.path(), &url);
    tonearm(b.path(), &["cloud", "sync"], "");
    let tracks = json(b.path(), &["tracks", "--json"]);
    let items = tracks["items"].as_array().expect("items").clone();
    assert!(items.iter().all(|t| t["state"] == "cloud"));
    let flac = items
        .iter()
        .find(|t| t["format"] == "flac")
        .expect("the FLAC")
        .clone();
    let album = flac["album"].as_str().expect("an album").to_uppercase();

    let restored = b.path().join("Restored");
    let dir = restored.to_str().expect("utf-8");
    let report = json(
        b.path(),
        &["cloud", "download", dir, "--album", &album, "--json"],
    );
    assert_eq!(
        report["downloaded"].as_array().expect("list").len(),
        1,
        "{report}"
    );
    assert_eq!(report["downloaded"][0]["track_id"], flac["id"]);
    let report = json(b.path(), &["cloud", "download", dir, "--json"]);
    assert_eq!(
        report["downloaded"].as_array().expect("list").len(),
        1,
        "{report}"
    );
    assert_eq!(report["failed"].as_array().expect("list").len(), 0);

    let tracks = json(b.path(), &["tracks", "--json"]);
    for track in tracks["items"].as_array().expect("items") {
        assert_eq!(track["state"], "present", "{track}");
        let path = Path::new(track["path"].as_str().expect("path"));
        let original = music.join(if track["format"] == "flac" {
            "tagged.flac"
        } else {
            "untagged.mp3"
        });
        assert_eq!(
            std::fs::read(path).expect("restored"),
            std::fs::read(original).expect("original")
        );
        assert!(items.iter().any(|t| t["id"] == track["id"]), "same ids");
    }

    let out = tempfile::tempdir().expect("export");
    let report = json(
        b.path(),
        &["export", out.path().to_str().expect("utf-8"), "--json"],
    );
    assert_eq!(report["songs"], 2, "{report}");
    let library: Value = serde_json::from_slice(
        &std::fs::read(out.path().join("library.json")).expect("library.json"),
    )
    .expect("JSON");
    assert_eq!(library["songs"].as_array().expect("songs").len(), 2);
    for song in library["songs"].as_array().expect("songs") {
        assert!(
            out.path()
                .join(song["file"].as_str().expect("file"))
                .is_file()
        );
    }
}
