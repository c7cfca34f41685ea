//! Search as you type over real scanned tracks: prefixes, accents, case, fields, ranking.

use crate::support::TestLibrary;

fn titles(t: &TestLibrary, query: &str) -> Vec<String> {
    t.library
        .search(query, 0, 50)
        .expect("search runs")
        .items
        .into_iter()
        .map(|t| t.title)
        .collect()
}

fn library() -> TestLibrary {
    let t = TestLibrary::new();
    t.add_all();
    t.scan();
    t
}

#[test]
fn words_match_as_prefixes_without_case_or_accents() {
    let t = library();
    let all = titles(&t, "beyonce");
    assert_eq!(all.len(), 11, "every tagged track credits Beyoncé: {all:?}");
    assert_eq!(titles(&t, "BEYO").len(), 11);
    assert_eq!(titles(&t, "sigur ros").len(), 11);
    assert_eq!(titles(&t, "deja"), vec!["Déjà Vu 東京 (ID3v2.3)"]);
    assert_eq!(titles(&t, "smorgas"), vec!["Smörgåsbord 名古屋 (ALAC)"]);
    assert_eq!(titles(&t, "johannsson").len(), 11, "composers are searched");
    assert!(titles(&t, "nothing-like-this").is_empty());
}

#[test]
fn field_filters_narrow_the_search() {
    let t = library();
    assert_eq!(titles(&t, "artist:beyonce year:2024").len(), 11);
    assert!(titles(&t, "artist:beyonce year:1990-1999").is_empty());
    assert!(
        titles(&t, "title:beyonce").is_empty(),
        "Beyoncé is no title"
    );
    let flac = t
        .library
        .search("format:flac", 0, 50)
        .expect("search")
        .items;
    assert_eq!(
        flac.len(),
        3,
        "tagged, truncated and empty (unreadable) FLAC"
    );
    assert!(flac.iter().all(|t| t.format == "flac"));
    let opus = t
        .library
        .search("format:opus", 0, 50)
        .expect("search")
        .items;
    assert_eq!(
        (opus.len(), opus[0].format.as_str()),
        (1, "ogg"),
        "codecs match too"
    );
    assert_eq!(
        titles(&t, "album:\"tonearm broken\""),
        vec!["Coupé Court 奈良 (truncated FLAC)"]
    );
}

#[test]
fn title_matches_rank_above_matches_elsewhere() {
    let t = TestLibrary::new();
    let a = t.add("tagged.flac", "a.flac");
    let b = t.add("tagged.flac", "b.flac");
    crate::support::retag(&b, "Lucky", "Karma");
    crate::support::retag(&a, "Karma Police", "OK Computer");
    t.scan();
    assert_eq!(titles(&t, "karma"), vec!["Karma Police", "Lucky"]);
    assert_eq!(titles(&t, "album:karma"), vec!["Lucky"]);
}

#[test]
fn malformed_queries_are_errors_not_crashes() {
    let t = library();
    let error = t
        .library
        .search("year:soon", 0, 10)
        .expect_err("bad year")
        .to_string();
    assert!(error.contains("year:soon"), "{error}");
    assert!(titles(&t, "\"unclosed").is_empty());
    t.library
        .search("AND OR NOT ( ) * : {title}", 0, 10)
        .expect("FTS syntax in a query is searched as plain words");
}
