//! The server answers as its OpenAPI document says: schemathesis (pinned in
//! `tests/interop/requirements.txt`, configured by `tests/interop/schemathesis.toml`) generates
//! valid and invalid requests for every operation from `/api/v1/openapi.json`, sends them to the
//! real server with a real token, and runs every check it has (no server error, statuses,
//! content types, headers and bodies as documented, invalid input refused, valid input taken,
//! sequences of calls that use what earlier calls returned). `cargo xtask test` installs it in
//! `tests/interop/.venv` and sets `TONEARM_REQUIRE_INTEROP=1`, so a missing schemathesis fails
//! instead of skipping.

use crate::support::{TestServer, audio, interop_dir, interop_program, skip_without};
use reqwest::StatusCode;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// Far more than a run takes (about 20 s alone on 2 cores): a hung run fails instead of
/// hanging the suite.
const TIME_LIMIT: Duration = Duration::from_secs(240);

fn schemathesis() -> Result<PathBuf, String> {
    match std::env::var_os("TONEARM_INTEROP_SCHEMATHESIS") {
        Some(path) => Ok(PathBuf::from(path)),
        None => interop_program("schemathesis"),
    }
}

#[tokio::test]
async fn the_server_answers_as_its_document_says() {
    let program = match schemathesis() {
        Ok(program) => program,
        Err(why) => {
            skip_without("the conformance run", &why);
            return;
        }
    };
    let server = TestServer::start_with(|config| {
        // The run creates uploads freely; the per-user limits have their own tests.
        config.limits.max_open_uploads = u64::MAX;
        config.limits.max_reserved_bytes = u64::MAX;
    })
    .await;
    // Both log in before the run: its failed logins soon get this address refused for a while
    // (429, as documented), and tokens do not care.
    let ann = server.user("ann").await;
    // Revoking sessions is run as another user, so it cannot log ann out (see the config).
    let bob = server.user("bob").await;

    // Something real for the routes to find: a track over an uploaded file, and a playlist
    // holding it. The run reads their ids from the listings.
    let track = ann.upload_track(&audio(64 * 1024, 1)).await;
    let playlist = uuid::Uuid::new_v4();
    let response = ann
        .post_json(
            "/api/v1/playlists/ops",
            &json!({"ops": [
                {"op_id": uuid::Uuid::new_v4(), "action": {"type": "create_playlist", "playlist_id": playlist, "name": "Seed"}},
                {"op_id": uuid::Uuid::new_v4(), "action": {"type": "add_entry", "playlist_id": playlist,
                    "entry_id": uuid::Uuid::new_v4(), "track_id": track.id, "position": "V"}},
            ]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let playlists = ann.get_json("/api/v1/playlists").await;
    assert_eq!(
        playlists["playlists"][0]["entries"][0]["track_id"],
        json!(track.id)
    );

    // Its own folder, so nothing lands in the working tree.
    let scratch = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(program);
    command
        .current_dir(scratch.path())
        .arg("--config-file")
        .arg(interop_dir().join("schemathesis.toml"))
        .arg("run")
        .arg(server.url("/api/v1/openapi.json"))
        .args(["--url", &server.base, "--checks", "all", "--no-color"])
        .env("TONEARM_TOKEN", &ann.token)
        .env("TONEARM_OTHER_TOKEN", &bob.token)
        .env(
            "SCHEMATHESIS_HOOKS",
            interop_dir().join("schemathesis_hooks.py"),
        )
        .kill_on_drop(true);
    let output = tokio::time::timeout(TIME_LIMIT, command.output())
        .await
        .unwrap_or_else(|_| panic!("schemathesis ran for more than {TIME_LIMIT:?}"))
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found the server disagreeing with its document:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // And it left the seed's owner logged in.
    let sessions = ann.get_json("/api/v1/sessions").await;
    assert!(
        sessions["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|session| session["current"] == json!(true)),
        "{sessions}"
    );
}
