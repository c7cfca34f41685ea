//! Getting samples to the speakers.
//!
//! [`TrackSource`] turns a decoded stream into a rodio source with its ReplayGain factor
//! applied; [`Output`] is where sources go. [`DeviceOutput`] is the real sound device (rodio's
//! mixer on cpal). Sources appended to an output play back to back with nothing in between,
//! which is what makes playback gapless: the next track's first sample follows the previous
//! track's last one.

use crate::decode::PcmStream;
use crate::error::PlayerError;
use std::num::NonZero;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Decode errors met while a track was already playing (a truncated file), by track.
pub type ErrorLog = Arc<Mutex<Vec<(String, PlayerError)>>>;

/// A track being played: decodes as the output pulls samples.
pub struct TrackSource {
    stream: Box<dyn PcmStream>,
    block: Vec<f32>,
    position: usize,
    gain: f32,
    channels: NonZero<u16>,
    sample_rate: NonZero<u32>,
    what: String,
    errors: ErrorLog,
}

impl std::fmt::Debug for TrackSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrackSource")
            .field("what", &self.what)
            .field("gain", &self.gain)
            .finish_non_exhaustive()
    }
}

impl TrackSource {
    /// `gain` is a linear factor (see [`crate::gain::factor`]); errors while playing go to `errors`.
    pub fn new(
        stream: Box<dyn PcmStream>,
        gain: f32,
        what: &str,
        errors: ErrorLog,
    ) -> Result<Self, PlayerError> {
        let bad = |reason: &str| PlayerError::Decode {
            what: what.to_owned(),
            reason: reason.to_owned(),
        };
        let channels = NonZero::new(stream.channels()).ok_or_else(|| bad("no channels"))?;
        let sample_rate =
            NonZero::new(stream.sample_rate()).ok_or_else(|| bad("no sample rate"))?;
        Ok(Self {
            stream,
            block: Vec::new(),
            position: 0,
            gain,
            channels,
            sample_rate,
            what: what.to_owned(),
            errors,
        })
    }
}

impl Iterator for TrackSource {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        while self.position >= self.block.len() {
            match self.stream.next_block() {
                Ok(Some(block)) => {
                    self.block = block;
                    self.position = 0;
                }
                Ok(None) => return None,
                Err(error) => {
                    tracing::warn!(what = %self.what, %error, "track stopped early");
                    if let Ok(mut errors) = self.errors.lock() {
                        errors.push((self.what.clone(), error));
                    }
                    return None;
                }
            }
        }
        let sample = self.block[self.position] * self.gain;
        self.position += 1;
        Some(sample)
    }
}

impl rodio::Source for TrackSource {
    fn current_span_len(&self) -> Option<usize> {
        None
    }

    fn channels(&self) -> rodio::ChannelCount {
        self.channels
    }

    fn sample_rate(&self) -> rodio::SampleRate {
        self.sample_rate
    }

    fn total_duration(&self) -> Option<Duration> {
        self.stream.duration()
    }
}

/// Where tracks are played.
pub trait Output {
    /// Queues a track to start right after the ones already queued.
    fn append(&self, track: TrackSource);
    /// Blocks until everything queued has played.
    fn wait_until_done(&self);
    fn pause(&self);
    fn resume(&self);
    /// Linear volume, 0.0 ..= 1.0.
    fn set_volume(&self, volume: f32);
}

/// The system's default sound device.
pub struct DeviceOutput {
    // Kept alive for as long as playback runs: dropping it closes the device.
    _device: rodio::MixerDeviceSink,
    player: rodio::Player,
}

impl std::fmt::Debug for DeviceOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceOutput").finish_non_exhaustive()
    }
}

impl DeviceOutput {
    /// Opens the default output device.
    pub fn open_default() -> Result<Self, PlayerError> {
        let mut device = rodio::DeviceSinkBuilder::open_default_sink()
            .map_err(|e| PlayerError::Output(e.to_string()))?;
        device.log_on_drop(false);
        let player = rodio::Player::connect_new(device.mixer());
        Ok(Self {
            _device: device,
            player,
        })
    }
}

impl Output for DeviceOutput {
    fn append(&self, track: TrackSource) {
        self.player.append(track);
    }

    fn wait_until_done(&self) {
        self.player.sleep_until_end();
    }

    fn pause(&self) {
        self.player.pause();
    }

    fn resume(&self) {
        self.player.play();
    }

    fn set_volume(&self, volume: f32) {
        self.player.set_volume(volume.clamp(0.0, 1.0));
    }
}
