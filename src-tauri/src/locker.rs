//! "This computer as the cloud": the locker server (`tonearm-server`, the same code as the
//! standalone binary) running inside the app, with its data in the app's data directory.
//!
//! It is a real server: the app logs in to it like any device, and other devices and
//! `tonearm` command lines can log in to it too. It listens on loopback unless the user lets
//! the local network in; its port is kept, so other devices find it again after a restart.
//! Whether it runs, and how, is a preference; the app starts it again at launch.

use serde::{Deserialize, Serialize};
use specta::Type;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use tonearm_library::Library;
use tonearm_server::{Config, RunningServer};

/// Key of the built-in locker's settings in the library's preferences.
const KEY: &str = "locker";

/// The port tried first (the standalone server's default), so addresses stay familiar.
pub const PORT: u16 = tonearm_server::config::DEFAULT_PORT;

/// How the built-in locker runs, as remembered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockerSettings {
    /// The account the owner of this computer uses (the app logs in with it).
    pub username: String,
    /// Listen on every network interface, not only loopback.
    pub lan: bool,
    pub port: u16,
}

impl LockerSettings {
    pub fn load(library: &Library) -> Option<Self> {
        let text = library.preference(KEY).ok().flatten()?;
        serde_json::from_str::<Option<Self>>(&text).ok().flatten()
    }

    /// Remembers how it runs, or (`None`) that it does not.
    pub fn save(settings: Option<&Self>, library: &Library) -> tonearm_library::Result<()> {
        let text = serde_json::to_string(&settings).expect("settings serialize to JSON");
        library.set_preference(KEY, &text)
    }
}

/// Why this computer could not become the cloud.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Server(#[from] tonearm_server::Error),
    #[error(transparent)]
    Sync(#[from] tonearm_sync::SyncError),
    #[error(transparent)]
    Library(#[from] tonearm_library::LibraryError),
}

/// Makes this computer the cloud: starts the built-in locker (on the local network too when
/// `lan`), creates the owner's account with `password` the first time, logs `cloud` in to it
/// and remembers it, so it starts with the app from now on. On failure nothing is left
/// running and nothing is remembered.
pub async fn connect_this_computer(
    locker: &Locker,
    library: &Library,
    cloud: &tonearm_sync::Cloud,
    password: &str,
    lan: bool,
) -> Result<LockerInfo, ConnectError> {
    let previous = LockerSettings::load(library);
    let wanted = LockerSettings {
        username: previous
            .as_ref()
            .map_or_else(owner_name, |s| s.username.clone()),
        lan,
        port: previous.as_ref().map_or(PORT, |s| s.port),
    };
    // The first time, any free port will do; later, devices know the address: keep it.
    let (info, settings) = locker.start(wanted, previous.is_none()).await?;
    let connected: Result<(), ConnectError> = async {
        locker.ensure_user(&settings.username, password).await?;
        cloud
            .login(&info.url.parse()?, &settings.username, password)
            .await?;
        LockerSettings::save(Some(&settings), library)?;
        Ok(())
    }
    .await;
    if let Err(error) = connected {
        locker.stop().await;
        return Err(error);
    }
    Ok(info)
}

/// What the Cloud view shows about the built-in locker.
#[derive(Debug, Clone, Serialize, Type)]
pub struct LockerInfo {
    pub username: String,
    /// The address this app uses (loopback).
    pub url: String,
    /// Whether other devices on the network may connect.
    pub lan: bool,
    /// Where other devices connect (one per network address of this computer).
    pub addresses: Vec<String>,
}

/// The built-in locker while it runs.
#[derive(Debug)]
pub struct Locker {
    dir: PathBuf,
    running: tokio::sync::Mutex<Option<(RunningServer, LockerSettings)>>,
}

impl Locker {
    /// The locker whose data lives in `data_dir/locker`.
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join("locker"),
            running: tokio::sync::Mutex::new(None),
        }
    }

    /// Starts the server as `settings` say (a running one is stopped first). When the port
    /// is taken: with `move_if_taken` another is picked (the settings returned hold it);
    /// otherwise (devices know this address) it is tried again for a few seconds, in case
    /// the app's previous run is still letting it go.
    pub async fn start(
        &self,
        mut settings: LockerSettings,
        move_if_taken: bool,
    ) -> Result<(LockerInfo, LockerSettings), tonearm_server::Error> {
        let mut running = self.running.lock().await;
        if let Some((server, _)) = running.take() {
            server.shutdown().await;
        }
        let host = if settings.lan {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        };
        let mut config = Config::new(&self.dir);
        config.listen = SocketAddr::new(host, settings.port);
        let mut attempts = 0;
        let server = loop {
            match tonearm_server::spawn(config.clone()).await {
                Ok(server) => break server,
                Err(tonearm_server::Error::Bind { .. }) if move_if_taken => {
                    tracing::info!(
                        port = settings.port,
                        "the locker's port is taken; using another"
                    );
                    config.listen.set_port(0);
                }
                Err(tonearm_server::Error::Bind { .. }) if attempts < 20 => {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                Err(error) => return Err(error),
            }
        };
        settings.port = server.addr().port();
        let info = info(&settings);
        *running = Some((server, settings.clone()));
        Ok((info, settings))
    }

    /// Makes sure `username` has an account, with `password` when it is new.
    pub async fn ensure_user(
        &self,
        username: &str,
        password: &str,
    ) -> Result<(), tonearm_server::Error> {
        let running = self.running.lock().await;
        let Some((server, _)) = running.as_ref() else {
            return Err(tonearm_server::Error::NotFound("the built-in locker"));
        };
        let store = server.store();
        let known = tonearm_server::users::list(store.as_ref())
            .await?
            .iter()
            .any(|user| user.username == username);
        if !known {
            tonearm_server::users::add(store.as_ref(), server.vault(), username, password).await?;
        }
        Ok(())
    }

    /// Stops the server (devices connected to it go offline).
    pub async fn stop(&self) {
        if let Some((server, _)) = self.running.lock().await.take() {
            server.shutdown().await;
        }
    }

    /// How it runs, if it does.
    pub async fn settings(&self) -> Option<LockerSettings> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|(_, settings)| settings.clone())
    }

    /// What runs, if anything.
    pub async fn info(&self) -> Option<LockerInfo> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|(_, settings)| info(settings))
    }
}

fn info(settings: &LockerSettings) -> LockerInfo {
    let addresses = if settings.lan {
        network_addresses()
            .into_iter()
            .map(|ip| http_address(ip, settings.port))
            .collect()
    } else {
        Vec::new()
    };
    LockerInfo {
        username: settings.username.clone(),
        url: format!("http://127.0.0.1:{}", settings.port),
        lan: settings.lan,
        addresses,
    }
}

/// `http://IP:PORT`, the IPv6 form in brackets.
pub(crate) fn http_address(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V6(ip) => format!("http://[{ip}]:{port}"),
        IpAddr::V4(ip) => format!("http://{ip}:{port}"),
    }
}

/// Whether another device could reach this computer at `ip` (not loopback, not link-local,
/// not "any").
pub(crate) fn reachable_from_network(ip: IpAddr) -> bool {
    !ip.is_loopback()
        && !ip.is_unspecified()
        && match ip {
            IpAddr::V4(v4) => !v4.is_link_local(),
            IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
        }
}

/// This computer's addresses on its networks (not loopback, not link-local).
pub(crate) fn network_addresses() -> Vec<IpAddr> {
    let Ok(interfaces) = if_addrs::get_if_addrs() else {
        return Vec::new();
    };
    let mut addresses: Vec<IpAddr> = interfaces
        .iter()
        .map(if_addrs::Interface::ip)
        .filter(|ip| reachable_from_network(*ip))
        .collect();
    // IPv4 first: that is what people type.
    addresses.sort_by_key(IpAddr::is_ipv6);
    addresses.dedup();
    addresses
}

/// The account name for the owner of this computer: their login name where it is a valid
/// account name, else "me".
pub fn owner_name() -> String {
    let name = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default();
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if valid { name } else { "me".to_owned() }
}
