//! Phase 3 of a scan: writing what was read, in batches, keeping identities.
//!
//! A changed file keeps its row. A file at a new path whose fingerprint (size, properties and
//! main tags) matches a track that has gone missing is the same track, moved or renamed: its
//! row gets the new path, so its id, play count, rating and playlist entries carry over.

use super::read::FileTags;
use super::walk::FoundFile;
use crate::error::Result;
use crate::ids::{ArtworkId, FolderId, TrackId};
use crate::model::TrackState;
use crate::normalize::{album_key, sort_key};
use crate::now_ms;
use crate::query::WITHOUT_ARTIST;
use crate::store::pathbytes;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Albums, artists and genres whose summaries a batch of writes has made stale.
#[derive(Debug, Default)]
pub struct Dirty {
    pub albums: HashSet<String>,
    /// (`artist` | `genre`, sort name)
    pub names: HashSet<(&'static str, String)>,
}

impl Dirty {
    fn name(&mut self, role: &str, sort_name: String) {
        match role {
            "artist" | "album_artist" => self.names.insert(("artist", sort_name)),
            "genre" => self.names.insert(("genre", sort_name)),
            _ => false,
        };
    }

    /// Marks what the track `pk` counts towards now (call before and after changing it).
    pub fn track(&mut self, tx: &Transaction<'_>, pk: i64) -> Result<()> {
        let key: Option<String> = tx
            .prepare_cached("SELECT album_key FROM tracks WHERE pk = ?1")?
            .query_row([pk], |row| row.get(0))
            .optional()?;
        self.albums.extend(key);
        let mut names =
            tx.prepare_cached("SELECT role, sort_name FROM track_names WHERE track_pk = ?1")?;
        let mut credited = false;
        for row in names.query_map([pk], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })? {
            let (role, sort_name) = row?;
            credited |= matches!(role.as_str(), "artist" | "album_artist") && !sort_name.is_empty();
            self.name(&role, sort_name);
        }
        if !credited {
            self.unknown_artist();
        }
        Ok(())
    }

    /// Marks "Unknown artist" (the artist summary named `""`, for tracks credited to no one).
    fn unknown_artist(&mut self) {
        self.names.insert(("artist", String::new()));
    }

    pub fn is_empty(&self) -> bool {
        self.albums.is_empty() && self.names.is_empty()
    }
}

/// A track already in the database, as the scanner needs to know it.
#[derive(Debug, Clone)]
pub struct Existing {
    pub pk: i64,
    pub size: u64,
    pub mtime_ms: i64,
    pub state: TrackState,
}

/// The tracks stored under `folder`, by path bytes.
pub fn tracks_under(conn: &Connection, folder: &Path) -> Result<HashMap<Vec<u8>, Existing>> {
    let (low, high) = pathbytes::folder_range(folder);
    let mut stmt = conn.prepare_cached(
        "SELECT path, pk, size, mtime_ms, state FROM tracks WHERE path >= ?1 AND path < ?2",
    )?;
    let rows = stmt.query_map(params![low, high], |row| {
        Ok((
            row.get::<_, Vec<u8>>(0)?,
            Existing {
                pk: row.get(1)?,
                size: row.get::<_, i64>(2)? as u64,
                mtime_ms: row.get(3)?,
                state: TrackState::parse(&row.get::<_, String>(4)?),
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Fingerprints of every missing track in the library (moves may cross folders), plus those
/// of `also` (tracks of this folder not seen by the walk, about to go missing).
pub fn move_candidates(conn: &Connection, also: &[i64]) -> Result<HashMap<String, Vec<i64>>> {
    let mut candidates: HashMap<String, Vec<i64>> = HashMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT fingerprint, pk FROM tracks WHERE state = 'missing'")?;
    for row in stmt.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
    })? {
        let (fingerprint, pk) = row?;
        candidates.entry(fingerprint).or_default().push(pk);
    }
    let mut one = conn.prepare_cached("SELECT fingerprint FROM tracks WHERE pk = ?1")?;
    for pk in also {
        if let Some(fingerprint) = one
            .query_row([pk], |row| row.get::<_, String>(0))
            .optional()?
        {
            candidates.entry(fingerprint).or_default().push(*pk);
        }
    }
    Ok(candidates)
}

/// What identifies a track's content well enough to recognise it at another path.
pub fn fingerprint(file: &FoundFile, tags: &FileTags) -> String {
    let text = format!(
        "{}\u{1f}{}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}",
        file.size,
        tags.format,
        tags.duration_ms,
        tags.title,
        tags.artists,
        tags.album,
        tags.track_no
    );
    blake3::hash(text.as_bytes()).to_hex()[..32].to_owned()
}

/// Where a read file goes.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// A new track.
    Insert,
    /// The row of this path, or of a moved track (by primary key).
    Update(i64),
}

/// Where a track's row says it is.
pub struct Location<'a> {
    pub folder: Option<FolderId>,
    /// `None` for a track only in the cloud.
    pub path: Option<&'a Path>,
    pub size: u64,
    pub mtime_ms: i64,
    /// `Present` for a file read now, `Cloud` for a cloud-only track.
    pub state: TrackState,
    pub fingerprint: String,
    /// The id to give a new row (a fresh one when `None`).
    pub id: Option<TrackId>,
}

/// Writes a successfully read file.
pub fn write_track(
    tx: &Transaction<'_>,
    folder: FolderId,
    file: &FoundFile,
    tags: &FileTags,
    artwork: Option<&ArtworkId>,
    target: Target,
    dirty: &mut Dirty,
) -> Result<i64> {
    let location = Location {
        folder: Some(folder),
        path: Some(&file.path),
        size: file.size,
        mtime_ms: file.mtime_ms,
        state: TrackState::Present,
        fingerprint: fingerprint(file, tags),
        id: None,
    };
    write_row(tx, &location, tags, artwork, target, dirty)
}

/// Writes a track's row, its names and its search entry.
pub fn write_row(
    tx: &Transaction<'_>,
    location: &Location<'_>,
    tags: &FileTags,
    artwork: Option<&ArtworkId>,
    target: Target,
    dirty: &mut Dirty,
) -> Result<i64> {
    let now = now_ms();
    let title = tags
        .title
        .clone()
        .unwrap_or_else(|| location.path.map_or_else(|| "Untitled".to_owned(), stem));
    let artist = (!tags.artists.is_empty()).then(|| tags.artists.join("; "));
    let album_artist = (!tags.album_artists.is_empty()).then(|| tags.album_artists.join("; "));
    let genre = (!tags.genres.is_empty()).then(|| tags.genres.join("; "));
    let composer = (!tags.composers.is_empty()).then(|| tags.composers.join("; "));
    let album_key = album_key(
        &tags.album_artists,
        &tags.artists,
        tags.compilation,
        tags.album.as_deref(),
    );
    dirty.albums.insert(album_key.clone());
    let path_bytes = location.path.map(pathbytes::to_bytes);
    let path_text = location
        .path
        .map_or_else(String::new, |p| p.to_string_lossy().into_owned());
    let state = location.state.as_str();
    let values = params![
        location.folder.map(|f| f.0),
        path_bytes,
        path_text,
        location.size as i64,
        location.mtime_ms,
        tags.format,
        tags.codec,
        tags.duration_ms.map(|d| d as i64),
        tags.bitrate_kbps,
        tags.sample_rate,
        tags.channels,
        tags.bit_depth,
        title,
        artist,
        tags.album,
        album_artist,
        tags.track_no,
        tags.track_total,
        tags.disc_no,
        tags.disc_total,
        tags.year,
        tags.date,
        genre,
        composer,
        tags.compilation,
        tags.musicbrainz.recording_id,
        tags.musicbrainz.track_id,
        tags.musicbrainz.album_id,
        tags.musicbrainz.artist_id,
        tags.musicbrainz.album_artist_id,
        tags.replaygain.track_gain,
        tags.replaygain.track_peak,
        tags.replaygain.album_gain,
        tags.replaygain.album_peak,
        artwork.map(|a| a.0.as_str()),
        now,
        location.fingerprint,
        sort_key(&title),
        sort_key(artist.as_deref().unwrap_or("")),
        sort_key(tags.album.as_deref().unwrap_or("")),
        album_key,
    ];
    let pk = match target {
        Target::Insert => {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO tracks (folder_id, path, path_text, size, mtime_ms, format, codec, duration_ms,
                    bitrate, sample_rate, channels, bit_depth, title, artist, album, album_artist, track_no,
                    track_total, disc_no, disc_total, year, date, genre, composer, compilation, mb_recording_id,
                    mb_track_id, mb_album_id, mb_artist_id, mb_album_artist_id, rg_track_gain, rg_track_peak,
                    rg_album_gain, rg_album_peak, artwork_id, updated_at, fingerprint, sort_title, sort_artist,
                    sort_album, album_key, id, added_at, state, state_reason, comment)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                    ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37,
                    ?38, ?39, ?40, ?41, ?42, ?36, ?43, NULL, ?44)",
            )?;
            let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
            let id = location.id.unwrap_or_default().to_string();
            all.push(&id);
            all.push(&state);
            all.push(&tags.comment);
            stmt.execute(all.as_slice())?;
            tx.last_insert_rowid()
        }
        Target::Update(pk) => {
            dirty.track(tx, pk)?;
            let mut stmt = tx.prepare_cached(
                "UPDATE tracks SET folder_id = ?1, path = ?2, path_text = ?3, size = ?4, mtime_ms = ?5,
                    format = ?6, codec = ?7, duration_ms = ?8, bitrate = ?9, sample_rate = ?10, channels = ?11,
                    bit_depth = ?12, title = ?13, artist = ?14, album = ?15, album_artist = ?16, track_no = ?17,
                    track_total = ?18, disc_no = ?19, disc_total = ?20, year = ?21, date = ?22, genre = ?23,
                    composer = ?24, compilation = ?25, mb_recording_id = ?26, mb_track_id = ?27,
                    mb_album_id = ?28, mb_artist_id = ?29, mb_album_artist_id = ?30, rg_track_gain = ?31,
                    rg_track_peak = ?32, rg_album_gain = ?33, rg_album_peak = ?34, artwork_id = ?35,
                    updated_at = ?36, fingerprint = ?37, sort_title = ?38, sort_artist = ?39, sort_album = ?40,
                    album_key = ?41, state = ?43, state_reason = NULL, comment = ?44
                 WHERE pk = ?42",
            )?;
            let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
            all.push(&pk);
            all.push(&state);
            all.push(&tags.comment);
            stmt.execute(all.as_slice())?;
            tx.prepare_cached("DELETE FROM track_names WHERE track_pk = ?1")?
                .execute([pk])?;
            tx.prepare_cached("DELETE FROM track_tags WHERE track_pk = ?1")?
                .execute([pk])?;
            tx.prepare_cached("DELETE FROM track_search WHERE rowid = ?1")?
                .execute([pk])?;
            pk
        }
    };
    let mut names = tx.prepare_cached(
        "INSERT OR IGNORE INTO track_names (track_pk, role, position, name, sort_name) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut credited = false;
    for (role, list) in [
        ("artist", &tags.artists),
        ("album_artist", &tags.album_artists),
        ("composer", &tags.composers),
        ("genre", &tags.genres),
    ] {
        for (position, name) in list.iter().enumerate() {
            let sort_name = sort_key(name);
            names.execute(params![pk, role, position as i64, name, sort_name])?;
            credited |= matches!(role, "artist" | "album_artist") && !sort_name.is_empty();
            dirty.name(role, sort_name);
        }
    }
    if !credited {
        dirty.unknown_artist();
    }
    let mut extra =
        tx.prepare_cached("INSERT INTO track_tags (track_pk, key, value) VALUES (?1, ?2, ?3)")?;
    for (key, value) in &tags.extra_tags {
        extra.execute(params![pk, key, value])?;
    }
    tx.prepare_cached(
        "INSERT INTO track_search (rowid, title, artist, album, album_artist, genre, composer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        pk,
        title,
        tags.artists.join(" "),
        tags.album,
        tags.album_artists.join(" "),
        tags.genres.join(" "),
        tags.composers.join(" ")
    ])?;
    Ok(pk)
}

/// Records a file that exists but could not be read, keeping its row (and id) if it had one.
pub fn write_unreadable(
    tx: &Transaction<'_>,
    folder: FolderId,
    file: &FoundFile,
    reason: &str,
    existing: Option<i64>,
    dirty: &mut Dirty,
) -> Result<()> {
    let now = now_ms();
    let format = file
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match existing {
        Some(pk) => {
            dirty.track(tx, pk)?;
            tx.prepare_cached(
                "UPDATE tracks SET size = ?1, mtime_ms = ?2, state = 'unreadable', state_reason = ?3, updated_at = ?4
                 WHERE pk = ?5",
            )?
            .execute(params![file.size as i64, file.mtime_ms, reason, now, pk])?;
        }
        None => {
            let title = stem(&file.path);
            tx.prepare_cached(
                "INSERT INTO tracks (id, folder_id, path, path_text, size, mtime_ms, format, title, added_at,
                    updated_at, state, state_reason, fingerprint, sort_title, sort_artist, sort_album, album_key)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, 'unreadable', ?10, ?11, ?12, '', '', '')",
            )?
            .execute(params![
                TrackId::new().to_string(),
                folder.0,
                pathbytes::to_bytes(&file.path),
                file.path.to_string_lossy(),
                file.size as i64,
                file.mtime_ms,
                format,
                title,
                now,
                reason,
                format!("unreadable:{}", file.size),
                sort_key(&title),
            ])?;
        }
    }
    Ok(())
}

/// Deletes a track's row and its search entry; its names, tags and cloud state go with it
/// (foreign keys cascade). What it counted towards is marked in `dirty`.
pub fn delete_track(tx: &Transaction<'_>, pk: i64, dirty: &mut Dirty) -> Result<()> {
    dirty.track(tx, pk)?;
    tx.prepare_cached("DELETE FROM track_search WHERE rowid = ?1")?
        .execute([pk])?;
    tx.prepare_cached("DELETE FROM tracks WHERE pk = ?1")?
        .execute([pk])?;
    Ok(())
}

/// Sets the state of tracks (missing when gone, present when back unchanged). A track that
/// became cloud-only meanwhile (its file freed while a scan ran) is left as it is.
pub fn set_state(
    tx: &Transaction<'_>,
    pks: &[i64],
    state: TrackState,
    dirty: &mut Dirty,
) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "UPDATE tracks SET state = ?1, state_reason = NULL, updated_at = ?2
         WHERE pk = ?3 AND state != 'cloud'",
    )?;
    let now = now_ms();
    for pk in pks {
        dirty.track(tx, *pk)?;
        stmt.execute(params![state.as_str(), now, pk])?;
    }
    Ok(())
}

/// Stores artwork bytes once; returns their id, or `None` when they are not an image.
pub fn store_artwork(tx: &Transaction<'_>, bytes: &[u8]) -> Result<Option<ArtworkId>> {
    let Ok(format) = image::guess_format(bytes) else {
        return Ok(None);
    };
    let id = ArtworkId::of(bytes);
    let exists = tx
        .prepare_cached("SELECT 1 FROM artwork WHERE id = ?1")?
        .exists([&id.0])?;
    if !exists {
        let dimensions = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
            .into_dimensions()
            .ok();
        tx.prepare_cached(
            "INSERT INTO artwork (id, mime, width, height, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            id.0,
            format.to_mime_type(),
            dimensions.map(|d| d.0),
            dimensions.map(|d| d.1),
            bytes
        ])?;
    }
    Ok(Some(id))
}

/// Rebuilds the album, artist and genre summaries from the tracks that are present: all of
/// them (`None`), or only those a batch made stale, so a small change costs little.
///
/// Tracks credited to no artist (nor album artist) count towards one artist summary named
/// `""`, "Unknown artist", so the artists list reaches every song; a name that folds to
/// nothing counts there too.
pub fn rebuild_summaries(tx: &Transaction<'_>, dirty: Option<&Dirty>) -> Result<()> {
    let unknown_artist = dirty.is_none_or(|dirty| dirty.names.contains(&("artist", String::new())));
    let (albums_where, names_where) = match dirty {
        None => {
            tx.execute_batch("DELETE FROM albums; DELETE FROM name_summaries;")?;
            ("1", "1")
        }
        Some(dirty) => {
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS stale_albums (album_key TEXT PRIMARY KEY);
                 CREATE TEMP TABLE IF NOT EXISTS stale_names (kind TEXT, sort_name TEXT, PRIMARY KEY (kind, sort_name));
                 DELETE FROM stale_albums; DELETE FROM stale_names;",
            )?;
            let mut albums = tx.prepare_cached("INSERT OR IGNORE INTO stale_albums VALUES (?1)")?;
            for key in &dirty.albums {
                albums.execute([key])?;
            }
            let mut names =
                tx.prepare_cached("INSERT OR IGNORE INTO stale_names VALUES (?1, ?2)")?;
            for (kind, name) in &dirty.names {
                names.execute([kind, name.as_str()])?;
            }
            tx.execute_batch(
                "DELETE FROM albums WHERE album_key IN (SELECT album_key FROM stale_albums);
                 DELETE FROM name_summaries WHERE (kind, sort_name) IN (SELECT kind, sort_name FROM stale_names);",
            )?;
            (
                "album_key IN (SELECT album_key FROM stale_albums)",
                "sort_name IN (SELECT sort_name FROM stale_names WHERE kind = {kind})",
            )
        }
    };
    tx.execute(
        &format!(
            "INSERT INTO albums (album_key, title, artist, sort_title, sort_artist, year, track_count, duration_ms,
                                 artwork_id, compilation)
             SELECT album_key, MAX(album), COALESCE(MAX(album_artist), CASE WHEN MAX(compilation) THEN 'Various Artists' END, MAX(artist), ''),
                    MIN(sort_album), substr(album_key, 1, instr(album_key, char(31)) - 1),
                    MIN(year), COUNT(*), COALESCE(SUM(duration_ms), 0), MAX(artwork_id), MAX(compilation)
             FROM tracks WHERE state IN ('present', 'cloud') AND album IS NOT NULL AND {albums_where} GROUP BY album_key"
        ),
        [],
    )?;
    for (kind, roles) in [
        ("artist", "('artist', 'album_artist')"),
        ("genre", "('genre')"),
    ] {
        let filter = names_where.replace("{kind}", &format!("'{kind}'"));
        tx.execute(
            &format!(
                "INSERT INTO name_summaries (kind, sort_name, name, track_count, album_count, duration_ms)
                 SELECT '{kind}', n.sort_name, MIN(n.name), COUNT(*), {ALBUM_COUNT}, COALESCE(SUM(t.duration_ms), 0)
                 FROM (SELECT DISTINCT track_pk, sort_name, name FROM track_names
                       WHERE role IN {roles} AND sort_name != '' AND {filter}) n
                 JOIN tracks t ON t.pk = n.track_pk AND t.state IN ('present', 'cloud')
                 GROUP BY n.sort_name"
            ),
            [],
        )?;
    }
    if unknown_artist {
        tx.execute(
            &format!(
                "INSERT INTO name_summaries (kind, sort_name, name, track_count, album_count, duration_ms)
                 SELECT 'artist', '', '', COUNT(*), {ALBUM_COUNT}, COALESCE(SUM(t.duration_ms), 0)
                 FROM tracks t WHERE t.state IN ('present', 'cloud') AND {WITHOUT_ARTIST}
                 HAVING COUNT(*) > 0"
            ),
            [],
        )?;
    }
    Ok(())
}

/// How many albums the tracks `t` of a summary are on (songs without an album are on none).
const ALBUM_COUNT: &str = "COUNT(DISTINCT CASE WHEN t.album IS NOT NULL THEN t.album_key END)";

fn stem(path: &Path) -> String {
    path.file_stem().map_or_else(
        || "Untitled".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    )
}
