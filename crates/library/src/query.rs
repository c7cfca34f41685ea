//! Reading the library: sorted pages of tracks, search, the album/artist/genre views, totals.
//!
//! Every list is paged (`offset`, `limit`) and sorted by an indexed key, so a view of a
//! 100,000-track library reads only the rows on screen.

use crate::error::{LibraryError, Result};
use crate::ids::{ArtworkId, FolderId, TrackId};
use crate::model::{
    AlbumSummary, LibraryStats, MusicBrainzIds, NameSummary, Page, ReplayGain, SearchResults,
    Track, TrackRow, TrackState, UploadState,
};
use crate::search;
use crate::sort_keys::SortKeys;
use crate::{Library, normalize};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Orders for the songs list.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackSort {
    #[default]
    Artist,
    Title,
    Album,
    Year,
    Added,
    Duration,
    Plays,
    Genre,
}

impl TrackSort {
    /// The columns a list is ordered by, each with whether it follows the list's direction
    /// (the others always ascend). Pages (`order_by`) and whole lists (`whole_list`) both order
    /// by these, so "play all" plays in the order the table shows.
    fn keys(self) -> &'static [(&'static str, bool)] {
        match self {
            Self::Artist => &[
                ("t.sort_artist", true),
                ("t.sort_album", true),
                ("t.disc_no", false),
                ("t.track_no", false),
                ("t.pk", false),
            ],
            Self::Title => &[("t.sort_title", true), ("t.pk", false)],
            Self::Album => &[
                ("t.sort_album", true),
                ("t.disc_no", false),
                ("t.track_no", false),
                ("t.pk", false),
            ],
            Self::Year => &[
                ("t.year", true),
                ("t.sort_artist", false),
                ("t.sort_album", false),
                ("t.disc_no", false),
                ("t.track_no", false),
                ("t.pk", false),
            ],
            Self::Added => &[("t.added_at", true), ("t.pk", false)],
            Self::Duration => &[("t.duration_ms", true), ("t.pk", false)],
            Self::Plays => &[
                ("t.play_count", true),
                ("t.last_played_at", true),
                ("t.pk", false),
            ],
            Self::Genre => &[("t.genre", true), ("t.pk", false)],
        }
    }

    fn order_by(self, descending: bool) -> String {
        let dir = if descending { "DESC" } else { "ASC" };
        let columns: Vec<String> = self
            .keys()
            .iter()
            .map(|(column, follows)| {
                if *follows {
                    format!("{column} {dir}")
                } else {
                    (*column).to_owned()
                }
            })
            .collect();
        columns.join(", ")
    }

    /// For each of `keys()`, whether a list in this direction orders it the other way round.
    fn reversed(self, descending: bool) -> Vec<bool> {
        self.keys()
            .iter()
            .map(|(_, follows)| *follows && descending)
            .collect()
    }
}

/// Which tracks a list holds.
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackFilter {
    /// Only this album (an [`AlbumSummary::key`]).
    pub album_key: Option<String>,
    /// Only tracks credited to this artist (as artist or album artist); `""`: only tracks
    /// credited to no one (the artists list's "Unknown artist").
    pub artist: Option<String>,
    /// Only this genre.
    pub genre: Option<String>,
    /// Leave out tracks whose files are missing.
    pub present_only: bool,
}

/// The columns [`placement`] reads, of `tracks t`.
const PLACEMENT_COLUMNS: &str =
    "t.id, CASE WHEN t.album IS NULL THEN NULL ELSE t.album_key END, t.disc_no, t.track_no";

fn placement(row: &Row<'_>) -> rusqlite::Result<AlbumPlacement> {
    Ok(AlbumPlacement {
        id: track_id(row, 0)?,
        album_key: row.get(1)?,
        disc_no: row.get(2)?,
        track_no: row.get(3)?,
    })
}

/// A track's album and position in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlbumPlacement {
    pub id: TrackId,
    /// Its album's key ([`crate::normalize::album_key`], as [`AlbumSummary::key`]), when the
    /// track has an album.
    pub album_key: Option<String>,
    pub disc_no: Option<u32>,
    pub track_no: Option<u32>,
}

/// Up to this many matches, search results are ranked by relevance (BM25).
pub const RANKED_MATCHES: u64 = 3_000;

/// Search counts stop here: a one-letter query must not pay for counting the whole library.
pub const SEARCH_COUNT_CAP: u64 = 10_000;

/// The shapes a track is read in: its whole record ([`Track`]), or the row a list shows
/// ([`TrackRow`]). Lists and search are written once over this, so both shapes page, sort and
/// rank alike. Sealed: the library's columns are its own business.
pub trait TrackShape: Sized + sealed::Sealed {
    /// The columns to select, over the tracks table as `t`.
    const COLUMNS: &'static str;
    /// The shape from a row whose first columns are [`TrackShape::COLUMNS`].
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::model::Track {}
    impl Sealed for crate::model::TrackRow {}
}

/// Where a track stands with the cloud: its upload state, the last upload's error while it
/// failed, and whether all of its bytes are kept offline.
macro_rules! cloud_columns {
    () => {
        "(SELECT c.state FROM cloud_tracks c WHERE c.track_pk = t.pk),
    (SELECT c.error FROM cloud_tracks c WHERE c.track_pk = t.pk AND c.state = 'failed'),
    EXISTS (SELECT 1 FROM cloud_tracks c JOIN stream_cache s ON s.blake3 = c.blake3
            WHERE c.track_pk = t.pk AND s.pinned = 1 AND s.cached >= s.size)"
    };
}

fn track_id(row: &Row<'_>, column: usize) -> rusqlite::Result<TrackId> {
    let id: String = row.get(column)?;
    id.parse::<TrackId>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn upload_state(row: &Row<'_>, column: usize) -> rusqlite::Result<UploadState> {
    Ok(row
        .get::<_, Option<String>>(column)?
        .map_or(UploadState::LocalOnly, |s| UploadState::parse(&s)))
}

fn split_list(text: Option<String>) -> Vec<String> {
    text.map(|t| t.split('\u{1f}').map(str::to_owned).collect())
        .unwrap_or_default()
}

impl TrackShape for Track {
    const COLUMNS: &'static str = concat!(
        "t.id, t.folder_id, t.path_text, t.size, t.mtime_ms, t.format, t.codec, t.duration_ms,
    t.bitrate, t.sample_rate, t.channels, t.bit_depth, t.title, t.artist, t.album, t.album_artist, t.track_no,
    t.track_total, t.disc_no, t.disc_total, t.year, t.date, t.genre, t.composer, t.compilation,
    t.mb_recording_id, t.mb_track_id, t.mb_album_id, t.mb_artist_id, t.mb_album_artist_id,
    t.rg_track_gain, t.rg_track_peak, t.rg_album_gain, t.rg_album_peak, t.artwork_id, t.play_count,
    t.last_played_at, t.rating, t.added_at, t.state, t.state_reason,
    (SELECT group_concat(name, char(31) ORDER BY position) FROM track_names WHERE track_pk = t.pk AND role = 'artist'),
    (SELECT group_concat(name, char(31) ORDER BY position) FROM track_names WHERE track_pk = t.pk AND role = 'genre'),
    (SELECT group_concat(key || char(30) || value, char(31)) FROM track_tags WHERE track_pk = t.pk),
    t.comment, t.loved, ",
        cloud_columns!()
    );

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Track {
            id: track_id(row, 0)?,
            folder_id: row.get::<_, Option<i64>>(1)?.map(FolderId),
            path: row.get(2)?,
            size: row.get::<_, i64>(3)? as u64,
            mtime_ms: row.get(4)?,
            format: row.get(5)?,
            codec: row.get(6)?,
            duration_ms: row.get::<_, Option<i64>>(7)?.map(|d| d as u64),
            bitrate_kbps: row.get(8)?,
            sample_rate: row.get(9)?,
            channels: row.get(10)?,
            bit_depth: row.get(11)?,
            title: row.get(12)?,
            artist: row.get(13)?,
            album: row.get(14)?,
            album_artist: row.get(15)?,
            track_no: row.get(16)?,
            track_total: row.get(17)?,
            disc_no: row.get(18)?,
            disc_total: row.get(19)?,
            year: row.get(20)?,
            date: row.get(21)?,
            genre: row.get(22)?,
            composer: row.get(23)?,
            compilation: row.get(24)?,
            musicbrainz: MusicBrainzIds {
                recording_id: row.get(25)?,
                track_id: row.get(26)?,
                album_id: row.get(27)?,
                artist_id: row.get(28)?,
                album_artist_id: row.get(29)?,
            },
            replaygain: ReplayGain {
                track_gain: row.get(30)?,
                track_peak: row.get(31)?,
                album_gain: row.get(32)?,
                album_peak: row.get(33)?,
            },
            artwork_id: row.get::<_, Option<String>>(34)?.map(ArtworkId),
            play_count: row.get(35)?,
            last_played_at: row.get(36)?,
            rating: row.get(37)?,
            added_at: row.get(38)?,
            state: TrackState::parse(&row.get::<_, String>(39)?),
            state_reason: row.get(40)?,
            artists: split_list(row.get(41)?),
            genres: split_list(row.get(42)?),
            extra_tags: split_list(row.get(43)?)
                .into_iter()
                .filter_map(|pair| {
                    pair.split_once('\u{1e}')
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                })
                .collect(),
            comment: row.get(44)?,
            loved: row.get(45)?,
            upload_state: upload_state(row, 46)?,
            upload_error: row.get(47)?,
            kept_offline: row.get(48)?,
        })
    }
}

impl TrackShape for TrackRow {
    const COLUMNS: &'static str = concat!(
        "t.id, t.path_text, t.title, t.artist, t.album, t.duration_ms, t.year, t.genre,
    t.artwork_id, t.play_count, t.rating, t.loved, t.added_at, t.state, t.state_reason, ",
        cloud_columns!()
    );

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(TrackRow {
            id: track_id(row, 0)?,
            path: row.get(1)?,
            title: row.get(2)?,
            artist: row.get(3)?,
            album: row.get(4)?,
            duration_ms: row.get::<_, Option<i64>>(5)?.map(|d| d as u64),
            year: row.get(6)?,
            genre: row.get(7)?,
            artwork_id: row.get::<_, Option<String>>(8)?.map(ArtworkId),
            play_count: row.get(9)?,
            rating: row.get(10)?,
            loved: row.get(11)?,
            added_at: row.get(12)?,
            state: TrackState::parse(&row.get::<_, String>(13)?),
            state_reason: row.get(14)?,
            upload_state: upload_state(row, 15)?,
            upload_error: row.get(16)?,
            kept_offline: row.get(17)?,
        })
    }
}

fn album_from_row(row: &Row<'_>) -> rusqlite::Result<AlbumSummary> {
    Ok(AlbumSummary {
        key: row.get(0)?,
        title: row.get(1)?,
        artist: row.get(2)?,
        year: row.get(3)?,
        track_count: row.get(4)?,
        duration_ms: row.get::<_, i64>(5)? as u64,
        artwork_id: row.get::<_, Option<String>>(6)?.map(ArtworkId),
        compilation: row.get(7)?,
    })
}

fn name_from_row(row: &Row<'_>) -> rusqlite::Result<NameSummary> {
    Ok(NameSummary {
        name: row.get(0)?,
        track_count: row.get(1)?,
        album_count: row.get(2)?,
        duration_ms: row.get::<_, i64>(3)? as u64,
    })
}

const ALBUM_COLUMNS: &str =
    "album_key, title, artist, year, track_count, duration_ms, artwork_id, compilation";

/// The tracks (`t`) credited to no artist or album artist: those of the "Unknown artist"
/// entry (the artist summary named `""`). Every such track has an empty `sort_artist`, whose
/// index narrows the search to them.
pub(crate) const WITHOUT_ARTIST: &str = "t.sort_artist = '' AND NOT EXISTS (
    SELECT 1 FROM track_names n WHERE n.track_pk = t.pk AND n.role IN ('artist', 'album_artist')
    AND n.sort_name != '')";

fn filter_sql(filter: &TrackFilter, args: &mut Vec<Value>) -> String {
    let mut clauses: Vec<String> = Vec::new();
    if let Some(key) = &filter.album_key {
        args.push(Value::Text(key.clone()));
        clauses.push(format!("t.album_key = ?{}", args.len()));
    }
    // An artist that folds to nothing is "Unknown artist": the tracks credited to no one.
    for (role, value, nobody) in [
        (
            "('artist', 'album_artist')",
            &filter.artist,
            Some(WITHOUT_ARTIST),
        ),
        ("('genre')", &filter.genre, None),
    ] {
        let Some(name) = value else { continue };
        let sort_name = normalize::sort_key(name);
        if sort_name.is_empty()
            && let Some(nobody) = nobody
        {
            clauses.push(format!("({nobody})"));
            continue;
        }
        args.push(Value::Text(sort_name));
        clauses.push(format!(
            "t.pk IN (SELECT track_pk FROM track_names WHERE role IN {role} AND sort_name = ?{})",
            args.len()
        ));
    }
    if filter.present_only {
        // Playable: a file that is here, or a track that streams from the cloud.
        clauses.push("t.state IN ('present', 'cloud')".to_owned());
    }
    if clauses.is_empty() {
        "1".to_owned()
    } else {
        clauses.join(" AND ")
    }
}

fn count(conn: &Connection, sql: &str, args: &[Value]) -> Result<u64> {
    Ok(conn.query_row(sql, params_from_iter(args), |row| row.get::<_, i64>(0))? as u64)
}

impl Library {
    /// A sorted page of tracks.
    pub fn tracks(
        &self,
        filter: &TrackFilter,
        sort: TrackSort,
        descending: bool,
        offset: u64,
        limit: u64,
    ) -> Result<Page<Track>> {
        self.tracks_as(filter, sort, descending, offset, limit)
    }

    /// A sorted page of tracks in either shape: [`TrackRow`]s are what the songs table shows.
    pub fn tracks_as<T: TrackShape>(
        &self,
        filter: &TrackFilter,
        sort: TrackSort,
        descending: bool,
        offset: u64,
        limit: u64,
    ) -> Result<Page<T>> {
        self.store().read(|conn| {
            let mut args = Vec::new();
            let where_sql = filter_sql(filter, &mut args);
            let total = count(
                conn,
                &format!("SELECT COUNT(*) FROM tracks t WHERE {where_sql}"),
                &args,
            )?;
            let order = sort.order_by(descending);
            let sql = format!(
                "SELECT {} FROM (SELECT t.pk AS pk FROM tracks t WHERE {where_sql}
                   ORDER BY {order} LIMIT {limit} OFFSET {offset}) page
                 JOIN tracks t ON t.pk = page.pk ORDER BY {order}",
                T::COLUMNS
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let items = stmt
                .query_map(params_from_iter(&args), T::from_row)?
                .collect::<Result<_, _>>()?;
            Ok(Page {
                items,
                total,
                offset,
            })
        })
    }

    /// Every track id of a list, in its order: what "play from here" queues and what a
    /// selection that reaches past the loaded rows resolves to.
    pub fn track_ids(
        &self,
        filter: &TrackFilter,
        sort: TrackSort,
        descending: bool,
    ) -> Result<Vec<TrackId>> {
        self.whole_list(filter, sort, descending, "t.id", |row| track_id(row, 0))
    }

    /// Every track of a list, in its order, placed in its album: what the player queues to
    /// play the list, read in one pass (a list may be the whole library).
    pub fn list_placements(
        &self,
        filter: &TrackFilter,
        sort: TrackSort,
        descending: bool,
    ) -> Result<Vec<AlbumPlacement>> {
        self.whole_list(filter, sort, descending, PLACEMENT_COLUMNS, placement)
    }

    /// `columns` of every track of a list, in its order, each row read by `read`.
    ///
    /// The rows are read in the table's own order and sorted here. Following a sort index
    /// instead visits the table in the index's order, one random read per track: 100,000 songs
    /// by title took 0.17 s with the database cached and about 1 s without, where reading the
    /// table through takes about 0.01 s (docs/benchmarks.md).
    fn whole_list<T>(
        &self,
        filter: &TrackFilter,
        sort: TrackSort,
        descending: bool,
        columns: &str,
        mut read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        self.store().read(|conn| {
            let mut args = Vec::new();
            let where_sql = filter_sql(filter, &mut args);
            let keys: Vec<&str> = sort.keys().iter().map(|(column, _)| *column).collect();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {columns}, {} FROM tracks t WHERE {where_sql}",
                keys.join(", ")
            ))?;
            let first_key = stmt.column_count() - keys.len();
            let mut sort_keys = SortKeys::new(keys.len());
            let mut items = Vec::new();
            let mut rows = stmt.query(params_from_iter(&args))?;
            while let Some(row) = rows.next()? {
                sort_keys.push(row, first_key)?;
                items.push(Some(read(row)?));
            }
            Ok(sort_keys
                .order(&sort.reversed(descending))
                .into_iter()
                .filter_map(|row| items[row].take())
                .collect())
        })
    }

    /// These tracks, in the order asked; ids the library does not know are left out.
    pub fn tracks_by_id(&self, ids: &[TrackId]) -> Result<Vec<Track>> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {} FROM tracks t WHERE t.id = ?1",
                Track::COLUMNS
            ))?;
            let mut tracks = Vec::with_capacity(ids.len());
            for id in ids {
                match stmt.query_row([id.to_string()], Track::from_row) {
                    Ok(track) => tracks.push(track),
                    Err(rusqlite::Error::QueryReturnedNoRows) => {}
                    Err(other) => return Err(other.into()),
                }
            }
            Ok(tracks)
        })
    }

    /// Where each track sits in its album (for ReplayGain's album mode), looked up in one
    /// read: what queueing a whole list needs, without building every track's record.
    /// Fails with [`LibraryError::UnknownTrack`] on the first id the library does not know.
    pub fn album_placements(&self, ids: &[TrackId]) -> Result<Vec<AlbumPlacement>> {
        // One statement for the whole list (a queue may be the whole library): SQLite walks
        // the ids as a JSON array, far cheaper than a statement per id.
        let mut list = String::with_capacity(ids.len() * 40 + 2);
        list.push('[');
        for (at, id) in ids.iter().enumerate() {
            // A UUID needs no escaping.
            list.push_str(if at == 0 { "\"" } else { ",\"" });
            list.push_str(&id.to_string());
            list.push('"');
        }
        list.push(']');
        let found: HashMap<TrackId, AlbumPlacement> = self.store().read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {PLACEMENT_COLUMNS} FROM json_each(?1) j JOIN tracks t ON t.id = j.value"
            ))?;
            let rows = stmt.query_map([&list], |row| placement(row).map(|p| (p.id, p)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        ids.iter()
            .map(|id| {
                found
                    .get(id)
                    .cloned()
                    .ok_or(LibraryError::UnknownTrack(*id))
            })
            .collect()
    }

    /// The albums an artist appears on (as artist or album artist), newest first; for `""`
    /// ("Unknown artist"), the albums of tracks credited to no one.
    pub fn artist_albums(&self, artist: &str) -> Result<Vec<AlbumSummary>> {
        let sort_name = normalize::sort_key(artist);
        self.store().read(|conn| {
            let (tracks, args) = if sort_name.is_empty() {
                (
                    format!("SELECT t.album_key FROM tracks t WHERE {WITHOUT_ARTIST}"),
                    vec![],
                )
            } else {
                (
                    "SELECT t.album_key FROM track_names n JOIN tracks t ON t.pk = n.track_pk
                     WHERE n.role IN ('artist', 'album_artist') AND n.sort_name = ?1"
                        .to_owned(),
                    vec![Value::Text(sort_name.clone())],
                )
            };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ALBUM_COLUMNS} FROM albums WHERE album_key IN ({tracks})
                 ORDER BY year DESC, sort_title"
            ))?;
            let albums = stmt
                .query_map(params_from_iter(&args), album_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(albums)
        })
    }

    /// Search as you type, grouped: ranked songs (a page), and up to `names` albums and
    /// artists whose names hold every word of the query (case and accents ignored).
    pub fn search_grouped(&self, query: &str, limit: u64, names: u64) -> Result<SearchResults> {
        let songs = self.search_as(query, 0, limit)?;
        let parsed = search::parse(query)?;
        let words: Vec<String> = parsed
            .words
            .iter()
            .chain(parsed.fielded.iter().map(|(_, tokens)| tokens))
            .flatten()
            .cloned()
            .collect();
        if words.is_empty() {
            return Ok(SearchResults {
                songs,
                albums: Vec::new(),
                artists: Vec::new(),
            });
        }
        self.store().read(|conn| {
            // Every word somewhere in the name, folded (case and accents). The sort keys drop
            // a leading "the", "a" or "an": only a query holding one of those also looks at the
            // names as written (lowercased), which costs a string per row. Names that start
            // with the first word come first, then the biggest. Words hold no spaces, so each
            // is looked for in each column on its own: no row's columns are joined into a new
            // string (that cost a one-letter search 2-3 ms over 10,000 albums).
            let articles = words.iter().any(|w| matches!(w.as_str(), "the" | "a" | "an"));
            let matches = |folded: &[&str], written: &[&str]| {
                (1..=words.len())
                    .map(|i| {
                        let columns = folded.iter().chain(if articles { written } else { &[] });
                        let found: Vec<String> =
                            columns.map(|column| format!("instr({column}, ?{i}) > 0")).collect();
                        format!("({})", found.join(" OR "))
                    })
                    .collect::<Vec<_>>()
                    .join(" AND ")
            };
            let args: Vec<Value> = words.iter().map(|w| Value::Text(w.clone())).collect();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {ALBUM_COLUMNS} FROM albums
                 WHERE {} ORDER BY instr(sort_title, ?1) != 1, track_count DESC, sort_title LIMIT {names}",
                matches(&["sort_title", "sort_artist"], &["lower(title)", "lower(artist)"])
            ))?;
            let albums = stmt
                .query_map(params_from_iter(&args), album_from_row)?
                .collect::<Result<_, _>>()?;
            // "Unknown artist" (the summary named "") is found by those words.
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT name, track_count, album_count, duration_ms FROM name_summaries
                 WHERE kind = 'artist' AND {} ORDER BY instr(sort_name, ?1) != 1, track_count DESC, sort_name
                 LIMIT {names}",
                matches(
                    &["(CASE sort_name WHEN '' THEN 'unknown artist' ELSE sort_name END)"],
                    &["lower(name)"]
                )
            ))?;
            let artists = stmt
                .query_map(params_from_iter(&args), name_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(SearchResults { songs, albums, artists })
        })
    }

    /// One track.
    pub fn track(&self, id: TrackId) -> Result<Track> {
        self.store().read(|conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {} FROM tracks t WHERE t.id = ?1",
                Track::COLUMNS
            ))?;
            stmt.query_row([id.to_string()], Track::from_row)
                .map_err(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => LibraryError::UnknownTrack(id),
                    other => other.into(),
                })
        })
    }

    /// The track stored at `path`, if any.
    pub fn track_at(&self, path: &std::path::Path) -> Result<Option<Track>> {
        let key = crate::store::pathbytes::to_bytes(path);
        self.store().read(|conn| {
            let sql = format!("SELECT {} FROM tracks t WHERE t.path = ?1", Track::COLUMNS);
            match conn.query_row(&sql, [key], Track::from_row) {
                Ok(track) => Ok(Some(track)),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(other) => Err(other.into()),
            }
        })
    }

    /// Search as you type (see [`search`] for the query language), best matches first.
    /// `total` counts matches up to [`SEARCH_COUNT_CAP`]; past that it is the cap.
    pub fn search(&self, query: &str, offset: u64, limit: u64) -> Result<Page<Track>> {
        self.search_as(query, offset, limit)
    }

    /// [`Library::search`] in either shape.
    pub fn search_as<T: TrackShape>(
        &self,
        query: &str,
        offset: u64,
        limit: u64,
    ) -> Result<Page<T>> {
        let parsed = search::parse(query)?;
        if parsed.is_empty() {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
                offset,
            });
        }
        self.store().read(|conn| {
            let mut args: Vec<Value> = Vec::new();
            let mut clauses: Vec<String> = Vec::new();
            let fts = parsed.fts_expression();
            if let Some(expression) = &fts {
                args.push(Value::Text(expression.clone()));
                clauses.push(format!("track_search MATCH ?{}", args.len()));
            }
            if let Some((from, to)) = parsed.years {
                args.push(Value::Integer(from.into()));
                args.push(Value::Integer(to.into()));
                clauses.push(format!("t.year BETWEEN ?{} AND ?{}", args.len() - 1, args.len()));
            }
            if let Some(format) = &parsed.format {
                args.push(Value::Text(format.clone()));
                clauses.push(format!("(t.format = ?{n} OR t.codec = ?{n})", n = args.len()));
            }
            let where_sql = clauses.join(" AND ");
            // The tracks table is joined only when a filter needs its columns.
            let from_sql = match (&fts, parsed.years.is_some() || parsed.format.is_some()) {
                (Some(_), false) => "track_search",
                (Some(_), true) => "track_search JOIN tracks t ON t.pk = track_search.rowid",
                (None, _) => "tracks t",
            };
            let total = count(
                conn,
                &format!("SELECT COUNT(*) FROM (SELECT 1 FROM {from_sql} WHERE {where_sql} LIMIT {SEARCH_COUNT_CAP})"),
                &args,
            )?;
            // BM25 has to score every match before the best can be picked: worth it while the
            // matches are few. A one- or two-letter prefix can match most of the library; its
            // first page then comes in index order (which stops early) until the next
            // keystroke narrows it.
            let rowid = if fts.is_some() { "track_search.rowid" } else { "t.pk" };
            let by_artist = "t.sort_artist, t.sort_album, t.disc_no, t.track_no, t.pk";
            let (score, order, outer_order) = match &fts {
                Some(_) if total <= RANKED_MATCHES => (
                    format!("bm25(track_search, {})", search::WEIGHTS),
                    format!("score, {rowid}"),
                    "page.score, t.pk",
                ),
                Some(_) => ("0".to_owned(), rowid.to_owned(), "t.pk"),
                None => ("0".to_owned(), by_artist.to_owned(), by_artist),
            };
            // Rank and page row ids first; the (costly) columns are computed for one page only.
            let sql = format!(
                "SELECT {} FROM (SELECT {rowid} AS pk, {score} AS score FROM {from_sql} WHERE {where_sql}
                   ORDER BY {order} LIMIT {limit} OFFSET {offset}) page
                 JOIN tracks t ON t.pk = page.pk ORDER BY {outer_order}",
                T::COLUMNS
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let items = stmt.query_map(params_from_iter(&args), T::from_row)?.collect::<Result<_, _>>()?;
            Ok(Page { items, total, offset })
        })
    }

    /// A page of albums, by title or by artist.
    pub fn albums(&self, by_artist: bool, offset: u64, limit: u64) -> Result<Page<AlbumSummary>> {
        self.store().read(|conn| {
            let total = count(conn, "SELECT COUNT(*) FROM albums", &[])?;
            let order = if by_artist {
                "sort_artist, year, sort_title"
            } else {
                "sort_title, sort_artist"
            };
            let sql = format!(
                "SELECT {ALBUM_COLUMNS} FROM albums ORDER BY {order} LIMIT {limit} OFFSET {offset}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let items = stmt
                .query_map([], album_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(Page {
                items,
                total,
                offset,
            })
        })
    }

    /// A page of artists (`kind` = "artist") or genres ("genre"), by name.
    fn names(&self, kind: &str, offset: u64, limit: u64) -> Result<Page<NameSummary>> {
        self.store().read(|conn| {
            let total = count(conn, "SELECT COUNT(*) FROM name_summaries WHERE kind = ?1", &[Value::Text(kind.to_owned())])?;
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT name, track_count, album_count, duration_ms FROM name_summaries WHERE kind = ?1
                 ORDER BY sort_name LIMIT {limit} OFFSET {offset}"
            ))?;
            let items = stmt
                .query_map([kind], name_from_row)?
                .collect::<Result<_, _>>()?;
            Ok(Page { items, total, offset })
        })
    }

    /// A page of artists with their track and album counts.
    pub fn artists(&self, offset: u64, limit: u64) -> Result<Page<NameSummary>> {
        self.names("artist", offset, limit)
    }

    /// A page of genres with their track and album counts.
    pub fn genres(&self, offset: u64, limit: u64) -> Result<Page<NameSummary>> {
        self.names("genre", offset, limit)
    }

    /// Totals over the whole library.
    pub fn stats(&self) -> Result<LibraryStats> {
        self.store().read(|conn| {
            let mut stats = conn.query_row(
                "SELECT (SELECT COUNT(*) FROM albums),
                        (SELECT COUNT(*) FROM name_summaries WHERE kind = 'artist' AND sort_name != ''),
                        (SELECT COUNT(*) FROM name_summaries WHERE kind = 'genre'),
                        (SELECT COUNT(*) FROM folders), (SELECT COUNT(*) FROM playlists)",
                [],
                |row| {
                    let n = |i: usize| row.get::<_, i64>(i).map(|v| v as u64);
                    Ok(LibraryStats {
                        albums: n(0)?,
                        artists: n(1)?,
                        genres: n(2)?,
                        folders: n(3)?,
                        playlists: n(4)?,
                        ..LibraryStats::default()
                    })
                },
            )?;
            // From the `tracks_totals` index, which holds the three columns: the rows
            // themselves (the whole table) are not read.
            let mut stmt = conn.prepare_cached(
                "SELECT state, COUNT(*), COALESCE(SUM(duration_ms), 0), COALESCE(SUM(size), 0)
                 FROM tracks GROUP BY state",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let state: String = row.get(0)?;
                let n = |i: usize| row.get::<_, i64>(i).map(|v| v as u64);
                let count = n(1)?;
                stats.tracks += count;
                match state.as_str() {
                    "present" => {
                        stats.present = count;
                        stats.duration_ms = n(2)?;
                        stats.size_bytes = n(3)?;
                    }
                    "missing" => stats.missing = count,
                    "unreadable" => stats.unreadable = count,
                    "cloud" => stats.cloud = count,
                    _ => {}
                }
            }
            Ok(stats)
        })
    }
}
