//! Text forms used to sort and group: case- and accent-insensitive, with leading articles
//! moved out of the way ("The Beatles" sorts under B), so "beyonce", "Beyoncé" and "BEYONCÉ"
//! sort and group together; and the album key, the one rule for which tracks make an album
//! (the library's album pages and ReplayGain's album mode in the player both follow it).

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Lowercase, accents removed, whitespace collapsed.
///
/// That is the text's compatibility decomposition (NFKD) without its combining marks,
/// lowercased. It is computed a character at a time (ASCII as it is, anything else through
/// its own decomposition): NFKD of a text is the decompositions of its characters, with the
/// combining marks of each run put in canonical order, and those marks are dropped anyway
/// (the test `every_reordered_character_is_a_dropped_mark` checks that only marks are
/// reordered). This runs for every name of every scanned track; the string-wide NFKD
/// iterator it replaces, with its buffering and sorting, was 8% of a first scan's
/// instructions.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    let mut push = |c: char| {
        if c.is_whitespace() {
            space = !out.is_empty();
            return;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    };
    for c in text.chars() {
        if c.is_ascii() {
            push(c);
        } else {
            decompose_compatible(c, |part| {
                if !is_combining_mark(part) {
                    push(part);
                }
            });
        }
    }
    out
}

/// The key a name sorts by: folded, with a leading English article dropped.
pub fn sort_key(text: &str) -> String {
    let folded = fold(text);
    for article in ["the ", "a ", "an "] {
        if let Some(rest) = folded.strip_prefix(article)
            && !rest.is_empty()
        {
            return rest.to_owned();
        }
    }
    folded
}

/// The key that groups tracks into albums: who the album is by (its album artists; for a
/// compilation without them, "Various Artists"; else the first track artist), then its
/// title, both folded. Tracks of one album share it however their tags spell the names.
pub fn album_key(
    album_artists: &[String],
    artists: &[String],
    compilation: bool,
    album: Option<&str>,
) -> String {
    let by = if !album_artists.is_empty() {
        album_artists.join("; ")
    } else if compilation {
        "Various Artists".to_owned()
    } else {
        artists.first().cloned().unwrap_or_default()
    };
    format!("{}\u{1f}{}", sort_key(&by), fold(album.unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_spacing() {
        for (input, expected) in [
            ("Beyoncé", "beyonce"),
            ("BEYONCÉ", "beyonce"),
            ("  Sigur   Rós ", "sigur ros"),
            ("Ångström", "angstrom"),
            ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
            ("東京", "東京"),
            ("", ""),
        ] {
            assert_eq!(fold(input), expected, "{input:?}");
        }
    }

    #[test]
    fn every_reordered_character_is_a_dropped_mark() {
        use unicode_normalization::char::canonical_combining_class;
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            if canonical_combining_class(c) != 0 {
                assert!(is_combining_mark(c), "{c:?} is reordered by NFKD and kept");
            }
        }
    }

    /// [`fold`] as the definition says: NFKD of the whole text, marks dropped, lowercased a
    /// character at a time (as sorting always did: no final sigma), whitespace collapsed.
    fn fold_whole(text: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        let kept: String = text.nfkd().filter(|c| !is_combining_mark(*c)).collect();
        kept.split_whitespace()
            .map(|word| {
                word.chars()
                    .flat_map(char::to_lowercase)
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest::proptest! {
        #[test]
        fn folding_a_character_at_a_time_is_folding_the_whole_text(text in "\\PC{0,24}") {
            proptest::prop_assert_eq!(fold(&text), fold_whole(&text));
        }
    }

    #[test]
    fn folding_names_is_folding_the_whole_text() {
        for text in [
            "Beyoncé",
            "Sigur Rós — Ágætis byrjun",
            "Ｆｕｌｌｗｉｄｔｈ ﬁ ligature ½",
            "a\u{301}\u{323}b e\u{323}\u{301} \u{1100}\u{1161}\u{11a8}",
            "Ωmega ǅ İstanbul ΣΊΣΥΦΟΣ",
            "東京 ﾃﾞｼﾞﾀﾙ",
            " \t lead and trail \n",
        ] {
            assert_eq!(fold(text), fold_whole(text), "{text:?}");
        }
    }

    #[test]
    fn sort_keys_drop_leading_articles_but_not_whole_names() {
        for (input, expected) in [
            ("The Beatles", "beatles"),
            ("A Tribe Called Quest", "tribe called quest"),
            ("An Pierlé", "pierle"),
            ("The", "the"),
            ("Theatre", "theatre"),
            ("Radiohead", "radiohead"),
        ] {
            assert_eq!(sort_key(input), expected, "{input:?}");
        }
    }

    #[test]
    fn an_album_is_its_album_artists_or_first_artist_and_its_title_folded() {
        let names = |list: &[&str]| list.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let key = |album_artists: &[&str], artists: &[&str], compilation, album| {
            album_key(&names(album_artists), &names(artists), compilation, album)
        };
        let abbey = key(
            &["The Beatles"],
            &["John Lennon"],
            false,
            Some("Abbey Road"),
        );
        assert_eq!(abbey, "beatles\u{1f}abbey road");
        // Spelling does not split an album; the track artist does not when there is an
        // album artist.
        assert_eq!(
            key(
                &["the beatles"],
                &["George Harrison"],
                false,
                Some("ABBEY  ROAD")
            ),
            abbey
        );
        // Without album artists: the first track artist; a compilation is by various artists,
        // whoever sings each track.
        assert_eq!(
            key(&[], &["Björk", "Thom Yorke"], false, Some("Selmasongs")),
            "bjork\u{1f}selmasongs"
        );
        assert_eq!(
            key(&[], &["A"], true, Some("Hits")),
            key(&[], &["B"], true, Some("Hits"))
        );
        assert_eq!(
            key(&["A", "B"], &[], false, Some("Duets")),
            "a; b\u{1f}duets"
        );
        assert_eq!(key(&[], &[], false, None), "\u{1f}");
    }
}
