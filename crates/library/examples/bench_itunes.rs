//! iTunes import benchmark: a library exported by iTunes (the real XML format, written by
//! `tonearm-testkit`) of 50,000 songs and 500 playlists, imported into a scanned synthetic
//! library. Run through `cargo xtask bench itunes`, which builds it in release mode and
//! generates the music; prints one line per figure. The goal: under 10 s.
//!
//! The file is made from the scanned tracks: most songs carry a Windows location under
//! `iTunes Media/Music` whose tail is the file's path in the music folder, one in ten has moved
//! (found by its tags), one in fifty has no file (Apple Music, tags), one in a hundred is not in
//! the library; play counts (about 11 a song), skips, ratings, loves and dates as a library
//! used for years has them. Besides the 500 playlists (25 folders, 20 smart ones, 10 to 200
//! songs each) it has iTunes' own Library and Music lists of every song, as real files do.
//!
//! Usage: bench_itunes MUSIC_DIR DATA_DIR

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;
use tonearm_library::{Library, ScanControl, Track};
use tonearm_testkit::itunes::{Playlist, Song, file_url, library_xml};
use tonearm_testkit::rng::Rng;

const SONGS: usize = 50_000;
const PLAYLISTS: usize = 500;
const FOLDERS: usize = 25;
const GOAL_SECONDS: f64 = 10.0;
const MEDIA: &str = "C:/Users/Bench/Music/iTunes/iTunes Media/Music";
/// 2012-01-01, from which dates added and played are drawn.
const EPOCH_MS: i64 = 1_325_376_000_000;
const YEAR_MS: i64 = 365 * 86_400_000;

/// Peak resident memory of this process so far (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn song_of(track: &Track, index: usize, music: &Path, rng: &mut Rng) -> Song {
    let relative = Path::new(&track.path)
        .strip_prefix(music)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let location = match index % 50 {
        0 => None,
        n if n % 10 == 5 => Some(file_url(&format!("D:/Old Music/{index}.mp3"))),
        _ => Some(file_url(&format!("{MEDIA}/{relative}"))),
    };
    let plays = if rng.below(10) < 3 {
        0
    } else {
        1 + rng.below(30) as u64
    };
    let added = EPOCH_MS + rng.below(10 * 365) as i64 * 86_400_000;
    Song {
        track_id: 1000 + index as u32,
        persistent_id: format!("{:016X}", 0xB000_0000_0000_0000_u64 + index as u64),
        name: track.title.clone(),
        artist: track.artist.as_ref().map(|a| a.replace("; ", " & ")),
        album_artist: track.album_artist.clone(),
        album: track.album.clone(),
        total_time_ms: track.duration_ms.map(|ms| ms + rng.below(1500) as u64),
        play_count: (plays > 0).then_some(plays),
        played_at: (plays > 0).then(|| added + rng.below(YEAR_MS as usize) as i64),
        skip_count: (rng.below(4) == 0).then(|| 1 + rng.below(5) as u64),
        added_at: Some(added),
        rating: (rng.below(10) < 4).then(|| 20 * (1 + rng.below(5) as u8)),
        loved: rng.below(10) == 0,
        location,
        ..Song::default()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (music, data) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let _ = std::fs::remove_dir_all(&data);
    let library = Library::open(&data, &data.join("cache")).expect("library");
    let folder = library.add_folder(&music).expect("folder");
    let music = PathBuf::from(folder.path);
    let cancel = AtomicBool::new(false);
    let started = Instant::now();
    let scanned = library
        .scan(&ScanControl {
            cancel: &cancel,
            progress: &|_| {},
        })
        .expect("scan");
    println!(
        "library: {} tracks scanned in {:.1} s",
        scanned.files_found,
        started.elapsed().as_secs_f64()
    );

    let tracks = library
        .tracks(
            &Default::default(),
            Default::default(),
            false,
            0,
            u64::MAX / 2,
        )
        .expect("tracks")
        .items;
    let mut rng = Rng::new(2019);
    let mut songs: Vec<Song> = tracks
        .iter()
        .take(SONGS)
        .enumerate()
        .map(|(index, track)| song_of(track, index, &music, &mut rng))
        .collect();
    // One in a hundred is not in this library.
    for song in songs.iter_mut().step_by(100) {
        song.name = format!("{} (live at the Royal Albert Hall)", song.name);
        song.location = Some(file_url(&format!(
            "{MEDIA}/Elsewhere/{}.m4a",
            song.track_id
        )));
    }
    let ids: Vec<u32> = songs.iter().map(|s| s.track_id).collect();
    let mut playlists = vec![
        Playlist {
            playlist_id: 1,
            persistent_id: "C000000000000001".into(),
            name: "Library".into(),
            master: true,
            items: ids.clone(),
            ..Playlist::default()
        },
        Playlist {
            playlist_id: 2,
            persistent_id: "C000000000000002".into(),
            name: "Music".into(),
            distinguished_kind: Some(4),
            items: ids.clone(),
            ..Playlist::default()
        },
    ];
    for folder in 0..FOLDERS {
        playlists.push(Playlist {
            playlist_id: 10 + folder as u32,
            persistent_id: format!("D{folder:015X}"),
            name: format!("Folder {folder}"),
            folder: true,
            ..Playlist::default()
        });
    }
    let mut entries = 0;
    for index in 0..PLAYLISTS {
        let size = 10 + rng.below(191);
        entries += size;
        playlists.push(Playlist {
            playlist_id: 100 + index as u32,
            persistent_id: format!("E{index:015X}"),
            name: format!("Mix {index} — été"),
            parent: (index % 3 == 0).then(|| format!("D{:015X}", index % FOLDERS)),
            smart: index % 25 == 0,
            items: (0..size).map(|_| ids[rng.below(ids.len())]).collect(),
            ..Playlist::default()
        });
    }
    let xml = library_xml(&songs, &playlists, &file_url(&format!("{MEDIA}/")));
    let file = data.join("Library.xml");
    std::fs::write(&file, &xml).expect("written");
    println!(
        "iTunes library: {} songs, {PLAYLISTS} playlists ({entries} entries), {FOLDERS} folders, {:.1} MB",
        songs.len(),
        xml.len() as f64 / 1e6
    );
    drop(xml);

    let started = Instant::now();
    let parsed = tonearm_library::import::itunes::read(std::io::BufReader::new(
        std::fs::File::open(&file).expect("open"),
    ))
    .expect("parsed");
    println!(
        "reading the XML alone: {:.2} s ({} songs, {} playlists)",
        started.elapsed().as_secs_f64(),
        parsed.songs.len(),
        parsed.playlists.len()
    );
    drop(parsed);

    let started = Instant::now();
    let report = library.import_itunes(&file).expect("import");
    let took = started.elapsed().as_secs_f64();
    println!(
        "first import: {took:.2} s (goal < {GOAL_SECONDS} s: {})",
        if took < GOAL_SECONDS { "met" } else { "MISSED" }
    );
    println!(
        "  {} by location, {} by tags, {} not found; {} plays, {} skips, {} ratings, {} loves; {} playlists created, {} entries not found",
        report.matched_by_location,
        report.matched_by_tags,
        report.unmatched.len(),
        report.plays_added,
        report.skips_added,
        report.ratings_changed,
        report.loves_changed,
        report.playlists_created,
        report.entries_not_found
    );

    let started = Instant::now();
    let again = library.import_itunes(&file).expect("import again");
    println!(
        "second import: {:.2} s ({} tracks changed, {} plays added, {} playlists created, {} updated)",
        started.elapsed().as_secs_f64(),
        again.tracks_changed,
        again.plays_added,
        again.playlists_created,
        again.playlists_updated
    );
    println!(
        "peak memory overall: {:.0} MB",
        peak_rss_mb().unwrap_or(f64::NAN)
    );
}
