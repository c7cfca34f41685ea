//! Where a song of an exported library was: its `file://` URL decoded into a path, and the
//! folded path components that tail matching compares.
//!
//! iTunes writes `file://localhost/C:/Users/%C3%85sa/Music/...` on Windows and
//! `file:///Users/asa/Music/...` (or with `localhost`) on macOS, percent-encoding UTF-8 (on
//! macOS in the decomposed form HFS+ used). A file of a network share is
//! `file://server/share/...`. Components are compared in NFC and lower case, since both
//! systems' file systems ignore case and macOS's normalises.

use crate::playlists::m3u::percent_decode;
use std::path::PathBuf;
use unicode_normalization::UnicodeNormalization;

/// A decoded location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The path as the exporting computer had it, `/` separated (`C:/Users/...`, `/Users/...`,
    /// `//server/share/...`).
    pub path: String,
    /// The components of the path, folded (see [`fold_component`]).
    pub components: Vec<String>,
}

impl Location {
    /// Where the file would be on this computer if it had the same path.
    pub fn local_path(&self) -> PathBuf {
        if cfg!(windows) {
            PathBuf::from(self.path.replace('/', "\\"))
        } else {
            PathBuf::from(&self.path)
        }
    }
}

/// Decodes a `file://` URL; `None` for another scheme or a URL with no file name.
pub fn parse(url: &str) -> Option<Location> {
    let scheme = url.get(..7)?;
    if !scheme.eq_ignore_ascii_case("file://") {
        return None;
    }
    let rest = &url[7..];
    let (host, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => return None,
    };
    let path = percent_decode(path);
    let path = if host.is_empty() || host.eq_ignore_ascii_case("localhost") {
        // `/C:/...` (or `/C|/...`, an older spelling) is a Windows drive.
        let bytes = path.as_bytes();
        if bytes.len() >= 3
            && bytes[0] == b'/'
            && bytes[1].is_ascii_alphabetic()
            && (bytes[2] == b':' || bytes[2] == b'|')
            && bytes.get(3).is_none_or(|b| *b == b'/')
        {
            format!("{}:{}", char::from(bytes[1]), &path[3..])
        } else {
            path
        }
    } else {
        format!("//{}{path}", percent_decode(host))
    };
    let components = components(&path);
    (!components.is_empty()).then_some(Location { path, components })
}

/// The folded components of a path, separated by `/` or `\`.
pub fn components(path: &str) -> Vec<String> {
    path.split(['/', '\\'])
        .filter(|part| !part.is_empty() && *part != ".")
        .map(fold_component)
        .collect()
}

/// One path component as compared: NFC, lower case.
pub fn fold_component(part: &str) -> String {
    part.nfc().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_macos_and_share_urls_are_decoded() {
        let windows = parse("file://localhost/C:/Users/%C3%85sa/Music/iTunes/iTunes%20Media/Music/Sigur%20R%C3%B3s/01%20Song.mp3")
            .expect("a Windows path");
        assert_eq!(
            windows.path,
            "C:/Users/Åsa/Music/iTunes/iTunes Media/Music/Sigur Rós/01 Song.mp3"
        );
        assert_eq!(windows.components[0], "c:");
        assert_eq!(
            windows.components.last().map(String::as_str),
            Some("01 song.mp3")
        );

        // macOS: no host, names decomposed (A + combining ring).
        let mac =
            parse("file:///Users/asa/Music/A%CC%8Angstro%CC%88m/b.m4a").expect("a macOS path");
        assert_eq!(mac.path, "/Users/asa/Music/A\u{30a}ngstro\u{308}m/b.m4a");
        assert_eq!(mac.components[3], "ångström", "compared in NFC, lower case");

        let share = parse("file://nas/music/a%2Fb.flac").expect("a share");
        assert_eq!(share.path, "//nas/music/a/b.flac");

        assert_eq!(parse("http://example.com/a.mp3"), None);
        assert_eq!(parse("file://localhost"), None);
        assert_eq!(parse("file://localhost/"), None);
        assert_eq!(
            parse("file:///x/%FF.mp3").map(|l| l.path),
            Some("/x/\u{fffd}.mp3".to_owned())
        );
        assert_eq!(
            parse("file:///x/100%.mp3").map(|l| l.path),
            Some("/x/100%.mp3".to_owned())
        );
    }
}
