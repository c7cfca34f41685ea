//! Checks of what was heard or decoded: the pitch of a tone, whatever the sample type (the
//! player's `f32`, 16-bit samples captured from a sound card).

/// The frequency of a pure tone in mono `samples` at `rate` Hz, from its upward zero
/// crossings. Needs at least two crossings.
pub fn frequency<T: Copy + Into<f64>>(samples: &[T], rate: u32) -> f64 {
    let crossings: Vec<usize> = samples
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0].into() < 0.0 && w[1].into() >= 0.0)
        .map(|(i, _)| i)
        .collect();
    let (first, last) = (crossings[0], crossings[crossings.len() - 1]);
    (crossings.len() - 1) as f64 * f64::from(rate) / (last - first) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_has_its_frequency_in_any_sample_type() {
        let sine: Vec<f32> = (0..44_100)
            .map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 44_100.0).sin())
            .collect();
        assert!((frequency(&sine, 44_100) - 440.0).abs() < 0.5);
        let pcm: Vec<i16> = sine.iter().map(|s| (s * 16_000.0) as i16).collect();
        assert!((frequency(&pcm, 44_100) - 440.0).abs() < 0.5);
    }
}
