//! Every fixture decodes to the right tone and length; broken ones fail with a reason.

use crate::support::{fixtures, manifest, tone_frequency};
use std::time::Duration;
use tonearm_player::PlayerError;
use tonearm_player::decode::{self, PcmStream};
use tonearm_player::source::{ByteSource, FileSource};

fn open(name: &str) -> Result<Box<dyn PcmStream>, PlayerError> {
    let path = fixtures().join(name);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    decode::open(Box::new(FileSource::open(&path)?), ext.as_deref(), name)
}

fn decode_all(stream: &mut dyn PcmStream) -> Result<Vec<f32>, PlayerError> {
    let mut all = Vec::new();
    while let Some(block) = stream.next_block()? {
        all.extend(block);
    }
    Ok(all)
}

#[test]
fn every_playable_fixture_decodes_to_its_tone_and_length() {
    for entry in manifest() {
        let name = entry["name"].as_str().expect("name");
        if !entry["broken"].is_null() || entry["format"] == "wavpack" {
            continue;
        }
        let mut stream = open(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let samples = decode_all(stream.as_mut()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let channels = usize::from(stream.channels());
        assert_eq!(
            channels as u64,
            entry["channels"].as_u64().expect("channels"),
            "{name}"
        );
        let expected_rate = entry["sample_rate"].as_u64().expect("rate") as u32;
        assert_eq!(stream.sample_rate(), expected_rate, "{name}");
        let frequency = tone_frequency(&samples, channels, stream.sample_rate());
        let expected = entry["frequency_hz"].as_f64().expect("frequency");
        assert!(
            (frequency - expected).abs() < expected * 0.01,
            "{name}: {frequency:.1} Hz, expected {expected}"
        );
        let ms = samples.len() as f64 / channels as f64 / f64::from(stream.sample_rate()) * 1000.0;
        // Encoder delay and padding are trimmed (MP3, Opus); AAC keeps its ~23 ms of priming.
        let tolerance = if entry["codec"] == "aac" { 60.0 } else { 5.0 };
        assert!(
            (ms - 1000.0).abs() <= tolerance,
            "{name}: {ms:.1} ms of audio"
        );
    }
}

#[test]
fn broken_and_unsupported_files_fail_with_a_reason() {
    for (name, expect) in [
        ("empty.flac", "empty"),
        ("garbage.mp3", "not a playable audio file"),
        ("garbage.ogg", "not a playable audio file"),
    ] {
        let error = open(name)
            .err()
            .unwrap_or_else(|| panic!("{name} must not open"))
            .to_string();
        assert!(error.contains(expect), "{name}: {error}");
    }
    match open("tagged.wv") {
        Err(PlayerError::Unsupported { format }) => assert_eq!(format, "WavPack"),
        other => panic!("WavPack must be refused clearly, got {:?}", other.err()),
    }
    // The truncated FLAC opens and plays what it has, then stops: never a full second.
    let mut stream = open("truncated.flac").expect("its header is intact");
    let mut frames = 0usize;
    while let Ok(Some(block)) = stream.next_block() {
        frames += block.len() / usize::from(stream.channels());
    }
    assert!(frames > 0 && frames < 44_100 * 3 / 4, "{frames} frames");
}

#[test]
fn seeking_lands_where_asked_and_decodes_the_rest() {
    for name in [
        "tagged.flac",
        "tagged.ogg",
        "tagged.opus",
        "id3v24.mp3",
        "tagged.wav",
    ] {
        let mut stream = open(name).expect(name);
        let landed = stream.seek(Duration::from_millis(600)).expect("seek");
        assert!(
            (landed.as_secs_f64() - 0.6).abs() < 0.05,
            "{name}: landed at {landed:?}"
        );
        let rest = decode_all(stream.as_mut()).expect("decode");
        let ms = rest.len() as f64 / f64::from(stream.channels()) / f64::from(stream.sample_rate())
            * 1000.0;
        assert!(
            (ms - 400.0).abs() < 50.0,
            "{name}: {ms:.0} ms after the seek"
        );
    }
}

/// Bytes from memory: what the cloud streaming reader will look like to the engine.
struct Memory(std::io::Cursor<Vec<u8>>);

impl std::io::Read for Memory {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}
impl std::io::Seek for Memory {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.seek(pos)
    }
}
impl ByteSource for Memory {
    fn byte_len(&self) -> Option<u64> {
        Some(self.0.get_ref().len() as u64)
    }
}

#[test]
fn any_seekable_byte_source_plays_and_opus_is_recognised_by_its_content() {
    let bytes = std::fs::read(fixtures().join("tagged.opus")).expect("read");
    // No extension hint at all: the content says Opus.
    let mut stream = decode::open(
        Box::new(Memory(std::io::Cursor::new(bytes))),
        None,
        "stream",
    )
    .expect("opens");
    let samples = decode_all(stream.as_mut()).expect("decodes");
    assert!((tone_frequency(&samples, 2, 48_000) - 700.0).abs() < 7.0);
}
