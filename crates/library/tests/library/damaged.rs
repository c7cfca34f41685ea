//! Damaged and unusual real files (`tests/fixtures/damaged/`, made by `cargo xtask fixtures`):
//! Tonearm's reader against mutagen, an established tag reader.
//!
//! The corpus manifest records what mutagen read from every file (title, artists, album,
//! track number, or its error). Tonearm must read the same, except where the manifest lists a
//! deliberate difference with its reason; files nobody can read must still be scanned, titled
//! after their file name and reported with a reason. Tonearm trims values and keeps each
//! artist once, so mutagen's values are compared after the same.
//!
//! Files marked `lenient_only` are read only through the lenient retry in `scan::read`:
//! lofty's default options fail on them or find no tag, so these tests fail if that retry
//! goes.

use crate::support::TestLibrary;
use serde_json::Value;
use std::path::{Path, PathBuf};
use tonearm_library::TrackState;
use tonearm_library::scan::read::read_file;

fn corpus() -> PathBuf {
    tonearm_testkit::fixtures::workspace_root().join("tests/fixtures/damaged")
}

fn entries() -> Vec<Value> {
    let text = std::fs::read_to_string(corpus().join("manifest.json")).expect("manifest exists");
    let manifest: Value = serde_json::from_str(&text).expect("manifest is JSON");
    assert!(
        manifest["mutagen"]["version"].is_string(),
        "the manifest says which mutagen read the corpus"
    );
    manifest["files"].as_array().expect("files").clone()
}

/// The four compared fields, as Tonearm keeps them.
#[derive(Debug, Clone, PartialEq)]
struct Fields {
    title: Option<String>,
    artists: Vec<String>,
    album: Option<String>,
    track: Option<u32>,
}

fn text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn texts(value: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in value.as_array().into_iter().flatten() {
        if let Some(item) = text(item)
            && !out.contains(&item)
        {
            out.push(item);
        }
    }
    out
}

/// What Tonearm should read: mutagen's reading, with the manifest's deliberate differences
/// applied (a file mutagen cannot read counts as holding no tag unless a difference says what
/// Tonearm reads there).
fn expected(entry: &Value) -> Fields {
    let mutagen = &entry["mutagen"];
    assert!(mutagen.is_object(), "{entry}: no mutagen record");
    let differences = &entry["differences"];
    let field = |name: &str, mutagen_name: &str| -> Value {
        differences
            .get(name)
            .map(|difference| {
                assert!(
                    difference["why"]
                        .as_str()
                        .is_some_and(|why| !why.is_empty()),
                    "{entry}: every difference says why"
                );
                difference["tonearm"].clone()
            })
            .unwrap_or_else(|| mutagen[mutagen_name].clone())
    };
    Fields {
        title: text(&field("title", "title")),
        artists: texts(&field("artist", "artist")),
        album: text(&field("album", "album")),
        track: field("track", "track").as_u64().map(|n| n as u32),
    }
}

fn name(entry: &Value) -> &str {
    entry["name"].as_str().expect("name")
}

/// Whether lofty's default options (what `read_file` did before its lenient retry) fail on
/// the file or find no tag in it.
fn defaults_fail(path: &Path) -> bool {
    let read = lofty::probe::Probe::open(path)
        .and_then(|probe| {
            probe
                .options(lofty::config::ParseOptions::new())
                .guess_file_type()
                .map_err(Into::into)
        })
        .and_then(lofty::probe::Probe::read);
    read.map_or(true, |file| {
        lofty::file::TaggedFileExt::tags(&file).is_empty()
    })
}

/// A short form of what was read, for the table the test prints.
fn summary(fields: &Fields) -> String {
    if fields.title.is_none() && fields.artists.is_empty() && fields.album.is_none() {
        return "no tag".to_owned();
    }
    let title: String = fields
        .title
        .as_deref()
        .unwrap_or("-")
        .chars()
        .take(24)
        .collect();
    format!(
        "{title} / {} / {} / {}",
        fields.artists.join("+"),
        fields.album.as_deref().unwrap_or("-"),
        fields.track.map_or("-".to_owned(), |n| n.to_string())
    )
}

#[test]
fn every_corpus_file_reads_like_mutagen_or_differs_for_a_stated_reason() {
    let mut problems = Vec::new();
    let mut table = vec!["file | lofty defaults | Tonearm | mutagen".to_owned()];
    let mut lenient_only = 0;
    for entry in entries() {
        let name = name(&entry);
        let path = corpus().join(name);
        let want = expected(&entry);
        let (got, outcome) = match read_file(&path) {
            Ok(tags) => {
                let fields = Fields {
                    title: tags.title,
                    artists: tags.artists,
                    album: tags.album,
                    track: tags.track_no,
                };
                let outcome = summary(&fields);
                (fields, outcome)
            }
            Err(reason) => {
                if reason.trim().is_empty() {
                    problems.push(format!("{name}: unreadable without a reason"));
                }
                let fields = Fields {
                    title: None,
                    artists: Vec::new(),
                    album: None,
                    track: None,
                };
                (fields, format!("unreadable ({reason})"))
            }
        };
        let mutagen = match entry["mutagen"]["error"].as_str() {
            Some(error) => format!("error ({error})"),
            None => summary(&Fields {
                title: text(&entry["mutagen"]["title"]),
                artists: texts(&entry["mutagen"]["artist"]),
                album: text(&entry["mutagen"]["album"]),
                track: entry["mutagen"]["track"].as_u64().map(|n| n as u32),
            }),
        };
        let defaults = if defaults_fail(&path) {
            "fail or no tag"
        } else {
            "read"
        };
        table.push(format!("{name} | {defaults} | {outcome} | {mutagen}"));
        if got != want {
            problems.push(format!(
                "{name}:\n    read     {got:?}\n    expected {want:?}"
            ));
        }
        if entry["lenient_only"].as_bool().expect("lenient_only") {
            lenient_only += 1;
            if !defaults_fail(&path) {
                problems.push(format!(
                    "{name} is marked lenient_only but lofty's defaults read a tag from it"
                ));
            }
            if want.title.is_none() {
                problems.push(format!("{name}: a lenient_only file has a title to find"));
            }
        }
    }
    println!("{}", table.join("\n"));
    assert!(
        problems.is_empty(),
        "Tonearm and mutagen disagree without a stated reason:\n  {}",
        problems.join("\n  ")
    );
    assert!(
        lenient_only >= 3,
        "the corpus keeps files only the lenient retry reads"
    );
}

#[test]
fn lenient_only_files_include_ones_mutagen_reads_too() {
    // The lenient retry must not just read more than mutagen: where both read a file that
    // lofty's defaults refuse, they agree.
    let agreed: Vec<String> = entries()
        .iter()
        .filter(|entry| entry["lenient_only"].as_bool() == Some(true))
        .filter(|entry| entry["mutagen"]["error"].is_null())
        .filter(|entry| entry["differences"].is_null())
        .map(|entry| name(entry).to_owned())
        .collect();
    assert!(agreed.len() >= 2, "{agreed:?}");
}

#[test]
fn scanning_the_corpus_keeps_every_file_with_a_title_and_reports_the_unreadable() {
    let t = TestLibrary::new();
    let folder = t.music.join("damaged");
    std::fs::create_dir_all(&folder).expect("folder");
    let entries = entries();
    for entry in &entries {
        let name = name(entry);
        std::fs::copy(corpus().join(name), folder.join(name)).expect("copied");
    }
    let report = t.scan();
    assert_eq!(report.files_found, entries.len() as u64);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    for entry in &entries {
        let name = name(entry);
        let path = folder.join(name);
        let want = expected(entry);
        let track = t
            .library
            .track_at(&path)
            .expect("query")
            .unwrap_or_else(|| panic!("{name} is in the library"));
        let stem = Path::new(name)
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let title = want.title.clone().unwrap_or(stem);
        assert_eq!(track.title, title, "{name}: its title, or its file name");
        match read_file(&path) {
            Ok(_) => {
                assert_eq!(track.state, TrackState::Present, "{name}");
                assert_eq!(track.artists, want.artists, "{name}");
                assert_eq!(track.album, want.album, "{name}");
                assert_eq!(track.track_no, want.track, "{name}");
            }
            Err(reason) => {
                assert_eq!(track.state, TrackState::Unreadable, "{name}");
                assert_eq!(track.state_reason.as_deref(), Some(reason.as_str()));
                let reported = report
                    .unreadable
                    .iter()
                    .find(|problem| Path::new(&problem.path) == path)
                    .unwrap_or_else(|| panic!("{name} is reported as unreadable"));
                assert_eq!(reported.reason, reason, "{name}");
            }
        }
    }
    let unreadable = entries
        .iter()
        .filter(|entry| read_file(&corpus().join(name(entry))).is_err())
        .count();
    assert_eq!(report.unreadable.len(), unreadable);
    assert!(
        unreadable >= 1,
        "the corpus keeps a file nobody can read, to check the fallback"
    );
}
