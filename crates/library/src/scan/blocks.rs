//! The file as the tag reader sees it: seeks that cost nothing, and reads served from a few
//! blocks, each read from the file once with a positioned read.
//!
//! lofty seeks back and forth as it parses (to the end for the length, back to the start,
//! forward over each atom or frame, a few bytes back to re-read a header). Through a
//! `BufReader<File>` every seek is an `lseek` and throws the buffer away, so the next read
//! fetches 8 KiB again: profiling the first scan of the synthetic library showed 50 system
//! calls for a FLAC file and 230 for an MP4, and the readers spending twice as long in the
//! kernel as in lofty. Here a seek only moves a position; reads come from blocks of
//! [`BLOCK`] bytes aligned on the file, of which the last [`KEPT`] stay in memory. A small
//! file costs one `pread`; a large one a block at its start and one at its end, where tags
//! and headers live. A read as large as a block (a cover in a tag) bypasses the blocks.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes per block.
const BLOCK: usize = 64 * 1024;
/// Blocks kept; the least recently used goes first.
const KEPT: usize = 4;

thread_local! {
    /// Blocks of files this thread has finished with, for its next files. A reader thread
    /// opens thousands of files a second; allocating a block for each and freeing it after made
    /// the allocator merge its free lists at every free (glibc does that for a chunk of 64 KiB
    /// and more): about 5% of a first scan's CPU in the profile.
    static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An empty block, spare or new.
fn spare_block() -> Vec<u8> {
    SPARE
        .try_with(|spare| spare.borrow_mut().pop())
        .ok()
        .flatten()
        .unwrap_or_else(|| Vec::with_capacity(BLOCK))
}

/// A file opened for the tag reader.
pub(crate) struct BlockReader {
    file: File,
    len: u64,
    pos: u64,
    /// (offset in the file, bytes); the most recently used last. A block shorter than
    /// [`BLOCK`] ends at the end of the file.
    blocks: Vec<(u64, Vec<u8>)>,
}

impl BlockReader {
    pub(crate) fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Self {
            file,
            len,
            pos: 0,
            blocks: Vec::with_capacity(KEPT),
        })
    }

    /// The file's length when it was opened.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The block starting at `start`, read now unless it is kept.
    fn block(&mut self, start: u64) -> io::Result<&[u8]> {
        match self.blocks.iter().position(|(at, _)| *at == start) {
            Some(index) => {
                let block = self.blocks.remove(index);
                self.blocks.push(block);
            }
            None => {
                let mut bytes = if self.blocks.len() == KEPT {
                    let (_, mut old) = self.blocks.remove(0);
                    old.clear();
                    old
                } else {
                    spare_block()
                };
                let wanted = (self.len.saturating_sub(start)).min(BLOCK as u64) as usize;
                bytes.resize(wanted, 0);
                let read = read_at(&self.file, &mut bytes, start)?;
                bytes.truncate(read);
                self.blocks.push((start, bytes));
            }
        }
        Ok(self
            .blocks
            .last()
            .map_or(&[], |(_, bytes)| bytes.as_slice()))
    }
}

impl Drop for BlockReader {
    fn drop(&mut self) {
        let blocks = std::mem::take(&mut self.blocks);
        // Not after the thread's own values are gone (then the blocks are simply freed).
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            for (_, mut bytes) in blocks {
                if spare.len() < KEPT {
                    bytes.clear();
                    spare.push(bytes);
                }
            }
        });
    }
}

impl Read for BlockReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.len {
            return Ok(0);
        }
        if buf.len() >= BLOCK {
            let read = read_at(&self.file, buf, self.pos)?;
            self.pos += read as u64;
            return Ok(read);
        }
        let start = self.pos - self.pos % BLOCK as u64;
        let offset = (self.pos - start) as usize;
        let block = self.block(start)?;
        let available = block.get(offset..).unwrap_or_default();
        let read = available.len().min(buf.len());
        buf[..read].copy_from_slice(&available[..read]);
        self.pos += read as u64;
        Ok(read)
    }
}

impl Seek for BlockReader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.pos.checked_add_signed(delta),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }

    fn stream_position(&mut self) -> io::Result<u64> {
        Ok(self.pos)
    }
}

/// Fills `buf` from `offset` as far as the file goes; returns how many bytes were read.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match positioned_read(file, &mut buf[done..], offset + done as u64) {
            Ok(0) => break,
            Ok(read) => done += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(done)
}

#[cfg(unix)]
fn positioned_read(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn positioned_read(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of `len` bytes, each its offset modulo 251 (so misplaced bytes show).
    fn file_of(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        std::io::Write::write_all(&mut file, &bytes).expect("write");
        (file, bytes)
    }

    #[test]
    fn reads_and_seeks_see_the_file_as_it_is() {
        let len = 3 * BLOCK + 100;
        let (file, bytes) = file_of(len);
        let mut reader = BlockReader::open(file.path()).expect("open");
        assert_eq!(reader.len(), len as u64);
        let mut all = Vec::new();
        reader.read_to_end(&mut all).expect("read");
        assert_eq!(all, bytes);
        // Reads that cross blocks, from the end, relative, and past the end.
        for (seek, want) in [
            (SeekFrom::Start(BLOCK as u64 - 3), 10),
            (SeekFrom::End(-128), 128),
            (SeekFrom::Current(-200), 50),
            (SeekFrom::Start(5), BLOCK + 7),
        ] {
            let at = reader.seek(seek).expect("seek") as usize;
            let mut buf = vec![0; want];
            reader.read_exact(&mut buf).expect("read");
            assert_eq!(buf, bytes[at..at + want], "{seek:?}");
            assert_eq!(
                reader.stream_position().expect("position"),
                (at + want) as u64
            );
        }
        assert_eq!(
            reader.seek(SeekFrom::End(10)).expect("seek"),
            len as u64 + 10
        );
        assert_eq!(reader.read(&mut [0; 4]).expect("read"), 0);
        assert!(reader.seek(SeekFrom::Current(-(len as i64) - 11)).is_err());
        assert!(reader.blocks.len() <= KEPT);
    }

    #[test]
    fn blocks_are_reused_by_the_next_file_and_hold_only_its_bytes() {
        let (long, long_bytes) = file_of(2 * BLOCK);
        let (short, short_bytes) = file_of(100);
        let mut reader = BlockReader::open(long.path()).expect("open");
        for at in [0, BLOCK] {
            let mut buf = [0; 10];
            reader.seek(SeekFrom::Start(at as u64)).expect("seek");
            reader.read_exact(&mut buf).expect("read");
            assert_eq!(buf, long_bytes[at..at + 10]);
        }
        drop(reader);
        assert_eq!(SPARE.with_borrow(Vec::len), 2);
        let mut reader = BlockReader::open(short.path()).expect("open");
        let mut all = [0; 100];
        reader.read_exact(&mut all).expect("read");
        assert_eq!(
            all[..],
            short_bytes[..],
            "nothing of the previous file shows"
        );
        assert_eq!(reader.read(&mut [0; 1]).expect("read"), 0);
        assert_eq!(SPARE.with_borrow(Vec::len), 1, "one spare block was taken");
    }

    #[test]
    fn an_empty_file_reads_nothing() {
        let (file, _) = file_of(0);
        let mut reader = BlockReader::open(file.path()).expect("open");
        assert_eq!(reader.len(), 0);
        assert_eq!(reader.read(&mut [0; 16]).expect("read"), 0);
    }
}
