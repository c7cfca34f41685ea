//! WAL checkpoints off the writer's path.
//!
//! In WAL mode a commit appends pages to the log, and SQLite's automatic checkpoint copies
//! them into the database file on the committing thread once the log passes 1,000 pages. A
//! new device's first sync writes tens of megabytes per transaction, and profiling it showed
//! the writer spending a tenth of its time in those copies, while the app's writes and the
//! next page waited behind it. So a thread of the store's own checkpoints after each commit,
//! passively (never waiting for readers or the writer, never blocking them), on a connection
//! of its own; the writer checkpoints by itself only when the log grows past
//! [`WRITER_CHECKPOINT_PAGES`], should that thread fall far behind.

use crate::error::Result;
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// The log size, in pages, at which the writer checkpoints by itself (64 MiB of 4 KiB pages).
pub(super) const WRITER_CHECKPOINT_PAGES: i64 = 16_384;

#[derive(Debug, Default)]
struct Signal {
    /// A commit happened since the last checkpoint.
    committed: bool,
    /// The store is closing.
    stop: bool,
}

/// The checkpointing thread; stopped (and joined) when dropped.
#[derive(Debug)]
pub(super) struct Checkpointer {
    signal: Arc<(Mutex<Signal>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` (in WAL mode already).
    pub(super) fn start(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        let signal = Arc::new((Mutex::new(Signal::default()), Condvar::new()));
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn({
                let signal = Arc::clone(&signal);
                move || run(&conn, &signal)
            })
            .map_err(|e| crate::error::LibraryError::io(path, e))?;
        Ok(Self {
            signal,
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint after a commit.
    pub(super) fn committed(&self) {
        let (state, wake) = &*self.signal;
        state.lock().unwrap_or_else(|p| p.into_inner()).committed = true;
        wake.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (state, wake) = &*self.signal;
        state.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, signal: &(Mutex<Signal>, Condvar)) {
    let (state, wake) = signal;
    loop {
        {
            let mut state = state.lock().unwrap_or_else(|p| p.into_inner());
            while !state.committed && !state.stop {
                state = wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            if state.stop {
                return;
            }
            state.committed = false;
        }
        // Busy (another checkpoint runs) or failed: the next commit asks again, and the
        // writer's own checkpoint is the backstop.
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(%error, "a background checkpoint did not run");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    /// Commits reach the database file without the writer checkpointing (the log stays far
    /// under its own threshold) and without any connection closing.
    #[test]
    fn commits_are_checkpointed_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("library.db");
        let store = Store::open(&path).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        store
            .write(|tx| {
                tx.execute_batch("CREATE TABLE filler (bytes BLOB)")?;
                let mut insert = tx.prepare("INSERT INTO filler VALUES (zeroblob(4000))")?;
                for _ in 0..500 {
                    insert.execute([])?;
                }
                Ok(())
            })
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::fs::metadata(&path).unwrap().len() < before + 1_000_000 {
            assert!(
                std::time::Instant::now() < deadline,
                "the commit never reached the database file"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
