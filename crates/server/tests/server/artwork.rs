//! Covers: uploaded once per hash, served only to users who uploaded them, named in track
//! metadata, and served by Subsonic's `getCoverArt` whole or as a cached thumbnail.

use crate::support::{PASSWORD, TestServer, User, audio};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tonearm_protocol::BlobHash;

pub fn png(width: u32, height: u32, shade: u8) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([shade, 40, 200]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

pub async fn put_cover(user: &User, bytes: &[u8]) -> reqwest::Response {
    user.request(
        Method::PUT,
        &format!("/api/v1/artwork/{}", BlobHash::of(bytes)),
    )
    .body(bytes.to_vec())
    .send()
    .await
    .unwrap()
}

async fn cover_art(
    server: &TestServer,
    user: &str,
    id: &str,
    size: Option<&str>,
) -> reqwest::Response {
    let mut params = vec![
        ("u", user),
        ("p", PASSWORD),
        ("v", "1.16.1"),
        ("c", "t"),
        ("f", "json"),
        ("id", id),
    ];
    if let Some(size) = size {
        params.push(("size", size));
    }
    reqwest::Client::new()
        .get(server.url("/rest/getCoverArt"))
        .query(&params)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_cover_is_uploaded_once_named_in_metadata_and_served_to_its_owner_only() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let bob = server.user("bob").await;
    let cover = png(900, 900, 10);
    let hash = BlobHash::of(&cover);
    let path = format!("/api/v1/artwork/{hash}");
    assert_eq!(
        ann.request(Method::HEAD, &path)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        put_cover(&ann, &cover).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        put_cover(&ann, &cover).await.status(),
        StatusCode::NO_CONTENT,
        "again: harmless"
    );
    assert_eq!(
        ann.request(Method::HEAD, &path)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let got = ann.request(Method::GET, &path).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "image/png");
    assert_eq!(got.bytes().await.unwrap(), cover);
    // Knowing the hash is not having the cover.
    assert_eq!(
        bob.request(Method::GET, &path)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // Refused: not an image, not the hash in the URL, too large.
    let text = b"not an image at all".to_vec();
    assert_eq!(
        put_cover(&ann, &text).await.status(),
        StatusCode::BAD_REQUEST
    );
    let wrong = ann
        .request(
            Method::PUT,
            &format!("/api/v1/artwork/{}", BlobHash::of(b"other")),
        )
        .body(cover.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let big = vec![0u8; crate::artwork_limit() + 10];
    let refused = put_cover(&ann, &big).await.status();
    assert!(refused == StatusCode::PAYLOAD_TOO_LARGE, "{refused}");

    // Named by two songs of one album: the album, its songs and its artist have it.
    let mut songs = Vec::new();
    for (index, title) in ["One", "Two"].iter().enumerate() {
        let blob = ann.upload(&audio(2048 + index, 90 + index as u64)).await;
        let track = ann
            .create_track_with(&blob, json!({"title": title, "artist": "Band", "album": "Covered", "track_number": index + 1, "format": "flac", "artwork": hash}))
            .await;
        songs.push(track.id.to_string());
    }
    let song = cover_art(&server, "ann", &songs[0], None).await;
    assert_eq!(song.headers()["content-type"], "image/png");
    assert_eq!(song.bytes().await.unwrap(), cover);
    let answer: Value = reqwest::Client::new()
        .get(server.url("/rest/getSong"))
        .query(&[
            ("u", "ann"),
            ("p", PASSWORD),
            ("v", "1.16.1"),
            ("c", "t"),
            ("f", "json"),
            ("id", songs[1].as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let album_id = answer["subsonic-response"]["song"]["albumId"]
        .as_str()
        .unwrap()
        .to_owned();
    let artist_id = answer["subsonic-response"]["song"]["artistId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        answer["subsonic-response"]["song"]["coverArt"],
        songs[1].as_str()
    );
    for id in [album_id.as_str(), artist_id.as_str()] {
        let thumbnail = cover_art(&server, "ann", id, Some("100")).await;
        assert_eq!(thumbnail.headers()["content-type"], "image/jpeg", "{id}");
        let small = image::load_from_memory(&thumbnail.bytes().await.unwrap()).unwrap();
        assert_eq!((small.width(), small.height()), (128, 128), "{id}");
    }
    // Bob names ann's cover in his own track: he still does not get it.
    let blob = bob.upload(&audio(3000, 3)).await;
    let his = bob
        .create_track_with(
            &blob,
            json!({"title": "Mine", "format": "flac", "artwork": hash}),
        )
        .await;
    let refused: Value = cover_art(&server, "bob", &his.id.to_string(), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refused["subsonic-response"]["error"]["code"], 70);
    let refused: Value = cover_art(&server, "bob", &album_id, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(refused["subsonic-response"]["error"]["code"], 70);
    // A song without a cover says so (no coverArt), and asking anyway answers 70.
    let blob = ann.upload(&audio(4000, 4)).await;
    let bare = ann
        .create_track_with(&blob, json!({"title": "Bare", "format": "flac"}))
        .await;
    let missing: Value = cover_art(&server, "ann", &bare.id.to_string(), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(missing["subsonic-response"]["error"]["code"], 70);
}
