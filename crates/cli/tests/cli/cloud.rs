//! `tonearm cloud ...` against a real locker server: one device uploads, another syncs,
//! plays a cloud-only track through a capturing sound device, keeps it offline and plays it
//! with the server down.

use super::play::{fixtures, frequency, music, play};
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use tonearm_testkit::locker::{Locker, PASSWORD};

/// Runs `tonearm ARGS` on the data directory `data`, with `stdin`; returns stdout, stderr
/// and whether it succeeded.
fn tonearm(data: &Path, args: &[&str], stdin: &str) -> (String, String, bool) {
    super::run_tonearm(data, args, stdin, &[])
}

fn ok(data: &Path, args: &[&str]) -> String {
    let (stdout, stderr, success) = tonearm(data, args, "");
    assert!(success, "tonearm {args:?}: {stderr}");
    stdout
}

fn json(data: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(data, args)).expect("json")
}

#[test]
fn upload_on_one_device_then_sync_play_and_keep_offline_on_another() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut server = runtime.block_on(Locker::start());
    runtime.block_on(server.add_user("ann"));
    let url = server.url();

    let a = tempfile::tempdir().expect("device a");
    let music_dir = a.path().join("Music");
    std::fs::create_dir_all(&music_dir).expect("music");
    for name in ["tagged.flac", "id3v24.mp3"] {
        std::fs::copy(fixtures().join(name), music_dir.join(name)).expect("copy");
    }
    ok(
        a.path(),
        &["folders", "add", music_dir.to_str().expect("utf-8")],
    );
    ok(a.path(), &["scan"]);
    let (_, stderr, success) = tonearm(
        a.path(),
        &["cloud", "login", &url, "--user", "ann", "--password-stdin"],
        "wrong\n",
    );
    assert!(
        !success && stderr.contains("refused"),
        "a wrong password: {stderr}"
    );
    let (stdout, stderr, success) = tonearm(
        a.path(),
        &["cloud", "login", &url, "--user", "ann", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(success, "{stderr}");
    assert!(stdout.contains("owner-only file"), "{stdout}");
    let uploaded = ok(a.path(), &["cloud", "upload", "--wait"]);
    assert_eq!(uploaded.matches("in the cloud: ").count(), 2, "{uploaded}");
    let status = json(a.path(), &["cloud", "status", "--json"]);
    assert_eq!(status["totals"]["in_cloud"], 2, "{status}");
    assert_eq!(status["account"]["username"], "ann");
    assert_eq!(status["token_store"], "file");

    let b = tempfile::tempdir().expect("device b");
    let (_, stderr, success) = tonearm(
        b.path(),
        &["cloud", "login", &url, "--user", "ann", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(success, "{stderr}");
    let report = json(b.path(), &["cloud", "sync", "--json"]);
    assert_eq!(report["changes_applied"], 2, "{report}");
    let tracks = json(b.path(), &["tracks", "--json", "--sort", "title"]);
    let mp3 = tracks["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["format"] == "mp3")
        .expect("the MP3 is listed")
        .clone();
    assert_eq!(mp3["state"], "cloud");
    let id = mp3["id"].as_str().expect("id").to_owned();

    // B plays the cloud-only MP3: the sound card gets its 400 Hz tone.
    let (captured, stderr, success) = play(&[&id], b.path());
    assert!(success, "{stderr}");
    assert!(
        (frequency(music(&captured)) - 400.0).abs() < 4.0,
        "{stderr}"
    );

    // Kept offline, it plays with the server gone.
    let pinned = ok(b.path(), &["pin", &id]);
    assert!(pinned.contains("kept offline"), "{pinned}");
    runtime.block_on(server.stop());
    let (captured, stderr, success) = play(&[&id], b.path());
    assert!(success, "offline: {stderr}");
    assert!((frequency(music(&captured)) - 400.0).abs() < 4.0);

    ok(b.path(), &["cloud", "logout"]);
    let status = json(b.path(), &["cloud", "status", "--json"]);
    assert_eq!(status["account"], Value::Null);
    assert_eq!(
        status["totals"]["cloud_only"], 0,
        "cloud-only tracks left with the account"
    );
}

/// `tonearm cloud login URL` as ann, with `password` on standard input.
fn login(data: &Path, url: &str, password: &str) -> (String, String, bool) {
    tonearm(
        data,
        &["cloud", "login", url, "--user", "ann", "--password-stdin"],
        &format!("{password}\n"),
    )
}

#[test]
fn status_asks_the_server_and_says_offline_when_it_is_down() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut server = runtime.block_on(Locker::start());
    runtime.block_on(server.add_user("ann"));
    let url = server.url();
    let data = tempfile::tempdir().expect("device");
    let (_, stderr, success) = login(data.path(), &url, PASSWORD);
    assert!(success, "{stderr}");

    let status = ok(data.path(), &["cloud", "status"]);
    assert!(
        status.contains(&format!("online: {url} answers")),
        "{status}"
    );
    let status = json(data.path(), &["cloud", "status", "--json"]);
    assert_eq!(status["connection"]["state"], "online", "{status}");

    runtime.block_on(server.stop());
    let status = ok(data.path(), &["cloud", "status"]);
    assert!(
        status.contains(&format!(
            "offline: cannot reach the server at {url} (connection refused)"
        )),
        "{status}"
    );
    assert!(!status.contains("online"), "{status}");
    let status = json(data.path(), &["cloud", "status", "--json"]);
    assert_eq!(status["connection"]["state"], "offline", "{status}");
    assert!(
        status["connection"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("connection refused")),
        "{status}"
    );
}

#[test]
fn a_refused_connection_is_one_sentence_naming_the_server_and_what_to_try() {
    // A port where nothing listens: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let data = tempfile::tempdir().expect("device");
    let (_, stderr, success) = login(data.path(), &url, PASSWORD);
    assert!(!success);
    assert_eq!(
        stderr.trim_end(),
        format!(
            "tonearm: error: cannot reach the server at {url} (connection refused): \
             check that the server is running and the address is right"
        ),
        "one sentence, not the HTTP stack's chain"
    );
}

#[test]
fn a_server_address_without_a_scheme_is_refused_before_anything_is_sent() {
    // A server would be there; the address only lacks http://.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("non-blocking");
    let address = listener.local_addr().expect("address").to_string();
    let data = tempfile::tempdir().expect("device");
    let (_, stderr, success) = login(data.path(), &address, PASSWORD);
    assert!(!success);
    assert!(
        stderr.contains(&format!(
            "`{address}` is not a server address: add http:// or https:// in front"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("unexpected answer"), "{stderr}");
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "nothing was sent"
    );
}

/// A Subsonic `ping` with an API key, over a plain HTTP/1.1 request: its `status`.
fn ping_with_key(url: &str, key: &str) -> String {
    use std::io::Read;
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address).expect("connects");
    write!(
        stream,
        "GET /rest/ping?apiKey={key}&v=1.16.1&c=cli-test&f=json HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    let body = answer.split("\r\n\r\n").nth(1).expect("a body");
    let body: Value = serde_json::from_str(body.trim()).expect("json");
    body["subsonic-response"]["status"]
        .as_str()
        .expect("status")
        .to_owned()
}

#[test]
fn api_keys_for_subsonic_apps_are_made_listed_and_revoked() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let server = runtime.block_on(Locker::start());
    runtime.block_on(server.add_user("ann"));
    let url = server.url();
    let data = tempfile::tempdir().expect("device");
    let (_, stderr, success) = login(data.path(), &url, PASSWORD);
    assert!(success, "{stderr}");

    let (key, stderr, success) = tonearm(data.path(), &["cloud", "api-key", "create", "phone"], "");
    assert!(success, "{stderr}");
    let key = key.trim().to_owned();
    assert!(stderr.contains("not shown again"), "{stderr}");
    assert_eq!(ping_with_key(&url, &key), "ok");
    let listed = ok(data.path(), &["cloud", "api-key", "list"]);
    let (id, name) = listed.trim().split_once('\t').expect("id and name");
    assert_eq!(name, "phone");
    assert!(!listed.contains(&key), "the key itself is never listed");
    ok(data.path(), &["cloud", "api-key", "revoke", id]);
    assert_eq!(ping_with_key(&url, &key), "failed");
    let (_, stderr, success) = tonearm(data.path(), &["cloud", "api-key", "revoke", id], "");
    assert!(!success && stderr.contains("not found"), "{stderr}");
}
