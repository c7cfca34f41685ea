//! Threads that must never wait on the database.
//!
//! A desktop app's window thread also puts the web view's frames on screen and receives every
//! other call from the page. A query there (the library's totals read the whole table while a
//! first sync defers their index: up to 98 ms), or a write waiting for a sync's transaction (up
//! to half a second), freezes the window for as long. The shell marks that thread while it
//! hands a call from the page to its command, and the store refuses to run there: debug builds,
//! which every test runs, stop with the reason; release builds log it and go on.

use std::cell::Cell;
use std::marker::PhantomData;

thread_local! {
    static KEPT_OFF: Cell<bool> = const { Cell::new(false) };
}

/// While it lives, this thread must not use a library's database.
#[derive(Debug)]
#[must_use = "the thread is kept off the database only while the guard lives"]
pub struct KeptOff {
    was: bool,
    /// The mark is the thread's own: the guard must end on the thread that made it.
    _here: PhantomData<*const ()>,
}

impl KeptOff {
    /// Marks the calling thread until the guard drops.
    pub fn here() -> Self {
        Self {
            was: KEPT_OFF.replace(true),
            _here: PhantomData,
        }
    }
}

impl Drop for KeptOff {
    fn drop(&mut self) {
        KEPT_OFF.set(self.was);
    }
}

/// Refuses a database call on a marked thread (see the module's doc).
pub(super) fn check() {
    if KEPT_OFF.get() {
        if cfg!(debug_assertions) {
            panic!(
                "the library's database was used on a thread kept off it (the window's): \
                 run the command off that thread"
            );
        }
        tracing::warn!("the library's database was used on the window's thread");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_is_kept_off_only_while_the_guard_lives() {
        assert!(!KEPT_OFF.get());
        {
            let _outer = KeptOff::here();
            {
                let _inner = KeptOff::here();
            }
            assert!(KEPT_OFF.get(), "a nested guard leaves the outer one's mark");
            assert!(std::panic::catch_unwind(check).is_err());
            std::thread::spawn(check)
                .join()
                .expect("another thread is free");
        }
        assert!(!KEPT_OFF.get());
        check();
    }
}
