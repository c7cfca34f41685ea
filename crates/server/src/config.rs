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
    /// Where metadata lives; SQLite in the data directory when `None`.
    pub database: Option<DatabaseUrl>,
    /// Where blob bytes live; a folder in the data directory when `None`.
    pub blob_store: Option<BlobLocation>,
    /// The password vault's key file; in the data directory when `None`.
    pub vault_key: Option<PathBuf>,
    /// Bytes of blobs a replica keeps local copies of when they live in an object store
    /// (`blob_cache`); 0 turns the cache off.
    pub blob_cache_bytes: u64,
}

/// Where the metadata store lives, as `--database-url` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (`sqlite:PATH`).
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgres://...` or `postgresql://...`), the URL kept whole for
    /// the driver.
    Postgres(String),
}

impl std::str::FromStr for DatabaseUrl {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(Error::Config(
                    "sqlite: needs a file, as in sqlite:/srv/tonearm.db".into(),
                ));
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(text.to_owned()));
        }
        Err(Error::Config(
            "--database-url must start with sqlite: or postgres://".into(),
        ))
    }
}

impl std::fmt::Display for DatabaseUrl {
    /// Without the password, for logs and `/health`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Self::Postgres(url) => f.write_str(&without_password(url)),
        }
    }
}

/// `postgres://user:secret@host/db` as `postgres://user@host/db`.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_owned(),
    }
}

/// Where blob bytes live, as `--blob-store` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// A local folder (a path, or `file:PATH`).
    Folder(PathBuf),
    /// A bucket of an S3-compatible service (`s3://BUCKET[/PREFIX]`).
    S3 {
        /// The bucket's name.
        bucket: String,
        /// A key prefix inside it, without slashes at either end.
        prefix: Option<String>,
    },
}

impl std::str::FromStr for BlobLocation {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = match rest.split_once('/') {
                Some((bucket, prefix)) => (bucket, Some(prefix.trim_matches('/'))),
                None => (rest, None),
            };
            let valid = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                });
            if !valid {
                return Err(Error::Config(format!(
                    "{bucket:?} is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and dashes)"
                )));
            }
            return Ok(Self::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.filter(|p| !p.is_empty()).map(str::to_owned),
            });
        }
        let path = text.strip_prefix("file:").unwrap_or(text);
        if path.is_empty() || text.contains("://") {
            return Err(Error::Config(
                "--blob-store must be s3://BUCKET[/PREFIX] or a folder".into(),
            ));
        }
        Ok(Self::Folder(PathBuf::from(path)))
    }
}

impl std::fmt::Display for BlobLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Folder(path) => write!(f, "{}", path.display()),
            Self::S3 {
                bucket,
                prefix: None,
            } => write!(f, "s3://{bucket}"),
            Self::S3 {
                bucket,
                prefix: Some(prefix),
            } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
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
            database: None,
            blob_store: None,
            vault_key: None,
            blob_cache_bytes: 2 * 1024 * 1024 * 1024,
        }
    }

    /// Where metadata lives.
    #[must_use]
    pub fn database(&self) -> DatabaseUrl {
        self.database
            .clone()
            .unwrap_or_else(|| DatabaseUrl::Sqlite(self.data_dir.join("tonearm.db")))
    }

    /// Where blob bytes live.
    #[must_use]
    pub fn blob_store(&self) -> BlobLocation {
        self.blob_store
            .clone()
            .unwrap_or_else(|| BlobLocation::Folder(self.data_dir.join("blobs")))
    }

    /// The password vault's key file.
    #[must_use]
    pub fn vault_key(&self) -> PathBuf {
        self.vault_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join(crate::vault::PasswordVault::KEY_FILE))
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
    /// Upload bytes are staged and committed in parts of this size: larger parts mean fewer
    /// objects, smaller ones less memory per upload and less to resend after a crash [default: 8 MiB]
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_UPLOAD_PART_SIZE",
        value_name = "BYTES"
    )]
    pub upload_part_size: Option<usize>,
    /// Metadata database: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB [default: sqlite in the data directory]
    #[arg(long, global = true, env = "TONEARM_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Blob store: s3://BUCKET[/PREFIX] (endpoint and keys from the AWS_* variables) or a folder [default: DATA_DIR/blobs]
    #[arg(
        long,
        global = true,
        env = "TONEARM_BLOB_STORE",
        value_name = "LOCATION"
    )]
    pub blob_store: Option<String>,
    /// Bytes of local copies of blobs streamed from an object store, per replica; 0 for none [default: 2 GiB]
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_BLOB_CACHE_SIZE",
        value_name = "BYTES"
    )]
    pub blob_cache_size: Option<u64>,
    /// Key file of the password vault; every replica on one database needs the same [default: DATA_DIR/password-vault.key]
    #[arg(
        long,
        global = true,
        env = "TONEARM_SERVER_VAULT_KEY",
        value_name = "FILE"
    )]
    pub vault_key: Option<PathBuf>,
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
            upload_part_size: self.upload_part_size.or(lower.upload_part_size),
            database_url: self.database_url.or(lower.database_url),
            blob_store: self.blob_store.or(lower.blob_store),
            vault_key: self.vault_key.or(lower.vault_key),
            blob_cache_size: self.blob_cache_size.or(lower.blob_cache_size),
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
        if let Some(bytes) = self.upload_part_size {
            config.limits.upload_part_bytes = bytes.max(1);
        }
        config.trusted_proxies = self.trusted_proxies.unwrap_or_default();
        config.database = self.database_url.as_deref().map(str::parse).transpose()?;
        config.blob_store = self.blob_store.as_deref().map(str::parse).transpose()?;
        config.vault_key = self.vault_key;
        if let Some(bytes) = self.blob_cache_size {
            config.blob_cache_bytes = bytes;
        }
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
    fn database_urls_and_blob_stores_parse_into_their_kinds() {
        assert_eq!(
            "sqlite:/srv/t.db".parse::<DatabaseUrl>().unwrap(),
            DatabaseUrl::Sqlite("/srv/t.db".into())
        );
        let pg: DatabaseUrl = "postgres://tonearm:hunter2@db:5432/tonearm"
            .parse()
            .unwrap();
        assert_eq!(
            pg.to_string(),
            "postgres://tonearm@db:5432/tonearm",
            "no password shown"
        );
        for bad in ["mysql://x", "sqlite:", "/srv/t.db"] {
            assert!(bad.parse::<DatabaseUrl>().is_err(), "{bad}");
        }
        assert_eq!(
            "s3://music/tonearm/".parse::<BlobLocation>().unwrap(),
            BlobLocation::S3 {
                bucket: "music".into(),
                prefix: Some("tonearm".into())
            }
        );
        assert_eq!(
            "/srv/blobs".parse::<BlobLocation>().unwrap(),
            BlobLocation::Folder("/srv/blobs".into())
        );
        for bad in ["s3://", "s3://Music", "s3://a", "gs://bucket"] {
            assert!(bad.parse::<BlobLocation>().is_err(), "{bad}");
        }
        let config = Settings {
            data_dir: Some("/srv".into()),
            ..Settings::default()
        }
        .into_config()
        .unwrap();
        assert_eq!(
            config.database(),
            DatabaseUrl::Sqlite("/srv/tonearm.db".into())
        );
        assert_eq!(
            config.blob_store(),
            BlobLocation::Folder("/srv/blobs".into())
        );
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
