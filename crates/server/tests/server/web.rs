//! A browser's session (the web player): the token only in an HttpOnly, SameSite=Strict
//! cookie, reads with the cookie, changes only with the session's CSRF token, listed and
//! revocable like any device, throttled like any login.

use crate::support::{PASSWORD, TestServer, audio};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Signs in as `name`; returns the cookie pair and the answer.
async fn sign_in(
    server: &TestServer,
    name: &str,
    password: &str,
) -> (reqwest::Response, Option<String>) {
    let response = reqwest::Client::new()
        .post(server.url("/api/v1/web/session"))
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    (response, cookie)
}

#[tokio::test]
async fn a_browser_session_reads_with_its_cookie_and_changes_only_with_its_csrf_token() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let track = ann.upload_track(&audio(3000, 9)).await;
    let (response, set_cookie) = sign_in(&server, "ann", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let set_cookie = set_cookie.expect("a cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=2592000"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "ann");
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let pair = set_cookie.split(';').next().unwrap().to_owned();
    assert!(
        !body.to_string().contains(pair.split('=').nth(1).unwrap()),
        "the token never reaches the page"
    );

    let client = reqwest::Client::new();
    let get = |path: &str| client.get(server.url(path)).header(COOKIE, &pair);
    // After a reload the page asks who is signed in, and gets the same CSRF token.
    let current: Value = get("/api/v1/web/session")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (current["username"].as_str(), current["csrf_token"].as_str()),
        (Some("ann"), Some(csrf.as_str()))
    );
    assert_eq!(
        get("/api/v1/library/songs?pick=random")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let stream = get(&format!("/api/v1/tracks/{}/stream", track.id))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stream.status(),
        StatusCode::OK,
        "the player streams with the cookie"
    );

    let path = format!("/api/v1/tracks/{}/marks", track.id);
    let forged = client
        .patch(server.url(&path))
        .header(COOKIE, &pair)
        .json(&json!({"loved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a change without the CSRF token is refused"
    );
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    let wrong = client
        .patch(server.url(&path))
        .header(COOKIE, &pair)
        .header("x-tonearm-csrf", "0".repeat(64))
        .json(&json!({"loved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = client
        .patch(server.url(&path))
        .header(COOKIE, &pair)
        .header("x-tonearm-csrf", &csrf)
        .json(&json!({"loved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);

    // Listed with the account's other sessions, and revoked like any device.
    let sessions = ann.get_json("/api/v1/sessions").await;
    let browser = sessions["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["device"] == "web browser")
        .expect("listed")
        .clone();
    let revoked = ann
        .request(
            Method::DELETE,
            &format!("/api/v1/sessions/{}", browser["id"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get("/api/v1/web/session").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get("/api/v1/library/genres").send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn signing_out_ends_the_session_and_wrong_passwords_are_throttled() {
    let server = TestServer::start().await;
    server.add_user("ann").await;
    let (response, cookie) = sign_in(&server, "ann", PASSWORD).await;
    let csrf = response.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let pair = cookie.unwrap().split(';').next().unwrap().to_owned();
    let client = reqwest::Client::new();
    let without = client
        .delete(server.url("/api/v1/web/session"))
        .header(COOKIE, &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(
        without.status(),
        StatusCode::FORBIDDEN,
        "signing out is a change too"
    );
    let out = client
        .delete(server.url("/api/v1/web/session"))
        .header(COOKIE, &pair)
        .header("x-tonearm-csrf", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let cleared = out.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.starts_with("tonearm_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let after = client
        .get(server.url("/api/v1/web/session"))
        .header(COOKIE, &pair)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);

    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (response, cookie) = sign_in(&server, "ann", "wrong password").await;
        assert!(cookie.is_none());
        statuses.push(response.status());
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(
        *statuses.last().unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn signing_a_browser_out_never_revokes_a_device_s_token() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let response = ann
        .request(Method::DELETE, "/api/v1/web/session")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    ann.get_json("/api/v1/sessions").await;
}
