//! Tonearm's audio engine.
//!
//! - [`engine`]: the [`Player`]: a thread driven by commands (play, pause, seek, next...)
//!   that publishes events (track started, position, played...). Start here.
//! - [`queue`]: what plays now and next, shuffle and repeat, as pure logic.
//! - [`catalog`]: how queued items are opened: the caller's [`Catalog`] hands back bytes,
//!   tags and what to show, so the engine knows nothing of the library or the network.
//! - [`source`]: seekable bytes (a local file; the cloud stream reader plugs in here).
//! - [`decode`]: bytes to samples for every format the library lists (Opus through a
//!   pure-Rust decoder), with encoder delay and padding trimmed for gapless playback.
//! - [`gain`]: ReplayGain, track or album, with preamp and peak protection.
//! - `feeder` and [`deck`]: the decoding thread and the device-side source; together they
//!   make track changes gapless.
//! - [`output`]: the sound device, behind a trait.
//! - `media_controls` (feature `media-controls`): the OS media keys and now-playing display.

pub mod catalog;
pub mod deck;
pub mod decode;
pub mod engine;
pub mod error;
mod feeder;
pub mod gain;
#[cfg(feature = "media-controls")]
pub mod media_controls;
pub mod output;
pub mod queue;
pub mod source;

pub use catalog::{Catalog, Playable, TrackInfo};
pub use engine::{Command, PlaybackState, Player, PlayerEvent, Snapshot};
pub use error::PlayerError;
pub use queue::{EntryId, Queue, Repeat};
