//! What the engine plays, without knowing where it comes from.
//!
//! The engine queues items of the caller's type (a library track id, a path, later a cloud
//! track) and asks a [`Catalog`] to open one when it is about to play: the catalog returns
//! the bytes (any [`ByteSource`]), what to show for the track, and its ReplayGain tags. The
//! library, the command line and the cloud reader each bring their own catalog; the engine
//! stays free of SQL and HTTP.

use crate::error::PlayerError;
use crate::gain::TrackGain;
use crate::source::{ByteSource, FileSource};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which album a track belongs to and where in it, for ReplayGain's "auto" mode (album gain
/// while an album plays in order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AlbumPosition {
    pub album: AlbumFingerprint,
    pub disc: u32,
    pub track: u32,
}

/// Tells albums apart: a 64-bit fingerprint of whatever names an album (album artist and
/// title, say; the library's album key). Albums are only ever compared for equality, and a
/// queue holds one per entry: as the name itself, a whole library queued held 100,000
/// strings of 30-60 bytes, each an allocation of its own. Two albums that meet in a queue
/// share a fingerprint once in 2^64 pairs, and then only the gain of the tracks where they
/// meet is chosen as if they were one album.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AlbumFingerprint(u64);

impl AlbumFingerprint {
    /// The fingerprint of the album named `name` (the same name, the same fingerprint, within
    /// a run of the program).
    pub fn of(name: &str) -> Self {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        name.hash(&mut hasher);
        Self(hasher.finish())
    }
}

/// An item the engine can queue.
pub trait Playable: Clone + Send + Sync + std::fmt::Debug + PartialEq + 'static {
    /// Its album and place in it, when known.
    fn album(&self) -> Option<&AlbumPosition>;
}

/// What to show for a track: in the now-playing bar, and to the OS media controls.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrackInfo {
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub duration: Option<Duration>,
    /// A cover image file, when there is one.
    pub artwork: Option<PathBuf>,
}

/// A track opened for playing.
pub struct OpenTrack {
    pub source: Box<dyn ByteSource>,
    /// The file name's extension, lowercase (a hint for the decoder).
    pub extension: Option<String>,
    pub info: TrackInfo,
    pub gain: TrackGain,
}

impl std::fmt::Debug for OpenTrack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenTrack")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl OpenTrack {
    /// A local file, shown as `info`.
    pub fn file(path: &Path, info: TrackInfo, gain: TrackGain) -> Result<Self, PlayerError> {
        Ok(Self {
            source: Box::new(FileSource::open(path)?),
            extension: path
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase()),
            info,
            gain,
        })
    }
}

/// Opens queued items. Called on the decoding thread, ahead of time: it may block.
pub trait Catalog: Send + Sync + 'static {
    type Item: Playable;
    fn open(&self, item: &Self::Item) -> Result<OpenTrack, PlayerError>;
}

/// Plays files by path, named after the file, without ReplayGain tags.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileCatalog;

/// A file to play.
#[derive(Debug, Clone, PartialEq)]
pub struct FileItem {
    pub path: PathBuf,
    pub album: Option<AlbumPosition>,
}

impl FileItem {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            album: None,
        }
    }
}

impl Playable for FileItem {
    fn album(&self) -> Option<&AlbumPosition> {
        self.album.as_ref()
    }
}

impl Catalog for FileCatalog {
    type Item = FileItem;

    fn open(&self, item: &FileItem) -> Result<OpenTrack, PlayerError> {
        let title = item.path.file_name().map_or_else(
            || item.path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        let info = TrackInfo {
            title,
            ..TrackInfo::default()
        };
        OpenTrack::file(&item.path, info, TrackGain::default())
    }
}

/// Whether `item` plays as part of its album in order: its neighbours in play order are from
/// the same album, just before and after it. Neighbours from elsewhere don't count against it
/// (an album followed by a single still plays at album gain).
pub fn in_album_order<T: Playable>(previous: Option<&T>, item: &T, next: Option<&T>) -> bool {
    let Some(at) = item.album() else {
        return false;
    };
    let key = |a: &AlbumPosition| (a.disc, a.track);
    let before = previous
        .and_then(Playable::album)
        .is_some_and(|p| p.album == at.album && key(p) < key(at));
    let after = next
        .and_then(Playable::album)
        .is_some_and(|n| n.album == at.album && key(n) > key(at));
    before || after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(album: Option<(&str, u32, u32)>) -> FileItem {
        FileItem {
            path: PathBuf::new(),
            album: album.map(|(album, disc, track)| AlbumPosition {
                album: AlbumFingerprint::of(album),
                disc,
                track,
            }),
        }
    }

    #[test]
    fn a_track_between_its_album_neighbours_is_in_album_order() {
        type Pos = Option<(&'static str, u32, u32)>;
        let cases: Vec<(Pos, Pos, Pos, bool)> = vec![
            (
                Some(("a", 1, 1)),
                Some(("a", 1, 2)),
                Some(("a", 1, 3)),
                true,
            ),
            (None, Some(("a", 1, 1)), Some(("a", 1, 2)), true),
            (Some(("a", 1, 9)), Some(("a", 2, 1)), None, true),
            (
                Some(("a", 1, 2)),
                Some(("a", 1, 3)),
                Some(("b", 1, 1)),
                true,
            ),
            (
                Some(("a", 1, 3)),
                Some(("a", 1, 2)),
                Some(("a", 1, 1)),
                false,
            ),
            (
                Some(("b", 1, 1)),
                Some(("a", 1, 2)),
                Some(("c", 1, 3)),
                false,
            ),
            (None, Some(("a", 1, 1)), None, false),
            (Some(("a", 1, 1)), None, Some(("a", 1, 3)), false),
        ];
        for (previous, current, next, expected) in cases {
            let (p, c, n) = (item(previous), item(current), item(next));
            assert_eq!(
                in_album_order(previous.map(|_| &p), &c, next.map(|_| &n)),
                expected,
                "{previous:?} {current:?} {next:?}"
            );
        }
    }
}
