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
