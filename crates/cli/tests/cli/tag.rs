//! `tonearm tag show` and `tonearm tag set`: tracks named by id or path, fields set and
//! cleared in the files, the cover replaced and removed, undo, and a file that cannot be
//! edited reported with exit status 1.

use crate::Cli;

#[test]
fn tags_are_shown_set_cleared_and_undone_by_id_or_path() {
    let cli = Cli::scanned();
    let flac = cli.music.join("Album").join("tagged.flac");
    let flac_path = flac.to_str().expect("utf-8");
    let shown = cli.json(&["tag", "show", flac_path, "--json"]);
    let before = &shown[0];
    let id = before["id"].as_str().expect("id").to_owned();
    let mp3 = cli.music.join("Album").join("id3v24.mp3");
    let mp3_id = cli.json(&["tag", "show", mp3.to_str().expect("utf-8"), "--json"])[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let cover = tonearm_testkit::fixtures::audio_dir().join("cover.jpg");
    let report = cli.json(&[
        "tag",
        "set",
        &id,
        &mp3_id,
        "--album",
        "Edited Album",
        "--year",
        "1999",
        "--clear",
        "genre",
        "--cover",
        cover.to_str().expect("utf-8"),
        "--json",
    ]);
    assert_eq!(
        report["edited"].as_array().expect("edited").len(),
        2,
        "{report}"
    );
    assert_eq!(report["failed"], serde_json::json!([]));

    let after = cli.json(&["tag", "show", &id, &mp3_id, "--json"]);
    for track in after.as_array().expect("tracks") {
        assert_eq!(track["album"], "Edited Album", "{track}");
        assert_eq!(track["year"], 1999);
        assert_eq!(track["genre"], serde_json::Value::Null);
        assert!(track["artwork_id"].is_string());
    }
    assert_eq!(after[0]["title"], before["title"], "fields not given stay");
    assert_eq!(after[0]["id"], before["id"], "the track keeps its id");

    let text = cli.ok(&["tag", "show", flac_path]);
    assert!(
        text.contains("Edited Album") && text.contains("1999"),
        "{text}"
    );
    assert!(text.contains("cover        yes"), "{text}");

    cli.ok(&[
        "tag",
        "set",
        flac_path,
        "--no-cover",
        "--title",
        "New Title",
    ]);
    let edited = &cli.json(&["tag", "show", &id, "--json"])[0];
    assert_eq!(edited["title"], "New Title");
    assert_eq!(edited["artwork_id"], serde_json::Value::Null);

    cli.ok(&["tag", "undo"]);
    let undone = &cli.json(&["tag", "show", &id, "--json"])[0];
    assert_eq!(undone["title"], before["title"]);
    assert!(undone["artwork_id"].is_string());
    assert!(
        !cli.run(&["tag", "undo"]).status.success(),
        "nothing left to undo"
    );

    // The rescan finds the library in step with the files.
    let scan = cli.json(&["scan", "--json"]);
    assert_eq!(scan["added"], 0, "{scan}");
    assert_eq!(scan["updated"], 0, "{scan}");
}

#[test]
fn a_read_only_file_is_reported_and_nothing_given_is_refused() {
    let cli = Cli::scanned();
    let ogg = cli.music.join("Album").join("tagged.ogg");
    let bytes = std::fs::read(&ogg).expect("read");
    let mut permissions = std::fs::metadata(&ogg).expect("stat").permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&ogg, permissions).expect("read-only");
    let out = cli.run(&["tag", "set", ogg.to_str().expect("utf-8"), "--title", "X"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the file is read-only"), "{stderr}");
    assert_eq!(std::fs::read(&ogg).expect("read"), bytes);

    let out = cli.run(&["tag", "set", ogg.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to change"));
    let out = cli.run(&["tag", "show", "/no/such/file.mp3"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither a track id nor a file"));
}
