//! Playing cloud tracks: a seekable reader over HTTP `Range` requests, backed by an on-disk
//! cache with a size budget, and "keep offline" pins.
//!
//! - **Blocks.** A file is cached in 256 KiB blocks in a sparse file named by its BLAKE3
//!   (`<hash>.audio`), with a bitmap of the blocks present beside it (`<hash>.blocks`). A read
//!   of a missing block fetches it together with the next few (read-ahead), in one request.
//! - **Retries.** A failed fetch is retried with a growing pause (0.1 s to 3.2 s, six times),
//!   so a server restart or a dropped connection in the middle of a song is a short stall,
//!   not an error.
//! - **Budget.** After each fetch, whole files are evicted least recently used first until
//!   the cache fits its budget; pinned files and files being played are never evicted.
//! - **Offline.** A file whose blocks are all present (cached or pinned) plays without the
//!   network: the reader asks the server nothing.
//!
//! The reader is blocking (`Read + Seek`), as decoders want; it runs its requests on the
//! sync engine's tokio runtime.

use crate::client::Client;
use crate::error::{Result, SyncError};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonearm_library::cloud::CloudFile;
use tonearm_library::{Library, TrackId};

/// Cache block size.
pub const BLOCK: u64 = 256 * 1024;

/// Blocks fetched per request when one is missing (1 MiB).
const READ_AHEAD: u64 = 4;

/// The on-disk cache of streamed audio.
#[derive(Debug)]
pub struct StreamCache {
    dir: PathBuf,
    /// Bytes of unpinned audio kept; changed at run time from the app's settings.
    budget: AtomicU64,
    library: Arc<Library>,
    /// Files being read now, with how many readers: never evicted.
    open: Mutex<HashMap<String, usize>>,
}

impl StreamCache {
    pub fn new(dir: PathBuf, budget: u64, library: Arc<Library>) -> Self {
        Self {
            dir,
            budget: AtomicU64::new(budget),
            library,
            open: Mutex::default(),
        }
    }

    fn audio_path(&self, blake3: &str) -> PathBuf {
        self.dir.join(format!("{blake3}.audio"))
    }

    fn blocks_path(&self, blake3: &str) -> PathBuf {
        self.dir.join(format!("{blake3}.blocks"))
    }

    /// The budget in bytes.
    pub fn budget(&self) -> u64 {
        self.budget.load(Ordering::Relaxed)
    }

    /// Changes the budget and evicts what no longer fits.
    pub fn set_budget(&self, budget: u64) -> Result<u64> {
        self.budget.store(budget, Ordering::Relaxed);
        self.evict()
    }

    /// Bytes of audio on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.library.cache_entries()?.iter().map(|e| e.cached).sum())
    }

    /// Whether every byte of `blake3` is on disk.
    pub fn is_complete(&self, blake3: &str) -> Result<bool> {
        Ok(self
            .library
            .cache_entry(blake3)?
            .is_some_and(|e| e.cached >= e.size))
    }

    /// Evicts least recently used files until the cache fits its budget.
    pub fn evict(&self) -> Result<u64> {
        let entries = self.library.cache_entries()?;
        let mut total: u64 = entries.iter().map(|e| e.cached).sum();
        let mut evicted = 0;
        let open = self.open.lock().map(|o| o.clone()).unwrap_or_default();
        for entry in entries {
            if total <= self.budget() {
                break;
            }
            if entry.pinned || open.contains_key(&entry.blake3) || entry.cached == 0 {
                continue;
            }
            let _ = std::fs::remove_file(self.audio_path(&entry.blake3));
            let _ = std::fs::remove_file(self.blocks_path(&entry.blake3));
            self.library.remove_cache_entry(&entry.blake3)?;
            total -= entry.cached;
            evicted += 1;
        }
        Ok(evicted)
    }
}

/// One cached file, open: its sparse audio file and its bitmap.
#[derive(Debug)]
struct CachedFile {
    audio: std::fs::File,
    blocks_path: PathBuf,
    present: Vec<bool>,
}

impl CachedFile {
    fn open(cache: &StreamCache, blake3: &str, size: u64) -> std::io::Result<Self> {
        std::fs::create_dir_all(&cache.dir)?;
        let audio = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(cache.audio_path(blake3))?;
        if audio.metadata()?.len() != size {
            audio.set_len(size)?;
        }
        let count = size.div_ceil(BLOCK) as usize;
        let blocks_path = cache.blocks_path(blake3);
        let mut present: Vec<bool> = std::fs::read(&blocks_path)
            .unwrap_or_default()
            .into_iter()
            .map(|b| b == 1)
            .collect();
        present.resize(count, false);
        Ok(Self {
            audio,
            blocks_path,
            present,
        })
    }

    fn cached_bytes(&self, size: u64) -> u64 {
        self.present
            .iter()
            .enumerate()
            .filter(|(_, p)| **p)
            .map(|(i, _)| BLOCK.min(size - i as u64 * BLOCK))
            .sum()
    }

    fn save_bitmap(&self) -> std::io::Result<()> {
        let bytes: Vec<u8> = self.present.iter().map(|p| u8::from(*p)).collect();
        let temporary = self.blocks_path.with_extension("new");
        std::fs::write(&temporary, bytes)?;
        std::fs::rename(&temporary, &self.blocks_path)
    }
}

/// A cloud track's bytes, read through the cache.
#[derive(Debug)]
pub struct CloudReader {
    file: CloudFile,
    client: Option<Client>,
    runtime: tokio::runtime::Handle,
    cache: Arc<StreamCache>,
    cached: CachedFile,
    position: u64,
}

impl CloudReader {
    /// Opens `file` for reading; `client` is `None` when offline (then only cached bytes
    /// can be read).
    pub fn open(
        file: CloudFile,
        client: Option<Client>,
        runtime: tokio::runtime::Handle,
        cache: Arc<StreamCache>,
    ) -> Result<Self> {
        let cached =
            CachedFile::open(&cache, &file.blake3, file.size).map_err(|source| SyncError::Io {
                path: cache.audio_path(&file.blake3),
                source,
            })?;
        if let Ok(mut open) = cache.open.lock() {
            *open.entry(file.blake3.clone()).or_default() += 1;
        }
        cache
            .library
            .touch_cache(&file.blake3, file.size, cached.cached_bytes(file.size))?;
        Ok(Self {
            file,
            client,
            runtime,
            cache,
            cached,
            position: 0,
        })
    }

    pub fn len(&self) -> u64 {
        self.file.size
    }

    pub fn is_empty(&self) -> bool {
        self.file.size == 0
    }

    pub fn track(&self) -> TrackId {
        self.file.track_id
    }

    /// Makes sure block `index` is on disk, fetching it and the next few if not.
    fn ensure_block(&mut self, index: usize) -> Result<()> {
        if self.cached.present[index] {
            return Ok(());
        }
        let client = self.client.clone().ok_or_else(|| {
            SyncError::Network("offline, and this part of the track is not cached".to_owned())
        })?;
        let last = (index + READ_AHEAD as usize).min(self.cached.present.len());
        let end_block = (index..last)
            .find(|i| *i > index && self.cached.present[*i])
            .unwrap_or(last);
        let start = index as u64 * BLOCK;
        let end = (end_block as u64 * BLOCK).min(self.file.size);
        let bytes = self.fetch(&client, start, end)?;
        let io = |source| SyncError::Io {
            path: self.cache.audio_path(&self.file.blake3),
            source,
        };
        self.cached
            .audio
            .seek(SeekFrom::Start(start))
            .and_then(|_| self.cached.audio.write_all(&bytes))
            .map_err(io)?;
        for block in index..end_block {
            self.cached.present[block] = true;
        }
        self.cached.save_bitmap().map_err(io)?;
        self.cache.library.touch_cache(
            &self.file.blake3,
            self.file.size,
            self.cached.cached_bytes(self.file.size),
        )?;
        self.cache.evict()?;
        Ok(())
    }

    /// One range request, retried with growing pauses while the network or server is down.
    fn fetch(&self, client: &Client, start: u64, end: u64) -> Result<Vec<u8>> {
        let track = tonearm_protocol::TrackId(self.file.track_id.0);
        let mut pause = Duration::from_millis(100);
        let mut attempts = 0;
        loop {
            match self.runtime.block_on(client.read_range(track, start, end)) {
                Ok(bytes) => return Ok(bytes),
                Err(error) if error.is_transient() && attempts < 6 => {
                    tracing::info!(%error, ?pause, "stream read failed; retrying");
                    std::thread::sleep(pause);
                    pause *= 2;
                    attempts += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Reads the whole file into the cache (for "keep offline").
    pub fn fetch_all(&mut self) -> Result<()> {
        for index in 0..self.cached.present.len() {
            self.ensure_block(index)?;
        }
        Ok(())
    }
}

impl Drop for CloudReader {
    fn drop(&mut self) {
        if let Ok(mut open) = self.cache.open.lock()
            && let Some(count) = open.get_mut(&self.file.blake3)
        {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.file.blake3);
            }
        }
    }
}

impl Read for CloudReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.position >= self.file.size || buf.is_empty() {
            return Ok(0);
        }
        let index = (self.position / BLOCK) as usize;
        self.ensure_block(index).map_err(std::io::Error::other)?;
        let block_end = ((index as u64 + 1) * BLOCK).min(self.file.size);
        let n = buf.len().min((block_end - self.position) as usize);
        self.cached.audio.seek(SeekFrom::Start(self.position))?;
        self.cached.audio.read_exact(&mut buf[..n])?;
        self.position += n as u64;
        Ok(n)
    }
}

impl Seek for CloudReader {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => at as i128,
            SeekFrom::End(delta) => self.file.size as i128 + delta as i128,
            SeekFrom::Current(delta) => self.position as i128 + delta as i128,
        };
        if target < 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start",
            ));
        }
        self.position = target as u64;
        Ok(self.position)
    }
}

/// Where the cache keeps its files, under the app's cache directory.
pub fn cache_dir(app_cache: &Path) -> PathBuf {
    app_cache.join("stream")
}
