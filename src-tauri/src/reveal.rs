//! "Show in folder": the system's file manager opened at a file, with the file selected
//! where the platform can do that.
//!
//! The webview has no opener or shell permission; this is the one way it reaches the file
//! manager, and only for a track's own file.

use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

/// Opens the file manager at `path`.
pub fn show_in_folder(path: &Path) -> io::Result<()> {
    let mut command = command_for(path)?;
    crate::webkit_env::as_the_user_started(&mut command);
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // The file manager runs on its own; reap it in the background so no zombie stays.
    let mut child = command.spawn()?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(target_os = "macos")]
fn command_for(path: &Path) -> io::Result<Command> {
    let mut command = Command::new("open");
    command.arg("-R").arg(path);
    Ok(command)
}

#[cfg(windows)]
fn command_for(path: &Path) -> io::Result<Command> {
    let mut argument = std::ffi::OsString::from("/select,");
    argument.push(path);
    let mut command = Command::new("explorer");
    command.arg(argument);
    Ok(command)
}

/// Freedesktop systems: the FileManager1 D-Bus interface selects the file (Nautilus, Dolphin,
/// Nemo, Thunar...); without it, the folder opens through `xdg-open`.
#[cfg(not(any(target_os = "macos", windows)))]
fn command_for(path: &Path) -> io::Result<Command> {
    let folder = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the file has no folder"))?;
    let uri = tauri::Url::from_file_path(path)
        .map_err(|()| io::Error::new(io::ErrorKind::InvalidInput, "not an absolute path"))?;
    if which("dbus-send") {
        let mut command = Command::new("dbus-send");
        command.args([
            "--session",
            "--dest=org.freedesktop.FileManager1",
            "--type=method_call",
            "/org/freedesktop/FileManager1",
            "org.freedesktop.FileManager1.ShowItems",
            &format!("array:string:{uri}"),
            "string:",
        ]);
        return Ok(command);
    }
    let mut command = Command::new("xdg-open");
    command.arg(folder);
    Ok(command)
}

#[cfg(not(any(target_os = "macos", windows)))]
fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}
