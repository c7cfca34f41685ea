//! The fixtures and their manifest, and a small signal analysis to check what was decoded.

use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/audio")
}

pub fn manifest() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(fixtures().join("manifest.json")).expect("manifest");
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    value["files"].as_array().expect("files").clone()
}

/// The frequency of a pure tone, from the upward zero crossings of its first channel.
pub fn tone_frequency(samples: &[f32], channels: usize, rate: u32) -> f64 {
    let mono: Vec<f32> = samples.iter().step_by(channels).copied().collect();
    let crossings: Vec<usize> = mono
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
        .map(|(i, _)| i)
        .collect();
    let (first, last) = (crossings[0], crossings[crossings.len() - 1]);
    (crossings.len() - 1) as f64 * f64::from(rate) / (last - first) as f64
}
