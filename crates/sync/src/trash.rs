//! The OS trash, where "remove downloads" puts a file, so a removal can be undone from the
//! file manager as any other.
//!
//! On Linux and the BSDs this is the freedesktop.org Trash specification (1.0): the home
//! trash `$XDG_DATA_HOME/Trash` (by default `~/.local/share/Trash`), a file moved to
//! `files/NAME` after `info/NAME.trashinfo` was created exclusively (which reserves the name)
//! with its original path, URL-escaped, and the deletion date. A file on another file system
//! than the home trash is copied there (flushed) and then deleted, which the specification
//! allows, rather than put in a per-volume `.Trash-UID` folder.
//!
//! macOS (`~/.Trash` through the Finder) and Windows (the Recycle Bin through the shell) have
//! a trash this module does not drive yet: there [`Trash::for_user`] is `None` and nothing is
//! removed. Future work.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A freedesktop home trash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trash {
    root: PathBuf,
}

/// Where a trashed file went, to put it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trashed {
    pub original: PathBuf,
    /// The file in the trash's `files` folder.
    pub file: PathBuf,
    /// Its `.trashinfo`.
    pub info: PathBuf,
}

/// Why a file could not be put in the trash.
#[derive(Debug, thiserror::Error)]
pub enum TrashError {
    #[error("{} has no file name", .0.display())]
    NoName(PathBuf),
    #[error("cannot put {} in the trash at {}", path.display(), trash.display())]
    Io {
        path: PathBuf,
        trash: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Trash {
    /// The user's trash, on a system with a trash this module knows.
    pub fn for_user() -> Option<Self> {
        if cfg!(any(target_os = "macos", target_os = "ios", windows)) {
            return None;
        }
        Self::home_from(
            std::env::var_os("XDG_DATA_HOME"),
            std::env::var_os("HOME").map(PathBuf::from),
        )
    }

    /// The home trash from `$XDG_DATA_HOME` and `$HOME` (the specification ignores a relative
    /// `$XDG_DATA_HOME`, as the XDG base directory specification says to).
    pub fn home_from(xdg_data_home: Option<OsString>, home: Option<PathBuf>) -> Option<Self> {
        let data = xdg_data_home
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| {
                home.filter(|h| h.is_absolute())
                    .map(|h| h.join(".local").join("share"))
            })?;
        Some(Self::at(data.join("Trash")))
    }

    /// The trash at `root` (tests give a temporary folder).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Moves `path` (an absolute path to a file) into the trash.
    pub fn put(&self, path: &Path) -> Result<Trashed, TrashError> {
        let io = |source| TrashError::Io {
            path: path.to_path_buf(),
            trash: self.root.clone(),
            source,
        };
        let name = path
            .file_name()
            .ok_or_else(|| TrashError::NoName(path.to_path_buf()))?;
        let (files, infos) = (self.root.join("files"), self.root.join("info"));
        for dir in [&files, &infos] {
            private_dir(dir).map_err(io)?;
        }
        let (file, info, mut info_file) = reserve(&files, &infos, name).map_err(io)?;
        let moved = write_info(&mut info_file, path).and_then(|()| move_file(path, &file));
        if let Err(error) = moved {
            let _ = fs::remove_file(&info);
            return Err(io(error));
        }
        Ok(Trashed {
            original: path.to_path_buf(),
            file,
            info,
        })
    }

    /// Puts a trashed file back where it was (when what followed its removal failed).
    pub fn restore(&self, trashed: &Trashed) -> Result<(), TrashError> {
        move_file(&trashed.file, &trashed.original).map_err(|source| TrashError::Io {
            path: trashed.original.clone(),
            trash: self.root.clone(),
            source,
        })?;
        let _ = fs::remove_file(&trashed.info);
        Ok(())
    }
}

/// Creates a folder (and its parents) readable by the user only, as the specification asks.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Claims a name free in both `files` and `info` by creating its `.trashinfo` exclusively:
/// `song.flac`, then `song.2.flac`, `song.3.flac`...
fn reserve(
    files: &Path,
    infos: &Path,
    name: &std::ffi::OsStr,
) -> std::io::Result<(PathBuf, PathBuf, File)> {
    let original = Path::new(name);
    let stem = original.file_stem().unwrap_or(name).to_owned();
    let extension = original.extension().map(|e| e.to_owned());
    for n in 1u32.. {
        let mut candidate = stem.clone();
        if n > 1 {
            candidate.push(format!(".{n}"));
        }
        if let Some(extension) = &extension {
            candidate.push(".");
            candidate.push(extension);
        }
        let mut info_name = candidate.clone();
        info_name.push(".trashinfo");
        let info = infos.join(&info_name);
        let file = files.join(&candidate);
        if file.symlink_metadata().is_ok() {
            continue;
        }
        match OpenOptions::new().write(true).create_new(true).open(&info) {
            Ok(handle) => return Ok((file, info, handle)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free name in the trash"))
}

/// Writes the `.trashinfo` of `original`.
fn write_info(info: &mut File, original: &Path) -> std::io::Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    write!(
        info,
        "[Trash Info]\nPath={}\nDeletionDate={}\n",
        escape_path(original),
        deletion_date(now)
    )?;
    info.sync_all()
}

/// Renames `from` to `to`, or copies and deletes when they are on different file systems.
fn move_file(from: &Path, to: &Path) -> std::io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            let mut source = File::open(from)?;
            let mut target = OpenOptions::new().write(true).create_new(true).open(to)?;
            let copied = std::io::copy(&mut source, &mut target).and_then(|_| target.sync_all());
            if let Err(error) = copied {
                let _ = fs::remove_file(to);
                return Err(error);
            }
            fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

/// A path as the specification writes it: URL-escaped bytes (RFC 2396), `/` kept.
pub fn escape_path(path: &Path) -> String {
    let bytes = path_bytes(path);
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes.iter() {
        if b.is_ascii_alphanumeric() || b"/-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    std::borrow::Cow::Borrowed(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()))
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    std::borrow::Cow::Owned(path.to_string_lossy().into_owned().into_bytes())
}

/// `YYYY-MM-DDThh:mm:ss` of unix seconds. The specification asks for local time; this is
/// UTC (no time zone database is linked), which file managers show a few hours off at worst.
pub fn deletion_date(unix_seconds: u64) -> String {
    tonearm_protocol::time::utc_date_time(i64::try_from(unix_seconds).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_trash_follows_xdg_data_home_when_absolute() {
        let cases: [(Option<&str>, Option<&str>, Option<&str>); 5] = [
            (Some("/data"), Some("/home/ann"), Some("/data/Trash")),
            (
                None,
                Some("/home/ann"),
                Some("/home/ann/.local/share/Trash"),
            ),
            (
                Some("relative"),
                Some("/home/ann"),
                Some("/home/ann/.local/share/Trash"),
            ),
            (Some("relative"), None, None),
            (None, Some("also/relative"), None),
        ];
        for (xdg, home, expected) in cases {
            let trash = Trash::home_from(xdg.map(OsString::from), home.map(PathBuf::from));
            assert_eq!(
                trash.as_ref().map(|t| t.root().to_path_buf()),
                expected.map(PathBuf::from),
                "{xdg:?} {home:?}"
            );
        }
    }

    #[test]
    fn paths_are_url_escaped() {
        assert_eq!(
            escape_path(Path::new("/music/Café del Mar/01 #1.flac")),
            "/music/Caf%C3%A9%20del%20Mar/01%20%231.flac"
        );
    }

    #[test]
    fn deletion_dates_are_calendar_dates() {
        assert_eq!(deletion_date(0), "1970-01-01T00:00:00");
        assert_eq!(deletion_date(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(deletion_date(1_796_558_399), "2026-12-06T11:59:59");
    }

    #[test]
    fn a_file_goes_to_files_with_its_info_and_comes_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let trash = Trash::at(dir.path().join("Trash"));
        let song = dir.path().join("song.flac");
        for round in 1..=2 {
            fs::write(&song, b"bytes").expect("written");
            let trashed = trash.put(&song).expect("trashed");
            assert!(!song.exists());
            let expected = if round == 1 {
                "song.flac"
            } else {
                "song.2.flac"
            };
            assert_eq!(trashed.file, dir.path().join("Trash/files").join(expected));
            let info = fs::read_to_string(&trashed.info).expect("info");
            assert!(info.starts_with(&format!(
                "[Trash Info]\nPath={}\nDeletionDate=",
                escape_path(&song)
            )));
        }
        let again = dir.path().join("Trash/files/song.2.flac");
        let trashed = Trashed {
            original: song.clone(),
            file: again,
            info: dir.path().join("Trash/info/song.2.flac.trashinfo"),
        };
        trash.restore(&trashed).expect("restored");
        assert_eq!(fs::read(&song).expect("back"), b"bytes");
        assert!(!trashed.info.exists());
    }
}
