//! The engine: one thread that owns the queue and the transport, driven by [`Command`]s and
//! publishing [`PlayerEvent`]s.
//!
//! Three threads work together, and only the engine decides anything:
//!
//! - the **engine** thread (here) keeps the queue, turns commands into work for the others,
//!   follows what the device actually played, and tells subscribers;
//! - the **feeder** ([`crate::feeder`]) opens and decodes the current and next tracks;
//! - the **deck** ([`crate::deck`]) runs on the device's thread and only copies samples.
//!
//! What the user hears is the truth: a track becomes current for subscribers when the deck
//! reports its first sample, not when it was decoded. Positions come from the deck several
//! times a second. A track that cannot be opened is reported and skipped; when nothing in the
//! queue can be played, playback stops with an error instead of spinning.
//!
//! The device is opened when playback starts and closed when it stops or the queue ends, so
//! an idle player holds no audio device.

use crate::catalog::{Catalog, Playable, TrackInfo, in_album_order};
use crate::deck::{Deck, DeckEvent, DeckShared};
use crate::error::PlayerError;
use crate::feeder::{self, CHANNEL_CHUNKS, FeederCommand, FeederEvent, Job};
use crate::gain::ReplayGainSettings;
use crate::output::OutputDevice;
use crate::queue::{Advance, EntryId, Queue, Repeat};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often positions are published while playing.
const TICK: Duration = Duration::from_millis(250);

/// "Previous" restarts the track instead when it has played longer than this.
const RESTART_AFTER: Duration = Duration::from_secs(3);

/// A track counts as played after half its length, or this long, whichever comes first.
const PLAYED_AFTER: Duration = Duration::from_secs(240);

/// What the engine is asked to do.
#[derive(Debug, Clone)]
pub enum Command<I> {
    /// Replace the queue with `items` and play from `start`.
    Play {
        items: Vec<I>,
        start: usize,
    },
    /// Replace the queue with `items` and play them all: from the first, or, with shuffle on,
    /// from any of them.
    PlayAll(Vec<I>),
    /// Queue `items` right after the current entry.
    PlayNext(Vec<I>),
    /// Queue `items` at the end.
    Add(Vec<I>),
    Remove(Vec<EntryId>),
    /// Move an entry to an index of the list.
    Move {
        entry: EntryId,
        to: usize,
    },
    Clear,
    /// Play this entry of the queue now.
    JumpTo(EntryId),
    Pause,
    Resume,
    TogglePause,
    Stop,
    Next,
    /// The previous entry, or the start of this one if it has played a few seconds.
    Previous,
    Seek(Duration),
    /// Seek this many seconds forward (or back, when negative) from where playback is.
    SeekBy(f64),
    /// Loudness from 0 (silent) to 1 (full), as a volume slider means it.
    SetVolume(f32),
    SetMuted(bool),
    SetShuffle(bool),
    SetRepeat(Repeat),
    SetReplayGain(ReplayGainSettings),
}

/// Whether anything is playing.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaybackState {
    #[default]
    Stopped,
    Playing,
    Paused,
}

/// The transport and settings.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub state: PlaybackState,
    pub volume: f32,
    pub muted: bool,
    pub shuffle: bool,
    pub repeat: Repeat,
    pub replaygain: ReplayGainSettings,
}

/// The current entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NowPlaying<I> {
    pub entry: EntryId,
    pub item: I,
    /// Known once the track is opened.
    pub info: Option<TrackInfo>,
}

/// Everything a newly opened window needs to draw the player.
#[derive(Debug, Clone)]
pub struct Snapshot<I> {
    pub status: Status,
    pub current: Option<NowPlaying<I>>,
    pub position: Duration,
    /// The queue in list order.
    pub entries: Arc<Vec<(EntryId, I)>>,
    /// Where each entry is in `entries`.
    pub places: Arc<HashMap<EntryId, usize>>,
    /// The entries after the current one, in play order.
    pub upcoming: Arc<Vec<EntryId>>,
}

/// What subscribers are told.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayerEvent<I> {
    /// The transport or a setting changed.
    Status(Status),
    /// The current entry changed (or what is known about it).
    Current(Option<NowPlaying<I>>),
    /// The first sample of `entry` was handed to the device.
    Started { entry: EntryId },
    /// `entry` played to its end.
    Ended { entry: EntryId },
    /// Where playback is, several times a second.
    Position {
        entry: EntryId,
        position: Duration,
        duration: Option<Duration>,
    },
    /// Entries were added, removed or moved, or the play order changed.
    QueueChanged,
    /// `item` counts as played (half its length or four minutes heard).
    Played { item: I },
    /// The last entry ended; playback stopped.
    QueueEnded,
    /// Something could not be played (`item`), or the device failed.
    Error { item: Option<I>, message: String },
}

/// Where sound goes: opened when playback starts, closed (dropped) when it stops.
pub type OutputFactory = Box<dyn OutputDevice>;

pub(crate) enum Input<I> {
    Command(Command<I>),
    Deck(DeckEvent),
    Feeder(FeederEvent),
    Subscribe(Sender<PlayerEvent<I>>),
    Shutdown,
}

/// A handle on the engine; cheap to clone. The engine stops when the last handle is dropped.
pub struct Player<I: Playable> {
    inner: Arc<Handle<I>>,
}

impl<I: Playable> Clone for Player<I> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<I: Playable> std::fmt::Debug for Player<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player").finish_non_exhaustive()
    }
}

/// Sends commands to the engine without keeping it alive.
pub struct Commander<I> {
    inputs: Sender<Input<I>>,
}

impl<I> Commander<I> {
    pub fn send(&self, command: Command<I>) {
        let _ = self.inputs.send(Input::Command(command));
    }
}

impl<I> std::fmt::Debug for Commander<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Commander").finish_non_exhaustive()
    }
}

struct Handle<I> {
    inputs: Sender<Input<I>>,
    snapshot: Arc<Mutex<Snapshot<I>>>,
    deck: Arc<DeckShared>,
}

impl<I> Drop for Handle<I> {
    fn drop(&mut self) {
        let _ = self.inputs.send(Input::Shutdown);
    }
}

impl<I: Playable> Player<I> {
    /// Starts the engine with `catalog` to open items and `output` to play them.
    pub fn spawn<C: Catalog<Item = I>>(
        catalog: C,
        output: OutputFactory,
    ) -> Result<Self, PlayerError> {
        let (inputs, receive) = std::sync::mpsc::channel();
        let (feeder_tx, feeder_rx) = std::sync::mpsc::channel();
        let spawn_error = |e: std::io::Error| PlayerError::Output(format!("cannot start: {e}"));
        feeder::spawn(Arc::new(catalog), feeder_rx, inputs.clone()).map_err(spawn_error)?;
        let status = Status {
            state: PlaybackState::Stopped,
            volume: 1.0,
            muted: false,
            shuffle: false,
            repeat: Repeat::Off,
            replaygain: ReplayGainSettings::default(),
        };
        let snapshot = Arc::new(Mutex::new(Snapshot {
            status: status.clone(),
            current: None,
            position: Duration::ZERO,
            entries: Arc::default(),
            places: Arc::default(),
            upcoming: Arc::default(),
        }));
        let deck = Arc::new(DeckShared::new(1.0));
        let (engine_deck, engine_snapshot, engine_inputs) =
            (deck.clone(), snapshot.clone(), inputs.clone());
        let start = move || Engine {
            queue: Queue::new(seed()),
            status,
            feeder: feeder_tx,
            inputs: engine_inputs,
            deck: engine_deck,
            output,
            open_output: None,
            subscribers: Vec::new(),
            snapshot: engine_snapshot,
            current: None,
            loading: None,
            next_sent: None,
            drained: false,
            infos: HashMap::new(),
            broken: HashSet::new(),
            listened_before_seek: Duration::ZERO,
            counted: false,
            sought: None,
            current_held: None,
        };
        std::thread::Builder::new()
            .name("tonearm-engine".into())
            .spawn(move || start().run(&receive))
            .map_err(spawn_error)?;
        Ok(Self {
            inner: Arc::new(Handle {
                inputs,
                snapshot,
                deck,
            }),
        })
    }

    /// Asks the engine to do something; it happens in order, right away.
    pub fn send(&self, command: Command<I>) {
        let _ = self.inner.inputs.send(Input::Command(command));
    }

    /// A way to send commands that does not keep the engine running (for callbacks that
    /// outlive the owner, such as the OS media keys).
    pub fn commander(&self) -> Commander<I> {
        Commander {
            inputs: self.inner.inputs.clone(),
        }
    }

    /// Events from now on. Dropping the receiver unsubscribes.
    pub fn subscribe(&self) -> Receiver<PlayerEvent<I>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let _ = self.inner.inputs.send(Input::Subscribe(tx));
        rx
    }

    /// The player as it is now (the position is at most a tick old).
    pub fn snapshot(&self) -> Snapshot<I> {
        match self.inner.snapshot.lock() {
            Ok(snapshot) => snapshot.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Times the device wanted audio that was not decoded yet (a stalled source).
    pub fn underruns(&self) -> u64 {
        self.inner.deck.underruns.load(Ordering::Relaxed)
    }
}

/// A seed for shuffling that differs between runs.
fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

struct Engine<I: Playable> {
    queue: Queue<I>,
    status: Status,
    feeder: Sender<FeederCommand<I>>,
    inputs: Sender<Input<I>>,
    deck: Arc<DeckShared>,
    output: OutputFactory,
    /// The open device; dropping it closes the device.
    open_output: Option<Box<dyn std::any::Any>>,
    subscribers: Vec<Sender<PlayerEvent<I>>>,
    snapshot: Arc<Mutex<Snapshot<I>>>,
    /// The entry playing or about to play.
    current: Option<(EntryId, I)>,
    /// The current entry was asked for and has not started yet.
    loading: Option<EntryId>,
    /// The entry the feeder was told comes next.
    next_sent: Option<EntryId>,
    /// The device played the last sample it had while the next track was still to come: if
    /// that track then fails to open, the queue has ended.
    drained: bool,
    infos: HashMap<EntryId, TrackInfo>,
    /// Entries that could not be opened, skipped until the queue is replaced.
    broken: HashSet<EntryId>,
    /// Of the current entry: how long was heard before the last seek, and whether it has
    /// counted as played.
    listened_before_seek: Duration,
    counted: bool,
    /// Where the last seek went, until the deck gets there.
    sought: Option<Duration>,
    /// While a command runs: whether it changed the current entry. That is published after
    /// the queue, so no reader sees the new song with the old queue's upcoming list. `None`
    /// outside commands.
    current_held: Option<bool>,
}

impl<I: Playable> Engine<I> {
    fn run(mut self, inputs: &Receiver<Input<I>>) {
        let mut next_tick = Instant::now() + TICK;
        loop {
            match inputs.recv_timeout(next_tick.saturating_duration_since(Instant::now())) {
                Ok(Input::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(input) => self.handle(input),
                Err(RecvTimeoutError::Timeout) => {}
            }
            if Instant::now() >= next_tick {
                next_tick = Instant::now() + TICK;
                self.tick();
            }
        }
        let _ = self.feeder.send(FeederCommand::Stop);
        self.open_output = None;
    }

    fn handle(&mut self, input: Input<I>) {
        match input {
            Input::Command(command) => self.command(command),
            Input::Deck(event) => self.deck_event(event),
            Input::Feeder(event) => self.feeder_event(event),
            Input::Subscribe(subscriber) => {
                // A new subscriber learns the state first.
                let _ = subscriber.send(PlayerEvent::Status(self.status.clone()));
                let _ = subscriber.send(PlayerEvent::Current(self.now_playing()));
                self.subscribers.push(subscriber);
            }
            Input::Shutdown => {}
        }
    }

    fn emit(&mut self, event: PlayerEvent<I>) {
        self.subscribers
            .retain(|subscriber| subscriber.send(event.clone()).is_ok());
    }

    fn now_playing(&self) -> Option<NowPlaying<I>> {
        self.current.as_ref().map(|(entry, item)| NowPlaying {
            entry: *entry,
            item: item.clone(),
            info: self.infos.get(entry).cloned(),
        })
    }

    fn command(&mut self, command: Command<I>) {
        let queue_before = self.queue_shape();
        self.current_held = Some(false);
        match command {
            Command::Play { items, start } => {
                self.broken.clear();
                self.queue.play_now(items, start);
                self.start_current(Duration::ZERO);
            }
            Command::PlayAll(items) => {
                self.broken.clear();
                let start = self.queue.first_to_play(items.len());
                self.queue.play_now(items, start);
                self.start_current(Duration::ZERO);
            }
            Command::PlayNext(items) => {
                self.queue.play_next(items);
            }
            Command::Add(items) => {
                self.queue.add(items);
            }
            Command::Remove(entries) => {
                let current = self.current.as_ref().map(|(entry, _)| *entry);
                self.queue.remove(&entries);
                if current.is_some_and(|c| entries.contains(&c)) {
                    if self.status.state == PlaybackState::Stopped {
                        self.current = None;
                        self.publish_current();
                    } else {
                        self.start_current(Duration::ZERO);
                    }
                }
            }
            Command::Move { entry, to } => self.queue.move_entry(entry, to),
            Command::Clear => {
                self.queue.clear();
                self.stop();
            }
            Command::JumpTo(entry) => {
                if self.queue.jump_to(entry).is_some() {
                    self.start_current(Duration::ZERO);
                }
            }
            Command::Pause => self.pause(),
            Command::Resume => self.resume(),
            Command::TogglePause => match self.status.state {
                PlaybackState::Playing => self.pause(),
                _ => self.resume(),
            },
            Command::Stop => self.stop(),
            Command::Next => {
                if self.current.is_some() {
                    self.advance(Advance::Skipped);
                }
            }
            Command::Previous => self.previous(),
            Command::Seek(to) => self.seek(to),
            Command::SeekBy(seconds) => {
                let at = self.position().as_secs_f64() + seconds;
                self.seek(Duration::from_secs_f64(at.max(0.0)));
            }
            Command::SetVolume(volume) => {
                self.status.volume = volume.clamp(0.0, 1.0);
                self.apply_volume();
            }
            Command::SetMuted(muted) => {
                self.status.muted = muted;
                self.apply_volume();
            }
            Command::SetShuffle(on) => {
                self.queue.set_shuffle(on);
                self.status.shuffle = on;
                self.publish_status();
            }
            Command::SetRepeat(repeat) => {
                self.queue.set_repeat(repeat);
                self.status.repeat = repeat;
                self.publish_status();
            }
            Command::SetReplayGain(settings) => {
                self.status.replaygain = settings;
                self.publish_status();
                // Heard at once: reload the current track where it is.
                if self.status.state != PlaybackState::Stopped {
                    let at = self.position();
                    self.seek(at);
                }
            }
        }
        if self.queue_shape() != queue_before {
            self.publish_queue();
            self.send_next();
        }
        if self.current_held.take() == Some(true) {
            self.publish_current();
        }
    }

    /// What a queue change is measured by: entries, order after the current one, modes.
    fn queue_shape(&self) -> (Vec<EntryId>, Vec<EntryId>, bool, Repeat) {
        (
            self.queue.entries().iter().map(|(e, _)| *e).collect(),
            self.queue.upcoming().iter().map(|(e, _)| *e).collect(),
            self.queue.shuffle(),
            self.queue.repeat(),
        )
    }

    /// The current entry's position as the user knows it.
    fn position(&self) -> Duration {
        if let Some(at) = self.sought {
            return at;
        }
        match (self.deck.position(), &self.current) {
            (Some((entry, position, _)), Some((current, _))) if entry == *current => position,
            _ => Duration::ZERO,
        }
    }

    fn job(&self, entry: EntryId, item: &I) -> Job<I> {
        let (previous, next) = self.queue.neighbours(entry);
        Job {
            entry,
            item: item.clone(),
            album_order: !self.queue.shuffle() && in_album_order(previous, item, next),
            settings: self.status.replaygain,
        }
    }

    /// What plays after the current entry when it ends, skipping entries that failed.
    fn upcoming_job(&self) -> Option<Job<I>> {
        let mut ahead = self.queue.clone();
        for _ in 0..=self.queue.entries().len() {
            let (entry, item) = ahead.next(Advance::Ended)?;
            if !self.broken.contains(&entry) {
                let item = item.clone();
                return Some(self.job(entry, &item));
            }
        }
        None
    }

    /// Tells the feeder what follows, if that changed.
    fn send_next(&mut self) {
        if self.status.state == PlaybackState::Stopped {
            return;
        }
        let next = self.upcoming_job();
        let entry = next.as_ref().map(|job| job.entry);
        if entry != self.next_sent || next.is_some() {
            self.next_sent = entry;
            let epoch = self.deck.epoch.load(Ordering::Acquire);
            let _ = self.feeder.send(FeederCommand::SetNext { epoch, next });
        }
    }

    fn ensure_output(&mut self) -> Result<(), PlayerError> {
        if self.open_output.is_some() {
            return Ok(());
        }
        let (feed_tx, feed_rx) = std::sync::mpsc::sync_channel(CHANNEL_CHUNKS);
        let inputs = self.inputs.clone();
        let notify = Box::new(move |event| {
            let _ = inputs.send(Input::Deck(event));
        });
        let deck = Deck::new(feed_rx, notify, self.deck.clone());
        self.open_output = Some(self.output.open(deck)?);
        let _ = self.feeder.send(FeederCommand::Attach(feed_tx));
        Ok(())
    }

    /// Starts the queue's current entry at `at` (or stops when there is none).
    fn start_current(&mut self, at: Duration) {
        let Some((entry, item)) = self.queue.current().map(|(e, i)| (e, i.clone())) else {
            self.stop();
            self.current = None;
            return self.publish_current();
        };
        if let Err(error) = self.ensure_output() {
            // Subscribers get the one-line sentence; the device's own words go to the log.
            tracing::warn!(error = %error.chain(), "the sound output could not be opened");
            self.emit(PlayerEvent::Error {
                item: None,
                message: error.to_string(),
            });
            return self.stop();
        }
        let epoch = self.deck.epoch.fetch_add(1, Ordering::AcqRel) + 1;
        self.deck.paused.store(false, Ordering::Relaxed);
        let changed = self.current.as_ref().map(|(e, _)| *e) != Some(entry);
        if changed {
            self.listened_before_seek = Duration::ZERO;
            self.counted = false;
            self.infos.retain(|e, _| *e == entry);
        }
        self.current = Some((entry, item.clone()));
        self.loading = Some(entry);
        self.drained = false;
        self.sought = Some(at);
        self.status.state = PlaybackState::Playing;
        let current = self.job(entry, &item);
        let next = self.upcoming_job();
        self.next_sent = next.as_ref().map(|job| job.entry);
        let _ = self.feeder.send(FeederCommand::Load {
            epoch,
            current,
            start: at,
            next,
        });
        self.publish_status();
        if changed {
            self.publish_current();
        }
    }

    /// Moves the queue on and plays what comes, or stops at the end.
    fn advance(&mut self, why: Advance) {
        for _ in 0..=self.queue.entries().len() {
            match self.queue.next(why) {
                Some((entry, _)) if self.broken.contains(&entry) => continue,
                Some(_) => return self.start_current(Duration::ZERO),
                None => break,
            }
        }
        self.stop();
        self.current = None;
        self.publish_current();
    }

    fn previous(&mut self) {
        if self.current.is_none() {
            return;
        }
        if self.position() > RESTART_AFTER {
            return self.seek(Duration::ZERO);
        }
        let before = self.queue.current().map(|(e, _)| e);
        match self.queue.previous() {
            Some((entry, _)) if Some(entry) != before => self.start_current(Duration::ZERO),
            _ => self.seek(Duration::ZERO),
        }
    }

    fn seek(&mut self, to: Duration) {
        let Some(entry) = self.current.as_ref().map(|(entry, _)| *entry) else {
            return;
        };
        let duration = self.infos.get(&entry).and_then(|info| info.duration);
        let to = duration.map_or(to, |d| to.min(d));
        if let Some((_, _, played)) = self.deck.position() {
            self.listened_before_seek += played;
        }
        let paused = self.status.state == PlaybackState::Paused;
        self.start_current(to);
        if paused {
            self.pause();
        }
        self.set_position(to);
        self.emit(PlayerEvent::Position {
            entry,
            position: to,
            duration,
        });
    }

    fn set_position(&self, position: Duration) {
        if let Ok(mut snapshot) = self.snapshot.lock() {
            snapshot.position = position;
        }
    }

    fn pause(&mut self) {
        if self.status.state == PlaybackState::Playing {
            self.deck.paused.store(true, Ordering::Relaxed);
            self.status.state = PlaybackState::Paused;
            self.publish_status();
        }
    }

    fn resume(&mut self) {
        match self.status.state {
            PlaybackState::Paused => {
                self.deck.paused.store(false, Ordering::Relaxed);
                self.status.state = PlaybackState::Playing;
                self.publish_status();
            }
            PlaybackState::Stopped => {
                if self.queue.current().is_none() {
                    // After the end of the queue, start it over.
                    self.queue.next(Advance::Skipped);
                }
                self.start_current(Duration::ZERO);
            }
            PlaybackState::Playing => {}
        }
    }

    fn stop(&mut self) {
        self.deck.epoch.fetch_add(1, Ordering::AcqRel);
        self.deck.entry.store(0, Ordering::Release);
        let _ = self.feeder.send(FeederCommand::Stop);
        self.open_output = None;
        self.loading = None;
        self.next_sent = None;
        self.drained = false;
        self.sought = None;
        if self.status.state != PlaybackState::Stopped {
            self.status.state = PlaybackState::Stopped;
            self.publish_status();
        }
    }

    fn apply_volume(&mut self) {
        let volume = if self.status.muted {
            0.0
        } else {
            // Loudness is heard logarithmically: a cubic curve makes the slider's middle
            // sound like half as loud (about -18 dB).
            self.status.volume.powi(3)
        };
        self.deck.set_volume(volume);
        self.publish_status();
    }

    fn deck_event(&mut self, event: DeckEvent) {
        match event {
            DeckEvent::Started { entry, epoch } => {
                if epoch != self.deck.epoch.load(Ordering::Acquire) {
                    return;
                }
                self.drained = false;
                if self.loading == Some(entry) {
                    self.loading = None;
                    self.sought = None;
                } else if self.next_sent == Some(entry) {
                    // The gapless move to the next track: follow it in the queue.
                    for _ in 0..=self.queue.entries().len() {
                        match self.queue.next(Advance::Ended) {
                            Some((e, _)) if e == entry => break,
                            Some(_) => continue,
                            None => break,
                        }
                    }
                    self.current = self.queue.current().map(|(e, i)| (e, i.clone()));
                    self.listened_before_seek = Duration::ZERO;
                    self.counted = false;
                    self.infos.retain(|e, _| *e == entry);
                    self.next_sent = None;
                    self.publish_queue();
                    self.publish_current();
                    self.send_next();
                } else {
                    return;
                }
                self.emit(PlayerEvent::Started { entry });
            }
            DeckEvent::Ended {
                entry,
                epoch,
                played,
                last,
            } => {
                if epoch != self.deck.epoch.load(Ordering::Acquire) {
                    return;
                }
                if self.current.as_ref().is_some_and(|(e, _)| *e == entry) {
                    self.record_listened(Some(played));
                }
                self.emit(PlayerEvent::Ended { entry });
                if last && self.next_sent.is_none() {
                    self.end_queue();
                } else if last {
                    self.drained = true;
                }
            }
        }
    }

    fn feeder_event(&mut self, event: FeederEvent) {
        match event {
            FeederEvent::Opened { entry, info } => {
                let is_current = self.current.as_ref().is_some_and(|(e, _)| *e == entry);
                self.infos.insert(entry, info);
                if is_current {
                    self.publish_current();
                }
            }
            FeederEvent::Sought { entry, at } => {
                if self.current.as_ref().is_some_and(|(e, _)| *e == entry) && self.sought.is_some()
                {
                    self.sought = Some(at);
                }
            }
            FeederEvent::Failed {
                entry,
                epoch,
                error,
                while_playing,
            } => {
                // The feeder may try an entry again before it hears that it failed: the next
                // track is sent again with every change to the queue (`Play` itself is one).
                // An entry already known broken and no longer wanted is reported once.
                if self.broken.contains(&entry)
                    && self.loading != Some(entry)
                    && self.next_sent != Some(entry)
                {
                    return;
                }
                let item = self
                    .queue
                    .entries()
                    .iter()
                    .find(|(e, _)| *e == entry)
                    .map(|(_, item)| item.clone());
                self.emit(PlayerEvent::Error {
                    item,
                    message: error.to_string(),
                });
                if while_playing || epoch != self.deck.epoch.load(Ordering::Acquire) {
                    // It played in part and ends like any track.
                    return;
                }
                self.broken.insert(entry);
                if self
                    .queue
                    .entries()
                    .iter()
                    .all(|(e, _)| self.broken.contains(e))
                {
                    self.stop();
                    self.emit(PlayerEvent::Error {
                        item: None,
                        message: "nothing in the queue can be played".to_owned(),
                    });
                } else if self.loading == Some(entry) {
                    self.advance(Advance::Skipped);
                } else if self.next_sent == Some(entry) {
                    self.next_sent = None;
                    self.send_next();
                    // The device already ran dry waiting for it, and nothing else follows.
                    if self.drained && self.next_sent.is_none() {
                        self.end_queue();
                    }
                }
            }
        }
    }

    /// The last track of the queue has played: the device closes and the queue moves past it.
    fn end_queue(&mut self) {
        self.stop();
        self.queue.next(Advance::Ended);
        self.current = None;
        self.publish_current();
        self.emit(PlayerEvent::QueueEnded);
    }

    /// Publishes the position when it moved, and counts the track as played once heard
    /// long enough.
    fn tick(&mut self) {
        if self.status.state == PlaybackState::Stopped {
            return;
        }
        self.record_listened(None);
        if let Some((entry, _)) = &self.current {
            let entry = *entry;
            let duration = self.infos.get(&entry).and_then(|info| info.duration);
            let position = self.position();
            if self.snapshot.lock().is_ok_and(|s| s.position == position) {
                return;
            }
            self.set_position(position);
            self.emit(PlayerEvent::Position {
                entry,
                position,
                duration,
            });
        }
    }

    /// Emits [`PlayerEvent::Played`] once the current entry has been heard long enough;
    /// `played` is what the deck reported at its end (else the deck's live count is read).
    fn record_listened(&mut self, played: Option<Duration>) {
        let Some((entry, item)) = &self.current else {
            return;
        };
        if self.counted {
            return;
        }
        let heard = match (played, self.deck.position()) {
            (Some(played), _) => self.listened_before_seek + played,
            (None, Some((e, _, played))) if e == *entry => self.listened_before_seek + played,
            _ => self.listened_before_seek,
        };
        let duration = self.infos.get(entry).and_then(|info| info.duration);
        let needed = duration.map_or(PLAYED_AFTER, |d| (d / 2).min(PLAYED_AFTER));
        if heard >= needed && !needed.is_zero() {
            self.counted = true;
            let item = item.clone();
            self.emit(PlayerEvent::Played { item });
        }
    }

    fn publish_status(&mut self) {
        if let Ok(mut snapshot) = self.snapshot.lock() {
            snapshot.status = self.status.clone();
        }
        self.emit(PlayerEvent::Status(self.status.clone()));
    }

    fn publish_current(&mut self) {
        if let Some(changed) = self.current_held.as_mut() {
            *changed = true;
            return;
        }
        let current = self.now_playing();
        if let Ok(mut snapshot) = self.snapshot.lock() {
            snapshot.current = current.clone();
            snapshot.position = Duration::ZERO;
        }
        self.emit(PlayerEvent::Current(current));
    }

    fn publish_queue(&mut self) {
        let entries = self.queue.shared_entries();
        let places = self.queue.shared_places();
        let upcoming = Arc::new(self.queue.upcoming().iter().map(|(e, _)| *e).collect());
        if let Ok(mut snapshot) = self.snapshot.lock() {
            snapshot.entries = entries;
            snapshot.places = places;
            snapshot.upcoming = upcoming;
        }
        self.emit(PlayerEvent::QueueChanged);
    }
}
