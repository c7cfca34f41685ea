//! "Find my music" benchmark: discovery of a home-like tree of half a million files and
//! folders, with a warm cache. Run through `cargo xtask bench discover`, which builds it in
//! release mode and keeps the tree under the target directory; prints one line per figure.
//!
//! The tree is generated here, once (a marker file records its size): only names and sizes
//! matter to discovery, so songs are sparse files of a few MB and everything else is empty.
//! Its shape follows a developer's home: a music collection, downloads, documents, photos,
//! source projects with their `node_modules`, `.git` and `target`, and the hidden caches and
//! application data that make up much of a real home's entries.
//!
//! Usage: bench_discover HOME_DIR [--entries N] [--runs N]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tonearm_library::discover::{DiscoverOptions, discover};

const GOAL: Duration = Duration::from_secs(5);
const MARKER: &str = ".tonearm-bench-home";

/// Writes entries, counting them.
struct Tree {
    root: PathBuf,
    entries: u64,
}

impl Tree {
    fn dir(&mut self, relative: &Path) -> PathBuf {
        let path = self.root.join(relative);
        std::fs::create_dir_all(&path).expect("folder created");
        self.entries += 1;
        path
    }

    fn file(&mut self, dir: &Path, name: &str, size: u64) {
        let file = std::fs::File::create(dir.join(name)).expect("file created");
        if size > 0 {
            file.set_len(size).expect("sparse size");
        }
        self.entries += 1;
    }

    /// `count` folders of `files` files each under `base`, two levels deep.
    fn bulk(&mut self, base: &str, count: u64, files: u64, ext: &str) {
        for i in 0..count {
            let dir = self.dir(
                &Path::new(base)
                    .join(format!("{:03}", i / 20))
                    .join(format!("d{i}")),
            );
            for f in 0..files {
                self.file(&dir, &format!("f{f}.{ext}"), 0);
            }
        }
        self.entries += count.div_ceil(20);
    }
}

/// Generates a home of about `entries` files and folders, in proportions of a real one.
fn generate(home: &Path, entries: u64) {
    let scratch = home.with_extension("partial");
    let _ = std::fs::remove_dir_all(&scratch);
    let mut tree = Tree {
        root: scratch.clone(),
        entries: 0,
    };
    let share = |percent: u64| entries * percent / 100;

    // Music: artists of five albums of twelve songs, each album with its cover (6%).
    let albums = share(6) / 14;
    for album in 0..albums {
        let dir = tree.dir(&PathBuf::from(format!(
            "Music/Artist {:04}/Album {album:05}",
            album / 5
        )));
        for track in 1..=12u64 {
            let ext = ["mp3", "flac", "m4a", "ogg"][(album % 4) as usize];
            tree.file(
                &dir,
                &format!("{track:02} Song.{ext}"),
                3_000_000 + track * 100_000,
            );
        }
        tree.file(&dir, "cover.jpg", 0);
    }
    tree.entries += albums / 5;
    // Downloads: a Soulseek folder of albums among installers and papers (3%).
    let downloads = tree.dir(Path::new("Downloads"));
    for i in 0..share(2) {
        tree.file(&downloads, &format!("download-{i}.pdf"), 0);
    }
    for album in 0..share(1) / 11 {
        let dir = tree.dir(&PathBuf::from(format!("Downloads/Soulseek/Album {album}")));
        for track in 1..=10u64 {
            tree.file(&dir, &format!("{track:02}.mp3"), 5_000_000);
        }
    }
    // Documents, photos, source code: walked, no music (40%).
    tree.bulk("Documents", share(20) / 16, 15, "odt");
    tree.bulk("Pictures", share(12) / 101, 100, "jpg");
    tree.bulk("Projects/src", share(8) / 21, 20, "rs");
    // Skipped: dependencies, build output, repositories, caches, app data (51%).
    tree.bulk("Projects/app/node_modules", share(15) / 11, 10, "js");
    tree.bulk("Projects/tool/target", share(8) / 11, 10, "o");
    tree.bulk("Projects/tool/.git/objects", share(8) / 21, 20, "pack");
    tree.bulk(".cache/thumbnails", share(12) / 51, 50, "png");
    tree.bulk(".local/share/app", share(8) / 21, 20, "dat");
    // A few sounds where they are not music.
    let memo = tree.dir(Path::new("Documents/Recordings"));
    tree.file(&memo, "memo.m4a", 1_000_000);
    let _ = std::fs::remove_dir_all(home);
    std::fs::rename(&scratch, home).expect("tree in place");
    std::fs::write(home.join(MARKER), tree.entries.to_string()).expect("marker written");
    println!("generated {} entries in {}", tree.entries, home.display());
}

/// Peak resident memory of this process so far (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(home) = args.first().map(PathBuf::from) else {
        eprintln!("usage: bench_discover HOME_DIR [--entries N] [--runs N]");
        std::process::exit(2);
    };
    let flag = |name: &str, default: u64| {
        args.windows(2)
            .find(|w| w[0] == name)
            .map_or(default, |w| w[1].parse().expect("a number"))
    };
    let entries = flag("--entries", 500_000);
    let runs = flag("--runs", 5).max(1);

    let generated = std::fs::read_to_string(home.join(MARKER))
        .ok()
        .and_then(|made| made.trim().parse::<u64>().ok());
    // Generated at the requested size, give or take the rounding of its shares.
    if generated.is_none_or(|made| made.abs_diff(entries) > entries / 50) {
        let started = Instant::now();
        generate(&home, entries);
        println!("generation took {:.1} s", started.elapsed().as_secs_f64());
    }

    let options = DiscoverOptions {
        home: Some(home.clone()),
        ..DiscoverOptions::default()
    };
    let roots = [home.clone()];
    // Warm the cache, as the goal assumes.
    let warm = discover(&roots, &options).expect("discovery runs");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    println!(
        "tree: {} entries; listed {} folders and {} files; {} places, {} songs ({:.1} GB), {} stray",
        std::fs::read_to_string(home.join(MARKER))
            .unwrap_or_default()
            .trim(),
        warm.folders_walked,
        warm.files_seen,
        warm.places.len(),
        warm.songs,
        warm.bytes as f64 / 1e9,
        warm.stray.songs
    );
    for place in &warm.places {
        println!("  place: {} ({} songs)", place.path.display(), place.songs);
    }
    println!("skipped: {:?}", warm.skipped);

    let mut sweep: Vec<usize> = vec![1, 2, 4, 8];
    sweep.retain(|&t| t != threads);
    sweep.insert(0, threads);
    for (i, threads) in sweep.into_iter().enumerate() {
        let options = DiscoverOptions {
            threads: Some(threads),
            ..options.clone()
        };
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let started = Instant::now();
                let found = discover(&roots, &options).expect("discovery runs");
                assert_eq!(found.songs, warm.songs, "every run finds the same");
                started.elapsed()
            })
            .collect();
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "discovery, warm, {threads} thread{}{}: median {:.3} s (min {:.3}, max {:.3}, {runs} runs){}",
            if threads == 1 { "" } else { "s" },
            if i == 0 { " (the default here)" } else { "" },
            median.as_secs_f64(),
            times[0].as_secs_f64(),
            times[times.len() - 1].as_secs_f64(),
            if i == 0 {
                format!(
                    "; goal < {} s: {}",
                    GOAL.as_secs(),
                    if median < GOAL { "met" } else { "MISSED" }
                )
            } else {
                String::new()
            }
        );
    }
    if let Some(mb) = peak_rss_mb() {
        println!("peak memory: {mb:.0} MB");
    }
}
