//! The server against hostile callers: floods of logins, slow and idle connections, oversized
//! bodies, names that forge log lines, bad position keys, upload reservations without a quota,
//! and a DELETE racing a PATCH. Each reproduces a failure found by attacking the server.

use crate::support::{PASSWORD, TestServer};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonearm_server::limits::Limits;

/// A client whose connections come from `ip` (any 127.x address reaches the server).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn login_status(
    server: &TestServer,
    client: &reqwest::Client,
    name: &str,
    password: &str,
) -> StatusCode {
    client
        .post(server.url("/api/v1/sessions"))
        .json(&json!({"username": name, "password": password, "device": "d"}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_random_names_from_many_addresses_leaves_real_logins_working() {
    let server = TestServer::start().await;
    server.add_user("ann").await;
    let flood: Vec<_> = (0..300)
        .map(|i| {
            let client = client_from(&format!("127.0.{}.{}", 1 + i % 4, 10 + i % 50));
            let url = server.url("/api/v1/sessions");
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&json!({"username": format!("nobody{i}"), "password": "guess", "device": "d"}))
                    .send()
                    .await
                    .map(|r| r.status())
            })
        })
        .collect();
    // Meanwhile the real user logs in from an address of their own.
    let ann = login_status(&server, &client_from("127.9.9.9"), "ann", PASSWORD).await;
    assert_eq!(
        ann,
        StatusCode::CREATED,
        "the owner gets in during the flood"
    );
    let mut seen = std::collections::BTreeMap::new();
    for request in flood {
        let status = request.await.unwrap().unwrap();
        *seen.entry(status.as_u16()).or_insert(0) += 1;
    }
    // Unknown names are told "invalid" or "slow down", never "busy" (which would reveal that
    // the name has no account) and never a server error.
    assert!(
        seen.keys().all(|s| *s == 401 || *s == 429),
        "statuses of the flood: {seen:?}"
    );
}

#[tokio::test]
async fn random_names_from_one_address_are_throttled_before_any_password_check() {
    let server = TestServer::start().await;
    let client = client_from("127.0.0.7");
    let mut throttled = None;
    for i in 0..40 {
        let status = login_status(&server, &client, &format!("random{i}"), "guess").await;
        if status == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some(i);
            break;
        }
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let at = throttled.expect("one address cannot try unlimited names");
    assert!(at >= 10, "a few mistakes are free (throttled at {at})");
    let response = client
        .post(server.url("/api/v1/sessions"))
        .json(&json!({"username": "another", "password": "guess", "device": "d"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
}

#[tokio::test]
async fn an_account_attacked_from_many_addresses_still_lets_its_owner_in() {
    let server = TestServer::start_with(|config| {
        config.limits.throttle.per_account.burst = 5;
    })
    .await;
    server.add_user("ann").await;
    let home = client_from("127.0.0.2");
    assert_eq!(
        login_status(&server, &home, "ann", PASSWORD).await,
        StatusCode::CREATED
    );
    let mut refused = 0;
    for i in 0..12 {
        let attacker = client_from(&format!("127.1.0.{}", i + 1));
        if login_status(&server, &attacker, "ann", "guess").await == StatusCode::TOO_MANY_REQUESTS {
            refused += 1;
        }
    }
    assert!(
        refused > 0,
        "guessing one account from many addresses is stopped"
    );
    assert_eq!(
        login_status(&server, &home, "ann", PASSWORD).await,
        StatusCode::CREATED,
        "the owner's usual address is not locked out"
    );
}

#[tokio::test]
async fn names_that_would_forge_log_lines_or_flood_the_log_are_refused_at_the_edge() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    for name in ["ann\nINFO forged line", &"x".repeat(100_000), ""] {
        let response = client
            .post(server.url("/api/v1/sessions"))
            .json(&json!({"username": name, "password": "guess", "device": "d"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("user name"), "{message}");
        assert!(message.len() < 400, "the error does not echo the input");
    }
    server.add_user("ann").await;
    let response = client
        .post(server.url("/api/v1/sessions"))
        .json(&json!({"username": "ann", "password": PASSWORD, "device": "phone\r\nforged"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn oversized_json_bodies_get_a_typed_413() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let response = ann
        .request(Method::POST, "/api/v1/playlists/ops")
        .header("content-type", "application/json")
        .body(format!("{{\"ops\": [], \"pad\": \"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_large");
}

async fn slow_client(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    stream
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_slow_clients_do_not_lock_anyone_out_and_are_cut_off() {
    let server = TestServer::start_with(|config| {
        config.limits.header_timeout = Duration::from_secs(1);
    })
    .await;
    let addr = server.server().addr();
    let mut slow = Vec::new();
    for _ in 0..300 {
        slow.push(slow_client(addr).await);
    }
    // Everyone else is served meanwhile.
    let health = reqwest::get(server.url("/health")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    // A client that never finishes its headers is disconnected (hyper answers 408 or closes).
    let mut stream = slow.pop().unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer))
        .await
        .expect("the server closes a connection that is too slow to send its headers")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed_and_a_full_server_serves_once_one_leaves() {
    let server = TestServer::start_with(|config| {
        config.limits = Limits {
            max_connections: 2,
            idle_timeout: Duration::from_millis(500),
            ..config.limits
        };
    })
    .await;
    let addr = server.server().addr();
    // Two connections that say nothing hold every slot...
    let mut idle = vec![
        TcpStream::connect(addr).await.unwrap(),
        TcpStream::connect(addr).await.unwrap(),
    ];
    // ...until the idle timeout frees them, and then a third client is served.
    let health = tokio::time::timeout(Duration::from_secs(30), reqwest::get(server.url("/health")))
        .await
        .expect("served once an idle connection is closed")
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(30), idle[0].read(&mut buf))
        .await
        .expect("the idle connection is closed");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    idle.clear();
}

#[tokio::test]
async fn without_a_quota_unfinished_uploads_are_still_bounded() {
    let server = TestServer::start_with(|config| {
        config.user_quota = None;
        config.limits.max_open_uploads = 5;
        config.limits.max_reserved_bytes = 10 * 1024 * 1024 * 1024;
    })
    .await;
    let ann = server.user("ann").await;
    let gib = 1024 * 1024 * 1024u64;
    // Byte reservations: two 4 GiB uploads fit in 10 GiB, a third does not.
    for expected in [
        StatusCode::CREATED,
        StatusCode::CREATED,
        StatusCode::TOO_MANY_REQUESTS,
    ] {
        let response = ann.create_upload_with(4 * gib, "").await;
        assert_eq!(response.status(), expected);
    }
    // Counts: small uploads stop at five open ones.
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(ann.create_upload_with(10, "").await.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let storage = ann.get_json("/api/v1/storage").await;
    assert!(
        storage["used_bytes"].as_u64().unwrap() <= 10 * gib,
        "{storage}"
    );
    // Another user has limits of their own.
    let bob = server.user("bob").await;
    assert_eq!(
        bob.create_upload_with(4 * gib, "").await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn deleting_an_upload_while_its_patch_runs_is_not_a_server_error() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let data = vec![7u8; 4 * 1024 * 1024];
    let upload = ann.create_upload(&data).await;
    // A PATCH that sends half its body and then stalls, holding the upload.
    let url = reqwest::Url::parse(&server.url(&upload)).unwrap();
    let mut stream = TcpStream::connect(server.server().addr()).await.unwrap();
    let head = format!(
        "PATCH {} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nTus-Resumable: 1.0.0\r\n\
         Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n\
         Content-Length: {}\r\n\r\n",
        url.path(),
        ann.token,
        data.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&data[..data.len() / 2]).await.unwrap();
    // Wait until the server has taken the upload: a probe is refused as busy. The probe's
    // offset can never match, so a probe that comes too early writes nothing either.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut held = false;
    for _ in 0..250 {
        let probe = ann.patch(&upload, 1 << 40, vec![1]).await;
        assert_eq!(probe.status(), StatusCode::CONFLICT);
        let body: Value = probe.json().await.unwrap();
        if body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("another request is writing")
        {
            held = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(held, "the raw PATCH never took the upload");
    let delete = tokio::spawn({
        let ann = ann.clone();
        let upload = upload.clone();
        async move {
            ann.tus(Method::DELETE, &upload)
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The PATCH goes on to the end while the DELETE waits for it.
    stream.write_all(&data[data.len() / 2..]).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let read = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert_eq!(delete.await.unwrap(), StatusCode::NO_CONTENT);
    let gone = ann.tus(Method::HEAD, &upload).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_position_keys_are_refused_and_cannot_reach_other_devices() {
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let track = ann.upload_track(b"some audio").await;
    let playlist = uuid::Uuid::new_v4();
    let create = json!({"ops": [{"op_id": uuid::Uuid::new_v4(),
        "action": {"type": "create_playlist", "playlist_id": playlist, "name": "Mix"}}]});
    assert_eq!(
        ann.post_json("/api/v1/playlists/ops", &create)
            .await
            .status(),
        StatusCode::OK
    );
    let long = "z".repeat(100_000);
    for bad in ["a0", "", "a-b", "é", long.as_str()] {
        let add = json!({"ops": [{"op_id": uuid::Uuid::new_v4(), "action": {"type": "add_entry",
            "playlist_id": playlist, "entry_id": uuid::Uuid::new_v4(), "track_id": track.id,
            "position": bad}}]});
        let response = ann.post_json("/api/v1/playlists/ops", &add).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad:.20}");
        let body: Value = response.json().await.unwrap();
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("invalid position key"), "{message:.200}");
        assert!(message.len() < 500, "the error does not echo a huge key");
    }
    let playlists = ann.get_json("/api/v1/playlists").await;
    assert_eq!(playlists["playlists"][0]["entries"], json!([]));
}

#[tokio::test]
async fn bad_keys_stored_by_an_older_server_are_repaired_in_order_at_start() {
    let mut server = TestServer::start_local_with(|_| {}).await;
    let ann = server.user("ann").await;
    let track = ann.upload_track(b"some audio").await;
    let playlist = uuid::Uuid::new_v4();
    let entries: Vec<uuid::Uuid> = (0..4).map(|_| uuid::Uuid::new_v4()).collect();
    let mut ops = vec![json!({"op_id": uuid::Uuid::new_v4(),
        "action": {"type": "create_playlist", "playlist_id": playlist, "name": "Mix"}})];
    for (entry, key) in entries.iter().zip(["1", "2", "3", "4"]) {
        ops.push(
            json!({"op_id": uuid::Uuid::new_v4(), "action": {"type": "add_entry",
            "playlist_id": playlist, "entry_id": entry, "track_id": track.id, "position": key}}),
        );
    }
    let response = ann
        .post_json("/api/v1/playlists/ops", &json!({"ops": ops}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    server.server.take().unwrap().shutdown().await;
    // What an older server accepted: keys with a trailing zero, odd characters, huge ones,
    // in the table and in the change feed.
    let db = rusqlite::Connection::open(server.config.data_dir.join("tonearm.db")).unwrap();
    let huge = format!("3{}", "!".repeat(100_000));
    let bad = ["10", "2-", huge.as_str(), "40"];
    for ((entry, key), old) in entries.iter().zip(bad).zip(["1", "2", "3", "4"]) {
        db.execute(
            "UPDATE playlist_entries SET position = ?1 WHERE id = ?2",
            [key, &entry.to_string()],
        )
        .unwrap();
        db.execute(
            "UPDATE changes SET event = replace(event, ?1, ?2) WHERE event LIKE '%' || ?3 || '%'",
            [
                &format!("\"position\":\"{old}\""),
                &format!("\"position\":\"{key}\""),
                &entry.to_string(),
            ],
        )
        .unwrap();
    }
    let events_with_bad_keys: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM changes WHERE event LIKE '%\"position\":\"10\"%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    db.execute("DELETE FROM schema_migrations WHERE version > 1", [])
        .unwrap();
    drop(db);

    let restarted = tonearm_server::spawn(server.config.clone()).await.unwrap();
    server.base = restarted.base_url();
    server.server = Some(restarted);
    let ann = server.login("ann").await;
    let playlists = ann.get_json("/api/v1/playlists").await;
    let listed: Vec<&Value> = playlists["playlists"][0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let order: Vec<String> = listed
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    // The order the bad keys sorted in is kept ("10" < "2-" < "3!!!" < "40").
    let expected: Vec<String> = entries.iter().map(ToString::to_string).collect();
    assert_eq!(order, expected);
    for entry in &listed {
        let key = entry["position"].as_str().unwrap();
        assert!(tonearm_protocol::PositionKey::parse(key).is_ok(), "{key}");
    }
    // A device reading the whole feed from the start sees only valid keys and ends with the
    // repaired positions.
    let feed = ann.get_json("/api/v1/changes?since=0").await;
    let text = feed.to_string();
    assert!(
        !text.contains("!!!!") && !text.contains("\"2-\""),
        "{text:.300}"
    );
    let parsed: tonearm_protocol::ChangesResponse = serde_json::from_value(feed).unwrap();
    assert!(events_with_bad_keys > 0);
    assert!(parsed.changes.len() > 5, "the repair announced its moves");
}
