//! The library file iTunes and Apple Music export (`Library.xml`, or iTunes' own
//! `iTunes Library.xml`), read into the songs and playlists an import needs.
//!
//! It is a property list: a top `<dict>` with `Tracks` (a dict of Track ID → the song's dict)
//! and `Playlists` (an array of dicts, each with its `Playlist Items`). Only the keys an import
//! uses are kept; unknown keys, and known keys holding a value of another type, are skipped,
//! so other apps' exports of the same format read too. Everything kept is bounded: names are
//! cut at [`MAX_NAME`] bytes, a location longer than [`MAX_LOCATION`] is dropped, counts are
//! clamped, and a file with more songs, playlists or entries than the bounds is refused.

use super::plist::{Item, Malformed, PlistReader, bounded};
use std::io::BufRead;

/// Names (song, artist, album, playlist) are cut at this many bytes.
pub const MAX_NAME: usize = 1024;
/// A location longer than this (bytes of the URL) is dropped.
pub const MAX_LOCATION: usize = 8192;
/// At most this many songs in one file.
pub const MAX_SONGS: usize = 1_000_000;
/// At most this many playlists (folders included).
pub const MAX_PLAYLISTS: usize = 100_000;
/// At most this many playlist entries, all playlists together.
pub const MAX_ENTRIES: usize = 10_000_000;

/// A song of the exported library.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Song {
    /// The file's own id of the song, which playlists refer to (not stable across exports).
    pub track_id: i64,
    /// iTunes' stable id of the song (hex), when valid.
    pub persistent_id: Option<String>,
    pub name: Option<String>,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub duration_ms: Option<u64>,
    pub play_count: u64,
    pub skip_count: u64,
    /// `Play Date UTC`, unix milliseconds.
    pub played_at: Option<i64>,
    /// `Date Added`, unix milliseconds.
    pub added_at: Option<i64>,
    /// 1..=100, the user's own rating (not one iTunes computed from the album's).
    pub rating: Option<u8>,
    /// `Loved` (iTunes) or `Favorited` (Music).
    pub loved: bool,
    /// The `file://` URL, as written.
    pub location: Option<String>,
    /// A podcast, film, TV show, video or radio stream: not a song of the music library.
    pub not_music: bool,
}

/// A playlist or a folder of playlists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcePlaylist {
    pub name: String,
    pub persistent_id: Option<String>,
    /// The folder it is in.
    pub parent: Option<String>,
    pub folder: bool,
    /// One iTunes makes itself (Library, Music, Podcasts, Purchased...), not the user's.
    pub built_in: bool,
    pub smart: bool,
    /// Track IDs, in order.
    pub items: Vec<i64>,
}

/// What the file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItunesLibrary {
    pub songs: Vec<Song>,
    pub playlists: Vec<SourcePlaylist>,
}

/// Reads an exported library.
pub fn read(source: impl BufRead) -> Result<ItunesLibrary, Malformed> {
    let mut reader = PlistReader::new(source);
    let mut library = ItunesLibrary::default();
    const NOT_A_LIBRARY: &str = "this is not a library exported by iTunes or Music";
    match reader.next_item() {
        Ok(Item::StartDict) => {}
        Ok(_) => {
            return Err(Malformed {
                offset: reader.offset(),
                reason: format!("{NOT_A_LIBRARY} (no top-level <dict>)"),
            });
        }
        Err(malformed) => {
            return Err(Malformed {
                reason: format!("{NOT_A_LIBRARY} ({})", malformed.reason),
                ..malformed
            });
        }
    }
    let mut found_tracks = false;
    loop {
        match reader.next_item()? {
            Item::Key => {}
            Item::EndDict => break,
            _ => return Err(expected_key(&reader)),
        }
        match reader.text() {
            "Tracks" => {
                found_tracks = true;
                read_songs(&mut reader, &mut library.songs)?;
            }
            "Playlists" => read_playlists(&mut reader, &mut library.playlists)?,
            _ => {
                let value = reader.next_item()?;
                reader.skip_value(value)?;
            }
        }
    }
    if !found_tracks {
        return Err(Malformed {
            offset: reader.offset(),
            reason: "this is not a library exported by iTunes or Music (it has no Tracks)"
                .to_owned(),
        });
    }
    Ok(library)
}

fn expected_key(reader: &PlistReader<impl BufRead>) -> Malformed {
    Malformed {
        offset: reader.offset(),
        reason: "a <key> was expected in a <dict>".to_owned(),
    }
}

fn too_many(reader: &PlistReader<impl BufRead>, what: &str, max: usize) -> Malformed {
    Malformed {
        offset: reader.offset(),
        reason: format!("more than {max} {what}: not read"),
    }
}

/// Adds `where` to a message about a value.
fn within(mut malformed: Malformed, place: &str) -> Malformed {
    malformed.reason = format!("{} ({place})", malformed.reason);
    malformed
}

fn read_songs(
    reader: &mut PlistReader<impl BufRead>,
    songs: &mut Vec<Song>,
) -> Result<(), Malformed> {
    match reader.next_item()? {
        Item::StartDict => {}
        other => return reader.skip_value(other),
    }
    loop {
        match reader.next_item()? {
            Item::Key => {}
            Item::EndDict => return Ok(()),
            _ => return Err(expected_key(reader)),
        }
        let key = bounded(reader.text(), 40).to_owned();
        if songs.len() >= MAX_SONGS {
            return Err(too_many(reader, "songs", MAX_SONGS));
        }
        match reader.next_item()? {
            Item::StartDict => {
                let song = read_song(reader).map_err(|m| within(m, &format!("song {key}")))?;
                songs.push(song);
            }
            other => reader.skip_value(other)?,
        }
    }
}

/// A string value, cut at `max` bytes; `None` for a value of another type (skipped).
fn string(reader: &mut PlistReader<impl BufRead>, max: usize) -> Result<Option<String>, Malformed> {
    match reader.next_item()? {
        Item::String => Ok(Some(bounded(reader.text(), max).to_owned())),
        other => reader.skip_value(other).map(|()| None),
    }
}

fn integer(reader: &mut PlistReader<impl BufRead>) -> Result<Option<i64>, Malformed> {
    match reader.next_item()? {
        Item::Integer(value) => Ok(Some(value)),
        other => reader.skip_value(other).map(|()| None),
    }
}

fn boolean(reader: &mut PlistReader<impl BufRead>) -> Result<Option<bool>, Malformed> {
    match reader.next_item()? {
        Item::Bool(value) => Ok(Some(value)),
        other => reader.skip_value(other).map(|()| None),
    }
}

fn date(reader: &mut PlistReader<impl BufRead>) -> Result<Option<i64>, Malformed> {
    match reader.next_item()? {
        Item::Date(value) => Ok(Some(value)),
        other => reader.skip_value(other).map(|()| None),
    }
}

/// A persistent id: 1 to 32 hex digits, upper case (as iTunes writes them).
fn persistent_id(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty() && t.len() <= 32 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|t| t.to_ascii_uppercase())
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn read_song(reader: &mut PlistReader<impl BufRead>) -> Result<Song, Malformed> {
    let mut song = Song::default();
    let mut rating = 0i64;
    let mut rating_computed = false;
    loop {
        match reader.next_item()? {
            Item::Key => {}
            Item::EndDict => break,
            _ => return Err(expected_key(reader)),
        }
        match reader.text() {
            "Track ID" => song.track_id = integer(reader)?.unwrap_or_default(),
            "Persistent ID" => song.persistent_id = persistent_id(string(reader, 64)?),
            "Name" => song.name = non_empty(string(reader, MAX_NAME)?),
            "Artist" => song.artist = non_empty(string(reader, MAX_NAME)?),
            "Album Artist" => song.album_artist = non_empty(string(reader, MAX_NAME)?),
            "Album" => song.album = non_empty(string(reader, MAX_NAME)?),
            "Total Time" => {
                song.duration_ms = integer(reader)?.and_then(|ms| u64::try_from(ms).ok());
            }
            "Play Count" => song.play_count = count(integer(reader)?),
            "Skip Count" => song.skip_count = count(integer(reader)?),
            "Play Date UTC" => song.played_at = date(reader)?,
            "Date Added" => song.added_at = date(reader)?,
            "Rating" => rating = integer(reader)?.unwrap_or_default(),
            "Rating Computed" => rating_computed = boolean(reader)?.unwrap_or_default(),
            "Loved" | "Favorited" => song.loved |= boolean(reader)?.unwrap_or_default(),
            "Location" => {
                song.location = string(reader, usize::MAX)?.filter(|l| l.len() <= MAX_LOCATION);
            }
            "Podcast" | "Movie" | "TV Show" | "Has Video" | "Music Video" | "iTunesU" => {
                song.not_music |= boolean(reader)?.unwrap_or_default();
            }
            "Track Type" => {
                song.not_music |= string(reader, 16)?.is_some_and(|kind| kind == "URL");
            }
            _ => {
                let value = reader.next_item()?;
                reader.skip_value(value)?;
            }
        }
    }
    if rating > 0 && !rating_computed {
        song.rating = Some(rating.min(100) as u8);
    }
    Ok(song)
}

/// A count from the file: negative is none.
fn count(value: Option<i64>) -> u64 {
    value.map_or(0, |v| v.max(0) as u64)
}

fn read_playlists(
    reader: &mut PlistReader<impl BufRead>,
    playlists: &mut Vec<SourcePlaylist>,
) -> Result<(), Malformed> {
    match reader.next_item()? {
        Item::StartArray => {}
        other => return reader.skip_value(other),
    }
    let mut entries = 0usize;
    loop {
        match reader.next_item()? {
            Item::StartDict => {}
            Item::EndArray => return Ok(()),
            other => {
                reader.skip_value(other)?;
                continue;
            }
        }
        if playlists.len() >= MAX_PLAYLISTS {
            return Err(too_many(reader, "playlists", MAX_PLAYLISTS));
        }
        let playlist = read_playlist(reader, &mut entries)
            .map_err(|m| within(m, &format!("playlist {}", playlists.len() + 1)))?;
        playlists.push(playlist);
    }
}

fn read_playlist(
    reader: &mut PlistReader<impl BufRead>,
    entries: &mut usize,
) -> Result<SourcePlaylist, Malformed> {
    let mut playlist = SourcePlaylist::default();
    loop {
        match reader.next_item()? {
            Item::Key => {}
            Item::EndDict => break,
            _ => return Err(expected_key(reader)),
        }
        match reader.text() {
            "Name" => playlist.name = string(reader, MAX_NAME)?.unwrap_or_default(),
            "Playlist Persistent ID" => {
                playlist.persistent_id = persistent_id(string(reader, 64)?);
            }
            "Parent Persistent ID" => playlist.parent = persistent_id(string(reader, 64)?),
            "Folder" => playlist.folder = boolean(reader)?.unwrap_or_default(),
            "Master" => playlist.built_in |= boolean(reader)?.unwrap_or_default(),
            "Visible" => playlist.built_in |= boolean(reader)? == Some(false),
            "Distinguished Kind" => playlist.built_in |= integer(reader)?.is_some(),
            "Smart Info" => {
                playlist.smart = true;
                let value = reader.next_item()?;
                reader.skip_value(value)?;
            }
            "Playlist Items" => read_items(reader, &mut playlist.items, entries)?,
            _ => {
                let value = reader.next_item()?;
                reader.skip_value(value)?;
            }
        }
    }
    playlist.name = playlist.name.trim().to_owned();
    Ok(playlist)
}

fn read_items(
    reader: &mut PlistReader<impl BufRead>,
    items: &mut Vec<i64>,
    entries: &mut usize,
) -> Result<(), Malformed> {
    match reader.next_item()? {
        Item::StartArray => {}
        other => return reader.skip_value(other),
    }
    loop {
        match reader.next_item()? {
            Item::StartDict => {}
            Item::EndArray => return Ok(()),
            other => {
                reader.skip_value(other)?;
                continue;
            }
        }
        let mut track = None;
        loop {
            match reader.next_item()? {
                Item::Key => {}
                Item::EndDict => break,
                _ => return Err(expected_key(reader)),
            }
            if reader.text() == "Track ID" {
                track = integer(reader)?;
            } else {
                let value = reader.next_item()?;
                reader.skip_value(value)?;
            }
        }
        if let Some(track) = track {
            *entries += 1;
            if *entries > MAX_ENTRIES {
                return Err(too_many(reader, "playlist entries", MAX_ENTRIES));
            }
            items.push(track);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple Computer//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Major Version</key><integer>1</integer>
	<key>Music Folder</key><string>file://localhost/C:/Users/%C3%85sa/Music/iTunes/iTunes%20Media/</string>
	<key>Tracks</key>
	<dict>
		<key>101</key>
		<dict>
			<key>Track ID</key><integer>101</integer>
			<key>Name</key><string>Señor Árbol</string>
			<key>Artist</key><string>Beyoncé &#38; Sigur Rós</string>
			<key>Total Time</key><integer>1000</integer>
			<key>Play Count</key><integer>7</integer>
			<key>Play Date</key><integer>3640000000</integer>
			<key>Play Date UTC</key><date>2019-05-02T20:13:44Z</date>
			<key>Rating</key><integer>80</integer>
			<key>Album Rating</key><integer>60</integer>
			<key>Album Rating Computed</key><true/>
			<key>Loved</key><true/>
			<key>Persistent ID</key><string>0a1b2c3d4e5f6071</string>
			<key>Track Type</key><string>File</string>
			<key>Location</key><string>file://localhost/C:/Users/%C3%85sa/Music/a.ogg</string>
			<key>Artwork Count</key><integer>1</integer>
		</dict>
		<key>102</key>
		<dict>
			<key>Track ID</key><integer>102</integer>
			<key>Name</key><string>Computed</string>
			<key>Rating</key><integer>60</integer>
			<key>Rating Computed</key><true/>
			<key>Play Count</key><string>many</string>
			<key>Podcast</key><true/>
		</dict>
	</dict>
	<key>Playlists</key>
	<array>
		<dict>
			<key>Name</key><string>Library</string>
			<key>Master</key><true/>
			<key>Visible</key><false/>
			<key>Playlist Items</key><array><dict><key>Track ID</key><integer>101</integer></dict></array>
		</dict>
		<dict>
			<key>Name</key><string>Road trips</string>
			<key>Playlist Persistent ID</key><string>AAAA000000000001</string>
			<key>Folder</key><true/>
		</dict>
		<dict>
			<key>Name</key><string>2019</string>
			<key>Playlist Persistent ID</key><string>AAAA000000000002</string>
			<key>Parent Persistent ID</key><string>AAAA000000000001</string>
			<key>Smart Info</key><data>AQEAAwAAAAIAAAAZ</data>
			<key>Playlist Items</key>
			<array>
				<dict><key>Track ID</key><integer>101</integer></dict>
				<dict><key>Track ID</key><integer>999</integer></dict>
			</array>
		</dict>
	</array>
</dict>
</plist>"#;

    #[test]
    fn songs_and_playlists_keep_what_an_import_uses() {
        let library = read(SAMPLE.as_bytes()).expect("readable");
        assert_eq!(library.songs.len(), 2);
        let song = &library.songs[0];
        assert_eq!(song.track_id, 101);
        assert_eq!(song.persistent_id.as_deref(), Some("0A1B2C3D4E5F6071"));
        assert_eq!(song.name.as_deref(), Some("Señor Árbol"));
        assert_eq!(song.artist.as_deref(), Some("Beyoncé & Sigur Rós"));
        assert_eq!(song.duration_ms, Some(1000));
        assert_eq!(song.play_count, 7);
        assert_eq!(song.played_at, Some(1_556_828_024_000));
        assert_eq!(song.rating, Some(80));
        assert!(song.loved);
        assert!(!song.not_music);
        // A rating iTunes computed is not the user's; a count of the wrong type is skipped.
        let computed = &library.songs[1];
        assert_eq!((computed.rating, computed.play_count), (None, 0));
        assert!(computed.not_music);

        let [master, folder, smart] = library.playlists.as_slice() else {
            panic!("three playlists: {:?}", library.playlists)
        };
        assert!(master.built_in);
        assert!(folder.folder && !folder.built_in);
        assert_eq!(smart.parent.as_deref(), Some("AAAA000000000001"));
        assert!(smart.smart);
        assert_eq!(smart.items, vec![101, 999]);
    }

    #[test]
    fn files_that_are_not_libraries_are_refused() {
        let error = read(&b"<plist><array/></plist>"[..]).expect_err("an array");
        assert!(error.reason.contains("no top-level <dict>"), "{error:?}");
        let error =
            read(&b"<plist><dict><key>A</key><true/></dict></plist>"[..]).expect_err("no tracks");
        assert!(error.reason.contains("no Tracks"), "{error:?}");
        let broken = SAMPLE.replace("<integer>7</integer>", "<integer>seven</integer>");
        let error = read(broken.as_bytes()).expect_err("a bad integer");
        assert!(error.reason.contains("(song 101)"), "{error:?}");
    }
}
