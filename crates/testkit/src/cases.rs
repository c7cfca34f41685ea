//! How many cases a property test or fuzz target runs: its own bounded default, so the whole
//! suite keeps its time in CI, or `PROPTEST_CASES` for a longer hunt.

/// `PROPTEST_CASES` when set to a number, otherwise `default`.
#[must_use]
pub fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}
