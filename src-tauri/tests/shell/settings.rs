//! Settings and the browser's commands through the IPC: settings are kept, brought into
//! range and applied to the engines; lists give their ids, search comes grouped, playlists
//! go out to M3U and come back.

use crate::player::library_with_two_tracks;
use crate::support::{app, invoke};
use serde_json::json;

#[test]
fn settings_are_saved_clamped_and_applied_to_the_player_and_the_cloud() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let (_app, window) = app(dir.path());
        let defaults = invoke(&window, "get_preferences", json!({})).expect("defaults");
        assert_eq!(defaults["theme"], "system");
        assert_eq!(defaults["uploads_at_once"], 3);

        let mut wanted = defaults.clone();
        wanted["theme"] = json!("dark");
        wanted["replay_gain"]["mode"] = json!("album");
        wanted["replay_gain"]["preamp_db"] = json!(40.0);
        wanted["uploads_at_once"] = json!(50);
        wanted["upload_limit_kbps"] = json!(0);
        wanted["cache_budget_mb"] = json!(512);
        wanted["song_columns"] = json!([{ "column": "title", "width": 333 }]);
        let saved =
            invoke(&window, "set_preferences", json!({ "preferences": wanted })).expect("saved");
        assert_eq!(
            saved["replay_gain"]["preamp_db"], 15.0,
            "preamp kept in range"
        );
        assert_eq!(saved["uploads_at_once"], 8, "at most 8 uploads at once");
        assert_eq!(
            saved["upload_limit_kbps"],
            json!(null),
            "a zero limit is no limit"
        );

        // Applied: the cloud's cache budget now, the player's ReplayGain once it reads it.
        let cloud = invoke(&window, "get_cloud_status", json!({})).expect("status");
        assert_eq!(cloud["status"]["cache_budget"], 512 * 1024 * 1024);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let player = invoke(&window, "get_player_state", json!({})).expect("player");
            if player["status"]["replaygain"]["mode"] == "album" {
                assert_eq!(player["status"]["replaygain"]["preamp_db"], 15.0);
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the player never took the setting: {player}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    // The next start reads them back and applies them from the beginning.
    let (_app, window) = app(dir.path());
    let again = invoke(&window, "get_preferences", json!({})).expect("again");
    assert_eq!(again["theme"], "dark");
    assert_eq!(again["song_columns"][0]["width"], 333);
    let cloud = invoke(&window, "get_cloud_status", json!({})).expect("status");
    assert_eq!(cloud["status"]["cache_budget"], 512 * 1024 * 1024);
}

#[test]
fn lists_give_their_ids_search_is_grouped_and_playlists_round_trip_through_m3u() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids = library_with_two_tracks(dir.path());
    let (_app, window) = app(dir.path());
    let filter = json!({ "album_key": null, "artist": null, "genre": null, "present_only": false });

    let listed = invoke(
        &window,
        "list_track_ids",
        json!({ "filter": filter, "sort": "title", "descending": true }),
    )
    .expect("ids");
    let page = invoke(
        &window,
        "list_tracks",
        json!({ "filter": filter, "sort": "title", "descending": true, "offset": 0, "limit": 10 }),
    )
    .expect("page");
    let page_ids: Vec<_> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    assert_eq!(listed.as_array().expect("array"), &page_ids);

    let tracks = invoke(&window, "get_tracks", json!({ "ids": [ids[1], ids[0]] })).expect("tracks");
    assert_eq!(tracks[0]["id"], ids[1].as_str());
    assert_eq!(tracks[1]["id"], ids[0].as_str());
    assert_eq!(tracks[0]["upload_state"], "local_only");

    let found = invoke(
        &window,
        "search_library",
        json!({ "query": "beyon", "limit": 50 }),
    )
    .expect("search");
    assert!(found["songs"]["total"].as_u64().expect("total") > 0);
    assert_eq!(found["artists"][0]["name"], "Beyoncé");
    let artist = found["artists"][0]["name"].as_str().expect("name");
    let albums =
        invoke(&window, "list_artist_albums", json!({ "artist": artist })).expect("albums");
    assert!(!albums.as_array().expect("albums").is_empty());

    let playlist =
        invoke(&window, "create_playlist", json!({ "name": "Road trip" })).expect("created");
    invoke(
        &window,
        "add_to_playlist",
        json!({ "id": playlist, "tracks": [ids[1], ids[0]], "index": null }),
    )
    .expect("added");
    let file = dir.path().join("Music/road trip.m3u8");
    let written = invoke(
        &window,
        "export_playlist",
        json!({ "id": playlist, "path": file.to_string_lossy() }),
    )
    .expect("exported");
    assert_eq!(written, 2);
    let imported = invoke(
        &window,
        "import_playlist",
        json!({ "path": file.to_string_lossy() }),
    )
    .expect("imported");
    assert_eq!(imported["added"], 2);
    let copy = invoke(
        &window,
        "get_playlist",
        json!({ "id": imported["playlist"] }),
    )
    .expect("copy");
    let order: Vec<_> = copy["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["track_id"].clone())
        .collect();
    assert_eq!(order, vec![json!(ids[1]), json!(ids[0])]);

    let missing = invoke(
        &window,
        "import_playlist",
        json!({ "path": "/nowhere/at/all.m3u" }),
    )
    .expect_err("a missing file");
    assert_eq!(missing["kind"], "invalid", "{missing}");
    let unknown = invoke(
        &window,
        "reveal_track",
        json!({ "id": "00000000-0000-4000-8000-000000000000" }),
    )
    .expect_err("unknown track");
    assert_eq!(unknown["kind"], "notFound");
}
