//! Importing the library iTunes and Apple Music export: real fixture files scanned under the
//! paths iTunes would give them, an XML written in the real format (Windows and macOS
//! locations, percent-encoded, a folder of playlists, a smart playlist, iTunes' own lists, a
//! song whose file is gone), imported twice.

use crate::support::TestLibrary;
use std::path::{Path, PathBuf};
use tonearm_library::{ItunesImport, LibraryError, PlaylistOutcome, Track};
use tonearm_testkit::itunes::{Playlist, Song, file_url, library_xml};

/// 2019-05-02T20:13:44Z and 2015-01-01T00:00:00Z, in unix milliseconds.
const PLAYED: i64 = 1_556_828_024_000;
const ADDED: i64 = 1_420_070_400_000;
const WINDOWS_MEDIA: &str = "C:/Users/Åsa/Music/iTunes/iTunes Media/Music";
const ALBUM: &str = "Tonearm Fixtures — Ünïcode 音楽";

struct Fixture {
    t: TestLibrary,
    xml: PathBuf,
    songs: Vec<Song>,
    playlists: Vec<Playlist>,
}

fn song(track_id: u32, name: &str) -> Song {
    Song {
        track_id,
        persistent_id: format!("00C0FFEE0000{track_id:04X}"),
        name: name.to_owned(),
        artist: Some("Beyoncé & Sigur Rós".to_owned()),
        album_artist: Some("Beyoncé".to_owned()),
        album: Some(ALBUM.to_owned()),
        total_time_ms: Some(1000),
        added_at: Some(ADDED + i64::from(track_id)),
        ..Song::default()
    }
}

impl Fixture {
    /// Five fixture files laid out as in a music folder, and an iTunes library that has them
    /// (three by location, two only by their tags), a song whose file is gone, a recording
    /// too long to be any of them, and a podcast.
    fn new() -> Self {
        let t = TestLibrary::new();
        t.add("id3v23.mp3", "Beyoncé/Tonearm Fixtures/01 Déjà Vu.mp3");
        t.add("id3v24.mp3", "Sigur Rós/Ágætis byrjun/02 Naïve.mp3");
        t.add("tagged.flac", "Sigur Rós/Ágætis byrjun/03 Füße.flac");
        t.add("tagged.ogg", "Misc/Señor.ogg");
        t.add("tagged.opus", "Misc/Øresund.opus");
        t.scan();

        let songs = vec![
            Song {
                location: Some(file_url(&format!(
                    "{WINDOWS_MEDIA}/Beyoncé/Tonearm Fixtures/01 Déjà Vu.mp3"
                ))),
                play_count: Some(12),
                played_at: Some(PLAYED),
                skip_count: Some(3),
                rating: Some(80),
                album_rating: Some(60),
                loved: true,
                added_at: Some(ADDED),
                ..song(101, "Déjà Vu 東京 (ID3v2.3)")
            },
            Song {
                location: Some(file_url(&format!(
                    "{WINDOWS_MEDIA}/Sigur Rós/Ágætis byrjun/02 Naïve.mp3"
                ))),
                play_count: Some(1),
                played_at: Some(PLAYED - 86_400_000),
                // Computed from the album's rating: not the user's.
                rating: Some(60),
                rating_computed: true,
                favorited: true,
                ..song(102, "Naïve Mélodie 大阪 (ID3v2.4)")
            },
            Song {
                // macOS, in the decomposed form HFS+ names files in.
                location: Some(file_url(
                    "/Users/asa/Music/Music/Media.localized/Music/Sigur Ro\u{301}s/A\u{301}gætis byrjun/03 Fu\u{308}ße.flac",
                )),
                rating: Some(100),
                ..song(103, "Füße im Schnee 京都 (FLAC)")
            },
            Song {
                // Moved since: only its tags find it (`&` where the library has `;`).
                location: Some(file_url("C:/Users/Åsa/Downloads/track04.ogg")),
                play_count: Some(5),
                played_at: Some(PLAYED + 1000),
                total_time_ms: Some(1400),
                ..song(104, "Señor Árbol 札幌 (Vorbis)")
            },
            Song {
                // From Apple Music, no file: tags only, spelled otherwise.
                name: "ØRESUND BRO 横浜 (OPUS)".to_owned(),
                artist: Some("beyonce; SIGUR ROS".to_owned()),
                total_time_ms: Some(2900),
                skip_count: Some(2),
                ..song(105, "")
            },
            Song {
                location: Some(file_url(&format!(
                    "{WINDOWS_MEDIA}/Beyoncé/Tonearm Fixtures/09 Gone.mp3"
                ))),
                play_count: Some(40),
                ..song(106, "Gone Song")
            },
            Song {
                // The FLAC's tags, but a recording a minute long.
                total_time_ms: Some(61_000),
                ..song(107, "Füße im Schnee 京都 (FLAC)")
            },
            Song {
                podcast: true,
                artist: None,
                album: Some("A Podcast".to_owned()),
                location: Some(file_url(
                    "C:/Users/Åsa/Music/iTunes/iTunes Media/Podcasts/ep1.mp3",
                )),
                ..song(108, "Episode 1")
            },
        ];
        let all: Vec<u32> = songs.iter().map(|s| s.track_id).collect();
        let playlists = vec![
            Playlist {
                playlist_id: 1,
                persistent_id: "A000000000000001".into(),
                name: "Library".into(),
                master: true,
                items: all.clone(),
                ..Playlist::default()
            },
            Playlist {
                playlist_id: 2,
                persistent_id: "A000000000000002".into(),
                name: "Music".into(),
                distinguished_kind: Some(4),
                items: all[..7].to_vec(),
                ..Playlist::default()
            },
            Playlist {
                playlist_id: 3,
                persistent_id: "A000000000000003".into(),
                name: "Podcasts".into(),
                distinguished_kind: Some(10),
                items: vec![108],
                ..Playlist::default()
            },
            Playlist {
                playlist_id: 4,
                persistent_id: "A000000000000004".into(),
                name: "Road trips".into(),
                folder: true,
                items: vec![101, 103, 106, 104],
                ..Playlist::default()
            },
            Playlist {
                playlist_id: 5,
                persistent_id: "A000000000000005".into(),
                name: "2019 — Ísland".into(),
                parent: Some("A000000000000004".into()),
                items: vec![101, 103, 106, 104],
                ..Playlist::default()
            },
            Playlist {
                playlist_id: 6,
                persistent_id: "A000000000000006".into(),
                name: "Loved".into(),
                smart: true,
                items: vec![101, 102],
                ..Playlist::default()
            },
            Playlist {
                playlist_id: 7,
                persistent_id: "A000000000000007".into(),
                name: "Rock & Roll <3".into(),
                items: vec![105, 101, 101],
                ..Playlist::default()
            },
        ];
        let xml = t.dir.path().join("Library.xml");
        let fixture = Self {
            t,
            xml,
            songs,
            playlists,
        };
        fixture.write();
        fixture
    }

    fn write(&self) {
        let xml = library_xml(
            &self.songs,
            &self.playlists,
            &file_url("C:/Users/Åsa/Music/iTunes/iTunes Media/"),
        );
        std::fs::write(&self.xml, xml).expect("library written");
    }

    fn import(&self) -> ItunesImport {
        self.t.library.import_itunes(&self.xml).expect("imported")
    }

    fn track(&self, relative: &str) -> Track {
        self.t
            .library
            .track_at(&self.t.music.join(relative))
            .expect("query")
            .unwrap_or_else(|| panic!("{relative} is in the library"))
    }

    fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(
            self.t
                .dir
                .path()
                .join("data")
                .join(tonearm_library::DATABASE_FILE),
        )
        .expect("db")
    }

    fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).expect(sql)
    }

    /// Every playlist with its tracks' titles in order.
    fn playlists(&self) -> Vec<(String, Vec<String>)> {
        let library = &self.t.library;
        library
            .playlists()
            .expect("playlists")
            .into_iter()
            .map(|summary| {
                let playlist = library.playlist(summary.id).expect("playlist");
                let titles = playlist
                    .entries
                    .into_iter()
                    .map(|e| e.track.map_or_else(|| "?".to_owned(), |t| t.title))
                    .collect();
                (playlist.name, titles)
            })
            .collect()
    }
}

const DEJA_VU: &str = "Beyoncé/Tonearm Fixtures/01 Déjà Vu.mp3";
const NAIVE: &str = "Sigur Rós/Ágætis byrjun/02 Naïve.mp3";
const FLAC: &str = "Sigur Rós/Ágætis byrjun/03 Füße.flac";
const OGG: &str = "Misc/Señor.ogg";
const OPUS: &str = "Misc/Øresund.opus";

#[test]
fn an_itunes_library_is_matched_applied_and_reported() {
    let f = Fixture::new();
    let added_by_scan = f.track(DEJA_VU).added_at;
    assert!(added_by_scan > ADDED);
    let report = f.import();

    assert_eq!(
        (report.songs, report.skipped),
        (7, 1),
        "the podcast is not looked for"
    );
    assert_eq!(report.matched_by_location, 3);
    assert_eq!(report.matched_by_tags, 2);
    let unmatched: Vec<(&str, Option<&str>)> = report
        .unmatched
        .iter()
        .map(|u| (u.name.as_str(), u.location.as_deref()))
        .collect();
    assert_eq!(
        unmatched,
        vec![
            (
                "Gone Song",
                Some(
                    "C:/Users/Åsa/Music/iTunes/iTunes Media/Music/Beyoncé/Tonearm Fixtures/09 Gone.mp3"
                )
            ),
            ("Füße im Schnee 京都 (FLAC)", None),
        ]
    );

    let deja_vu = f.track(DEJA_VU);
    assert_eq!(deja_vu.rating, Some(80));
    assert!(deja_vu.loved);
    assert_eq!(deja_vu.play_count, 12);
    assert_eq!(deja_vu.last_played_at, Some(PLAYED));
    assert_eq!(deja_vu.added_at, ADDED, "the earlier date added");
    assert_eq!(f.t.library.skip_count(deja_vu.id).expect("skips"), 3);

    let naive = f.track(NAIVE);
    assert_eq!(naive.rating, None, "a computed rating is not imported");
    assert!(naive.loved, "Favorited is the Music app's love");
    assert_eq!(naive.play_count, 1);

    assert_eq!(f.track(FLAC).rating, Some(100));
    let ogg = f.track(OGG);
    assert_eq!(
        (ogg.play_count, ogg.last_played_at),
        (5, Some(PLAYED + 1000))
    );
    let opus = f.track(OPUS);
    assert_eq!(f.t.library.skip_count(opus.id).expect("skips"), 2);
    assert_eq!((opus.play_count, opus.last_played_at), (0, None));

    assert_eq!(report.plays_added, 12 + 1 + 5);
    assert_eq!(report.skips_added, 3 + 2);
    assert_eq!(report.ratings_changed, 2);
    assert_eq!(report.loves_changed, 2);
    assert_eq!(report.tracks_changed, 5);

    // Imported plays wait for the cloud like plays made here, with ids from iTunes' own.
    let ids: Vec<String> = {
        let db = f.db();
        let mut stmt = db
            .prepare("SELECT id FROM play_log WHERE track_id = ?1 AND sent = 0 ORDER BY id")
            .expect("query");
        stmt.query_map([deja_vu.id.to_string()], |r| r.get(0))
            .expect("plays")
            .collect::<Result<_, _>>()
            .expect("ids")
    };
    assert_eq!(ids.len(), 12);
    assert!(
        ids.contains(&"itunes-00C0FFEE00000065-1".to_owned()),
        "{ids:?}"
    );
    assert!(
        ids.contains(&"itunes-00C0FFEE00000065-12".to_owned()),
        "{ids:?}"
    );
    // Ratings and loves are flagged to be sent.
    assert_eq!(
        f.count("SELECT COUNT(*) FROM marks_pending WHERE rating = 1 OR loved = 1"),
        3
    );

    // Folders flattened into the name; iTunes' own lists and the folder itself left out.
    let outcomes: Vec<(&str, PlaylistOutcome, bool, u64, u64)> = report
        .playlists
        .iter()
        .map(|p| (p.name.as_str(), p.outcome, p.smart, p.entries, p.not_found))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (
                "Road trips / 2019 — Ísland",
                PlaylistOutcome::Created,
                false,
                3,
                1
            ),
            ("Loved", PlaylistOutcome::Created, true, 2, 0),
            ("Rock & Roll <3", PlaylistOutcome::Created, false, 3, 0),
        ]
    );
    assert_eq!((report.playlists_created, report.entries_not_found), (3, 1));
    let title = |relative: &str| f.track(relative).title;
    assert_eq!(
        f.playlists(),
        vec![
            ("Loved".to_owned(), vec![title(DEJA_VU), title(NAIVE)]),
            (
                "Road trips / 2019 — Ísland".to_owned(),
                vec![title(DEJA_VU), title(FLAC), title(OGG)]
            ),
            (
                "Rock & Roll <3".to_owned(),
                vec![title(OPUS), title(DEJA_VU), title(DEJA_VU)]
            ),
        ]
    );
    // Made through the playlist edits, so they reach the cloud like the user's.
    assert_eq!(
        f.count("SELECT COUNT(*) FROM playlist_ops WHERE kind = 'create'"),
        3
    );
}

#[test]
fn importing_the_same_file_again_changes_nothing() {
    let f = Fixture::new();
    f.import();
    // A play here since the import is kept.
    let deja_vu = f.track(DEJA_VU).id;
    f.t.library
        .record_play(deja_vu, PLAYED + 5000)
        .expect("played");
    let tracks_before: Vec<Track> = [DEJA_VU, NAIVE, FLAC, OGG, OPUS].map(|p| f.track(p)).into();
    let playlists_before = f.t.library.playlists().expect("playlists");
    let entries_before: Vec<_> = playlists_before
        .iter()
        .map(|p| f.t.library.playlist(p.id).expect("playlist").entries)
        .collect();
    let counts = |f: &Fixture| {
        [
            "SELECT COUNT(*) FROM play_log",
            "SELECT COUNT(*) FROM playlist_ops",
            "SELECT COUNT(*) FROM playlist_entries",
            "SELECT COUNT(*) FROM itunes_tracks",
            "SELECT COUNT(*) FROM itunes_playlists",
            "SELECT SUM(skip_count) FROM tracks",
        ]
        .map(|sql| f.count(sql))
    };
    let counts_before = counts(&f);

    let again = f.import();
    assert_eq!(
        (
            again.matched_by_location,
            again.matched_by_tags,
            again.unmatched.len()
        ),
        (3, 2, 2)
    );
    assert_eq!(
        [
            again.tracks_changed,
            again.plays_added,
            again.skips_added,
            again.ratings_changed,
            again.loves_changed,
            again.dates_changed,
            again.playlists_created,
            again.playlists_updated,
        ],
        [0; 8],
        "{again:#?}"
    );
    assert!(
        again
            .playlists
            .iter()
            .all(|p| p.outcome == PlaylistOutcome::Unchanged)
    );
    let tracks_after: Vec<Track> = [DEJA_VU, NAIVE, FLAC, OGG, OPUS].map(|p| f.track(p)).into();
    assert_eq!(tracks_after, tracks_before);
    assert_eq!(
        f.track(DEJA_VU).play_count,
        13,
        "12 from iTunes, 1 from here"
    );
    assert_eq!(
        f.t.library.playlists().expect("playlists"),
        playlists_before
    );
    let entries_after: Vec<_> = playlists_before
        .iter()
        .map(|p| f.t.library.playlist(p.id).expect("playlist").entries)
        .collect();
    assert_eq!(entries_after, entries_before);
    assert_eq!(counts(&f), counts_before);
}

#[test]
fn a_later_export_brings_only_what_changed_there_and_keeps_edits_made_here() {
    let mut f = Fixture::new();
    f.import();
    // Here: the FLAC rated down, a song taken out of a playlist.
    let flac = f.track(FLAC).id;
    f.t.library.set_rating(flac, Some(20)).expect("rated");
    let loved =
        f.t.library
            .playlists()
            .expect("playlists")
            .into_iter()
            .find(|p| p.name == "Loved")
            .expect("Loved");
    let first = f.t.library.playlist(loved.id).expect("playlist").entries[0].id;
    f.t.library
        .remove_from_playlist(loved.id, first)
        .expect("removed");
    // There: more plays and skips, a new rating, a love taken back, a playlist renamed and
    // given another song, the folder renamed.
    f.songs[0].play_count = Some(15);
    f.songs[0].skip_count = Some(4);
    f.songs[0].rating = Some(40);
    f.songs[0].loved = false;
    f.playlists[6].name = "Rock & Roll".into();
    f.playlists[4].items.push(105);
    f.playlists[3].name = "Trips".into();
    f.write();

    let report = f.import();
    let deja_vu = f.track(DEJA_VU);
    assert_eq!(deja_vu.play_count, 15);
    assert_eq!(f.t.library.skip_count(deja_vu.id).expect("skips"), 4);
    assert_eq!(deja_vu.rating, Some(40));
    assert!(!deja_vu.loved);
    assert_eq!((report.plays_added, report.skips_added), (3, 1));
    assert_eq!(
        f.track(FLAC).rating,
        Some(20),
        "unchanged in iTunes: the edit here stays"
    );
    let outcomes: Vec<(&str, PlaylistOutcome)> = report
        .playlists
        .iter()
        .map(|p| (p.name.as_str(), p.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("Trips / 2019 — Ísland", PlaylistOutcome::Updated),
            ("Loved", PlaylistOutcome::Unchanged),
            ("Rock & Roll", PlaylistOutcome::Updated),
        ]
    );
    let playlists = f.playlists();
    let trips = playlists
        .iter()
        .find(|(name, _)| name == "Trips / 2019 — Ísland")
        .expect("renamed");
    assert_eq!(trips.1.len(), 4, "{trips:?}");
    let loved = playlists
        .iter()
        .find(|(name, _)| name == "Loved")
        .expect("kept");
    assert_eq!(loved.1.len(), 1, "the removal here stays");
    assert_eq!(playlists.len(), 3, "{playlists:?}");

    // A playlist deleted here comes back on the next import; nothing else changes.
    let rock =
        f.t.library
            .playlists()
            .expect("playlists")
            .into_iter()
            .find(|p| p.name == "Rock & Roll")
            .expect("Rock & Roll");
    f.t.library.delete_playlist(rock.id).expect("deleted");
    let report = f.import();
    assert_eq!((report.playlists_created, report.playlists_updated), (1, 0));
    assert_eq!((report.tracks_changed, report.plays_added), (0, 0));
}

#[test]
fn a_malformed_file_is_refused_with_where_and_nothing_is_imported() {
    let f = Fixture::new();
    let good = std::fs::read_to_string(&f.xml).expect("xml");
    let cases: [(&str, String, &str); 4] = [
        (
            "broken.xml",
            good.replacen("<integer>12</integer>", "<integer>twelve</integer>", 1),
            "`twelve` is not an integer (song 101)",
        ),
        (
            "truncated.xml",
            good[..good.len() / 2].to_owned(),
            "the file ends inside a value",
        ),
        (
            "mismatched.xml",
            good.replacen("(ID3v2.3)</string>", "(ID3v2.3)</strin>", 1),
            "expected `</string>`, but `</strin>` was found",
        ),
        (
            "playlist.m3u",
            "#EXTM3U\n/music/a.mp3\n".to_owned(),
            "this is not a library exported by iTunes or Music",
        ),
    ];
    for (name, text, reason) in cases {
        let path = f.t.dir.path().join(name);
        std::fs::write(&path, &text).expect("written");
        let error = f.t.library.import_itunes(&path).expect_err(name);
        let LibraryError::InvalidItunesLibrary {
            path: said, line, ..
        } = &error
        else {
            panic!("{name}: {error:?}")
        };
        assert_eq!(said, &path);
        let message = error.to_string();
        assert!(message.contains(reason), "{name}: {message}");
        if name != "playlist.m3u" {
            assert!(*line > 10, "{name}: {message}");
        }
    }
    assert!(f.t.library.playlists().expect("playlists").is_empty());
    assert_eq!(f.track(DEJA_VU).play_count, 0);
    assert_eq!(f.count("SELECT COUNT(*) FROM itunes_tracks"), 0);
    let missing =
        f.t.library
            .import_itunes(Path::new("/nonexistent/Library.xml"));
    assert!(
        matches!(missing, Err(LibraryError::Io { .. })),
        "{missing:?}"
    );
}
