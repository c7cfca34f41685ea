//! Accounts, sessions, throttling, the user CLI, health and error bodies.

use crate::support::{PASSWORD, TestServer, error_code, run_cli};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn health_reports_ok_without_authentication() {
    let server = TestServer::start().await;
    let response = reqwest::get(server.url("/health")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let expected = if crate::support::on_remote_backends() {
        json!({"database": "postgresql", "blobs": "s3"})
    } else {
        json!({"database": "sqlite", "blobs": "folder"})
    };
    assert_eq!(body["backends"], expected);
}

#[tokio::test]
async fn login_issues_a_token_per_device_that_can_be_listed_and_revoked() {
    let server = TestServer::start().await;
    let laptop = server.user("ann").await;
    let phone = server.login("ann").await;
    assert_ne!(laptop.token, phone.token);

    let sessions = laptop.get_json("/api/v1/sessions").await;
    let sessions = sessions["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let phone_session = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap();

    let response = laptop
        .request(Method::DELETE, &format!("/api/v1/sessions/{phone_session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = phone
        .request(Method::GET, "/api/v1/tracks")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(response).await, "unauthorized");
    let response = laptop
        .request(Method::GET, "/api/v1/tracks")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the other device stays logged in"
    );
}

#[tokio::test]
async fn tokens_are_stored_hashed() {
    let server = TestServer::start_local_with(|_| {}).await;
    let ann = server.user("ann").await;
    let db = std::fs::read(server.config.data_dir.join("tonearm.db")).unwrap();
    let wal = std::fs::read(server.config.data_dir.join("tonearm.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&ann.token),
            "the raw token must not be stored"
        );
    }
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    for path in [
        "/api/v1/tracks",
        "/api/v1/sessions",
        "/api/v1/playlists",
        "/api/v1/changes",
    ] {
        let response = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        let response = client
            .get(server.url(path))
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_code(response).await, "unauthorized");
    }
}

async fn attempt(server: &TestServer, from: &str, password: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
        .post(server.url("/api/v1/sessions"))
        .json(&json!({"username": "ann", "password": password, "device": "d"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn repeated_failed_logins_are_throttled_per_username_and_address() {
    let server = TestServer::start().await;
    server.add_user("ann").await;
    for _ in 0..4 {
        let response = attempt(&server, "127.0.0.1", "wrong").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = attempt(&server, "127.0.0.1", PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert_eq!(error_code(response).await, "too_many_requests");
    // Another address is not locked out.
    let response = attempt(&server, "127.0.0.2", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_look_the_same() {
    let server = TestServer::start().await;
    server.add_user("ann").await;
    let client = reqwest::Client::new();
    for (user, password) in [("ann", "wrong"), ("nobody", PASSWORD)] {
        let response = client
            .post(server.url("/api/v1/sessions"))
            .json(&json!({"username": user, "password": password, "device": "d"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({"error": {"code": "unauthorized", "message": "invalid credentials"}})
        );
    }
}

#[tokio::test]
async fn malformed_json_gets_a_typed_400_saying_what_was_wrong() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let response = ann
        .request(Method::POST, "/api/v1/tracks")
        .header("content-type", "application/json")
        .body(r#"{"blake3": "not-a-hash"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("blake3"),
        "{body}"
    );
}

#[tokio::test]
async fn user_cli_adds_lists_changes_passwords_and_removes_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let (ok, out) = run_cli(data, &["user", "add", "ann"], "first password\n").await;
    assert!(ok, "{out}");
    let (ok, _) = run_cli(data, &["user", "add", "ann"], "first password\n").await;
    assert!(!ok, "a taken name is refused");
    let (ok, _) = run_cli(data, &["user", "add", "bob"], "short\n").await;
    assert!(!ok, "a short password is refused");
    run_cli(data, &["user", "add", "cid"], "cid password\n").await;
    let (_, out) = run_cli(data, &["user", "list"], "").await;
    assert_eq!(out.lines().collect::<Vec<_>>(), ["ann", "cid"]);

    let (ok, _) = run_cli(data, &["user", "passwd", "ann"], "second password\n").await;
    assert!(ok);
    let server = tonearm_server::spawn(crate::support::config_for(data))
        .await
        .unwrap();
    let login = |password: &'static str| {
        let url = format!("{}/api/v1/sessions", server.base_url());
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&json!({"username": "ann", "password": password, "device": "d"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(login("first password").await, StatusCode::UNAUTHORIZED);
    assert_eq!(login("second password").await, StatusCode::CREATED);
    server.shutdown().await;

    let (ok, _) = run_cli(data, &["user", "remove", "ann"], "").await;
    assert!(ok);
    let (ok, _) = run_cli(data, &["user", "remove", "ann"], "").await;
    assert!(!ok, "removing a missing user fails");
    let (_, out) = run_cli(data, &["user", "list"], "").await;
    assert_eq!(out.trim(), "cid");
}

#[tokio::test]
async fn sigterm_shuts_the_binary_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut process = crate::support::ServerProcess::start(dir.path()).await;
    let health = reqwest::get(format!("{}/health", process.base))
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let pid = process.child.id().unwrap().to_string();
    let killed = tokio::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = process.child.wait().await.unwrap();
    assert!(
        status.success(),
        "a graceful stop exits with 0, not by the signal: {status:?}"
    );
}

#[tokio::test]
async fn unknown_routes_get_a_typed_404() {
    let server = TestServer::start().await;
    let response = reqwest::get(server.url("/api/v1/nothing-here"))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "not_found");
}
