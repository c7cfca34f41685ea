//! Where samples go.
//!
//! An [`OutputDevice`] takes the [`Deck`] and plays it until the returned guard is dropped.
//! [`DefaultDevice`] is the system's default sound device through rodio (cpal underneath:
//! ALSA or PulseAudio/PipeWire on Linux, WASAPI on Windows, CoreAudio on macOS). The engine
//! opens it when playback starts and drops it when playback stops, so an idle player does not
//! hold the device (nor keep a laptop awake). [`RecordingDevice`] is a virtual sound card for
//! machines without one.

use crate::deck::Deck;
use crate::error::PlayerError;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The device rate asked for first: CD audio's.
const PREFERRED_RATE: std::num::NonZero<u32> = match std::num::NonZero::new(44_100) {
    Some(rate) => rate,
    None => unreachable!(),
};

/// Something that can play the deck.
pub trait OutputDevice: Send {
    /// Starts pulling samples from `deck`; playing stops when the returned value is dropped.
    fn open(&self, deck: Deck) -> Result<Box<dyn std::any::Any>, PlayerError>;
}

/// The system's default sound device.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultDevice;

impl OutputDevice for DefaultDevice {
    fn open(&self, deck: Deck) -> Result<Box<dyn std::any::Any>, PlayerError> {
        let failed = |source: rodio::DeviceSinkError| PlayerError::NoOutput { source };
        // The CD rate when the device takes it (most do; PulseAudio and PipeWire take any):
        // most music is 44.1 kHz and then plays bit-exact, without resampling. Other
        // devices get their own configuration. Transient device errors (an ALSA plug-in
        // not ready yet) are recovered from by cpal; they go to the log, not the terminal.
        let mut device = rodio::DeviceSinkBuilder::from_default_device()
            .map_err(failed)?
            .with_sample_rate(PREFERRED_RATE)
            .with_error_callback(|error| tracing::debug!(%error, "audio device"))
            .open_sink_or_fallback()
            .map_err(failed)?;
        device.log_on_drop(false);
        device.mixer().add(deck);
        Ok(Box::new(device))
    }
}

/// A virtual sound card that records what it plays, in 44.1 kHz stereo, at `speed` times
/// real time: the engine's path to a device where there is no sound card (tests,
/// benchmarks). It pulls through rodio's mixer as [`DefaultDevice`] does, in 10 ms periods.
#[derive(Debug, Clone)]
pub struct RecordingDevice {
    speed: f64,
    recorded: Arc<Mutex<Vec<f32>>>,
    opened: Arc<AtomicUsize>,
}

impl RecordingDevice {
    pub const RATE: u32 = 44_100;

    /// A device that plays `speed` times faster than real time (1.0: real time).
    pub fn new(speed: f64) -> Self {
        Self {
            speed,
            recorded: Arc::default(),
            opened: Arc::default(),
        }
    }

    /// Everything played so far, interleaved stereo.
    pub fn recorded(&self) -> Vec<f32> {
        match self.recorded.lock() {
            Ok(recorded) => recorded.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// How many times the device was opened.
    pub fn times_opened(&self) -> usize {
        self.opened.load(Ordering::Relaxed)
    }
}

/// Stops the recording thread when dropped.
struct Recording {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Recording {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl OutputDevice for RecordingDevice {
    fn open(&self, deck: Deck) -> Result<Box<dyn std::any::Any>, PlayerError> {
        use std::num::NonZero;
        let bad = |what: &str| PlayerError::Output(what.to_owned());
        let rate = NonZero::new(Self::RATE).ok_or_else(|| bad("no rate"))?;
        let channels = NonZero::new(2).ok_or_else(|| bad("no channels"))?;
        let (mixer, mut source) = rodio::mixer::mixer(channels, rate);
        mixer.add(deck);
        let stop = Arc::new(AtomicBool::new(false));
        let (recorded, speed, stopping) = (self.recorded.clone(), self.speed, stop.clone());
        self.opened.fetch_add(1, Ordering::Relaxed);
        let thread = std::thread::Builder::new()
            .name("tonearm-recording-device".into())
            .spawn(move || {
                let period = Self::RATE as usize / 100;
                let started = std::time::Instant::now();
                let mut frames = 0usize;
                let mut buffer = Vec::with_capacity(period * 2);
                while !stopping.load(Ordering::Relaxed) {
                    buffer.clear();
                    buffer.extend((&mut source).take(period * 2));
                    buffer.resize(period * 2, 0.0);
                    if let Ok(mut recorded) = recorded.lock() {
                        recorded.extend_from_slice(&buffer);
                    }
                    frames += period;
                    let due = std::time::Duration::from_secs_f64(
                        frames as f64 / f64::from(Self::RATE) / speed,
                    );
                    if let Some(wait) = due.checked_sub(started.elapsed()) {
                        std::thread::sleep(wait);
                    }
                }
            })
            .map_err(|e| bad(&e.to_string()))?;
        Ok(Box::new(Recording {
            stop,
            thread: Some(thread),
        }))
    }
}
