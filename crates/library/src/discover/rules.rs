//! What discovery never walks into, and what a file's name says it is.
//!
//! Decided from names alone, so a folder is skipped before it is listed: hidden entries (a
//! leading dot, as the scanner skips them), the operating system's and applications' folders,
//! trash, caches, development trees whose packages ship sounds, and the private stores of
//! other apps and games, whose audio is not the user's music. Music kept by other players
//! (`iTunes/iTunes Media`, `Music/Media.localized`) is the user's and is walked.

use std::ffi::OsStr;
use std::path::Path;

use crate::scan::walk::{SUPPORTED, UNSUPPORTED};

/// Why a folder was not walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// A leading dot (or, on Windows, the hidden attribute).
    Hidden,
    /// The operating system's own folders.
    System,
    /// Installed applications and application bundles.
    Application,
    /// Deleted files waiting in a trash.
    Trash,
    /// Caches: by name, or tagged with a `CACHEDIR.TAG` file.
    Cache,
    /// Source trees' dependencies and build output.
    Development,
    /// Other apps' and games' private stores.
    PrivateStore,
    /// A folder the caller excluded (the app's own data and cache).
    Excluded,
}

/// Where a named rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// At any depth.
    Anywhere,
    /// Only directly inside a root (the home folder, a drive): `Library` in the home folder
    /// is macOS's, but `Music/Library` may well be music.
    TopLevel,
}

/// How a rule's name is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    /// As spelled: the OS or tool that makes the folder spells it so (`Library` in a macOS
    /// home is macOS's; `library` in a Linux home is the user's).
    Exact,
    /// Ignoring ASCII case: Windows names, whose case varies on disk (`$RECYCLE.BIN`,
    /// `$Recycle.Bin`; Steam's old `SteamApps`).
    Any,
}

/// Folders skipped by name.
const RULES: &[(&str, SkipReason, Scope, Case)] = &[
    // Linux.
    (
        "snap",
        SkipReason::Application,
        Scope::TopLevel,
        Case::Exact,
    ),
    (
        "flatpak",
        SkipReason::Application,
        Scope::Anywhere,
        Case::Exact,
    ),
    (
        "lost+found",
        SkipReason::System,
        Scope::Anywhere,
        Case::Exact,
    ),
    // macOS.
    ("Library", SkipReason::System, Scope::TopLevel, Case::Exact),
    ("System", SkipReason::System, Scope::TopLevel, Case::Exact),
    (
        "Applications",
        SkipReason::Application,
        Scope::TopLevel,
        Case::Exact,
    ),
    (
        "Mobile Documents",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Exact,
    ),
    (
        "Containers",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Exact,
    ),
    (
        "Group Containers",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Exact,
    ),
    // Windows.
    ("AppData", SkipReason::System, Scope::Anywhere, Case::Any),
    ("Windows", SkipReason::System, Scope::TopLevel, Case::Any),
    (
        "ProgramData",
        SkipReason::System,
        Scope::TopLevel,
        Case::Any,
    ),
    (
        "Program Files",
        SkipReason::Application,
        Scope::TopLevel,
        Case::Any,
    ),
    (
        "Program Files (x86)",
        SkipReason::Application,
        Scope::TopLevel,
        Case::Any,
    ),
    (
        "WindowsApps",
        SkipReason::Application,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "System Volume Information",
        SkipReason::System,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "$Recycle.Bin",
        SkipReason::Trash,
        Scope::Anywhere,
        Case::Any,
    ),
    ("RECYCLER", SkipReason::Trash, Scope::Anywhere, Case::Any),
    (
        "$WINDOWS.~BT",
        SkipReason::System,
        Scope::Anywhere,
        Case::Any,
    ),
    // Video folders: the scanner reads `.mp4`, so films would count as songs.
    ("Videos", SkipReason::System, Scope::TopLevel, Case::Exact),
    ("Movies", SkipReason::System, Scope::TopLevel, Case::Exact),
    // Caches.
    ("Caches", SkipReason::Cache, Scope::Anywhere, Case::Exact),
    // Development trees.
    (
        "node_modules",
        SkipReason::Development,
        Scope::Anywhere,
        Case::Exact,
    ),
    (
        "bower_components",
        SkipReason::Development,
        Scope::Anywhere,
        Case::Exact,
    ),
    (
        "site-packages",
        SkipReason::Development,
        Scope::Anywhere,
        Case::Exact,
    ),
    (
        "dist-packages",
        SkipReason::Development,
        Scope::Anywhere,
        Case::Exact,
    ),
    (
        "__pycache__",
        SkipReason::Development,
        Scope::Anywhere,
        Case::Exact,
    ),
    (
        "venv",
        SkipReason::Development,
        Scope::Anywhere,
        Case::Exact,
    ),
    (
        "target",
        SkipReason::Development,
        Scope::Anywhere,
        Case::Exact,
    ),
    // Games and their launchers.
    (
        "Steam",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "SteamLibrary",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "steamapps",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "Epic Games",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "GOG Games",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "GOG Galaxy",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "Battle.net",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "Origin Games",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "EA Games",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "Riot Games",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "Ubisoft Game Launcher",
        SkipReason::PrivateStore,
        Scope::Anywhere,
        Case::Any,
    ),
    (
        "Games",
        SkipReason::PrivateStore,
        Scope::TopLevel,
        Case::Exact,
    ),
];

/// Bundles (macOS packages) that are applications or another app's private library.
const BUNDLE_SUFFIXES: &[(&str, SkipReason)] = &[
    (".app", SkipReason::Application),
    (".bundle", SkipReason::Application),
    (".framework", SkipReason::Application),
    (".photoslibrary", SkipReason::PrivateStore),
    (".musiclibrary", SkipReason::PrivateStore),
    (".tvlibrary", SkipReason::PrivateStore),
];

/// A file whose presence marks its folder as a cache (the Cache Directory Tagging
/// convention; Cargo's `target`, many tools' caches). Only its name is looked at.
pub const CACHE_TAG: &str = "CACHEDIR.TAG";

/// Whether a name is hidden by the convention the scanner follows (a leading dot).
pub fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Why a folder named `name` is not walked, if it is not; `top_level` when its parent is a
/// root. Hidden names are [`is_hidden`]'s business.
pub fn skip_folder(name: &OsStr, top_level: bool) -> Option<SkipReason> {
    let name = name.to_str()?;
    let named = RULES.iter().find(|(rule, _, scope, case)| {
        (*scope == Scope::Anywhere || top_level)
            && match case {
                Case::Exact => name == *rule,
                Case::Any => name.eq_ignore_ascii_case(rule),
            }
    });
    if let Some((_, reason, _, _)) = named {
        return Some(*reason);
    }
    BUNDLE_SUFFIXES
        .iter()
        .find(|(suffix, _)| {
            name.len() > suffix.len()
                && name.is_char_boundary(name.len() - suffix.len())
                && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        })
        .map(|(_, reason)| *reason)
}

/// Names of folders that are a music collection as a whole: discovery offers such a folder
/// rather than the one sub-folder holding its songs (`~/Music`, not `~/Music/Radiohead`,
/// when Radiohead is all there is yet).
const MUSIC_FOLDER_NAMES: &[&str] = &[
    "Music",
    "My Music",
    "Musik",
    "Musique",
    "Música",
    "Musica",
    "Muziek",
    "Musikk",
    "Musiikki",
    "Muzyka",
    "Музыка",
    "音乐",
    "音楽",
    "iTunes",
    "iTunes Media",
];

/// Whether a folder's name says it is a music collection.
pub fn is_music_folder_name(name: &OsStr) -> bool {
    name.to_str().is_some_and(|name| {
        MUSIC_FOLDER_NAMES
            .iter()
            .any(|music| music.to_lowercase() == name.to_lowercase())
    })
}

/// What a file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A file the scanner reads (its extension is in the scanner's list).
    Song,
    /// Audio in a format the scanner cannot read (also the scanner's list).
    Unsupported,
    /// What sits beside songs in an album folder: artwork, cue sheets, rip logs, playlists,
    /// lyrics, booklets, the OS's folder files. Beside songs it is not counted against a
    /// folder being music; elsewhere (a folder of photos or PDFs) it is an ordinary file.
    Companion,
    /// Anything else.
    Other,
}

const COMPANIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "bmp", "webp", "tif", "tiff", "cue", "log", "m3u", "m3u8", "pls",
    "nfo", "txt", "sfv", "md5", "ffp", "accurip", "lrc", "pdf", "ini", "db", "xml", "itl",
];

/// What the file named `name` is; agrees with the scanner, which uses the same lists.
pub fn classify(name: &OsStr) -> FileKind {
    let Some(ext) = Path::new(name).extension().and_then(OsStr::to_str) else {
        return FileKind::Other;
    };
    let is = |list: &[&str]| list.iter().any(|known| known.eq_ignore_ascii_case(ext));
    if is(SUPPORTED) {
        FileKind::Song
    } else if is(UNSUPPORTED) {
        FileKind::Unsupported
    } else if is(COMPANIONS) {
        FileKind::Companion
    } else {
        FileKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(name: &str, top_level: bool) -> Option<SkipReason> {
        skip_folder(OsStr::new(name), top_level)
    }

    #[test]
    fn folders_are_skipped_by_name_and_place() {
        let cases = [
            ("node_modules", false, Some(SkipReason::Development)),
            ("Node_Modules", false, None),
            ("target", true, Some(SkipReason::Development)),
            ("Target", true, None),
            ("Library", true, Some(SkipReason::System)),
            ("Library", false, None),
            ("library", true, None),
            ("STEAMAPPS", false, Some(SkipReason::PrivateStore)),
            ("appdata", false, Some(SkipReason::System)),
            ("$RECYCLE.BIN", false, Some(SkipReason::Trash)),
            ("Steam", false, Some(SkipReason::PrivateStore)),
            ("Games", true, Some(SkipReason::PrivateStore)),
            ("Games", false, None),
            ("Mobile Documents", false, Some(SkipReason::PrivateStore)),
            (
                "Photos Library.photoslibrary",
                false,
                Some(SkipReason::PrivateStore),
            ),
            ("Safari.app", true, Some(SkipReason::Application)),
            (".app", false, None),
            ("iTunes", true, None),
            ("iTunes Media", false, None),
            ("Music", true, None),
            ("Videos", true, Some(SkipReason::System)),
            ("Videos", false, None),
        ];
        for (name, top_level, expected) in cases {
            assert_eq!(
                skip(name, top_level),
                expected,
                "{name} (top level: {top_level})"
            );
        }
    }

    #[test]
    fn files_are_classified_with_the_scanner_s_lists() {
        let cases = [
            ("01 Song.mp3", FileKind::Song),
            ("01 Song.FLAC", FileKind::Song),
            ("clip.mp4", FileKind::Song),
            ("old.wma", FileKind::Unsupported),
            ("cover.jpg", FileKind::Companion),
            ("rip.log", FileKind::Companion),
            ("README", FileKind::Other),
            ("report.docx", FileKind::Other),
            (".mp3", FileKind::Other),
        ];
        for (name, expected) in cases {
            assert_eq!(classify(OsStr::new(name)), expected, "{name}");
        }
        for ext in SUPPORTED {
            assert_eq!(classify(OsStr::new(&format!("a.{ext}"))), FileKind::Song);
        }
    }

    #[test]
    fn hidden_and_music_names() {
        assert!(is_hidden(OsStr::new(".cache")));
        assert!(!is_hidden(OsStr::new("cache")));
        assert!(is_music_folder_name(OsStr::new("music")));
        assert!(is_music_folder_name(OsStr::new("MÚSICA")));
        assert!(!is_music_folder_name(OsStr::new("Downloads")));
    }
}
