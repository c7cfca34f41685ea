//! Tag editing through the IPC: an edit of two songs reaches their files (a library that
//! scans the edited file afresh reads the new tags), fields left alone stay, undo puts back.

use crate::player::library_with_two_tracks;
use crate::support::{app, invoke};
use serde_json::json;
use tonearm_library::Library;

/// The title and album a fresh library reads from a copy of `file`.
fn tags_in_file(file: &str) -> (String, Option<String>, Option<String>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let library = Library::open(dir.path(), &dir.path().join("cache")).expect("library");
    tonearm_testkit::library::add_music(&library, &dir.path().join("Music"), &[file.into()]);
    let track = library
        .tracks(&Default::default(), Default::default(), false, 0, 1)
        .expect("tracks")
        .items
        .remove(0);
    (track.title, track.album, track.genre)
}

#[test]
fn editing_two_songs_changes_their_files_and_undo_puts_them_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = library_with_two_tracks(dir.path());
    let (_app, window) = app(dir.path());
    let before = invoke(&window, "get_tracks", json!({ "ids": ids })).expect("get_tracks");
    let titles: Vec<String> = before
        .as_array()
        .expect("tracks")
        .iter()
        .map(|t| t["title"].as_str().expect("title").to_owned())
        .collect();

    assert_eq!(
        invoke(&window, "can_undo_tag_edit", json!({})).expect("can_undo"),
        json!(false)
    );
    let report = invoke(
        &window,
        "edit_tags",
        json!({
            "trackIds": ids,
            "edit": {
                "album": { "action": "set", "value": "Edited album" },
                "genre": { "action": "clear" },
                "title": { "action": "leave" },
            },
            "cover": { "kind": "leave" },
        }),
    )
    .expect("edit_tags answers");
    assert_eq!(report["failed"], json!([]));
    assert_eq!(report["edited"].as_array().map(Vec::len), Some(2));

    let after = invoke(&window, "get_tracks", json!({ "ids": ids })).expect("get_tracks");
    for (track, title) in after.as_array().expect("tracks").iter().zip(&titles) {
        assert_eq!(track["album"], json!("Edited album"));
        assert_eq!(track["title"], json!(title), "titles were left alone");
        let (file_title, file_album, file_genre) =
            tags_in_file(track["path"].as_str().expect("path"));
        assert_eq!(&file_title, title);
        assert_eq!(file_album.as_deref(), Some("Edited album"));
        assert_eq!(file_genre, None);
    }

    assert_eq!(
        invoke(&window, "can_undo_tag_edit", json!({})).expect("can_undo"),
        json!(true)
    );
    let undone = invoke(&window, "undo_tag_edit", json!({})).expect("undo_tag_edit");
    assert_eq!(undone["edited"].as_array().map(Vec::len), Some(2));
    let restored = invoke(&window, "get_tracks", json!({ "ids": ids })).expect("get_tracks");
    for (now, then) in restored
        .as_array()
        .expect("tracks")
        .iter()
        .zip(before.as_array().expect("tracks"))
    {
        for field in ["title", "album", "genre", "genres", "artist", "year"] {
            assert_eq!(now[field], then[field], "{field} is back");
        }
        let (_, file_album, file_genre) = tags_in_file(now["path"].as_str().expect("path"));
        assert_eq!(
            file_album.as_ref(),
            then["album"].as_str().map(str::to_owned).as_ref()
        );
        assert_eq!(file_genre.as_deref(), then["genre"].as_str());
    }
}

#[test]
fn a_cover_file_that_cannot_be_read_is_refused_before_anything_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = library_with_two_tracks(dir.path());
    let (_app, window) = app(dir.path());
    let error = invoke(
        &window,
        "edit_tags",
        json!({
            "trackIds": ids,
            "edit": { "album": { "action": "set", "value": "X" } },
            "cover": { "kind": "from_file", "path": dir.path().join("nope.jpg") },
        }),
    )
    .expect_err("a missing picture is refused");
    assert_eq!(error["kind"], json!("invalid"), "{error}");
    assert_eq!(
        invoke(&window, "can_undo_tag_edit", json!({})).expect("can_undo"),
        json!(false)
    );
}

#[test]
fn remove_takes_the_cover_off_and_a_picture_file_puts_one_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = library_with_two_tracks(dir.path());
    let (_app, window) = app(dir.path());
    let artwork = |window: &tauri::WebviewWindow<tauri::test::MockRuntime>| {
        invoke(window, "get_tracks", json!({ "ids": [ids[0]] })).expect("get_tracks")[0]
            ["artwork_id"]
            .clone()
    };
    assert!(artwork(&window).is_string(), "the fixture has a cover");
    let report = invoke(
        &window,
        "edit_tags",
        json!({ "trackIds": [ids[0]], "edit": {}, "cover": { "kind": "remove" } }),
    )
    .expect("edit_tags answers");
    assert_eq!(report["failed"], json!([]));
    assert_eq!(artwork(&window), json!(null));

    let picture = tonearm_testkit::fixtures::audio_dir().join("cover.jpg");
    invoke(
        &window,
        "edit_tags",
        json!({ "trackIds": [ids[0]], "edit": {}, "cover": { "kind": "from_file", "path": picture } }),
    )
    .expect("edit_tags answers");
    assert!(artwork(&window).is_string(), "the picture is the cover");
}
