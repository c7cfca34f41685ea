//! `tonearm import itunes FILE`: the library iTunes exports, in the real format, imported
//! into scanned files twice; the second run changes nothing. A broken file is an error that
//! says where.

use crate::Cli;
use tonearm_testkit::itunes::{Playlist, Song, file_url, library_xml};

const MEDIA: &str = "C:/Users/Åsa/Music/iTunes/iTunes Media/Music";

fn library_file(cli: &Cli) -> std::path::PathBuf {
    let songs = vec![
        Song {
            track_id: 1,
            persistent_id: "1111111111111111".into(),
            name: "Füße im Schnee 京都 (FLAC)".into(),
            location: Some(file_url(&format!("{MEDIA}/Album/tagged.flac"))),
            play_count: Some(4),
            played_at: Some(1_556_828_024_000),
            rating: Some(100),
            loved: true,
            ..Song::default()
        },
        Song {
            track_id: 2,
            persistent_id: "2222222222222222".into(),
            name: "Naïve Mélodie 大阪 (ID3v2.4)".into(),
            artist: Some("Beyoncé & Sigur Rós".into()),
            album: Some("Tonearm Fixtures — Ünïcode 音楽".into()),
            total_time_ms: Some(1500),
            skip_count: Some(2),
            ..Song::default()
        },
        Song {
            track_id: 3,
            persistent_id: "3333333333333333".into(),
            name: "Not Here".into(),
            location: Some(file_url(&format!("{MEDIA}/Album/not here.mp3"))),
            ..Song::default()
        },
    ];
    let playlists = vec![
        Playlist {
            playlist_id: 10,
            persistent_id: "AAAAAAAAAAAAAAA0".into(),
            name: "Library".into(),
            master: true,
            items: vec![1, 2, 3],
            ..Playlist::default()
        },
        Playlist {
            playlist_id: 11,
            persistent_id: "AAAAAAAAAAAAAAA1".into(),
            name: "Evenings".into(),
            folder: true,
            ..Playlist::default()
        },
        Playlist {
            playlist_id: 12,
            persistent_id: "AAAAAAAAAAAAAAA2".into(),
            name: "Quiet".into(),
            parent: Some("AAAAAAAAAAAAAAA1".into()),
            items: vec![2, 3, 1],
            ..Playlist::default()
        },
    ];
    let path = cli.data.path().join("Library.xml");
    std::fs::write(&path, library_xml(&songs, &playlists, &file_url(MEDIA))).expect("written");
    path
}

#[test]
fn an_itunes_library_is_imported_once_however_often_it_is_run() {
    let cli = Cli::scanned();
    let file = library_file(&cli);
    let file = file.to_str().expect("utf-8");

    let report = cli.json(&["import", "itunes", file, "--json"]);
    assert_eq!(report["songs"], 3);
    assert_eq!(report["matched_by_location"], 1);
    assert_eq!(report["matched_by_tags"], 1);
    assert_eq!(report["unmatched"][0]["name"], "Not Here");
    assert_eq!(
        report["unmatched"][0]["location"],
        "C:/Users/Åsa/Music/iTunes/iTunes Media/Music/Album/not here.mp3"
    );
    assert_eq!(report["plays_added"], 4);
    assert_eq!(report["skips_added"], 2);
    assert_eq!(report["playlists"][0]["name"], "Evenings / Quiet");
    assert_eq!(report["playlists"][0]["outcome"], "created");
    assert_eq!(report["playlists"][0]["entries"], 2);
    assert_eq!(report["playlists"][0]["not_found"], 1);

    let tracks = cli.json(&["tracks", "--json", "--query", "schnee"]);
    assert_eq!(tracks["items"][0]["rating"], 100);
    assert_eq!(tracks["items"][0]["loved"], true);
    assert_eq!(tracks["items"][0]["play_count"], 4);

    let again = cli.json(&["import", "itunes", file, "--json"]);
    for field in [
        "tracks_changed",
        "plays_added",
        "skips_added",
        "ratings_changed",
        "loves_changed",
        "dates_changed",
        "playlists_created",
        "playlists_updated",
    ] {
        assert_eq!(again[field], 0, "{field} on the second run");
    }
    assert_eq!(again["playlists"][0]["outcome"], "unchanged");
    let playlists = cli.json(&["playlist", "list", "--json"]);
    assert_eq!(playlists.as_array().map(Vec::len), Some(1));
    assert_eq!(playlists[0]["entry_count"], 2);

    let text = cli.ok(&["import", "itunes", file]);
    assert!(
        text.contains("3 songs: 1 matched by location, 1 by tags, 1 not found"),
        "{text}"
    );
    assert!(text.contains("unchanged Evenings / Quiet"), "{text}");
    assert!(text.contains("not found: Not Here"), "{text}");
}

#[test]
fn a_broken_library_file_is_an_error_saying_where() {
    let cli = Cli::scanned();
    let file = library_file(&cli);
    let text = std::fs::read_to_string(&file).expect("xml");
    std::fs::write(
        &file,
        text.replacen("<integer>4</integer>", "<integer>4x</integer>", 1),
    )
    .expect("broken");
    let out = cli.run(&["import", "itunes", file.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("`4x` is not an integer (song 1)"),
        "{message}"
    );
    assert!(message.contains("line "), "{message}");
    let playlists = cli.json(&["playlist", "list", "--json"]);
    assert_eq!(playlists, serde_json::json!([]));
}
