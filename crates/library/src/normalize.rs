//! Text forms used to sort and group: case- and accent-insensitive, with leading articles
//! moved out of the way ("The Beatles" sorts under B), so "beyonce", "Beyoncé" and "BEYONCÉ"
//! sort and group together; and the album key, the one rule for which tracks make an album
//! (the library's album pages and ReplayGain's album mode in the player both follow it).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lowercase, accents removed, whitespace collapsed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
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
