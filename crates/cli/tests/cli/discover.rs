//! `tonearm folders discover [--add] [--json] [PATH...]` on a home folder made in a temp dir
//! (HOME pointed at it): the places printed, added once, never around a music folder.

use crate::Cli;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The temp dir as a home: the fixtures' `Music/Album`, a Soulseek folder with two albums, a
/// loose song, sounds in `node_modules`; the library's data folder is in it too.
fn home(cli: &Cli) -> PathBuf {
    let home = std::fs::canonicalize(cli.data.path()).expect("canonical");
    let song = tonearm_testkit::fixtures::audio_dir().join("id3v24.mp3");
    for relative in [
        "Downloads/Soulseek/One/1.mp3",
        "Downloads/Soulseek/Two/1.mp3",
        "loose.mp3",
        "project/node_modules/chime/ding.mp3",
    ] {
        let target = home.join(relative);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("dirs");
        std::fs::copy(&song, &target).expect("copied");
    }
    home
}

fn discover(cli: &Cli, home: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tonearm"))
        .env("HOME", home)
        .arg("--data-dir")
        .arg(cli.data.path().join("library"))
        .args(["folders", "discover"])
        .args(args)
        .arg(home)
        .output()
        .expect("tonearm runs");
    assert!(
        out.status.success(),
        "discover {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn places(report: &Value) -> Vec<(String, u64, bool)> {
    report["places"]
        .as_array()
        .expect("places")
        .iter()
        .map(|p| {
            (
                p["path"].as_str().expect("path").to_owned(),
                p["songs"].as_u64().expect("songs"),
                p["in_library"].as_bool().expect("in_library"),
            )
        })
        .collect()
}

fn path(home: &Path, relative: &str) -> String {
    home.join(relative).to_string_lossy().into_owned()
}

#[test]
fn discover_prints_the_places_holding_music() {
    let cli = Cli::new();
    let home = home(&cli);
    let report: Value = serde_json::from_str(&discover(&cli, &home, &["--json"])).expect("JSON");
    assert_eq!(
        places(&report),
        [
            (path(&home, "Music"), 4, false),
            (path(&home, "Downloads/Soulseek"), 2, false)
        ],
        "{report:#}"
    );
    assert_eq!(report["songs"], 6);
    assert_eq!(report["unsupported"], 1, "the .wma");
    assert_eq!(report["stray"]["songs"], 1, "the song loose in the home");
    assert_eq!(report["skipped"]["development"], 1);
    assert_eq!(report["skipped"]["excluded"], 1, "the library's own folder");
    assert!(report.get("added").is_none());

    let text = discover(&cli, &home, &[]);
    assert!(text.starts_with("Found 6 songs in 2 places"), "{text}");
    assert!(text.contains("4 songs"), "{text}");
    assert!(text.contains(&path(&home, "Downloads/Soulseek")), "{text}");
    assert!(text.contains("1 song outside these places"), "{text}");
    let folders = cli.json(&["folders", "list", "--json"]);
    assert_eq!(
        folders,
        serde_json::json!([]),
        "nothing added without --add"
    );
}

#[test]
fn discover_add_adds_each_place_once_and_never_around_a_music_folder() {
    let cli = Cli::new();
    let home = home(&cli);
    let one = path(&home, "Downloads/Soulseek/One");
    cli.ok(&["folders", "add", &one]);

    let report: Value =
        serde_json::from_str(&discover(&cli, &home, &["--add", "--json"])).expect("JSON");
    // Soulseek holds a music folder: its other album is offered beside it.
    assert_eq!(
        places(&report),
        [
            (path(&home, "Music"), 4, false),
            (path(&home, "Downloads/Soulseek/One"), 1, true),
            (path(&home, "Downloads/Soulseek/Two"), 1, false)
        ],
        "{report:#}"
    );
    let outcomes: Vec<(&str, &str)> = report["added"]
        .as_array()
        .expect("added")
        .iter()
        .map(|a| {
            (
                a["path"].as_str().expect("path"),
                a["outcome"].as_str().expect("outcome"),
            )
        })
        .collect();
    let (music, two) = (path(&home, "Music"), path(&home, "Downloads/Soulseek/Two"));
    assert_eq!(
        outcomes,
        [
            (one.as_str(), "in_library"),
            (two.as_str(), "added"),
            (music.as_str(), "added")
        ]
    );
    let folders = cli.json(&["folders", "list", "--json"]);
    assert_eq!(folders.as_array().expect("folders").len(), 3);
    let scan = cli.json(&["scan", "--json"]);
    assert_eq!(
        scan["files_found"], 6,
        "the scan finds what discovery counted"
    );

    let again = discover(&cli, &home, &["--add"]);
    assert!(!again.contains("\nadded "), "{again}");
    assert!(again.contains("already in the library"), "{again}");
    assert!(again.contains("[in the library]"), "{again}");
}
