//! What the server runs on: the metadata store and the blob store named by the configuration,
//! opened and checked at start so bad configuration (an unreachable database, wrong
//! credentials, a missing bucket) stops the server with one sentence instead of failing the
//! first request.
//!
//! A household runs the defaults: SQLite and a folder, both in the data directory. Several
//! replicas share a PostgreSQL database and an S3-compatible bucket; everything a replica
//! keeps to itself (thumbnails, the password workers) can be rebuilt or is per process.

use crate::blob_cache::CachedBlobStore;
use crate::blobs::{BlobStore, ObjectBlobStore};
use crate::config::{BlobLocation, Config, DatabaseUrl};
use crate::error::{Error, Result};
#[cfg(feature = "postgres")]
use crate::store::PostgresStore;
use crate::store::{MetadataStore, SqliteStore};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// The kinds of store a server runs on, as `/health` and the start log report them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BackendNames {
    /// `sqlite` or `postgresql`.
    pub database: &'static str,
    /// `folder` or `s3`.
    pub blobs: &'static str,
}

impl BackendNames {
    /// The kinds `config` names.
    #[must_use]
    pub fn of(config: &Config) -> Self {
        Self {
            database: match config.database() {
                DatabaseUrl::Sqlite(_) => "sqlite",
                DatabaseUrl::Postgres(_) => "postgresql",
            },
            blobs: match config.blob_store() {
                BlobLocation::Folder(_) => "folder",
                BlobLocation::S3 { .. } => "s3",
            },
        }
    }
}

/// Opens the metadata store, bringing its schema up to date (a database of a newer version is
/// refused).
pub async fn open_store(config: &Config) -> Result<Arc<dyn MetadataStore>> {
    match config.database() {
        DatabaseUrl::Sqlite(path) => {
            let store = tokio::task::spawn_blocking(move || {
                if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(folder).map_err(Error::io(folder))?;
                }
                SqliteStore::open(&path)
            })
            .await??;
            Ok(Arc::new(store))
        }
        #[cfg(feature = "postgres")]
        DatabaseUrl::Postgres(url) => Ok(Arc::new(PostgresStore::connect(&url).await?)),
        #[cfg(not(feature = "postgres"))]
        DatabaseUrl::Postgres(_) => Err(Error::Config(
            "this build has no PostgreSQL store (the `postgres` feature of tonearm-server)".into(),
        )),
    }
}

/// Opens the blob store and checks it takes a write. An object store gets a local cache of
/// what the replica streams (`blob_cache`) unless it is sized 0.
pub async fn open_blobs(config: &Config) -> Result<Arc<dyn BlobStore>> {
    let (store, remote) = match config.blob_store() {
        BlobLocation::Folder(path) => (ObjectBlobStore::local(&path)?, false),
        #[cfg(feature = "s3")]
        BlobLocation::S3 { bucket, prefix } => {
            (ObjectBlobStore::s3(&bucket, prefix.as_deref())?, true)
        }
        #[cfg(not(feature = "s3"))]
        BlobLocation::S3 { .. } => {
            return Err(Error::Config(
                "this build has no S3 blob store (the `s3` feature of tonearm-server)".into(),
            ));
        }
    };
    store.probe().await?;
    let store: Arc<dyn BlobStore> = Arc::new(store);
    if remote && config.blob_cache_bytes > 0 {
        let dir = config.data_dir.join("blob-cache");
        return Ok(Arc::new(CachedBlobStore::new(
            store,
            &dir,
            config.blob_cache_bytes,
        )?));
    }
    Ok(store)
}
