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
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::LazyLock;

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

/// Calls `each` with the tracks stored under `folder`, in the order of their path bytes.
pub fn tracks_under(
    conn: &Connection,
    folder: &Path,
    mut each: impl FnMut(&[u8], Existing),
) -> Result<()> {
    let (low, high) = pathbytes::folder_range(folder);
    let mut stmt = conn.prepare_cached(
        "SELECT path, pk, size, mtime_ms, state FROM tracks WHERE path >= ?1 AND path < ?2
         ORDER BY path",
    )?;
    let mut rows = stmt.query(params![low, high])?;
    while let Some(row) = rows.next()? {
        let state = match row.get_ref(4)?.as_str() {
            Ok(text) => TrackState::parse(text),
            Err(_) => TrackState::Present,
        };
        let existing = Existing {
            pk: row.get(1)?,
            size: row.get::<_, i64>(2)? as u64,
            mtime_ms: row.get(3)?,
            state,
        };
        each(row.get_ref(0)?.as_blob().unwrap_or_default(), existing);
    }
    Ok(())
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

/// The columns of `tracks` a written row sets, in the order of [`TrackRow::values`]
/// (`updated_at` apart: it is set whenever one of these changes).
const COLUMNS: [&str; 43] = [
    "folder_id",
    "path",
    "path_text",
    "size",
    "mtime_ms",
    "format",
    "codec",
    "duration_ms",
    "bitrate",
    "sample_rate",
    "channels",
    "bit_depth",
    "title",
    "artist",
    "album",
    "album_artist",
    "track_no",
    "track_total",
    "disc_no",
    "disc_total",
    "year",
    "date",
    "genre",
    "composer",
    "compilation",
    "mb_recording_id",
    "mb_track_id",
    "mb_album_id",
    "mb_artist_id",
    "mb_album_artist_id",
    "rg_track_gain",
    "rg_track_peak",
    "rg_album_gain",
    "rg_album_peak",
    "artwork_id",
    "fingerprint",
    "sort_title",
    "sort_artist",
    "sort_album",
    "album_key",
    "state",
    "state_reason",
    "comment",
];

/// Indexes in [`COLUMNS`] of what the album, artist and genre summaries are made of: a
/// change there makes the track's summaries stale.
const SUMMARISED: [usize; 11] = [7, 13, 14, 15, 20, 24, 34, 37, 38, 39, 40];

/// Indexes in [`COLUMNS`] of what the search index holds (title, artist, album, album
/// artist, genre, composer), in the order of its columns.
const SEARCHED: [usize; 6] = [12, 13, 14, 15, 22, 23];

/// A track's row as it will be written, with everything derived from its tags (sort keys,
/// album key, display forms, fingerprint) already computed: the scanner's readers build
/// these in parallel, so the one writer only binds values.
#[derive(Debug, Clone)]
pub struct TrackRow {
    folder: Option<i64>,
    path: Option<Vec<u8>>,
    path_text: String,
    size: i64,
    mtime_ms: i64,
    state: TrackState,
    fingerprint: String,
    /// The id a new row gets.
    id: Option<TrackId>,
    tags: FileTags,
    title: String,
    artist: Option<String>,
    album_artist: Option<String>,
    genre: Option<String>,
    composer: Option<String>,
    sort_title: String,
    sort_artist: String,
    sort_album: String,
    album_key: String,
    artwork: Option<ArtworkId>,
    /// (role, position, name, sort name), in the order of the `track_names` key.
    names: Vec<(&'static str, i64, String, String)>,
}

impl TrackRow {
    /// The row of `tags` at `location` (the cover bytes are not kept: see [`Self::set_artwork`]).
    pub fn new(location: &Location<'_>, mut tags: FileTags) -> Self {
        tags.cover = None;
        let title = tags
            .title
            .clone()
            .unwrap_or_else(|| location.path.map_or_else(|| "Untitled".to_owned(), stem));
        let joined = |list: &[String]| (!list.is_empty()).then(|| list.join("; "));
        let artist = joined(&tags.artists);
        let mut names = Vec::new();
        // `track_names` orders its key (track, role, position) by role name.
        for (role, list) in [
            ("album_artist", &tags.album_artists),
            ("artist", &tags.artists),
            ("composer", &tags.composers),
            ("genre", &tags.genres),
        ] {
            for (position, name) in list.iter().enumerate() {
                names.push((role, position as i64, name.clone(), sort_key(name)));
            }
        }
        Self {
            folder: location.folder.map(|f| f.0),
            path: location.path.map(pathbytes::to_bytes),
            path_text: location
                .path
                .map_or_else(String::new, |p| p.to_string_lossy().into_owned()),
            size: location.size as i64,
            mtime_ms: location.mtime_ms,
            state: location.state,
            fingerprint: location.fingerprint.clone(),
            id: location.id,
            sort_title: sort_key(&title),
            sort_artist: sort_key(artist.as_deref().unwrap_or("")),
            sort_album: sort_key(tags.album.as_deref().unwrap_or("")),
            album_key: album_key(
                &tags.album_artists,
                &tags.artists,
                tags.compilation,
                tags.album.as_deref(),
            ),
            title,
            artist,
            album_artist: joined(&tags.album_artists),
            genre: joined(&tags.genres),
            composer: joined(&tags.composers),
            artwork: None,
            names,
            tags,
        }
    }

    /// The row of a file read by the scanner, in `folder`.
    pub fn scanned(folder: FolderId, file: &FoundFile, tags: FileTags) -> Self {
        let location = Location {
            folder: Some(folder),
            path: Some(&file.path),
            size: file.size,
            mtime_ms: file.mtime_ms,
            state: TrackState::Present,
            fingerprint: fingerprint(file, &tags),
            // Time-ordered, so a scan's new ids are appended to the index of ids instead of
            // landing all over it (a first scan of 100,000 tracks: 0.13 s less).
            id: Some(TrackId(uuid::Uuid::now_v7())),
        };
        Self::new(&location, tags)
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn set_artwork(&mut self, artwork: Option<ArtworkId>) {
        self.artwork = artwork;
    }

    /// The values of [`COLUMNS`].
    fn values(&self) -> [ValueRef<'_>; 43] {
        fn text(value: Option<&str>) -> ValueRef<'_> {
            value.map_or(ValueRef::Null, |v| ValueRef::Text(v.as_bytes()))
        }
        fn int(value: Option<impl Into<i64>>) -> ValueRef<'static> {
            value.map_or(ValueRef::Null, |v| ValueRef::Integer(v.into()))
        }
        fn real(value: Option<f64>) -> ValueRef<'static> {
            value.map_or(ValueRef::Null, ValueRef::Real)
        }
        let t = &self.tags;
        let (mb, rg) = (&t.musicbrainz, &t.replaygain);
        [
            int(self.folder),
            self.path.as_deref().map_or(ValueRef::Null, ValueRef::Blob),
            text(Some(&self.path_text)),
            ValueRef::Integer(self.size),
            ValueRef::Integer(self.mtime_ms),
            text(Some(&t.format)),
            text(t.codec.as_deref()),
            int(t.duration_ms.map(|d| d as i64)),
            int(t.bitrate_kbps),
            int(t.sample_rate),
            int(t.channels),
            int(t.bit_depth),
            text(Some(&self.title)),
            text(self.artist.as_deref()),
            text(t.album.as_deref()),
            text(self.album_artist.as_deref()),
            int(t.track_no),
            int(t.track_total),
            int(t.disc_no),
            int(t.disc_total),
            int(t.year),
            text(t.date.as_deref()),
            text(self.genre.as_deref()),
            text(self.composer.as_deref()),
            ValueRef::Integer(i64::from(t.compilation)),
            text(mb.recording_id.as_deref()),
            text(mb.track_id.as_deref()),
            text(mb.album_id.as_deref()),
            text(mb.artist_id.as_deref()),
            text(mb.album_artist_id.as_deref()),
            real(rg.track_gain),
            real(rg.track_peak),
            real(rg.album_gain),
            real(rg.album_peak),
            text(self.artwork.as_ref().map(|a| a.0.as_str())),
            text(Some(&self.fingerprint)),
            text(Some(&self.sort_title)),
            text(Some(&self.sort_artist)),
            text(Some(&self.sort_album)),
            text(Some(&self.album_key)),
            text(Some(self.state.as_str())),
            ValueRef::Null,
            text(t.comment.as_deref()),
        ]
    }

    /// Marks what the row counts towards in the summaries.
    fn mark(&self, dirty: &mut Dirty) {
        dirty.albums.insert(self.album_key.clone());
        let mut credited = false;
        for (role, _, _, sort_name) in &self.names {
            credited |= matches!(*role, "artist" | "album_artist") && !sort_name.is_empty();
            dirty.name(role, sort_name.clone());
        }
        if !credited {
            dirty.unknown_artist();
        }
    }
}

/// Changes to the full-text index, applied after the rows of a transaction are written.
///
/// FTS5 keeps new entries in memory until the transaction commits, unless another statement
/// of the transaction opens a savepoint first (an `UPDATE` of a row with unique columns, a
/// `DELETE` of several rows): then it writes them out as a new segment, which it later has to
/// merge. With the search entry rewritten between the row writes of each track, every
/// changed file of a rescan cost a segment and its merges (0.6 ms each); written last, a
/// batch costs one segment.
#[derive(Debug, Default)]
pub struct SearchUpdates {
    /// Left out altogether: the index is rebuilt from the rows afterwards (a first scan).
    pub deferred: bool,
    remove: Vec<i64>,
    add: Vec<(i64, [Option<String>; 6])>,
}

impl SearchUpdates {
    /// A search index rebuilt from the rows once they are all written.
    pub fn deferred() -> Self {
        Self {
            deferred: true,
            ..Self::default()
        }
    }

    fn replace(&mut self, pk: i64, values: &[ValueRef<'_>; 43], replaced: bool) {
        if self.deferred {
            return;
        }
        if replaced {
            self.remove.push(pk);
        }
        let text = |index: usize| match values[SEARCHED[index]] {
            ValueRef::Text(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
            _ => None,
        };
        self.add.push((pk, std::array::from_fn(text)));
    }

    /// Writes the changes collected so far.
    pub fn apply(&mut self, tx: &Transaction<'_>) -> Result<()> {
        let mut remove = tx.prepare_cached("DELETE FROM track_search WHERE rowid = ?1")?;
        for pk in self.remove.drain(..) {
            remove.execute([pk])?;
        }
        let mut add = tx.prepare_cached(
            "INSERT INTO track_search (rowid, title, artist, album, album_artist, genre, composer)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for (pk, [title, artist, album, album_artist, genre, composer]) in self.add.drain(..) {
            add.execute(params![
                pk,
                title,
                artist,
                album,
                album_artist,
                genre,
                composer
            ])?;
        }
        Ok(())
    }
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
    let row = TrackRow::scanned(folder, file, tags.clone());
    write_alone(tx, row, artwork, target, dirty)
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
    write_alone(
        tx,
        TrackRow::new(location, tags.clone()),
        artwork,
        target,
        dirty,
    )
}

/// Writes one row with `artwork`, and its search entry at once.
fn write_alone(
    tx: &Transaction<'_>,
    mut row: TrackRow,
    artwork: Option<&ArtworkId>,
    target: Target,
    dirty: &mut Dirty,
) -> Result<i64> {
    row.set_artwork(artwork.cloned());
    let mut search = SearchUpdates::default();
    let pk = write_prepared(tx, &row, target, dirty, &mut search)?;
    search.apply(tx)?;
    Ok(pk)
}

/// Writes `row` and its names and extra tags; its search entry goes to `search`.
///
/// An update compares the stored row with the new one and writes only what changed: a file
/// whose tags are the same (touched, or rewritten by a tagger that changed nothing the
/// library keeps) costs one small `UPDATE` of its size and time, instead of rewriting every
/// index of the row, its names, its search entry and the summaries of its album, artists and
/// genres.
pub fn write_prepared(
    tx: &Transaction<'_>,
    row: &TrackRow,
    target: Target,
    dirty: &mut Dirty,
    search: &mut SearchUpdates,
) -> Result<i64> {
    let now = now_ms();
    let values = row.values();
    let pk = match target {
        Target::Insert => {
            let mut stmt = tx.prepare_cached(&INSERT_SQL)?;
            let id = row.id.unwrap_or_default().to_string();
            let mut index = 1;
            for value in values {
                stmt.raw_bind_parameter(index, ToSqlOutput::Borrowed(value))?;
                index += 1;
            }
            stmt.raw_bind_parameter(index, now)?;
            stmt.raw_bind_parameter(index + 1, &id)?;
            stmt.raw_execute()?;
            let pk = tx.last_insert_rowid();
            write_names(tx, pk, &row.names)?;
            write_extra_tags(tx, pk, &row.tags.extra_tags)?;
            row.mark(dirty);
            search.replace(pk, &values, false);
            pk
        }
        Target::Update(pk) => {
            let changed: Vec<usize> = {
                let mut stmt = tx.prepare_cached(&SELECT_SQL)?;
                let mut rows = stmt.query([pk])?;
                match rows.next()? {
                    Some(stored) => (0..COLUMNS.len())
                        .filter(|&i| !stored.get_ref(i).is_ok_and(|v| v == values[i]))
                        .collect(),
                    None => (0..COLUMNS.len()).collect(),
                }
            };
            let names_changed = stored_names(tx, pk)? != row.names;
            let tags_changed = stored_extra_tags(tx, pk)? != row.tags.extra_tags;
            let summarised = names_changed || changed.iter().any(|i| SUMMARISED.contains(i));
            if summarised {
                dirty.track(tx, pk)?;
            }
            if !changed.is_empty() {
                let mut stmt = tx.prepare_cached(&update_sql(&changed))?;
                for (at, &column) in changed.iter().enumerate() {
                    stmt.raw_bind_parameter(at + 1, ToSqlOutput::Borrowed(values[column]))?;
                }
                stmt.raw_bind_parameter(changed.len() + 1, now)?;
                stmt.raw_bind_parameter(changed.len() + 2, pk)?;
                stmt.raw_execute()?;
            }
            if names_changed {
                tx.prepare_cached("DELETE FROM track_names WHERE track_pk = ?1")?
                    .execute([pk])?;
                write_names(tx, pk, &row.names)?;
            }
            if tags_changed {
                tx.prepare_cached("DELETE FROM track_tags WHERE track_pk = ?1")?
                    .execute([pk])?;
                write_extra_tags(tx, pk, &row.tags.extra_tags)?;
            }
            if summarised {
                row.mark(dirty);
            }
            if changed.iter().any(|i| SEARCHED.contains(i)) {
                search.replace(pk, &values, true);
            }
            pk
        }
    };
    Ok(pk)
}

/// A new row: [`COLUMNS`], then `updated_at` and `added_at` (now) and `id`.
static INSERT_SQL: LazyLock<String> = LazyLock::new(|| {
    let placeholders: Vec<String> = (1..=COLUMNS.len() + 2).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO tracks ({}, updated_at, id, added_at) VALUES ({}, ?{})",
        COLUMNS.join(", "),
        placeholders.join(", "),
        COLUMNS.len() + 1
    )
});

/// A stored row's [`COLUMNS`].
static SELECT_SQL: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {} FROM tracks WHERE pk = ?1", COLUMNS.join(", ")));

fn update_sql(changed: &[usize]) -> String {
    let sets: Vec<String> = changed
        .iter()
        .enumerate()
        .map(|(at, &column)| format!("{} = ?{}", COLUMNS[column], at + 1))
        .collect();
    format!(
        "UPDATE tracks SET {}, updated_at = ?{} WHERE pk = ?{}",
        sets.join(", "),
        changed.len() + 1,
        changed.len() + 2
    )
}

fn write_names(
    tx: &Transaction<'_>,
    pk: i64,
    names: &[(&'static str, i64, String, String)],
) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR IGNORE INTO track_names (track_pk, role, position, name, sort_name) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (role, position, name, sort_name) in names {
        insert.execute(params![pk, role, position, name, sort_name])?;
    }
    Ok(())
}

fn stored_names(tx: &Transaction<'_>, pk: i64) -> Result<Vec<(&'static str, i64, String, String)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT role, position, name, sort_name FROM track_names WHERE track_pk = ?1 ORDER BY role, position",
    )?;
    let rows = stmt.query_map([pk], |row| {
        let role = match row.get_ref(0)?.as_str()? {
            "album_artist" => "album_artist",
            "artist" => "artist",
            "composer" => "composer",
            "genre" => "genre",
            // A role this version does not write: never equal to a new row's.
            _ => "",
        };
        Ok((role, row.get(1)?, row.get(2)?, row.get(3)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn write_extra_tags(tx: &Transaction<'_>, pk: i64, tags: &[(String, String)]) -> Result<()> {
    let mut insert =
        tx.prepare_cached("INSERT INTO track_tags (track_pk, key, value) VALUES (?1, ?2, ?3)")?;
    for (key, value) in tags {
        insert.execute(params![pk, key, value])?;
    }
    Ok(())
}

fn stored_extra_tags(tx: &Transaction<'_>, pk: i64) -> Result<Vec<(String, String)>> {
    let mut stmt =
        tx.prepare_cached("SELECT key, value FROM track_tags WHERE track_pk = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map([pk], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
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
    if image::guess_format(bytes).is_err() {
        return Ok(None);
    }
    store_artwork_as(tx, ArtworkId::of(bytes), bytes)
}

/// [`store_artwork`] for bytes whose id is known (the scanner's readers hash covers).
pub fn store_artwork_as(
    tx: &Transaction<'_>,
    id: ArtworkId,
    bytes: &[u8],
) -> Result<Option<ArtworkId>> {
    let Ok(format) = image::guess_format(bytes) else {
        return Ok(None);
    };
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
/// them (`None`, see [`super::summaries`]), or only those a batch made stale, so a small
/// change costs little.
///
/// Tracks credited to no artist (nor album artist) count towards one artist summary named
/// `""`, "Unknown artist", so the artists list reaches every song; a name that folds to
/// nothing counts there too.
pub fn rebuild_summaries(tx: &Transaction<'_>, dirty: Option<&Dirty>) -> Result<()> {
    let Some(dirty) = dirty else {
        return super::summaries::rebuild_all(tx);
    };
    let unknown_artist = dirty.names.contains(&("artist", String::new()));
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS stale_albums (album_key TEXT PRIMARY KEY);
         CREATE TEMP TABLE IF NOT EXISTS stale_names (kind TEXT, sort_name TEXT, PRIMARY KEY (kind, sort_name));
         DELETE FROM stale_albums; DELETE FROM stale_names;",
    )?;
    let mut albums = tx.prepare_cached("INSERT OR IGNORE INTO stale_albums VALUES (?1)")?;
    for key in &dirty.albums {
        albums.execute([key])?;
    }
    let mut names = tx.prepare_cached("INSERT OR IGNORE INTO stale_names VALUES (?1, ?2)")?;
    for (kind, name) in &dirty.names {
        names.execute([kind, name.as_str()])?;
    }
    tx.execute_batch(
        "DELETE FROM albums WHERE album_key IN (SELECT album_key FROM stale_albums);
         DELETE FROM name_summaries WHERE (kind, sort_name) IN (SELECT kind, sort_name FROM stale_names);",
    )?;
    let albums_where = "album_key IN (SELECT album_key FROM stale_albums)";
    let names_where = "sort_name IN (SELECT sort_name FROM stale_names WHERE kind = {kind})";
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
        // With none stale, nothing to count: and without its index (a first sync defers
        // it), the query would read every name to find that out.
        if !dirty.names.iter().any(|(stale, _)| *stale == kind) {
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_groups_name_the_columns_they_mean() {
        let names = |indexes: &[usize]| indexes.iter().map(|i| COLUMNS[*i]).collect::<Vec<_>>();
        assert_eq!(
            names(&SUMMARISED),
            [
                "duration_ms",
                "artist",
                "album",
                "album_artist",
                "year",
                "compilation",
                "artwork_id",
                "sort_artist",
                "sort_album",
                "album_key",
                "state"
            ]
        );
        assert_eq!(
            names(&SEARCHED),
            [
                "title",
                "artist",
                "album",
                "album_artist",
                "genre",
                "composer"
            ]
        );
    }
}
