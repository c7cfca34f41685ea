//! Scanning real files: every format, every broken file, incremental rescans, odd names.

use crate::support::{TestLibrary, manifest};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use tonearm_library::{ScanPhase, TrackState};

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 0.01)
}

#[test]
fn every_fixture_format_is_read_with_its_tags_properties_and_cover() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    for entry in manifest() {
        if !entry["broken"].is_null() {
            continue;
        }
        let name = entry["name"].as_str().expect("name");
        let track = t
            .library
            .track_at(&t.music.join("all").join(name))
            .expect("query")
            .expect(name);
        assert_eq!(track.state, TrackState::Present, "{name}");
        assert_eq!(
            track.format,
            entry["format"].as_str().expect("format"),
            "{name} format"
        );
        assert_eq!(
            track.codec.as_deref(),
            entry["codec"].as_str(),
            "{name} codec"
        );
        assert_eq!(
            track.sample_rate,
            entry["sample_rate"].as_u64().map(|v| v as u32),
            "{name} rate"
        );
        assert_eq!(
            track.channels,
            entry["channels"].as_u64().map(|v| v as u8),
            "{name} channels"
        );
        let duration = track.duration_ms.expect("duration") as i64;
        assert!(
            (duration - entry["duration_ms"].as_i64().expect("ms")).abs() < 150,
            "{name} duration {duration}"
        );
        let tags = &entry["tags"];
        if tags.is_null() {
            assert_eq!(
                track.title,
                name.trim_end_matches(".mp3"),
                "untagged files are named after the file"
            );
            assert!(track.artists.is_empty());
            continue;
        }
        assert_eq!(
            track.title,
            tags["title"].as_str().expect("title"),
            "{name}"
        );
        let artists: Vec<String> =
            serde_json::from_value(tags["artists"].clone()).expect("artists");
        assert_eq!(track.artists, artists, "{name} artists are multi-valued");
        assert_eq!(track.album.as_deref(), tags["album"].as_str(), "{name}");
        assert_eq!(
            track.album_artist.as_deref(),
            tags["album_artist"].as_str(),
            "{name}"
        );
        assert_eq!(
            track.track_no,
            tags["track"].as_u64().map(|v| v as u32),
            "{name} track"
        );
        assert_eq!(
            track.track_total,
            tags["track_total"].as_u64().map(|v| v as u32),
            "{name} total"
        );
        assert_eq!(
            track.disc_no,
            tags["disc"].as_u64().map(|v| v as u32),
            "{name} disc"
        );
        assert_eq!(
            track.year,
            tags["year"].as_i64().map(|v| v as i32),
            "{name} year"
        );
        assert_eq!(
            track.genres,
            vec![tags["genre"].as_str().expect("genre").to_owned()],
            "{name}"
        );
        assert_eq!(
            track.composer.as_deref(),
            tags["composer"].as_str(),
            "{name}"
        );
        let rg = &tags["replaygain"];
        assert!(
            close(
                track.replaygain.track_gain,
                rg["track_gain_db"].as_f64().expect("gain")
            ),
            "{name} {:?}",
            track.replaygain
        );
        assert!(
            close(
                track.replaygain.track_peak,
                rg["track_peak"].as_f64().expect("peak")
            ),
            "{name}"
        );
        assert!(
            close(
                track.replaygain.album_gain,
                rg["album_gain_db"].as_f64().expect("gain")
            ),
            "{name}"
        );
        assert!(
            close(
                track.replaygain.album_peak,
                rg["album_peak"].as_f64().expect("peak")
            ),
            "{name}"
        );
        assert_eq!(
            track.artwork_id.is_some(),
            entry["has_cover"].as_bool().expect("cover"),
            "{name} cover"
        );
    }
}

#[test]
fn broken_and_unsupported_files_are_reported_and_never_fail_the_scan() {
    let t = TestLibrary::new();
    t.add_all();
    let report = t.scan();
    let unreadable: Vec<&str> = report
        .unreadable
        .iter()
        .map(|p| p.path.rsplit('/').next().unwrap_or(""))
        .collect();
    for name in ["empty.flac", "garbage.mp3", "garbage.ogg"] {
        assert!(
            unreadable.contains(&name),
            "{name} reported unreadable: {unreadable:?}"
        );
        let track = t
            .library
            .track_at(&t.music.join("all").join(name))
            .expect("query")
            .expect(name);
        assert_eq!(track.state, TrackState::Unreadable, "{name}");
        assert!(
            track.state_reason.as_deref().is_some_and(|r| !r.is_empty()),
            "{name} has a reason"
        );
    }
    assert!(
        report
            .unreadable
            .iter()
            .any(|p| p.path.ends_with("empty.flac") && p.reason.contains("empty"))
    );
    assert_eq!(report.unsupported.len(), 1);
    assert!(report.unsupported[0].ends_with("unsupported.wma"));
    let good = manifest().iter().filter(|e| e["broken"].is_null()).count() as u64;
    // The truncated FLAC has intact tags: it is listed, and the player reports its decode error.
    assert_eq!(report.added, good + 1);
    assert_eq!(report.files_found, good + 4);
}

#[test]
fn a_rescan_of_an_unchanged_library_opens_no_file() {
    let t = TestLibrary::new();
    t.add_all();
    let first = t.scan();
    let second = t.scan();
    assert_eq!(second.files_found, first.files_found);
    assert_eq!(
        second.unchanged, first.files_found,
        "every file skipped by size and mtime"
    );
    assert_eq!(
        (second.added, second.updated, second.moved, second.missing),
        (0, 0, 0, 0)
    );
    assert!(
        second.unreadable.is_empty(),
        "unreadable files are not re-read when unchanged"
    );
    assert!(!second.changed());
}

#[test]
fn a_changed_file_is_read_again_and_keeps_its_id() {
    let t = TestLibrary::new();
    let path = t.add("tagged.flac", "a/song.flac");
    t.scan();
    let before = t.library.track_at(&path).expect("query").expect("track");
    std::fs::copy(crate::support::fixtures().join("tagged.ogg"), &path).expect("overwrite");
    let report = t.scan();
    assert_eq!(report.updated, 1);
    let after = t.library.track_at(&path).expect("query").expect("track");
    assert_eq!(after.id, before.id);
    assert_eq!(after.codec.as_deref(), Some("vorbis"));
    assert_ne!(after.title, before.title);
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_indexed_and_found_again() {
    use std::os::unix::ffi::OsStrExt;
    let t = TestLibrary::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9 latin1.mp3");
    let path = t.music.join(name);
    std::fs::copy(crate::support::fixtures().join("id3v24.mp3"), &path).expect("copy");
    let report = t.scan();
    assert_eq!(report.added, 1);
    let track = t
        .library
        .track_at(&path)
        .expect("query")
        .expect("found by its exact bytes");
    assert!(
        track.path.contains("caf\u{fffd} latin1.mp3"),
        "{}",
        track.path
    );
    assert_eq!(
        t.scan().unchanged,
        1,
        "the same bytes are recognised on the next scan"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_and_not_followed() {
    let t = TestLibrary::new();
    t.add("tagged.flac", "a/song.flac");
    std::os::unix::fs::symlink(&t.music, t.music.join("a/loop")).expect("symlink");
    let report = t.scan();
    assert_eq!(report.added, 1);
    assert!(
        report.errors.iter().any(|e| e.reason.contains("loop")),
        "{:?}",
        report.errors
    );
}

#[test]
fn progress_is_reported_and_ends_with_done() {
    let t = TestLibrary::new();
    t.add_all();
    let seen = Mutex::new(Vec::new());
    let report = t.scan_with_progress(&|p| seen.lock().expect("lock").push(p.clone()));
    let seen = seen.into_inner().expect("lock");
    let last = seen.last().expect("some progress");
    assert_eq!(last.phase, ScanPhase::Done);
    assert_eq!(last.files_found, report.files_found);
    assert!(
        seen.iter()
            .any(|p| p.phase == ScanPhase::Finishing && p.files_to_read == report.files_found)
    );
}

#[test]
fn a_cancelled_scan_marks_nothing_missing() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    std::fs::remove_file(t.music.join("all/tagged.flac")).expect("remove");
    let cancel = AtomicBool::new(true);
    let report = t
        .library
        .scan(&tonearm_library::ScanControl {
            cancel: &cancel,
            progress: &|_| {},
        })
        .expect("scan");
    assert!(report.cancelled);
    assert_eq!(report.missing, 0);
    let track = t
        .library
        .track_at(&t.music.join("all/tagged.flac"))
        .expect("query")
        .expect("kept");
    assert_eq!(track.state, TrackState::Present);
}

#[cfg(unix)]
#[test]
fn entries_that_cannot_be_read_are_reported_and_the_rest_is_scanned() {
    let t = TestLibrary::new();
    t.add("tagged.flac", "a/song.flac");
    std::os::unix::fs::symlink(t.dir.path().join("nowhere"), t.music.join("a/dangling"))
        .expect("symlink");
    let report = t.scan();
    assert_eq!(report.added, 1);
    assert!(
        report.errors.iter().any(|e| e.path.ends_with("dangling")),
        "{:?}",
        report.errors
    );
}
