//! Writing an import, in the caller's transaction: each song matched and its marks applied,
//! then the playlists, with what was brought remembered so the next import of the same file
//! changes nothing.
//!
//! Per song, against what the last import brought (`itunes_tracks`): plays and skips are added
//! as the difference (capped at [`MAX_COUNT`] a song), plays as play-log entries with ids
//! `itunes-<persistent id>-<n>`, so the cloud counts each once whichever device sends it; a
//! rating or love is applied the first time the song is imported (a rating or love the file
//! lacks never erases this library's) and again only when it changed there, so one changed
//! here since stays; the date added becomes the earlier of the two, the last play the later.
//! Per playlist (`itunes_playlists`): created the first time (or again if deleted here since),
//! renamed when its name changed there, its entries replaced when its songs changed there, and
//! otherwise left as the user keeps it.

use super::itunes::{ItunesLibrary, Song, SourcePlaylist};
use super::location;
use super::matching::{Candidate, Found, Matcher, SongTags};
use super::{ImportedPlaylist, ItunesImport, PlaylistOutcome, UnmatchedSong};
use crate::error::Result;
use crate::history;
use crate::ids::{PlaylistId, TrackId};
use crate::playlists;
use crate::store::pathbytes;
use rusqlite::{Transaction, params};
use std::collections::{HashMap, HashSet};

/// At most this many plays, and as many skips, of one song are imported.
pub const MAX_COUNT: u64 = 10_000;
/// Between the folder names and the playlist's own in the names given here.
pub const FOLDER_SEPARATOR: &str = " / ";
/// Folders deeper than this are left out of a name (and a loop of folders ends).
const MAX_FOLDER_DEPTH: usize = 32;
/// Dates later than now by more than this are not believed.
const FUTURE_SLACK_MS: i64 = 24 * 3600 * 1000;

/// A track's values an import may change.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Marks {
    rating: Option<u8>,
    loved: bool,
    added_at: i64,
    last_played_at: Option<i64>,
    skip_count: i64,
}

/// What an earlier import brought for one song.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    track: String,
    play_count: u64,
    skip_count: u64,
    rating: Option<u8>,
    loved: bool,
}

/// What an earlier import made of one playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PlaylistRecord {
    playlist: Option<PlaylistId>,
    name: String,
    tracks: String,
}

/// Imports `library` into the tracks and playlists of the database.
pub fn apply(tx: &Transaction<'_>, library: &ItunesLibrary) -> Result<ItunesImport> {
    let now = crate::now_ms();
    let (candidates, mut marks) = load_tracks(tx)?;
    let matcher = Matcher::new(&candidates);
    let mut records = load_records(tx)?;
    let mut report = ItunesImport::default();
    let mut matched: HashMap<i64, TrackId> = HashMap::new();
    let mut keys = HashSet::new();
    for song in &library.songs {
        // Keys are taken in file order, matched or not, so a repeated one is told apart the
        // same way each time.
        let key = unique(song_key(song), &mut keys);
        if song.not_music {
            report.skipped += 1;
            continue;
        }
        report.songs += 1;
        let location = song.location.as_deref().and_then(location::parse);
        let tags = SongTags {
            title: song.name.as_deref(),
            artist: song.artist.as_deref(),
            album_artist: song.album_artist.as_deref(),
            album: song.album.as_deref(),
            duration_ms: song.duration_ms,
        };
        let index = match matcher.find(location.as_ref(), &tags) {
            Found::Location(index) => {
                report.matched_by_location += 1;
                index
            }
            Found::Tags(index) => {
                report.matched_by_tags += 1;
                index
            }
            Found::Nothing => {
                report.unmatched.push(UnmatchedSong {
                    name: song.name.clone().unwrap_or_default(),
                    artist: song.artist.clone(),
                    album: song.album.clone(),
                    location: location.map(|l| l.path),
                });
                continue;
            }
        };
        let track = candidates[index].id;
        matched.insert(song.track_id, track);
        let song_import = SongImport {
            song,
            key: &key,
            track,
            now,
        };
        song_import.apply(tx, &mut marks[index], &mut records, &mut report)?;
    }
    import_playlists(tx, &library.playlists, &matched, &mut report, now)?;
    Ok(report)
}

/// The stable key of a song: its persistent id, or (a file without them) a digest of where it
/// was and what it is.
fn song_key(song: &Song) -> String {
    if let Some(id) = &song.persistent_id {
        return id.clone();
    }
    let mut hasher = blake3::Hasher::new();
    for part in [&song.location, &song.name, &song.artist, &song.album] {
        hasher.update(part.as_deref().unwrap_or("").as_bytes());
        hasher.update(&[0]);
    }
    hasher.update(&song.duration_ms.unwrap_or(0).to_le_bytes());
    derived_key(&hasher)
}

fn derived_key(hasher: &blake3::Hasher) -> String {
    let hex = hasher.finalize().to_hex();
    format!("X{}", &hex.as_str()[..15]).to_ascii_uppercase()
}

/// `key`, or (for a key already used in this file, which a well-formed file never repeats)
/// the key with a number, so that each song or playlist keeps its own record.
fn unique(key: String, seen: &mut HashSet<String>) -> String {
    if seen.insert(key.clone()) {
        return key;
    }
    (2..)
        .map(|n| format!("{key}{n}"))
        .find(|candidate| seen.insert(candidate.clone()))
        .expect("some number is free")
}

/// A date from the file, if believable.
fn believable(date: Option<i64>, now: i64) -> Option<i64> {
    date.filter(|at| (1..=now.saturating_add(FUTURE_SLACK_MS)).contains(at))
}

fn load_tracks(tx: &Transaction<'_>) -> Result<(Vec<Candidate>, Vec<Marks>)> {
    let mut stmt = tx.prepare(
        "SELECT id, path, title, artist, album_artist, album, duration_ms,
                rating, loved, added_at, last_played_at, skip_count
         FROM tracks ORDER BY pk",
    )?;
    let mut rows = stmt.query([])?;
    let (mut candidates, mut marks) = (Vec::new(), Vec::new());
    while let Some(row) = rows.next()? {
        let Ok(id) = row.get::<_, String>(0)?.parse::<TrackId>() else {
            continue;
        };
        let path = row
            .get::<_, Option<Vec<u8>>>(1)?
            .map(|bytes| pathbytes::from_bytes(&bytes).to_string_lossy().into_owned());
        candidates.push(Candidate {
            id,
            path,
            title: row.get(2)?,
            artist: row.get(3)?,
            album_artist: row.get(4)?,
            album: row.get(5)?,
            duration_ms: row.get::<_, Option<i64>>(6)?.map(|ms| ms.max(0) as u64),
        });
        marks.push(Marks {
            rating: row.get(7)?,
            loved: row.get(8)?,
            added_at: row.get(9)?,
            last_played_at: row.get(10)?,
            skip_count: row.get(11)?,
        });
    }
    Ok((candidates, marks))
}

fn load_records(tx: &Transaction<'_>) -> Result<HashMap<String, Record>> {
    let mut stmt = tx.prepare(
        "SELECT persistent_id, track_id, play_count, skip_count, rating, loved FROM itunes_tracks",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            Record {
                track: row.get(1)?,
                play_count: row.get::<_, i64>(2)?.max(0) as u64,
                skip_count: row.get::<_, i64>(3)?.max(0) as u64,
                rating: row.get(4)?,
                loved: row.get(5)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One matched song being applied to its track.
struct SongImport<'a> {
    song: &'a Song,
    key: &'a str,
    track: TrackId,
    now: i64,
}

impl SongImport<'_> {
    fn apply(
        &self,
        tx: &Transaction<'_>,
        marks: &mut Marks,
        records: &mut HashMap<String, Record>,
        report: &mut ItunesImport,
    ) -> Result<()> {
        let song = self.song;
        let before = records.get(self.key).cloned();
        let mut changed = false;

        let plays = song.play_count.min(MAX_COUNT);
        let plays_before = before.as_ref().map_or(0, |r| r.play_count);
        if plays > plays_before {
            // iTunes keeps only the last play's date: every imported play gets it (or the
            // date added, or nothing known).
            let at = believable(song.played_at, self.now)
                .or(believable(song.added_at, self.now))
                .unwrap_or(0);
            let ids = (plays_before + 1..=plays).map(|n| format!("itunes-{}-{n}", self.key));
            let added = history::import_plays_in(tx, self.track, ids, at)?;
            report.plays_added += added;
            changed |= added > 0;
        }

        let mut new = marks.clone();
        let skips = song.skip_count.min(MAX_COUNT);
        let skips_before = before.as_ref().map_or(0, |r| r.skip_count);
        if skips > skips_before {
            new.skip_count = new.skip_count.saturating_add((skips - skips_before) as i64);
            report.skips_added += skips - skips_before;
        }
        // The first import brings what the file has; later ones what changed there since.
        let rating = match &before {
            None => song.rating.or(marks.rating),
            Some(record) if record.rating != song.rating => song.rating,
            Some(_) => marks.rating,
        };
        let loved = match &before {
            None => song.loved || marks.loved,
            Some(record) if record.loved != song.loved => song.loved,
            Some(_) => marks.loved,
        };
        new.rating = rating;
        new.loved = loved;
        if let Some(added) = believable(song.added_at, self.now) {
            new.added_at = new.added_at.min(added);
        }
        if let Some(played) = believable(song.played_at, self.now) {
            new.last_played_at = Some(new.last_played_at.map_or(played, |l| l.max(played)));
        }

        if new != *marks {
            tx.prepare_cached(
                "UPDATE tracks SET rating = ?1, loved = ?2, added_at = ?3, last_played_at = ?4,
                     skip_count = ?5
                 WHERE id = ?6",
            )?
            .execute(params![
                new.rating,
                new.loved,
                new.added_at,
                new.last_played_at,
                new.skip_count,
                self.track.to_string()
            ])?;
            if new.rating != marks.rating {
                history::flag_rating_in(tx, self.track)?;
                report.ratings_changed += 1;
            }
            if new.loved != marks.loved {
                history::flag_loved_in(tx, self.track)?;
                report.loves_changed += 1;
            }
            if (new.added_at, new.last_played_at) != (marks.added_at, marks.last_played_at) {
                report.dates_changed += 1;
            }
            *marks = new;
            changed = true;
        }
        if changed {
            report.tracks_changed += 1;
        }

        let record = Record {
            track: self.track.to_string(),
            play_count: plays.max(plays_before),
            skip_count: skips.max(skips_before),
            rating: song.rating,
            loved: song.loved,
        };
        if before.as_ref() != Some(&record) {
            tx.prepare_cached(
                "INSERT INTO itunes_tracks
                     (persistent_id, track_id, play_count, skip_count, rating, loved, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (persistent_id) DO UPDATE SET
                     track_id = excluded.track_id, play_count = excluded.play_count,
                     skip_count = excluded.skip_count, rating = excluded.rating,
                     loved = excluded.loved, imported_at = excluded.imported_at",
            )?
            .execute(params![
                self.key,
                record.track,
                record.play_count as i64,
                record.skip_count as i64,
                record.rating,
                record.loved,
                self.now
            ])?;
            records.insert(self.key.to_owned(), record);
        }
        Ok(())
    }
}

fn load_playlist_records(tx: &Transaction<'_>) -> Result<HashMap<String, PlaylistRecord>> {
    let mut stmt =
        tx.prepare("SELECT persistent_id, playlist_id, name, tracks FROM itunes_playlists")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            PlaylistRecord {
                playlist: row.get::<_, String>(1)?.parse().ok(),
                name: row.get(2)?,
                tracks: row.get(3)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The name a playlist gets here: its folders' names, then its own.
fn full_name(playlist: &SourcePlaylist, by_id: &HashMap<&str, &SourcePlaylist>) -> String {
    let own = if playlist.name.is_empty() {
        "Untitled playlist"
    } else {
        playlist.name.as_str()
    };
    let mut names = vec![own];
    let mut parent = playlist.parent.as_deref();
    let mut depth = 0;
    while let Some(folder) = parent.and_then(|id| by_id.get(id)) {
        depth += 1;
        if depth > MAX_FOLDER_DEPTH {
            break;
        }
        if !folder.name.is_empty() {
            names.push(folder.name.as_str());
        }
        parent = folder.parent.as_deref();
    }
    names.reverse();
    names.join(FOLDER_SEPARATOR)
}

/// A digest of a playlist's tracks in order.
fn tracks_digest(tracks: &[TrackId]) -> String {
    let mut hasher = blake3::Hasher::new();
    for track in tracks {
        hasher.update(track.0.as_bytes());
    }
    hasher.finalize().to_hex().to_string()
}

fn import_playlists(
    tx: &Transaction<'_>,
    source: &[SourcePlaylist],
    matched: &HashMap<i64, TrackId>,
    report: &mut ItunesImport,
    now: i64,
) -> Result<()> {
    let by_id: HashMap<&str, &SourcePlaylist> = source
        .iter()
        .filter_map(|p| p.persistent_id.as_deref().map(|id| (id, p)))
        .collect();
    let stored = load_playlist_records(tx)?;
    let mut keys = HashSet::new();
    for playlist in source.iter().filter(|p| !p.folder && !p.built_in) {
        let name = full_name(playlist, &by_id);
        let mut tracks = Vec::with_capacity(playlist.items.len());
        for item in &playlist.items {
            if let Some(track) = matched.get(item) {
                tracks.push(*track);
            }
        }
        let not_found = (playlist.items.len() - tracks.len()) as u64;
        let digest = tracks_digest(&tracks);
        let key = playlist.persistent_id.clone().unwrap_or_else(|| {
            let mut hasher = blake3::Hasher::new();
            hasher.update(name.as_bytes());
            derived_key(&hasher)
        });
        let key = unique(key, &mut keys);

        let mut existing = None;
        if let Some(record) = stored.get(&key)
            && let Some(id) = record.playlist
            && playlists::exists_in(tx, id)?
        {
            existing = Some((id, record));
        }
        let (id, outcome) = match existing {
            Some((id, record)) => {
                let mut outcome = PlaylistOutcome::Unchanged;
                if record.name != name {
                    playlists::rename_in(tx, id, &name)?;
                    outcome = PlaylistOutcome::Updated;
                }
                if record.tracks != digest {
                    playlists::clear_in(tx, id)?;
                    playlists::add_in(tx, id, &tracks, None)?;
                    outcome = PlaylistOutcome::Updated;
                }
                (id, outcome)
            }
            None => {
                let id = playlists::create_in(tx, &name)?;
                if !tracks.is_empty() {
                    playlists::add_in(tx, id, &tracks, None)?;
                }
                (id, PlaylistOutcome::Created)
            }
        };
        match outcome {
            PlaylistOutcome::Created => report.playlists_created += 1,
            PlaylistOutcome::Updated => report.playlists_updated += 1,
            PlaylistOutcome::Unchanged => {}
        }
        if outcome != PlaylistOutcome::Unchanged {
            tx.prepare_cached(
                "INSERT INTO itunes_playlists (persistent_id, playlist_id, name, tracks, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (persistent_id) DO UPDATE SET playlist_id = excluded.playlist_id,
                     name = excluded.name, tracks = excluded.tracks,
                     imported_at = excluded.imported_at",
            )?
            .execute(params![key, id.to_string(), name, digest, now])?;
        }
        report.entries_not_found += not_found;
        report.playlists.push(ImportedPlaylist {
            name,
            id,
            outcome,
            smart: playlist.smart,
            entries: tracks.len() as u64,
            not_found,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playlist(name: &str, id: &str, parent: Option<&str>) -> SourcePlaylist {
        SourcePlaylist {
            name: name.to_owned(),
            persistent_id: Some(id.to_owned()),
            parent: parent.map(str::to_owned),
            folder: true,
            ..SourcePlaylist::default()
        }
    }

    #[test]
    fn folders_become_part_of_the_name() {
        let road = playlist("Road trips", "A", None);
        let europe = playlist("Europe", "B", Some("A"));
        let list = playlist("2019", "C", Some("B"));
        let looped = playlist("Loop", "D", Some("D"));
        let unnamed = playlist("", "E", Some("A"));
        let by_id: HashMap<&str, &SourcePlaylist> = [&road, &europe, &list, &looped, &unnamed]
            .into_iter()
            .map(|p| (p.persistent_id.as_deref().expect("id"), p))
            .collect();
        assert_eq!(full_name(&list, &by_id), "Road trips / Europe / 2019");
        assert_eq!(full_name(&road, &by_id), "Road trips");
        assert!(full_name(&looped, &by_id).ends_with("Loop / Loop"));
        assert_eq!(
            full_name(&unnamed, &by_id),
            "Road trips / Untitled playlist"
        );
    }

    #[test]
    fn keys_are_unique_within_a_file_and_dates_believable() {
        let mut seen = HashSet::new();
        assert_eq!(unique("AB".into(), &mut seen), "AB");
        assert_eq!(unique("AB".into(), &mut seen), "AB2");
        assert_eq!(unique("AB".into(), &mut seen), "AB3");
        let song = Song {
            name: Some("x".into()),
            ..Song::default()
        };
        let key = song_key(&song);
        assert_eq!(key.len(), 16);
        assert!(key.starts_with('X'));
        assert_eq!(key, song_key(&song.clone()), "derived keys are stable");
        assert_eq!(believable(Some(5), 10), Some(5));
        assert_eq!(believable(Some(0), 10), None);
        assert_eq!(believable(Some(i64::MAX), 10), None);
    }
}
