//! Reading one file: tags, audio properties and embedded artwork, through lofty.
//!
//! A tag reader that panics on a malformed file must not take the scan down, so every read
//! runs under `catch_unwind`; the file is reported as unreadable with the reason.
//!
//! Real files are often damaged or unusual (a date written with slashes, an MP4 cut off in
//! its audio, a cover block that runs over the audio, junk before the tag). lofty's default
//! options give up on many of them, so a file that fails, or in which no tag was found, is
//! read again more and more leniently before the scanner falls back to its file name:
//!
//! 1. lofty's defaults ([`ParsingMode::BestAttempt`]);
//! 2. [`ParsingMode::Relaxed`] (bad frames and atoms are dropped instead of failing the
//!    file) with a wide junk window, so a tag or frame buried behind junk bytes is found;
//! 3. the same without cover art;
//! 4. tags and audio properties apart, so a part that cannot be parsed does not take the
//!    other with it; if even the tags alone fail and the file starts with an ID3v2 tag (one
//!    bad frame fails a whole ID3v2 tag in lofty), the tags are read with that tag hidden,
//!    which keeps the file's ID3v1 or APE tag.
//!
//! Fields the main tag lacks are taken from the file's other tags (ID3v1 under ID3v2, RIFF
//! INFO under ID3v2 in WAV), as other readers do. The corpus in `tests/fixtures/damaged/`,
//! compared with mutagen, is how this is checked.

use super::blocks::BlockReader;
use crate::model::{MusicBrainzIds, ReplayGain};
use lofty::config::{ParseOptions, ParsingMode};
use lofty::file::{FileType, TaggedFile};
use lofty::picture::{Picture, PictureType};
use lofty::prelude::*;
use lofty::tag::{ItemKey, ItemValue, Tag};
use std::io::{Read, Seek, SeekFrom};
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
    pub comment: Option<String>,
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
        Err(panic) => Err(format!(
            "the tag reader crashed on this file: {}",
            panic_message(panic.as_ref())
        )),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".to_owned())
}

/// How far lofty may look through junk for a tag or the first audio frame in a lenient read
/// (its default is 1 KiB).
const LENIENT_JUNK_BYTES: usize = 64 * 1024;

/// One way of asking lofty, from its defaults to its most lenient options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// lofty's defaults.
    Default,
    /// Relaxed parsing and a wide junk window.
    Relaxed,
    /// Relaxed, without cover art.
    RelaxedNoCover,
    /// Relaxed, tags only (no properties, no cover art).
    TagsOnly,
    /// Relaxed, audio properties only.
    PropertiesOnly,
}

impl Attempt {
    fn options(self) -> ParseOptions {
        let mut options = ParseOptions::new();
        if self == Attempt::Default {
            return options;
        }
        let (cover, properties, tags) = match self {
            Attempt::Default | Attempt::Relaxed => (true, true, true),
            Attempt::RelaxedNoCover => (false, true, true),
            Attempt::TagsOnly => (false, false, true),
            Attempt::PropertiesOnly => (false, true, false),
        };
        options
            .parsing_mode(ParsingMode::Relaxed)
            .max_junk_bytes(LENIENT_JUNK_BYTES)
            .read_cover_art(cover)
            .read_properties(properties)
            .read_tags(tags)
    }
}

fn read_unguarded(path: &Path) -> Result<FileTags, String> {
    // One open for every attempt: the blocks read by the first serve the retries.
    let mut file = BlockReader::open(path).map_err(|e| e.to_string())?;
    if file.len() == 0 {
        return Err("the file is empty".to_owned());
    }
    let error = match attempt(&mut file, path, Attempt::Default, 0) {
        Ok(tagged) => {
            // No tag at all may be a tag lofty's defaults did not look far enough for.
            if tagged.tags().is_empty()
                && let Ok(lenient) = attempt(&mut file, path, Attempt::Relaxed, 0)
                && !lenient.tags().is_empty()
            {
                return Ok(collect(Some(&lenient), Some(&lenient), path));
            }
            return Ok(collect(Some(&tagged), Some(&tagged), path));
        }
        Err(Failure::Open(reason)) => return Err(reason),
        Err(Failure::Parse(reason)) => reason,
    };
    lenient(&mut file, path).ok_or(error)
}

/// The lenient retries of a file lofty's defaults cannot read (steps 2 to 4 above).
fn lenient(file: &mut BlockReader, path: &Path) -> Option<FileTags> {
    for whole in [Attempt::Relaxed, Attempt::RelaxedNoCover] {
        if let Ok(tagged) = attempt(file, path, whole, 0) {
            return Some(collect(Some(&tagged), Some(&tagged), path));
        }
    }
    let properties = attempt(file, path, Attempt::PropertiesOnly, 0).ok();
    // Without properties lofty checks little of the audio, so reading the tags alone
    // "succeeds" on any junk: only a tag found makes it a success.
    let tags_only = |file: &mut BlockReader, skip: u64| {
        attempt(file, path, Attempt::TagsOnly, skip)
            .ok()
            .filter(|tagged| !tagged.tags().is_empty())
    };
    let tags = tags_only(file, 0).or_else(|| {
        let len = file.len();
        let skip = id3v2_prefix_len(file, len)?;
        tags_only(file, skip)
    });
    if properties.is_none() && tags.is_none() {
        return None;
    }
    Some(collect(properties.as_ref(), tags.as_ref(), path))
}

/// Why an attempt failed: the file cannot be read at all (no retry helps), or lofty could
/// not parse it.
enum Failure {
    Open(String),
    Parse(String),
}

/// Reads `file` (at `path`, whose extension names its type) with `how`, as if its first
/// `skip` bytes were not there; a panic in lofty is a failed attempt, so a more lenient one
/// still runs.
fn attempt(
    file: &mut BlockReader,
    path: &Path,
    how: Attempt,
    skip: u64,
) -> Result<TaggedFile, Failure> {
    let reader = Skipped::new(file, skip).map_err(|e| Failure::Open(e.to_string()))?;
    let probe = match FileType::from_path(path) {
        Some(file_type) => lofty::probe::Probe::with_file_type(reader, file_type),
        None => lofty::probe::Probe::new(reader),
    };
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        probe
            .options(how.options())
            .guess_file_type()
            .map_err(|e| Failure::Open(e.to_string()))?
            .read()
            .map_err(|e| Failure::Parse(format!("not a readable audio file: {e}")))
    }));
    match read {
        Ok(result) => result,
        Err(panic) => Err(Failure::Parse(format!(
            "the tag reader crashed on this file: {}",
            panic_message(panic.as_ref())
        ))),
    }
}

/// Builds what the scanner keeps from the file read for its properties and the file read
/// for its tags (the same file unless they had to be read apart).
fn collect(properties: Option<&TaggedFile>, tagged: Option<&TaggedFile>, path: &Path) -> FileTags {
    let mut tags = FileTags::default();
    if let Some(file) = properties.or(tagged) {
        describe(file, properties.is_some(), &mut tags);
    }
    if let Some(file) = tagged {
        let main = file.primary_tag().or_else(|| file.tags().first());
        if let Some(tag) = main {
            read_tag(tag, &mut tags);
        }
        // What the main tag lacks, from the others (ID3v1 under ID3v2, RIFF INFO, APE).
        for other in file.tags() {
            if main.is_some_and(|main| std::ptr::eq(main, other)) {
                continue;
            }
            let mut more = FileTags::default();
            read_tag(other, &mut more);
            fill_missing(&mut tags, more);
        }
        tags.cover = cover(file, path);
    }
    tags
}

/// Copies into `tags` the tag fields it lacks and `other` has (not `extra_tags`, which stay
/// the main tag's).
fn fill_missing(tags: &mut FileTags, other: FileTags) {
    fn option<T>(mine: &mut Option<T>, theirs: Option<T>) {
        if mine.is_none() {
            *mine = theirs;
        }
    }
    fn list(mine: &mut Vec<String>, theirs: Vec<String>) {
        if mine.is_empty() {
            *mine = theirs;
        }
    }
    option(&mut tags.title, other.title);
    list(&mut tags.artists, other.artists);
    option(&mut tags.album, other.album);
    list(&mut tags.album_artists, other.album_artists);
    option(&mut tags.track_no, other.track_no);
    option(&mut tags.track_total, other.track_total);
    option(&mut tags.disc_no, other.disc_no);
    option(&mut tags.disc_total, other.disc_total);
    option(&mut tags.year, other.year);
    option(&mut tags.date, other.date);
    list(&mut tags.genres, other.genres);
    list(&mut tags.composers, other.composers);
    tags.compilation |= other.compilation;
    option(&mut tags.comment, other.comment);
    let (mine, theirs) = (&mut tags.musicbrainz, other.musicbrainz);
    option(&mut mine.recording_id, theirs.recording_id);
    option(&mut mine.track_id, theirs.track_id);
    option(&mut mine.album_id, theirs.album_id);
    option(&mut mine.artist_id, theirs.artist_id);
    option(&mut mine.album_artist_id, theirs.album_artist_id);
    let (mine, theirs) = (&mut tags.replaygain, other.replaygain);
    option(&mut mine.track_gain, theirs.track_gain);
    option(&mut mine.track_peak, theirs.track_peak);
    option(&mut mine.album_gain, theirs.album_gain);
    option(&mut mine.album_peak, theirs.album_peak);
}

/// The length of the ID3v2 tags at the start of a reader of `len` bytes (some files carry
/// several in a row), or `None` when it does not start with one: only the 10-byte headers are
/// read (ID3v2 sizes are synchsafe: 7 bits per byte).
fn id3v2_prefix_len(reader: &mut (impl Read + Seek), len: u64) -> Option<u64> {
    let mut at = 0u64;
    let mut header = [0u8; 10];
    while at + 10 <= len {
        reader.seek(SeekFrom::Start(at)).ok()?;
        reader.read_exact(&mut header).ok()?;
        let size = &header[6..10];
        if &header[..3] != b"ID3"
            || !(2..=4).contains(&header[3])
            || size.iter().any(|byte| byte & 0x80 != 0)
        {
            break;
        }
        let size = size
            .iter()
            .fold(0u64, |total, byte| total << 7 | u64::from(*byte));
        let footer = if header[5] & 0x10 != 0 { 10 } else { 0 };
        at += 10 + size + footer;
    }
    (at > 0 && at < len).then_some(at)
}

/// A reader that hides the first `skip` bytes of another: lofty sees a file starting there.
struct Skipped<R> {
    inner: R,
    skip: u64,
}

impl<R: Seek> Skipped<R> {
    fn new(mut inner: R, skip: u64) -> std::io::Result<Self> {
        inner.seek(SeekFrom::Start(skip))?;
        Ok(Self { inner, skip })
    }
}

impl<R: Read> Read for Skipped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<R: Seek> Seek for Skipped<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(offset) => SeekFrom::Start(offset.saturating_add(self.skip)),
            SeekFrom::End(_) | SeekFrom::Current(_) => {
                let here = self.inner.stream_position()?;
                let end = self.inner.seek(pos)?;
                if end < self.skip {
                    self.inner.seek(SeekFrom::Start(here))?;
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        "seek before the start",
                    ));
                }
                return Ok(end - self.skip);
            }
        };
        Ok(self.inner.seek(target)? - self.skip)
    }
}

/// Format, codec and audio properties; `measured` is false when the properties were not
/// read (a lenient read of the tags alone), and only the format is known.
fn describe(file: &TaggedFile, measured: bool, tags: &mut FileTags) {
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
    if !measured {
        return;
    }
    // PCM is named like ffmpeg does: sample format, bits, byte order (WAV little, AIFF big).
    tags.codec = Some(match (file.file_type(), p.bit_depth()) {
        (FileType::Wav, Some(bits)) => format!("pcm_s{bits}le"),
        (FileType::Aiff, Some(bits)) => format!("pcm_s{bits}be"),
        _ => codec.to_owned(),
    });
    let duration = p.duration().as_millis() as u64;
    tags.duration_ms = (duration > 0).then_some(duration);
    // A relaxed read leaves what it could not find at zero.
    tags.bitrate_kbps = p.audio_bitrate().or(p.overall_bitrate()).filter(|v| *v > 0);
    tags.sample_rate = p.sample_rate().filter(|v| *v > 0);
    tags.channels = p.channels().filter(|v| *v > 0);
    tags.bit_depth = p.bit_depth().filter(|v| *v > 0);
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
    ItemKey::Comment,
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
    tags.comment = first(tag, ItemKey::Comment).filter(|c| !c.trim().is_empty());
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
    fn lenient_attempts_relax_parsing_and_widen_the_junk_window() {
        assert_eq!(Attempt::Default.options(), ParseOptions::new());
        for attempt in [
            Attempt::Relaxed,
            Attempt::RelaxedNoCover,
            Attempt::TagsOnly,
            Attempt::PropertiesOnly,
        ] {
            let expected = ParseOptions::new()
                .parsing_mode(ParsingMode::Relaxed)
                .max_junk_bytes(LENIENT_JUNK_BYTES)
                .read_cover_art(attempt == Attempt::Relaxed)
                .read_properties(attempt != Attempt::TagsOnly)
                .read_tags(attempt != Attempt::PropertiesOnly);
            assert_eq!(attempt.options(), expected, "{attempt:?}");
        }
    }

    #[test]
    fn id3v2_tags_at_the_start_are_measured_from_their_headers() {
        let tag = |size: u8, flags: u8| {
            let mut bytes = vec![b'I', b'D', b'3', 4, 0, flags, 0, 0, 0, size];
            bytes.resize(10 + usize::from(size), 0);
            bytes
        };
        let audio = [0xFF, 0xFB, 0x90, 0x64];
        let measure = |bytes: Vec<u8>| {
            let len = bytes.len() as u64;
            id3v2_prefix_len(&mut std::io::Cursor::new(bytes), len)
        };
        assert_eq!(measure([tag(20, 0), audio.to_vec()].concat()), Some(30));
        // Two tags in a row, the second with a footer.
        let two = [tag(20, 0), tag(5, 0x10), vec![0; 10], audio.to_vec()].concat();
        assert_eq!(measure(two), Some(55));
        assert_eq!(measure(audio.to_vec()), None);
        // A size that is not synchsafe is not an ID3v2 header; nor is a tag that is the file.
        let mut bad = tag(20, 0);
        bad[9] = 0x80;
        assert_eq!(measure([bad, audio.to_vec()].concat()), None);
        assert_eq!(measure(tag(20, 0)), None);
    }

    #[test]
    fn a_skipped_reader_shows_the_rest_of_the_file_as_a_whole() {
        let mut reader =
            Skipped::new(std::io::Cursor::new(b"junkAUDIO".to_vec()), 4).expect("seek");
        let mut text = String::new();
        reader.read_to_string(&mut text).expect("read");
        assert_eq!(text, "AUDIO");
        assert_eq!(reader.seek(SeekFrom::Start(1)).expect("seek"), 1);
        assert_eq!(reader.seek(SeekFrom::Current(2)).expect("seek"), 3);
        assert_eq!(reader.seek(SeekFrom::End(-1)).expect("seek"), 4);
        let mut byte = [0u8];
        reader.read_exact(&mut byte).expect("read");
        assert_eq!(&byte, b"O");
        assert!(
            reader.seek(SeekFrom::Current(-6)).is_err(),
            "before the start"
        );
        assert_eq!(reader.stream_position().expect("position"), 5);
    }

    #[test]
    fn other_tags_fill_only_what_the_main_tag_lacks() {
        let mut main = FileTags {
            artists: vec!["Main Artist".to_owned()],
            album: Some("Main Album".to_owned()),
            ..FileTags::default()
        };
        let id3v1 = FileTags {
            title: Some("From ID3v1".to_owned()),
            artists: vec!["Other Artist".to_owned()],
            album: Some("Other Album".to_owned()),
            track_no: Some(9),
            ..FileTags::default()
        };
        fill_missing(&mut main, id3v1);
        assert_eq!(main.title.as_deref(), Some("From ID3v1"));
        assert_eq!(main.artists, ["Main Artist"]);
        assert_eq!(main.album.as_deref(), Some("Main Album"));
        assert_eq!(main.track_no, Some(9));
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
