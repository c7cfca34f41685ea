//! Search as you type: the query language and its translation to the full-text index.
//!
//! A query is words and field filters: `radio ok artist:radiohead year:1997`.
//! - Every word matches as a prefix ("beyo" finds "Beyoncé"), case- and accent-insensitively
//!   (the index folds both), in title, artist, album, album artist, genre or composer.
//! - `field:value` limits a word to one field; `field:"two words"` a phrase prefix.
//!   Fields: `title`, `artist`, `album`, `albumartist`, `genre`, `composer`, and `year`
//!   (`year:1997`, `year:1990-1999`), `format` (container or codec: `format:flac`, `format:opus`).
//! - Results are ranked by BM25, with a match in the title weighing most, then the artist.
//!
//! Parsing is pure ([`parse`]); [`Query::fts_expression`] builds the FTS5 `MATCH` string.

use crate::error::{LibraryError, Result};

/// Text fields of the index, in its column order.
pub const FIELDS: &[&str] = &[
    "title",
    "artist",
    "album",
    "album_artist",
    "genre",
    "composer",
];

/// BM25 weights per column, in [`FIELDS`] order.
pub const WEIGHTS: &str = "10.0, 6.0, 4.0, 4.0, 1.0, 2.0";

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Words to find anywhere: each a list of index tokens, all required, as prefixes.
    pub words: Vec<Vec<String>>,
    /// Words limited to one field (index column name).
    pub fielded: Vec<(String, Vec<String>)>,
    /// Inclusive year range.
    pub years: Option<(i32, i32)>,
    /// Container format (`flac`, `mp3`, ...).
    pub format: Option<String>,
}

impl Query {
    /// Whether nothing was asked for.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
            && self.fielded.is_empty()
            && self.years.is_none()
            && self.format.is_none()
    }

    /// The FTS5 expression for the text part, or `None` when there is none.
    pub fn fts_expression(&self) -> Option<String> {
        let mut parts: Vec<String> = Vec::new();
        for tokens in &self.words {
            parts.push(phrase_prefix(tokens));
        }
        for (field, tokens) in &self.fielded {
            parts.push(format!("{{{field}}} : {}", phrase_prefix(tokens)));
        }
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }
}

/// `"a" "b"*`-style prefix match of a token sequence: a phrase whose last token is a prefix.
fn phrase_prefix(tokens: &[String]) -> String {
    let quoted: Vec<String> = tokens.iter().map(|t| format!("\"{t}\"")).collect();
    if quoted.len() == 1 {
        format!("{}*", quoted[0])
    } else {
        format!(
            "({} + {}*)",
            quoted[..quoted.len() - 1].join(" + "),
            quoted[quoted.len() - 1]
        )
    }
}

/// Index tokens of a piece of text: runs of letters and digits (the index tokenizer splits
/// the same way, so "AC/DC" is "ac" "dc"), lowercased. Accents are left to the index.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Splits a query into words and quoted phrases, keeping `field:` prefixes attached.
fn lex(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in input.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn field_name(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "title" | "song" => Some("title"),
        "artist" => Some("artist"),
        "album" => Some("album"),
        "albumartist" | "album_artist" => Some("album_artist"),
        "genre" => Some("genre"),
        "composer" => Some("composer"),
        _ => None,
    }
}

fn parse_years(value: &str) -> Result<(i32, i32)> {
    let bad = || {
        LibraryError::InvalidQuery(format!(
            "`year:{value}` is not a year or a range like 1990-1999"
        ))
    };
    let year = |text: &str| text.trim().parse::<i32>().map_err(|_| bad());
    match value.split_once('-') {
        Some((from, to)) => {
            let (from, to) = (year(from)?, year(to)?);
            if from > to {
                Err(bad())
            } else {
                Ok((from, to))
            }
        }
        None => year(value).map(|y| (y, y)),
    }
}

/// Parses a search query. Unknown `field:` prefixes are searched as plain words.
pub fn parse(input: &str) -> Result<Query> {
    let mut query = Query::default();
    for word in lex(input) {
        if let Some((name, value)) = word.split_once(':')
            && !value.is_empty()
        {
            if name.eq_ignore_ascii_case("year") {
                query.years = Some(parse_years(value)?);
                continue;
            }
            if name.eq_ignore_ascii_case("format") {
                query.format = Some(value.to_ascii_lowercase());
                continue;
            }
            if let Some(field) = field_name(name) {
                let value_tokens = tokens(value);
                if !value_tokens.is_empty() {
                    query.fielded.push((field.to_owned(), value_tokens));
                }
                continue;
            }
        }
        let word_tokens = tokens(&word);
        if !word_tokens.is_empty() {
            query.words.push(word_tokens);
        }
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn queries_parse_into_words_fields_and_ranges() {
        let cases: Vec<(&str, Query)> = vec![
            ("", Query::default()),
            (
                "beyo",
                Query {
                    words: vec![t(&["beyo"])],
                    ..Query::default()
                },
            ),
            (
                "OK Computer",
                Query {
                    words: vec![t(&["ok"]), t(&["computer"])],
                    ..Query::default()
                },
            ),
            (
                "AC/DC",
                Query {
                    words: vec![t(&["ac", "dc"])],
                    ..Query::default()
                },
            ),
            (
                "artist:radiohead year:1997",
                Query {
                    fielded: vec![("artist".into(), t(&["radiohead"]))],
                    years: Some((1997, 1997)),
                    ..Query::default()
                },
            ),
            (
                "album:\"ok comp\" year:1990-1999 format:FLAC",
                Query {
                    fielded: vec![("album".into(), t(&["ok", "comp"]))],
                    years: Some((1990, 1999)),
                    format: Some("flac".into()),
                    ..Query::default()
                },
            ),
            (
                "mood:happy",
                Query {
                    words: vec![t(&["mood", "happy"])],
                    ..Query::default()
                },
            ),
            ("  ", Query::default()),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input).expect("parses"), expected, "{input:?}");
        }
    }

    #[test]
    fn bad_years_are_explained() {
        for input in ["year:abc", "year:1999-1990", "year:19x9-2000"] {
            let error = parse(input).expect_err(input).to_string();
            assert!(error.contains("is not a year"), "{input}: {error}");
        }
    }

    #[test]
    fn expressions_are_prefix_phrases_and_never_raw_syntax() {
        let query = parse("radio \"ok comp\" artist:thom NEAR( OR").expect("parses");
        assert_eq!(
            query.fts_expression().as_deref(),
            Some(
                "\"radio\"* AND (\"ok\" + \"comp\"*) AND \"near\"* AND \"or\"* AND {artist} : \"thom\"*"
            )
        );
        assert_eq!(parse("year:2000").expect("parses").fts_expression(), None);
    }
}
