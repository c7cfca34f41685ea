//! Every album, artist and genre summary rebuilt at once, in one pass over the tracks and
//! one over their names.
//!
//! The summaries of a few albums and names are rebuilt in SQL
//! ([`super::write::rebuild_summaries`] with what a change made stale). Rebuilt whole, the
//! same SQL sorts every name of every track three times (to drop repeats, to group, to count
//! distinct albums) and looks each track up by key: 0.8 s for 100,000 tracks, most of the
//! end of a first scan. Here both tables are read in key order, the counts are kept in hash
//! maps, and only the summaries are written. The result is the SQL's, value for value (text
//! compared byte by byte, as SQLite's `MIN` and `MAX` do); the test
//! `rebuilt_whole_is_rebuilt_in_sql` in `write.rs` compares the two.

use crate::error::Result;
use rusqlite::{Transaction, params};
use std::collections::{HashMap, HashSet};

/// An album's aggregates, as the SQL computes them.
#[derive(Default)]
struct Album {
    /// `MAX(album)`, `MAX(album_artist)`, `MAX(artist)`, `MAX(artwork_id)`.
    title: Option<String>,
    album_artist: Option<String>,
    artist: Option<String>,
    artwork: Option<String>,
    /// `MIN(sort_album)`, `MIN(year)`.
    sort_title: Option<String>,
    year: Option<i64>,
    compilation: i64,
    tracks: i64,
    /// `SUM(duration_ms)`: `None` while every duration is NULL.
    duration: Option<i64>,
}

/// A track, as the name summaries need it.
struct Track {
    /// Its album (an index into the album keys), when it has one.
    album: Option<usize>,
    duration: Option<i64>,
    /// Its sort artist is empty (it may be "Unknown artist").
    no_sort_artist: bool,
}

/// An artist's or a genre's aggregates.
#[derive(Default)]
struct Name {
    /// `MIN(name)`.
    name: Option<String>,
    tracks: i64,
    albums: HashSet<usize>,
    duration: Option<i64>,
}

/// Text of a column, as stored (`None` for NULL).
fn text<'a>(row: &'a rusqlite::Row<'_>, index: usize) -> Result<Option<&'a str>> {
    Ok(row
        .get_ref(index)?
        .as_str_or_null()
        .map_err(rusqlite::Error::from)?)
}

fn max(slot: &mut Option<String>, value: Option<&str>) {
    if let Some(value) = value
        && slot.as_deref().is_none_or(|current| value > current)
    {
        *slot = Some(value.to_owned());
    }
}

fn min(slot: &mut Option<String>, value: Option<&str>) {
    if let Some(value) = value
        && slot.as_deref().is_none_or(|current| value < current)
    {
        *slot = Some(value.to_owned());
    }
}

fn add(sum: &mut Option<i64>, value: Option<i64>) {
    if let Some(value) = value {
        *sum = Some(sum.unwrap_or(0) + value);
    }
}

/// Deletes every summary and writes them again from the tracks that are present (or in the
/// cloud).
pub fn rebuild_all(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch("DELETE FROM albums; DELETE FROM name_summaries;")?;

    // Albums, and what each track brings to the names, in key order.
    let mut keys: HashMap<String, usize> = HashMap::new();
    let mut albums: Vec<(String, Album)> = Vec::new();
    let mut tracks: Vec<(i64, Track)> = Vec::new();
    {
        // `+state`: read the table in key order rather than through an index.
        let mut stmt = tx.prepare(
            "SELECT pk, album_key, album, album_artist, artist, compilation, sort_album, year,
                    duration_ms, artwork_id, sort_artist = ''
             FROM tracks WHERE +state IN ('present', 'cloud') ORDER BY pk",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let duration: Option<i64> = row.get(8)?;
            let album = match text(row, 2)? {
                None => None,
                Some(title) => {
                    let key = text(row, 1)?.unwrap_or_default();
                    let index = match keys.get(key) {
                        Some(index) => *index,
                        None => {
                            keys.insert(key.to_owned(), albums.len());
                            albums.push((key.to_owned(), Album::default()));
                            albums.len() - 1
                        }
                    };
                    let album = &mut albums[index].1;
                    max(&mut album.title, Some(title));
                    max(&mut album.album_artist, text(row, 3)?);
                    max(&mut album.artist, text(row, 4)?);
                    album.compilation = album.compilation.max(row.get(5)?);
                    min(&mut album.sort_title, text(row, 6)?);
                    if let Some(year) = row.get::<_, Option<i64>>(7)? {
                        album.year = Some(album.year.map_or(year, |y| y.min(year)));
                    }
                    add(&mut album.duration, duration);
                    max(&mut album.artwork, text(row, 9)?);
                    album.tracks += 1;
                    Some(index)
                }
            };
            let track = Track {
                album,
                duration,
                no_sort_artist: row.get(10)?,
            };
            tracks.push((row.get(0)?, track));
        }
    }
    {
        let mut insert = tx.prepare(
            "INSERT INTO albums (album_key, title, artist, sort_title, sort_artist, year, track_count,
                                 duration_ms, artwork_id, compilation)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for (key, album) in albums {
            let artist = album
                .album_artist
                .or_else(|| (album.compilation != 0).then(|| "Various Artists".to_owned()))
                .or(album.artist)
                .unwrap_or_default();
            // SQL's substr(album_key, 1, instr(album_key, char(31)) - 1).
            let sort_artist = key.split_once('\u{1f}').map_or("", |(by, _)| by);
            insert.execute(params![
                key,
                album.title,
                artist,
                album.sort_title,
                sort_artist,
                album.year,
                album.tracks,
                album.duration.unwrap_or(0),
                album.artwork,
                album.compilation
            ])?;
        }
    }

    // Artists (as artist or album artist) and genres: each track counted once per name as
    // spelled, as `SELECT DISTINCT track_pk, sort_name, name` does. Names are read in key
    // order (track, role, position), alongside the tracks.
    let mut names: [HashMap<String, Name>; 2] = Default::default();
    let mut credited = vec![false; tracks.len()];
    {
        let mut stmt = tx.prepare(
            "SELECT track_pk, role, name, sort_name FROM track_names
             WHERE +role IN ('artist', 'album_artist', 'genre') AND sort_name != ''
             ORDER BY track_pk, role, position",
        )?;
        let mut rows = stmt.query([])?;
        let mut at = 0;
        let mut seen: Vec<(usize, String, String)> = Vec::new();
        while let Some(row) = rows.next()? {
            let pk: i64 = row.get(0)?;
            if tracks.get(at).is_none_or(|(track_pk, _)| *track_pk != pk) {
                while tracks.get(at).is_some_and(|(track_pk, _)| *track_pk < pk) {
                    at += 1;
                }
                seen.clear();
            }
            let Some((_, track)) = tracks.get(at).filter(|(track_pk, _)| *track_pk == pk) else {
                continue;
            };
            let kind = usize::from(row.get_ref(1)? == rusqlite::types::ValueRef::Text(b"genre"));
            if kind == 0 {
                credited[at] = true;
            }
            let name = text(row, 2)?.unwrap_or_default();
            let sort_name = text(row, 3)?.unwrap_or_default();
            if seen
                .iter()
                .any(|(k, s, n)| *k == kind && s == sort_name && n == name)
            {
                continue;
            }
            seen.push((kind, sort_name.to_owned(), name.to_owned()));
            let summary = match names[kind].get_mut(sort_name) {
                Some(summary) => summary,
                None => names[kind].entry(sort_name.to_owned()).or_default(),
            };
            min(&mut summary.name, Some(name));
            summary.tracks += 1;
            summary.albums.extend(track.album);
            add(&mut summary.duration, track.duration);
        }
    }
    let mut insert = tx.prepare(
        "INSERT INTO name_summaries (kind, sort_name, name, track_count, album_count, duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (kind, summaries) in ["artist", "genre"].into_iter().zip(names) {
        for (sort_name, summary) in summaries {
            insert.execute(params![
                kind,
                sort_name,
                summary.name,
                summary.tracks,
                summary.albums.len() as i64,
                summary.duration.unwrap_or(0)
            ])?;
        }
    }
    // "Unknown artist": tracks with an empty sort artist credited to no one.
    let mut unknown = Name::default();
    for ((_, track), credited) in tracks.iter().zip(credited) {
        if track.no_sort_artist && !credited {
            unknown.tracks += 1;
            unknown.albums.extend(track.album);
            add(&mut unknown.duration, track.duration);
        }
    }
    if unknown.tracks > 0 {
        insert.execute(params![
            "artist",
            "",
            "",
            unknown.tracks,
            unknown.albums.len() as i64,
            unknown.duration.unwrap_or(0)
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::read::FileTags;
    use super::super::write::{self, Dirty, Location, Target};
    use crate::ids::ArtworkId;
    use crate::model::TrackState;
    use crate::store::Store;
    use rusqlite::types::Value;
    use std::path::PathBuf;

    /// Every row of the summary tables, in key order.
    fn summaries(tx: &rusqlite::Transaction<'_>) -> Vec<Vec<Value>> {
        let mut all = Vec::new();
        for sql in [
            "SELECT * FROM albums ORDER BY album_key",
            "SELECT * FROM name_summaries ORDER BY kind, sort_name",
        ] {
            let mut stmt = tx.prepare(sql).expect("prepare");
            let columns = stmt.column_count();
            let rows = stmt
                .query_map([], |row| {
                    (0..columns).map(|i| row.get::<_, Value>(i)).collect()
                })
                .expect("query");
            all.extend(rows.map(|row| row.expect("row")));
        }
        all
    }

    #[test]
    fn rebuilt_whole_is_rebuilt_in_sql() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("library.sqlite3")).expect("store");
        // Names that fold alike, that fold to nothing, articles; albums with and without
        // album artists, compilations, tracks without album, duration or year.
        let artists = [
            "Beyoncé", "Beyonce", "The Band", "Band", "\u{301}", "Zoë", "ABBA",
        ];
        let genres = ["Pop", "pop", "Rock", "Électro", ""];
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        store
            .write(|tx| {
                for id in ["a1", "a2"] {
                    tx.execute(
                        "INSERT INTO artwork (id, mime, bytes) VALUES (?1, 'image/png', x'00')",
                        [id],
                    )?;
                }
                for i in 0..400 {
                    let pick = |list: &[&str], k: usize| -> Vec<String> {
                        (0..k)
                            .map(|j| list[(i * 7 + j * 3) % list.len()].to_owned())
                            .collect()
                    };
                    let tags = FileTags {
                        format: "flac".to_owned(),
                        title: Some(format!("Song {i}")),
                        artists: pick(&artists, next(3)),
                        album_artists: pick(&artists, next(2)),
                        album: (next(5) > 0).then(|| format!("Album {}", next(30))),
                        genres: pick(&genres, next(3)),
                        compilation: next(4) == 0,
                        year: (next(3) > 0).then(|| 1990 + next(20) as i32),
                        duration_ms: (next(6) > 0).then(|| 1000 * next(300) as u64),
                        ..FileTags::default()
                    };
                    let path = PathBuf::from(format!("/music/{i}.flac"));
                    let location = Location {
                        folder: None,
                        path: Some(&path),
                        size: i as u64,
                        mtime_ms: 0,
                        state: TrackState::Present,
                        fingerprint: format!("f{i}"),
                        id: None,
                    };
                    let artwork =
                        [None, Some("a1"), Some("a2")][next(3)].map(|id| ArtworkId(id.to_owned()));
                    let mut dirty = Dirty::default();
                    write::write_row(
                        tx,
                        &location,
                        &tags,
                        artwork.as_ref(),
                        Target::Insert,
                        &mut dirty,
                    )?;
                }
                tx.execute_batch(
                    "UPDATE tracks SET state = 'missing' WHERE pk % 9 = 0;
                     UPDATE tracks SET state = 'cloud' WHERE pk % 11 = 0;
                     UPDATE tracks SET state = 'unreadable' WHERE pk % 13 = 0;",
                )?;
                Ok(())
            })
            .expect("tracks");
        store
            .write(|tx| {
                write::rebuild_summaries(tx, None)?;
                let whole = summaries(tx);
                // The SQL, told that everything is stale.
                let mut dirty = Dirty::default();
                for pk in tx
                    .prepare("SELECT pk FROM tracks")?
                    .query_map([], |row| row.get::<_, i64>(0))?
                {
                    dirty.track(tx, pk?)?;
                }
                tx.execute_batch("DELETE FROM albums; DELETE FROM name_summaries;")?;
                write::rebuild_summaries(tx, Some(&dirty))?;
                let in_sql = summaries(tx);
                assert!(whole.len() > 40, "{} summaries", whole.len());
                assert_eq!(whole, in_sql);
                Ok(())
            })
            .expect("summaries");
    }
}
