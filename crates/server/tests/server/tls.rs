//! HTTPS: with a certificate and key the server speaks TLS only. Each test makes a self-signed
//! certificate for 127.0.0.1/localhost at run time and talks to the real server with rustls
//! clients that do or do not trust it.

use crate::support::{ServerProcess, TestServer, audio, run_cli};
use reqwest::StatusCode;
use rustls::pki_types::CertificateDer;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::sync::Arc;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonearm_server::{Config, TlsConfig};

/// A self-signed certificate and its key, as PEM files in a temporary folder.
struct TestCert {
    dir: TempDir,
    cert: PathBuf,
    key: PathBuf,
    der: CertificateDer<'static>,
}

impl TestCert {
    fn new() -> Self {
        let generated =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        std::fs::write(&cert, generated.cert.pem()).unwrap();
        std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
        Self {
            dir,
            cert,
            key,
            der: generated.cert.der().clone(),
        }
    }

    fn tls(&self) -> TlsConfig {
        TlsConfig {
            cert: self.cert.clone(),
            key: self.key.clone(),
        }
    }

    /// An HTTPS client that trusts this certificate only (ring provider, passed explicitly).
    fn client(&self) -> reqwest::Client {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.der.clone()).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .build()
            .unwrap()
    }
}

async fn https_server(cert: &TestCert) -> TestServer {
    TestServer::start_with(|config| config.tls = Some(cert.tls())).await
}

async fn health(client: &reqwest::Client, server: &TestServer) -> reqwest::Result<Value> {
    let response = client.get(server.url("/health")).send().await?;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await
}

#[tokio::test]
async fn health_over_https_for_a_client_trusting_the_certificate() {
    let cert = TestCert::new();
    let mut server = https_server(&cert).await;
    assert!(
        server.base.starts_with("https://127.0.0.1:"),
        "{}",
        server.base
    );
    let client = cert.client();
    let body = health(&client, &server).await.unwrap();
    assert_eq!(body["status"], "ok");

    // Graceful shutdown still completes, and then nothing answers.
    let addr = server.server().addr();
    server.server.take().unwrap().shutdown().await;
    assert!(health(&client, &server).await.is_err());
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn login_upload_and_stream_over_https() {
    let cert = TestCert::new();
    let server = https_server(&cert).await;
    server.add_user("ann").await;
    let ann = server.login_with("ann", cert.client()).await;
    let sessions = ann.get_json("/api/v1/sessions").await;
    assert!(sessions.to_string().contains("test"), "{sessions}");

    let data = audio(200_000, 91);
    let track = ann.upload_track(&data).await;
    assert_eq!(ann.stream(&track).await.as_ref(), data.as_slice());

    // Without the token, still refused.
    let anonymous = cert
        .client()
        .get(server.url("/api/v1/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn plain_http_to_the_tls_port_is_not_answered_in_clear() {
    let cert = TestCert::new();
    let server = https_server(&cert).await;
    let addr = server.server().addr();

    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    // The server hangs up (perhaps with a reset); whatever arrived before is not HTTP.
    let _ = tcp.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(!answer.contains("HTTP/"), "{answer:?}");
    assert!(!answer.contains("\"ok\""), "{answer:?}");

    let plain = reqwest::get(format!("http://{addr}/health")).await;
    assert!(plain.is_err(), "{plain:?}");

    // The server is unharmed.
    health(&cert.client(), &server).await.unwrap();
}

#[tokio::test]
async fn a_failed_handshake_does_not_disturb_other_clients() {
    let cert = TestCert::new();
    let server = https_server(&cert).await;

    // A client that trusts some other certificate refuses this one.
    let stranger = TestCert::new().client();
    let refused = stranger.get(server.url("/health")).send().await;
    let error = refused.unwrap_err();
    assert!(error.is_connect(), "{error:?}");

    // A connection that never starts its handshake holds up nobody.
    let silent = tokio::net::TcpStream::connect(server.server().addr())
        .await
        .unwrap();

    let client = cert.client();
    for _ in 0..3 {
        assert_eq!(health(&client, &server).await.unwrap()["status"], "ok");
        // A fresh client is a fresh connection and handshake each time.
        health(&cert.client(), &server).await.unwrap();
    }
    assert!(stranger.get(server.url("/health")).send().await.is_err());
    health(&client, &server).await.unwrap();
    drop(silent);
}

#[tokio::test]
async fn startup_fails_naming_a_missing_or_invalid_file() {
    let cert = TestCert::new();
    let data = tempfile::tempdir().unwrap();
    let mut config = Config::new(data.path().join("data"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.maintenance_interval = None;

    let missing_key = cert.dir.path().join("missing-key.pem");
    config.tls = Some(TlsConfig {
        cert: cert.cert.clone(),
        key: missing_key.clone(),
    });
    let error = tonearm_server::spawn(config.clone()).await.unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains(&missing_key.display().to_string()),
        "{message}"
    );
    assert!(message.contains("private key"), "{message}");

    let garbage = cert.dir.path().join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    config.tls = Some(TlsConfig {
        cert: garbage.clone(),
        key: cert.key.clone(),
    });
    let message = tonearm_server::spawn(config.clone())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&garbage.display().to_string()),
        "{message}"
    );
    assert!(message.contains("certificate"), "{message}");

    // A key that belongs to another certificate.
    let other = TestCert::new();
    config.tls = Some(TlsConfig {
        cert: cert.cert.clone(),
        key: other.key.clone(),
    });
    let message = tonearm_server::spawn(config).await.unwrap_err().to_string();
    assert!(
        message.contains(&other.key.display().to_string()),
        "{message}"
    );
}

#[tokio::test]
async fn the_binary_serves_https_given_both_flags_and_refuses_one_alone() {
    let cert = TestCert::new();
    let data = tempfile::tempdir().unwrap();
    let cert_path = cert.cert.as_os_str();
    let key_path = cert.key.as_os_str();

    let (ok, stdout) = run_cli(
        data.path(),
        &["--tls-cert", cert.cert.to_str().unwrap()],
        "",
    )
    .await;
    assert!(!ok, "{stdout}");
    assert!(stdout.is_empty(), "{stdout}");

    let mut process = ServerProcess::start_with_args(
        data.path(),
        &[
            OsStr::new("--tls-cert"),
            cert_path,
            OsStr::new("--tls-key"),
            key_path,
        ],
    )
    .await;
    assert!(process.base.starts_with("https://"), "{}", process.base);
    let response = cert
        .client()
        .get(format!("{}/health", process.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    process.child.kill().await.unwrap();
}
