//! The library file iTunes and Apple Music export (`Library.xml`), written for tests and
//! benchmarks in the real format: an XML property list with `Tracks` and `Playlists`, the
//! keys and value types iTunes writes (including the many an importer must skip), file
//! locations as percent-encoded `file://` URLs.

use std::fmt::Write as _;

/// A song as iTunes lists it under `Tracks`. `None` and `false` fields are not written.
#[derive(Debug, Clone, Default)]
pub struct Song {
    pub track_id: u32,
    /// 16 hex digits.
    pub persistent_id: String,
    pub name: String,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub total_time_ms: Option<u64>,
    pub play_count: Option<u64>,
    /// Unix milliseconds (written as `Play Date UTC`, and as iTunes' local `Play Date`).
    pub played_at: Option<i64>,
    pub skip_count: Option<u64>,
    /// Unix milliseconds.
    pub added_at: Option<i64>,
    /// 0..=100, 20 per star.
    pub rating: Option<u8>,
    /// The rating was computed from the album's (written with `Rating Computed`).
    pub rating_computed: bool,
    /// An album rating, always written as computed.
    pub album_rating: Option<u8>,
    /// `Loved` (iTunes).
    pub loved: bool,
    /// `Favorited` (the Music app).
    pub favorited: bool,
    /// A `file://` URL (see [`file_url`]).
    pub location: Option<String>,
    pub podcast: bool,
}

/// A playlist, or a folder of playlists, as listed under `Playlists`.
#[derive(Debug, Clone, Default)]
pub struct Playlist {
    pub playlist_id: u32,
    pub persistent_id: String,
    pub name: String,
    /// The folder it is in.
    pub parent: Option<String>,
    pub folder: bool,
    /// iTunes' own "Library".
    pub master: bool,
    /// Music, Podcasts, Purchased...
    pub distinguished_kind: Option<u32>,
    pub smart: bool,
    /// Track IDs.
    pub items: Vec<u32>,
}

/// The whole file.
#[must_use]
pub fn library_xml(songs: &[Song], playlists: &[Playlist], music_folder: &str) -> String {
    let mut out = String::with_capacity(2048 + songs.len() * 1600);
    out.push_str(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<!DOCTYPE plist PUBLIC \"-//Apple Computer//DTD PLIST 1.0//EN\" ",
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n",
        "<plist version=\"1.0\">\n<dict>\n",
        "\t<key>Major Version</key><integer>1</integer>\n",
        "\t<key>Minor Version</key><integer>1</integer>\n",
        "\t<key>Date</key><date>2024-03-15T09:30:00Z</date>\n",
        "\t<key>Application Version</key><string>12.13.2.3</string>\n",
        "\t<key>Features</key><integer>5</integer>\n",
        "\t<key>Show Content Ratings</key><true/>\n",
    ));
    let _ = writeln!(
        out,
        "\t<key>Music Folder</key><string>{}</string>",
        escape(music_folder)
    );
    out.push_str("\t<key>Library Persistent ID</key><string>4F3A2B1C0D9E8F70</string>\n");
    out.push_str("\t<key>Tracks</key>\n\t<dict>\n");
    for song in songs {
        write_song(&mut out, song);
    }
    out.push_str("\t</dict>\n\t<key>Playlists</key>\n\t<array>\n");
    for playlist in playlists {
        write_playlist(&mut out, playlist);
    }
    out.push_str("\t</array>\n</dict>\n</plist>\n");
    out
}

fn write_song(out: &mut String, song: &Song) {
    let _ = writeln!(out, "\t\t<key>{}</key>\n\t\t<dict>", song.track_id);
    let int = |out: &mut String, key: &str, value: i64| {
        let _ = writeln!(out, "\t\t\t<key>{key}</key><integer>{value}</integer>");
    };
    let text = |out: &mut String, key: &str, value: &str| {
        let _ = writeln!(
            out,
            "\t\t\t<key>{key}</key><string>{}</string>",
            escape(value)
        );
    };
    let date = |out: &mut String, key: &str, ms: i64| {
        let _ = writeln!(out, "\t\t\t<key>{key}</key><date>{}</date>", plist_date(ms));
    };
    let flag = |out: &mut String, key: &str| {
        let _ = writeln!(out, "\t\t\t<key>{key}</key><true/>");
    };
    int(out, "Track ID", i64::from(song.track_id));
    text(out, "Name", &song.name);
    if let Some(artist) = &song.artist {
        text(out, "Artist", artist);
    }
    if let Some(artist) = &song.album_artist {
        text(out, "Album Artist", artist);
    }
    if let Some(album) = &song.album {
        text(out, "Album", album);
    }
    text(out, "Genre", "Électronique");
    text(
        out,
        "Kind",
        if song.podcast {
            "Podcast"
        } else {
            "MPEG audio file"
        },
    );
    int(out, "Size", 4_321_987);
    if let Some(ms) = song.total_time_ms {
        int(out, "Total Time", ms as i64);
    }
    int(out, "Year", 2024);
    let _ = writeln!(
        out,
        "\t\t\t<key>Date Modified</key><date>2023-11-02T18:04:11Z</date>"
    );
    if let Some(ms) = song.added_at {
        date(out, "Date Added", ms);
    }
    int(out, "Bit Rate", 256);
    int(out, "Sample Rate", 44_100);
    if let Some(count) = song.play_count {
        int(out, "Play Count", count as i64);
    }
    if let Some(ms) = song.played_at {
        // iTunes' local play date: seconds since 1904, in the computer's time zone.
        int(out, "Play Date", ms / 1000 + 2_082_844_800);
        date(out, "Play Date UTC", ms);
    }
    if let Some(count) = song.skip_count {
        int(out, "Skip Count", count as i64);
        date(out, "Skip Date", 1_600_000_000_000);
    }
    if let Some(rating) = song.rating {
        int(out, "Rating", i64::from(rating));
        if song.rating_computed {
            flag(out, "Rating Computed");
        }
    }
    if let Some(rating) = song.album_rating {
        int(out, "Album Rating", i64::from(rating));
        flag(out, "Album Rating Computed");
    }
    if song.loved {
        flag(out, "Loved");
    }
    if song.favorited {
        flag(out, "Favorited");
    }
    int(out, "Artwork Count", 1);
    text(out, "Sort Name", &song.name);
    let _ = writeln!(
        out,
        "\t\t\t<key>Persistent ID</key><string>{}</string>",
        song.persistent_id
    );
    if song.podcast {
        flag(out, "Podcast");
    }
    text(
        out,
        "Track Type",
        if song.location.is_some() {
            "File"
        } else {
            "Remote"
        },
    );
    if let Some(location) = &song.location {
        text(out, "Location", location);
    }
    int(out, "File Folder Count", 5);
    int(out, "Library Folder Count", 1);
    out.push_str("\t\t</dict>\n");
}

fn write_playlist(out: &mut String, playlist: &Playlist) {
    out.push_str("\t\t<dict>\n");
    let _ = writeln!(
        out,
        "\t\t\t<key>Name</key><string>{}</string>",
        escape(&playlist.name)
    );
    let _ = writeln!(out, "\t\t\t<key>Description</key><string></string>");
    if playlist.master {
        out.push_str("\t\t\t<key>Master</key><true/>\n");
    }
    let _ = writeln!(
        out,
        "\t\t\t<key>Playlist ID</key><integer>{}</integer>",
        playlist.playlist_id
    );
    let _ = writeln!(
        out,
        "\t\t\t<key>Playlist Persistent ID</key><string>{}</string>",
        playlist.persistent_id
    );
    if let Some(parent) = &playlist.parent {
        let _ = writeln!(
            out,
            "\t\t\t<key>Parent Persistent ID</key><string>{parent}</string>"
        );
    }
    if playlist.master || playlist.distinguished_kind.is_some() {
        out.push_str("\t\t\t<key>Visible</key><false/>\n");
    }
    if let Some(kind) = playlist.distinguished_kind {
        let _ = writeln!(
            out,
            "\t\t\t<key>Distinguished Kind</key><integer>{kind}</integer>"
        );
    }
    out.push_str("\t\t\t<key>All Items</key><true/>\n");
    if playlist.folder {
        out.push_str("\t\t\t<key>Folder</key><true/>\n");
    }
    if playlist.smart {
        out.push_str(concat!(
            "\t\t\t<key>Smart Info</key>\n\t\t\t<data>\n\t\t\tAQEAAwAAAAIAAAAZAAAAAAAAAAcAAAABAAAAAAAAAAAAAAAAAAAAAAAA\n",
            "\t\t\tAAAAAA==\n\t\t\t</data>\n",
            "\t\t\t<key>Smart Criteria</key>\n\t\t\t<data>\n\t\t\tU0xzdAABAAEAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\t\t\t</data>\n",
        ));
    }
    if !playlist.items.is_empty() {
        out.push_str("\t\t\t<key>Playlist Items</key>\n\t\t\t<array>\n");
        for item in &playlist.items {
            let _ = writeln!(
                out,
                "\t\t\t\t<dict>\n\t\t\t\t\t<key>Track ID</key><integer>{item}</integer>\n\t\t\t\t</dict>"
            );
        }
        out.push_str("\t\t\t</array>\n");
    }
    out.push_str("\t\t</dict>\n");
}

/// Escapes text for XML as iTunes does (`&#38;` for `&`, named entities for the brackets).
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&#38;"),
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            other => out.push(other),
        }
    }
    out
}

/// A `file://localhost` URL of a path (`C:/Users/...` on Windows, `/Users/...` on macOS),
/// percent-encoded as iTunes writes it: ASCII letters, digits and `/-._~:!$'()*+,;=@&` as
/// they are, everything else (spaces, `#`, `%`, non-ASCII UTF-8) as `%XX`.
#[must_use]
pub fn file_url(path: &str) -> String {
    let path = path.strip_prefix('/').unwrap_or(path);
    let mut out = String::from("file://localhost/");
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~:!$'()*+,;=@&".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// A plist date of unix milliseconds: `YYYY-MM-DDTHH:MM:SSZ`.
#[must_use]
pub fn plist_date(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        (rest / 60) % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_dates_are_written_as_itunes_does() {
        assert_eq!(
            file_url("C:/Users/Åsa/Music/iTunes/iTunes Media/Music/a#b.mp3"),
            "file://localhost/C:/Users/%C3%85sa/Music/iTunes/iTunes%20Media/Music/a%23b.mp3"
        );
        assert_eq!(
            file_url("/Users/asa/x y.m4a"),
            "file://localhost/Users/asa/x%20y.m4a"
        );
        assert_eq!(plist_date(0), "1970-01-01T00:00:00Z");
        assert_eq!(plist_date(1_556_828_024_000), "2019-05-02T20:13:44Z");
        assert_eq!(plist_date(951_825_601_000), "2000-02-29T12:00:01Z");
        assert_eq!(escape("A & B <C>"), "A &#38; B &#60;C&#62;");
    }
}
