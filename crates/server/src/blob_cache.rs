//! A replica's local copy of the blobs it streams, in front of a remote blob store.
//!
//! An object store answers each ranged read with a round trip of its own (tens of
//! milliseconds on S3), and players read a song as many small ranges. Blobs never change (they
//! are named by their hash), so a local copy can never be stale: the first read of a blob is
//! answered from the store while the whole blob is copied into the cache in the background;
//! later reads are answered from the local file. The cache is bounded in bytes and forgets the
//! blobs read least recently. Nothing in it is authoritative: it lives in the replica's data
//! directory, may be deleted at any time, and access checks happen before any read.

use crate::blobs::{Assembled, Assembly, BlobStore, ByteStream, SMALL_READ, read_file_range};
use crate::error::{Error, Result};
use crate::store::{UploadId, UploadPart};
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio::sync::Semaphore;
use tonearm_protocol::BlobHash;

/// Copies into the cache running at once: each holds a connection to the store.
const FILLS: usize = 4;
/// Bytes read from a cached file per chunk of a streamed answer.
const CHUNK: usize = 256 * 1024;

/// What the cache holds, with a clock for least-recently-used eviction.
#[derive(Debug, Default)]
struct Index {
    /// Hash → (size, last use).
    entries: HashMap<String, (u64, u64)>,
    total: u64,
    clock: u64,
    /// Blobs being copied in.
    filling: HashSet<String>,
}

/// A [`BlobStore`] that keeps local copies of what it streams. See the module docs.
#[derive(Debug, Clone)]
pub struct CachedBlobStore {
    inner: Arc<dyn BlobStore>,
    dir: PathBuf,
    capacity: u64,
    index: Arc<Mutex<Index>>,
    fills: Arc<Semaphore>,
}

impl CachedBlobStore {
    /// A cache of at most `capacity` bytes in `dir` in front of `inner`; what an earlier run
    /// left in `dir` is kept.
    pub fn new(inner: Arc<dyn BlobStore>, dir: &Path, capacity: u64) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        let mut index = Index::default();
        for entry in std::fs::read_dir(dir).map_err(Error::io(dir))?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else { continue };
            if name.parse::<BlobHash>().is_ok() && meta.is_file() {
                index.total += meta.len();
                index.entries.insert(name, (meta.len(), 0));
            } else {
                // A copy cut off by a stop.
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let cache = Self {
            inner,
            dir: dir.to_owned(),
            capacity,
            index: Arc::new(Mutex::new(index)),
            fills: Arc::new(Semaphore::new(FILLS)),
        };
        cache.evict();
        Ok(cache)
    }

    fn index(&self) -> std::sync::MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn file(&self, hash: &BlobHash) -> PathBuf {
        self.dir.join(hash.as_str())
    }

    /// Marks a cached blob used; false if it is not cached.
    fn touch(&self, hash: &BlobHash) -> bool {
        let mut index = self.index();
        index.clock += 1;
        let clock = index.clock;
        match index.entries.get_mut(hash.as_str()) {
            Some(entry) => {
                entry.1 = clock;
                true
            }
            None => false,
        }
    }

    /// Forgets the least recently used blobs until the cache fits.
    fn evict(&self) {
        let doomed = {
            let mut index = self.index();
            let mut by_age: Vec<(u64, String, u64)> = index
                .entries
                .iter()
                .map(|(hash, (size, used))| (*used, hash.clone(), *size))
                .collect();
            by_age.sort_unstable();
            let mut doomed = Vec::new();
            for (_, hash, size) in by_age {
                if index.total <= self.capacity {
                    break;
                }
                index.entries.remove(&hash);
                index.total -= size;
                doomed.push(hash);
            }
            doomed
        };
        for hash in doomed {
            let _ = std::fs::remove_file(self.dir.join(hash));
        }
    }

    /// Streams `range` of the cached copy of `hash`.
    async fn read_local(&self, hash: &BlobHash, range: Range<u64>) -> Result<ByteStream> {
        let path = self.file(hash);
        if range.end - range.start <= SMALL_READ {
            // Most player requests: one trip to a blocking thread.
            let bytes = read_file_range(path, range).await?;
            return Ok(futures::stream::once(async move { Ok(bytes) }).boxed());
        }
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(Error::io(&path))?;
        file.seek(std::io::SeekFrom::Start(range.start))
            .await
            .map_err(Error::io(&path))?;
        let remaining = range.end - range.start;
        Ok(futures::stream::try_unfold(
            (file, remaining, path),
            |(mut file, remaining, path)| async move {
                if remaining == 0 {
                    return Ok(None);
                }
                let want = usize::try_from(remaining).unwrap_or(CHUNK).min(CHUNK);
                let mut buffer = vec![0u8; want];
                let read = file.read(&mut buffer).await.map_err(Error::io(&path))?;
                if read == 0 {
                    return Err(Error::Corrupt(format!(
                        "the cached copy {} ends early",
                        path.display()
                    )));
                }
                buffer.truncate(read);
                Ok(Some((
                    Bytes::from(buffer),
                    (file, remaining - read as u64, path),
                )))
            },
        )
        .boxed())
    }

    /// Copies the whole of `hash` into the cache in the background, once at a time per blob
    /// and a few blobs at a time; a failure only means the next read goes to the store again.
    fn fill(&self, hash: &BlobHash) {
        if !self.index().filling.insert(hash.to_string()) {
            return;
        }
        let cache = self.clone();
        let hash = hash.clone();
        tokio::spawn(async move {
            let _slot = cache.fills.acquire().await;
            if let Err(error) = cache.copy_in(&hash).await {
                tracing::warn!(blob = %hash, error = %crate::error::error_chain(&error), "could not cache a blob");
            }
            cache.index().filling.remove(hash.as_str());
        });
    }

    async fn copy_in(&self, hash: &BlobHash) -> Result<()> {
        let partial = self.dir.join(format!("{hash}.partial"));
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(Error::io(&partial))?;
        let mut stream = self.inner.read_whole(hash).await?;
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            size += chunk.len() as u64;
            if size > self.capacity / 4 {
                // Too big to be worth a quarter of the cache.
                drop(file);
                let _ = tokio::fs::remove_file(&partial).await;
                return Ok(());
            }
            file.write_all(&chunk).await.map_err(Error::io(&partial))?;
        }
        file.flush().await.map_err(Error::io(&partial))?;
        drop(file);
        let path = self.file(hash);
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(Error::io(&path))?;
        {
            let mut index = self.index();
            index.clock += 1;
            let clock = index.clock;
            if index
                .entries
                .insert(hash.to_string(), (size, clock))
                .is_none()
            {
                index.total += size;
            }
        }
        self.evict();
        Ok(())
    }
}

#[async_trait]
impl BlobStore for CachedBlobStore {
    async fn stage_part(&self, upload: UploadId, start: u64, bytes: Bytes) -> Result<String> {
        self.inner.stage_part(upload, start, bytes).await
    }

    async fn assemble(
        &self,
        upload: UploadId,
        parts: &[UploadPart],
        assembly: Assembly<'_>,
    ) -> Result<Assembled> {
        self.inner.assemble(upload, parts, assembly).await
    }

    async fn publish_assembled(&self, assembled: &Assembled) -> Result<()> {
        self.inner.publish_assembled(assembled).await
    }

    async fn delete_object(&self, key: &str) -> Result<()> {
        self.inner.delete_object(key).await
    }

    async fn discard_upload(&self, upload: UploadId) -> Result<()> {
        self.inner.discard_upload(upload).await
    }

    async fn staged_uploads(&self) -> Result<Vec<UploadId>> {
        self.inner.staged_uploads().await
    }

    async fn probe(&self) -> Result<()> {
        self.inner.probe().await
    }

    async fn put(&self, hash: &BlobHash, bytes: Bytes) -> Result<()> {
        self.inner.put(hash, bytes).await
    }

    async fn read(&self, hash: &BlobHash, range: Range<u64>) -> Result<ByteStream> {
        if self.touch(hash) {
            match self.read_local(hash, range.clone()).await {
                Ok(stream) => return Ok(stream),
                Err(error) => {
                    // Removed behind the cache's back: forget it and read from the store.
                    tracing::warn!(blob = %hash, error = %crate::error::error_chain(&error), "cached blob unreadable");
                    let mut index = self.index();
                    if let Some((size, _)) = index.entries.remove(hash.as_str()) {
                        index.total -= size;
                    }
                }
            }
        }
        let stream = self.inner.read(hash, range).await?;
        self.fill(hash);
        Ok(stream)
    }

    async fn read_whole(&self, hash: &BlobHash) -> Result<ByteStream> {
        self.inner.read_whole(hash).await
    }

    async fn delete(&self, hash: &BlobHash) -> Result<()> {
        let removed = self.index().entries.remove(hash.as_str());
        if let Some((size, _)) = removed {
            self.index().total -= size;
            let _ = tokio::fs::remove_file(self.file(hash)).await;
        }
        self.inner.delete(hash).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blobs::ObjectBlobStore;

    async fn collect(stream: ByteStream) -> Vec<u8> {
        let chunks: Vec<Bytes> = stream.map(|c| c.unwrap()).collect().await;
        chunks.concat()
    }

    async fn cached(cache: &CachedBlobStore, hash: &BlobHash) -> bool {
        for _ in 0..200 {
            if cache.file(hash).exists() && !cache.index().filling.contains(hash.as_str()) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        false
    }

    #[tokio::test]
    async fn reads_are_served_from_a_local_copy_made_on_the_first_and_bounded_in_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let inner: Arc<dyn BlobStore> =
            Arc::new(ObjectBlobStore::local(&dir.path().join("remote")).unwrap());
        let cache =
            CachedBlobStore::new(Arc::clone(&inner), &dir.path().join("cache"), 4000).unwrap();
        let (a, b) = (vec![1u8; 900], vec![2u8; 900]);
        let (ha, hb) = (BlobHash::of(&a), BlobHash::of(&b));
        cache.put(&ha, Bytes::from(a.clone())).await.unwrap();
        cache.put(&hb, Bytes::from(b.clone())).await.unwrap();

        assert_eq!(
            collect(cache.read(&ha, 10..20).await.unwrap()).await,
            a[10..20]
        );
        assert!(
            cached(&cache, &ha).await,
            "the first read copies the blob in"
        );
        // The store loses it; the copy still answers (blobs never change).
        inner.delete(&ha).await.unwrap();
        assert_eq!(collect(cache.read(&ha, 0..900).await.unwrap()).await, a);

        // A blob over a quarter of the capacity is streamed but not kept.
        let big = vec![3u8; 1500];
        let hbig = BlobHash::of(&big);
        cache.put(&hbig, Bytes::from(big.clone())).await.unwrap();
        assert_eq!(
            collect(cache.read(&hbig, 0..1500).await.unwrap()).await,
            big
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!cache.file(&hbig).exists());

        // Past the capacity, the least recently read goes.
        let small: Vec<Vec<u8>> = (0..4u8).map(|i| vec![10 + i; 900]).collect();
        for bytes in &small {
            let hash = BlobHash::of(bytes);
            cache.put(&hash, Bytes::from(bytes.clone())).await.unwrap();
            collect(cache.read(&hash, 0..1).await.unwrap()).await;
            assert!(cached(&cache, &hash).await);
        }
        assert!(cache.index().total <= 4000);
        assert!(!cache.file(&ha).exists(), "the oldest copy was evicted");

        // A cache opened again keeps what is there; deleting a blob removes its copy.
        let last = BlobHash::of(&small[3]);
        let reopened = CachedBlobStore::new(inner, &dir.path().join("cache"), 4000).unwrap();
        assert!(reopened.touch(&last));
        reopened.delete(&last).await.unwrap();
        assert!(!reopened.file(&last).exists());
        assert!(reopened.read(&last, 0..1).await.is_err());
    }
}
