//! WAV files made on the spot (16-bit PCM at 44.1 kHz): a tone whose pitch a test can check
//! after decoding, or noise the size of a real track whose bytes are its own.

use std::path::{Path, PathBuf};

/// The sample rate of every file written here.
pub const RATE: u32 = 44_100;

/// A 16-bit PCM WAV header for `frames` frames of `channels` channels.
pub fn header(channels: u16, frames: u32) -> Vec<u8> {
    let block = u32::from(channels) * 2;
    let data = frames * block;
    let mut bytes = Vec::with_capacity(44 + data as usize);
    for part in [
        &b"RIFF"[..],
        &(36 + data).to_le_bytes(),
        b"WAVEfmt ",
        &16u32.to_le_bytes(),
        &1u16.to_le_bytes(),
        &channels.to_le_bytes(),
        &RATE.to_le_bytes(),
        &(RATE * block).to_le_bytes(),
        &(block as u16).to_le_bytes(),
        &16u16.to_le_bytes(),
        b"data",
        &data.to_le_bytes(),
    ] {
        bytes.extend_from_slice(part);
    }
    bytes
}

/// Writes a mono WAV of `seconds` of a sine at `hz`, `amplitude` of full scale (0 to 1),
/// tagged with nothing.
pub fn write_tone(path: &Path, hz: f64, seconds: f64, amplitude: f64) {
    let frames = (seconds * f64::from(RATE)) as u32;
    let mut bytes = header(1, frames);
    for i in 0..frames {
        let t = f64::from(i) / f64::from(RATE);
        let sample = (amplitude * (2.0 * std::f64::consts::PI * hz * t).sin() * 32_767.0) as i16;
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, bytes).expect("write the tone");
}

/// `count` tones in `dir` (`tone0.wav`...), each `seconds` long at its own pitch: `base_hz`,
/// then `step_hz` higher each; at 0.4 of full scale. Returns their paths in that order.
pub fn write_tones(
    dir: &Path,
    count: usize,
    base_hz: f64,
    step_hz: f64,
    seconds: f64,
) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let path = dir.join(format!("tone{i}.wav"));
            write_tone(&path, base_hz + step_hz * i as f64, seconds, 0.4);
            path
        })
        .collect()
}

/// Writes a stereo WAV of `seconds` of noise from `seed` (so every file differs): the size
/// of a real track, for uploads and streaming.
pub fn write_noise(path: &Path, seed: u64, seconds: f64) {
    let frames = (seconds * f64::from(RATE)) as u32;
    let mut bytes = header(2, frames);
    let start = bytes.len();
    bytes.resize(start + frames as usize * 4, 0);
    let mut rng = crate::rng::Rng::new(seed);
    rng.fill(&mut bytes[start..]);
    // A quarter of full scale: noise, not a blast.
    for sample in bytes[start..].chunks_exact_mut(2) {
        let quieter = i16::from_le_bytes([sample[0], sample[1]]) / 4;
        sample.copy_from_slice(&quieter.to_le_bytes());
    }
    std::fs::write(path, bytes).expect("write the noise");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_have_the_length_their_header_says() {
        let dir = tempfile::tempdir().expect("temp dir");
        let tone = dir.path().join("tone.wav");
        write_tone(&tone, 440.0, 0.5, 0.5);
        let bytes = std::fs::read(&tone).expect("tone");
        assert_eq!(bytes.len(), 44 + 22_050 * 2);
        assert_eq!(&bytes[..4], b"RIFF");
        let noise = dir.path().join("noise.wav");
        write_noise(&noise, 3, 0.25);
        let bytes = std::fs::read(&noise).expect("noise");
        assert_eq!(bytes.len(), 44 + 11_025 * 4);
        assert_eq!(bytes[40..44], (11_025u32 * 4).to_le_bytes());
    }
}
