//! The `tonearm` binary driven as a user or a script would: real files, a temp data dir,
//! JSON output parsed and checked.

mod cloud;
mod discover;
mod free_up;
mod itunes;
mod media_keys;
mod play;
mod restore;
mod tag;

use serde_json::Value;
use std::path::Path;
use std::path::PathBuf;
use std::process::{Command, Stdio};

struct Cli {
    data: tempfile::TempDir,
    music: PathBuf,
}

impl Cli {
    fn new() -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let music = data.path().join("Music");
        let fixtures = tonearm_testkit::fixtures::audio_dir();
        std::fs::create_dir_all(music.join("Album")).expect("music dir");
        for name in [
            "tagged.flac",
            "tagged.ogg",
            "id3v24.mp3",
            "garbage.mp3",
            "unsupported.wma",
        ] {
            std::fs::copy(fixtures.join(name), music.join("Album").join(name)).expect("copy");
        }
        Self { data, music }
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_tonearm"))
            .arg("--data-dir")
            .arg(self.data.path().join("library"))
            .args(args)
            .output()
            .expect("tonearm runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "tonearm {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).expect("valid JSON")
    }

    fn scanned() -> Self {
        let cli = Self::new();
        cli.ok(&["folders", "add", cli.music.to_str().expect("utf-8")]);
        cli.ok(&["scan"]);
        cli
    }
}

#[test]
fn scan_reports_what_it_found_as_json() {
    let cli = Cli::new();
    cli.ok(&["folders", "add", cli.music.to_str().expect("utf-8")]);
    let report = cli.json(&["scan", "--json"]);
    assert_eq!(report["files_found"], 4);
    assert_eq!(report["added"], 3);
    assert_eq!(
        report["unreadable"][0]["path"]
            .as_str()
            .map(|p| p.ends_with("garbage.mp3")),
        Some(true)
    );
    assert!(
        report["unsupported"][0]
            .as_str()
            .is_some_and(|p| p.ends_with("unsupported.wma"))
    );
    let again = cli.json(&["scan", "--json"]);
    assert_eq!(again["unchanged"], 4);
    let folders = cli.json(&["folders", "list", "--json"]);
    assert_eq!(folders[0]["track_count"], 4);
    assert_eq!(folders[0]["available"], true);
}

#[test]
fn tracks_json_carries_every_stored_field() {
    let cli = Cli::scanned();
    let page = cli.json(&["tracks", "--json", "--sort", "title"]);
    assert_eq!(page["total"], 4);
    let flac = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["codec"] == "flac")
        .expect("the FLAC");
    for field in [
        "id",
        "path",
        "size",
        "mtime_ms",
        "format",
        "codec",
        "duration_ms",
        "sample_rate",
        "channels",
        "title",
        "artists",
        "album",
        "album_artist",
        "track_no",
        "disc_no",
        "year",
        "genres",
        "composer",
        "replaygain",
        "musicbrainz",
        "artwork_id",
        "play_count",
        "rating",
        "added_at",
        "state",
        "extra_tags",
    ] {
        assert!(flac.get(field).is_some(), "field {field} is in the JSON");
    }
    assert_eq!(flac["artists"], serde_json::json!(["Beyoncé", "Sigur Rós"]));
    assert_eq!(flac["state"], "present");
    let filtered = cli.json(&["tracks", "--json", "--query", "format:vorbis"]);
    assert_eq!(filtered["total"], 1);
}

#[test]
fn search_and_stats() {
    let cli = Cli::scanned();
    let found = cli.json(&["search", "naive melo", "--json"]);
    assert_eq!(found["items"][0]["title"], "Naïve Mélodie 大阪 (ID3v2.4)");
    let text = cli.ok(&["search", "beyonce"]);
    assert_eq!(text.lines().count(), 3, "{text}");
    let stats = cli.json(&["stats", "--json"]);
    assert_eq!(
        (
            stats["tracks"].as_u64(),
            stats["present"].as_u64(),
            stats["unreadable"].as_u64()
        ),
        (Some(4), Some(3), Some(1))
    );
}

#[test]
fn playlists_are_built_reordered_and_round_trip_through_m3u() {
    let cli = Cli::scanned();
    let tracks = cli.json(&["tracks", "--json", "--sort", "title"]);
    let ids: Vec<String> = tracks["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|t| t["state"] == "present")
        .map(|t| t["id"].as_str().expect("id").to_owned())
        .collect();
    let playlist = cli.ok(&["playlist", "create", "Evening"]).trim().to_owned();
    let mut args = vec!["playlist", "add", playlist.as_str()];
    args.extend(ids.iter().map(String::as_str));
    let entries: Vec<String> = cli.ok(&args).lines().map(str::to_owned).collect();
    assert_eq!(entries.len(), 3);
    cli.ok(&["playlist", "move", &playlist, &entries[2], "0"]);
    let shown = cli.json(&["playlist", "show", &playlist, "--json"]);
    let order: Vec<&str> = shown["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        order,
        vec![
            entries[2].as_str(),
            entries[0].as_str(),
            entries[1].as_str()
        ]
    );

    let file = cli.music.join("evening.m3u8");
    cli.ok(&[
        "playlist",
        "export",
        &playlist,
        file.to_str().expect("utf-8"),
    ]);
    assert!(
        std::fs::read_to_string(&file)
            .expect("written")
            .contains("\nAlbum/")
    );
    let imported = cli.json(&[
        "playlist",
        "import",
        file.to_str().expect("utf-8"),
        "--json",
    ]);
    assert_eq!(imported["added"], 3);
    let copy = cli.json(&[
        "playlist",
        "show",
        imported["playlist"].as_str().expect("id"),
        "--json",
    ]);
    let tracks_of = |p: &Value| {
        p["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["track_id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(tracks_of(&copy), tracks_of(&shown));
}

#[test]
fn mistakes_get_a_clear_error_and_status() {
    let cli = Cli::new();
    let out = cli.run(&["folders", "add", "/no/such/folder"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("tonearm: error: cannot access /no/such/folder"),
        "{stderr}"
    );
    let out = cli.run(&["playlist", "show", "not-a-uuid"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit with 2");
    let out = cli.run(&["search", "year:someday", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("year:someday"));
}

/// Runs `tonearm ARGS` on the data directory `data`, with `stdin` and more environment
/// (`env`), tokens in a file; returns stdout, stderr and whether it succeeded.
pub fn run_tonearm(
    data: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &std::ffi::OsStr)],
) -> (String, String, bool) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tonearm"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("TONEARM_TOKEN_STORE", "file")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tonearm runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("tonearm ends");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

/// [`run_tonearm`] that must succeed; its stdout.
pub fn tonearm_ok(
    data: &Path,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &std::ffi::OsStr)],
) -> String {
    let (stdout, stderr, success) = run_tonearm(data, args, stdin, env);
    assert!(success, "tonearm {args:?}: {stderr}");
    stdout
}
