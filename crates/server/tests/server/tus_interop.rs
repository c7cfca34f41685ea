//! Standard tus clients against the real server: tuspy (Python) and tus-js-client (Node), each
//! uploading in chunks with and without a declared BLAKE3, and resuming an upload another
//! client started. The clients live in `tests/interop/`; `cargo xtask test` installs them
//! (`npm ci` there, and a venv with `requirements.txt` at `tests/interop/.venv`) and sets
//! `TONEARM_REQUIRE_INTEROP=1`, so a missing client fails instead of skipping.

use crate::support::{TestServer, User, audio, interop_dir, interop_program, skip_without};
use reqwest::StatusCode;
use std::path::Path;
use tonearm_protocol::BlobHash;

#[derive(Debug, Clone, Copy)]
enum Client {
    Tuspy,
    TusJs,
}

impl Client {
    /// The command to run this client, or why it is unavailable.
    fn command(self) -> Result<tokio::process::Command, String> {
        let dir = interop_dir();
        match self {
            Self::Tuspy => {
                let python = interop_program("python")?;
                let mut command = tokio::process::Command::new(python);
                command.arg(dir.join("tuspy_upload.py"));
                Ok(command)
            }
            Self::TusJs => {
                if !dir.join("node_modules/tus-js-client").exists() {
                    return Err(
                        "tus-js-client is not installed in tests/interop/node_modules".into(),
                    );
                }
                let mut command = tokio::process::Command::new("node");
                command.arg(dir.join("tus_js_upload.mjs"));
                Ok(command)
            }
        }
    }
}

/// Runs the client; returns the upload URL it printed.
async fn run(
    client: Client,
    server: &TestServer,
    user: &User,
    file: &Path,
    blake3: Option<&BlobHash>,
    resume: Option<&str>,
) -> String {
    let mut command = client.command().unwrap();
    command
        .arg(server.url("/api/v1/uploads"))
        .arg(&user.token)
        .arg(file)
        .arg((256 * 1024).to_string());
    if let Some(hash) = blake3 {
        command.args(["--blake3", hash.as_str()]);
    }
    if let Some(url) = resume {
        command.args(["--resume", url]);
    }
    let output = command.output().await.unwrap();
    assert!(
        output.status.success(),
        "{client:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

async fn assert_blob_streams_back(user: &User, data: &[u8]) {
    let track = user.create_track(&BlobHash::of(data), "flac").await;
    let bytes = user.stream(&track).await;
    assert!(bytes == data, "the blob is byte-identical");
}

async fn interoperates(client: Client) {
    if let Err(why) = client.command() {
        skip_without(&format!("{client:?} interop"), &why);
        return;
    }
    let server = TestServer::start().await;
    let ann = server.user("ann").await;
    let dir = tempfile::tempdir().unwrap();

    // Chunked upload declaring the BLAKE3.
    let data = audio(1024 * 1024 + 4321, 70);
    let file = dir.path().join("declared.flac");
    std::fs::write(&file, &data).unwrap();
    let url = run(
        client,
        &server,
        &ann,
        &file,
        Some(&BlobHash::of(&data)),
        None,
    )
    .await;
    assert!(url.contains("/api/v1/uploads/"), "{url}");
    assert_blob_streams_back(&ann, &data).await;

    // Without a declared hash the server computes it.
    let data = audio(700_000, 71);
    let file = dir.path().join("hashless.flac");
    std::fs::write(&file, &data).unwrap();
    run(client, &server, &ann, &file, None, None).await;
    assert_blob_streams_back(&ann, &data).await;

    // Resume an upload whose first part arrived earlier.
    let data = audio(900_000, 72);
    let file = dir.path().join("resumed.flac");
    std::fs::write(&file, &data).unwrap();
    let upload = ann.create_upload(&data).await;
    assert_eq!(
        ann.patch(&upload, 0, data[..300_000].to_vec())
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    run(
        client,
        &server,
        &ann,
        &file,
        Some(&BlobHash::of(&data)),
        Some(&server.url(&upload)),
    )
    .await;
    assert_eq!(ann.offset(&upload).await, data.len() as u64);
    assert_blob_streams_back(&ann, &data).await;
}

#[tokio::test]
async fn tuspy_uploads_and_resumes() {
    interoperates(Client::Tuspy).await;
}

#[tokio::test]
async fn tus_js_client_uploads_and_resumes() {
    interoperates(Client::TusJs).await;
}
