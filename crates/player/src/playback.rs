//! Playing a list of tracks to the end, gaplessly: each is opened and queued on the output
//! before the previous one ends; a track that cannot be opened is reported and skipped.

use crate::decode;
use crate::error::PlayerError;
use crate::gain::{self, ReplayGainSettings, TrackGain};
use crate::output::{ErrorLog, Output, TrackSource};
use crate::source::FileSource;
use std::path::PathBuf;

/// One track to play.
#[derive(Debug, Clone)]
pub struct PlayItem {
    pub path: PathBuf,
    /// What to call it in messages.
    pub label: String,
    pub gain: TrackGain,
    /// Grouping key of its album, and its disc and track number, for ReplayGain's auto mode.
    pub album: Option<(String, u32, u32)>,
}

/// What happened.
#[derive(Debug, Default)]
pub struct PlaybackReport {
    pub played: Vec<String>,
    /// Tracks that could not be played, or stopped early, with why.
    pub failed: Vec<(String, PlayerError)>,
}

/// Whether the items are one album in order (then ReplayGain "auto" uses album gain).
pub fn is_album_in_order(items: &[PlayItem]) -> bool {
    let albums: Option<Vec<&(String, u32, u32)>> = items.iter().map(|i| i.album.as_ref()).collect();
    match albums {
        Some(albums) if !albums.is_empty() => albums
            .windows(2)
            .all(|w| w[0].0 == w[1].0 && (w[0].1, w[0].2) < (w[1].1, w[1].2)),
        _ => false,
    }
}

/// Plays `items` on `output` to the end. `on_start` is told each track as it is queued.
pub fn play_to_end(
    items: &[PlayItem],
    settings: &ReplayGainSettings,
    output: &dyn Output,
    mut on_start: impl FnMut(&PlayItem),
) -> PlaybackReport {
    let mut report = PlaybackReport::default();
    let errors: ErrorLog = Default::default();
    let album_order = is_album_in_order(items);
    for item in items {
        let extension = item
            .path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let opened = FileSource::open(&item.path)
            .and_then(|source| decode::open(Box::new(source), extension.as_deref(), &item.label))
            .and_then(|stream| {
                TrackSource::new(
                    stream,
                    gain::factor(settings, &item.gain, album_order),
                    &item.label,
                    errors.clone(),
                )
            });
        match opened {
            Ok(track) => {
                on_start(item);
                output.append(track);
                report.played.push(item.label.clone());
            }
            Err(error) => report.failed.push((item.label.clone(), error)),
        }
    }
    output.wait_until_done();
    if let Ok(mut errors) = errors.lock() {
        for (what, error) in errors.drain(..) {
            report.played.retain(|p| *p != what);
            report.failed.push((what, error));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An album key with a disc and a track number.
    type Position = Option<(&'static str, u32, u32)>;

    fn item(album: Position) -> PlayItem {
        PlayItem {
            path: PathBuf::new(),
            label: String::new(),
            gain: TrackGain::default(),
            album: album.map(|(key, disc, track)| (key.to_owned(), disc, track)),
        }
    }

    #[test]
    fn an_album_in_order_is_recognised_and_anything_else_is_not() {
        let cases: Vec<(Vec<Position>, bool)> = vec![
            (
                vec![Some(("a", 1, 1)), Some(("a", 1, 2)), Some(("a", 2, 1))],
                true,
            ),
            (vec![Some(("a", 1, 1))], true),
            (vec![Some(("a", 1, 2)), Some(("a", 1, 1))], false),
            (vec![Some(("a", 1, 1)), Some(("b", 1, 2))], false),
            (vec![Some(("a", 1, 1)), None], false),
            (vec![], false),
        ];
        for (albums, expected) in cases {
            let items: Vec<PlayItem> = albums.iter().copied().map(item).collect();
            assert_eq!(is_album_in_order(&items), expected, "{albums:?}");
        }
    }
}
