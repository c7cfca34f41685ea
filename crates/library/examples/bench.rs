//! Library benchmark: scan speed, rescan speed, search latency and peak memory on a synthetic
//! library. Run through `cargo xtask bench library`, which builds it in release mode and
//! generates the libraries; prints one line per figure.
//!
//! Usage: bench MUSIC_DIR DATA_DIR [--searches N]

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use tonearm_library::{Library, ScanControl, ScanReport};

fn scan(library: &Library) -> (ScanReport, Duration) {
    let cancel = AtomicBool::new(false);
    let started = Instant::now();
    let report = library
        .scan(&ScanControl {
            cancel: &cancel,
            progress: &|_| {},
        })
        .expect("scan");
    (report, started.elapsed())
}

/// Peak resident memory of this process so far (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn audio_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            audio_files(&path, out);
        } else if tonearm_library::scan::walk::is_supported(&path) {
            out.push(path);
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (music, data) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let _ = std::fs::remove_dir_all(&data);
    let library = Library::open(&data, &data.join("cache")).expect("library");
    library.add_folder(&music).expect("folder");

    let (report, took) = scan(&library);
    let n = report.files_found;
    println!("tracks: {n}");
    println!(
        "first scan: {:.2} s, {:.0} tracks/s (added {})",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        report.added
    );
    println!(
        "peak memory after first scan: {:.0} MB",
        peak_rss_mb().unwrap_or(f64::NAN)
    );

    let (report, took) = scan(&library);
    println!(
        "rescan, nothing changed: {:.3} s ({} unchanged)",
        took.as_secs_f64(),
        report.unchanged
    );

    let mut files = Vec::new();
    audio_files(&music, &mut files);
    files.sort();
    let touched = (files.len() / 100).max(1);
    let later = std::time::SystemTime::now() + Duration::from_secs(5);
    for path in files.iter().step_by(100).take(touched) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(later))
            .expect("touch");
    }
    let (report, took) = scan(&library);
    println!(
        "rescan after touching 1% ({touched} files): {:.3} s ({} re-read)",
        took.as_secs_f64(),
        report.updated
    );

    // Search as you type: every prefix of words taken from the library's own titles/artists.
    let sample = library
        .tracks(&Default::default(), Default::default(), false, 0, 400)
        .expect("tracks")
        .items;
    let mut words: Vec<String> = sample
        .iter()
        .flat_map(|t| [t.title.clone(), t.artist.clone().unwrap_or_default()])
        .flat_map(|text| {
            text.split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .filter(|w| w.chars().count() >= 3 && w.chars().all(char::is_alphanumeric))
        .collect();
    words.sort();
    words.dedup();
    let mut timings = Vec::new();
    for word in words.iter().take(150) {
        let chars: Vec<char> = word.chars().collect();
        for end in 1..=chars.len() {
            let query: String = chars[..end].iter().collect();
            let started = Instant::now();
            let page = library.search(&query, 0, 50).expect("search");
            timings.push(started.elapsed());
            std::hint::black_box(page);
        }
    }
    timings.sort();
    println!(
        "search as you type ({} queries, first 50 results): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        timings.len(),
        percentile(&timings, 0.50).as_secs_f64() * 1e3,
        percentile(&timings, 0.99).as_secs_f64() * 1e3,
        timings.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    println!(
        "peak memory overall: {:.0} MB",
        peak_rss_mb().unwrap_or(f64::NAN)
    );
}
