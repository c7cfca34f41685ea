//! Variables the shell puts in its own environment for WebKit's processes, which start with
//! the app's environment: how the webview draws without a GPU (`rendering`), how much garbage
//! its JavaScript engine lets pile up and how hard it compiles (`script_engine`).
//!
//! They tune this app's webview, not the programs the app starts for the user: the file
//! manager that "Show in folder" opens gets the environment the user started the app with
//! (`as_the_user_started`). A value the user set is theirs and is left alone, in both places.

use std::process::Command;
use std::sync::{Mutex, PoisonError};

/// The variables `set` put in the environment (not those the user had set).
static SET_HERE: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

/// Sets `name` to `value` for the web processes the app will start, unless the user set it.
/// Call first thing at start, before any other thread runs: the environment is not safe to
/// change once threads read it.
#[cfg(target_os = "linux")]
pub fn set(name: &'static str, value: &str) {
    if std::env::var_os(name).is_some() {
        return;
    }
    match webkit2gtk::glib::setenv(name, value, false) {
        Ok(()) => SET_HERE
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(name),
        Err(error) => eprintln!("tonearm: cannot set {name} for the webview: {error}"),
    }
}

/// Leaves out of `command`'s environment what `set` added to the app's.
pub fn as_the_user_started(command: &mut Command) {
    for name in SET_HERE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
    {
        command.env_remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_the_app_starts_gets_none_of_the_webviews_variables() {
        // Only the bookkeeping: changing the real environment while other tests run is not safe.
        SET_HERE
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push("TONEARM_TEST_WEBVIEW_ONLY");
        let mut command = Command::new("true");
        command.env("TONEARM_TEST_USERS_OWN", "1");
        as_the_user_started(&mut command);
        let envs: Vec<_> = command.get_envs().collect();
        assert!(envs.contains(&("TONEARM_TEST_WEBVIEW_ONLY".as_ref(), None)));
        assert!(envs.contains(&("TONEARM_TEST_USERS_OWN".as_ref(), Some("1".as_ref()))));
    }
}
