//! The feeder: the thread that opens and decodes tracks ahead of the device.
//!
//! It holds the track being decoded and the one after it, already opened, and keeps the
//! deck's bounded channel full of short chunks: about a second of audio ahead for most
//! formats. When a track's decoder runs out, the next one's chunks follow at once, which is
//! the gapless join. Opening goes through the [`Catalog`], so a slow source (the network)
//! delays only this thread, never the engine's controls or the device.
//!
//! The engine drives it with [`FeederCommand`]s tagged with epochs; everything it sends the
//! deck carries the epoch it was decoded for, so nothing stale is ever played.

use crate::catalog::{Catalog, OpenTrack, TrackInfo};
use crate::deck::{CHUNK_FRAMES, Feed};
use crate::decode::{self, PcmStream};
use crate::error::PlayerError;
use crate::gain::{self, ReplayGainSettings};
use crate::queue::EntryId;
use std::collections::VecDeque;
use std::num::NonZero;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::time::Duration;

/// Chunks the deck's channel holds (at most about 1.5 s at 44.1 kHz).
pub(crate) const CHANNEL_CHUNKS: usize = 64;

/// A track to decode: which entry, what item, and how loud.
#[derive(Debug, Clone)]
pub(crate) struct Job<I> {
    pub entry: EntryId,
    pub item: I,
    /// ReplayGain: whether the track plays as part of its album in order.
    pub album_order: bool,
    pub settings: ReplayGainSettings,
}

pub(crate) enum FeederCommand<I> {
    /// Chunks now go to this channel (a device was opened).
    Attach(SyncSender<Feed>),
    /// Decode `current` from `start`, then `next`.
    Load {
        epoch: u64,
        current: Job<I>,
        start: Duration,
        next: Option<Job<I>>,
    },
    /// What follows the current track changed.
    SetNext { epoch: u64, next: Option<Job<I>> },
    /// Stop decoding.
    Stop,
}

/// What the feeder tells the engine.
#[derive(Debug)]
pub(crate) enum FeederEvent {
    /// `entry` was opened; here is what to show for it.
    Opened { entry: EntryId, info: TrackInfo },
    /// `entry` could not be opened, or stopped decoding early (`while_playing`).
    Failed {
        entry: EntryId,
        epoch: u64,
        error: PlayerError,
        while_playing: bool,
    },
    /// A seek landed at `at`.
    Sought { entry: EntryId, at: Duration },
}

/// A track open for decoding.
struct Active {
    entry: EntryId,
    stream: Box<dyn PcmStream>,
    gain: f32,
    rate: NonZero<u32>,
    channels: NonZero<u16>,
    /// The frame of the track the next chunk starts at.
    frame: u64,
}

struct Feeder<C: Catalog> {
    catalog: Arc<C>,
    events: Sender<crate::engine::Input<C::Item>>,
    sink: Option<SyncSender<Feed>>,
    epoch: u64,
    current: Option<Active>,
    /// What comes next, not opened yet, or opened ahead.
    next: Option<Job<C::Item>>,
    next_open: Option<Active>,
    ready: VecDeque<Feed>,
}

/// Starts the feeder thread.
pub(crate) fn spawn<C: Catalog>(
    catalog: Arc<C>,
    commands: Receiver<FeederCommand<C::Item>>,
    events: Sender<crate::engine::Input<C::Item>>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("tonearm-feeder".into())
        .spawn(move || {
            Feeder {
                catalog,
                events,
                sink: None,
                epoch: 0,
                current: None,
                next: None,
                next_open: None,
                ready: VecDeque::new(),
            }
            .run(&commands);
        })
}

impl<C: Catalog> Feeder<C> {
    fn run(mut self, commands: &Receiver<FeederCommand<C::Item>>) {
        loop {
            while let Ok(command) = commands.try_recv() {
                self.handle(command);
            }
            if let Some(feed) = self.ready.pop_front() {
                let Some(sink) = &self.sink else {
                    self.ready.clear();
                    continue;
                };
                match sink.try_send(feed) {
                    Ok(()) => continue,
                    Err(TrySendError::Full(feed)) => {
                        self.ready.push_front(feed);
                        match commands.recv_timeout(Duration::from_millis(5)) {
                            Ok(command) => self.handle(command),
                            Err(RecvTimeoutError::Timeout) => {}
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                    Err(TrySendError::Disconnected(_)) => {
                        // The device was closed; wait for the next one.
                        self.sink = None;
                        self.ready.clear();
                    }
                }
                continue;
            }
            if self.sink.is_none() || !self.produce() {
                match commands.recv() {
                    Ok(command) => self.handle(command),
                    Err(_) => return,
                }
            }
        }
    }

    fn handle(&mut self, command: FeederCommand<C::Item>) {
        match command {
            FeederCommand::Attach(sink) => {
                self.sink = Some(sink);
                self.ready.clear();
            }
            FeederCommand::Load {
                epoch,
                current,
                start,
                next,
            } => {
                self.epoch = epoch;
                self.ready.clear();
                // Seeking within the track being decoded keeps it open.
                let reuse = match self.current.take() {
                    Some(active) if active.entry == current.entry => Some(active),
                    _ => None,
                };
                let reuse =
                    reuse.or_else(|| self.next_open.take_if(|open| open.entry == current.entry));
                self.current = reuse.or_else(|| self.open(&current));
                if let Some(active) = &mut self.current
                    && (start > Duration::ZERO || active.frame > 0)
                {
                    match active.stream.seek(start) {
                        Ok(at) => {
                            active.frame =
                                (at.as_secs_f64() * f64::from(active.rate.get())).round() as u64;
                            let _ = self.events.send(crate::engine::Input::Feeder(
                                FeederEvent::Sought {
                                    entry: active.entry,
                                    at,
                                },
                            ));
                        }
                        Err(error) => {
                            let entry = active.entry;
                            self.current = None;
                            self.fail(entry, error, false);
                        }
                    }
                }
                self.next = next;
                self.next_open = None;
            }
            FeederCommand::SetNext { epoch, next } => {
                if epoch == self.epoch {
                    self.set_next(next);
                }
            }
            FeederCommand::Stop => {
                self.current = None;
                self.next = None;
                self.next_open = None;
                self.ready.clear();
            }
        }
    }

    fn set_next(&mut self, next: Option<Job<C::Item>>) {
        let same = match (&self.next, &next) {
            (Some(a), Some(b)) => a.entry == b.entry && a.album_order == b.album_order,
            (None, None) => true,
            _ => false,
        };
        if !same {
            self.next_open = None;
        }
        self.next = next;
        if self.current.is_none() && self.sink.is_some() {
            // The last track already ended: the next one starts now.
            self.promote();
        }
    }

    /// Opens a track, telling the engine what it is or why it cannot be played.
    fn open(&mut self, job: &Job<C::Item>) -> Option<Active> {
        let opened = self.catalog.open(&job.item).and_then(|track| {
            let OpenTrack {
                source,
                extension,
                info,
                gain: tags,
            } = track;
            let stream = decode::open(source, extension.as_deref(), &info.title)?;
            let bad = |reason: &str| PlayerError::Decode {
                what: info.title.clone(),
                reason: reason.to_owned(),
            };
            let rate = NonZero::new(stream.sample_rate()).ok_or_else(|| bad("no sample rate"))?;
            let channels = NonZero::new(stream.channels()).ok_or_else(|| bad("no channels"))?;
            let info = TrackInfo {
                duration: info.duration.or(stream.duration()),
                ..info
            };
            Ok((
                Active {
                    entry: job.entry,
                    stream,
                    gain: gain::factor(&job.settings, &tags, job.album_order),
                    rate,
                    channels,
                    frame: 0,
                },
                info,
            ))
        });
        match opened {
            Ok((active, info)) => {
                let _ = self
                    .events
                    .send(crate::engine::Input::Feeder(FeederEvent::Opened {
                        entry: job.entry,
                        info,
                    }));
                Some(active)
            }
            Err(error) => {
                self.fail(job.entry, error, false);
                None
            }
        }
    }

    fn fail(&self, entry: EntryId, error: PlayerError, while_playing: bool) {
        let _ = self
            .events
            .send(crate::engine::Input::Feeder(FeederEvent::Failed {
                entry,
                epoch: self.epoch,
                error,
                while_playing,
            }));
    }

    fn open_next_ahead(&mut self) {
        if self.next_open.is_none()
            && let Some(job) = self.next.clone()
        {
            self.next_open = self.open(&job);
            if self.next_open.is_none() {
                // It cannot be played; the engine picks another.
                self.next = None;
            }
        }
    }

    /// The next track becomes the one being decoded.
    fn promote(&mut self) {
        self.open_next_ahead();
        self.current = self.next_open.take();
        self.next = None;
    }

    /// Decodes the next block into chunks; `false` when there is nothing to decode.
    fn produce(&mut self) -> bool {
        let Some(active) = &mut self.current else {
            return false;
        };
        match active.stream.next_block() {
            Ok(Some(block)) => {
                let channels = usize::from(active.channels.get());
                for samples in block.chunks(CHUNK_FRAMES * channels) {
                    let frames = samples.len() / channels;
                    self.ready.push_back(Feed::Audio {
                        epoch: self.epoch,
                        entry: active.entry,
                        frame: active.frame,
                        rate: active.rate,
                        channels: active.channels,
                        samples: samples.iter().map(|s| s * active.gain).collect(),
                    });
                    active.frame += frames as u64;
                }
                // The current track is under way: open the next one now, so its first
                // samples are ready when this one ends.
                self.open_next_ahead();
            }
            Ok(None) => self.finish(None),
            Err(error) => self.finish(Some(error)),
        }
        true
    }

    /// The current track has no more audio: mark its end and move to the next.
    fn finish(&mut self, error: Option<PlayerError>) {
        let Some(active) = self.current.take() else {
            return;
        };
        if let Some(error) = error {
            self.fail(active.entry, error, true);
        }
        self.promote();
        self.ready.push_back(Feed::End {
            epoch: self.epoch,
            entry: active.entry,
            next_follows: self.current.is_some(),
        });
    }
}
