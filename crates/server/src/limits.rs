//! Everything a caller can make the server spend has a bound, and the bounds are here, with
//! their defaults (docs/security.md lists them for operators).
//!
//! - password checks: a fixed pool of workers with short queues (`passwords`);
//! - failed logins: per name and address, per address, per account (`throttle`);
//! - connections: how many at once, how long a client may take to send its request headers,
//!   and how long a connection may sit with no byte moving either way (`listener`);
//! - request bodies: JSON bodies are small; upload data goes through tus, bounded by the
//!   declared length, the per-file limit and the quota;
//! - unfinished uploads: how many one user may hold open and how many bytes they reserve,
//!   whether or not a quota is set;
//! - upload buffers: each PATCH buffers one part in memory, and only so many at once.

use crate::passwords::PoolLimits;
use crate::throttle::ThrottleLimits;
use std::time::Duration;

/// The largest JSON request body, in bytes. The biggest legitimate one is a batch of playlist
/// operations (a few hundred bytes each).
pub const JSON_BODY: usize = 1024 * 1024;

/// The bounds of one server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Password checks.
    pub passwords: PoolLimits,
    /// Failed logins.
    pub throttle: ThrottleLimits,
    /// Open connections; further clients wait in the kernel's queue until one closes.
    pub max_connections: usize,
    /// A client must send its request's headers within this long (slow-loris defence).
    pub header_timeout: Duration,
    /// A connection where no byte moved either way for this long is closed.
    pub idle_timeout: Duration,
    /// Unfinished uploads one user may hold.
    pub max_open_uploads: u64,
    /// Bytes one user's unfinished uploads may reserve, quota or not.
    pub max_reserved_bytes: u64,
    /// Received upload bytes are staged and committed in parts of at most this size.
    pub upload_part_bytes: usize,
    /// Parts buffered in memory at once, across every upload.
    pub upload_buffers: usize,
    /// How long a PATCH waits for a free part buffer before it is answered 503.
    pub upload_buffer_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            passwords: PoolLimits::default(),
            throttle: ThrottleLimits::default(),
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(120),
            max_open_uploads: 32,
            max_reserved_bytes: 32 * 1024 * 1024 * 1024,
            upload_part_bytes: 8 * 1024 * 1024,
            upload_buffers: 32,
            upload_buffer_wait: Duration::from_secs(5),
        }
    }
}
