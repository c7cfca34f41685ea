//! The options the webview's JavaScript engine starts with: when it collects its garbage, and
//! how hard its optimizing compiler works.
//!
//! JavaScriptCore (WebKitGTK's engine) reads its options from the environment of the web
//! process, which WebKit starts with the app's environment: so they are set here, first thing
//! in the app, before any thread or web process exists. A value already in the environment
//! wins. Each was measured with `cargo xtask bench ui` (docs/benchmarks.md).
//!
//! - **Collection threshold.** By default the engine waits until 32 MB have been allocated
//!   since its last collection. Until then every dead object keeps what it holds in WebKit's
//!   native memory alive too (a DOM wrapper keeps its node, a node its styles and text):
//!   scrolling the 100,000-song table and searching grew the web process by 90-140 MB, and it
//!   kept that memory while the app sat idle. With 8 MB the engine collects four times as
//!   often and the app settles about 40 MB lower, with no measurable cost to scrolling or
//!   search.
//! - **The optimizing compilers.** What the DFG compiler builds and keeps for the hot code of
//!   the songs table and search is about 20 MB of the web process's memory after browsing,
//!   and its own code 5-12 MB more; without it, scrolling and search were slower. Kept, but
//!   with no top tier (FTL) above it and inlining one call deep instead of five, the app
//!   holds 5-10 MB less after browsing (under 300 MB in every run), and scrolls and
//!   searches as fast: the compilers share this machine's two cores with the page's own
//!   thread, and shorter compiles take less from it.

/// The options, as JavaScriptCore names them in the environment.
#[cfg(target_os = "linux")]
const OPTIONS: [(&str, &str); 3] = [
    // Bytes allocated between two collections of the JavaScript heap.
    ("JSC_largeHeapSize", "8388608"),
    // No fourth tier: hot code stays in the DFG's build of it.
    ("JSC_useFTLJIT", "false"),
    // The DFG inlines the functions a function calls, not what those call in turn.
    ("JSC_maximumInliningDepth", "1"),
];

/// Sets the engine's options for the web processes the app will start. Call before anything
/// else runs (setting the environment is not safe once threads read it).
#[cfg(target_os = "linux")]
pub fn configure() {
    for (name, value) in OPTIONS {
        crate::webkit_env::set(name, value);
    }
}

/// WebKit on Linux only; the other systems' webviews tune their own engines.
#[cfg(not(target_os = "linux"))]
pub fn configure() {}
