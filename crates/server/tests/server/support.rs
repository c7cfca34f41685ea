//! Test harness: start a server in a temp dir, create users, log in, upload with tus.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tonearm_protocol::{BlobHash, CloudTrack, LoginResponse};
use tonearm_server::{BlobLocation, Config, DatabaseUrl, RunningServer};

pub const PASSWORD: &str = "correct horse battery";

/// reqwest is built with rustls but without a crypto provider (its only built-in one is
/// aws-lc-rs), and then refuses to build any client, even a plain-HTTP one, until a process-wide
/// provider is installed. Every test starts a server before its first client, so starting one
/// installs ring.
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only if another provider is already installed, which is as good.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A server with its own data directory.
pub struct TestServer {
    pub server: Option<RunningServer>,
    _dir: TempDir,
    pub config: Config,
    pub base: String,
}

/// Whether this run of the suite puts its servers on PostgreSQL and an S3-compatible store
/// (`TONEARM_TEST_BACKENDS=postgres-s3`, the second run of `cargo xtask test`) instead of the
/// household defaults, SQLite and a folder.
pub fn on_remote_backends() -> bool {
    match std::env::var("TONEARM_TEST_BACKENDS").as_deref() {
        Ok("postgres-s3") => true,
        Ok("sqlite-folder") | Err(_) => false,
        Ok(other) => {
            panic!("TONEARM_TEST_BACKENDS={other:?}: expected postgres-s3 or sqlite-folder")
        }
    }
}

/// A fresh PostgreSQL database and S3 bucket, for one server or a group of replicas.
pub fn remote_backends() -> (DatabaseUrl, BlobLocation) {
    (
        DatabaseUrl::Postgres(tonearm_testkit::services::fresh_database()),
        BlobLocation::S3 {
            bucket: tonearm_testkit::services::fresh_bucket(),
            prefix: Some("tonearm".into()),
        },
    )
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server on the stores of this run (see [`on_remote_backends`]).
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(on_remote_backends(), configure).await
    }

    /// A server on SQLite and a folder whatever the run: for tests of what only they have
    /// (the database file, its migrations, the blob folder).
    pub async fn start_local_with(configure: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(false, configure).await
    }

    async fn start_on(remote: bool, configure: impl FnOnce(&mut Config)) -> Self {
        install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path().join("data"));
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.maintenance_interval = None;
        // Parts of 1 MiB: a stalled upload shows its first commits after a megabyte.
        config.limits.upload_part_bytes = 1024 * 1024;
        if remote {
            let (database, blobs) = remote_backends();
            config.database = Some(database);
            config.blob_store = Some(blobs);
        }
        configure(&mut config);
        let server = tonearm_server::spawn(config.clone()).await.unwrap();
        let base = server.base_url();
        Self {
            server: Some(server),
            _dir: dir,
            config,
            base,
        }
    }

    pub fn server(&self) -> &RunningServer {
        self.server.as_ref().unwrap()
    }

    /// Stops the server gracefully and starts it again on the same data directory.
    pub async fn restart(&mut self) {
        self.server.take().unwrap().shutdown().await;
        let server = tonearm_server::spawn(self.config.clone()).await.unwrap();
        self.base = server.base_url();
        self.server = Some(server);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn add_user(&self, name: &str) {
        tonearm_server::users::add(
            &*self.server().store(),
            self.server().vault(),
            name,
            PASSWORD,
        )
        .await
        .unwrap();
    }

    /// Creates `name` and logs in as `name` from device "test".
    pub async fn user(&self, name: &str) -> User {
        self.add_user(name).await;
        self.login(name).await
    }

    pub async fn login(&self, name: &str) -> User {
        self.login_with(name, reqwest::Client::new()).await
    }

    /// Logs in as `name` through `client` (an HTTPS client, say), which the user then uses.
    pub async fn login_with(&self, name: &str, client: reqwest::Client) -> User {
        let response = client
            .post(self.url("/api/v1/sessions"))
            .json(&json!({"username": name, "password": PASSWORD, "device": "test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let login: LoginResponse = response.json().await.unwrap();
        User {
            token: login.token,
            base: self.base.clone(),
            client,
        }
    }
}

/// A logged-in user.
#[derive(Clone)]
pub struct User {
    pub token: String,
    pub base: String,
    pub client: reqwest::Client,
}

impl User {
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        self.client.request(method, url).bearer_auth(&self.token)
    }

    pub fn tus(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, path).header("Tus-Resumable", "1.0.0")
    }

    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.request(Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    /// A track's whole stream (which must answer 200).
    pub async fn stream(&self, track: &CloudTrack) -> bytes::Bytes {
        let path = format!("/api/v1/tracks/{}/stream", track.id);
        let response = self.request(Method::GET, &path).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.bytes().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.request(Method::POST, path)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// tus creation with the given metadata header value; returns the upload URL.
    pub async fn create_upload_with(&self, length: u64, metadata: &str) -> Response {
        self.tus(Method::POST, "/api/v1/uploads")
            .header("Upload-Length", length.to_string())
            .header("Upload-Metadata", metadata)
            .send()
            .await
            .unwrap()
    }

    /// tus creation declaring the data's BLAKE3; returns the upload path.
    pub async fn create_upload(&self, data: &[u8]) -> String {
        let response = self
            .create_upload_with(data.len() as u64, &blake3_metadata(data))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        location(&response)
    }

    pub async fn patch(&self, upload: &str, offset: u64, chunk: Vec<u8>) -> Response {
        self.tus(Method::PATCH, upload)
            .header("Upload-Offset", offset.to_string())
            .header("Content-Type", "application/offset+octet-stream")
            .body(chunk)
            .send()
            .await
            .unwrap()
    }

    pub async fn offset(&self, upload: &str) -> u64 {
        let response = self.tus(Method::HEAD, upload).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        header_u64(&response, "upload-offset")
    }

    /// Uploads `data` with tus in one PATCH and returns its hash.
    pub async fn upload(&self, data: &[u8]) -> BlobHash {
        let upload = self.create_upload(data).await;
        let response = self.patch(&upload, 0, data.to_vec()).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let hash = BlobHash::of(data);
        assert_eq!(response.headers()["tonearm-blob-hash"], hash.as_str());
        hash
    }

    pub async fn create_track(&self, hash: &BlobHash, format: &str) -> CloudTrack {
        let response = self
            .post_json(
                "/api/v1/tracks",
                &json!({"blake3": hash, "metadata": {"title": "Song", "format": format}}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Creates a track over an uploaded blob with `metadata` (JSON, `format` included).
    pub async fn create_track_with(&self, hash: &BlobHash, metadata: Value) -> CloudTrack {
        let response = self
            .post_json(
                "/api/v1/tracks",
                &json!({"blake3": hash, "metadata": metadata}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    /// Uploads `data` and creates a FLAC track over it.
    pub async fn upload_track(&self, data: &[u8]) -> CloudTrack {
        let hash = self.upload(data).await;
        self.create_track(&hash, "flac").await
    }
}

pub fn blake3_metadata(data: &[u8]) -> String {
    format!(
        "blake3 {},filename {}",
        BASE64.encode(BlobHash::of(data).as_str()),
        BASE64.encode("song.flac")
    )
}

pub fn location(response: &Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

pub fn header_u64(response: &Response, name: &str) -> u64 {
    response.headers()[name].to_str().unwrap().parse().unwrap()
}

/// Deterministic pseudo-random bytes, so each test file is distinct.
pub use tonearm_testkit::rng::bytes as audio;

/// Asserts the typed error body and returns its code.
pub async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.unwrap();
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("typed error body: {body}"));
    assert!(body["error"]["message"].is_string(), "{body}");
    code.to_owned()
}

/// The `tonearm-server` binary running as a child process.
pub struct ServerProcess {
    pub child: tokio::process::Child,
    pub base: String,
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tonearm-server"))
}

impl ServerProcess {
    pub async fn start(data_dir: &Path) -> Self {
        Self::start_with_args(data_dir, &[]).await
    }

    /// Like [`ServerProcess::start`], with extra flags.
    pub async fn start_with_args(data_dir: &Path, args: &[&std::ffi::OsStr]) -> Self {
        install_crypto_provider();
        let mut child = tokio::process::Command::new(binary())
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .envs(process_backends(data_dir))
            .args(args)
            // As `TestServer`: a stalled upload shows its first commits after a megabyte.
            .env("TONEARM_SERVER_UPLOAD_PART_SIZE", "1048576")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).await.unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{line:?}"))
            .to_owned();
        Self { child, base }
    }
}

/// The environment that puts a `tonearm-server` process on this run's stores: nothing on
/// SQLite (the data directory holds them); on PostgreSQL and S3, one fresh database and
/// bucket per data directory, the same for every process started on it.
fn process_backends(data_dir: &Path) -> Vec<(&'static str, String)> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static BY_DATA_DIR: OnceLock<Mutex<HashMap<PathBuf, (String, String)>>> = OnceLock::new();
    if !on_remote_backends() {
        return Vec::new();
    }
    let mut known = BY_DATA_DIR.get_or_init(Mutex::default).lock().unwrap();
    let (database, blobs) = known
        .entry(data_dir.to_owned())
        .or_insert_with(|| {
            let (database, blobs) = remote_backends();
            (database_url(&database), blobs.to_string())
        })
        .clone();
    vec![
        ("TONEARM_DATABASE_URL", database),
        ("TONEARM_BLOB_STORE", blobs),
    ]
}

/// The configuration of a server in this process on the stores `tonearm-server` processes
/// started on `data_dir` use.
pub fn config_for(data_dir: &Path) -> Config {
    let mut config = Config::new(data_dir);
    config.listen = "127.0.0.1:0".parse().unwrap();
    for (name, value) in process_backends(data_dir) {
        match name {
            "TONEARM_DATABASE_URL" => config.database = Some(value.parse().unwrap()),
            _ => config.blob_store = Some(value.parse().unwrap()),
        }
    }
    config
}

/// The URL a `DatabaseUrl` came from (its `Display` hides the password).
pub fn database_url(database: &DatabaseUrl) -> String {
    match database {
        DatabaseUrl::Sqlite(path) => format!("sqlite:{}", path.display()),
        DatabaseUrl::Postgres(url) => url.clone(),
    }
}

/// Runs `tonearm-server --data-dir DIR ARGS…` with `stdin` and returns (success, stdout).
pub async fn run_cli(data_dir: &Path, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = tokio::process::Command::new(binary())
        .arg("--data-dir")
        .arg(data_dir)
        .envs(process_backends(data_dir))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let output = child.wait_with_output().await.unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// `tests/interop/`: the independent clients the interop tests drive.
pub fn interop_dir() -> PathBuf {
    tonearm_testkit::fixtures::workspace_root().join("tests/interop")
}

/// A program of the interop venv (`cargo xtask test` makes it from `requirements.txt`), or
/// `TONEARM_INTEROP_PYTHON` for `python`; why not, when it is missing.
pub fn interop_program(name: &str) -> Result<PathBuf, String> {
    let path = match std::env::var_os("TONEARM_INTEROP_PYTHON") {
        Some(python) if name == "python" => PathBuf::from(python),
        _ => interop_dir().join(if cfg!(windows) {
            format!(".venv/Scripts/{name}.exe")
        } else {
            format!(".venv/bin/{name}")
        }),
    };
    if path.exists() {
        Ok(path)
    } else {
        Err(format!("no {name} at {}", path.display()))
    }
}

/// Whether an interop test may go on without its client: it may not under `cargo xtask test`
/// (`TONEARM_REQUIRE_INTEROP` is set there), where a missing client fails the test.
pub fn skip_without(what: &str, why: &str) {
    assert!(
        std::env::var_os("TONEARM_REQUIRE_INTEROP").is_none(),
        "{what} unavailable: {why}"
    );
    eprintln!("skipping {what}: {why} (run `cargo xtask test` to install it)");
}
