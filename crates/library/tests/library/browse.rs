//! The browse views: sorted, paged songs; albums, artists and genres with counts; totals.

use crate::support::TestLibrary;
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
    assert_eq!(names, vec!["Beyoncé", "Sigur Rós"]);
    assert_eq!(
        artists[0].track_count, 11,
        "as artist or album artist, once per track"
    );
    assert_eq!(artists[0].album_count, 2);

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
}

#[test]
fn extra_tags_without_columns_are_kept() {
    let t = TestLibrary::new();
    let path = t.add("tagged.flac", "x.flac");
    {
        use lofty::prelude::*;
        let mut file = lofty::read_from_path(&path).expect("readable");
        let tag = file.primary_tag_mut().expect("tag");
        tag.insert_text(lofty::tag::ItemKey::Mood, "Serene".to_owned());
        tag.save_to_path(&path, lofty::config::WriteOptions::default())
            .expect("saved");
    }
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
