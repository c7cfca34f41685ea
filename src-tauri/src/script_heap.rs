//! How much garbage the webview's JavaScript engine lets pile up before it collects.
//!
//! JavaScriptCore (WebKitGTK's engine) waits until 32 MB have been allocated since its last
//! collection before it collects again. Until then every dead object keeps what it holds in
//! WebKit's native memory alive too (a DOM wrapper keeps its node, a node its styles and text):
//! scrolling the 100,000-song table and searching grew the web process by 90-140 MB, and it
//! kept that memory while the app sat idle. With 8 MB the engine collects four times as often
//! and the app settles about 40 MB lower, with no measurable cost to scrolling or search
//! (`cargo xtask bench ui`, docs/benchmarks.md).
//!
//! The engine reads its options from the environment of the web process, which WebKit starts
//! with the app's environment: so the option is set here, first thing in the app, before any
//! thread or web process exists. A value already in the environment wins.

/// Bytes allocated between two collections of the JavaScript heap.
#[cfg(target_os = "linux")]
const HEAP_BETWEEN_COLLECTIONS: &str = "8388608";

/// Sets the engine's collection threshold for the web processes the app will start. Call
/// before anything else runs (setting the environment is not safe once threads read it).
#[cfg(target_os = "linux")]
pub fn configure() {
    crate::webkit_env::set("JSC_largeHeapSize", HEAP_BETWEEN_COLLECTIONS);
}

/// WebKit on Linux only; the other systems' webviews tune their own engines.
#[cfg(not(target_os = "linux"))]
pub fn configure() {}
