//! `/api/v1/library`: the catalog as JSON, the same answers as the Subsonic API gives, with
//! another user's ids answering 404.

use crate::subsonic::seed;
use crate::support::TestServer;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|item| item[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_library_is_browsed_listed_and_searched_as_json() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let bob = server.user("bob").await;
    let library = seed(&ann, 100).await;

    let artists = ann.get_json("/api/v1/library/artists").await;
    assert_eq!(
        names(&artists["artists"], "name"),
        ["The Beatles", "Nobody", "Sigur Rós", "Various Artists"]
    );
    let sigur = artists["artists"][2]["id"].as_str().unwrap().to_owned();
    let page = ann
        .get_json(&format!("/api/v1/library/artists/{sigur}"))
        .await;
    assert_eq!(names(&page["albums"], "name"), ["Ágætis byrjun", "Takk..."]);
    let album_id = page["albums"][0]["id"].as_str().unwrap().to_owned();
    let album = ann
        .get_json(&format!("/api/v1/library/albums/{album_id}"))
        .await;
    assert_eq!(
        names(&album["songs"], "title"),
        ["Svefn-g-englar", "Starálfur"]
    );
    assert_eq!(album["album"]["song_count"], 2);

    let by_name = ann
        .get_json("/api/v1/library/albums?order=name&limit=2")
        .await;
    assert_eq!(
        names(&by_name["albums"], "name"),
        ["[Unknown Album]", "Abbey Road"]
    );
    let by_year = ann
        .get_json("/api/v1/library/albums?order=year&from=2005&to=1990")
        .await;
    assert_eq!(
        names(&by_year["albums"], "name"),
        ["Takk...", "Hits", "Ágætis byrjun"]
    );
    let genres = ann.get_json("/api/v1/library/genres").await;
    assert_eq!(
        genres["genres"][0],
        json!({"name": "Post-Rock", "song_count": 3, "album_count": 2})
    );
    let rock = ann
        .get_json("/api/v1/library/songs?pick=genre&genre=rock")
        .await;
    assert_eq!(names(&rock["songs"], "title"), ["Something"]);

    let loved = &library.songs[3];
    let marked = ann
        .request(Method::PATCH, &format!("/api/v1/tracks/{}/marks", loved.id))
        .json(&json!({"loved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status(), StatusCode::OK);
    let songs = ann.get_json("/api/v1/library/songs?pick=loved").await;
    assert_eq!(names(&songs["songs"], "title"), ["Something"]);
    assert_eq!(songs["songs"][0]["marks"]["loved"], true);

    let found = ann.get_json("/api/v1/library/search?q=agaetis").await;
    assert_eq!(names(&found["albums"], "name"), ["Ágætis byrjun"]);
    let everything = ann.get_json("/api/v1/library/search?q=&limit=100").await;
    assert_eq!(everything["songs"].as_array().unwrap().len(), 6);

    for bad in [
        "/api/v1/library/albums?order=sideways",
        "/api/v1/library/albums?order=year&from=1",
        "/api/v1/library/songs?pick=genre",
    ] {
        let response = ann.request(Method::GET, bad).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    for theirs in [
        format!("/api/v1/library/albums/{album_id}"),
        format!("/api/v1/library/artists/{sigur}"),
        "/api/v1/library/albums/al-zz".to_owned(),
    ] {
        let response = bob.request(Method::GET, &theirs).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{theirs}");
    }
    let found = bob.get_json("/api/v1/library/search?q=").await;
    assert!(found["songs"].as_array().unwrap().is_empty());
}

/// The ids of a list of songs.
fn ids(list: &Value) -> Vec<String> {
    names(list, "id")
}

#[tokio::test]
async fn every_song_is_listed_by_page_in_album_order_with_the_total() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let bob = server.user("bob").await;
    seed(&ann, 300).await;
    seed(&bob, 400).await;

    let all = ann
        .get_json("/api/v1/library/songs?pick=all&limit=500")
        .await;
    assert_eq!(all["total"], 6);
    // By album artist's sort name ("The Beatles" under B), album, disc and track.
    assert_eq!(
        names(&all["songs"], "title"),
        [
            "Something",
            "Loose Song",
            "Svefn-g-englar",
            "Starálfur",
            "Hoppípolla",
            "Crazy in Love"
        ]
    );
    // Pages of any size add up to the same list, each song once, each page with the total.
    for size in [1, 4] {
        let mut paged = Vec::new();
        for offset in (0..8).step_by(size) {
            let page = ann
                .get_json(&format!(
                    "/api/v1/library/songs?pick=all&offset={offset}&limit={size}"
                ))
                .await;
            assert_eq!(page["total"], 6, "offset {offset}");
            paged.extend(ids(&page["songs"]));
        }
        assert_eq!(paged, ids(&all["songs"]), "pages of {size}");
    }
    // 50 when absent; more than 500 is 500.
    let page = ann.get_json("/api/v1/library/songs?pick=all").await;
    assert_eq!(ids(&page["songs"]), ids(&all["songs"]));
    let page = ann
        .get_json("/api/v1/library/songs?pick=all&limit=100000")
        .await;
    assert_eq!(page["songs"].as_array().unwrap().len(), 6);
    // Other picks have no total.
    let random = ann.get_json("/api/v1/library/songs?pick=random").await;
    assert!(random.get("total").is_none(), "{random}");
    // A user without songs.
    server.add_user("cat").await;
    let cat = server.login("cat").await;
    let none = cat.get_json("/api/v1/library/songs?pick=all").await;
    assert_eq!(none["total"], 0);
    assert!(none["songs"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn songs_are_fetched_by_id_in_the_order_asked_and_only_the_user_s() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let bob = server.user("bob").await;
    let library = seed(&ann, 500).await;
    let theirs = seed(&bob, 600).await;

    let asked = [
        library.songs[5].id.to_string(),
        theirs.songs[0].id.to_string(),
        library.songs[0].id.to_string(),
        uuid::Uuid::new_v4().to_string(),
        library.songs[3].id.to_string().to_uppercase(),
    ];
    let found = ann
        .get_json(&format!(
            "/api/v1/library/songs?pick=ids&ids={}",
            asked.join(",")
        ))
        .await;
    assert_eq!(
        names(&found["songs"], "title"),
        ["Loose Song", "Svefn-g-englar", "Something"],
        "in the order asked; bob's and unknown ids left out"
    );
    assert!(found.get("total").is_none());
    let none = ann.get_json("/api/v1/library/songs?pick=ids&ids=").await;
    assert!(none["songs"].as_array().unwrap().is_empty());
    // Bob sees his own song, not ann's.
    let found = bob
        .get_json(&format!(
            "/api/v1/library/songs?pick=ids&ids={},{}",
            theirs.songs[0].id, library.songs[0].id
        ))
        .await;
    assert_eq!(ids(&found["songs"]), [theirs.songs[0].id.to_string()]);

    // At most 500 ids: 500 are taken, 501 refused with a message saying so.
    let many = |count: usize| {
        let list: Vec<String> = (0..count)
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect();
        format!("/api/v1/library/songs?pick=ids&ids={}", list.join(","))
    };
    let response = ann.request(Method::GET, &many(500)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = ann.request(Method::GET, &many(501)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("at most 500"), "{message}");
    for bad in [
        "/api/v1/library/songs?pick=ids",
        "/api/v1/library/songs?pick=ids&ids=not-a-uuid",
        "/api/v1/library/songs?pick=ids&ids=,",
        // Another spelling of a UUID than the hyphenated one the document gives.
        "/api/v1/library/songs?pick=ids&ids=0123456789abcdef0123456789abcdef",
    ] {
        let response = ann.request(Method::GET, bad).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn songs_stored_before_their_order_was_indexed_are_listed_in_it() {
    let mut server = TestServer::start_local_with(|_| {}).await;
    let ann = server.user("ann").await;
    seed(&ann, 700).await;
    let before = ann
        .get_json("/api/v1/library/songs?pick=all&limit=500")
        .await;
    server.server.take().unwrap().shutdown().await;
    // The catalog as a server before migration 6 left it: no sort names on the songs, no index.
    let db = rusqlite::Connection::open(server.config.data_dir.join("tonearm.db")).unwrap();
    db.execute_batch(
        "DROP INDEX catalog_songs_in_order;
         ALTER TABLE catalog_songs DROP COLUMN artist_sort;
         ALTER TABLE catalog_songs DROP COLUMN album_sort;
         DELETE FROM schema_migrations WHERE version >= 6;",
    )
    .unwrap();
    drop(db);
    let restarted = tonearm_server::spawn(server.config.clone()).await.unwrap();
    server.base = restarted.base_url();
    server.server = Some(restarted);
    let ann = server.login("ann").await;
    let after = ann
        .get_json("/api/v1/library/songs?pick=all&limit=500")
        .await;
    assert_eq!(ids(&after["songs"]), ids(&before["songs"]));
    assert_eq!(names(&after["songs"], "title")[0], "Something");
}

#[tokio::test]
async fn replaygain_tags_reach_every_player_of_the_song() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let library = seed(&ann, 700).await;
    let song = &library.songs[0];
    let found = ann
        .get_json(&format!("/api/v1/library/songs?pick=ids&ids={}", song.id))
        .await;
    assert_eq!(
        found["songs"][0]["replaygain"],
        serde_json::json!({"track_gain": -7.25, "track_peak": 0.95, "album_gain": -6.5})
    );
    // Songs without tags carry none.
    let other = ann
        .get_json(&format!(
            "/api/v1/library/songs?pick=ids&ids={}",
            library.songs[3].id
        ))
        .await;
    assert!(other["songs"][0].get("replaygain").is_none());

    // The Subsonic view says the same, in OpenSubsonic's terms.
    let child = ann
        .get_json(&format!(
            "/rest/getSong?u=ann&p={}&v=1.16.1&c=t&f=json&id={}",
            crate::support::PASSWORD,
            song.id
        ))
        .await;
    let gain = &child["subsonic-response"]["song"]["replayGain"];
    assert_eq!(gain["trackGain"], -7.25);
    assert_eq!(gain["albumGain"], -6.5);
    assert_eq!(gain["trackPeak"], 0.95);

    // A device that re-reads the tags sends them again; values no tag holds are refused.
    let response = ann
        .request(
            Method::PATCH,
            &format!("/api/v1/tracks/{}/metadata", song.id),
        )
        .json(&serde_json::json!({"replaygain": {"track_gain": -3.0}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let found = ann
        .get_json(&format!("/api/v1/library/songs?pick=ids&ids={}", song.id))
        .await;
    assert_eq!(
        found["songs"][0]["replaygain"],
        serde_json::json!({"track_gain": -3.0})
    );
    let response = ann
        .request(
            Method::PATCH,
            &format!("/api/v1/tracks/{}/metadata", song.id),
        )
        .json(&serde_json::json!({"replaygain": {"track_gain": 1e9}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
