//! Player benchmark (`cargo xtask bench player`): time from "play" to the first decoded
//! sample, samples added at a track change (gapless) per format, and the CPU a FLAC costs to
//! decode in real time. Release build; prints one line per figure.
//!
//! Usage: bench_player FIXTURES_DIR

use std::path::Path;
use std::time::{Duration, Instant};
use tonearm_player::decode::{self, PcmStream};
use tonearm_player::source::FileSource;

fn open(path: &Path) -> Box<dyn PcmStream> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    decode::open(
        Box::new(FileSource::open(path).expect("file")),
        ext.as_deref(),
        "bench",
    )
    .expect("decodable")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("fixtures dir"));

    for name in ["tagged.flac", "id3v24.mp3"] {
        let mut times: Vec<Duration> = (0..200)
            .map(|_| {
                let started = Instant::now();
                let mut stream = open(&dir.join(name));
                let block = stream.next_block().expect("decodes").expect("a block");
                std::hint::black_box(block);
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "play to first sample, {name}: median {:.2} ms, p99 {:.2} ms (open + probe + first packet; the device adds its buffer)",
            percentile(&times, 0.5).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3
        );
    }

    // Each fixture is exactly one second of tone: anything beyond is padding that would be
    // heard as a gap at a track change.
    for (name, rate) in [
        ("id3v24.mp3", 44_100),
        ("tagged.flac", 44_100),
        ("tagged.ogg", 44_100),
        ("tagged.opus", 48_000),
        ("tagged.wav", 44_100),
        ("aac.m4a", 44_100),
    ] {
        let mut stream = open(&dir.join(name));
        let channels = usize::from(stream.channels());
        let mut frames = 0usize;
        while let Some(block) = stream.next_block().expect("decodes") {
            frames += block.len() / channels;
        }
        println!(
            "samples added at a track change, {name}: {}",
            frames as i64 - rate
        );
    }

    // Real-time cost of FLAC: decode the one-second FLAC repeatedly for 3 s of CPU time.
    let started = Instant::now();
    let mut seconds_of_audio = 0.0;
    while started.elapsed() < Duration::from_secs(3) {
        let mut stream = open(&dir.join("tagged.flac"));
        while let Some(block) = stream.next_block().expect("decodes") {
            seconds_of_audio += block.len() as f64 / 2.0 / 44_100.0;
        }
    }
    let cpu = started.elapsed().as_secs_f64();
    println!(
        "FLAC decode: {:.0}x real time, {:.2}% of one core while playing (decode only; mixing and the device are extra)",
        seconds_of_audio / cpu,
        100.0 * cpu / seconds_of_audio
    );
}
