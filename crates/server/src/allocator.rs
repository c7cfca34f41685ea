//! The process's memory allocator, told to give large blocks back to the system.
//!
//! glibc's malloc serves a block of 128 KiB or more with its own `mmap`, returned to the
//! system when freed; but when such a block is freed it raises that threshold to the block's
//! size (up to 32 MiB), and the trim threshold to twice that. After the first upload has
//! freed its 8 MiB part buffers, every later part buffer, S3 response and large answer comes
//! from the heaps of the threads that asked (a tokio worker or one of 32 blocking threads),
//! which keep it: the server sat at 64-75 MiB after three uploads and peaked at 95-105 MiB
//! while 200 clients streamed (`cargo xtask bench server`). Setting the threshold turns the
//! raising off: blocks of 1 MiB or more are always mapped and unmapped, the heaps are trimmed
//! down to what they hold, and the same run measured 52 MiB after the uploads and 62-69 MiB
//! at its peak, for about 10 µs more CPU per range request.
//!
//! One of the workspace's two `unsafe` places (the other is the shell's heap trimmer): glibc
//! offers this only as a C function.

/// Blocks from this size up get their own mapping, returned to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 1024 * 1024;

/// Fixes malloc's thresholds. Call first thing in `main`, before any thread starts.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn configure() {
    // SAFETY: `mallopt` only sets one of malloc's parameters, from the main thread before any
    // other thread allocates. It returns 0 if the value is refused; malloc then keeps its
    // default, which works, so there is nothing else to do.
    let _ = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
}

/// Other allocators (macOS, Windows, musl) return memory in their own ways.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn configure() {}
