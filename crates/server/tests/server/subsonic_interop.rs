//! Independent Subsonic client libraries against the real server, so `/rest` is proven with
//! what apps are built on rather than only with our own requests: py-sonic and py-opensonic
//! (`tests/interop/subsonic_clients.py`, which also validates every JSON answer against the
//! vendored OpenSubsonic schemas in `tests/interop/opensubsonic/`) and npm `subsonic-api`
//! (`tests/interop/subsonic_api_client.mjs`). Each driver gets the server, the credentials, an
//! API key and the seeded songs (with their files) as JSON on stdin, and fails with a message
//! naming the call. `cargo xtask test` installs the clients (the venv from `requirements.txt`,
//! `npm ci`) and sets `TONEARM_REQUIRE_INTEROP=1`, so a missing client fails instead of
//! skipping.

use crate::subsonic::seed;
use crate::support::{PASSWORD, TestServer, interop_dir, interop_program, skip_without};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Far more than a run takes (a few seconds): a hung client fails instead of hanging the suite.
const TIME_LIMIT: Duration = Duration::from_secs(180);

/// The Python driver's exit status when its libraries are not installed (an older venv).
const CLIENTS_MISSING: i32 = 3;

#[derive(Debug, Clone, Copy)]
enum Driver {
    /// py-sonic and py-opensonic, plus the schema checks.
    Python,
    /// npm subsonic-api.
    Node,
}

impl Driver {
    /// The command to run this driver, or why it is unavailable.
    fn command(self) -> Result<tokio::process::Command, String> {
        let dir = interop_dir();
        match self {
            Self::Python => {
                let python = interop_program("python")?;
                let mut command = tokio::process::Command::new(python);
                command.arg(dir.join("subsonic_clients.py"));
                Ok(command)
            }
            Self::Node => {
                if !dir.join("node_modules/subsonic-api").exists() {
                    return Err(
                        "subsonic-api is not installed in tests/interop/node_modules".into(),
                    );
                }
                let mut command = tokio::process::Command::new("node");
                command.arg(dir.join("subsonic_api_client.mjs"));
                Ok(command)
            }
        }
    }
}

/// Skips the test, unless the clients are required.
fn unavailable(driver: Driver, why: &str) {
    skip_without(&format!("{driver:?} Subsonic interop"), why);
}

/// Seeds ann's and bob's libraries, makes ann an API key, runs the driver on them.
async fn drives_the_server(driver: Driver) {
    let mut command = match driver.command() {
        Ok(command) => command,
        Err(why) => return unavailable(driver, &why),
    };
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    // Bob has the same music (other files): his clients must still never reach ann's songs.
    let bob = server.user("bob").await;
    let library = seed(&ann, 100).await;
    seed(&bob, 200).await;
    let created = ann
        .post_json("/api/v1/api-keys", &json!({"name": "phone"}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let key: Value = created.json().await.unwrap();

    let songs: Vec<Value> = library
        .songs
        .iter()
        .zip(&library.files)
        .map(|(song, file)| {
            let mut song = serde_json::to_value(song).unwrap();
            song["data"] = json!(BASE64.encode(file));
            song
        })
        .collect();
    let input = json!({
        "url": server.base,
        "username": "ann",
        "password": PASSWORD,
        "apiKey": key["key"],
        "other": {"username": "bob", "password": PASSWORD},
        "songs": songs,
    });

    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.to_string().as_bytes()).await.unwrap();
    drop(stdin);
    let output = tokio::time::timeout(TIME_LIMIT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{driver:?} ran for more than {TIME_LIMIT:?}"))
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(CLIENTS_MISSING) {
        return unavailable(driver, stdout.trim());
    }
    assert!(
        output.status.success(),
        "{driver:?} Subsonic clients found the server wrong:\n{stdout}\n{stderr}"
    );
    eprintln!("{stdout}");
}

#[tokio::test]
async fn py_sonic_and_py_opensonic_get_schema_valid_answers() {
    drives_the_server(Driver::Python).await;
}

#[tokio::test]
async fn subsonic_api_for_node_browses_and_edits_playlists() {
    drives_the_server(Driver::Node).await;
}
