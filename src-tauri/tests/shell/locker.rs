//! "This computer as the cloud" through the IPC: the app starts the locker server inside
//! itself, connects to it, other devices log in with the owner's password, and it comes back
//! on the same address when the app starts again.

use crate::support::{app, invoke};
use serde_json::json;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple";

async fn login(url: &str, username: &str, password: &str) -> Result<(), tonearm_sync::SyncError> {
    tonearm_sync::Client::new(&url.parse()?)?
        .login(username, password, "a phone")
        .await
        .map(|_| ())
}

fn status_server(window: &tauri::WebviewWindow<tauri::test::MockRuntime>) -> serde_json::Value {
    invoke(window, "get_cloud_status", json!({})).expect("status")["status"]["account"]["server"]
        .clone()
}

#[test]
fn this_computer_becomes_the_cloud_and_other_devices_can_log_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let url;
    let username;
    {
        let (first, window) = app(dir.path());
        assert_eq!(
            invoke(&window, "get_local_locker", json!({})).expect("none"),
            json!(null)
        );
        assert_eq!(
            invoke(&window, "get_web_player", json!({})).expect("logged out"),
            json!(null)
        );

        let short = invoke(
            &window,
            "start_local_locker",
            json!({ "password": "short", "lan": false }),
        )
        .expect_err("a short password");
        assert_eq!(short["kind"], "invalid", "{short}");
        assert_eq!(
            invoke(&window, "get_local_locker", json!({})).expect("none"),
            json!(null),
            "nothing left running"
        );

        let info = invoke(
            &window,
            "start_local_locker",
            json!({ "password": PASSWORD, "lan": false }),
        )
        .expect("started");
        url = info["url"].as_str().expect("url").to_owned();
        username = info["username"].as_str().expect("username").to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        assert_eq!(info["addresses"], json!([]), "loopback only");
        assert_eq!(
            status_server(&window),
            json!(url),
            "this app is connected to it"
        );
        // The web player is on the same address, which a phone cannot reach.
        assert_eq!(
            invoke(&window, "get_web_player", json!({})).expect("web player"),
            json!({ "url": format!("{url}/"), "reach": "this_computer_only", "qr": null })
        );

        // Another device logs in with the owner's password; a wrong one is refused.
        runtime
            .block_on(login(&url, &username, PASSWORD))
            .expect("another device logs in");
        assert!(matches!(
            runtime.block_on(login(&url, &username, "not the password")),
            Err(tonearm_sync::SyncError::Server { status: 401, .. })
        ));
        tonearm_desktop::shutdown(first.handle());
    }

    // The app starts it again, on the same address.
    {
        let (_app, window) = app(dir.path());
        let info = invoke(&window, "get_local_locker", json!({})).expect("running");
        assert_eq!(info["url"], json!(url));
        let deadline = Instant::now() + Duration::from_secs(10);
        while runtime.block_on(login(&url, &username, PASSWORD)).is_err() {
            assert!(Instant::now() < deadline, "the locker did not come back");
            std::thread::sleep(Duration::from_millis(100));
        }
        invoke(&window, "stop_local_locker", json!({})).expect("stopped");
        assert_eq!(
            invoke(&window, "get_local_locker", json!({})).expect("none"),
            json!(null)
        );
        assert!(
            runtime.block_on(login(&url, &username, PASSWORD)).is_err(),
            "stopped means gone"
        );
    }
    let (_app, window) = app(dir.path());
    assert_eq!(
        invoke(&window, "get_local_locker", json!({})).expect("none"),
        json!(null),
        "stays stopped"
    );
}
