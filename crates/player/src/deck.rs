//! The deck: the one source the sound device pulls samples from, on the device's own thread.
//!
//! It does no I/O and no decoding: the [feeder](crate::feeder) sends it short chunks of
//! decoded samples through a bounded channel, and the deck only copies them out, applying the
//! volume. That keeps the real-time thread from waiting on a disk or the network, and it is
//! what makes track changes gapless: the next track's first chunk follows the previous
//! track's last one in the same channel, with nothing in between.
//!
//! - **Epochs.** Every chunk carries the epoch it was decoded for. A seek, skip or stop bumps
//!   the shared epoch; chunks from before are faded out over what is left of the chunk being
//!   played (so a skip does not click) and the rest are dropped unplayed.
//! - **Spans.** rodio re-reads a source's sample rate and channel count at the end of each
//!   span, so each chunk is reported as one span; a track with another format can follow.
//!   Chunks hold at most [`CHUNK_FRAMES`] frames, which bounds the reaction to a seek.
//! - **Pause and volume** change through a short ramp, never in one step, so they do not click.
//!   Pausing happens on a frame boundary and holds the chunk where it is.
//! - **Underruns.** When a track is playing but no chunk is ready, the deck waits briefly for
//!   the feeder (a stalled network read), then plays silence until the audio comes back.

use crate::queue::EntryId;
use std::num::NonZero;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Duration;

/// The most frames in one chunk (23 ms at 44.1 kHz).
pub(crate) const CHUNK_FRAMES: usize = 1024;

/// How long the deck waits for a late chunk in the middle of a track before playing silence.
/// A real device has stopped hearing audio long before; the wait matters for a device that
/// is not paced by a clock (capturing to a file), where silence would be written instead.
const UNDERRUN_WAIT: Duration = Duration::from_secs(2);

/// Frames of silence played at a time while there is nothing to play.
const SILENCE_FRAMES: usize = 256;

/// Seconds a volume or pause ramp takes.
const RAMP_SECONDS: f32 = 0.01;

/// What the feeder sends the deck.
#[derive(Debug)]
pub(crate) enum Feed {
    /// Decoded, gain-adjusted, interleaved samples of `entry`, starting at `frame` of the track.
    Audio {
        epoch: u64,
        entry: EntryId,
        frame: u64,
        rate: NonZero<u32>,
        channels: NonZero<u16>,
        samples: Vec<f32>,
    },
    /// `entry` has no more audio. `next_follows` says whether another track's audio comes
    /// right after (so a missing chunk is an underrun, not the end of the queue).
    End {
        epoch: u64,
        entry: EntryId,
        next_follows: bool,
    },
}

/// What the deck tells the engine, as it happens on the audio thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DeckEvent {
    /// The first sample of `entry` went to the device.
    Started { entry: EntryId, epoch: u64 },
    /// The last sample of `entry` went to the device, after `played` of it was heard (seeks
    /// skip time that is not heard). `last` when nothing follows.
    Ended {
        entry: EntryId,
        epoch: u64,
        played: Duration,
        last: bool,
    },
}

/// State shared between the engine (which writes controls) and the deck (which publishes
/// where it is).
#[derive(Debug)]
pub(crate) struct DeckShared {
    /// Chunks from older epochs are not played.
    pub epoch: AtomicU64,
    pub paused: AtomicBool,
    /// Linear volume as `f32` bits (mute is applied by the engine as volume 0).
    pub volume: AtomicU32,
    /// The entry playing (0: none), its position in frames, its sample rate, and how many of
    /// its frames were actually played (a seek moves the position, not this).
    pub entry: AtomicU64,
    pub position_frames: AtomicU64,
    pub rate: AtomicU32,
    pub played_frames: AtomicU64,
    /// Times the device asked for audio that was not decoded yet.
    pub underruns: AtomicU64,
}

impl DeckShared {
    pub fn new(volume: f32) -> Self {
        Self {
            epoch: AtomicU64::new(1),
            paused: AtomicBool::new(false),
            volume: AtomicU32::new(volume.to_bits()),
            entry: AtomicU64::new(0),
            position_frames: AtomicU64::new(0),
            rate: AtomicU32::new(44_100),
            played_frames: AtomicU64::new(0),
            underruns: AtomicU64::new(0),
        }
    }

    pub fn set_volume(&self, volume: f32) {
        self.volume
            .store(volume.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    /// Where the deck is: the entry, its position, and the frames of it played.
    pub fn position(&self) -> Option<(EntryId, Duration, Duration)> {
        let entry = self.entry.load(Ordering::Acquire);
        if entry == 0 {
            return None;
        }
        let rate = f64::from(self.rate.load(Ordering::Relaxed).max(1));
        let seconds = |frames: u64| Duration::from_secs_f64(frames as f64 / rate);
        Some((
            EntryId(entry),
            seconds(self.position_frames.load(Ordering::Relaxed)),
            seconds(self.played_frames.load(Ordering::Relaxed)),
        ))
    }
}

/// The chunk being played.
struct Chunk {
    epoch: u64,
    frame: u64,
    rate: NonZero<u32>,
    channels: NonZero<u16>,
    samples: Vec<f32>,
    at: usize,
    /// Silence (nothing to play) rather than audio.
    silent: bool,
}

impl Chunk {
    fn silence(rate: NonZero<u32>, channels: NonZero<u16>) -> Self {
        Self {
            epoch: 0,
            frame: 0,
            rate,
            channels,
            samples: vec![0.0; SILENCE_FRAMES * usize::from(channels.get())],
            at: 0,
            silent: true,
        }
    }
}

/// The rodio source the device plays. See the module documentation.
pub struct Deck {
    feed: Receiver<Feed>,
    events: Box<dyn Fn(DeckEvent) + Send>,
    shared: std::sync::Arc<DeckShared>,
    chunk: Chunk,
    /// The entry being played, and its epoch.
    playing: Option<(EntryId, u64)>,
    /// More audio is expected right away (a missing chunk is an underrun).
    expecting: bool,
    /// Gain applied now, moving towards the volume (or to 0 when paused).
    gain: f32,
    /// Frames of the current entry played.
    played: u64,
    /// A stale chunk being faded out: frames left.
    fading: Option<usize>,
    /// The chunk set aside while paused.
    held: Option<Chunk>,
}

impl std::fmt::Debug for Deck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deck")
            .field("playing", &self.playing)
            .finish_non_exhaustive()
    }
}

impl Deck {
    pub(crate) fn new(
        feed: Receiver<Feed>,
        events: Box<dyn Fn(DeckEvent) + Send>,
        shared: std::sync::Arc<DeckShared>,
    ) -> Self {
        Self {
            feed,
            events,
            shared,
            chunk: Chunk::silence(
                NonZero::new(44_100).unwrap_or(NonZero::<u32>::MIN),
                NonZero::new(2).unwrap_or(NonZero::<u16>::MIN),
            ),
            playing: None,
            expecting: false,
            // Playback starts with a short fade-in.
            gain: 0.0,
            played: 0,
            fading: None,
            held: None,
        }
    }

    /// Moves to the next chunk: audio of the current epoch, or silence.
    fn advance(&mut self) {
        let epoch = self.shared.epoch.load(Ordering::Acquire);
        loop {
            let feed = match self.feed.try_recv() {
                Ok(feed) => feed,
                Err(TryRecvError::Empty) if self.expecting => match self.wait_for_feed(epoch) {
                    Some(feed) => feed,
                    None => {
                        self.shared.underruns.fetch_add(1, Ordering::Relaxed);
                        return self.go_silent();
                    }
                },
                Err(_) => return self.go_silent(),
            };
            match feed {
                Feed::Audio { epoch: e, .. } | Feed::End { epoch: e, .. } if e != epoch => {}
                Feed::Audio {
                    epoch,
                    entry,
                    frame,
                    rate,
                    channels,
                    samples,
                } => {
                    if self.playing != Some((entry, epoch)) {
                        self.start(entry, epoch, rate);
                    }
                    self.expecting = true;
                    self.chunk = Chunk {
                        epoch,
                        frame,
                        rate,
                        channels,
                        samples,
                        at: 0,
                        silent: false,
                    };
                    return;
                }
                Feed::End {
                    epoch,
                    entry,
                    next_follows,
                } => {
                    if self.playing == Some((entry, epoch)) {
                        (self.events)(DeckEvent::Ended {
                            entry,
                            epoch,
                            played: Duration::from_secs_f64(
                                self.played as f64 / f64::from(self.chunk.rate.get()),
                            ),
                            last: !next_follows,
                        });
                        self.playing = None;
                    }
                    self.expecting = next_follows;
                }
            }
        }
    }

    /// Waits for a late chunk in slices, giving up when the epoch moves on (the engine
    /// stopped or skipped) or after [`UNDERRUN_WAIT`] in all.
    fn wait_for_feed(&mut self, epoch: u64) -> Option<Feed> {
        let started = std::time::Instant::now();
        while started.elapsed() < UNDERRUN_WAIT {
            match self.feed.recv_timeout(Duration::from_millis(50)) {
                Ok(feed) => return Some(feed),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
            if self.shared.epoch.load(Ordering::Acquire) != epoch {
                return None;
            }
        }
        None
    }

    fn start(&mut self, entry: EntryId, epoch: u64, rate: NonZero<u32>) {
        self.playing = Some((entry, epoch));
        self.played = 0;
        self.shared.rate.store(rate.get(), Ordering::Relaxed);
        self.shared.played_frames.store(0, Ordering::Relaxed);
        self.shared.entry.store(entry.0, Ordering::Release);
        (self.events)(DeckEvent::Started { entry, epoch });
    }

    fn go_silent(&mut self) {
        self.chunk = Chunk::silence(self.chunk.rate, self.chunk.channels);
    }
}

impl Iterator for Deck {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        let channels = usize::from(self.chunk.channels.get());
        if self.chunk.at.is_multiple_of(channels) {
            self.at_frame_boundary();
        }
        let sample = self.chunk.samples[self.chunk.at] * self.gain;
        self.chunk.at += 1;
        if self.chunk.at == self.chunk.samples.len() {
            // Move on now, so the span rodio asks about next is the coming chunk's.
            self.next_chunk();
        }
        Some(sample)
    }
}

impl Deck {
    /// The chunk after one that was played to its end: the one held while paused, or the
    /// next from the feeder, or silence.
    fn next_chunk(&mut self) {
        self.fading = None;
        let paused = self.shared.paused.load(Ordering::Relaxed);
        let epoch = self.shared.epoch.load(Ordering::Acquire);
        match self.held.take() {
            Some(held) if paused => {
                self.held = Some(held);
                self.go_silent();
            }
            Some(held) if held.epoch == epoch => self.chunk = held,
            _ => self.advance(),
        }
    }

    /// Controls take effect between frames: moving to the next chunk, pausing, fading out a
    /// stale chunk, ramping the volume, and counting the frame about to play.
    fn at_frame_boundary(&mut self) {
        let paused = self.shared.paused.load(Ordering::Relaxed);
        let epoch = self.shared.epoch.load(Ordering::Acquire);
        if !self.chunk.silent && self.fading.is_none() && self.chunk.epoch != epoch {
            // A seek, skip or stop: fade out what is left of this chunk, then move on.
            let frames_left =
                (self.chunk.samples.len() - self.chunk.at) / usize::from(self.chunk.channels.get());
            self.fading = Some(frames_left.max(1));
            self.playing = None;
            self.expecting = false;
        }
        let target = if paused || self.fading.is_some() {
            0.0
        } else {
            f32::from_bits(self.shared.volume.load(Ordering::Relaxed))
        };
        let step = match self.fading {
            Some(left) => {
                self.fading = Some(left.saturating_sub(1).max(1));
                self.gain / left as f32
            }
            None => 1.0 / (self.chunk.rate.get() as f32 * RAMP_SECONDS),
        };
        self.gain = if self.gain < target {
            (self.gain + step).min(target)
        } else {
            (self.gain - step).max(target)
        };
        if paused && self.gain == 0.0 && !self.chunk.silent && self.fading.is_none() {
            // Faded out: set the chunk aside where it is and play silence in its format.
            let silence = Chunk::silence(self.chunk.rate, self.chunk.channels);
            self.held = Some(std::mem::replace(&mut self.chunk, silence));
        }
        if !self.chunk.silent && self.fading.is_none() {
            let channels = usize::from(self.chunk.channels.get());
            self.played += 1;
            self.shared
                .played_frames
                .store(self.played, Ordering::Relaxed);
            self.shared.position_frames.store(
                self.chunk.frame + (self.chunk.at / channels) as u64 + 1,
                Ordering::Relaxed,
            );
        }
    }
}

impl rodio::Source for Deck {
    fn current_span_len(&self) -> Option<usize> {
        Some(self.chunk.samples.len() - self.chunk.at)
    }

    fn channels(&self) -> rodio::ChannelCount {
        self.chunk.channels
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        self.chunk.rate
    }

    fn total_duration(&self) -> Option<Duration> {
        None
    }
}
