//! The blob store: immutable audio bytes keyed by their BLAKE3 hash, behind a trait over the
//! `object_store` crate so a local folder (now) and an S3-compatible store (later) are
//! interchangeable.
//!
//! A blob is only ever written from a local file whose whole-file hash was already verified, and
//! it appears atomically: `object_store` writes a multipart upload to a staging object and
//! publishes it on completion, so a reader never sees a partial blob.

use crate::error::{Error, Result};
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use tokio::io::AsyncReadExt;
use tonearm_protocol::BlobHash;

/// A stream of a blob's bytes.
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// Where blob bytes live. See the module docs.
#[async_trait]
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Publishes the verified file at `file` as blob `hash`. Publishing an existing blob again is
    /// harmless: the bytes are the same.
    async fn publish(&self, hash: &BlobHash, file: &Path) -> Result<()>;
    /// Stores small verified bytes (a cover image) as blob `hash`, in one write.
    async fn put(&self, hash: &BlobHash, bytes: Bytes) -> Result<()>;
    /// Streams `range` (end exclusive) of a blob.
    async fn read(&self, hash: &BlobHash, range: Range<u64>) -> Result<ByteStream>;
    /// Removes a blob; removing a missing blob is not an error.
    async fn delete(&self, hash: &BlobHash) -> Result<()>;
}

/// A [`BlobStore`] over any `object_store` backend.
#[derive(Debug, Clone)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
}

/// Ranges up to this size are read in one call rather than streamed.
const SMALL_READ: u64 = 128 * 1024;

/// Size of the parts written when publishing (S3's minimum part size, so the same code suits it).
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts in flight while publishing: bounds the memory one publication holds.
const PARTS_IN_FLIGHT: usize = 2;
/// Bytes read from the verified file at a time.
const READ_BUFFER: usize = 1024 * 1024;

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
        })
    }

    /// Blobs fan out by the first two hex digits so no folder grows huge.
    fn path(hash: &BlobHash) -> ObjectPath {
        let hex = hash.as_str();
        ObjectPath::from(format!("{}/{hex}", &hex[..2]))
    }
}

fn store_error(hash: &BlobHash) -> impl FnOnce(object_store::Error) -> Error {
    let hash = hash.to_string();
    move |source| Error::BlobStore { hash, source }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    async fn publish(&self, hash: &BlobHash, file: &Path) -> Result<()> {
        let path = Self::path(hash);
        let upload = self
            .store
            .put_multipart(&path)
            .await
            .map_err(store_error(hash))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut source = tokio::fs::File::open(file).await.map_err(Error::io(file))?;
        let mut buffer = vec![0u8; READ_BUFFER];
        loop {
            let read = source.read(&mut buffer).await.map_err(Error::io(file))?;
            if read == 0 {
                break;
            }
            writer
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(store_error(hash))?;
            writer.write(&buffer[..read]);
        }
        writer.finish().await.map_err(store_error(hash))?;
        Ok(())
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

    async fn delete(&self, hash: &BlobHash) -> Result<()> {
        match self.store.delete(&Self::path(hash)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(Error::BlobStore {
                hash: hash.to_string(),
                source,
            }),
        }
    }
}
