//! Library benchmark: scan speed, rescan speed, search latency and peak memory on a synthetic
//! library. Run through `cargo xtask bench library`, which builds it in release mode and
//! generates the libraries; prints one line per figure.
//!
//! Usage: bench MUSIC_DIR DATA_DIR [--mutagen PYTHON SCRIPT] [--first-scan-only | --rescans-only]
//!
//! Each scan also reports the CPU time it took (Linux): the whole process's, and the calling
//! thread's, which is the scanner's one writer. Unlike wall-clock time, these hold on a
//! machine busy with other work, and show whether the writer or the readers set the pace.
//!
//! `--mutagen` runs the yardstick of the first scan, right after it and on the same files:
//! `PYTHON SCRIPT MUSIC_DIR`, where `SCRIPT` is `bench_mutagen.py` (a bare mutagen loop that
//! prints `mutagen: N files, T s, R files/s`), and prints how many times faster the scan was.
//! `--first-scan-only` stops after the first scan (for profiling it alone); `--rescans-only`
//! runs the two rescans on the library a previous run left in `DATA_DIR`.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use tonearm_library::query::{TrackShape, TrackSort};
use tonearm_library::{Library, ScanControl, ScanReport, Track, TrackRow};

/// CPU seconds (user + system) in a `/proc/.../stat` file: the process's or a thread's.
fn cpu_seconds(stat: &str) -> Option<f64> {
    let text = std::fs::read_to_string(stat).ok()?;
    // After the command name (in parentheses, may hold spaces): state is field 3, utime and
    // stime fields 14 and 15, in clock ticks (100 a second on Linux).
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// A scan's wall-clock time, with the CPU time of the process and of this thread.
struct Timed {
    report: ScanReport,
    wall: Duration,
    cpu: f64,
    writer_cpu: f64,
}

impl Timed {
    fn cpu_note(&self) -> String {
        format!(
            "CPU {:.2} s, of which the writer {:.2} s",
            self.cpu, self.writer_cpu
        )
    }
}

fn scan(library: &Library) -> Timed {
    let cancel = AtomicBool::new(false);
    let cpu = || cpu_seconds("/proc/self/stat").unwrap_or(f64::NAN);
    let writer = || cpu_seconds("/proc/thread-self/stat").unwrap_or(f64::NAN);
    let (cpu_before, writer_before) = (cpu(), writer());
    let started = Instant::now();
    let report = library
        .scan(&ScanControl {
            cancel: &cancel,
            progress: &|_| {},
        })
        .expect("scan");
    Timed {
        report,
        wall: started.elapsed(),
        cpu: cpu() - cpu_before,
        writer_cpu: writer() - writer_before,
    }
}

/// Runs the mutagen loop on `music`; returns its files per second.
fn mutagen(python: &str, script: &str, music: &Path) -> Option<f64> {
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(music)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().find(|l| l.starts_with("mutagen:"))?.to_owned();
    println!("{line}");
    // "mutagen: N files, T s, R files/s (E unreadable)"
    let rate = line.split(", ").nth(2)?.split_whitespace().next()?;
    rate.parse().ok()
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

/// The rescans: nothing changed, then 1% of the files touched.
fn rescans(library: &Library, music: &Path) {
    let again = scan(library);
    println!(
        "rescan, nothing changed: {:.3} s ({} unchanged; {})",
        again.wall.as_secs_f64(),
        again.report.unchanged,
        again.cpu_note()
    );

    let mut files = Vec::new();
    audio_files(music, &mut files);
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
    let touched_scan = scan(library);
    println!(
        "rescan after touching 1% ({touched} files): {:.3} s ({} re-read; {})",
        touched_scan.wall.as_secs_f64(),
        touched_scan.report.updated,
        touched_scan.cpu_note()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (music, data) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let mutagen_loop = args
        .iter()
        .position(|a| a == "--mutagen")
        .and_then(|at| Some((args.get(at + 1)?.clone(), args.get(at + 2)?.clone())));
    let first_scan_only = args.iter().any(|a| a == "--first-scan-only");
    let rescans_only = args.iter().any(|a| a == "--rescans-only");
    if rescans_only {
        let library = Library::open(&data, &data.join("cache")).expect("library");
        rescans(&library, &music);
        return;
    }
    let _ = std::fs::remove_dir_all(&data);
    let library = Library::open(&data, &data.join("cache")).expect("library");
    library.add_folder(&music).expect("folder");

    let first = scan(&library);
    let n = first.report.files_found;
    let rate = n as f64 / first.wall.as_secs_f64();
    println!("tracks: {n}");
    println!(
        "first scan: {:.2} s, {rate:.0} tracks/s (added {}; {})",
        first.wall.as_secs_f64(),
        first.report.added,
        first.cpu_note()
    );
    println!(
        "peak memory after first scan: {:.0} MB",
        peak_rss_mb().unwrap_or(f64::NAN)
    );
    if let Some((python, script)) = &mutagen_loop {
        match mutagen(python, script, &music) {
            Some(theirs) => println!(
                "first scan against the mutagen loop: {:.1} times as fast",
                rate / theirs
            ),
            None => println!("the mutagen loop did not run"),
        }
    }
    if first_scan_only {
        return;
    }

    rescans(&library, &music);

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
    list_pages(&library, &words);
    open_playlist(&library);
    play_all(&library);
    println!(
        "peak memory overall: {:.0} MB",
        peak_rss_mb().unwrap_or(f64::NAN)
    );
}

/// What the songs table asks for as it scrolls and as the user types, in both shapes a track
/// is read in: the time to read a page of 100 and the JSON the app sends for it.
fn list_pages(library: &Library, words: &[String]) {
    fn measure<T: TrackShape + serde::Serialize>(
        library: &Library,
        words: &[String],
    ) -> (Duration, Duration, usize) {
        let total = library
            .tracks_as::<T>(&Default::default(), TrackSort::Artist, false, 0, 1)
            .expect("tracks")
            .total;
        let mut pages = Vec::new();
        let mut bytes = 0;
        for step in 0..200u64 {
            let offset = (total / 200) * step;
            let started = Instant::now();
            let page = library
                .tracks_as::<T>(&Default::default(), TrackSort::Artist, false, offset, 100)
                .expect("page");
            bytes += serde_json::to_vec(&page).expect("json").len();
            pages.push(started.elapsed());
        }
        let mut searches = Vec::new();
        for word in words.iter().take(50) {
            let query: String = word.chars().take(2).collect();
            let started = Instant::now();
            let page = library.search_as::<T>(&query, 0, 100).expect("search");
            std::hint::black_box(serde_json::to_vec(&page).expect("json"));
            searches.push(started.elapsed());
        }
        pages.sort();
        searches.sort();
        (
            percentile(&pages, 0.5),
            percentile(&searches, 0.5),
            bytes / 200,
        )
    }
    for (shape, (page, search, bytes)) in [
        ("whole tracks", measure::<Track>(library, words)),
        ("list rows", measure::<TrackRow>(library, words)),
    ] {
        println!(
            "songs list as {shape}: a page of 100 read and encoded in p50 {:.2} ms, {:.1} KB of JSON; a two-letter search's first 100 in p50 {:.2} ms",
            page.as_secs_f64() * 1e3,
            bytes as f64 / 1024.0,
            search.as_secs_f64() * 1e3
        );
    }
}

/// A playlist of up to 5,000 songs as the app opens it (one read, its entries as rows), against
/// what it cost before: every entry's whole track read on its own.
fn open_playlist(library: &Library) {
    let ids = library
        .track_ids(&Default::default(), TrackSort::Title, false)
        .expect("ids");
    let ids: Vec<_> = ids.into_iter().step_by(20).take(5_000).collect();
    let playlist = library.create_playlist("Bench").expect("playlist");
    library.add_to_playlist(playlist, &ids, None).expect("add");
    let started = Instant::now();
    let opened = library.playlist(playlist).expect("open");
    let rows_bytes = serde_json::to_vec(&opened).expect("json").len();
    let rows_time = started.elapsed();
    let started = Instant::now();
    let mut whole_bytes = 0;
    for entry in &opened.entries {
        let track = library.track(entry.track_id).expect("track");
        whole_bytes += serde_json::to_vec(&track).expect("json").len();
    }
    let whole_time = started.elapsed();
    println!(
        "a playlist of {} songs read and encoded in {:.1} ms, {:.0} KB of JSON (each whole track read on its own, as before: {:.1} ms, {:.0} KB)",
        opened.entries.len(),
        rows_time.as_secs_f64() * 1e3,
        rows_bytes as f64 / 1024.0,
        whole_time.as_secs_f64() * 1e3,
        whole_bytes as f64 / 1024.0
    );
    library.delete_playlist(playlist).expect("delete");
}

/// Playing the whole library from a song of the Songs view: the list read for the queue in one
/// pass, against placing the ids the UI sent (what the app did before, one query per id).
fn play_all(library: &Library) {
    let started = Instant::now();
    let placed = library
        .list_placements(&Default::default(), TrackSort::Artist, false)
        .expect("list");
    let listed = started.elapsed();
    let ids = library
        .track_ids(&Default::default(), TrackSort::Artist, false)
        .expect("ids");
    let started = Instant::now();
    let by_id = library.album_placements(&ids).expect("placements");
    let by_id_time = started.elapsed();
    assert_eq!(placed, by_id);
    println!(
        "playing all {} songs: the list placed for the queue in {:.1} ms (from the ids the UI would send: {:.1} ms)",
        placed.len(),
        listed.as_secs_f64() * 1e3,
        by_id_time.as_secs_f64() * 1e3
    );
}
