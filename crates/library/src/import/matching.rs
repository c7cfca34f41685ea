//! Which track of the library a song of an exported library is. By location first: the same
//! path on this computer, or else the library file whose path ends the same way (the longest
//! tail shared with exactly one file, of at least a folder and the file name: `Artist/Album/01
//! Song.mp3` under `iTunes Media/Music` there, under the music folder here). Then by tags:
//! title, artist and album folded as the library folds names for sorting and search (case,
//! accents, spacing; an artist may be spelled `A & B` there and `A; B` here), with durations
//! within [`DURATION_TOLERANCE_MS`].
//!
//! Pure: the caller loads the candidates and applies what is found.

use super::location::{Location, components};
use crate::ids::TrackId;
use crate::normalize::fold;
use std::collections::HashMap;

/// How far apart two durations may be for the same recording.
pub const DURATION_TOLERANCE_MS: u64 = 2000;
/// The shortest tail that identifies a file: its folder and its name.
const MIN_TAIL: usize = 2;

/// A track of the library, as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: TrackId,
    /// The file's path (lossy text); `None` for a cloud-only track.
    pub path: Option<String>,
    pub title: String,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub duration_ms: Option<u64>,
}

/// What a song matched: an index into the candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    Location(usize),
    Tags(usize),
    Nothing,
}

/// The tags of a song, as matching compares them.
#[derive(Debug, Clone, Copy, Default)]
pub struct SongTags<'a> {
    pub title: Option<&'a str>,
    pub artist: Option<&'a str>,
    pub album_artist: Option<&'a str>,
    pub album: Option<&'a str>,
    pub duration_ms: Option<u64>,
}

/// The candidates indexed for matching.
#[derive(Debug)]
pub struct Matcher<'a> {
    candidates: &'a [Candidate],
    by_path: HashMap<&'a str, usize>,
    by_file_name: HashMap<String, Vec<usize>>,
    components: Vec<Vec<String>>,
    by_title_album: HashMap<(String, String), Vec<usize>>,
}

impl<'a> Matcher<'a> {
    pub fn new(candidates: &'a [Candidate]) -> Self {
        let mut by_path = HashMap::with_capacity(candidates.len());
        let mut by_file_name: HashMap<String, Vec<usize>> =
            HashMap::with_capacity(candidates.len());
        let mut by_title_album: HashMap<(String, String), Vec<usize>> =
            HashMap::with_capacity(candidates.len());
        let mut all_components = Vec::with_capacity(candidates.len());
        for (index, candidate) in candidates.iter().enumerate() {
            let parts = candidate
                .path
                .as_deref()
                .map(components)
                .unwrap_or_default();
            if let Some(path) = &candidate.path {
                by_path.insert(path.as_str(), index);
            }
            if let Some(name) = parts.last() {
                by_file_name.entry(name.clone()).or_default().push(index);
            }
            all_components.push(parts);
            by_title_album
                .entry(tag_key(&candidate.title, candidate.album.as_deref()))
                .or_default()
                .push(index);
        }
        Self {
            candidates,
            by_path,
            by_file_name,
            components: all_components,
            by_title_album,
        }
    }

    /// The track a song is: by its location, else by its tags.
    pub fn find(&self, location: Option<&Location>, tags: &SongTags<'_>) -> Found {
        if let Some(index) = location.and_then(|l| self.by_location(l)) {
            return Found::Location(index);
        }
        self.by_tags(tags).map_or(Found::Nothing, Found::Tags)
    }

    fn by_location(&self, location: &Location) -> Option<usize> {
        let local = location.local_path();
        if let Some(index) = local.to_str().and_then(|p| self.by_path.get(p)) {
            return Some(*index);
        }
        let name = location.components.last()?;
        let mut best: Option<(usize, usize)> = None;
        let mut tied = false;
        for &index in self.by_file_name.get(name)? {
            let shared = location
                .components
                .iter()
                .rev()
                .zip(self.components[index].iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            match best {
                Some((_, longest)) if shared < longest => {}
                Some((_, longest)) if shared == longest => tied = true,
                _ => {
                    best = Some((index, shared));
                    tied = false;
                }
            }
        }
        let (index, shared) = best?;
        (!tied && shared >= MIN_TAIL).then_some(index)
    }

    fn by_tags(&self, tags: &SongTags<'_>) -> Option<usize> {
        let title = tags.title?;
        let found = self.by_title_album.get(&tag_key(title, tags.album))?;
        let artist = tags.artist.or(tags.album_artist).map(artist_words);
        found
            .iter()
            .copied()
            .filter(|&index| {
                let candidate = &self.candidates[index];
                let same_artist = match &artist {
                    None => true,
                    Some(wanted) => {
                        let theirs = [&candidate.artist, &candidate.album_artist];
                        theirs.iter().all(|name| name.is_none())
                            || theirs
                                .iter()
                                .filter_map(|name| name.as_deref())
                                .any(|name| artist_words(name) == *wanted)
                    }
                };
                same_artist && duration_gap(tags.duration_ms, candidate.duration_ms).is_some()
            })
            .min_by_key(|&index| {
                duration_gap(tags.duration_ms, self.candidates[index].duration_ms)
                    .unwrap_or_default()
            })
    }
}

/// How far apart two durations are, `Some(0)` when either is unknown; `None` beyond the
/// tolerance.
fn duration_gap(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.abs_diff(b)).filter(|gap| *gap <= DURATION_TOLERANCE_MS),
        _ => Some(0),
    }
}

fn tag_key(title: &str, album: Option<&str>) -> (String, String) {
    (fold(title), fold(album.unwrap_or("")))
}

/// An artist credit as words: folded, separators and punctuation dropped, so `A & B`,
/// `A, B` and the library's `A; B` agree.
fn artist_words(name: &str) -> String {
    let folded = fold(name);
    let mut words = String::with_capacity(folded.len());
    for word in folded.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !words.is_empty() {
            words.push(' ');
        }
        words.push_str(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::location::parse;

    fn candidate(path: &str, title: &str, artist: &str, album: &str, ms: u64) -> Candidate {
        Candidate {
            id: TrackId::new(),
            path: Some(path.to_owned()),
            title: title.to_owned(),
            artist: Some(artist.to_owned()),
            album_artist: None,
            album: Some(album.to_owned()),
            duration_ms: Some(ms),
        }
    }

    fn tags<'a>(title: &'a str, artist: &'a str, album: &'a str, ms: u64) -> SongTags<'a> {
        SongTags {
            title: Some(title),
            artist: Some(artist),
            album: Some(album),
            duration_ms: Some(ms),
            ..SongTags::default()
        }
    }

    #[test]
    fn locations_match_the_same_path_or_the_longest_unambiguous_tail() {
        let library = [
            candidate(
                "/home/asa/Music/Sigur Rós/Takk/01 Glósóli.mp3",
                "Glósóli",
                "Sigur Rós",
                "Takk",
                1000,
            ),
            candidate(
                "/home/asa/Music/Other/Takk/01 Glósóli.mp3",
                "Glósóli",
                "Other",
                "Takk",
                1000,
            ),
            candidate(
                "/home/asa/Music/Björk/Post/01 Army.mp3",
                "Army of Me",
                "Björk",
                "Post",
                1000,
            ),
            candidate("/Users/asa/Music/x.flac", "X", "Y", "Z", 1000),
        ];
        let matcher = Matcher::new(&library);
        let find = |url: &str| matcher.find(parse(url).as_ref(), &SongTags::default());
        // The tail `sigur rós/takk/01 glósóli.mp3` (case and normalisation aside) is one file.
        assert_eq!(
            find(
                "file://localhost/C:/Users/%C3%85sa/Music/iTunes/iTunes%20Media/Music/SIGUR%20RO%CC%81S/Takk/01%20Glo%CC%81so%CC%81li.mp3"
            ),
            Found::Location(0)
        );
        assert_eq!(
            find("file:///Users/asa/Music/iTunes/Björk/Post/01%20Army.mp3"),
            Found::Location(2)
        );
        // Only `takk/01 glósóli.mp3` is shared, with two files: ambiguous.
        assert_eq!(
            find("file:///Volumes/M/Takk/01%20Glo%CC%81so%CC%81li.mp3"),
            Found::Nothing
        );
        // The file name alone is not enough.
        assert_eq!(find("file:///Volumes/M/01%20Army.mp3"), Found::Nothing);
        // The same path on this computer.
        assert_eq!(find("file:///Users/asa/Music/x.flac"), Found::Location(3));
    }

    #[test]
    fn tags_match_folded_with_durations_close_enough() {
        let library = [
            candidate("/m/a.mp3", "Army of Me", "Björk", "Post", 234_000),
            candidate(
                "/m/b.mp3",
                "Hyperballad",
                "Björk; Sigur Rós",
                "Post",
                300_000,
            ),
            candidate(
                "/m/c.mp3",
                "Hyperballad",
                "Björk; Sigur Rós",
                "Post",
                301_500,
            ),
        ];
        let matcher = Matcher::new(&library);
        let find = |tags: SongTags<'_>| matcher.find(None, &tags);
        assert_eq!(
            find(tags("ARMY OF ME", "bjork", "post", 235_900)),
            Found::Tags(0)
        );
        assert_eq!(
            find(tags("Army of Me", "Björk", "Post", 236_100)),
            Found::Nothing
        );
        assert_eq!(
            find(tags("Army of Me", "Portishead", "Post", 234_000)),
            Found::Nothing
        );
        // The closest duration wins; `&` and `;` credit the same artists.
        assert_eq!(
            find(tags("Hyperballad", "Björk & Sigur Rós", "Post", 301_000)),
            Found::Tags(2)
        );
        let no_title = SongTags {
            title: None,
            ..tags("", "Björk", "Post", 234_000)
        };
        assert_eq!(find(no_title), Found::Nothing);
    }
}
