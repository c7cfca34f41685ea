//! Decoding a track to interleaved `f32` samples.
//!
//! symphonia decodes MP3, FLAC, Vorbis, AAC and ALAC (in MP4), WAV and AIFF, with its gapless
//! mode on: MP3 encoder delay and padding (LAME/Xing headers) are trimmed, so an album that
//! segues plays without a gap. Opus goes through the pure-Rust `opus-pure` decoder with the
//! pre-skip and end-trim of RFC 7845, for the same reason. AAC priming samples are not trimmed
//! by symphonia 0.5 (about 1,025 samples, 23 ms at 44.1 kHz, at the start of each track): AAC
//! albums have that small gap. WavPack has no decoder here and is refused with a clear error.

use crate::error::PlayerError;
use crate::source::{ByteSource, MediaAdapter};
use std::io::{Seek, SeekFrom};
use std::time::Duration;
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// A decoded stream of interleaved samples.
pub trait PcmStream: Send {
    fn sample_rate(&self) -> u32;
    fn channels(&self) -> u16;
    /// The track's length, when the container says.
    fn duration(&self) -> Option<Duration>;
    /// The next block of interleaved samples; `Ok(None)` at the end.
    fn next_block(&mut self) -> Result<Option<Vec<f32>>, PlayerError>;
    /// Moves to `to` (or as near as the format allows); returns where it landed.
    fn seek(&mut self, to: Duration) -> Result<Duration, PlayerError>;
}

/// Opens `source` for decoding; `extension` (lowercase, no dot) helps pick the format.
pub fn open(
    mut source: Box<dyn ByteSource>,
    extension: Option<&str>,
    what: &str,
) -> Result<Box<dyn PcmStream>, PlayerError> {
    if extension == Some("wv") {
        return Err(PlayerError::Unsupported {
            format: "WavPack".to_owned(),
        });
    }
    if source.byte_len() == Some(0) {
        return Err(decode_error(what, "the file is empty"));
    }
    if is_ogg_opus(source.as_mut()).map_err(|e| decode_error(what, &e.to_string()))? {
        return Ok(Box::new(OpusStream::open(source, what)?));
    }
    let mut hint = Hint::new();
    if let Some(ext) = extension {
        hint.with_extension(ext);
    }
    let stream = MediaSourceStream::new(Box::new(MediaAdapter(source)), Default::default());
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            stream,
            &FormatOptions {
                enable_gapless: true,
                ..Default::default()
            },
            &MetadataOptions::default(),
        )
        .map_err(|e| decode_error(what, &format!("not a playable audio file ({e})")))?;
    let format = probed.format;
    Ok(Box::new(SymphoniaStream::new(format, what)?))
}

/// Whether the bytes start with an Ogg page carrying an Opus header (whatever the extension).
fn is_ogg_opus(source: &mut dyn ByteSource) -> std::io::Result<bool> {
    let mut head = [0u8; 36];
    let mut filled = 0;
    while filled < head.len() {
        match source.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    source.seek(SeekFrom::Start(0))?;
    Ok(filled == head.len() && &head[..4] == b"OggS" && &head[28..36] == b"OpusHead")
}

fn decode_error(what: &str, reason: &str) -> PlayerError {
    PlayerError::Decode {
        what: what.to_owned(),
        reason: reason.to_owned(),
    }
}

struct SymphoniaStream {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn symphonia::core::codecs::Decoder>,
    track_id: u32,
    sample_rate: u32,
    channels: u16,
    duration: Option<Duration>,
    /// Frames in the track, when the container says: output stops there. symphonia 0.5's Ogg
    /// reader does not mark the end padding of Vorbis for trimming; this does.
    total_frames: Option<u64>,
    /// Frames handed out so far (from the start of the track).
    position: u64,
    /// Frames still to drop after an accurate seek (decoding resumes before the target).
    skip: u64,
    /// MP3 seeks coarsely: an accurate seek would read most of the file.
    coarse_seek: bool,
    /// Samples decoded while opening (to learn the channel count), handed out first.
    pending: Option<Vec<f32>>,
    what: String,
}

impl SymphoniaStream {
    fn new(format: Box<dyn FormatReader>, what: &str) -> Result<Self, PlayerError> {
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| decode_error(what, "no audio track"))?;
        let params = track.codec_params.clone();
        let decoder = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions::default())
            .map_err(|e| match e {
                SymphoniaError::Unsupported(_) => PlayerError::Unsupported {
                    format: format!("{:?}", params.codec),
                },
                other => decode_error(what, &other.to_string()),
            })?;
        let sample_rate = params
            .sample_rate
            .ok_or_else(|| decode_error(what, "no sample rate"))?;
        let channels = params.channels.map_or(0, |c| c.count() as u16);
        let duration = params
            .n_frames
            .map(|frames| Duration::from_secs_f64(frames as f64 / f64::from(sample_rate)));
        let coarse_seek = params.codec == symphonia::core::codecs::CODEC_TYPE_MP3;
        Ok(Self {
            track_id: track.id,
            format,
            decoder,
            sample_rate,
            channels,
            duration,
            total_frames: params.n_frames,
            position: 0,
            skip: 0,
            coarse_seek,
            pending: None,
            what: what.to_owned(),
        })
        .and_then(Self::learn_channels)
    }
}

impl SymphoniaStream {
    /// Some containers (ALAC in MP4) do not state the channel count; the first decoded packet
    /// does.
    fn learn_channels(mut self) -> Result<Self, PlayerError> {
        if self.channels == 0 {
            let first = self.decode_packet()?;
            let Some((samples, channels)) = first else {
                return Err(decode_error(&self.what, "no audio in the file"));
            };
            self.channels = channels;
            self.position = (samples.len() / usize::from(channels)) as u64;
            self.pending = Some(samples);
        }
        Ok(self)
    }

    /// The next decoded packet's samples and channel count, before trimming.
    fn decode_packet(&mut self) -> Result<Option<(Vec<f32>, u16)>, PlayerError> {
        loop {
            let packet = match self.format.next_packet() {
                Ok(packet) => packet,
                Err(SymphoniaError::IoError(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    return Ok(None);
                }
                Err(SymphoniaError::ResetRequired) => return Ok(None),
                Err(e) => return Err(decode_error(&self.what, &e.to_string())),
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            match self.decoder.decode(&packet) {
                Ok(audio) if audio.frames() == 0 => continue,
                Ok(audio) => {
                    let channels = audio.spec().channels.count() as u16;
                    let mut buffer =
                        SampleBuffer::<f32>::new(audio.capacity() as u64, *audio.spec());
                    buffer.copy_interleaved_ref(audio);
                    return Ok(Some((buffer.samples().to_vec(), channels)));
                }
                // A damaged packet: skip it, as players do, rather than stop the track.
                Err(SymphoniaError::DecodeError(e)) => {
                    tracing::debug!(what = %self.what, error = e, "skipping a damaged packet");
                }
                Err(e) => return Err(decode_error(&self.what, &e.to_string())),
            }
        }
    }
}

impl PcmStream for SymphoniaStream {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn duration(&self) -> Option<Duration> {
        self.duration
    }

    fn next_block(&mut self) -> Result<Option<Vec<f32>>, PlayerError> {
        if let Some(pending) = self.pending.take() {
            return Ok(Some(pending));
        }
        let channels = usize::from(self.channels);
        loop {
            let Some((samples, _)) = self.decode_packet()? else {
                return Ok(None);
            };
            let dropped = (self.skip as usize).min(samples.len() / channels);
            self.skip -= dropped as u64;
            let samples = &samples[dropped * channels..];
            let mut frames = (samples.len() / channels) as u64;
            if let Some(total) = self.total_frames {
                if self.position >= total {
                    return Ok(None);
                }
                frames = frames.min(total - self.position);
            }
            if frames == 0 {
                continue;
            }
            self.position += frames;
            return Ok(Some(samples[..frames as usize * channels].to_vec()));
        }
    }

    fn seek(&mut self, to: Duration) -> Result<Duration, PlayerError> {
        let mode = if self.coarse_seek {
            SeekMode::Coarse
        } else {
            SeekMode::Accurate
        };
        let seeked = self
            .format
            .seek(
                mode,
                SeekTo::Time {
                    time: to.as_secs_f64().into(),
                    track_id: Some(self.track_id),
                },
            )
            .map_err(|e| decode_error(&self.what, &e.to_string()))?;
        self.decoder.reset();
        // Decoding restarts at `actual_ts`, at or before the target (a coarse MP3 seek can also
        // overshoot); the frames up to the target are decoded and dropped.
        let landed = seeked.required_ts.max(seeked.actual_ts);
        self.pending = None;
        self.skip = landed - seeked.actual_ts;
        self.position = landed;
        Ok(Duration::from_secs_f64(
            landed as f64 / f64::from(self.sample_rate),
        ))
    }
}

/// Ogg Opus, decoded at 48 kHz with pre-skip and end-trim applied.
struct OpusStream {
    reader: opus_pure::OggOpusReader<Box<dyn ByteSource>>,
    head: opus_pure::OpusHead,
    decoder: opus_pure::OpusDecoder,
    trim: opus_pure::Trim,
    channels: u16,
    buffer: Vec<f32>,
    /// Samples decoded past a seek target, handed out first.
    pending: Option<Vec<f32>>,
    what: String,
}

/// Opus always decodes at 48 kHz.
const OPUS_RATE: u32 = 48_000;
/// The longest Opus frame: 120 ms at 48 kHz.
const OPUS_MAX_FRAME: usize = 5_760;

impl OpusStream {
    fn open(mut source: Box<dyn ByteSource>, what: &str) -> Result<Self, PlayerError> {
        let error = |e: &dyn std::fmt::Display| decode_error(what, &e.to_string());
        source.seek(SeekFrom::Start(0)).map_err(|e| error(&e))?;
        let reader = opus_pure::OggOpusReader::new(source)
            .map_err(|e| decode_error(what, &format!("not an Ogg Opus file ({e})")))?;
        let head = reader.head().clone();
        let channels = usize::from(head.channel_count);
        let decoder = head.decoder(OPUS_RATE as i32).map_err(|e| error(&e))?;
        let trim =
            opus_pure::Trim::new(&head, OPUS_RATE as i32, channels).map_err(|e| error(&e))?;
        Ok(Self {
            reader,
            head,
            decoder,
            trim,
            channels: channels as u16,
            buffer: vec![0.0; OPUS_MAX_FRAME * channels],
            pending: None,
            what: what.to_owned(),
        })
    }
}

impl PcmStream for OpusStream {
    fn sample_rate(&self) -> u32 {
        OPUS_RATE
    }

    fn channels(&self) -> u16 {
        self.channels
    }

    fn duration(&self) -> Option<Duration> {
        None
    }

    fn next_block(&mut self) -> Result<Option<Vec<f32>>, PlayerError> {
        if let Some(pending) = self.pending.take() {
            return Ok(Some(pending));
        }
        loop {
            let Some(packet) = self
                .reader
                .read_packet()
                .map_err(|e| decode_error(&self.what, &e.to_string()))?
            else {
                return Ok(None);
            };
            let frames = self
                .decoder
                .decode(&packet.data, OPUS_MAX_FRAME, &mut self.buffer)
                .map_err(|e| decode_error(&self.what, &e.to_string()))?;
            let kept = self
                .trim
                .keep(&packet, &self.buffer[..frames * usize::from(self.channels)]);
            if !kept.is_empty() {
                return Ok(Some(kept.to_vec()));
            }
        }
    }

    /// Decodes again from the start and drops what comes before `to`: exact, and fast for
    /// the length of a track (a page-bisecting seek is the optimisation to make later).
    fn seek(&mut self, to: Duration) -> Result<Duration, PlayerError> {
        let error = |e: &dyn std::fmt::Display| decode_error(&self.what, &e.to_string());
        self.reader.rewind().map_err(|e| error(&e))?;
        self.decoder.reset_state().map_err(|e| error(&e))?;
        self.trim = opus_pure::Trim::new(&self.head, OPUS_RATE as i32, usize::from(self.channels))
            .map_err(|e| error(&e))?;
        self.pending = None;
        let mut skip =
            (to.as_secs_f64() * f64::from(OPUS_RATE)) as usize * usize::from(self.channels);
        while skip > 0 {
            let Some(block) = self.next_block()? else {
                break;
            };
            if block.len() > skip {
                self.pending = Some(block[skip..].to_vec());
                break;
            }
            skip -= block.len();
        }
        Ok(to)
    }
}
