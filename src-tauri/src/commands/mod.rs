//! Tauri commands, one module per area of the app. Each command translates arguments, calls
//! into a core crate and maps the result; none holds business logic.

pub mod app;
pub mod cloud;
pub mod edit;
pub mod library;
pub mod locker;
pub mod player;
pub mod playlists;
pub mod preferences;

use crate::error::CommandError;

/// Runs a command's work that reads or writes the library, from an `async` command: Tauri runs
/// those on a Tokio worker, not on the window's thread (see `configure` in `lib.rs`). The
/// worker hands its other tasks to another thread while the work waits on SQLite, as a
/// blocking call must; the sync engine's tasks go on meanwhile. A panic in the work (the log
/// has it, from the panic hook) answers the UI with an error rather than never.
pub(crate) fn blocking<T>(
    work: impl FnOnce() -> Result<T, CommandError>,
) -> Result<T, CommandError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        tokio::task::block_in_place(work)
    }))
    .unwrap_or_else(|_| {
        Err(CommandError::Internal {
            message: "the command stopped unexpectedly; see the log for details".into(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_commands_work_answers_with_an_error() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .expect("a runtime");
        let answered = runtime.block_on(async {
            tokio::spawn(async {
                let worked = blocking(|| Ok(7));
                let panicked = blocking::<u8>(|| panic!("a bug in a command"));
                (worked, panicked)
            })
            .await
            .expect("the task ends")
        });
        assert_eq!(answered.0.ok(), Some(7));
        assert!(matches!(answered.1, Err(CommandError::Internal { .. })));
    }
}
