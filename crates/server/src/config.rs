//! Server configuration: defaults, overridden by a TOML file, then by environment variables and
//! flags (clap handles the last two: each flag has a `TONEARM_SERVER_*` variable).

use crate::error::{Error, Result};
use crate::limits::Limits;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The port the server listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 7420;

/// Everything the server needs to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Holds the database, blobs, partial uploads and the URL-signing key.
    pub data_dir: PathBuf,
    /// Base URL clients reach the server at; signed stream URLs and tus `Location`s are relative
    /// when unset.
    pub public_url: Option<String>,
    /// Largest accepted file, in bytes.
    pub max_file_size: u64,
    /// Bytes each user may own (uploaded or matched), unlimited when `None`.
    pub user_quota: Option<u64>,
    /// Unfinished uploads untouched this long are deleted.
    pub upload_expiry: Duration,
    /// An uploaded or matched blob that no track uses is released after this long.
    pub link_grace: Duration,
    /// Lifetime of signed stream URLs.
    pub stream_url_ttl: Duration,
    /// How often expiry and garbage collection run; never when `None` (tests call them directly).
    pub maintenance_interval: Option<Duration>,
    /// Serve HTTPS with this certificate and key; plain HTTP when `None`.
    pub tls: Option<TlsConfig>,
    /// What callers may make the server spend.
    pub limits: Limits,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for the login throttle).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The PEM files of an HTTPS listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    /// The certificate chain: the server's certificate first, then intermediates.
    pub cert: PathBuf,
    /// The private key of the first certificate (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

impl Config {
    /// Defaults for a server keeping its state in `data_dir`.
    #[must_use]
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            data_dir: data_dir.into(),
            public_url: None,
            max_file_size: 4 * 1024 * 1024 * 1024,
            user_quota: None,
            upload_expiry: Duration::from_secs(24 * 3600),
            link_grace: Duration::from_secs(24 * 3600),
            stream_url_ttl: Duration::from_secs(15 * 60),
            maintenance_interval: Some(Duration::from_secs(3600)),
            tls: None,
            limits: Limits::default(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// The optional settings of a config file (TOML), or of flags and environment.
#[derive(Debug, Clone, Default, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Address and port to listen on [default: 127.0.0.1:7420]
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_LISTEN",
        value_name = "ADDR:PORT"
    )]
    pub listen: Option<SocketAddr>,
    /// Folder for the database, blobs and partial uploads
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_DATA_DIR",
        value_name = "DIR"
    )]
    pub data_dir: Option<PathBuf>,
    /// Base URL clients use to reach this server
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_PUBLIC_URL",
        value_name = "URL"
    )]
    pub public_url: Option<String>,
    /// Largest accepted file in bytes
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_MAX_FILE_SIZE",
        value_name = "BYTES"
    )]
    pub max_file_size: Option<u64>,
    /// Bytes each user may store [default: unlimited]
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_USER_QUOTA",
        value_name = "BYTES"
    )]
    pub user_quota: Option<u64>,
    /// Seconds after which an untouched unfinished upload is deleted
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_UPLOAD_EXPIRY",
        value_name = "SECONDS"
    )]
    pub upload_expiry_secs: Option<u64>,
    /// Seconds a signed stream URL stays valid
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_STREAM_URL_TTL",
        value_name = "SECONDS"
    )]
    pub stream_url_ttl_secs: Option<u64>,
    /// PEM certificate chain; with --tls-key, the server speaks HTTPS only
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_TLS_CERT",
        value_name = "PATH"
    )]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of the --tls-cert certificate
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_TLS_KEY",
        value_name = "PATH"
    )]
    pub tls_key: Option<PathBuf>,
    /// Connections served at once [default: 1024]
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_MAX_CONNECTIONS",
        value_name = "COUNT"
    )]
    pub max_connections: Option<usize>,
    /// Unfinished uploads each user may hold [default: 32]
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_MAX_OPEN_UPLOADS",
        value_name = "COUNT"
    )]
    pub max_open_uploads: Option<u64>,
    /// Bytes each user's unfinished uploads may reserve [default: 32 GiB]
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_MAX_RESERVED_BYTES",
        value_name = "BYTES"
    )]
    pub max_reserved_bytes: Option<u64>,
    /// Addresses of reverse proxies whose X-Forwarded-For header names the client
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_TRUSTED_PROXIES",
        value_name = "IP,...",
        value_delimiter = ','
    )]
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
}

impl Settings {
    /// Reads a TOML config file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
        toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// `self` where set, otherwise `lower`.
    #[must_use]
    pub fn over(self, lower: Self) -> Self {
        Self {
            listen: self.listen.or(lower.listen),
            data_dir: self.data_dir.or(lower.data_dir),
            public_url: self.public_url.or(lower.public_url),
            max_file_size: self.max_file_size.or(lower.max_file_size),
            user_quota: self.user_quota.or(lower.user_quota),
            upload_expiry_secs: self.upload_expiry_secs.or(lower.upload_expiry_secs),
            stream_url_ttl_secs: self.stream_url_ttl_secs.or(lower.stream_url_ttl_secs),
            tls_cert: self.tls_cert.or(lower.tls_cert),
            tls_key: self.tls_key.or(lower.tls_key),
            max_connections: self.max_connections.or(lower.max_connections),
            max_open_uploads: self.max_open_uploads.or(lower.max_open_uploads),
            max_reserved_bytes: self.max_reserved_bytes.or(lower.max_reserved_bytes),
            trusted_proxies: self.trusted_proxies.or(lower.trusted_proxies),
        }
    }

    /// The final configuration; a data directory is required, and a TLS certificate and key
    /// come together or not at all.
    pub fn into_config(self) -> Result<Config> {
        let data_dir = self
            .data_dir
            .ok_or_else(|| Error::Config("no data directory: pass --data-dir DIR".into()))?;
        let mut config = Config::new(data_dir);
        if let Some(listen) = self.listen {
            config.listen = listen;
        }
        config.public_url = self
            .public_url
            .map(|url| url.trim_end_matches('/').to_owned());
        if let Some(size) = self.max_file_size {
            config.max_file_size = size;
        }
        config.user_quota = self.user_quota;
        if let Some(secs) = self.upload_expiry_secs {
            config.upload_expiry = Duration::from_secs(secs);
        }
        if let Some(secs) = self.stream_url_ttl_secs {
            config.stream_url_ttl = Duration::from_secs(secs);
        }
        if let Some(count) = self.max_connections {
            config.limits.max_connections = count.max(1);
        }
        if let Some(count) = self.max_open_uploads {
            config.limits.max_open_uploads = count;
        }
        if let Some(bytes) = self.max_reserved_bytes {
            config.limits.max_reserved_bytes = bytes;
        }
        config.trusted_proxies = self.trusted_proxies.unwrap_or_default();
        config.tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsConfig { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(Error::Config(
                    "--tls-cert needs --tls-key too (the certificate's private key)".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(Error::Config(
                    "--tls-key needs --tls-cert too (the certificate chain)".into(),
                ));
            }
        };
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let file: Settings = toml::from_str(
            "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/tonearm\"\nuser_quota = 100\n",
        )
        .unwrap();
        let flags = Settings {
            listen: Some("127.0.0.1:9001".parse().unwrap()),
            ..Settings::default()
        };
        let config = flags.over(file).into_config().unwrap();
        assert_eq!(config.listen.port(), 9001);
        assert_eq!(config.data_dir, PathBuf::from("/srv/tonearm"));
        assert_eq!(config.user_quota, Some(100));
        assert_eq!(config.max_file_size, Config::new("x").max_file_size);
    }

    #[test]
    fn unknown_keys_and_missing_data_dir_are_errors() {
        assert!(toml::from_str::<Settings>("lisen = \"x\"").is_err());
        let err = Settings::default().into_config().unwrap_err();
        assert!(err.to_string().contains("--data-dir"), "{err}");
    }

    #[test]
    fn tls_needs_both_certificate_and_key() {
        let file: Settings =
            toml::from_str("data_dir = \"/srv\"\ntls_cert = \"/etc/tonearm/cert.pem\"\n").unwrap();
        let err = file.clone().into_config().unwrap_err().to_string();
        assert!(err.contains("--tls-key"), "{err}");
        let key_only = Settings {
            data_dir: Some("/srv".into()),
            tls_key: Some("/etc/tonearm/key.pem".into()),
            ..Settings::default()
        };
        let err = key_only.clone().into_config().unwrap_err().to_string();
        assert!(err.contains("--tls-cert"), "{err}");
        // A key flag completes a certificate from the file.
        let config = key_only.over(file).into_config().unwrap();
        assert_eq!(
            config.tls,
            Some(TlsConfig {
                cert: "/etc/tonearm/cert.pem".into(),
                key: "/etc/tonearm/key.pem".into(),
            })
        );
        assert_eq!(Config::new("x").tls, None);
    }
}
