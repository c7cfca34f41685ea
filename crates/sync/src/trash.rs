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
//! On macOS (the Finder, so that "Put Back" works) and Windows (the Recycle Bin, through the
//! shell's `IFileOperation`) the system's own trash does the move, through the `trash` crate.
//! Windows can also put a file back (found in the Recycle Bin by its original path, the newest
//! first); macOS offers no way to, so there a file whose removal could not be recorded stays
//! in the trash and the error says so. These two are type-checked in CI, not run: no
//! test here has a Recycle Bin or a Finder.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A trash to move files to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trash {
    /// A freedesktop home trash, at its root.
    Home(PathBuf),
    /// The system's trash (macOS, Windows).
    System,
}

/// Where a trashed file went, to put it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trashed {
    pub original: PathBuf,
    pub place: Place,
}

/// A trashed file's place in its trash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// In a freedesktop trash.
    Home {
        /// The file in the trash's `files` folder.
        file: PathBuf,
        /// Its `.trashinfo`.
        info: PathBuf,
    },
    /// Somewhere in the system's trash, which does not say where.
    System,
}

impl Trashed {
    /// The file in the trash, where the trash says.
    pub fn file(&self) -> Option<&Path> {
        match &self.place {
            Place::Home { file, .. } => Some(file),
            Place::System => None,
        }
    }
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
    #[error("the system's trash refused {}: {message}", path.display())]
    System { path: PathBuf, message: String },
}

impl Trash {
    /// The user's trash (`None` only where no home folder is known).
    pub fn for_user() -> Option<Self> {
        if cfg!(any(target_os = "macos", windows)) {
            return Some(Self::System);
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

    /// The freedesktop trash at `root` (tests give a temporary folder).
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self::Home(root.into())
    }

    /// A freedesktop trash's root.
    pub fn root(&self) -> Option<&Path> {
        match self {
            Self::Home(root) => Some(root),
            Self::System => None,
        }
    }

    /// Moves `path` (an absolute path to a file) into the trash.
    pub fn put(&self, path: &Path) -> Result<Trashed, TrashError> {
        let place = match self {
            Self::Home(root) => put_home(root, path)?,
            Self::System => {
                system::put(path).map_err(|message| TrashError::System {
                    path: path.to_path_buf(),
                    message,
                })?;
                Place::System
            }
        };
        Ok(Trashed {
            original: path.to_path_buf(),
            place,
        })
    }

    /// Puts a trashed file back where it was (when what followed its removal failed).
    pub fn restore(&self, trashed: &Trashed) -> Result<(), TrashError> {
        match (&trashed.place, self) {
            (Place::Home { file, info }, Self::Home(root)) => {
                move_file(file, &trashed.original).map_err(|source| TrashError::Io {
                    path: trashed.original.clone(),
                    trash: root.clone(),
                    source,
                })?;
                let _ = fs::remove_file(info);
                Ok(())
            }
            _ => system::restore(&trashed.original).map_err(|message| TrashError::System {
                path: trashed.original.clone(),
                message,
            }),
        }
    }
}

/// Moves `path` into the freedesktop trash at `root`.
fn put_home(root: &Path, path: &Path) -> Result<Place, TrashError> {
    let io = |source| TrashError::Io {
        path: path.to_path_buf(),
        trash: root.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .ok_or_else(|| TrashError::NoName(path.to_path_buf()))?;
    let (files, infos) = (root.join("files"), root.join("info"));
    for dir in [&files, &infos] {
        private_dir(dir).map_err(io)?;
    }
    let (file, info, mut info_file) = reserve(&files, &infos, name).map_err(io)?;
    let moved = write_info(&mut info_file, path).and_then(|()| move_file(path, &file));
    if let Err(error) = moved {
        let _ = fs::remove_file(&info);
        return Err(io(error));
    }
    Ok(Place::Home { file, info })
}

/// The system's trash, through the `trash` crate. Each call runs on a thread of its own: on
/// Windows the crate initialises COM for the calling thread, which must not be a pool thread
/// that something else initialised otherwise.
#[cfg(any(target_os = "macos", windows))]
mod system {
    use std::path::Path;

    fn on_own_thread<T: Send>(
        work: impl FnOnce() -> Result<T, trash::Error> + Send,
    ) -> Result<T, String> {
        std::thread::scope(|scope| scope.spawn(work).join())
            .map_err(|_| "the trash's thread stopped".to_owned())?
            .map_err(|error| error.to_string())
    }

    pub fn put(path: &Path) -> Result<(), String> {
        on_own_thread(|| trash::delete(path))
    }

    #[cfg(windows)]
    pub fn restore(original: &Path) -> Result<(), String> {
        let original = original.to_path_buf();
        on_own_thread(move || {
            let newest = trash::os_limited::list()?
                .into_iter()
                .filter(|item| item.original_path() == original)
                .max_by_key(|item| item.time_deleted);
            match newest {
                Some(item) => trash::os_limited::restore_all([item]),
                None => Err(trash::Error::Unknown {
                    description: "it is no longer in the Recycle Bin".to_owned(),
                }),
            }
        })
    }

    #[cfg(target_os = "macos")]
    pub fn restore(_original: &Path) -> Result<(), String> {
        Err("macOS cannot put it back by itself: it is in the Trash".to_owned())
    }
}

/// No system trash here: only freedesktop trashes are made.
#[cfg(not(any(target_os = "macos", windows)))]
mod system {
    use std::path::Path;

    const NONE: &str = "this system has no trash but the freedesktop one";

    pub fn put(_path: &Path) -> Result<(), String> {
        Err(NONE.to_owned())
    }

    pub fn restore(_original: &Path) -> Result<(), String> {
        Err(NONE.to_owned())
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
                trash.as_ref().and_then(|t| t.root()).map(Path::to_path_buf),
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
            let Place::Home { file, info } = &trashed.place else {
                panic!("a freedesktop trash gives the place");
            };
            assert_eq!(file, &dir.path().join("Trash/files").join(expected));
            let info = fs::read_to_string(info).expect("info");
            assert!(info.starts_with(&format!(
                "[Trash Info]\nPath={}\nDeletionDate=",
                escape_path(&song)
            )));
        }
        let again = dir.path().join("Trash/files/song.2.flac");
        let info = dir.path().join("Trash/info/song.2.flac.trashinfo");
        let trashed = Trashed {
            original: song.clone(),
            place: Place::Home {
                file: again,
                info: info.clone(),
            },
        };
        trash.restore(&trashed).expect("restored");
        assert_eq!(fs::read(&song).expect("back"), b"bytes");
        assert!(!info.exists());
    }
}
