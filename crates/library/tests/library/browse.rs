//! The browse views: sorted, paged songs; albums, artists and genres with counts; totals.

use crate::support::{TestLibrary, edit_tag};
use lofty::tag::ItemKey;
use tonearm_library::TrackState;
use tonearm_library::query::{TrackFilter, TrackSort};

#[test]
fn songs_come_in_pages_in_the_requested_order() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let all = t
        .library
        .tracks(&TrackFilter::default(), TrackSort::Title, false, 0, 100)
        .expect("tracks");
    assert_eq!(all.total as usize, all.items.len());
    let titles: Vec<_> = all.items.iter().map(|t| t.title.to_lowercase()).collect();
    let mut sorted = titles.clone();
    sorted.sort_by_key(|t| tonearm_library::normalize::sort_key(t));
    assert_eq!(titles, sorted);

    let page = t
        .library
        .tracks(&TrackFilter::default(), TrackSort::Title, false, 3, 4)
        .expect("page");
    assert_eq!(page.items, all.items[3..7].to_vec());
    assert_eq!((page.total, page.offset), (all.total, 3));

    let desc = t
        .library
        .tracks(&TrackFilter::default(), TrackSort::Title, true, 0, 100)
        .expect("desc");
    assert_eq!(desc.items.first(), all.items.last());
}

#[test]
fn albums_artists_and_genres_have_counts_and_durations() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let albums = t.library.albums(false, 0, 10).expect("albums").items;
    let main = albums
        .iter()
        .find(|a| a.title == "Tonearm Fixtures — Ünïcode 音楽")
        .expect("the fixtures album");
    assert_eq!(main.artist, "Beyoncé");
    assert_eq!(main.track_count, 10);
    assert!(
        main.duration_ms >= 10_000 && main.duration_ms < 10_600,
        "{}",
        main.duration_ms
    );
    assert!(main.artwork_id.is_some());
    assert_eq!(main.year, Some(2024));

    let artists = t.library.artists(0, 10).expect("artists").items;
    let names: Vec<_> = artists.iter().map(|a| a.name.as_str()).collect();
    // The untagged song is under "Unknown artist" (named ""), first.
    assert_eq!(names, vec!["", "Beyoncé", "Sigur Rós"]);
    assert_eq!(
        artists[1].track_count, 11,
        "as artist or album artist, once per track"
    );
    assert_eq!(artists[1].album_count, 2);

    let genres = t.library.genres(0, 10).expect("genres").items;
    assert_eq!(genres.len(), 1);
    assert_eq!(genres[0].name, "Électronique");

    let of_album = t
        .library
        .tracks(
            &TrackFilter {
                album_key: Some(main.key.clone()),
                ..Default::default()
            },
            TrackSort::Album,
            false,
            0,
            50,
        )
        .expect("album tracks");
    let order: Vec<_> = of_album
        .items
        .iter()
        .map(|t| (t.disc_no, t.track_no))
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "album tracks in disc and track order");
    assert_eq!(of_album.total, 10);

    let by_genre = t
        .library
        .tracks(
            &TrackFilter {
                genre: Some("electronique".into()),
                ..Default::default()
            },
            TrackSort::Title,
            false,
            0,
            50,
        )
        .expect("genre tracks");
    assert_eq!(by_genre.total, 11);
}

#[test]
fn stats_add_up() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let stats = t.library.stats().expect("stats");
    // 10 tagged files, the untagged one and the truncated FLAC (its tags are intact), plus
    // three unreadable files that stay listed with their reason.
    assert_eq!(stats.tracks, 15);
    assert_eq!(stats.present, 12);
    assert_eq!(stats.unreadable, 3);
    assert_eq!(
        (stats.albums, stats.artists, stats.genres, stats.folders),
        (2, 2, 1, 1)
    );
    assert!(stats.size_bytes > 300_000);

    // A song gone from its folder counts as missing, and no longer in the length and size
    // of the music at hand.
    let all = t
        .library
        .tracks(&Default::default(), TrackSort::Title, false, 0, 100)
        .expect("tracks");
    let gone = all
        .items
        .iter()
        .find(|track| track.state == TrackState::Present && track.duration_ms.unwrap_or(0) > 0)
        .expect("a present song with a length");
    std::fs::remove_file(&gone.path).expect("remove");
    t.scan();
    let after = t.library.stats().expect("stats");
    assert_eq!(
        (after.tracks, after.present, after.missing, after.unreadable),
        (15, 11, 1, 3)
    );
    assert_eq!(
        after.duration_ms,
        stats.duration_ms - gone.duration_ms.unwrap_or(0)
    );
    assert_eq!(after.size_bytes, stats.size_bytes - gone.size);
    let present: u64 = all
        .items
        .iter()
        .filter(|track| track.state == TrackState::Present)
        .map(|track| track.duration_ms.unwrap_or(0))
        .sum();
    assert_eq!(stats.duration_ms, present);
}

#[test]
fn extra_tags_without_columns_are_kept() {
    let t = TestLibrary::new();
    let path = t.add("tagged.flac", "x.flac");
    edit_tag(&path, |tag| {
        tag.insert_text(ItemKey::Mood, "Serene".to_owned());
    });
    t.scan();
    let track = t.library.track_at(&path).expect("query").expect("track");
    assert!(
        track
            .extra_tags
            .iter()
            .any(|(k, v)| k == "MOOD" && v == "Serene"),
        "{:?}",
        track.extra_tags
    );
}

#[test]
fn summaries_updated_in_place_equal_those_of_a_fresh_scan() {
    let t = TestLibrary::new();
    t.add_all();
    t.add("tagged.flac", "other/x.flac");
    t.scan();
    // Retag one file into a new album, delete one, move one.
    crate::support::retag(&t.music.join("other/x.flac"), "Solo", "Another Album");
    std::fs::remove_file(t.music.join("all/tagged.ogg")).expect("delete");
    std::fs::rename(t.music.join("all/alac.m4a"), t.music.join("other/alac.m4a")).expect("move");
    let report = t.scan();
    assert_eq!((report.updated, report.missing, report.moved), (1, 1, 1));

    let fresh = tonearm_library::Library::open(
        &t.dir.path().join("fresh"),
        &t.dir.path().join("fresh-cache"),
    )
    .expect("open");
    fresh.add_folder(&t.music).expect("folder");
    let cancel = std::sync::atomic::AtomicBool::new(false);
    fresh
        .scan(&tonearm_library::ScanControl {
            cancel: &cancel,
            progress: &|_| {},
        })
        .expect("scan");

    let view = |l: &tonearm_library::Library| {
        (
            l.albums(false, 0, 100).expect("albums").items,
            l.artists(0, 100).expect("artists").items,
            l.genres(0, 100).expect("genres").items,
        )
    };
    let (albums, artists, genres) = view(&t.library);
    assert!(
        albums
            .iter()
            .any(|a| a.title == "Another Album" && a.track_count == 1)
    );
    assert_eq!((albums, artists, genres), view(&fresh));
}

#[test]
fn a_whole_list_gives_its_ids_in_order_and_tracks_come_back_by_id() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    // A whole list is sorted apart from the pages (the table read through, then sorted): both
    // must give one order, NULLs, ties and both directions included.
    for sort in [
        TrackSort::Artist,
        TrackSort::Title,
        TrackSort::Album,
        TrackSort::Year,
        TrackSort::Added,
        TrackSort::Duration,
        TrackSort::Plays,
        TrackSort::Genre,
    ] {
        for descending in [false, true] {
            let page = t
                .library
                .tracks(&TrackFilter::default(), sort, descending, 0, 1000)
                .expect("tracks");
            let expected: Vec<_> = page.items.iter().map(|t| t.id).collect();
            assert!(expected.len() > 10, "a list worth sorting");
            let ids = t
                .library
                .track_ids(&TrackFilter::default(), sort, descending)
                .expect("ids");
            assert_eq!(ids, expected, "{sort:?}, descending: {descending}");
            let placed: Vec<_> = t
                .library
                .list_placements(&TrackFilter::default(), sort, descending)
                .expect("placements")
                .into_iter()
                .map(|p| p.id)
                .collect();
            assert_eq!(placed, expected, "{sort:?}, descending: {descending}");
        }
    }

    let ids = t
        .library
        .track_ids(&TrackFilter::default(), TrackSort::Title, false)
        .expect("ids");
    let wanted = vec![ids[3], ids[0], tonearm_library::TrackId::new(), ids[1]];
    let tracks = t.library.tracks_by_id(&wanted).expect("by id");
    let got: Vec<_> = tracks.iter().map(|t| t.id).collect();
    assert_eq!(
        got,
        vec![ids[3], ids[0], ids[1]],
        "asked order, unknown id left out"
    );

    let placements = t.library.album_placements(&ids[..3]).expect("placements");
    for (placement, track) in placements
        .iter()
        .zip(t.library.tracks_by_id(&ids[..3]).expect("tracks"))
    {
        assert_eq!(placement.id, track.id);
        assert_eq!(placement.track_no, track.track_no);
        assert_eq!(placement.disc_no, track.disc_no);
        assert_eq!(placement.album_key.is_some(), track.album.is_some());
        // The album the albums page lists it under.
        if let Some(key) = &placement.album_key {
            let album = TrackFilter {
                album_key: Some(key.clone()),
                ..TrackFilter::default()
            };
            let listed = t
                .library
                .track_ids(&album, TrackSort::default(), false)
                .expect("the album's tracks");
            assert!(listed.contains(&track.id), "{key:?}");
        }
    }
    // In the order asked, a track queued twice placed twice.
    let asked = [ids[2], ids[0], ids[2]];
    let placed: Vec<_> = t
        .library
        .album_placements(&asked)
        .expect("placements")
        .iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(placed, asked);
    let unknown = tonearm_library::TrackId::new();
    assert!(matches!(
        t.library.album_placements(&[ids[0], unknown]),
        Err(tonearm_library::LibraryError::UnknownTrack(id)) if id == unknown
    ));
}

#[test]
fn songs_sort_by_genre_and_say_where_they_stand_with_the_cloud() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let page = t
        .library
        .tracks(&TrackFilter::default(), TrackSort::Genre, false, 0, 100)
        .expect("by genre");
    let genres: Vec<_> = page.items.iter().map(|t| t.genre.clone()).collect();
    let mut sorted = genres.clone();
    sorted.sort();
    assert_eq!(genres, sorted);
    assert!(page.items.iter().all(|t| {
        t.upload_state == tonearm_library::cloud::UploadState::LocalOnly
            && t.upload_error.is_none()
            && !t.kept_offline
    }));

    let first = page
        .items
        .iter()
        .find(|t| t.state == tonearm_library::TrackState::Present)
        .expect("a readable track")
        .id;
    assert_eq!(t.library.queue_uploads(Some(&[first])).expect("queue"), 1);
    t.library
        .fail_upload(first, "the server is full", 0)
        .expect("fail");
    let track = t.library.track(first).expect("track");
    assert_eq!(
        track.upload_state,
        tonearm_library::cloud::UploadState::Failed
    );
    assert_eq!(track.upload_error.as_deref(), Some("the server is full"));
}

#[test]
fn an_artist_page_lists_the_albums_they_appear_on() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let albums = t.library.artist_albums("BEYONCE").expect("albums");
    assert_eq!(albums.len(), 2, "{albums:?}");
    assert!(
        albums
            .iter()
            .any(|a| a.title == "Tonearm Fixtures — Ünïcode 音楽")
    );
    assert!(t.library.artist_albums("Nobody").expect("none").is_empty());
}

#[test]
fn grouped_search_finds_albums_and_artists_by_any_word_ignoring_accents() {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    let results = t.library.search_grouped("beyon", 50, 8).expect("search");
    assert!(results.songs.total > 0);
    assert_eq!(
        results
            .artists
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Beyoncé"]
    );
    assert!(results.albums.iter().any(|a| a.artist == "Beyoncé"));

    let results = t
        .library
        .search_grouped("unicode fixtures", 50, 8)
        .expect("search");
    assert_eq!(
        results
            .albums
            .iter()
            .map(|a| a.title.as_str())
            .collect::<Vec<_>>(),
        vec!["Tonearm Fixtures — Ünïcode 音楽"]
    );
    assert!(results.artists.is_empty());

    let nothing = t.library.search_grouped("zzzqqq", 50, 8).expect("search");
    assert!(nothing.albums.is_empty() && nothing.artists.is_empty());
    assert_eq!(nothing.songs.total, 0);
}

#[test]
fn grouped_search_finds_names_by_the_article_their_sort_key_drops() {
    let t = TestLibrary::new();
    let path = t.add("tagged.flac", "articles/one.flac");
    edit_tag(&path, |tag| {
        tag.insert_text(ItemKey::AlbumTitle, "The Wall".to_owned());
        tag.insert_text(ItemKey::TrackArtist, "A Tribe Called Quest".to_owned());
        tag.remove_key(ItemKey::AlbumArtist);
    });
    t.scan();
    let grouped = |query: &str| t.library.search_grouped(query, 10, 8).expect("search");
    let album_titles = |query: &str| -> Vec<String> {
        grouped(query).albums.into_iter().map(|a| a.title).collect()
    };
    let artist_names = |query: &str| -> Vec<String> {
        grouped(query).artists.into_iter().map(|a| a.name).collect()
    };

    // The sort keys ("wall", "tribe called quest") find them by their other words...
    assert_eq!(album_titles("wall"), vec!["The Wall"]);
    assert_eq!(artist_names("quest"), vec!["A Tribe Called Quest"]);
    // ...and a query holding the article finds them by the names as written, every word
    // in some column of the row (the album's artist counts for the album).
    assert_eq!(album_titles("the wall"), vec!["The Wall"]);
    assert_eq!(album_titles("the tribe"), vec!["The Wall"]);
    assert_eq!(artist_names("a tribe"), vec!["A Tribe Called Quest"]);
    // A word no column holds finds nothing, article or not.
    assert!(album_titles("the beatles").is_empty());
    assert!(artist_names("a wall").is_empty());
}

/// Removes every artist and album artist from a tagged file (its other tags stay).
fn uncredit(path: &std::path::Path) {
    edit_tag(path, |tag| {
        for key in [
            ItemKey::TrackArtist,
            ItemKey::TrackArtists,
            ItemKey::AlbumArtist,
        ] {
            tag.remove_key(key);
        }
    });
}

#[test]
fn songs_credited_to_no_one_are_listed_under_unknown_artist() {
    let t = TestLibrary::new();
    t.add_all();
    // An album whose songs name no artist, and a song only an album artist is credited on.
    uncredit(&t.add("tagged.flac", "nobody/one.flac"));
    uncredit(&t.add("tagged.ogg", "nobody/two.ogg"));
    let album_artist_only = t.add("id3v24.mp3", "nobody/three.mp3");
    edit_tag(&album_artist_only, |tag| {
        tag.remove_key(ItemKey::TrackArtist);
        tag.remove_key(ItemKey::TrackArtists);
        tag.insert_text(ItemKey::AlbumArtist, "Sigur Rós".to_owned());
    });
    t.scan();

    // One entry, first, named "" (the UI says "Unknown artist"): the untagged file and the
    // two uncredited ones; not the unreadable files (like every summary, it counts songs
    // that can play) and not the song an album artist is credited on.
    let artists = t.library.artists(0, 10).expect("artists").items;
    let names: Vec<_> = artists.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["", "Beyoncé", "Sigur Rós"]);
    let unknown = &artists[0];
    assert_eq!(unknown.track_count, 3);
    assert_eq!(unknown.album_count, 1, "the untagged file is on no album");
    assert!(unknown.duration_ms > 2_000, "{}", unknown.duration_ms);
    assert_eq!(
        t.library.stats().expect("stats").artists,
        2,
        "no one is not an artist"
    );

    // It opens those songs, the files that cannot be read among them (as an artist's page
    // lists their missing songs), and the album they are on.
    let filter = TrackFilter {
        artist: Some(String::new()),
        ..TrackFilter::default()
    };
    let songs = t
        .library
        .tracks(&filter, TrackSort::Title, false, 0, 100)
        .expect("unknown artist's songs");
    let mut files: Vec<_> = songs
        .items
        .iter()
        .map(|s| {
            let path = std::path::Path::new(&s.path);
            let folder = path.parent().and_then(|p| p.file_name()).expect("folder");
            let name = path.file_name().expect("name");
            format!("{}/{}", folder.to_string_lossy(), name.to_string_lossy())
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        vec![
            "all/empty.flac",
            "all/garbage.mp3",
            "all/garbage.ogg",
            "all/untagged.mp3",
            "nobody/one.flac",
            "nobody/two.ogg"
        ]
    );
    assert!(songs.items.iter().all(|s| s.artist.is_none()));
    let ids = t
        .library
        .track_ids(&filter, TrackSort::Title, false)
        .expect("ids");
    assert_eq!(ids, songs.items.iter().map(|s| s.id).collect::<Vec<_>>());
    let albums = t.library.artist_albums("").expect("albums");
    assert_eq!(albums.len(), 1, "{albums:?}");
    assert_eq!((albums[0].artist.as_str(), albums[0].track_count), ("", 2));
    let sigur = t.library.artist_albums("Sigur Rós").expect("albums");
    assert!(sigur.iter().any(|a| a.key != albums[0].key));

    // Search finds it by what the UI calls it.
    let found = t
        .library
        .search_grouped("unknown art", 50, 8)
        .expect("search");
    assert_eq!(
        found
            .artists
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec![""]
    );

    // Summaries kept up to date: crediting the songs empties it, and it goes.
    std::fs::remove_file(t.music.join("all/untagged.mp3")).expect("delete");
    for name in ["nobody/one.flac", "nobody/two.ogg"] {
        edit_tag(&t.music.join(name), |tag| {
            tag.insert_text(ItemKey::TrackArtist, "Hope Sandoval".to_owned());
        });
    }
    t.scan();
    let names: Vec<_> = t
        .library
        .artists(0, 10)
        .expect("artists")
        .items
        .into_iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(names, vec!["Beyoncé", "Hope Sandoval", "Sigur Rós"]);
}

#[test]
fn a_library_from_before_unknown_artist_gets_it_when_opened() {
    let t = TestLibrary::new();
    t.add("untagged.mp3", "a.mp3");
    t.add("tagged.flac", "b.flac");
    t.scan();
    let data = t.dir.path().join("data");
    drop(t.library);
    // What version 5 stored: no summary for songs credited to no one.
    let db = rusqlite::Connection::open(data.join(tonearm_library::DATABASE_FILE)).expect("db");
    db.execute("DELETE FROM name_summaries WHERE sort_name = ''", [])
        .expect("delete");
    db.pragma_update(None, "user_version", 5).expect("version");
    drop(db);

    let library =
        tonearm_library::Library::open(&data, &t.dir.path().join("cache")).expect("opens");
    let artists = library.artists(0, 10).expect("artists").items;
    assert_eq!(
        artists
            .iter()
            .map(|a| (a.name.as_str(), a.track_count))
            .collect::<Vec<_>>(),
        vec![("", 1), ("Beyoncé", 1), ("Sigur Rós", 1)]
    );
}
