//! How read files pass from the readers to the one writer.
//!
//! The writer commits [`super::BATCH`] files at a time, and the readers should go on reading
//! while it does. With a queue of 256 files they stalled for most of each commit (a quarter
//! of the two cores idle through a first scan), and every file handed over woke the writer on
//! its own: a context switch per file, and the queue's lock contended (`perf record -e
//! sched:sched_switch`: most switches were there). So readers hand files over [`CHUNK`] at a
//! time, up to [`AHEAD`] files ahead of the writer.
//!
//! A file's row is a few hundred bytes, but its embedded cover can be megabytes, and a
//! library of singles has a different one in every file: a thousand of them could hold
//! gigabytes. So the covers' bytes on their way are bounded on their own: a reader about to
//! pass [`COVER_BYTES`] first hands over what it holds, then waits until the writer has taken
//! covers off the queue (one cover larger than the bound still passes alone). The writer
//! counts a cover as taken when it receives it, and commits early once its batch holds that
//! many bytes of covers, so covers in memory stay under twice the bound, and the writer never
//! waits on readers that wait on it.

use super::Scanned;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Condvar, Mutex, PoisonError};

/// Files a reader hands over at once.
pub(super) const CHUNK: usize = 16;

/// Files the readers may have handed over that the writer has not received.
pub(super) const AHEAD: usize = 1_024;

/// Bytes of embedded covers on their way from the readers to the writer, and in the writer's
/// batch, each at most (but for one cover larger than this).
pub(super) const COVER_BYTES: usize = 16 << 20;

/// A file read, by its place in the scan's list: its row, or why it could not be read.
pub(super) type Item = (usize, Result<Scanned, String>);

/// The bytes of an item's embedded cover.
pub(super) fn cover_bytes(item: &Item) -> usize {
    match &item.1 {
        Ok(Scanned {
            cover: Some((_, bytes)),
            ..
        }) => bytes.len(),
        _ => 0,
    }
}

/// The queue between the readers and the writer, with its bound on covers.
pub(super) fn queue(covers: &Covers) -> (Handing<'_>, Taking<'_>) {
    let (sender, receiver) = std::sync::mpsc::sync_channel(AHEAD / CHUNK);
    (
        Handing {
            queue: sender,
            chunk: Vec::with_capacity(CHUNK),
            covers,
        },
        Taking {
            queue: receiver,
            covers,
        },
    )
}

/// A reader's end: clone one per reader.
pub(super) struct Handing<'a> {
    queue: SyncSender<Vec<Item>>,
    chunk: Vec<Item>,
    covers: &'a Covers,
}

impl Clone for Handing<'_> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            chunk: Vec::with_capacity(CHUNK),
            covers: self.covers,
        }
    }
}

impl Handing<'_> {
    /// Hands `item` over, in a chunk; false once the writer has stopped.
    pub fn send(&mut self, item: Item) -> bool {
        let bytes = cover_bytes(&item);
        if bytes > 0 && !self.covers.try_take(bytes) {
            // What this reader holds must reach the writer before it waits for the writer.
            if !self.flush() || !self.covers.take(bytes) {
                return false;
            }
        }
        self.chunk.push(item);
        self.chunk.len() < CHUNK || self.flush()
    }

    /// Hands over what this reader holds; false once the writer has stopped.
    fn flush(&mut self) -> bool {
        self.chunk.is_empty() || self.queue.send(std::mem::take(&mut self.chunk)).is_ok()
    }
}

impl Drop for Handing<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The writer's end. Dropping it (the writer done, or stopped by an error) lets readers
/// waiting on covers go.
pub(super) struct Taking<'a> {
    queue: Receiver<Vec<Item>>,
    covers: &'a Covers,
}

impl Taking<'_> {
    /// The next chunk of files, its covers counted off the bound; `None` once every reader is
    /// done.
    pub fn recv(&self) -> Option<Vec<Item>> {
        let chunk = self.queue.recv().ok()?;
        self.covers.give(chunk.iter().map(cover_bytes).sum());
        Some(chunk)
    }
}

impl Drop for Taking<'_> {
    fn drop(&mut self) {
        self.covers.close();
    }
}

/// The bytes of covers held between the readers and the writer.
pub(super) struct Covers {
    state: Mutex<CoversState>,
    given: Condvar,
    limit: usize,
}

#[derive(Default)]
struct CoversState {
    held: usize,
    closed: bool,
}

impl Covers {
    pub fn new(limit: usize) -> Self {
        Self {
            state: Mutex::default(),
            given: Condvar::new(),
            limit,
        }
    }

    fn fits(&self, state: &CoversState, bytes: usize) -> bool {
        state.held == 0 || state.held + bytes <= self.limit
    }

    /// Takes `bytes` if they fit now.
    fn try_take(&self, bytes: usize) -> bool {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let fits = !state.closed && self.fits(&state, bytes);
        if fits {
            state.held += bytes;
        }
        fits
    }

    /// Takes `bytes`, waiting until they fit; false once closed.
    fn take(&self, bytes: usize) -> bool {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut state = self
            .given
            .wait_while(state, |state| !state.closed && !self.fits(state, bytes))
            .unwrap_or_else(PoisonError::into_inner);
        if state.closed {
            return false;
        }
        state.held += bytes;
        true
    }

    fn give(&self, bytes: usize) {
        if bytes == 0 {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.held = state.held.saturating_sub(bytes);
        drop(state);
        self.given.notify_all();
    }

    fn close(&self) {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed = true;
        self.given.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn with_cover(index: usize, bytes: usize) -> Item {
        let file = crate::scan::walk::FoundFile {
            path: format!("/music/{index}.flac").into(),
            size: 1,
            mtime_ms: 0,
        };
        let tags = crate::scan::read::FileTags {
            cover: Some(vec![0; bytes]),
            ..Default::default()
        };
        (
            index,
            Ok(Scanned::new(crate::ids::FolderId(1), &file, tags)),
        )
    }

    #[test]
    fn covers_wait_past_the_bound_and_one_larger_cover_passes_alone() {
        let covers = Covers::new(100);
        assert!(covers.try_take(60));
        assert!(!covers.try_take(50), "past the bound");
        assert!(covers.try_take(40));
        covers.give(100);
        assert!(covers.try_take(500), "alone, a larger cover passes");
        assert!(!covers.try_take(1));

        // A reader waiting for room goes on once covers are given back.
        std::thread::scope(|scope| {
            let (went, gone) = std::sync::mpsc::channel();
            let covers = &covers;
            scope.spawn(move || went.send(covers.take(10)).expect("reported"));
            assert!(
                gone.recv_timeout(Duration::from_millis(100)).is_err(),
                "it waits"
            );
            covers.give(500);
            assert!(gone.recv().expect("it went on"));
        });
    }

    #[test]
    fn a_reader_hands_over_the_covers_it_holds_before_it_waits_for_room() {
        let covers = Covers::new(100);
        let (handing, taking) = queue(&covers);
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::scope(|scope| {
            let mut handing = handing;
            scope.spawn(move || {
                // The second cover does not fit beside the first, which waits in this
                // reader's chunk: unless that chunk reaches the writer, nothing makes room.
                let sent = handing.send(with_cover(0, 60)) && handing.send(with_cover(1, 60));
                done.send(sent).expect("reported");
            });
            // Were it kept back, the reader would wait for ever: stop it, and fail.
            let Ok(first) = taking.queue.recv_timeout(Duration::from_secs(10)) else {
                drop(taking);
                panic!("the reader kept its cover while it waited for room");
            };
            assert_eq!(first.len(), 1);
            covers.give(cover_bytes(&first[0]));
            assert_eq!(finished.recv_timeout(Duration::from_secs(10)), Ok(true));
            let second = taking.recv().expect("the second, once the reader is done");
            assert_eq!(second.len(), 1);
            assert!(taking.recv().is_none());
        });
    }

    #[test]
    fn a_stopped_writer_lets_waiting_readers_go() {
        let covers = Covers::new(100);
        let (mut handing, taking) = queue(&covers);
        assert!(handing.send(with_cover(0, 100)));
        std::thread::scope(|scope| {
            let (went, gone) = std::sync::mpsc::channel();
            let mut reader = handing.clone();
            scope.spawn(move || went.send(reader.send(with_cover(1, 10))).expect("reported"));
            // The first reader's cover is still in its chunk; the writer stops instead of
            // taking anything.
            assert!(
                gone.recv_timeout(Duration::from_millis(100)).is_err(),
                "it waits"
            );
            drop(taking);
            assert!(!gone.recv().expect("it stopped"), "told the writer stopped");
        });
    }

    #[test]
    fn files_arrive_in_chunks_and_all_of_them_once_readers_are_done() {
        let covers = Covers::new(COVER_BYTES);
        let (handing, taking) = queue(&covers);
        std::thread::scope(|scope| {
            for reader in 0..2 {
                let mut handing = handing.clone();
                scope.spawn(move || {
                    for i in 0..CHUNK * 3 + 5 {
                        assert!(handing.send(with_cover(reader * 1_000 + i, 1_000)));
                    }
                });
            }
            drop(handing);
            let mut seen = Vec::new();
            while let Some(chunk) = taking.recv() {
                assert!(chunk.len() <= CHUNK);
                seen.extend(chunk.into_iter().map(|(index, _)| index));
            }
            seen.sort_unstable();
            let expected: Vec<usize> = (0..2)
                .flat_map(|reader| (0..CHUNK * 3 + 5).map(move |i| reader * 1_000 + i))
                .collect();
            assert_eq!(seen, expected);
        });
        assert_eq!(
            covers.state.lock().expect("state").held,
            0,
            "all given back"
        );
    }
}
