//! Names folded for matching and sorting, and the ids derived from them.
//!
//! An album is its album artist and its title, compared folded (case, accents and spacing do
//! not split an album); its id is a hash of the two, so it is the same whenever and from
//! wherever the songs arrive. Ids are opaque to clients; they carry a kind prefix so that a
//! Subsonic id (one string for artists, albums and songs) says what it names.

use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Letters that no accent-stripping turns into plain ones, spelled as people type them.
fn spelled(c: char) -> Option<&'static str> {
    Some(match c {
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ł' => "l",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// Lowercase, accents removed, runs of spaces made one: what names are matched by.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        for lower in c.to_lowercase() {
            match spelled(lower) {
                Some(text) => out.push_str(text),
                None => out.push(lower),
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The folded name without a leading article, as artist lists sort ("The Beatles" under B).
pub fn sort_name(name: &str) -> String {
    let folded = fold(name);
    for article in ["the ", "a ", "an "] {
        if let Some(rest) = folded.strip_prefix(article)
            && !rest.is_empty()
        {
            return rest.to_owned();
        }
    }
    folded
}

fn digest(parts: &[&str]) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in parts {
        hasher.update(fold(part).as_bytes());
        hasher.update(&[0x1f]);
    }
    hasher.finalize().to_hex()[..16].to_owned()
}

macro_rules! derived_id {
    ($name:ident, $prefix:literal, $what:literal) => {
        #[doc = concat!("The id of ", $what, ": `", $prefix, "` and 16 hex digits.")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The id as clients see it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Parses an id a client sent; anything else is `None`.
            pub fn parse(text: &str) -> Option<Self> {
                let hex = text.strip_prefix($prefix)?;
                (hex.len() == 16 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
                    .then(|| Self(text.to_owned()))
            }

            /// An id as stored (trusted).
            pub(crate) fn stored(text: String) -> Self {
                Self(text)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

derived_id!(AlbumId, "al-", "an album");
derived_id!(ArtistId, "ar-", "an album artist");

impl ArtistId {
    /// The id of the artist named `name`.
    pub fn of(name: &str) -> Self {
        Self(format!("ar-{}", digest(&[name])))
    }
}

impl AlbumId {
    /// The id of the album `title` by `artist`.
    pub fn of(artist: &str, title: &str) -> Self {
        Self(format!("al-{}", digest(&[artist, title])))
    }
}

/// What a song's album and album artist are, from its tags: the album artist, else "Various
/// Artists" for a compilation, else the first track artist; no album is "[Unknown Album]".
pub fn album_of(
    album: Option<&str>,
    album_artist: Option<&str>,
    artist: Option<&str>,
    compilation: bool,
) -> (String, String) {
    fn named(text: Option<&str>) -> Option<&str> {
        text.map(str::trim).filter(|t| !t.is_empty())
    }
    let artist = named(album_artist)
        .map(str::to_owned)
        .or_else(|| compilation.then(|| VARIOUS_ARTISTS.to_owned()))
        .or_else(|| named(artist).map(|a| a.split("; ").next().unwrap_or(a).to_owned()))
        .unwrap_or_else(|| UNKNOWN_ARTIST.to_owned());
    let album = named(album).unwrap_or(UNKNOWN_ALBUM).to_owned();
    (artist, album)
}

/// The album artist of compilations without one.
pub const VARIOUS_ARTISTS: &str = "Various Artists";
/// The artist of songs credited to no one.
pub const UNKNOWN_ARTIST: &str = "[Unknown Artist]";
/// The album of songs on no album.
pub const UNKNOWN_ALBUM: &str = "[Unknown Album]";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_spacing() {
        assert_eq!(fold("  Sigur  Rós "), "sigur ros");
        assert_eq!(fold("BEYONCÉ"), "beyonce");
        assert_eq!(fold("Ｆｕｌｌ"), "full");
        assert_eq!(fold("Ágætis Øresund STRAẞE"), "agaetis oresund strasse");
        assert_eq!(sort_name("The Beatles"), "beatles");
        assert_eq!(sort_name("The"), "the");
        assert_eq!(
            AlbumId::of("Sigur Rós", "( )"),
            AlbumId::of("sigur ros", "( ) ")
        );
        assert_ne!(AlbumId::of("A", "B C"), AlbumId::of("A B", "C"));
    }

    #[test]
    fn ids_parse_only_their_own_kind() {
        let album = AlbumId::of("a", "b");
        assert_eq!(AlbumId::parse(album.as_str()), Some(album.clone()));
        assert_eq!(ArtistId::parse(album.as_str()), None);
        assert_eq!(AlbumId::parse("al-XYZ"), None);
        assert_eq!(AlbumId::parse("al-0123456789abcdef0"), None);
    }

    #[test]
    fn an_album_falls_back_to_what_the_tags_have() {
        assert_eq!(
            album_of(Some("Ágætis byrjun"), None, Some("Sigur Rós; Guest"), false),
            ("Sigur Rós".to_owned(), "Ágætis byrjun".to_owned())
        );
        assert_eq!(
            album_of(Some("Hits"), None, Some("X"), true).0,
            VARIOUS_ARTISTS
        );
        assert_eq!(
            album_of(None, Some(" "), None, false),
            (UNKNOWN_ARTIST.to_owned(), UNKNOWN_ALBUM.to_owned())
        );
    }
}
