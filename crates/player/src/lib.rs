//! Tonearm's audio engine.
//!
//! So far the play queue ([`queue`]): what plays now, what comes next, shuffle and repeat, as
//! pure logic with no audio or I/O, so its rules are tested exhaustively. Decoding, gapless
//! output and ReplayGain build on it.

pub mod queue;

pub use queue::{EntryId, Queue, Repeat};
