//! Tonearm's audio engine.
//!
//! - [`queue`]: what plays now and next, shuffle and repeat, as pure logic.
//! - [`source`]: where bytes come from (a local file now, the cloud stream later).
//! - [`decode`]: bytes to samples for every format the library lists (Opus through a
//!   pure-Rust decoder), with encoder delay and padding trimmed for gapless playback.
//! - [`gain`]: ReplayGain, track or album, with preamp and peak protection.
//! - [`output`]: samples to the sound device, back to back.
//! - [`playback`]: playing a list of files to the end (what `tonearm play` does).
//!
//! The engine thread with transport controls, events and OS media controls builds on these.

pub mod decode;
pub mod error;
pub mod gain;
pub mod output;
pub mod playback;
pub mod queue;
pub mod source;

pub use error::PlayerError;
pub use queue::{EntryId, Queue, Repeat};
