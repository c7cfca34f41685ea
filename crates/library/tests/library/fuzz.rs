//! Fuzzing of the parsers that read outside input, on stable Rust: proptest feeds them random
//! and mutated input for a bounded number of cases (`PROPTEST_CASES` raises it), and each
//! target states what must hold for *any* input, beyond "does not panic".
//!
//! - M3U files (from other players, from the internet);
//! - the search query language (typed by the user, sent by the web player);
//! - tag reading over mutated copies of the real fixtures (what a damaged disk or a hostile
//!   download looks like), through the scanner.
//!
//! Coverage-guided fuzzing (cargo-fuzz) needs a nightly compiler, which this project's
//! machines do not have; these targets are written so that moving them there is mechanical.

use crate::support::{TestLibrary, fixtures};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tonearm_library::playlists::m3u;
use tonearm_library::search;

fn runner(default: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: tonearm_testkit::cases::proptest_cases(default),
        failure_persistence: None,
        ..Config::default()
    })
}

/// Text that looks like an M3U file: directives, comments, URLs with escapes, odd separators,
/// mixed with arbitrary lines.
fn m3u_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("#EXTM3U".to_owned()),
        "#EXTINF:-?[0-9]{0,4},[ -~]{0,20}",
        "#PLAYLIST:[ -~\u{80}-\u{10ffff}]{0,20}",
        "file://(/[a-zA-Z%0-9 ]{0,12}){0,4}",
        "file://[%0-9a-fA-F+]{0,12}",
        "([A-Z]:)?(\\\\[a-z ]{0,8}){0,4}\\.mp3",
        "(\\.\\./)*[a-z]{0,8}/[a-z]{0,8}\\.flac",
        any::<String>(),
        Just("\u{feff}".to_owned()),
    ];
    (
        proptest::collection::vec(line, 0..30),
        prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    )
        .prop_map(|(lines, end)| lines.join(end))
}

#[test]
fn m3u_parsing_accepts_any_text_and_keeps_every_entry_line() {
    runner(2_000)
        .run(&m3u_text(), |text| {
            let parsed = m3u::parse(&text);
            let entry_lines = text
                .lines()
                .map(|l| l.trim().trim_start_matches('\u{feff}'))
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .count();
            prop_assert_eq!(parsed.entries.len(), entry_lines);
            for entry in &parsed.entries {
                prop_assert!(!entry.line.is_empty());
                prop_assert!(!entry.path.as_os_str().is_empty() || entry.line == "file://");
            }
            Ok(())
        })
        .unwrap();
}

/// Queries as people type them, and worse.
fn query_text() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        "[a-zA-Z]{1,8}\\*?",
        "(artist|album|title|genre|year|format|composer|nope):[a-z0-9\"-]{0,8}",
        "year:[0-9]{0,5}-[0-9]{0,5}",
        "\"[ -~]{0,10}\"?",
        "[-+()^*:\"'{}~!]{1,3}",
        "(AND|OR|NOT|NEAR)",
        "[\u{80}-\u{10ffff}]{1,4}",
        any::<String>(),
    ];
    proptest::collection::vec(token, 0..8).prop_map(|tokens| tokens.join(" "))
}

#[test]
fn any_search_text_parses_or_is_refused_and_never_breaks_the_query() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    runner(1_000)
        .run(&query_text(), |text| {
            match search::parse(&text) {
                // A parsed query compiles to an FTS5 expression SQLite accepts: the search
                // runs (an expression SQLite refused would be a database error here).
                Ok(_) => {
                    let found = t.library.search(&text, 0, 10);
                    prop_assert!(found.is_ok(), "{:?}: {:?}", text, found.err());
                    let grouped = t.library.search_grouped(&text, 5, 5);
                    prop_assert!(grouped.is_ok(), "{:?}: {:?}", text, grouped.err());
                }
                Err(error) => {
                    prop_assert!(
                        matches!(error, tonearm_library::LibraryError::InvalidQuery(_)),
                        "{:?}: {}",
                        text,
                        error
                    );
                }
            }
            Ok(())
        })
        .unwrap();
}

/// Ways a file gets damaged.
#[derive(Debug, Clone)]
enum Mutation {
    /// Flip bits of the byte at this fraction of the file.
    Flip(f64, u8),
    /// Cut the file at this fraction.
    Truncate(f64),
    /// Insert bytes at this fraction.
    Insert(f64, Vec<u8>),
    /// Overwrite with a run of one byte (a zeroed or 0xFF sector).
    Smear(f64, usize, u8),
    /// Copy a block from one place to another (a tag header where data was).
    Copy(f64, f64, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (0.0..1.0, any::<u8>()).prop_map(|(at, bits)| Mutation::Flip(at, bits)),
        1 => (0.0..1.0).prop_map(Mutation::Truncate),
        2 => (0.0..1.0, proptest::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        2 => (0.0..1.0, 1..512usize, prop_oneof![Just(0u8), Just(0xff)])
            .prop_map(|(at, len, byte)| Mutation::Smear(at, len, byte)),
        2 => (0.0..1.0, 0.0..1.0, 1..256usize).prop_map(|(from, to, len)| Mutation::Copy(from, to, len)),
    ]
}

fn at(fraction: f64, len: usize) -> usize {
    ((fraction * len as f64) as usize).min(len)
}

fn damage(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        let len = bytes.len();
        match mutation {
            Mutation::Flip(f, bits) if len > 0 => {
                let i = at(*f, len - 1);
                bytes[i] ^= bits;
            }
            Mutation::Truncate(f) => bytes.truncate(at(*f, len)),
            Mutation::Insert(f, extra) => {
                let i = at(*f, len);
                bytes.splice(i..i, extra.iter().copied());
            }
            Mutation::Smear(f, n, byte) => {
                let i = at(*f, len);
                let end = (i + n).min(len);
                bytes[i..end].fill(*byte);
            }
            Mutation::Copy(from, to, n) if len > 0 => {
                let from = at(*from, len);
                let end = (from + n).min(len);
                let block = bytes[from..end].to_vec();
                let to = at(*to, len - block.len());
                bytes[to..to + block.len()].copy_from_slice(&block);
            }
            _ => {}
        }
    }
    bytes
}

const READABLE: &[&str] = &[
    "tagged.flac",
    "tagged.ogg",
    "tagged.opus",
    "tagged.wav",
    "tagged.aiff",
    "tagged.wv",
    "id3v23.mp3",
    "id3v24.mp3",
    "aac.m4a",
    "alac.m4a",
];

#[test]
fn damaged_copies_of_real_files_are_read_or_reported_never_fatal() {
    let originals: Vec<(&str, Vec<u8>)> = READABLE
        .iter()
        .map(|name| {
            (
                *name,
                std::fs::read(fixtures().join(name)).expect("fixture"),
            )
        })
        .collect();
    let strategy = (
        0..originals.len(),
        proptest::collection::vec(mutation(), 1..6),
    );
    runner(200)
        .run(&strategy, |(which, mutations)| {
            let (name, original) = &originals[which];
            let t = TestLibrary::new();
            let path = t.music.join(format!("damaged-{name}"));
            std::fs::write(&path, damage(original.clone(), &mutations)).expect("write");
            // Read directly: a result either way, with a reason when it fails.
            match tonearm_library::scan::read::read_file(&path) {
                Ok(tags) => prop_assert!(!tags.format.is_empty()),
                Err(reason) => prop_assert!(!reason.is_empty()),
            }
            // And through the scanner: the file is a track or listed as unreadable.
            let report = t.scan();
            let listed =
                report.added + report.unreadable.len() as u64 + report.unsupported.len() as u64;
            prop_assert!(
                listed >= 1,
                "{:?} vanished from the scan: {:?}",
                name,
                report
            );
            Ok(())
        })
        .unwrap();
}
