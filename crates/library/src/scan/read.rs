//! Reading one file: tags, audio properties and embedded artwork, through lofty.
//!
//! A tag reader that panics on a malformed file must not take the scan down, so every read
//! runs under `catch_unwind`; the file is reported as unreadable with the reason.

use crate::model::{MusicBrainzIds, ReplayGain};
use lofty::config::ParseOptions;
use lofty::file::{FileType, TaggedFile};
use lofty::picture::{Picture, PictureType};
use lofty::prelude::*;
use lofty::tag::{ItemKey, ItemValue, Tag};
use std::path::Path;

/// Everything the scanner takes from one file. `format` is the container (`mp3`, `flac`,
/// `ogg`, `mp4`, `wav`, `aiff`, `wavpack`), `codec` what is inside it (`vorbis`, `opus`, `aac`,
/// `alac`, `pcm_s16le`, ...).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileTags {
    pub format: String,
    pub codec: Option<String>,
    pub duration_ms: Option<u64>,
    pub bitrate_kbps: Option<u32>,
    pub sample_rate: Option<u32>,
    pub channels: Option<u8>,
    pub bit_depth: Option<u8>,
    pub title: Option<String>,
    pub artists: Vec<String>,
    pub album: Option<String>,
    pub album_artists: Vec<String>,
    pub track_no: Option<u32>,
    pub track_total: Option<u32>,
    pub disc_no: Option<u32>,
    pub disc_total: Option<u32>,
    pub year: Option<i32>,
    pub date: Option<String>,
    pub genres: Vec<String>,
    pub composers: Vec<String>,
    pub compilation: bool,
    pub musicbrainz: MusicBrainzIds,
    pub replaygain: ReplayGain,
    /// The front cover (or else the first picture), as stored in the file.
    pub cover: Option<Vec<u8>>,
    pub extra_tags: Vec<(String, String)>,
}

/// Reads `path`, never panicking: `Err` carries a reason fit to show the user.
pub fn read_file(path: &Path) -> Result<FileTags, String> {
    guarded(path, read_unguarded)
}

/// Runs a tag reader, turning a panic into an error about that one file.
fn guarded(
    path: &Path,
    reader: impl FnOnce(&Path) -> Result<FileTags, String>,
) -> Result<FileTags, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader(path))) {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".to_owned());
            Err(format!("the tag reader crashed on this file: {message}"))
        }
    }
}

fn read_unguarded(path: &Path) -> Result<FileTags, String> {
    let metadata = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if metadata.len() == 0 {
        return Err("the file is empty".to_owned());
    }
    let file = lofty::probe::Probe::open(path)
        .map_err(|e| e.to_string())?
        .options(ParseOptions::new())
        .guess_file_type()
        .map_err(|e| e.to_string())?
        .read()
        .map_err(|e| format!("not a readable audio file: {e}"))?;
    let mut tags = FileTags::default();
    properties(&file, &mut tags);
    let primary = file.primary_tag().or_else(|| file.tags().first());
    if let Some(tag) = primary {
        read_tag(tag, &mut tags);
    }
    tags.cover = cover(&file, path);
    Ok(tags)
}

fn properties(file: &TaggedFile, tags: &mut FileTags) {
    let p = file.properties();
    let (format, codec) = match file.file_type() {
        FileType::Mpeg => ("mp3", "mp3"),
        FileType::Flac => ("flac", "flac"),
        FileType::Vorbis => ("ogg", "vorbis"),
        FileType::Opus => ("ogg", "opus"),
        FileType::Speex => ("ogg", "speex"),
        // lofty's generic properties have no codec; ALAC reports a bit depth, AAC does not.
        FileType::Mp4 if p.bit_depth().is_some() => ("mp4", "alac"),
        FileType::Mp4 => ("mp4", "aac"),
        FileType::Wav => ("wav", "pcm"),
        FileType::Aiff => ("aiff", "pcm"),
        FileType::WavPack => ("wavpack", "wavpack"),
        FileType::Ape => ("ape", "ape"),
        FileType::Mpc => ("mpc", "musepack"),
        FileType::Aac => ("aac", "aac"),
        _ => ("other", "unknown"),
    };
    tags.format = format.to_owned();
    // PCM is named like ffmpeg does: sample format, bits, byte order (WAV little, AIFF big).
    tags.codec = Some(match (file.file_type(), p.bit_depth()) {
        (FileType::Wav, Some(bits)) => format!("pcm_s{bits}le"),
        (FileType::Aiff, Some(bits)) => format!("pcm_s{bits}be"),
        _ => codec.to_owned(),
    });
    let duration = p.duration().as_millis() as u64;
    tags.duration_ms = (duration > 0).then_some(duration);
    tags.bitrate_kbps = p.audio_bitrate().or(p.overall_bitrate());
    tags.sample_rate = p.sample_rate();
    tags.channels = p.channels();
    tags.bit_depth = p.bit_depth();
}

/// Non-empty, trimmed values of `key`, splitting values that hold several names separated by
/// NUL (ID3v2.4 and some writers put every artist in one frame that way).
fn strings(tag: &Tag, key: ItemKey) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in tag.get_strings(key) {
        for part in value.split('\0') {
            let part = part.trim();
            if !part.is_empty() && !out.iter().any(|seen| seen == part) {
                out.push(part.to_owned());
            }
        }
    }
    out
}

fn first(tag: &Tag, key: ItemKey) -> Option<String> {
    strings(tag, key).into_iter().next()
}

/// "1", "01", "1/12" → 1; junk → None.
fn leading_number(text: &str) -> Option<u32> {
    let digits: String = text
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|n| *n > 0)
}

/// "-6.20 dB", "+1.5dB", "-6.2" → the number.
pub(crate) fn parse_gain(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let number = trimmed
        .strip_suffix("dB")
        .or_else(|| trimmed.strip_suffix("db"))
        .or_else(|| trimmed.strip_suffix("DB"))
        .unwrap_or(trimmed)
        .trim();
    number
        .parse::<f64>()
        .ok()
        .filter(|g| g.is_finite() && g.abs() < 100.0)
}

fn parse_peak(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|p| p.is_finite() && *p >= 0.0 && *p < 100.0)
}

/// The keys that have columns; everything else goes to `extra_tags`.
const MAPPED: &[ItemKey] = &[
    ItemKey::TrackTitle,
    ItemKey::TrackArtist,
    ItemKey::TrackArtists,
    ItemKey::AlbumTitle,
    ItemKey::AlbumArtist,
    ItemKey::TrackNumber,
    ItemKey::TrackTotal,
    ItemKey::DiscNumber,
    ItemKey::DiscTotal,
    ItemKey::Year,
    ItemKey::RecordingDate,
    ItemKey::OriginalReleaseDate,
    ItemKey::ReleaseDate,
    ItemKey::Genre,
    ItemKey::Composer,
    ItemKey::FlagCompilation,
    ItemKey::MusicBrainzRecordingId,
    ItemKey::MusicBrainzTrackId,
    ItemKey::MusicBrainzReleaseId,
    ItemKey::MusicBrainzArtistId,
    ItemKey::MusicBrainzReleaseArtistId,
    ItemKey::ReplayGainTrackGain,
    ItemKey::ReplayGainTrackPeak,
    ItemKey::ReplayGainAlbumGain,
    ItemKey::ReplayGainAlbumPeak,
];

fn read_tag(tag: &Tag, tags: &mut FileTags) {
    tags.title = first(tag, ItemKey::TrackTitle);
    tags.artists = strings(tag, ItemKey::TrackArtist);
    // Picard's multi-valued ARTISTS tag, when richer than the display ARTIST.
    let artists = strings(tag, ItemKey::TrackArtists);
    if artists.len() > tags.artists.len() {
        tags.artists = artists;
    }
    tags.album = first(tag, ItemKey::AlbumTitle);
    tags.album_artists = strings(tag, ItemKey::AlbumArtist);
    let number_and_total = |key: ItemKey| {
        first(tag, key).map(|v| {
            let mut parts = v.splitn(2, '/');
            (
                parts.next().and_then(leading_number),
                parts.next().and_then(leading_number),
            )
        })
    };
    let (track_no, track_total_inline) = number_and_total(ItemKey::TrackNumber).unwrap_or_default();
    let (disc_no, disc_total_inline) = number_and_total(ItemKey::DiscNumber).unwrap_or_default();
    tags.track_no = track_no;
    tags.track_total = first(tag, ItemKey::TrackTotal)
        .as_deref()
        .and_then(leading_number)
        .or(track_total_inline);
    tags.disc_no = disc_no;
    tags.disc_total = first(tag, ItemKey::DiscTotal)
        .as_deref()
        .and_then(leading_number)
        .or(disc_total_inline);
    let date = first(tag, ItemKey::RecordingDate)
        .or_else(|| first(tag, ItemKey::ReleaseDate))
        .or_else(|| first(tag, ItemKey::Year))
        .or_else(|| first(tag, ItemKey::OriginalReleaseDate));
    tags.year = date.as_deref().and_then(|d| {
        let year: String = d.trim().chars().take(4).collect();
        year.parse::<i32>()
            .ok()
            .filter(|y| (1000..=9999).contains(y))
    });
    tags.date = date
        .filter(|d| d.trim().len() > 4)
        .map(|d| d.trim().to_owned());
    tags.genres = strings(tag, ItemKey::Genre);
    tags.composers = strings(tag, ItemKey::Composer);
    tags.compilation = first(tag, ItemKey::FlagCompilation)
        .is_some_and(|v| matches!(v.trim(), "1" | "true" | "True" | "TRUE"));
    tags.musicbrainz = MusicBrainzIds {
        recording_id: first(tag, ItemKey::MusicBrainzRecordingId),
        track_id: first(tag, ItemKey::MusicBrainzTrackId),
        album_id: first(tag, ItemKey::MusicBrainzReleaseId),
        artist_id: first(tag, ItemKey::MusicBrainzArtistId),
        album_artist_id: first(tag, ItemKey::MusicBrainzReleaseArtistId),
    };
    tags.replaygain = ReplayGain {
        track_gain: first(tag, ItemKey::ReplayGainTrackGain)
            .as_deref()
            .and_then(parse_gain),
        track_peak: first(tag, ItemKey::ReplayGainTrackPeak)
            .as_deref()
            .and_then(parse_peak),
        album_gain: first(tag, ItemKey::ReplayGainAlbumGain)
            .as_deref()
            .and_then(parse_gain),
        album_peak: first(tag, ItemKey::ReplayGainAlbumPeak)
            .as_deref()
            .and_then(parse_peak),
    };
    for item in tag.items() {
        if MAPPED.contains(&item.key()) {
            continue;
        }
        let ItemValue::Text(value) = item.value() else {
            continue;
        };
        // The format's own name for the key (MOOD, TXXX:..., ----:com.apple.iTunes:...).
        let key = item
            .key()
            .map_key(tag.tag_type())
            .map_or_else(|| format!("{:?}", item.key()), str::to_owned);
        if !value.trim().is_empty() {
            tags.extra_tags.push((key, value.clone()));
        }
    }
}

/// The front cover if there is one, else the first picture. WavPack/APE covers are binary APE
/// items that lofty's generic tag leaves out, so those files are read a second time.
fn cover(file: &TaggedFile, path: &Path) -> Option<Vec<u8>> {
    let pictures: Vec<&Picture> = file.tags().iter().flat_map(|tag| tag.pictures()).collect();
    let chosen = pictures
        .iter()
        .find(|p| p.pic_type() == PictureType::CoverFront)
        .or_else(|| pictures.first());
    if let Some(picture) = chosen {
        return Some(picture.data().to_vec());
    }
    if matches!(file.file_type(), FileType::WavPack | FileType::Ape) {
        return ape_cover(path);
    }
    None
}

fn ape_cover(path: &Path) -> Option<Vec<u8>> {
    let mut handle = std::fs::File::open(path).ok()?;
    let wavpack = lofty::wavpack::WavPackFile::read_from(&mut handle, ParseOptions::new()).ok()?;
    let ape = wavpack.ape()?;
    let item = ape
        .into_iter()
        .find(|item| item.key().eq_ignore_ascii_case("Cover Art (Front)"))
        .or_else(|| {
            ape.into_iter()
                .find(|item| item.key().starts_with("Cover Art"))
        })?;
    let ItemValue::Binary(bytes) = item.value() else {
        return None;
    };
    Picture::from_ape_bytes(item.key(), bytes)
        .ok()
        .map(|p| p.data().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_reader_becomes_an_error_for_that_file() {
        let outcome = guarded(Path::new("/music/bad.mp3"), |_| {
            panic!("frame length overflow")
        });
        let reason = outcome.expect_err("the panic is caught");
        assert!(
            reason.contains("crashed") && reason.contains("frame length overflow"),
            "{reason}"
        );
        assert!(guarded(Path::new("/music/ok.mp3"), |_| Ok(FileTags::default())).is_ok());
    }

    #[test]
    fn numbers_accept_the_forms_taggers_write() {
        for (text, expected) in [
            ("1", Some(1)),
            ("01", Some(1)),
            ("3/12", Some(3)),
            (" 7 ", Some(7)),
            ("0", None),
            ("x", None),
            ("", None),
        ] {
            assert_eq!(leading_number(text), expected, "{text:?}");
        }
    }

    #[test]
    fn gains_accept_units_and_signs_and_refuse_nonsense() {
        for (text, expected) in [
            ("-6.20 dB", Some(-6.2)),
            ("+1.5dB", Some(1.5)),
            ("-3", Some(-3.0)),
            ("NaN", None),
            ("loud", None),
            ("1000 dB", None),
        ] {
            assert_eq!(parse_gain(text), expected, "{text:?}");
        }
    }
}
