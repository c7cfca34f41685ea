//! A small signal analysis to check what was decoded; the fixtures, their manifest and the
//! tone writer come from `tonearm-testkit`.

pub use tonearm_testkit::fixtures::{audio_dir as fixtures, manifest};
pub use tonearm_testkit::wav::write_tone;

/// The frequency of a pure tone, from the upward zero crossings of its first channel.
pub fn tone_frequency(samples: &[f32], channels: usize, rate: u32) -> f64 {
    let mono: Vec<f32> = samples.iter().step_by(channels).copied().collect();
    tonearm_testkit::signal::frequency(&mono, rate)
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
