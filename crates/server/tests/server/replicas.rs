//! Several `tonearm-server` processes on one PostgreSQL database and one S3-compatible bucket,
//! as behind a load balancer: any request may land on any replica. Also what bad configuration
//! of those stores does at start. These run on every run of the suite (they need PostgreSQL
//! and S3 whatever `TONEARM_TEST_BACKENDS` says).

use crate::support::{
    PASSWORD, ServerProcess, User, audio, binary, database_url, header_u64,
    install_crypto_provider, remote_backends,
};
use crate::uploads::{finish_after_a_kill, stalled_patch, wait_for_offset};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use tonearm_protocol::{BlobHash, PlaylistsResponse};
use uuid::Uuid;

const MIB: usize = 1024 * 1024;

/// Replicas sharing a database, a bucket and the vault key; each has its own data directory
/// (what a replica keeps there, thumbnails, is a cache).
struct Cluster {
    dir: TempDir,
    args: Vec<OsString>,
}

impl Cluster {
    fn new() -> Self {
        install_crypto_provider();
        let dir = tempfile::tempdir().unwrap();
        let (database, blobs) = remote_backends();
        let args = vec![
            "--database-url".into(),
            database_url(&database).into(),
            "--blob-store".into(),
            blobs.to_string().into(),
            "--vault-key".into(),
            dir.path().join("vault.key").into_os_string(),
        ];
        Self { dir, args }
    }

    fn data_dir(&self, replica: usize) -> PathBuf {
        self.dir.path().join(format!("replica-{replica}"))
    }

    async fn start(&self, replica: usize) -> ServerProcess {
        let args: Vec<&std::ffi::OsStr> = self.args.iter().map(OsString::as_os_str).collect();
        ServerProcess::start_with_args(&self.data_dir(replica), &args).await
    }

    /// `tonearm-server user add NAME` through replica 0's configuration.
    async fn add_user(&self, name: &str) {
        let output = command(
            &self.data_dir(0),
            &self.args,
            &["user", "add", name],
            PASSWORD,
        )
        .await;
        assert!(output.status.success(), "{output:?}");
    }
}

/// Runs the server binary with `args` then `rest`, `stdin` on its standard input.
async fn command(
    data_dir: &Path,
    args: &[OsString],
    rest: &[&str],
    stdin: &str,
) -> std::process::Output {
    let mut child = tokio::process::Command::new(binary())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .args(rest)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(format!("{stdin}\n").as_bytes())
        .await
        .unwrap();
    drop(input);
    child.wait_with_output().await.unwrap()
}

async fn login(base: &str) -> User {
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"username": "ann", "password": PASSWORD, "device": "test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    User {
        token: body["token"].as_str().unwrap().to_owned(),
        base: base.to_owned(),
        client,
    }
}

/// The same session through another replica.
fn via(user: &User, replica: &ServerProcess) -> User {
    User {
        base: replica.base.clone(),
        ..user.clone()
    }
}

async fn stream(user: &User, track: &str) -> Vec<u8> {
    let response = user
        .request(Method::GET, &format!("/api/v1/tracks/{track}/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn an_upload_begun_on_one_replica_is_finished_on_another_and_streams_from_both() {
    let cluster = Cluster::new();
    cluster.add_user("ann").await;
    let (one, two) = (cluster.start(0).await, cluster.start(1).await);
    let on_one = login(&one.base).await;
    let on_two = via(&on_one, &two);
    let data = audio(3 * MIB + 777, 301);
    let upload = on_one.create_upload(&data).await;
    let half = data.len() / 2;
    let response = on_one.patch(&upload, 0, data[..half].to_vec()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        on_two.offset(&upload).await,
        half as u64,
        "the other replica sees the offset"
    );
    let response = on_two
        .patch(&upload, half as u64, data[half..].to_vec())
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        response.headers()["tonearm-blob-hash"],
        BlobHash::of(&data).as_str()
    );
    // A third request on the first replica sees the upload complete.
    let head = on_one.tus(Method::HEAD, &upload).send().await.unwrap();
    assert_eq!(header_u64(&head, "upload-offset"), data.len() as u64);
    let track = on_one.create_track(&BlobHash::of(&data), "flac").await;
    assert_eq!(stream(&on_one, &track.id.to_string()).await, data);
    assert_eq!(stream(&on_two, &track.id.to_string()).await, data);
}

#[tokio::test]
async fn playlist_edits_sent_to_two_replicas_converge() {
    let cluster = Cluster::new();
    cluster.add_user("ann").await;
    let (one, two) = (cluster.start(0).await, cluster.start(1).await);
    let laptop = login(&one.base).await;
    let phone = via(&login(&two.base).await, &two);
    let tracks = [
        laptop.upload_track(&audio(100, 302)).await,
        phone.upload_track(&audio(100, 303)).await,
    ];
    let playlist = Uuid::new_v4();
    let create = json!({"ops": [{"op_id": Uuid::new_v4(), "action":
        {"type": "create_playlist", "playlist_id": playlist, "name": "Road"}}]});
    assert_eq!(
        laptop
            .post_json("/api/v1/playlists/ops", &create)
            .await
            .status(),
        StatusCode::OK
    );
    // Both devices add at once, each through its own replica, twenty entries apiece.
    let add = |user: User, track: String, prefix: &'static str| async move {
        for i in 0..20 {
            let ops = json!({"ops": [{"op_id": Uuid::new_v4(), "action": {"type": "add_entry",
                "playlist_id": playlist, "entry_id": Uuid::new_v4(), "track_id": track,
                "position": format!("{prefix}{}1", i + 10)}}]});
            let response = user.post_json("/api/v1/playlists/ops", &ops).await;
            assert_eq!(response.status(), StatusCode::OK);
        }
    };
    tokio::join!(
        add(laptop.clone(), tracks[0].id.to_string(), "a"),
        add(phone.clone(), tracks[1].id.to_string(), "b"),
    );
    let seen_by = |user: User| async move {
        serde_json::from_value::<PlaylistsResponse>(user.get_json("/api/v1/playlists").await)
            .unwrap()
    };
    let (from_one, from_two) = (seen_by(laptop.clone()).await, seen_by(phone.clone()).await);
    assert_eq!(
        from_one, from_two,
        "both replicas answer the same playlists"
    );
    assert_eq!(from_one.playlists[0].entries.len(), 40, "no add lost");
    // The change feed is one gap-free sequence whichever replica wrote.
    let feed = laptop.get_json("/api/v1/changes?since=0&limit=1000").await;
    let seqs: Vec<u64> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_replica_killed_mid_upload_leaves_the_client_to_finish_on_another() {
    let cluster = Cluster::new();
    cluster.add_user("ann").await;
    let (mut one, two) = (cluster.start(0).await, cluster.start(1).await);
    let on_one = login(&one.base).await;
    let on_two = via(&on_one, &two);
    let data = audio(4 * MIB, 304);
    let upload = on_one.create_upload(&data).await;
    let (_client, _body) = stalled_patch(&on_one, &upload, data[..3 * MIB].to_vec());
    let committed = wait_for_offset(&on_one, &upload, MIB as u64).await;
    one.child.kill().await.unwrap();

    finish_after_a_kill(&on_two, &upload, &data, committed).await;
}

#[tokio::test]
async fn a_subsonic_token_login_works_on_every_replica_and_another_vault_key_is_refused() {
    let cluster = Cluster::new();
    cluster.add_user("ann").await;
    let (one, two) = (cluster.start(0).await, cluster.start(1).await);
    let salt = "c19b2d";
    let token = format!("{:032x}", md5_of(&format!("{PASSWORD}{salt}")));
    for replica in [&one, &two] {
        let body: Value = reqwest::get(format!(
            "{}/rest/ping?u=ann&t={token}&s={salt}&v=1.16.1&c=test&f=json",
            replica.base
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(body["subsonic-response"]["status"], "ok", "{body}");
    }
    // A replica given another key file could not open the sealed passwords: it does not start.
    let mut args = cluster.args.clone();
    let last = args.len() - 1;
    args[last] = cluster.dir.path().join("other.key").into_os_string();
    let output = command(&cluster.data_dir(2), &args, &[], "").await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--vault-key"), "{stderr}");
}

fn md5_of(text: &str) -> u128 {
    use md5::{Digest, Md5};
    u128::from_be_bytes(Md5::digest(text.as_bytes()).into())
}

/// The one line a server that cannot start prints.
async fn start_failure(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let args: Vec<OsString> = args.iter().map(OsString::from).collect();
    let output = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        command(dir.path(), &args, &["--listen", "127.0.0.1:0"], ""),
    )
    .await
    .expect("a server with bad configuration stops at once");
    assert!(!output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("tonearm-server:"))
        .collect();
    assert_eq!(errors.len(), 1, "one sentence: {stderr}");
    errors[0].to_owned()
}

#[tokio::test]
async fn bad_store_configuration_stops_the_server_with_one_sentence() {
    let (database, blobs) = remote_backends();
    let url = database_url(&database);
    let blobs = blobs.to_string();
    // Nothing listens on port 1.
    let unreachable = start_failure(&[
        "--database-url",
        "postgres://postgres@127.0.0.1:1/tonearm",
        "--blob-store",
        &blobs,
    ])
    .await;
    assert!(
        unreachable.contains("127.0.0.1:1") && unreachable.contains("refused"),
        "{unreachable}"
    );
    // A role the database does not know.
    let stranger = url.replacen("postgres://postgres@", "postgres://stranger@", 1);
    let refused = start_failure(&["--database-url", &stranger, "--blob-store", &blobs]).await;
    assert!(refused.contains("stranger"), "{refused}");
    // A bucket that does not exist.
    let missing = start_failure(&[
        "--database-url",
        &url,
        "--blob-store",
        "s3://no-such-bucket-for-tonearm",
    ])
    .await;
    assert!(
        missing.contains("s3://no-such-bucket-for-tonearm"),
        "{missing}"
    );
}

#[tokio::test]
async fn migrate_brings_a_database_up_to_date_and_can_run_again() {
    let cluster = Cluster::new();
    for _ in 0..2 {
        let output = command(&cluster.data_dir(0), &cluster.args, &["migrate"], "").await;
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("up to date"), "{stdout}");
    }
    // The schema is there: accounts can be made without the server having run.
    cluster.add_user("ann").await;
    let one = cluster.start(0).await;
    login(&one.base).await;
}
