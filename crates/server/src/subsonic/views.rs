//! The catalog's records as Subsonic objects (`Child`, `AlbumID3`, `ArtistID3`...), in the JSON
//! form the envelope carries (XML is derived from it). OpenSubsonic fields the server supports
//! are always present, empty when there is nothing, as the spec asks, so clients can tell
//! them supported; ratings appear only when set (the spec's range is 1 to 5).

use crate::catalog::{Album, Artist, Song, Stats};
use serde_json::{Map, Value, json};

/// A date-time as the spec writes it: `2024-05-01T12:00:00Z`.
pub fn date_time(unix_seconds: i64) -> String {
    format!("{}Z", tonearm_protocol::time::utc_date_time(unix_seconds))
}

/// The file extension and MIME type of a catalog format name.
pub fn suffix_and_type(format: &str) -> (&'static str, &'static str) {
    match format {
        "mp3" => ("mp3", "audio/mpeg"),
        "flac" => ("flac", "audio/flac"),
        "ogg" => ("ogg", "audio/ogg"),
        "opus" => ("opus", "audio/ogg"),
        "m4a" => ("m4a", "audio/mp4"),
        "wav" => ("wav", "audio/wav"),
        "aiff" => ("aiff", "audio/aiff"),
        _ => ("", "application/octet-stream"),
    }
}

/// What the user did with it: starred, rated (1 to 5 only), played.
fn marks(stats: &Stats, mut visit: impl FnMut(&'static str, Field<'_>)) {
    if let Some(at) = stats.starred_at {
        visit("starred", Field::Owned(date_time(at)));
    }
    if let Some(rating) = stats.rating.filter(|r| (1..=5).contains(r)) {
        visit("userRating", Field::UInt(rating.into()));
    }
    visit("playCount", Field::UInt(stats.play_count));
    if let Some(at) = stats.played_at {
        visit("played", Field::Owned(date_time(at)));
    }
}

/// [`marks`] into a JSON object.
fn marks_into(object: &mut Map<String, Value>, stats: &Stats) {
    marks(stats, |key, field| {
        object.insert(key.into(), field.into());
    });
}

fn put<T: Into<Value>>(object: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        object.insert(key.into(), value.into());
    }
}

/// A scalar field of a song, as both forms write it.
#[derive(Debug)]
pub enum Field<'a> {
    Text(&'a str),
    Owned(String),
    UInt(u64),
    Int(i64),
    Bool(bool),
}

impl From<Field<'_>> for Value {
    fn from(field: Field<'_>) -> Self {
        match field {
            Field::Text(text) => text.into(),
            Field::Owned(text) => text.into(),
            Field::UInt(n) => n.into(),
            Field::Int(n) => n.into(),
            Field::Bool(b) => b.into(),
        }
    }
}

/// A song's scalar fields (`Child` with `isDir: false`), in order, given to `visit`; its two
/// nested fields are [`replay_gain`] and [`genres`]. The writers of both forms take them from
/// here, so the record is never copied into an intermediate tree.
pub fn song_fields(song: &Song, mut visit: impl FnMut(&'static str, Field<'_>)) {
    use Field::{Bool, Int, Owned, Text, UInt};
    let (suffix, content_type) = suffix_and_type(&song.format);
    let seconds = song.duration_ms.map(|ms| ms.div_ceil(1000));
    let id = song.id.to_string();
    visit("id", Text(&id));
    visit("parent", Text(song.album_id.as_str()));
    visit("isDir", Bool(false));
    visit("title", Text(&song.title));
    if let Some(album) = &song.album {
        visit("album", Text(album));
    }
    if let Some(artist) = &song.artist {
        visit("artist", Text(artist));
    }
    if let Some(track) = song.track_number {
        visit("track", UInt(track.into()));
    }
    if let Some(year) = song.year {
        visit("year", Int(year.into()));
    }
    if let Some(genre) = &song.genre {
        visit("genre", Text(genre));
    }
    if song.artwork.is_some() {
        visit("coverArt", Text(&id));
    }
    visit("size", UInt(song.size));
    visit("contentType", Text(content_type));
    visit("suffix", Text(suffix));
    if let Some(seconds) = seconds {
        visit("duration", UInt(seconds));
        if let Some(kbps) = (song.size * 8 / 1000).checked_div(seconds) {
            visit("bitRate", UInt(kbps));
        }
    }
    visit(
        "path",
        Owned(format!(
            "{}/{}/{}{}.{}",
            song.album_artist.as_deref().unwrap_or("Unknown"),
            song.album.as_deref().unwrap_or("Unknown"),
            song.track_number
                .map(|n| format!("{n:02} - "))
                .unwrap_or_default(),
            song.title,
            if suffix.is_empty() { "bin" } else { suffix }
        )),
    );
    visit("isVideo", Bool(false));
    if let Some(disc) = song.disc_number {
        visit("discNumber", UInt(disc.into()));
    }
    visit("created", Owned(date_time(song.added_at)));
    visit("albumId", Text(song.album_id.as_str()));
    visit("artistId", Text(song.artist_id.as_str()));
    visit("type", Text("music"));
    visit("mediaType", Text("song"));
    visit("comment", Text(song.comment.as_deref().unwrap_or_default()));
    visit(
        "sortName",
        Owned(crate::catalog::ids::sort_name(&song.title)),
    );
    visit(
        "displayArtist",
        Text(song.artist.as_deref().unwrap_or_default()),
    );
    visit(
        "displayAlbumArtist",
        Text(song.album_artist.as_deref().unwrap_or_default()),
    );
    visit(
        "displayComposer",
        Text(song.composer.as_deref().unwrap_or_default()),
    );
    marks(&song.stats, visit);
}

/// OpenSubsonic's `replayGain` of a song, when it has a tag: gains in dB, peaks as linear
/// amplitude.
pub fn replay_gain(song: &Song) -> Option<Vec<(&'static str, f64)>> {
    let rg = &song.replaygain;
    if rg.is_empty() {
        return None;
    }
    let gains = [
        ("trackGain", rg.track_gain.map(|g| g.db())),
        ("albumGain", rg.album_gain.map(|g| g.db())),
        ("trackPeak", rg.track_peak.map(|p| p.amplitude())),
        ("albumPeak", rg.album_peak.map(|p| p.amplitude())),
    ];
    Some(
        gains
            .into_iter()
            .filter_map(|(key, value)| Some((key, value?)))
            .collect(),
    )
}

/// A song's genres (OpenSubsonic's `genres`, a list of `{name}`): its one, if any.
pub fn genres(song: &Song) -> impl Iterator<Item = &str> {
    song.genre.as_deref().into_iter()
}

/// An album (`AlbumID3`).
pub fn album(album: &Album) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), json!(album.id.as_str()));
    object.insert("name".into(), json!(album.name));
    object.insert("artist".into(), json!(album.artist));
    object.insert("artistId".into(), json!(album.artist_id.as_str()));
    if album.cover.is_some() {
        object.insert("coverArt".into(), json!(album.id.as_str()));
    }
    object.insert("songCount".into(), json!(album.song_count));
    object.insert("duration".into(), json!(album.duration_ms.div_ceil(1000)));
    object.insert("created".into(), json!(date_time(album.added_at)));
    put(&mut object, "year", album.year);
    put(&mut object, "genre", album.genre.clone());
    object.insert(
        "sortName".into(),
        json!(crate::catalog::ids::sort_name(&album.name)),
    );
    object.insert(
        "genres".into(),
        json!(
            album
                .genre
                .iter()
                .map(|g| json!({ "name": g }))
                .collect::<Vec<_>>()
        ),
    );
    object.insert("displayArtist".into(), json!(album.artist));
    object.insert(
        "artists".into(),
        json!([{ "id": album.artist_id.as_str(), "name": album.artist }]),
    );
    object.insert(
        "isCompilation".into(),
        json!(album.artist == crate::catalog::ids::VARIOUS_ARTISTS),
    );
    marks_into(&mut object, &album.stats);
    Value::Object(object)
}

/// An album as a directory entry (`Child` with `isDir: true`), for folder-based browsing.
pub fn album_as_directory(album: &Album) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), json!(album.id.as_str()));
    object.insert("parent".into(), json!(album.artist_id.as_str()));
    object.insert("isDir".into(), json!(true));
    object.insert("title".into(), json!(album.name));
    object.insert("album".into(), json!(album.name));
    object.insert("artist".into(), json!(album.artist));
    if album.cover.is_some() {
        object.insert("coverArt".into(), json!(album.id.as_str()));
    }
    object.insert("duration".into(), json!(album.duration_ms.div_ceil(1000)));
    object.insert("created".into(), json!(date_time(album.added_at)));
    object.insert("albumId".into(), json!(album.id.as_str()));
    object.insert("artistId".into(), json!(album.artist_id.as_str()));
    object.insert("mediaType".into(), json!("album"));
    put(&mut object, "year", album.year);
    put(&mut object, "genre", album.genre.clone());
    marks_into(&mut object, &album.stats);
    Value::Object(object)
}

/// An artist (`ArtistID3`).
pub fn artist(artist: &Artist) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), json!(artist.id.as_str()));
    object.insert("name".into(), json!(artist.name));
    object.insert("albumCount".into(), json!(artist.album_count));
    object.insert("sortName".into(), json!(artist.sort_name));
    // Its first album's cover, when it has one (getCoverArt answers 70 otherwise).
    object.insert("coverArt".into(), json!(artist.id.as_str()));
    if let Some(at) = artist.stats.starred_at {
        object.insert("starred".into(), json!(date_time(at)));
    }
    if let Some(rating) = artist.stats.rating.filter(|r| (1..=5).contains(r)) {
        object.insert("userRating".into(), json!(rating));
    }
    Value::Object(object)
}

/// The letter an artist is indexed under: the first of its sort name, `#` for the rest.
pub fn index_letter(sort_name: &str) -> String {
    match sort_name.chars().next() {
        Some(c) if c.is_alphabetic() => c.to_uppercase().collect(),
        _ => "#".to_owned(),
    }
}

/// Artists grouped by letter (`index` of `ArtistsID3` and `Indexes`).
pub fn indexes(artists: &[Artist]) -> Vec<Value> {
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    for one in artists {
        let letter = index_letter(&one.sort_name);
        match groups.last_mut() {
            Some((last, members)) if *last == letter => members.push(artist(one)),
            _ => groups.push((letter, vec![artist(one)])),
        }
    }
    groups
        .into_iter()
        .map(|(name, members)| {
            super::response::object([("name", name.into()), ("artist", members.into())])
        })
        .collect()
}

/// The articles left out of sort names (the `ignoredArticles` field).
pub const IGNORED_ARTICLES: &str = "The A An";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_the_spec_wants() {
        assert_eq!(date_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(date_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(date_time(1_733_455_509), "2024-12-06T03:25:09Z");
    }

    #[test]
    fn artists_are_grouped_by_letter() {
        assert_eq!(index_letter("beatles"), "B");
        assert_eq!(index_letter("élan"), "É");
        assert_eq!(index_letter("2pac"), "#");
        assert_eq!(index_letter(""), "#");
    }
}
