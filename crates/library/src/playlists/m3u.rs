//! M3U and M3U8 playlists: export with paths relative to the playlist file, so a folder of
//! music and its playlists can move together; import resolving relative and absolute paths
//! (and `file://` URLs) against the library.

use crate::Library;
use crate::error::{LibraryError, Result};
use crate::ids::{PlaylistId, TrackId};
use serde::Serialize;
use std::path::{Component, Path, PathBuf};

/// What an import did.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct M3uImport {
    pub playlist: PlaylistId,
    pub added: u64,
    /// Lines naming files the library does not have.
    pub unresolved: Vec<String>,
}

/// `target` relative to the directory `base` (both absolute).
pub fn relative_path(base: &Path, target: &Path) -> PathBuf {
    let base: Vec<Component<'_>> = base.components().collect();
    let target_parts: Vec<Component<'_>> = target.components().collect();
    let common = base
        .iter()
        .zip(&target_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return target.to_path_buf();
    }
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for part in &target_parts[common..] {
        out.push(part.as_os_str());
    }
    out
}

/// Decodes `%xx` escapes of a `file://` URL path (bytes that are not UTF-8 become U+FFFD).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(value) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Library {
    /// Writes a playlist as M3U8 (UTF-8, `#EXTINF` lines, relative paths); entries whose track
    /// is not in the library are left out. Returns how many entries were written.
    pub fn export_m3u(&self, id: PlaylistId, path: &Path) -> Result<u64> {
        let written = self.export_m3u_with(id, path, |track| Some(PathBuf::from(&track.path)))?;
        Ok(written.len() as u64)
    }

    /// Writes a playlist as M3U8 with each entry's file where `locate` says it is (an
    /// export's copy, rather than the library's file), relative to the playlist; entries
    /// `locate` has no file for are left out. Returns the tracks written, in order.
    pub fn export_m3u_with(
        &self,
        id: PlaylistId,
        path: &Path,
        locate: impl Fn(&crate::model::TrackRow) -> Option<PathBuf>,
    ) -> Result<Vec<TrackId>> {
        let playlist = self.playlist(id)?;
        let base = path
            .parent()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
            .unwrap_or_default();
        let mut text = String::from("#EXTM3U\n");
        text.push_str(&format!("#PLAYLIST:{}\n", playlist.name));
        let mut written = Vec::new();
        for entry in playlist.entries {
            let Some(track) = entry.track else { continue };
            let Some(file) = locate(&track) else { continue };
            let seconds = track.duration_ms.map_or(-1, |ms| (ms / 1000) as i64);
            let label = match &track.artist {
                Some(artist) => format!("{artist} - {}", track.title),
                None => track.title.clone(),
            };
            text.push_str(&format!("#EXTINF:{seconds},{label}\n"));
            text.push_str(&relative_path(&base, &file).to_string_lossy());
            text.push('\n');
            written.push(track.id);
        }
        std::fs::write(path, text).map_err(|e| LibraryError::io(path, e))?;
        Ok(written)
    }

    /// Reads an M3U/M3U8 file into a new playlist named `name` (default: the file name).
    pub fn import_m3u(&self, path: &Path, name: Option<&str>) -> Result<M3uImport> {
        let bytes = std::fs::read(path).map_err(|e| LibraryError::io(path, e))?;
        let parsed = parse(&String::from_utf8_lossy(&bytes));
        let base = path.parent().unwrap_or(Path::new("."));
        let title = name.map(str::to_owned).or(parsed.title);
        let mut tracks: Vec<TrackId> = Vec::new();
        let mut unresolved = Vec::new();
        for entry in parsed.entries {
            let full = if entry.path.is_absolute() {
                entry.path
            } else {
                base.join(entry.path)
            };
            let resolved = std::fs::canonicalize(&full).unwrap_or(full);
            match self.track_at(&resolved)? {
                Some(track) => tracks.push(track.id),
                None => unresolved.push(entry.line),
            }
        }
        let name = title.unwrap_or_else(|| {
            path.file_stem().map_or_else(
                || "Imported".to_owned(),
                |s| s.to_string_lossy().into_owned(),
            )
        });
        let playlist = self.create_playlist(&name)?;
        self.add_to_playlist(playlist, &tracks, None)?;
        Ok(M3uImport {
            playlist,
            added: tracks.len() as u64,
            unresolved,
        })
    }
}

/// An M3U file as read, before its paths are looked up.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParsedM3u {
    /// The `#PLAYLIST:` name, if the file declares one.
    pub title: Option<String>,
    /// The file's entries, in order.
    pub entries: Vec<M3uEntry>,
}

/// One entry of an M3U file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M3uEntry {
    /// The line as written (for the report of what could not be found).
    pub line: String,
    /// The path it names: a decoded `file://` URL, or the line with either slash.
    pub path: PathBuf,
}

/// Reads the text of an M3U or M3U8 file: comments and directives other than `#PLAYLIST:` are
/// skipped, `file://` URLs decoded, Windows separators accepted. Pure, for any text.
#[must_use]
pub fn parse(text: &str) -> ParsedM3u {
    let mut parsed = ParsedM3u::default();
    for line in text.lines() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if let Some(declared) = line.strip_prefix("#PLAYLIST:") {
            parsed
                .title
                .get_or_insert_with(|| declared.trim().to_owned());
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let path = match line.strip_prefix("file://") {
            Some(url) => PathBuf::from(percent_decode(url)),
            None => PathBuf::from(line.replace('\\', std::path::MAIN_SEPARATOR_STR)),
        };
        parsed.entries.push(M3uEntry {
            line: line.to_owned(),
            path,
        });
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_only_as_far_as_needed() {
        for (base, target, expected) in [
            ("/music/lists", "/music/A/b.mp3", "../A/b.mp3"),
            ("/music", "/music/A/b.mp3", "A/b.mp3"),
            ("/music/A", "/music/A/b.mp3", "b.mp3"),
            ("/x/y/z", "/music/b.mp3", "../../../music/b.mp3"),
        ] {
            assert_eq!(
                relative_path(Path::new(base), Path::new(target)),
                PathBuf::from(expected),
                "{base} {target}"
            );
        }
    }

    #[test]
    fn file_urls_are_decoded() {
        assert_eq!(
            percent_decode("/music/Sigur%20R%C3%B3s/a.flac"),
            "/music/Sigur Rós/a.flac"
        );
        assert_eq!(percent_decode("/100%"), "/100%");
    }
}
