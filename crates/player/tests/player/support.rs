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

/// The left channel of interleaved stereo.
pub fn left(stereo: &[f32]) -> Vec<f32> {
    stereo.iter().step_by(2).copied().collect()
}

/// From the first to the last sample that is not silent.
pub fn music(samples: &[f32]) -> &[f32] {
    let first = samples.iter().position(|s| s.abs() > 1e-4).unwrap_or(0);
    let last = samples.iter().rposition(|s| s.abs() > 1e-4).unwrap_or(0);
    &samples[first..=last.max(first)]
}

/// The longest run of near-silent samples.
pub fn longest_quiet_run(samples: &[f32]) -> usize {
    samples
        .split(|s| s.abs() >= 0.01)
        .map(<[f32]>::len)
        .max()
        .unwrap_or(0)
}

pub fn peak(samples: &[f32]) -> f32 {
    samples.iter().fold(0.0, |peak, s| peak.max(s.abs()))
}

/// The tones heard one after another in mono `samples`, to the nearest 10 Hz: measured over
/// 50 ms windows, keeping tones that last at least 150 ms.
pub fn frequencies(samples: &[f32], rate: u32) -> Vec<u32> {
    let window = rate as usize / 20;
    let mut runs: Vec<(u32, usize)> = Vec::new();
    for part in samples.chunks_exact(window) {
        if peak(part) < 0.01 {
            continue;
        }
        let hz = (tone_frequency(part, 1, rate) / 10.0).round() as u32 * 10;
        match runs.last_mut() {
            Some((last, count)) if *last == hz => *count += 1,
            _ => runs.push((hz, 1)),
        }
    }
    let mut tones: Vec<u32> = runs
        .into_iter()
        .filter(|(_, count)| *count >= 3)
        .map(|(hz, _)| hz)
        .collect();
    tones.dedup();
    tones
}

/// Writes a mono 16-bit 44.1 kHz WAV file of a sine tone.
pub fn write_tone(path: &Path, hz: f64, seconds: f64, amplitude: f64) {
    let frames = (seconds * 44_100.0) as u32;
    let mut bytes = Vec::with_capacity(44 + frames as usize * 2);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + frames * 2).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&44_100u32.to_le_bytes());
    bytes.extend_from_slice(&88_200u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&(frames * 2).to_le_bytes());
    for i in 0..frames {
        let t = f64::from(i) / 44_100.0;
        let sample = (amplitude * (2.0 * std::f64::consts::PI * hz * t).sin() * 32_767.0) as i16;
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, bytes).expect("write the tone");
}
