//! A locker server (`tonearm-server`) on 127.0.0.1 with its own data directory, for the
//! sync engine, the command line and the shell to talk to: started, given users, stopped
//! and started again on the same address as a real server would come back.

use std::net::SocketAddr;
use tempfile::TempDir;
use tonearm_server::{Config, RunningServer};

/// The password of every user made here.
pub const PASSWORD: &str = "correct horse battery staple";

/// A running locker server; its data goes when it is dropped.
#[derive(Debug)]
pub struct Locker {
    pub running: Option<RunningServer>,
    pub config: Config,
    _dir: TempDir,
}

impl Locker {
    /// Starts a server on a free port of 127.0.0.1, with no maintenance timer.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir for the server");
        let mut config = Config::new(dir.path().join("data"));
        config.listen = "127.0.0.1:0".parse::<SocketAddr>().expect("address");
        config.maintenance_interval = None;
        let running = tonearm_server::spawn(config.clone())
            .await
            .expect("the server starts");
        // Restarts come back on the same port, as a real server would.
        config.listen = running.addr();
        Self {
            running: Some(running),
            config,
            _dir: dir,
        }
    }

    /// Where clients reach it (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.config.listen)
    }

    /// The running server.
    pub fn server(&self) -> &RunningServer {
        self.running.as_ref().expect("the server runs")
    }

    /// Creates the account `name` with [`PASSWORD`].
    pub async fn add_user(&self, name: &str) {
        tonearm_server::users::add(
            &*self.server().store(),
            self.server().vault(),
            name,
            PASSWORD,
        )
        .await
        .expect("the user is added");
    }

    /// Shuts the server down gracefully (its data stays).
    pub async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }

    /// Starts it again on the same address and data.
    pub async fn start_again(&mut self) {
        self.running = Some(
            tonearm_server::spawn(self.config.clone())
                .await
                .expect("the server starts again"),
        );
    }
}
