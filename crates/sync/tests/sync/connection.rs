//! Reaching the server, and saying so when it cannot be reached: a connection that fails is
//! one sentence naming the server, what happened and what to try (the HTTP stack's account
//! kept as its source), and the connection state is what the server answered just now.

use std::error::Error as _;
use std::time::Duration;
use tonearm_sync::{Connection, NetworkFailure, ServerUrl, SyncError};
use tonearm_testkit::device::Device;
use tonearm_testkit::locker::{Locker, PASSWORD};

/// A port of 127.0.0.1 where nothing listens (bound, then let go).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

fn url(text: &str) -> ServerUrl {
    text.parse().expect("a server address")
}

#[tokio::test]
async fn a_refused_connection_is_one_sentence_with_the_cause_kept() {
    let device = Device::new();
    let server = format!("http://127.0.0.1:{}", closed_port());
    let error = device
        .cloud
        .login(&url(&server), "ann", PASSWORD)
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(
            &error,
            SyncError::Unreachable { server: Some(s), failure: NetworkFailure::Refused, .. }
                if *s == server
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "cannot reach the server at {server} (connection refused): check that the server \
             is running and the address is right"
        )
    );
    assert!(error.source().is_some(), "reqwest's account is kept");
    assert!(error.is_transient() && error.is_network());
}

#[tokio::test]
async fn https_to_a_plain_server_is_a_secure_connection_that_failed() {
    let server = Locker::start().await;
    let https = server.url().replacen("http://", "https://", 1);
    let device = Device::new();
    let error = device
        .cloud
        .login(&url(&https), "ann", PASSWORD)
        .await
        .expect_err("no TLS there");
    assert!(
        matches!(
            &error,
            SyncError::Unreachable {
                failure: NetworkFailure::Tls,
                ..
            }
        ),
        "{error:?}: {}",
        error.source().map(ToString::to_string).unwrap_or_default()
    );
}

#[tokio::test]
async fn checking_the_connection_asks_the_server() {
    let mut server = Locker::start().await;
    server.add_user("ann").await;
    let device = Device::new();
    let wait = Duration::from_secs(5);
    assert_eq!(
        device.cloud.check_connection(wait).await,
        Connection::LoggedOut
    );
    device.login(&server, "ann").await;
    assert_eq!(
        device.cloud.check_connection(wait).await,
        Connection::Online
    );
    assert!(
        device
            .cloud
            .status()
            .expect("status")
            .storage_used
            .is_some(),
        "the answer's storage figures are kept"
    );

    server.stop().await;
    match device.cloud.check_connection(wait).await {
        Connection::Offline { reason } => assert!(
            reason.starts_with(&format!(
                "cannot reach the server at {} (connection refused)",
                server.url()
            )),
            "{reason}"
        ),
        other => panic!("still {other:?} with the server down"),
    }
    assert!(matches!(
        device.cloud.status().expect("status").connection,
        Connection::Offline { .. }
    ));

    server.start_again().await;
    assert_eq!(
        device.cloud.check_connection(wait).await,
        Connection::Online
    );
}
