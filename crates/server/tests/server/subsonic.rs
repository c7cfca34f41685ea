//! The OpenSubsonic API (`/rest`) against the real server: authentication in every form the
//! spec has, the catalog's answers (albums grouped by album artist with ids that survive a
//! re-upload, search folding case and accents, the empty query paging over everything),
//! marks, play queue and playlists through the operation log, and isolation: another user's
//! ids answer as missing. Independent client libraries drive it too (`subsonic_interop`).

use crate::support::{PASSWORD, TestServer, User, audio};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tonearm_protocol::CloudTrack;

/// A small library: two albums of one artist (one of them spread over two uploads), an album
/// of "The Beatles", a compilation, and a song on no album.
pub struct Library {
    pub songs: Vec<CloudTrack>,
    /// Each song's file, as uploaded.
    pub files: Vec<Vec<u8>>,
}

pub async fn seed(user: &User, salt: u64) -> Library {
    let specs = [
        json!({"title": "Svefn-g-englar", "artist": "Sigur Rós", "album": "Ágætis byrjun", "year": 1999, "track_number": 2, "genre": "Post-Rock", "duration_ms": 600_000, "format": "flac",
            "replaygain": {"track_gain": -7.25, "track_peak": 0.95, "album_gain": -6.5}}),
        json!({"title": "Starálfur", "artist": "Sigur Rós", "album": "Ágætis byrjun", "year": 1999, "track_number": 3, "genre": "Post-Rock", "duration_ms": 400_000, "format": "flac"}),
        json!({"title": "Hoppípolla", "artist": "Sigur Rós", "album": "Takk...", "year": 2005, "track_number": 3, "genre": "Post-Rock", "duration_ms": 270_000, "format": "mp3"}),
        json!({"title": "Something", "artist": "The Beatles", "album": "Abbey Road", "year": 1969, "genre": "Rock", "duration_ms": 180_000, "format": "mp3"}),
        json!({"title": "Crazy in Love", "artist": "Beyoncé; Jay-Z", "album": "Hits", "compilation": true, "year": 2003, "genre": "R&B", "duration_ms": 236_000, "format": "m4a"}),
        json!({"title": "Loose Song", "artist": "Nobody", "format": "ogg"}),
    ];
    let mut songs = Vec::new();
    let mut files = Vec::new();
    for (index, spec) in specs.into_iter().enumerate() {
        let file = audio(4096 + index, salt + index as u64);
        let hash = user.upload(&file).await;
        songs.push(user.create_track_with(&hash, spec).await);
        files.push(file);
    }
    Library { songs, files }
}

/// Calls `/rest/{method}` as `user` with a password, in JSON.
async fn call(server: &TestServer, user: &str, method: &str, params: &[(&str, &str)]) -> Value {
    let mut all = vec![
        ("u", user),
        ("p", PASSWORD),
        ("v", "1.16.1"),
        ("c", "test"),
        ("f", "json"),
    ];
    all.extend_from_slice(params);
    raw(server, method, &all).await
}

async fn raw(server: &TestServer, method: &str, params: &[(&str, &str)]) -> Value {
    let response = reqwest::Client::new()
        .get(server.url(&format!("/rest/{method}")))
        .query(params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{method}");
    let body: Value = response.json().await.unwrap();
    body["subsonic-response"].clone()
}

fn ok(answer: &Value) -> &Value {
    assert_eq!(answer["status"], "ok", "{answer}");
    answer
}

fn error_code(answer: &Value) -> i64 {
    assert_eq!(answer["status"], "failed", "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{answer}"
    );
    answer["error"]["code"].as_i64().unwrap()
}

fn titles(songs: &Value) -> Vec<String> {
    songs
        .as_array()
        .map(|list| {
            list.iter()
                .map(|s| s["title"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn every_way_to_authenticate_works_and_every_wrong_one_gets_its_code() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let base = [("v", "1.16.1"), ("c", "test"), ("f", "json")];
    let with = |extra: &[(&'static str, String)]| {
        let mut all: Vec<(&str, String)> =
            base.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        all.extend(extra.iter().cloned());
        all
    };
    let ping = |params: Vec<(&'static str, String)>| {
        let server = &server;
        async move {
            let borrowed: Vec<(&str, &str)> =
                params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            raw(server, "ping.view", &borrowed).await
        }
    };
    let hex: String = PASSWORD.bytes().map(|b| format!("{b:02X}")).collect();
    let salt = "c19b2d";
    let token = format!("{:032x}", md5_of(&format!("{PASSWORD}{salt}")));
    ok(&ping(with(&[("u", "ann".into()), ("p", PASSWORD.into())])).await);
    ok(&ping(with(&[("u", "ann".into()), ("p", format!("enc:{hex}"))])).await);
    ok(&ping(with(&[
        ("u", "ann".into()),
        ("t", token.clone()),
        ("s", salt.into()),
    ]))
    .await);
    // A key made by the user works alone.
    let created = ann
        .post_json("/api/v1/api-keys", &json!({"name": "phone"}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    ok(&ping(with(&[("apiKey", key.clone())])).await);
    // The key names its owner (OpenSubsonic's tokenInfo).
    let info = raw(
        &server,
        "tokenInfo",
        &[
            ("apiKey", key.as_str()),
            ("v", "1.16.1"),
            ("c", "test"),
            ("f", "json"),
        ],
    )
    .await;
    assert_eq!(ok(&info)["tokenInfo"]["username"], "ann");

    assert_eq!(
        error_code(&ping(with(&[("u", "ann".into()), ("p", "wrong".into())])).await),
        40
    );
    assert_eq!(
        error_code(&ping(with(&[("u", "nobody".into()), ("p", PASSWORD.into())])).await),
        40
    );
    assert_eq!(
        error_code(
            &ping(with(&[
                ("u", "ann".into()),
                ("t", token.clone()),
                ("s", "other".into())
            ]))
            .await
        ),
        40
    );
    assert_eq!(error_code(&ping(with(&[("u", "ann".into())])).await), 10);
    assert_eq!(error_code(&ping(with(&[("p", PASSWORD.into())])).await), 10);
    assert_eq!(
        error_code(&ping(with(&[("u", "ann".into()), ("apiKey", key.clone())])).await),
        43
    );
    assert_eq!(
        error_code(
            &ping(with(&[
                ("u", "ann".into()),
                ("p", PASSWORD.into()),
                ("t", token),
                ("s", salt.into())
            ]))
            .await
        ),
        43
    );
    assert_eq!(
        error_code(&ping(with(&[("apiKey", "not-a-key".into())])).await),
        44
    );
    assert_eq!(
        error_code(
            &raw(
                &server,
                "ping",
                &[("u", "ann"), ("p", PASSWORD), ("c", "x"), ("f", "json")]
            )
            .await
        ),
        10,
        "v is required"
    );
    assert_eq!(
        error_code(
            &raw(
                &server,
                "ping",
                &[
                    ("u", "ann"),
                    ("p", PASSWORD),
                    ("v", "1.99.0"),
                    ("c", "x"),
                    ("f", "json")
                ]
            )
            .await
        ),
        30
    );

    // Revoked, the key stops working at once.
    let id = created["id"].as_str().unwrap();
    let revoked = ann
        .request(reqwest::Method::DELETE, &format!("/api/v1/api-keys/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(error_code(&ping(with(&[("apiKey", key)])).await), 44);

    // The extensions are public.
    let extensions = raw(&server, "getOpenSubsonicExtensions", &[("f", "json")]).await;
    let names: Vec<&str> = ok(&extensions)["openSubsonicExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"apiKeyAuthentication") && names.contains(&"formPost"),
        "{names:?}"
    );
}

/// MD5 through the server's own helper would prove nothing: a tiny independent one.
fn md5_of(text: &str) -> u128 {
    use md5::{Digest, Md5};
    u128::from_be_bytes(Md5::digest(text.as_bytes()).into())
}

#[tokio::test]
async fn an_account_from_before_sealed_passwords_gets_41_for_tokens_until_a_password_login() {
    let server = TestServer::start().await;
    let store = server.server().store();
    let hash = tonearm_server::passwords::hash_password(PASSWORD).unwrap();
    // What an older server stored: no sealed copy (an unreadable one stands for none).
    store.create_user("old", &hash, "", 1).await.unwrap();
    let salt = "abcdef";
    let token = format!("{:032x}", md5_of(&format!("{PASSWORD}{salt}")));
    let by_token = [
        ("u", "old"),
        ("t", token.as_str()),
        ("s", salt),
        ("v", "1.16.1"),
        ("c", "t"),
        ("f", "json"),
    ];
    assert_eq!(error_code(&raw(&server, "ping", &by_token).await), 41);
    // One password login (here through Subsonic) keeps it; tokens then work.
    ok(&call(&server, "old", "ping", &[]).await);
    ok(&raw(&server, "ping", &by_token).await);
}

#[tokio::test]
async fn answers_come_as_xml_by_default_and_from_post_forms_and_view_names() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    seed(&ann, 1).await;
    let client = reqwest::Client::new();
    let xml = client
        .get(server.url("/rest/getGenres.view"))
        .query(&[("u", "ann"), ("p", PASSWORD), ("v", "1.16.1"), ("c", "t")])
        .send()
        .await
        .unwrap();
    assert!(
        xml.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let text = xml.text().await.unwrap();
    assert!(
        text.contains(r#"<subsonic-response xmlns="http://subsonic.org/restapi" "#)
            && text.contains(r#" status="ok""#),
        "{text}"
    );
    assert!(
        text.contains(r#"<genre albumCount="2" songCount="3">Post-Rock</genre>"#),
        "{text}"
    );
    assert!(
        text.contains(r#"<genre albumCount="1" songCount="1">R&amp;B</genre>"#),
        "{text}"
    );
    // A form POST, booleans written as Python writes them.
    let posted: Value = client
        .post(server.url("/rest/getAlbumList2.view"))
        .form(&[
            ("u", "ann"),
            ("p", PASSWORD),
            ("v", "1.16.1"),
            ("c", "t"),
            ("f", "json"),
            ("type", "alphabeticalByName"),
            ("size", "2"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let albums = &posted["subsonic-response"]["albumList2"]["album"];
    assert_eq!(albums.as_array().unwrap().len(), 2, "{posted}");
    assert_eq!(albums[0]["name"], "[Unknown Album]");
    assert_eq!(albums[1]["name"], "Abbey Road");
    // Unknown endpoints and bad parameters answer the spec's error, never an error page.
    assert_eq!(
        error_code(&call(&server, "ann", "getPodcasts", &[]).await),
        0
    );
    assert_eq!(error_code(&call(&server, "ann", "getAlbum", &[]).await), 10);
    assert_eq!(
        error_code(&call(&server, "ann", "getAlbum", &[("id", "al-zzz")]).await),
        70
    );
    assert_eq!(
        error_code(&call(&server, "ann", "getAlbumList2", &[("type", "sideways")]).await),
        0
    );
    assert_eq!(
        error_code(
            &call(
                &server,
                "ann",
                "getAlbumList2",
                &[("type", "byYear"), ("fromYear", "1990")]
            )
            .await
        ),
        10
    );
    assert_eq!(
        error_code(
            &call(
                &server,
                "ann",
                "getAlbumList2",
                &[("type", "newest"), ("size", "many")]
            )
            .await
        ),
        0
    );
    assert_eq!(
        error_code(&call(&server, "ann", "getSong", &[("id", "../../etc/passwd")]).await),
        70
    );
    assert_eq!(
        error_code(&call(&server, "ann", "setRating", &[("id", "x"), ("rating", "9")]).await),
        0
    );
}

#[tokio::test]
async fn the_library_is_browsed_by_album_artist_with_ids_that_survive_a_re_upload() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let library = seed(&ann, 10).await;

    let artists = call(&server, "ann", "getArtists", &[]).await;
    let index = &ok(&artists)["artists"]["index"];
    let names: Vec<(String, String)> = index
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| {
            let letter = i["name"].as_str().unwrap().to_owned();
            i["artist"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |a| (letter.clone(), a["name"].as_str().unwrap().to_owned()))
        })
        .collect();
    assert_eq!(
        names,
        [
            ("B".to_owned(), "The Beatles".to_owned()),
            ("N".to_owned(), "Nobody".to_owned()),
            ("S".to_owned(), "Sigur Rós".to_owned()),
            ("V".to_owned(), "Various Artists".to_owned()),
        ]
    );
    let sigur = index
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["artist"].as_array().unwrap().clone())
        .find(|a| a["name"] == "Sigur Rós")
        .unwrap();
    assert_eq!(sigur["albumCount"], 2);
    let artist = call(
        &server,
        "ann",
        "getArtist",
        &[("id", sigur["id"].as_str().unwrap())],
    )
    .await;
    let albums = &ok(&artist)["artist"]["album"];
    assert_eq!(albums[0]["name"], "Ágætis byrjun", "by year");
    assert_eq!(albums[1]["name"], "Takk...");
    let first_id = albums[0]["id"].as_str().unwrap().to_owned();
    let album = call(&server, "ann", "getAlbum", &[("id", &first_id)]).await;
    let album = &ok(&album)["album"];
    assert_eq!(
        (album["songCount"].as_i64(), album["duration"].as_i64()),
        (Some(2), Some(1000))
    );
    assert_eq!(
        titles(&album["song"]),
        ["Svefn-g-englar", "Starálfur"],
        "by track number"
    );

    // The song removed and uploaded again (as a device re-uploads): same album, same id.
    let gone = &library.songs[1];
    let deleted = ann
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/tracks/{}", gone.id),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let album = call(&server, "ann", "getAlbum", &[("id", &first_id)]).await;
    assert_eq!(titles(&ok(&album)["album"]["song"]), ["Svefn-g-englar"]);
    let hash = ann.upload(&audio(9999, 77)).await;
    ann.create_track_with(&hash, json!({"title": "Starálfur", "artist": "sigur ros", "album": "ÁGÆTIS  BYRJUN", "track_number": 3, "format": "flac"})).await;
    let album = call(&server, "ann", "getAlbum", &[("id", &first_id)]).await;
    assert_eq!(
        titles(&ok(&album)["album"]["song"]),
        ["Svefn-g-englar", "Starálfur"],
        "folded names, one album"
    );

    // A retag moves a song to another album; the empty one goes.
    let moved = &library.songs[3];
    let patched = ann
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/tracks/{}/metadata", moved.id),
        )
        .json(&json!({"album": "Let It Be"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    let list = call(
        &server,
        "ann",
        "getAlbumList2",
        &[("type", "alphabeticalByName"), ("size", "50")],
    )
    .await;
    let names: Vec<&str> = ok(&list)["albumList2"]["album"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "[Unknown Album]",
            "Ágætis byrjun",
            "Hits",
            "Let It Be",
            "Takk..."
        ]
    );

    // Folder browsing is the same tree with the same ids.
    let indexes = call(&server, "ann", "getIndexes", &[]).await;
    assert!(ok(&indexes)["indexes"]["lastModified"].is_number());
    let directory = call(
        &server,
        "ann",
        "getMusicDirectory",
        &[("id", sigur["id"].as_str().unwrap())],
    )
    .await;
    let children = &ok(&directory)["directory"]["child"];
    assert_eq!(children[0]["id"], first_id.as_str());
    assert_eq!(children[0]["isDir"], true);
    let directory = call(&server, "ann", "getMusicDirectory", &[("id", &first_id)]).await;
    assert_eq!(
        titles(&ok(&directory)["directory"]["child"]),
        ["Svefn-g-englar", "Starálfur"]
    );
}

#[tokio::test]
async fn search_folds_case_and_accents_and_an_empty_query_pages_over_everything() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    seed(&ann, 20).await;
    let found = call(&server, "ann", "search3", &[("query", "STARALF")]).await;
    assert_eq!(titles(&ok(&found)["searchResult3"]["song"]), ["Starálfur"]);
    let found = call(&server, "ann", "search3", &[("query", "sigur")]).await;
    let result = &ok(&found)["searchResult3"];
    assert_eq!(result["artist"][0]["name"], "Sigur Rós");
    assert_eq!(result["song"].as_array().unwrap().len(), 3);
    let names: Vec<&str> = result["album"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Ágætis byrjun", "Takk..."],
        "albums by the artist's name"
    );
    let found = call(&server, "ann", "search3", &[("query", "agaetis")]).await;
    assert_eq!(
        ok(&found)["searchResult3"]["album"][0]["name"],
        "Ágætis byrjun"
    );
    // Title matches rank above matches elsewhere.
    let hash = ann.upload(&audio(5000, 5)).await;
    ann.create_track_with(
        &hash,
        json!({"title": "Beatles Tribute", "artist": "Someone", "format": "mp3"}),
    )
    .await;
    let found = call(&server, "ann", "search3", &[("query", "beatles")]).await;
    assert_eq!(
        titles(&ok(&found)["searchResult3"]["song"])[0],
        "Beatles Tribute"
    );

    let mut seen = Vec::new();
    for offset in ["0", "3", "6"] {
        let page = call(
            &server,
            "ann",
            "search3",
            &[
                ("query", "\"\""),
                ("songCount", "3"),
                ("songOffset", offset),
                ("artistCount", "0"),
                ("albumCount", "0"),
            ],
        )
        .await;
        seen.extend(titles(&ok(&page)["searchResult3"]["song"]));
    }
    seen.sort();
    assert_eq!(seen.len(), 7, "{seen:?}");
    seen.dedup();
    assert_eq!(seen.len(), 7, "each song once");
}

#[tokio::test]
async fn stars_ratings_plays_and_the_play_queue_are_kept() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let library = seed(&ann, 30).await;
    let song = library.songs[2].id.to_string();
    let album = call(&server, "ann", "getSong", &[("id", &song)]).await;
    let album_id = ok(&album)["song"]["albumId"].as_str().unwrap().to_owned();

    ok(&call(
        &server,
        "ann",
        "star",
        &[("id", &song), ("albumId", &album_id)],
    )
    .await);
    ok(&call(
        &server,
        "ann",
        "setRating",
        &[("id", &song), ("rating", "4")],
    )
    .await);
    // Twice the same scrobble is one play; another time is another.
    for time in ["1700000000000", "1700000000000", "1700000500000"] {
        ok(&call(
            &server,
            "ann",
            "scrobble",
            &[("id", &song), ("time", time), ("submission", "True")],
        )
        .await);
    }
    ok(&call(
        &server,
        "ann",
        "scrobble",
        &[("id", &song), ("submission", "false")],
    )
    .await);
    let got = call(&server, "ann", "getSong", &[("id", &song)]).await;
    let got = &ok(&got)["song"];
    assert_eq!(
        (got["userRating"].as_i64(), got["playCount"].as_i64()),
        (Some(4), Some(2))
    );
    assert!(
        got["starred"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{got}"
    );
    assert_eq!(got["played"], "2023-11-14T22:21:40Z");
    let starred = call(&server, "ann", "getStarred2", &[]).await;
    let starred = &ok(&starred)["starred2"];
    assert_eq!(titles(&starred["song"]), ["Hoppípolla"]);
    assert_eq!(starred["album"][0]["id"], album_id.as_str());
    let frequent = call(&server, "ann", "getAlbumList2", &[("type", "frequent")]).await;
    assert_eq!(ok(&frequent)["albumList2"]["album"][0]["playCount"], 2);
    ok(&call(&server, "ann", "unstar", &[("id", &song)]).await);
    ok(&call(
        &server,
        "ann",
        "setRating",
        &[("id", &song), ("rating", "0")],
    )
    .await);
    let got = call(&server, "ann", "getSong", &[("id", &song)]).await;
    assert!(
        ok(&got)["song"].get("starred").is_none() && got["song"].get("userRating").is_none(),
        "{got}"
    );

    let empty = call(&server, "ann", "getPlayQueue", &[]).await;
    assert_eq!(ok(&empty)["playQueue"]["username"], "ann");
    let first = library.songs[0].id.to_string();
    ok(&call(
        &server,
        "ann",
        "savePlayQueue",
        &[
            ("id", &first),
            ("id", &song),
            ("current", &song),
            ("position", "12345"),
        ],
    )
    .await);
    let queue = call(&server, "ann", "getPlayQueue", &[]).await;
    let queue = &ok(&queue)["playQueue"];
    assert_eq!(titles(&queue["entry"]), ["Svefn-g-englar", "Hoppípolla"]);
    assert_eq!(
        (queue["current"].as_str(), queue["position"].as_i64()),
        (Some(song.as_str()), Some(12345))
    );
    assert_eq!(queue["changedBy"], "test");
}

#[tokio::test]
async fn streaming_serves_the_file_with_ranges() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = audio(100_000, 41);
    let hash = ann.upload(&data).await;
    let track = ann
        .create_track_with(&hash, json!({"title": "T", "format": "flac"}))
        .await;
    let id = track.id.to_string();
    let client = reqwest::Client::new();
    let params = [
        ("u", "ann"),
        ("p", PASSWORD),
        ("v", "1.16.1"),
        ("c", "t"),
        ("id", id.as_str()),
    ];
    let whole = client
        .get(server.url("/rest/download"))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["content-type"], "audio/flac");
    assert_eq!(whole.bytes().await.unwrap(), data);
    let rest = client
        .get(server.url("/rest/stream.view"))
        .query(&params)
        .header("range", "bytes=90000-")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(rest.headers()["content-range"], "bytes 90000-99999/100000");
    assert_eq!(rest.bytes().await.unwrap(), data[90_000..]);
}

#[tokio::test]
async fn another_user_s_ids_answer_as_missing_on_every_route() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let bob = server.user("bob").await;
    let library = seed(&ann, 50).await;
    seed(&bob, 60).await;
    let song = library.songs[0].id.to_string();
    let album = call(&server, "ann", "getSong", &[("id", &song)]).await;
    let album_id = ok(&album)["song"]["albumId"].as_str().unwrap().to_owned();
    let artist_id = album["song"]["artistId"].as_str().unwrap().to_owned();
    let created = call(
        &server,
        "ann",
        "createPlaylist",
        &[("name", "Mine"), ("songId", &song)],
    )
    .await;
    let playlist = ok(&created)["playlist"]["id"].as_str().unwrap().to_owned();

    // Bob has the same album by name: the same derived id is his own album, never ann's data.
    let his = call(&server, "bob", "getAlbum", &[("id", &album_id)]).await;
    for s in ok(&his)["album"]["song"].as_array().unwrap() {
        assert_ne!(s["id"], song.as_str());
    }
    for (method, params) in [
        ("getSong", vec![("id", song.as_str())]),
        ("stream", vec![("id", song.as_str())]),
        ("download", vec![("id", song.as_str())]),
        ("getPlaylist", vec![("id", playlist.as_str())]),
        ("deletePlaylist", vec![("id", playlist.as_str())]),
        (
            "updatePlaylist",
            vec![("playlistId", playlist.as_str()), ("name", "Stolen")],
        ),
        ("setRating", vec![("id", song.as_str()), ("rating", "1")]),
        ("getCoverArt", vec![("id", song.as_str())]),
    ] {
        assert_eq!(
            error_code(&call(&server, "bob", method, &params).await),
            70,
            "{method}"
        );
    }
    // Bob cannot put ann's song into his playlist or queue, nor count plays of it.
    assert_eq!(
        error_code(
            &call(
                &server,
                "bob",
                "createPlaylist",
                &[("name", "x"), ("songId", &song)]
            )
            .await
        ),
        70
    );
    ok(&call(&server, "bob", "scrobble", &[("id", &song), ("time", "1")]).await);
    ok(&call(
        &server,
        "bob",
        "star",
        &[("id", &song), ("artistId", &artist_id)],
    )
    .await);
    let got = call(&server, "ann", "getSong", &[("id", &song)]).await;
    let got = &ok(&got)["song"];
    assert_eq!(got["playCount"], 0);
    assert!(got.get("starred").is_none());
    let playlists = call(&server, "bob", "getPlaylists", &[]).await;
    assert!(
        ok(&playlists)["playlists"]["playlist"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let found = call(&server, "bob", "search3", &[("query", "Svefn")]).await;
    for s in ok(&found)["searchResult3"]["song"].as_array().unwrap() {
        assert_ne!(s["id"], song.as_str());
    }
    assert_eq!(
        error_code(&call(&server, "bob", "getUser", &[("username", "ann")]).await),
        50
    );
    let playlist_left = call(&server, "ann", "getPlaylist", &[("id", &playlist)]).await;
    assert_eq!(ok(&playlist_left)["playlist"]["name"], "Mine");
}

#[tokio::test]
async fn playlists_edited_by_index_go_through_the_operation_log() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let library = seed(&ann, 70).await;
    let id = |i: usize| library.songs[i].id.to_string();
    let created = call(
        &server,
        "ann",
        "createPlaylist",
        &[
            ("name", "Road trip"),
            ("songId", &id(0)),
            ("songId", &id(1)),
            ("songId", &id(2)),
        ],
    )
    .await;
    let playlist = ok(&created)["playlist"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        titles(&created["playlist"]["entry"]),
        ["Svefn-g-englar", "Starálfur", "Hoppípolla"]
    );

    // Remove the second song, add two at the end, rename.
    ok(&call(
        &server,
        "ann",
        "updatePlaylist",
        &[
            ("playlistId", &playlist),
            ("songIndexToRemove", "1"),
            ("songIdToAdd", &id(3)),
            ("songIdToAdd", &id(0)),
            ("name", "Road trip 2"),
        ],
    )
    .await);
    let got = call(&server, "ann", "getPlaylist", &[("id", &playlist)]).await;
    let got = &ok(&got)["playlist"];
    assert_eq!(got["name"], "Road trip 2");
    assert_eq!(
        titles(&got["entry"]),
        [
            "Svefn-g-englar",
            "Hoppípolla",
            "Something",
            "Svefn-g-englar"
        ]
    );
    // Desktops see the same playlist through the JSON API (the operation log).
    let listed = ann.get_json("/api/v1/playlists").await;
    let mine = listed["playlists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == playlist.as_str())
        .unwrap();
    assert_eq!(mine["name"], "Road trip 2");
    assert_eq!(mine["entries"].as_array().unwrap().len(), 4);
    let feed = ann.get_json("/api/v1/changes?since=0").await;
    assert!(
        feed["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["event"]["kind"] == "entry_removed"),
        "{feed}"
    );
    // Out-of-range indexes change nothing.
    assert_eq!(
        error_code(
            &call(
                &server,
                "ann",
                "updatePlaylist",
                &[("playlistId", &playlist), ("songIndexToRemove", "9")]
            )
            .await
        ),
        0
    );
    let listed = call(&server, "ann", "getPlaylists", &[]).await;
    let summary = &ok(&listed)["playlists"]["playlist"][0];
    assert_eq!(
        (summary["songCount"].as_i64(), summary["owner"].as_str()),
        (Some(4), Some("ann"))
    );
    ok(&call(&server, "ann", "deletePlaylist", &[("id", &playlist)]).await);
    assert_eq!(
        error_code(&call(&server, "ann", "getPlaylist", &[("id", &playlist)]).await),
        70
    );
}

/// Every endpoint, fed nonsense: answered with a Subsonic status (an error code of the spec's
/// list, or ok), never an HTTP error or a server failure.
#[tokio::test]
async fn nonsense_parameters_on_every_endpoint_get_the_spec_s_errors() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    seed(&ann, 200).await;
    let methods = [
        "ping",
        "getLicense",
        "getMusicFolders",
        "getIndexes",
        "getMusicDirectory",
        "getArtists",
        "getArtist",
        "getAlbum",
        "getSong",
        "getGenres",
        "getAlbumList2",
        "getRandomSongs",
        "getSongsByGenre",
        "getTopSongs",
        "search3",
        "getStarred2",
        "stream",
        "download",
        "getCoverArt",
        "star",
        "unstar",
        "setRating",
        "scrobble",
        "getPlayQueue",
        "savePlayQueue",
        "getPlaylists",
        "getPlaylist",
        "createPlaylist",
        "updatePlaylist",
        "deletePlaylist",
        "getUser",
        "tokenInfo",
        "getNowPlaying",
        "jukeboxControl",
    ];
    let nonsense = [
        "",
        "-1",
        "99999999999999999999",
        "al-",
        "ar-0000000000000000",
        "%00",
        "'; DROP TABLE x",
        "\u{202e}",
        "true",
        "../../x",
        "0x10",
    ];
    let names = [
        "id",
        "albumId",
        "artistId",
        "type",
        "size",
        "offset",
        "count",
        "query",
        "rating",
        "time",
        "submission",
        "playlistId",
        "songId",
        "songIdToAdd",
        "songIndexToRemove",
        "name",
        "genre",
        "fromYear",
        "toYear",
        "username",
        "current",
        "position",
        "artist",
        "musicFolderId",
        "artistCount",
        "songOffset",
    ];
    let spec_codes = [0, 10, 20, 30, 40, 41, 42, 43, 44, 50, 60, 70];
    let client = reqwest::Client::new();
    let mut rng = tonearm_testkit::rng::Rng::new(99);
    for method in methods {
        for _ in 0..12 {
            let mut params = vec![
                ("u", "ann".to_owned()),
                ("p", PASSWORD.to_owned()),
                ("v", "1.16.1".to_owned()),
                ("c", "t".to_owned()),
                ("f", "json".to_owned()),
            ];
            for _ in 0..rng.below(6) {
                params.push((
                    names[rng.below(names.len())],
                    nonsense[rng.below(nonsense.len())].to_owned(),
                ));
            }
            let response = client
                .post(server.url(&format!("/rest/{method}")))
                .form(&params)
                .send()
                .await
                .unwrap();
            assert!(
                response.status() == StatusCode::OK
                    || response.status() == StatusCode::PARTIAL_CONTENT
                    || response.status() == StatusCode::RANGE_NOT_SATISFIABLE,
                "{method} {params:?}: {}",
                response.status()
            );
            let binary = !response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json");
            if binary {
                continue;
            }
            let body: Value = response.json().await.unwrap();
            let answer = &body["subsonic-response"];
            if answer["status"] == "failed" {
                let code = answer["error"]["code"].as_i64().unwrap();
                assert!(spec_codes.contains(&code), "{method} {params:?}: {answer}");
                assert_ne!(
                    answer["error"]["message"], "internal server error",
                    "{method} {params:?}"
                );
            } else {
                assert_eq!(answer["status"], "ok", "{method} {params:?}: {answer}");
            }
        }
    }
}
