//! What Tonearm's tests and benchmarks share, written once: the committed audio fixtures,
//! WAV files made on the spot and the pitch of what was heard, seeded randomness, a library
//! filled with music, the library file iTunes exports, a locker server on loopback and the
//! devices that talk to it, the release server in a child process for the server's
//! benchmarks, and a database and a bucket of a test's own on the PostgreSQL and S3-compatible
//! servers `cargo xtask test` starts.
//!
//! A dev-dependency only (`publish = false`): no crate's own code may use it. Helpers panic
//! with a message saying what failed, as a test would. The parts that need another Tonearm
//! crate sit behind a feature (`library`, `server`), so a crate's tests pull in only what
//! they use.

pub mod cases;
#[cfg(feature = "sync")]
pub mod device;
pub mod fixtures;
pub mod itunes;
#[cfg(feature = "library")]
pub mod library;
#[cfg(feature = "server")]
pub mod locker;
pub mod rng;
pub mod server_process;
pub mod services;
pub mod signal;
pub mod sound;
pub mod vocabulary;
pub mod wav;
