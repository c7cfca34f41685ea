//! Where a song goes in a folder Tonearm lays out itself (a restore from the cloud, an
//! export): `Album Artist/Album/NN Title.ext`, with names any OS accepts.
//!
//! Pure: the names come from the track's tags, never from where its file was, so two devices
//! restoring the same library lay it out the same way. Names are cleaned for the strictest
//! file system (Windows): no `/\:*?"<>|` nor control characters, no trailing dots or spaces,
//! no reserved device names (`CON`, `LPT1`...), and bounded in length so deep paths stay
//! under the usual limits. Collisions are the caller's: [`numbered`] gives ` (2)`, ` (3)`...

use crate::model::Track;
use std::path::{Path, PathBuf};

/// The most bytes of one cleaned name (a folder, or a file name without its extension).
pub const MAX_NAME_BYTES: usize = 120;

/// The folder of an artist nobody is credited for, and of songs on no album.
pub const UNKNOWN_ARTIST: &str = "Unknown Artist";
pub const UNKNOWN_ALBUM: &str = "Unknown Album";

/// `Album Artist/Album/NN Title.ext`, relative, for `track` (the extension from its format).
/// The album artist falls back on the artist; a disc number of a set shows as `D-NN`.
#[must_use]
pub fn clean_path(track: &Track) -> PathBuf {
    let artist = track
        .album_artist
        .as_deref()
        .or(track.artist.as_deref())
        .filter(|a| !a.trim().is_empty())
        .unwrap_or(UNKNOWN_ARTIST);
    let album = track
        .album
        .as_deref()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or(UNKNOWN_ALBUM);
    let number = match (track.disc_no, track.disc_total, track.track_no) {
        (Some(disc), total, Some(no)) if disc > 1 || total.is_some_and(|t| t > 1) => {
            format!("{disc}-{no:02} ")
        }
        (_, _, Some(no)) => format!("{no:02} "),
        _ => String::new(),
    };
    let stem = clean_name(&format!("{number}{}", track.title));
    let extension = clean_name(&track.format.to_ascii_lowercase());
    let mut path = PathBuf::from(clean_name(artist));
    path.push(clean_name(album));
    path.push(format!("{stem}.{extension}"));
    path
}

/// One path component, safe on every OS (see the module documentation); never empty.
#[must_use]
pub fn clean_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let mut cleaned = bounded(replaced.trim(), MAX_NAME_BYTES)
        .trim_end_matches(['.', ' '])
        .trim_start()
        .to_owned();
    if cleaned.is_empty() {
        // Also what `.` and `..` become: they mean something else to a file system.
        cleaned.push('_');
    }
    if is_reserved(&cleaned) {
        cleaned.push('_');
    }
    cleaned
}

/// The `n`th name for `path` when the first is taken: `Song (2).flac`, `Song (3).flac`...
/// (`n` = 1 is `path` itself).
#[must_use]
pub fn numbered(path: &Path, n: u32) -> PathBuf {
    if n <= 1 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let extension = path.extension().map(|e| e.to_string_lossy().into_owned());
    let name = match (stem, extension) {
        (Some(stem), Some(ext)) => format!("{stem} ({n}).{ext}"),
        (Some(stem), None) => format!("{stem} ({n})"),
        _ => format!("({n})"),
    };
    path.with_file_name(name)
}

/// The longest prefix of `text` within `max` bytes, cut at a character boundary.
fn bounded(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Windows' device names, which no file or folder may take, with or without an extension.
fn is_reserved(name: &str) -> bool {
    let base = name
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    matches!(base.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (base.len() == 4
            && (base.starts_with("COM") || base.starts_with("LPT"))
            && base.as_bytes()[3].is_ascii_digit()
            && base.as_bytes()[3] != b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_for_every_os() {
        let cases = [
            ("AC/DC", "AC_DC"),
            ("What? Why: <now>", "What_ Why_ _now_"),
            ("a\\b*c\"d|e", "a_b_c_d_e"),
            ("Trailing dots...", "Trailing dots"),
            ("  spaces  ", "spaces"),
            ("tab\there", "tab_here"),
            ("", "_"),
            ("...", "_"),
            ("..", "_"),
            (".hidden", ".hidden"),
            ("CON", "CON_"),
            ("con.txt", "con.txt_"),
            ("LPT1", "LPT1_"),
            ("COM0", "COM0"),
            ("Console", "Console"),
            ("Björk — Jóga", "Björk — Jóga"),
        ];
        for (name, expected) in cases {
            assert_eq!(clean_name(name), expected, "{name:?}");
        }
    }

    #[test]
    fn long_names_are_cut_at_a_character_boundary() {
        let long = "é".repeat(200);
        let cleaned = clean_name(&long);
        assert!(cleaned.len() <= MAX_NAME_BYTES);
        assert!(cleaned.chars().all(|c| c == 'é'));
        let dots = format!("{}{}", "a".repeat(MAX_NAME_BYTES - 1), ". b");
        assert_eq!(clean_name(&dots), "a".repeat(MAX_NAME_BYTES - 1));
    }

    #[test]
    fn collisions_are_numbered() {
        let path = Path::new("A/B/01 Song.flac");
        assert_eq!(numbered(path, 1), Path::new("A/B/01 Song.flac"));
        assert_eq!(numbered(path, 2), Path::new("A/B/01 Song (2).flac"));
        assert_eq!(
            numbered(Path::new("A/B/noext"), 3),
            Path::new("A/B/noext (3)")
        );
    }
}
