//! Where a track's bytes come from. The engine reads any [`ByteSource`]: a local file today,
//! the cloud streaming reader (HTTP range requests with a cache) tomorrow, without knowing
//! which.

use crate::error::PlayerError;
use std::io::{Read, Seek};
use std::path::Path;

/// Seekable bytes of one audio file.
pub trait ByteSource: Read + Seek + Send + Sync {
    /// The total length, when known (it lets decoders seek precisely).
    fn byte_len(&self) -> Option<u64>;
}

/// A local file, buffered.
#[derive(Debug)]
pub struct FileSource {
    file: std::io::BufReader<std::fs::File>,
    len: u64,
}

impl FileSource {
    pub fn open(path: &Path) -> Result<Self, PlayerError> {
        let open = |source| PlayerError::Open {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(open)?;
        let len = file.metadata().map_err(open)?.len();
        Ok(Self {
            file: std::io::BufReader::with_capacity(64 * 1024, file),
            len,
        })
    }
}

impl Read for FileSource {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.file.read(buf)
    }
}

impl Seek for FileSource {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.file.seek(pos)
    }
}

impl ByteSource for FileSource {
    fn byte_len(&self) -> Option<u64> {
        Some(self.len)
    }
}

/// Adapts a [`ByteSource`] to symphonia's media source.
pub(crate) struct MediaAdapter(pub Box<dyn ByteSource>);

impl Read for MediaAdapter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Seek for MediaAdapter {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.seek(pos)
    }
}

impl symphonia::core::io::MediaSource for MediaAdapter {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        self.0.byte_len()
    }
}

/// Any seekable reader as a byte source: the cloud's streaming reader, a buffer in memory.
#[derive(Debug)]
pub struct ReaderSource<R> {
    reader: R,
    len: Option<u64>,
}

impl<R> ReaderSource<R> {
    /// `len` is the total length when known.
    pub fn new(reader: R, len: Option<u64>) -> Self {
        Self { reader, len }
    }
}

impl<R: Read> Read for ReaderSource<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reader.read(buf)
    }
}

impl<R: Seek> Seek for ReaderSource<R> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.reader.seek(to)
    }
}

impl<R: Read + Seek + Send + Sync> ByteSource for ReaderSource<R> {
    fn byte_len(&self) -> Option<u64> {
        self.len
    }
}
