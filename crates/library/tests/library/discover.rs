//! "Find my music" on real folders: a generated home with albums, hidden and system folders,
//! a trash, dependencies shipping sounds, a link loop, links out of the tree, an unreadable
//! folder and names that are not UTF-8; the places found and their counts are checked, and a
//! scan of a place finds what discovery counted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tonearm_library::discover::{AddOutcome, DiscoverOptions, Discovery, Place, discover};
use tonearm_library::{Library, LibraryError};

/// Every generated song is this long; discovery reports sizes from metadata only.
const SONG: usize = 1_000;

fn file(path: &Path, size: usize) {
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("dirs");
    std::fs::write(path, vec![0u8; size]).expect("file written");
}

fn songs(dir: &Path, names: &[&str]) {
    for name in names {
        file(&dir.join(name), SONG);
    }
}

#[cfg(unix)]
fn link(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

/// A home folder in a temp dir, and a folder outside it that links lead to.
struct Home {
    _dir: tempfile::TempDir,
    home: PathBuf,
    outside: PathBuf,
    /// The data folder the app keeps (excluded from discovery).
    app_data: PathBuf,
    locked: PathBuf,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let base = std::fs::canonicalize(dir.path()).expect("canonical");
        let home = base.join("home");
        let outside = base.join("outside");

        // The music collection: two artists, three albums, artwork beside them.
        let music = home.join("Music");
        songs(&music.join("Artist A/Album 1"), &["01.mp3", "02.flac"]);
        file(&music.join("Artist A/Album 1/cover.jpg"), 50);
        songs(
            &music.join("Artist A/Album 2"),
            &["01.ogg", "02.opus", "03.M4A"],
        );
        file(&music.join("Artist A/artist.jpg"), 50);
        songs(&music.join("Artist B/Single"), &["01.mp3"]);
        file(&music.join("Artist B/Single/old.wma"), SONG);
        // Downloads: some files, and a Soulseek folder with two albums.
        for name in ["report.pdf", "setup.zip", "photo.png"] {
            file(&home.join("Downloads").join(name), 10);
        }
        songs(&home.join("Downloads/Soulseek/One"), &["1.mp3", "2.mp3"]);
        songs(&home.join("Downloads/Soulseek/Two"), &["1.mp3", "2.mp3"]);
        // A song loose in the home, and a voice memo among documents: stray.
        songs(&home, &["loose.mp3"]);
        for name in ["notes.txt", "a.docx", "b.odt"] {
            file(&home.join("Documents").join(name), 10);
        }
        songs(&home.join("Documents/work"), &["memo.m4a"]);
        file(&home.join("Documents/work/x.docx"), 10);
        file(&home.join("Documents/work/y.docx"), 10);

        // Never walked: hidden, trash, dependencies, a game store, a tagged cache, app data.
        songs(&home.join(".hidden"), &["secret.mp3"]);
        songs(&home.join(".local/share/Trash/files"), &["deleted.mp3"]);
        songs(&home.join("$RECYCLE.BIN/S-1-5"), &["deleted.mp3"]);
        songs(
            &home.join("project/node_modules/chime/sounds"),
            &["ding.mp3"],
        );
        file(&home.join("project/src/main.rs"), 10);
        songs(
            &home.join("SteamLibrary/steamapps/common/Game/music"),
            &["theme.ogg"],
        );
        songs(&home.join("build-cache/objects"), &["sound.mp3"]);
        file(&home.join("build-cache/CACHEDIR.TAG"), 10);
        let app_data = home.join("tonearm-data");
        songs(&app_data.join("cache/stream"), &["cached.mp3"]);

        // Links: a loop, a shortcut into the tree, two links to one folder outside it.
        songs(&outside.join("Shared"), &["a.mp3", "b.mp3", "c.mp3"]);
        #[cfg(unix)]
        {
            link(&music, &music.join("loop"));
            link(&music.join("Artist B"), &home.join("Shortcut"));
            link(&outside.join("Shared"), &home.join("Also Linked"));
            link(&outside.join("Shared"), &home.join("Linked"));
        }

        // Names that are not UTF-8 (Linux file systems take any bytes).
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::ffi::OsStrExt;
            let cafe = home.join(std::ffi::OsStr::from_bytes(b"Caf\xe9"));
            songs(&cafe, &["1.mp3", "2.mp3"]);
        }

        // A folder that cannot be listed (unless this process may read anything).
        let locked = home.join("Locked");
        songs(&locked.join("Album"), &["1.mp3"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000))
                .expect("chmod");
        }

        Self {
            _dir: dir,
            home,
            outside,
            app_data,
            locked,
        }
    }

    fn options(&self) -> DiscoverOptions {
        DiscoverOptions {
            home: Some(self.home.clone()),
            exclude: vec![self.app_data.clone()],
            ..DiscoverOptions::default()
        }
    }

    fn discover(&self, options: &DiscoverOptions) -> Discovery {
        discover(std::slice::from_ref(&self.home), options).expect("discovery runs")
    }

    /// Whether this process lists the locked folder anyway (root, or a file system
    /// ignoring permissions): then it is walked like any other.
    fn locked_is_readable(&self) -> bool {
        std::fs::read_dir(&self.locked).is_ok()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&self.locked, std::fs::Permissions::from_mode(0o755));
        }
    }
}

fn place<'a>(discovery: &'a Discovery, path: &Path) -> &'a Place {
    discovery
        .places
        .iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no place {}: {:#?}", path.display(), discovery.places))
}

#[test]
#[cfg(unix)]
fn a_home_s_music_is_found_in_a_few_places() {
    let h = Home::new();
    let found = h.discover(&h.options());
    let readable = h.locked_is_readable();

    let mut expected: Vec<(PathBuf, u64)> = vec![
        (h.home.join("Music"), 6),
        (h.home.join("Downloads/Soulseek"), 4),
        (h.home.join("Also Linked"), 3),
    ];
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        expected.push((h.home.join(std::ffi::OsStr::from_bytes(b"Caf\xe9")), 2));
    }
    if readable {
        expected.push((h.locked.join("Album"), 1));
    }
    let places: Vec<(PathBuf, u64)> = found
        .places
        .iter()
        .map(|p| (p.path.clone(), p.songs))
        .collect();
    assert_eq!(places, expected, "{found:#?}");
    assert_eq!(found.songs, expected.iter().map(|(_, n)| n).sum::<u64>());
    assert_eq!(found.bytes, found.songs * SONG as u64);

    let music = place(&found, &h.home.join("Music"));
    assert_eq!(music.bytes, 6 * SONG as u64);
    assert_eq!(music.folders, 3);
    assert_eq!(music.samples, ["Artist A", "Artist B"]);
    assert!(!music.in_library);
    assert_eq!(found.unsupported, 1, "the .wma");

    // Loose in the home and among documents: counted, not offered.
    assert_eq!(found.stray.songs, 2);
    assert_eq!(found.stray.folder_count, 2);
    assert_eq!(
        found.stray.folders,
        [
            h.home.to_string_lossy().into_owned(),
            h.home.join("Documents/work").to_string_lossy().into_owned()
        ]
    );

    let skipped = found.skipped;
    assert_eq!(
        (
            skipped.hidden,
            skipped.trash,
            skipped.development,
            skipped.private_store,
            skipped.cache,
            skipped.excluded
        ),
        (2, 1, 1, 1, 1, 1),
        "{skipped:?}"
    );
    // `Also Linked` is followed; `Linked` (the same folder), `Shortcut` (into the tree) and
    // `Music/loop` (an ancestor) are not.
    assert_eq!((found.links_followed, found.links_not_followed), (1, 3));

    if readable {
        assert_eq!(found.unreadable_count, 0);
    } else {
        assert_eq!(found.unreadable_count, 1);
        assert_eq!(found.unreadable[0].path, h.locked.to_string_lossy());
    }
    assert_eq!(found.roots, [h.home.to_string_lossy().into_owned()]);
}

#[test]
#[cfg(unix)]
fn the_outcome_does_not_depend_on_threads() {
    let h = Home::new();
    let one = h.discover(&DiscoverOptions {
        threads: Some(1),
        ..h.options()
    });
    for threads in [2, 8] {
        let many = h.discover(&DiscoverOptions {
            threads: Some(threads),
            ..h.options()
        });
        assert_eq!(many.places, one.places, "{threads} threads");
        assert_eq!(many.stray, one.stray);
        assert_eq!(many.skipped, one.skipped);
        assert_eq!(many.folders_walked, one.folders_walked);
        assert_eq!(many.files_seen, one.files_seen);
    }
}

#[test]
#[cfg(unix)]
fn a_drive_reached_as_a_second_root_through_a_link_is_walked_once() {
    let h = Home::new();
    // The folder `Also Linked` leads to is also given as a root: walked as the root, and
    // no link leads to it again.
    let roots = [h.home.clone(), h.outside.join("Shared")];
    let found = discover(&roots, &h.options()).expect("discovery runs");
    let shared = place(&found, &h.outside.join("Shared"));
    assert_eq!(shared.songs, 3);
    assert!(
        found
            .places
            .iter()
            .all(|p| !p.path.ends_with("Also Linked"))
    );
    assert_eq!((found.links_followed, found.links_not_followed), (0, 4));
}

#[test]
fn a_root_that_is_music_is_one_place_and_a_missing_root_is_an_error() {
    let h = Home::new();
    let music = h.home.join("Music");
    let found = discover(std::slice::from_ref(&music), &h.options()).expect("runs");
    assert_eq!(found.places.len(), 1);
    assert_eq!(
        (found.places[0].path.as_path(), found.places[0].songs),
        (music.as_path(), 6)
    );

    let missing = discover(&[h.home.join("nowhere")], &h.options());
    assert!(
        matches!(missing, Err(LibraryError::Io { .. })),
        "{missing:?}"
    );
    let not_folder = discover(&[h.home.join("loose.mp3")], &h.options());
    assert!(
        matches!(not_folder, Err(LibraryError::NotAFolder { .. })),
        "{not_folder:?}"
    );
}

#[test]
fn a_cancelled_discovery_says_so() {
    let h = Home::new();
    let cancel = Arc::new(AtomicBool::new(true));
    let outcome = discover(
        std::slice::from_ref(&h.home),
        &DiscoverOptions {
            cancel: Some(cancel),
            ..h.options()
        },
    );
    assert!(
        matches!(outcome, Err(LibraryError::Cancelled)),
        "{outcome:?}"
    );
}

#[test]
#[cfg(unix)]
fn library_folders_are_marked_and_never_wrapped_and_adding_skips_them() {
    let h = Home::new();
    let data = tempfile::tempdir().expect("temp dir");
    let library = Library::open(&data.path().join("data"), &data.path().join("cache"))
        .expect("library opens");
    let artist_b = h.home.join("Music/Artist B");
    library.add_folder(&artist_b).expect("added");

    let options = DiscoverOptions {
        library_folders: library
            .folders()
            .expect("folders")
            .into_iter()
            .map(|f| PathBuf::from(f.path))
            .collect(),
        ..h.options()
    };
    let found = h.discover(&options);
    // Music holds a library folder: its other artist is offered beside it, never Music.
    assert!(found.places.iter().all(|p| p.path != h.home.join("Music")));
    let a = place(&found, &h.home.join("Music/Artist A"));
    assert_eq!((a.songs, a.in_library), (5, false));
    let b = place(&found, &artist_b);
    assert_eq!((b.songs, b.in_library), (1, true));

    let added = library.add_places(&found.places).expect("places added");
    for report in &added {
        match &report.outcome {
            AddOutcome::InLibrary { folder } => {
                assert_eq!(report.path, artist_b);
                assert_eq!(Path::new(folder), artist_b);
            }
            AddOutcome::Added { .. } => {}
            other => panic!("{}: {other:?}", report.path.display()),
        }
    }
    assert_eq!(
        library.folders().expect("folders").len(),
        found.places.len(),
        "every place is a music folder now"
    );

    // Nested places: the outer one is added first, the inner one is then in the library; a
    // place around a music folder is not added.
    let nested = |path: PathBuf| Place {
        path,
        songs: 1,
        bytes: 1,
        folders: 1,
        samples: Vec::new(),
        in_library: false,
    };
    let inner = h.home.join("Documents/work");
    let outer = h.home.join("Documents");
    let around = h.home.clone();
    let added = library
        .add_places(&[nested(inner.clone()), nested(outer.clone()), nested(around)])
        .expect("places added");
    let outcomes: Vec<(PathBuf, &str)> = added
        .iter()
        .map(|a| {
            let kind = match &a.outcome {
                AddOutcome::Added { .. } => "added",
                AddOutcome::InLibrary { .. } => "in_library",
                AddOutcome::Overlaps { .. } => "overlaps",
                AddOutcome::Failed { .. } => "failed",
            };
            (a.path.clone(), kind)
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (h.home.clone(), "overlaps"),
            (outer, "added"),
            (inner, "in_library")
        ]
    );
}

#[test]
#[cfg(unix)]
fn a_scan_of_a_place_finds_the_songs_discovery_counted() {
    let h = Home::new();
    let found = h.discover(&h.options());
    let data = tempfile::tempdir().expect("temp dir");
    let library = Library::open(&data.path().join("data"), &data.path().join("cache"))
        .expect("library opens");
    for place in &found.places {
        library.add_folder(&place.path).expect("added");
        let report = library
            .scan(&tonearm_library::ScanControl {
                cancel: &AtomicBool::new(false),
                progress: &|_| {},
            })
            .expect("scan runs");
        assert_eq!(report.files_found, place.songs, "{}", place.path.display());
        library.remove_folder(&place.path).expect("removed");
    }
}

#[test]
fn the_json_shape_is_the_documented_one() {
    let h = Home::new();
    let found = h.discover(&h.options());
    let json = serde_json::to_value(&found).expect("serialises");
    for field in [
        "places",
        "songs",
        "bytes",
        "stray",
        "roots",
        "folders_walked",
        "files_seen",
        "unsupported",
        "skipped",
        "links_followed",
        "links_not_followed",
        "unreadable",
        "unreadable_count",
        "duration_ms",
    ] {
        assert!(json.get(field).is_some(), "{field}");
    }
    let music = &json["places"][0];
    assert_eq!(
        music,
        &serde_json::json!({
            "path": h.home.join("Music").to_string_lossy(),
            "songs": 6,
            "bytes": 6 * SONG,
            "folders": 3,
            "samples": ["Artist A", "Artist B"],
            "in_library": false,
        })
    );
    for field in [
        "hidden",
        "system",
        "application",
        "trash",
        "cache",
        "development",
        "private_store",
        "excluded",
    ] {
        assert!(json["skipped"].get(field).is_some(), "skipped.{field}");
    }
    #[cfg(target_os = "linux")]
    assert!(
        json["places"]
            .as_array()
            .expect("places")
            .iter()
            .any(|p| p["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("Caf\u{fffd}"))),
        "a name that is not UTF-8 is shown with a replacement character"
    );
}
