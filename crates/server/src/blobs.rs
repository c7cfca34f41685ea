//! The blob store: immutable audio bytes keyed by their BLAKE3 hash, behind a trait over the
//! `object_store` crate so a local folder and an S3-compatible store are interchangeable.
//!
//! Unfinished uploads live here too, so any replica can continue or finish one: each run of
//! received bytes is a *part*, an object written once under a fresh key
//! (`uploads/ID/OFFSET-NONCE`) and committed in the metadata store. To finish, the parts are
//! copied into one *assembled* object ([`Assembly`] says how its bytes are checked):
//! - when one request received every byte, the server hashed them on arrival and the parts are
//!   only concatenated under the blob's key (on a folder by the kernel, `copy_file_range`,
//!   without reading them into the process);
//! - when the upload declared its hash, the parts are hashed as they are copied (as a multipart
//!   upload) straight under the blob's key, completed only if the bytes hash to it;
//! - otherwise they are hashed as they are copied under a staging key, renamed to the blob's key
//!   once its hash is known (a copy on S3).
//!
//! Blob keys therefore only ever hold verified bytes, and they appear atomically: a reader never
//! sees a partial blob.

use crate::error::{Error, Result};
use crate::store::{UploadId, UploadPart};
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
#[cfg(feature = "s3")]
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
#[cfg(feature = "s3")]
use object_store::prefix::PrefixStore;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tonearm_protocol::BlobHash;
use uuid::Uuid;

/// An upload's bytes copied into one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled {
    /// The object's key: the blob's own when `published`.
    pub key: String,
    /// BLAKE3 of its bytes.
    pub hash: BlobHash,
    /// Its length.
    pub size: u64,
    /// Written straight under the blob's key (the hash matched the expected one): nothing is
    /// left to publish. False when the bytes hash to something else: then nothing was written.
    pub published: bool,
}

/// What is known of an upload's bytes when its parts are assembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assembly<'a> {
    /// Nothing: they are hashed as they are copied, under a staging key.
    Unknown,
    /// The hash they should have: they are hashed as they are copied under that blob's key,
    /// which is completed only if they match.
    Expected(&'a BlobHash),
    /// Their hash, computed by this server as exactly these bytes arrived: they are copied
    /// under that blob's key without being read again for hashing.
    Hashed(&'a BlobHash),
}

impl Assembly<'_> {
    /// The blob key the assembly writes under, if any.
    fn target(self) -> Option<BlobHash> {
        match self {
            Self::Unknown => None,
            Self::Expected(hash) | Self::Hashed(hash) => Some(hash.clone()),
        }
    }
}

/// Where an upload's staged objects live.
fn upload_prefix(upload: UploadId) -> String {
    format!("{UPLOADS}/{}", upload.0)
}

/// The folder of staged uploads in the store.
const UPLOADS: &str = "uploads";

/// A stream of a blob's bytes.
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// Where blob bytes live. See the module docs.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stages a part of upload `upload` starting at byte `start`; returns its key.
    async fn stage_part(&self, upload: UploadId, start: u64, bytes: Bytes) -> Result<String>;
    /// Copies the parts, in order, into one object and returns its key with the BLAKE3 and
    /// length of the bytes. With [`Assembly::Unknown`] the object is unpublished, under a
    /// staging key. Otherwise it is written under the blob's key (`published`; the caller holds
    /// the shared blob lock, since the blob appears then), for [`Assembly::Expected`] only if
    /// the bytes hash to it: if they do not, nothing is written.
    async fn assemble(
        &self,
        upload: UploadId,
        parts: &[UploadPart],
        assembly: Assembly<'_>,
    ) -> Result<Assembled>;
    /// Publishes an assembled object, whose hash the caller verified, as blob `hash` (nothing to
    /// do if it was `published` already).
    async fn publish_assembled(&self, assembled: &Assembled) -> Result<()>;
    /// Removes one staged object; a missing one is not an error.
    async fn delete_object(&self, key: &str) -> Result<()>;
    /// Removes everything staged for an upload (parts and assembled objects).
    async fn discard_upload(&self, upload: UploadId) -> Result<()>;
    /// The uploads that have staged objects, for sweeping what no upload owns any more.
    async fn staged_uploads(&self) -> Result<Vec<UploadId>>;
    /// Writes and removes a probe object: fails at start on a missing bucket, wrong
    /// credentials or an unwritable folder, instead of at the first upload.
    async fn probe(&self) -> Result<()>;
    /// Stores small verified bytes (a cover image) as blob `hash`, in one write.
    async fn put(&self, hash: &BlobHash, bytes: Bytes) -> Result<()>;
    /// Streams `range` (end exclusive) of a blob.
    async fn read(&self, hash: &BlobHash, range: Range<u64>) -> Result<ByteStream>;
    /// Streams a whole blob.
    async fn read_whole(&self, hash: &BlobHash) -> Result<ByteStream>;
    /// Removes a blob; removing a missing blob is not an error.
    async fn delete(&self, hash: &BlobHash) -> Result<()>;
}

/// A [`BlobStore`] over any `object_store` backend.
#[derive(Debug, Clone)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    /// The folder of a folder store: small ranges are read from its files directly.
    folder: Option<PathBuf>,
    /// What to call the store in errors and at start ("folder /srv/blobs", "s3://bucket").
    name: String,
}

/// Ranges up to this size are read in one call rather than streamed.
pub(crate) const SMALL_READ: u64 = 128 * 1024;

/// Size of the parts written when publishing (S3's minimum part size, so the same code suits it).
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts in flight while publishing: bounds the memory one publication holds.
const PARTS_IN_FLIGHT: usize = 2;

impl ObjectBlobStore {
    /// A store in a local folder, created if missing.
    pub fn local(root: &Path) -> Result<Self> {
        std::fs::create_dir_all(root).map_err(Error::io(root))?;
        let store = LocalFileSystem::new_with_prefix(root).map_err(|source| Error::BlobStore {
            hash: String::from("(store root)"),
            source,
        })?;
        Ok(Self {
            store: Arc::new(store),
            folder: Some(root.to_path_buf()),
            name: format!("folder {}", root.display()),
        })
    }

    /// A store in an S3-compatible bucket, under `prefix` if given. Endpoint, credentials and
    /// region come from the standard `AWS_*` variables (`AWS_ENDPOINT_URL` for a service other
    /// than AWS, whose plain-HTTP address is then allowed, with path-style requests).
    #[cfg(feature = "s3")]
    pub fn s3(bucket: &str, prefix: Option<&str>) -> Result<Self> {
        // reqwest (the S3 client) brings no TLS provider of its own: ring, the one the HTTPS
        // listener uses, for the process. Err only if one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .or_else(|_| std::env::var("AWS_ENDPOINT"))
            .ok();
        // Over HTTPS, TLS already guards the bytes, so only the request's headers are signed,
        // as AWS's own SDKs do: hashing every byte for the signature was half the server's CPU
        // per upload. Over plain HTTP the bytes are signed too, unless `AWS_UNSIGNED_PAYLOAD`
        // says otherwise (`from_env` reads it).
        let https = endpoint
            .as_deref()
            .is_none_or(|endpoint| endpoint.starts_with("https://"));
        if https && std::env::var_os("AWS_UNSIGNED_PAYLOAD").is_none() {
            builder = builder.with_unsigned_payload(true);
        }
        if let Some(endpoint) = endpoint {
            builder = builder
                .with_endpoint(&endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let name = match prefix {
            Some(prefix) => format!("s3://{bucket}/{prefix}"),
            None => format!("s3://{bucket}"),
        };
        let s3 = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot use {name}: {e}")))?;
        let store: Arc<dyn ObjectStore> = match prefix {
            Some(prefix) => Arc::new(PrefixStore::new(s3, prefix)),
            None => Arc::new(s3),
        };
        Ok(Self {
            store,
            folder: None,
            name,
        })
    }

    /// What the store is, for logs and `/health`.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Blobs fan out by the first two hex digits so no folder grows huge.
    fn path(hash: &BlobHash) -> ObjectPath {
        let hex = hash.as_str();
        ObjectPath::from(format!("{}/{hex}", &hex[..2]))
    }
}

/// `range` of the file at `path`, opened, read and closed in one trip to a blocking thread.
/// Through `tokio::fs` each of the three is its own trip, and under a few hundred streaming
/// clients those trips queue for the blocking threads.
pub(crate) async fn read_file_range(path: PathBuf, range: Range<u64>) -> Result<Bytes> {
    tokio::task::spawn_blocking(move || {
        let read = || -> std::io::Result<Vec<u8>> {
            let mut file = std::fs::File::open(&path)?;
            std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(range.start))?;
            let len = usize::try_from(range.end - range.start)
                .map_err(|_| std::io::Error::other("range too large"))?;
            let mut bytes = vec![0; len];
            std::io::Read::read_exact(&mut file, &mut bytes)?;
            Ok(bytes)
        };
        read().map(Bytes::from).map_err(Error::io(&path))
    })
    .await
    .map_err(|e| Error::Corrupt(format!("a file read stopped: {e}")))?
}

/// That `copied` bytes of `part`, assembled from `offset`, are the bytes its record says.
fn check_part(upload: UploadId, part: &UploadPart, offset: u64, copied: u64) -> Result<()> {
    if part.start == offset && copied == part.end - part.start {
        return Ok(());
    }
    Err(Error::Corrupt(format!(
        "upload {} part {} holds bytes {}..{} but {copied} bytes from {offset} were expected",
        upload.0, part.key, part.start, part.end
    )))
}

/// A folder store's [`Assembly::Hashed`]: the part files are concatenated by the kernel
/// (`std::io::copy` between files is `copy_file_range` on Linux) into a file beside them,
/// renamed over the blob's path once complete.
async fn concatenate_files(
    folder: &Path,
    upload: UploadId,
    parts: &[UploadPart],
    hash: &BlobHash,
) -> Result<Assembled> {
    let folder = folder.to_path_buf();
    let parts = parts.to_vec();
    let key = ObjectBlobStore::path(hash).to_string();
    let blob = folder.join(&key);
    let hash = hash.clone();
    tokio::task::spawn_blocking(move || {
        let staging = folder
            .join(upload_prefix(upload))
            .join(format!("assembled-{}", Uuid::new_v4()));
        let size = parts.last().map_or(0, |p| p.end);
        let write = || -> Result<()> {
            if let Some(parent) = staging.parent() {
                std::fs::create_dir_all(parent).map_err(Error::io(parent))?;
            }
            let mut out = std::fs::File::create(&staging).map_err(Error::io(&staging))?;
            let mut offset = 0;
            for part in &parts {
                let path = folder.join(&part.key);
                let mut file = std::fs::File::open(&path).map_err(Error::io(&path))?;
                let copied = std::io::copy(&mut file, &mut out).map_err(Error::io(&path))?;
                check_part(upload, part, offset, copied)?;
                offset = part.end;
            }
            drop(out);
            if let Some(parent) = blob.parent() {
                std::fs::create_dir_all(parent).map_err(Error::io(parent))?;
            }
            std::fs::rename(&staging, &blob).map_err(Error::io(&blob))
        };
        let written = write();
        if written.is_err() {
            let _ = std::fs::remove_file(&staging);
        }
        written.map(|()| Assembled {
            key,
            hash,
            size,
            published: true,
        })
    })
    .await
    .map_err(|e| Error::Corrupt(format!("assembling an upload stopped: {e}")))?
}

fn store_error(hash: &BlobHash) -> impl FnOnce(object_store::Error) -> Error {
    let hash = hash.to_string();
    move |source| Error::BlobStore { hash, source }
}

/// The same for an object that is not a blob (a part, an assembled upload, a probe).
fn object_error(key: &str) -> impl FnOnce(object_store::Error) -> Error {
    let hash = key.to_owned();
    move |source| Error::BlobStore { hash, source }
}

impl ObjectBlobStore {
    /// Streams `key` whole into `writer`, hashing it if asked; returns the bytes copied.
    async fn copy_into(
        &self,
        key: &str,
        writer: &mut WriteMultipart,
        mut hasher: Option<&mut blake3::Hasher>,
    ) -> Result<u64> {
        let mut copied = 0u64;
        let mut stream = self
            .store
            .get(&ObjectPath::from(key))
            .await
            .map_err(object_error(key))?
            .into_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(object_error(key))?;
            if let Some(hasher) = hasher.as_deref_mut() {
                hasher.update(&chunk);
            }
            writer
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(object_error(key))?;
            writer.put(chunk.clone());
            copied += chunk.len() as u64;
        }
        Ok(copied)
    }

    async fn delete_key(&self, key: &ObjectPath) -> Result<()> {
        match self.store.delete(key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(Error::BlobStore {
                hash: key.to_string(),
                source,
            }),
        }
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn stage_part(&self, upload: UploadId, start: u64, bytes: Bytes) -> Result<String> {
        let key = format!("{}/{start:020}-{}", upload_prefix(upload), Uuid::new_v4());
        self.store
            .put(&ObjectPath::from(key.as_str()), bytes.into())
            .await
            .map_err(object_error(&key))?;
        Ok(key)
    }

    async fn assemble(
        &self,
        upload: UploadId,
        parts: &[UploadPart],
        assembly: Assembly<'_>,
    ) -> Result<Assembled> {
        if let (Assembly::Hashed(hash), Some(folder)) = (assembly, &self.folder) {
            return concatenate_files(folder, upload, parts, hash).await;
        }
        // Straight under the blob's key when its hash is known: a rename on S3 is a copy of
        // every byte.
        let expected = assembly.target();
        let key = match &expected {
            Some(hash) => Self::path(hash).to_string(),
            None => format!("{}/assembled-{}", upload_prefix(upload), Uuid::new_v4()),
        };
        let path = ObjectPath::from(key.as_str());
        let size = parts.last().map_or(0, |p| p.end);
        let mut hasher = blake3::Hasher::new();
        if parts.is_empty() {
            // S3 refuses a multipart upload of no parts.
            let hash = BlobHash::from(hasher.finalize());
            let published = expected.as_ref().is_some_and(|expected| *expected == hash);
            if expected.is_none() || published {
                self.store
                    .put(&path, Bytes::new().into())
                    .await
                    .map_err(object_error(&key))?;
            }
            return Ok(Assembled {
                key,
                hash,
                size,
                published,
            });
        }
        let multipart = self
            .store
            .put_multipart(&path)
            .await
            .map_err(object_error(&key))?;
        let mut writer = WriteMultipart::new_with_chunk_size(multipart, PART_SIZE);
        let mut offset = 0u64;
        for part in parts {
            let hashing = !matches!(assembly, Assembly::Hashed(_));
            let copied = self
                .copy_into(&part.key, &mut writer, hashing.then_some(&mut hasher))
                .await;
            let copied = match copied {
                Ok(copied) => copied,
                Err(error) => {
                    let _ = writer.abort().await;
                    return Err(error);
                }
            };
            if let Err(error) = check_part(upload, part, offset, copied) {
                let _ = writer.abort().await;
                return Err(error);
            }
            offset = part.end;
        }
        let hash = match assembly {
            Assembly::Hashed(hash) => hash.clone(),
            Assembly::Unknown | Assembly::Expected(_) => BlobHash::from(hasher.finalize()),
        };
        if expected.as_ref().is_some_and(|expected| *expected != hash) {
            // Never completed: the blob's key keeps whatever it held (nothing, or the same
            // verified bytes from another upload).
            writer.abort().await.map_err(object_error(&key))?;
            return Ok(Assembled {
                key,
                hash,
                size,
                published: false,
            });
        }
        writer.finish().await.map_err(object_error(&key))?;
        Ok(Assembled {
            key,
            hash,
            size,
            published: expected.is_some(),
        })
    }

    async fn publish_assembled(&self, assembled: &Assembled) -> Result<()> {
        if assembled.published {
            return Ok(());
        }
        self.store
            .rename(
                &ObjectPath::from(assembled.key.as_str()),
                &Self::path(&assembled.hash),
            )
            .await
            .map_err(store_error(&assembled.hash))
    }

    async fn delete_object(&self, key: &str) -> Result<()> {
        self.delete_key(&ObjectPath::from(key)).await
    }

    async fn discard_upload(&self, upload: UploadId) -> Result<()> {
        let prefix = ObjectPath::from(upload_prefix(upload));
        let keys: Vec<ObjectPath> = self
            .store
            .list(Some(&prefix))
            .map(|meta| meta.map(|m| m.location))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<std::result::Result<_, _>>()
            .map_err(object_error(prefix.as_ref()))?;
        for key in keys {
            self.delete_key(&key).await?;
        }
        Ok(())
    }

    async fn staged_uploads(&self) -> Result<Vec<UploadId>> {
        let mut ids = std::collections::BTreeSet::new();
        let mut listing = self.store.list(Some(&ObjectPath::from(UPLOADS)));
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(object_error(UPLOADS))?;
            if let Some(id) = meta
                .location
                .parts()
                .nth(1)
                .and_then(|part| Uuid::parse_str(part.as_ref()).ok())
            {
                ids.insert(id);
            }
        }
        Ok(ids.into_iter().map(UploadId).collect())
    }

    async fn probe(&self) -> Result<()> {
        let key = ObjectPath::from(format!("probe/{}", Uuid::new_v4()));
        let failed = |e: object_store::Error| {
            Error::Config(format!(
                "cannot write to the blob store {}: {}",
                self.name,
                why_unwritable(&e)
            ))
        };
        self.store
            .put(&key, Bytes::from_static(b"tonearm").into())
            .await
            .map_err(failed)?;
        self.store.delete(&key).await.map_err(failed)
    }

    async fn put(&self, hash: &BlobHash, bytes: Bytes) -> Result<()> {
        self.store
            .put(&Self::path(hash), bytes.into())
            .await
            .map_err(store_error(hash))?;
        Ok(())
    }

    async fn read(&self, hash: &BlobHash, range: Range<u64>) -> Result<ByteStream> {
        if range.is_empty() {
            return Ok(futures::stream::empty().boxed());
        }
        if range.end - range.start <= SMALL_READ {
            // One read instead of a stream of small chunks: most player requests are small.
            // From a folder, straight from the file (`object_store` also checks its metadata
            // and path, a third of the request's CPU); on any error, through `object_store`,
            // which says what is wrong in the usual terms.
            if let Some(folder) = &self.folder {
                let path = folder.join(Self::path(hash).as_ref());
                if let Ok(bytes) = read_file_range(path, range.clone()).await {
                    return Ok(futures::stream::once(async move { Ok(bytes) }).boxed());
                }
            }
            let bytes = self
                .store
                .get_range(&Self::path(hash), range)
                .await
                .map_err(store_error(hash))?;
            return Ok(futures::stream::once(async move { Ok(bytes) }).boxed());
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(range)),
            ..GetOptions::default()
        };
        let result = self
            .store
            .get_opts(&Self::path(hash), options)
            .await
            .map_err(store_error(hash))?;
        let hash = hash.clone();
        Ok(result
            .into_stream()
            .map(move |chunk| chunk.map_err(store_error(&hash)))
            .boxed())
    }

    async fn read_whole(&self, hash: &BlobHash) -> Result<ByteStream> {
        let result = self
            .store
            .get(&Self::path(hash))
            .await
            .map_err(store_error(hash))?;
        let hash = hash.clone();
        Ok(result
            .into_stream()
            .map(move |chunk| chunk.map_err(store_error(&hash)))
            .boxed())
    }

    async fn delete(&self, hash: &BlobHash) -> Result<()> {
        self.delete_key(&Self::path(hash)).await
    }
}

/// Why a probe write failed, in words an operator acts on (object_store reports most S3
/// answers as a generic error carrying the request and the response body).
fn why_unwritable(error: &object_store::Error) -> String {
    let text = crate::error::error_chain(error);
    if matches!(error, object_store::Error::NotFound { .. }) || text.contains("404 Not Found") {
        "the bucket does not exist".to_owned()
    } else if matches!(
        error,
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }
    ) || text.contains("403 Forbidden")
    {
        "its keys may not write there (check the AWS_* variables)".to_owned()
    } else if text.contains("error sending request") {
        "the service does not answer (check AWS_ENDPOINT_URL)".to_owned()
    } else {
        // The first clause, without the request's details and the response body.
        text.lines().next().unwrap_or_default().to_owned()
    }
}
