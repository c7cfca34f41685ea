//! Giving the app's freed memory back to the system while it runs.
//!
//! glibc's malloc keeps what the app frees inside its heaps (one per thread that allocated:
//! the IPC handlers, the library's readers, tokio's workers) and returns only a heap's free
//! top. Start-up and browsing free a lot in the middle (query results, the JSON of every page
//! of songs sent to the webview, the folder watcher's first walk), so the shell kept 10-15 MB
//! it no longer used. `malloc_trim` returns every free page of every heap; a thread of its own
//! calls it every few seconds. It walks each heap under that heap's lock: about 0.5 ms for a
//! fragmented 60 MB heap with nothing new to return, 7 ms the first time, when 56 MB go back.
//!
//! Linux with glibc only: other allocators (macOS, Windows, musl) give memory back their own
//! ways. The call is `unsafe` because glibc offers it as a C function.

use std::time::Duration;

/// How often the heaps are trimmed.
const EVERY: Duration = Duration::from_secs(5);

/// Starts the thread that trims the heaps. Call once, at start.
pub fn start() {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("heap-trim".into())
        .spawn(|| {
            loop {
                std::thread::sleep(EVERY);
                trim();
            }
        });
    if let Err(error) = spawned {
        tracing::warn!("cannot start the heap trimmer: {error}");
    }
}

/// Returns the free pages of every heap to the system.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn trim() {
    // SAFETY: `malloc_trim` takes each heap's lock and releases its free pages with
    // `madvise`; blocks in use are not touched. Its result (whether anything was released)
    // needs no answer.
    let _ = unsafe { libc::malloc_trim(0) };
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() {}
