//! The catalog (`crate::catalog`) in PostgreSQL: the same tables, derivations and marks as the
//! SQLite store's (`store::sqlite::catalog`), with the same results in the same orders.
//!
//! Orders: every list breaks ties by `pk`, which numbers rows as SQLite's row ids do, and asks
//! for SQLite's NULL order (first when ascending, last when descending). `COLLATE NOCASE`
//! becomes `lower()` over `COLLATE "C"` text, which folds ASCII letters only, as NOCASE does.
//!
//! Search: SQLite matches with FTS5 and ranks with bm25. Here each song carries its words as a
//! `tsvector` built from the same tokens (the folded fields split where a query is split) plus
//! an owner lexeme, so the GIN index finds the user's matches alone, each query word a prefix
//! (`'word':*`), all required. Ranking computes FTS5's bm25 itself over the matches, with the
//! same column weights and the same cap on how many matches are ranked. Its statistics (how
//! many songs, their average length, how many contain each word) are the user's, where FTS5's
//! span every user of the database: orders are the same for one user's library and differ only
//! in close calls that depend on other people's music.
//!
//! A query of one letter or digit, the first keystroke of search-as-you-type, is the costly
//! one: its prefix stands for thousands of lexemes. Songs carry the initials of their words as
//! bits (`initials`, computed by the database from the `tsvector`, kept in the index of the
//! user's songs), so it is one integer test per song, and counting whether it matches more
//! songs than are ranked steps over index entries. Artists and albums whose names start with a
//! query of a letter or two are read from the names' index.

use super::{PostgresStore, begin, commit, execute, get, lock_user, query, query_one, query_opt};
use crate::catalog::{
    Album, AlbumId, AlbumOrder, Artist, ArtistId, Artwork, CatalogStore, Found, Genre, Item, Page,
    Play, PlayQueue, Search, Song, Stats,
};
use crate::error::Result;
use crate::store::UserId;
use crate::store::rows::{
    AlbumFilter, SEARCH_WEIGHTS, SongRow, album_list_plan, from_json, parse_hash, search_words,
    to_i64, to_u64,
};
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Transaction};
use std::collections::{BTreeSet, HashMap};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use tonearm_protocol::{BlobHash, ChangeEvent, CloudTrack, TrackId, TrackMarks};

const CONTEXT: &str = "updating the catalog";
const READING: &str = "reading the catalog";

/// The owner lexeme of a user's songs: `#` cannot start a query word, so only the owner's
/// queries name it.
fn owner(user: UserId) -> String {
    format!("#u{}", user.0.simple())
}

/// The words of an indexed text, split where query words are split.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// A lexeme must stay under 2 KiB: longer words are cut (at a character).
fn lexeme(word: &str) -> &str {
    let mut end = word.len().min(2000);
    while !word.is_char_boundary(end) {
        end -= 1;
    }
    &word[..end]
}

/// Puts a created or changed track into the catalog, with its album and artist.
pub(super) async fn index(
    tx: &Transaction<'_>,
    user: UserId,
    track: &CloudTrack,
    now: i64,
) -> Result<()> {
    let previous = query_opt(
        tx,
        CONTEXT,
        "SELECT album_id, artist_id, added_at FROM catalog_songs
         WHERE user_id = $1 AND track_id = $2",
        &[&user.0, &track.id.0],
    )
    .await?;
    let row = SongRow::of(track);
    let m = &track.metadata;
    let fields: Vec<String> = row
        .searchable
        .iter()
        .map(|f| f.clone().unwrap_or_default())
        .collect();
    let words: Vec<&str> = fields.iter().flat_map(|f| tokens(f)).collect();
    // The owner's lexeme counts as a word, as its token does in SQLite's index.
    let length = i32::try_from(words.len() + 1).unwrap_or(i32::MAX);
    let owner = owner(user);
    let lexemes: Vec<&str> = words
        .iter()
        .map(|w| lexeme(w))
        .chain([owner.as_str()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let added_at: i64 = match &previous {
        Some(p) => get(p, 2)?,
        None => now,
    };
    let (track_no, disc_no) = (m.track_number.map(i64::from), m.disc_number.map(i64::from));
    execute(
        tx,
        CONTEXT,
        "INSERT INTO catalog_songs (user_id, track_id, title, sort_title, artist, album, album_id,
            album_artist, artist_id, genre, year, track_no, disc_no, duration_ms, composer, comment,
            format, size, hash, added_at, artwork, artist_sort, album_sort, replaygain,
            search_fields, search, search_length)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            $19, $20, $21, $22, $23, $24, $25, array_to_tsvector($26::TEXT[]), $27)
         ON CONFLICT (user_id, track_id) DO UPDATE SET title = excluded.title,
            sort_title = excluded.sort_title, artist = excluded.artist, album = excluded.album,
            album_id = excluded.album_id, album_artist = excluded.album_artist,
            artist_id = excluded.artist_id, genre = excluded.genre, year = excluded.year,
            track_no = excluded.track_no, disc_no = excluded.disc_no,
            duration_ms = excluded.duration_ms, composer = excluded.composer,
            comment = excluded.comment, format = excluded.format, size = excluded.size,
            hash = excluded.hash, artwork = excluded.artwork,
            artist_sort = excluded.artist_sort, album_sort = excluded.album_sort,
            replaygain = excluded.replaygain, search_fields = excluded.search_fields,
            search = excluded.search, search_length = excluded.search_length",
        &[
            &user.0,
            &track.id.0,
            &row.title,
            &row.sort_title,
            &m.artist,
            &row.album,
            &row.album_id.as_str(),
            &row.album_artist,
            &row.artist_id.as_str(),
            &row.genre,
            &m.year,
            &track_no,
            &disc_no,
            &m.duration_ms.map(to_i64),
            &m.composer,
            &m.comment,
            &row.format,
            &to_i64(track.size),
            &track.blake3.as_str(),
            &added_at,
            &m.artwork.as_ref().map(BlobHash::as_str),
            &row.artist_sort,
            &row.album_sort,
            &row.replaygain,
            &fields,
            &lexemes,
            &length,
        ],
    )
    .await?;
    refresh_album(tx, user, row.album_id.as_str()).await?;
    refresh_artist(tx, user, row.artist_id.as_str()).await?;
    if let Some(previous) = previous {
        let (old_album, old_artist): (&str, &str) = (get(&previous, 0)?, get(&previous, 1)?);
        if old_album != row.album_id.as_str() {
            refresh_album(tx, user, old_album).await?;
        }
        if old_artist != row.artist_id.as_str() {
            refresh_artist(tx, user, old_artist).await?;
        }
    }
    Ok(())
}

/// Takes a removed track out of the catalog (its marks stay, for when it comes back).
pub(super) async fn unindex(tx: &Transaction<'_>, user: UserId, id: TrackId) -> Result<()> {
    let Some(row) = query_opt(
        tx,
        CONTEXT,
        "DELETE FROM catalog_songs WHERE user_id = $1 AND track_id = $2
         RETURNING album_id, artist_id",
        &[&user.0, &id.0],
    )
    .await?
    else {
        return Ok(());
    };
    refresh_album(tx, user, get(&row, 0)?).await?;
    refresh_artist(tx, user, get(&row, 1)?).await
}

async fn refresh_album(tx: &Transaction<'_>, user: UserId, id: &str) -> Result<()> {
    execute(
        tx,
        CONTEXT,
        "DELETE FROM catalog_albums WHERE user_id = $1 AND id = $2",
        &[&user.0, &id],
    )
    .await?;
    // The names of its first song, as SQLite reads them from its album index.
    let Some(names) = query_opt(
        tx,
        CONTEXT,
        "SELECT album, album_artist FROM catalog_songs WHERE user_id = $1 AND album_id = $2
         ORDER BY disc_no NULLS FIRST, track_no NULLS FIRST, pk LIMIT 1",
        &[&user.0, &id],
    )
    .await?
    else {
        return Ok(());
    };
    let (name, artist): (&str, &str) = (get(&names, 0)?, get(&names, 1)?);
    let (sort, artist_sort) = (
        crate::catalog::ids::sort_name(name),
        crate::catalog::ids::sort_name(artist),
    );
    execute(
        tx,
        CONTEXT,
        "INSERT INTO catalog_albums (user_id, id, name, sort_name, artist, artist_sort, artist_id,
            year, genre, song_count, duration_ms, added_at, cover_song, cover)
         SELECT $1, $2, $3, $4, $5, $6, agg.artist_id, agg.year, agg.genre, agg.songs,
            agg.duration_ms, agg.added_at, first.track_id, first.artwork
         FROM (SELECT MIN(artist_id) AS artist_id, MAX(year) AS year, MIN(genre) AS genre,
                 COUNT(*) AS songs, SUM(COALESCE(duration_ms, 0)) AS duration_ms,
                 MIN(added_at) AS added_at
               FROM catalog_songs WHERE user_id = $1 AND album_id = $2) AS agg,
              (SELECT track_id, artwork FROM catalog_songs WHERE user_id = $1 AND album_id = $2
               ORDER BY artwork IS NULL, disc_no NULLS FIRST, track_no NULLS FIRST, sort_title, pk
               LIMIT 1) AS first",
        &[&user.0, &id, &name, &sort, &artist, &artist_sort],
    )
    .await?;
    Ok(())
}

async fn refresh_artist(tx: &Transaction<'_>, user: UserId, id: &str) -> Result<()> {
    let row = query_opt(
        tx,
        CONTEXT,
        "SELECT MIN(artist), COUNT(*) FROM catalog_albums WHERE user_id = $1 AND artist_id = $2
         HAVING COUNT(*) > 0",
        &[&user.0, &id],
    )
    .await?;
    match row {
        None => {
            execute(
                tx,
                CONTEXT,
                "DELETE FROM catalog_artists WHERE user_id = $1 AND id = $2",
                &[&user.0, &id],
            )
            .await?;
        }
        Some(row) => {
            let (name, count): (&str, i64) = (get(&row, 0)?, get(&row, 1)?);
            execute(
                tx,
                CONTEXT,
                "INSERT INTO catalog_artists (user_id, id, name, sort_name, album_count)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (user_id, id) DO UPDATE SET name = excluded.name,
                    sort_name = excluded.sort_name, album_count = excluded.album_count",
                &[
                    &user.0,
                    &id,
                    &name,
                    &crate::catalog::ids::sort_name(name),
                    &count,
                ],
            )
            .await?;
        }
    }
    Ok(())
}

// --- reading ---

const SONG_COLUMNS: &str = "s.track_id, s.title, s.artist, s.album, s.album_id, s.album_artist,
    s.artist_id, s.genre, s.year, s.track_no, s.disc_no, s.duration_ms, s.composer, s.comment,
    s.format, s.size, s.hash, s.added_at, m.starred_at, m.rating, COALESCE(m.play_count, 0),
    m.played_at, s.artwork, s.replaygain";

const SONGS_FROM: &str = "catalog_songs s LEFT JOIN catalog_marks m
    ON m.user_id = s.user_id AND m.kind = 'song' AND m.item_id = s.track_id::TEXT";

fn to_u32(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn optional_hash(row: &Row, index: usize) -> Result<Option<BlobHash>> {
    get::<Option<String>>(row, index)?
        .map(parse_hash)
        .transpose()
}

fn song(r: &Row) -> Result<Song> {
    Ok(Song {
        id: TrackId(get(r, 0)?),
        title: get(r, 1)?,
        artist: get(r, 2)?,
        album: get(r, 3)?,
        album_id: AlbumId::stored(get(r, 4)?),
        album_artist: get(r, 5)?,
        artist_id: ArtistId::stored(get(r, 6)?),
        genre: get(r, 7)?,
        year: get(r, 8)?,
        track_number: get::<Option<i64>>(r, 9)?.map(to_u32),
        disc_number: get::<Option<i64>>(r, 10)?.map(to_u32),
        duration_ms: get::<Option<i64>>(r, 11)?.map(to_u64),
        composer: get(r, 12)?,
        comment: get(r, 13)?,
        format: get(r, 14)?,
        size: to_u64(get(r, 15)?),
        hash: parse_hash(get(r, 16)?)?,
        added_at: get(r, 17)?,
        stats: stats(r, 18)?,
        artwork: optional_hash(r, 22)?,
        // Written from parsed tags; a value that does not parse is as good as none.
        replaygain: get::<Option<&str>>(r, 23)?
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default(),
    })
}

fn stats(r: &Row, first: usize) -> Result<Stats> {
    Ok(Stats {
        starred_at: get(r, first)?,
        rating: get::<Option<i64>>(r, first + 1)?.map(|v| u8::try_from(v.clamp(0, 5)).unwrap_or(0)),
        play_count: to_u64(get(r, first + 2)?),
        played_at: get(r, first + 3)?,
    })
}

const ALBUM_COLUMNS: &str = "a.id, a.name, a.artist, a.artist_id, a.year, a.genre, a.song_count,
    a.duration_ms, a.added_at, a.cover_song, m.starred_at, m.rating, COALESCE(m.play_count, 0),
    m.played_at, a.cover";

const ALBUMS_FROM: &str = "catalog_albums a LEFT JOIN catalog_marks m
    ON m.user_id = a.user_id AND m.kind = 'album' AND m.item_id = a.id";

fn album(r: &Row) -> Result<Album> {
    Ok(Album {
        id: AlbumId::stored(get(r, 0)?),
        name: get(r, 1)?,
        artist: get(r, 2)?,
        artist_id: ArtistId::stored(get(r, 3)?),
        year: get(r, 4)?,
        genre: get(r, 5)?,
        song_count: to_u32(get(r, 6)?),
        duration_ms: to_u64(get(r, 7)?),
        added_at: get(r, 8)?,
        cover_song: get::<Option<uuid::Uuid>>(r, 9)?.map(TrackId),
        stats: stats(r, 10)?,
        cover: optional_hash(r, 14)?,
    })
}

const ARTIST_COLUMNS: &str = "r.id, r.name, r.sort_name, r.album_count, m.starred_at, m.rating,
    COALESCE(m.play_count, 0), m.played_at";

const ARTISTS_FROM: &str = "catalog_artists r LEFT JOIN catalog_marks m
    ON m.user_id = r.user_id AND m.kind = 'artist' AND m.item_id = r.id";

fn artist(r: &Row) -> Result<Artist> {
    Ok(Artist {
        id: ArtistId::stored(get(r, 0)?),
        name: get(r, 1)?,
        sort_name: get(r, 2)?,
        album_count: to_u32(get(r, 3)?),
        stats: stats(r, 4)?,
    })
}

async fn collect<T>(
    c: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    map: fn(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    query(c, READING, sql, params)
        .await?
        .iter()
        .map(map)
        .collect()
}

async fn artists(c: &impl GenericClient, user: UserId) -> Result<Vec<Artist>> {
    collect(
        c,
        &format!("SELECT {ARTIST_COLUMNS} FROM {ARTISTS_FROM} WHERE r.user_id = $1 ORDER BY r.sort_name NULLS FIRST, r.pk"),
        &[&user.0],
        artist,
    )
    .await
}

async fn artist_with_albums(
    c: &impl GenericClient,
    user: UserId,
    id: &ArtistId,
) -> Result<Option<(Artist, Vec<Album>)>> {
    let found = collect(
        c,
        &format!("SELECT {ARTIST_COLUMNS} FROM {ARTISTS_FROM} WHERE r.user_id = $1 AND r.id = $2"),
        &[&user.0, &id.as_str()],
        artist,
    )
    .await?;
    let Some(found) = found.into_iter().next() else {
        return Ok(None);
    };
    let albums = collect(
        c,
        &format!(
            "SELECT {ALBUM_COLUMNS} FROM {ALBUMS_FROM} WHERE a.user_id = $1 AND a.artist_id = $2
             ORDER BY a.year NULLS FIRST, a.sort_name, a.pk"
        ),
        &[&user.0, &id.as_str()],
        album,
    )
    .await?;
    Ok(Some((found, albums)))
}

async fn album_with_songs(
    c: &impl GenericClient,
    user: UserId,
    id: &AlbumId,
) -> Result<Option<(Album, Vec<Song>)>> {
    let found = collect(
        c,
        &format!("SELECT {ALBUM_COLUMNS} FROM {ALBUMS_FROM} WHERE a.user_id = $1 AND a.id = $2"),
        &[&user.0, &id.as_str()],
        album,
    )
    .await?;
    let Some(found) = found.into_iter().next() else {
        return Ok(None);
    };
    let songs = collect(
        c,
        &format!(
            "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = $1 AND s.album_id = $2
             ORDER BY s.disc_no NULLS FIRST, s.track_no NULLS FIRST, s.sort_title, s.pk"
        ),
        &[&user.0, &id.as_str()],
        song,
    )
    .await?;
    Ok(Some((found, songs)))
}

/// A table with marks: its name, its alias, the kind of its marks and its id (as text).
type Marked = (&'static str, &'static str, &'static str, &'static str);
const SONG_TABLE: Marked = ("catalog_songs", "s", "song", "track_id::TEXT");
const ALBUM_TABLE: Marked = ("catalog_albums", "a", "album", "id");
const ARTIST_TABLE: Marked = ("catalog_artists", "r", "artist", "id");

/// A page of rows read in two steps, as the SQLite store reads it: `inner` picks the page's
/// `pk`s and sort keys (from an index that holds the order, where one does), then the columns
/// and marks are read for those rows only, so a deep page steps over index entries, not rows.
fn paged(columns: &str, (table, alias, kind, id): Marked, inner: &str, order: &str) -> String {
    format!(
        "SELECT {columns} FROM ({inner}) page JOIN {table} {alias} ON {alias}.pk = page.pk
         LEFT JOIN catalog_marks m ON m.user_id = {alias}.user_id AND m.kind = '{kind}'
            AND m.item_id = {alias}.{id}
         ORDER BY {order}"
    )
}

/// The inner query of [`paged`] (user `$1`, size `$2`, offset `$3`) and the outer order, for
/// sort keys `keys` (expressions, and whether descending), ties broken by `pk`.
fn keyed(alias: &str, from: &str, filter: &str, keys: &[(&str, bool)]) -> (String, String) {
    let direction = |descending: bool| {
        if descending {
            " DESC NULLS LAST"
        } else {
            " NULLS FIRST"
        }
    };
    let mut select = format!("{alias}.pk AS pk");
    let mut inner_order = String::new();
    let mut outer_order = String::new();
    for (index, (expression, descending)) in keys.iter().enumerate() {
        let direction = direction(*descending);
        select.push_str(&format!(", {expression} AS k{index}"));
        inner_order.push_str(&format!("{expression}{direction}, "));
        outer_order.push_str(&format!("page.k{index}{direction}, "));
    }
    (
        format!(
            "SELECT {select} FROM {from} WHERE {alias}.user_id = $1{filter}
             ORDER BY {inner_order}{alias}.pk LIMIT $2 OFFSET $3"
        ),
        format!("{outer_order}page.pk"),
    )
}

/// Values bound to a statement, of several types.
type Values = Vec<Box<dyn ToSql + Sync + Send>>;

fn refs(values: &Values) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|v| &**v as &(dyn ToSql + Sync)).collect()
}

/// The user, the size and the offset of a page: `$1`, `$2`, `$3`.
fn page_values(user: UserId, page: Page) -> Values {
    vec![
        Box::new(user.0),
        Box::new(i64::from(page.size)),
        Box::new(i64::from(page.offset)),
    ]
}

async fn albums(
    c: &impl GenericClient,
    user: UserId,
    order: &AlbumOrder,
    page: Page,
) -> Result<Vec<Album>> {
    let mut values = page_values(user, page);
    let plan = album_list_plan(order);
    let filter = match plan.filter {
        AlbumFilter::All => "",
        AlbumFilter::Marks(condition) => condition,
        AlbumFilter::Years(from, to) => {
            values.push(Box::new(from));
            values.push(Box::new(to));
            " AND a.year BETWEEN $4 AND $5"
        }
        AlbumFilter::Genre(genre) => {
            values.push(Box::new(genre.to_owned()));
            " AND lower(a.genre) = lower($4::TEXT COLLATE \"C\")"
        }
    };
    let (marks, keys) = (plan.marks, plan.keys);
    let from = if marks {
        ALBUMS_FROM
    } else {
        "catalog_albums a"
    };
    let (inner, order) = keyed("a", from, filter, &keys);
    collect(
        c,
        &paged(ALBUM_COLUMNS, ALBUM_TABLE, &inner, &order),
        &refs(&values),
        album,
    )
    .await
}

/// Songs by id, in the order asked (an id asked twice is there twice), unknown ones left out.
async fn songs(c: &impl GenericClient, user: UserId, ids: &[TrackId]) -> Result<Vec<Song>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let uuids: Vec<uuid::Uuid> = ids.iter().map(|id| id.0).collect();
    let found: HashMap<TrackId, Song> = collect(
        c,
        &format!(
            "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = $1 AND s.track_id = ANY($2)"
        ),
        &[&user.0, &uuids],
        song,
    )
    .await?
    .into_iter()
    .map(|song| (song.id, song))
    .collect();
    Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
}

async fn random_songs(
    c: &impl GenericClient,
    user: UserId,
    size: u32,
    genre: Option<&str>,
    years: (Option<i32>, Option<i32>),
) -> Result<Vec<Song>> {
    collect(
        c,
        &format!(
            "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = $1
               AND ($3::TEXT IS NULL OR lower(s.genre) = lower($3::TEXT COLLATE \"C\"))
               AND ($4::INTEGER IS NULL OR s.year >= $4) AND ($5::INTEGER IS NULL OR s.year <= $5)
             ORDER BY random() LIMIT $2"
        ),
        &[
            &user.0,
            &i64::from(size.min(crate::catalog::MAX_PAGE)),
            &genre,
            &years.0,
            &years.1,
        ],
        song,
    )
    .await
}

async fn songs_by_genre(
    c: &impl GenericClient,
    user: UserId,
    genre: &str,
    page: Page,
) -> Result<Vec<Song>> {
    collect(
        c,
        &format!(
            "SELECT {SONG_COLUMNS} FROM {SONGS_FROM}
             WHERE s.user_id = $1 AND lower(s.genre) = lower($2::TEXT COLLATE \"C\")
             ORDER BY s.album_id, s.disc_no NULLS FIRST, s.track_no NULLS FIRST, s.pk
             LIMIT $3 OFFSET $4"
        ),
        &[
            &user.0,
            &genre,
            &i64::from(page.size),
            &i64::from(page.offset),
        ],
        song,
    )
    .await
}

/// The order of every song of a user: album artist, album, disc, track, title (ties by row),
/// each key a column of the `catalog_songs_in_order` index, so a page is picked from it.
const SONG_ORDER: &[(&str, bool)] = &[
    ("s.artist_sort", false),
    ("s.album_sort", false),
    ("s.album_id", false),
    ("s.disc_no", false),
    ("s.track_no", false),
    ("s.sort_title", false),
];

async fn all_songs(c: &impl GenericClient, user: UserId, page: Page) -> Result<Vec<Song>> {
    if page.size == 0 {
        return Ok(Vec::new());
    }
    let (inner, order) = keyed("s", "catalog_songs s", "", SONG_ORDER);
    collect(
        c,
        &paged(SONG_COLUMNS, SONG_TABLE, &inner, &order),
        &refs(&page_values(user, page)),
        song,
    )
    .await
}

async fn song_count(c: &impl GenericClient, user: UserId) -> Result<u64> {
    let row = query_one(
        c,
        READING,
        "SELECT COUNT(*) FROM catalog_songs WHERE user_id = $1",
        &[&user.0],
    )
    .await?;
    Ok(to_u64(get(&row, 0)?))
}

async fn top_songs(
    c: &impl GenericClient,
    user: UserId,
    artist_name: &str,
    size: u32,
) -> Result<Vec<Song>> {
    let id = ArtistId::of(artist_name);
    collect(
        c,
        &format!(
            "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = $1 AND s.artist_id = $2
             ORDER BY COALESCE(m.play_count, 0) DESC, m.rating DESC NULLS LAST, s.title, s.pk
             LIMIT $3"
        ),
        &[
            &user.0,
            &id.as_str(),
            &i64::from(size.min(crate::catalog::MAX_PAGE)),
        ],
        song,
    )
    .await
}

async fn genres(c: &impl GenericClient, user: UserId) -> Result<Vec<Genre>> {
    collect(
        c,
        "SELECT MIN(genre), COUNT(*), COUNT(DISTINCT album_id) FROM catalog_songs
         WHERE user_id = $1 AND genre IS NOT NULL GROUP BY lower(genre) ORDER BY lower(genre)",
        &[&user.0],
        |r| {
            Ok(Genre {
                name: get(r, 0)?,
                song_count: to_u32(get(r, 1)?),
                album_count: to_u32(get(r, 2)?),
            })
        },
    )
    .await
}

/// `LIKE` patterns for names whose words start with each of `words`, bound from `$first` on.
fn like_words(words: &[String], column: &str, first: usize) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    for word in words {
        sql.push_str(&format!(
            " AND (' ' || {column}) LIKE ${} ESCAPE '\\'",
            values.len() + first
        ));
        values.push(format!("% {}%", escape_like(word)));
    }
    (sql, values)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// How many of a user's songs each search word starts (bm25's idf needs it for every word of
/// a query of several), kept between searches: counting read every match's row, about 5 ms a
/// word at 100,000 songs, and search as you type asks again for the words already typed. An
/// entry holds for one version of the user's songs (`catalog_song_totals.version`, moved by a
/// trigger with every song added, removed or retagged, migration 4), so a count is never used
/// after the songs changed; a count taken just after a change may be stored under the version
/// before it, which only means a later search counts again. Bounded: full, it starts over.
#[derive(Default)]
pub(super) struct WordHits(std::sync::Mutex<HashMap<(UserId, String), (i64, i64)>>);

impl WordHits {
    const MAX_ENTRIES: usize = 4_096;

    fn get(&self, user: UserId, version: i64, word: &str) -> Option<i64> {
        let entries = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(&(user, word.to_owned())) {
            Some(&(at, hits)) if at == version => Some(hits),
            _ => None,
        }
    }

    fn put(&self, user: UserId, version: i64, word: &str, hits: i64) {
        let mut entries = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert((user, word.to_owned()), (version, hits));
    }
}

/// Matches of a search that are ranked; past this many, the page comes in row order. The same
/// trade as SQLite's (`RANKED_MATCHES` there): the next letter typed narrows it.
const RANKED_MATCHES: usize = 3_000;

/// The tsquery of `words` among the user's songs: the owner's lexeme and each word as a prefix.
fn ts_query(user: UserId, words: &[String]) -> String {
    let quote = |word: &str| format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"));
    std::iter::once(quote(&owner(user)))
        .chain(words.iter().map(|w| format!("{}:*", quote(lexeme(w)))))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// FTS5's bm25 of a song whose folded fields are `fields` and that has `length` words: per
/// query word, the weighted count of its words the query word starts, scaled by the word's
/// `idf` and the song's length against `average`. Negated, as FTS5 returns it (best first when
/// ascending), and computed in FTS5's order of operations, so equal inputs tie in both stores.
fn bm25(words: &[String], idf: &[f64], average: f64, fields: &[String], length: i32) -> f64 {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let length = f64::from(length);
    let mut score = 0.0;
    for (word, idf) in words.iter().zip(idf) {
        let frequency: f64 = fields
            .iter()
            .zip(SEARCH_WEIGHTS)
            .map(|(field, weight)| {
                let count = tokens(field)
                    .filter(|t| t.starts_with(word.as_str()))
                    .count();
                weight * count as f64
            })
            .sum();
        score +=
            idf * ((frequency * (K1 + 1.0)) / (frequency + K1 * (1.0 - B + B * length / average)));
    }
    -score
}

/// FTS5's inverse document frequency of a word found in `hits` of `rows` songs.
fn idf(rows: i64, hits: i64) -> f64 {
    let idf = (((rows - hits) as f64 + 0.5) / (hits as f64 + 0.5)).ln();
    if idf <= 0.0 { 1e-6 } else { idf }
}

/// A page of `user`'s rows of `table` that pass `filter`, in the order of `keys`; `extra`
/// values are bound from `$4` on.
fn page_of(
    user: UserId,
    table: Marked,
    columns: &str,
    filter: &str,
    keys: &[(&str, bool)],
    extra: Vec<String>,
    page: Page,
) -> (String, Values) {
    let mut values = page_values(user, page);
    values.extend(
        extra
            .into_iter()
            .map(|v| Box::new(v) as Box<dyn ToSql + Sync + Send>),
    );
    let alias = table.1;
    let (inner, order) = keyed(alias, &format!("{} {alias}", table.0), filter, keys);
    (paged(columns, table, &inner, &order), values)
}

/// A search's three lists are independent reads, so each runs on a connection of its own:
/// the answer waits for the slowest, not for their sum (on a 100,000-song library the songs
/// take 5-9 ms of PostgreSQL's time for a one-letter query, the albums' names 3-5 ms, the
/// artists' 1 ms). Each list takes one connection and holds no other, so searches cannot
/// starve the pool of each other's connections.
async fn search(store: &PostgresStore, user: UserId, search: &Search) -> Result<Found> {
    let words = search_words(&search.query);

    if words.is_empty() {
        // Everything, in a stable order, for clients that page through the whole library.
        let (sql, values) = page_of(
            user,
            ARTIST_TABLE,
            ARTIST_COLUMNS,
            "",
            &[("r.sort_name", false)],
            Vec::new(),
            search.artists,
        );
        let (album_sql, album_values) = page_of(
            user,
            ALBUM_TABLE,
            ALBUM_COLUMNS,
            "",
            &[("a.sort_name", false), ("a.id", false)],
            Vec::new(),
            search.albums,
        );
        let (song_sql, song_values) = page_of(
            user,
            SONG_TABLE,
            SONG_COLUMNS,
            "",
            &[],
            Vec::new(),
            search.songs,
        );
        let (artists, albums, songs) = tokio::try_join!(
            own_list(store, search.artists, &sql, &values, artist),
            own_list(store, search.albums, &album_sql, &album_values, album),
            own_list(store, search.songs, &song_sql, &song_values, song),
        )?;
        return Ok(Found {
            artists,
            albums,
            songs,
        });
    }
    let songs = async {
        if search.songs.size == 0 {
            return Ok(Vec::new());
        }
        search_songs(
            &store.client().await?,
            &store.word_hits,
            user,
            &words,
            search.songs,
        )
        .await
    };
    let (artists, albums, songs) = tokio::try_join!(
        named(
            store,
            user,
            &words,
            ARTIST_TABLE,
            ARTIST_COLUMNS,
            search.artists,
            artist
        ),
        named(
            store,
            user,
            &words,
            ALBUM_TABLE,
            ALBUM_COLUMNS,
            search.albums,
            album
        ),
        songs,
    )?;
    Ok(Found {
        artists,
        albums,
        songs,
    })
}

/// A page of the artists or albums whose names match every word: first those whose names
/// start with the whole query, in the order of `sort_name` (the name equal to the query sorts
/// before the rest), then the others. For a query of a letter or two, which starts hundreds of
/// names in a large library, the first are read from the names' index, and when they fill the
/// page they are the page. Else the names are matched word by word (`LIKE` over every name of
/// the user). At most two statements, on one connection of the list's own.
async fn named<T>(
    store: &PostgresStore,
    user: UserId,
    words: &[String],
    table: Marked,
    columns: &str,
    page: Page,
    map: fn(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    if page.size == 0 {
        return Ok(Vec::new());
    }
    let alias = table.1;
    let folded = words.join(" ");
    let prefix = format!("{}%", escape_like(&folded));
    let sort_name = format!("{alias}.sort_name");
    let c = store.client().await?;
    if folded.chars().count() <= 2 {
        let starts = format!(" AND {sort_name} LIKE $4 ESCAPE '\\'");
        let (sql, values) = page_of(
            user,
            table,
            columns,
            &starts,
            &[(&sort_name, false)],
            vec![prefix.clone()],
            page,
        );
        let found = collect(&c, &sql, &refs(&values), map).await?;
        if found.len() == page.size as usize {
            return Ok(found);
        }
    }
    // Albums are found by their artist's name too ("sigur" finds Sigur Rós's albums).
    let column = if alias == "a" {
        "(a.sort_name || ' ' || a.artist_sort)".to_owned()
    } else {
        sort_name.clone()
    };
    let (filter, mut values) = like_words(words, &column, 4);
    let first = values.len() + 4;
    values.push(folded);
    values.push(prefix);
    let exact = format!("({sort_name} = ${first})");
    let starts = format!("({sort_name} LIKE ${} ESCAPE '\\')", first + 1);
    let (sql, values) = page_of(
        user,
        table,
        columns,
        &filter,
        &[(&exact, true), (&starts, true), (&sort_name, false)],
        values,
        page,
    );
    collect(&c, &sql, &refs(&values), map).await
}

/// How a search's songs are matched: `$2` of its statements.
enum Matching {
    /// The tsquery of the owner's lexeme and every word as a prefix.
    Words(String),
    /// A query of one letter or digit: its bit in the songs' `initials` (migration 3), which
    /// is set exactly when one of their words starts with it.
    Initial(i64),
}

impl Matching {
    fn of(user: UserId, words: &[String]) -> Self {
        let mut chars = words.first().map_or("", String::as_str).chars();
        let bit = match (words.len(), chars.next(), chars.next()) {
            (1, Some(c @ 'a'..='z'), None) => Some(u32::from(c) - u32::from('a')),
            (1, Some(c @ '0'..='9'), None) => Some(26 + u32::from(c) - u32::from('0')),
            _ => None,
        };
        match bit {
            Some(bit) => Self::Initial(1 << bit),
            None => Self::Words(ts_query(user, words)),
        }
    }

    /// The condition on songs aliased `s`.
    fn condition(&self) -> &'static str {
        match self {
            Self::Words(_) => "s.search @@ $2::TEXT::TSQUERY",
            Self::Initial(_) => "(s.initials & $2::BIGINT) <> 0",
        }
    }

    fn value(&self) -> &(dyn ToSql + Sync) {
        match self {
            Self::Words(query) => query,
            Self::Initial(bit) => bit,
        }
    }
}

/// The songs matching every word, best first (see the module docs).
async fn search_songs(
    c: &impl GenericClient,
    word_hits: &WordHits,
    user: UserId,
    words: &[String],
    page: Page,
) -> Result<Vec<Song>> {
    let matching = Matching::of(user, words);
    let condition = matching.condition();
    let limit = RANKED_MATCHES as i64 + 1;
    // A letter matches thousands of songs in a library of any size: count them first, from
    // the index alone, so their ranking fields are read only when they are ranked.
    let many = match matching {
        Matching::Words(_) => false,
        Matching::Initial(_) => {
            let count: i64 = get(
                &query_one(
                    c,
                    READING,
                    &format!(
                        "SELECT COUNT(*) FROM (SELECT FROM catalog_songs s
                         WHERE s.user_id = $1 AND {condition} LIMIT $3) matches"
                    ),
                    &[&user.0, matching.value(), &limit],
                )
                .await?,
                0,
            )?;
            count == limit
        }
    };
    // Else the ranking fields of every match, or of one more than are ranked: then the page
    // comes in row order. One scan, rather than counting the matches and then reading them.
    let candidates = if many {
        Vec::new()
    } else {
        query(
            c,
            READING,
            &format!(
                "SELECT s.pk, s.search_fields, s.search_length FROM catalog_songs s
                 WHERE s.user_id = $1 AND {condition} LIMIT $3"
            ),
            &[&user.0, matching.value(), &limit],
        )
        .await?
    };
    if many || candidates.len() > RANKED_MATCHES {
        return collect(
            c,
            &format!(
                "SELECT {SONG_COLUMNS} FROM {SONGS_FROM}
                 WHERE s.user_id = $1 AND {condition} ORDER BY s.pk LIMIT $3 OFFSET $4"
            ),
            &[
                &user.0,
                matching.value(),
                &i64::from(page.size),
                &i64::from(page.offset),
            ],
            song,
        )
        .await;
    }
    // Kept by a trigger (migration 2): summing 100,000 songs' lengths took 10-20 ms a search.
    let totals = query_opt(
        c,
        READING,
        "SELECT songs, words, version FROM catalog_song_totals WHERE user_id = $1",
        &[&user.0],
    )
    .await?;
    let (rows, length, version): (i64, i64, i64) = match &totals {
        Some(totals) => (get(totals, 0)?, get(totals, 1)?, get(totals, 2)?),
        None => (0, 0, 0),
    };
    let average = length as f64 / rows.max(1) as f64;
    // With one word, its idf scales every score alike and changes no order.
    let mut idfs = Vec::with_capacity(words.len());
    for word in words {
        let hits: i64 = if words.len() == 1 {
            0
        } else if let Some(hits) = word_hits.get(user, version, word) {
            hits
        } else {
            let hits = get(
                &query_one(
                    c,
                    READING,
                    "SELECT COUNT(*) FROM catalog_songs WHERE user_id = $1 AND search @@ $2::TEXT::TSQUERY",
                    &[&user.0, &ts_query(user, std::slice::from_ref(word))],
                )
                .await?,
                0,
            )?;
            word_hits.put(user, version, word, hits);
            hits
        };
        idfs.push(idf(rows, hits));
    }
    let mut ranked = candidates
        .iter()
        .map(|row| {
            let fields: Vec<String> = get(row, 1)?;
            let score = bm25(words, &idfs, average, &fields, get(row, 2)?);
            Ok((score, get::<i64>(row, 0)?))
        })
        .collect::<Result<Vec<_>>>()?;
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let pks: Vec<i64> = ranked
        .into_iter()
        .skip(page.offset as usize)
        .take(page.size as usize)
        .map(|(_, pk)| pk)
        .collect();
    let rows = query(
        c,
        READING,
        &format!(
            "SELECT {SONG_COLUMNS}, s.pk FROM {SONGS_FROM} WHERE s.user_id = $1 AND s.pk = ANY($2)"
        ),
        &[&user.0, &pks],
    )
    .await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in &rows {
        found.insert(get::<i64>(row, 24)?, song(row)?);
    }
    Ok(pks.iter().filter_map(|pk| found.remove(pk)).collect())
}

/// [`collect`] for a page that may be empty (a client asking for no artists, say), on a
/// connection of its own, taken only if the page asks for rows.
async fn own_list<T>(
    store: &PostgresStore,
    page: Page,
    sql: &str,
    values: &Values,
    map: fn(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    if page.size == 0 {
        return Ok(Vec::new());
    }
    collect(&store.client().await?, sql, &refs(values), map).await
}

async fn starred(c: &impl GenericClient, user: UserId) -> Result<Found> {
    Ok(Found {
        artists: collect(
            c,
            &format!(
                "SELECT {ARTIST_COLUMNS} FROM {ARTISTS_FROM} WHERE r.user_id = $1
                   AND m.starred_at IS NOT NULL ORDER BY m.starred_at DESC, r.pk"
            ),
            &[&user.0],
            artist,
        )
        .await?,
        albums: collect(
            c,
            &format!(
                "SELECT {ALBUM_COLUMNS} FROM {ALBUMS_FROM} WHERE a.user_id = $1
                   AND m.starred_at IS NOT NULL ORDER BY m.starred_at DESC, a.pk"
            ),
            &[&user.0],
            album,
        )
        .await?,
        songs: collect(
            c,
            &format!(
                "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = $1
                   AND m.starred_at IS NOT NULL ORDER BY m.starred_at DESC, s.pk"
            ),
            &[&user.0],
            song,
        )
        .await?,
    })
}

/// The kind and id of an item, if the user has it.
async fn known(
    c: &impl GenericClient,
    user: UserId,
    item: &Item,
) -> Result<Option<(&'static str, String)>> {
    let found = match item {
        Item::Song(id) => query_opt(
            c,
            CONTEXT,
            "SELECT 1 FROM catalog_songs WHERE user_id = $1 AND track_id = $2",
            &[&user.0, &id.0],
        )
        .await?
        .map(|_| ("song", id.to_string())),
        Item::Album(id) => query_opt(
            c,
            CONTEXT,
            "SELECT 1 FROM catalog_albums WHERE user_id = $1 AND id = $2",
            &[&user.0, &id.as_str()],
        )
        .await?
        .map(|_| ("album", id.to_string())),
        Item::Artist(id) => query_opt(
            c,
            CONTEXT,
            "SELECT 1 FROM catalog_artists WHERE user_id = $1 AND id = $2",
            &[&user.0, &id.as_str()],
        )
        .await?
        .map(|_| ("artist", id.to_string())),
    };
    Ok(found)
}

async fn upsert_mark(tx: &Transaction<'_>, user: UserId, kind: &str, id: &str) -> Result<()> {
    execute(
        tx,
        CONTEXT,
        "INSERT INTO catalog_marks (user_id, kind, item_id) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
        &[&user.0, &kind, &id],
    )
    .await?;
    Ok(())
}

/// Announces a song's marks in the change feed, as they are now.
async fn announce_marks(tx: &Transaction<'_>, user: UserId, track: TrackId) -> Result<()> {
    if let Some(marks) = track_marks(tx, user, track).await? {
        super::record_change(tx, user, |_| ChangeEvent::TrackMarks { marks }).await?;
    }
    Ok(())
}

async fn track_marks(
    c: &impl GenericClient,
    user: UserId,
    track: TrackId,
) -> Result<Option<TrackMarks>> {
    let found = songs(c, user, &[track]).await?;
    Ok(found.into_iter().next().map(|song| TrackMarks {
        track_id: song.id,
        play_count: song.stats.play_count,
        played_at: song.stats.played_at,
        rating: song.stats.rating,
        loved: song.stats.starred_at.is_some(),
    }))
}

async fn star(
    tx: &Transaction<'_>,
    user: UserId,
    items: &[Item],
    at: Option<i64>,
) -> Result<usize> {
    let mut done = 0;
    for item in items {
        let Some((kind, id)) = known(tx, user, item).await? else {
            continue;
        };
        upsert_mark(tx, user, kind, &id).await?;
        // Starred again keeps the first time; only a change is announced.
        let changed = execute(
            tx,
            CONTEXT,
            "UPDATE catalog_marks SET starred_at = $4
             WHERE user_id = $1 AND kind = $2 AND item_id = $3
               AND (starred_at IS NULL) <> ($4::BIGINT IS NULL)",
            &[&user.0, &kind, &id, &at],
        )
        .await?;
        if let Item::Song(track) = item
            && changed > 0
        {
            announce_marks(tx, user, *track).await?;
        }
        done += 1;
    }
    Ok(done)
}

async fn rate(tx: &Transaction<'_>, user: UserId, item: &Item, rating: u8) -> Result<bool> {
    let Some((kind, id)) = known(tx, user, item).await? else {
        return Ok(false);
    };
    upsert_mark(tx, user, kind, &id).await?;
    let rating = (rating > 0).then_some(i64::from(rating.min(5)));
    let changed = execute(
        tx,
        CONTEXT,
        "UPDATE catalog_marks SET rating = $4 WHERE user_id = $1 AND kind = $2 AND item_id = $3
           AND rating IS DISTINCT FROM $4::BIGINT",
        &[&user.0, &kind, &id, &rating],
    )
    .await?;
    if let Item::Song(track) = item
        && changed > 0
    {
        announce_marks(tx, user, *track).await?;
    }
    Ok(true)
}

async fn record_plays(tx: &Transaction<'_>, user: UserId, plays: &[Play]) -> Result<usize> {
    let mut counted = 0;
    for play in plays {
        let Some(row) = query_opt(
            tx,
            CONTEXT,
            "SELECT album_id, artist_id FROM catalog_songs WHERE user_id = $1 AND track_id = $2",
            &[&user.0, &play.track.0],
        )
        .await?
        else {
            continue;
        };
        let (album, artist): (String, String) = (get(&row, 0)?, get(&row, 1)?);
        // The user's row is locked: of two replicas recording the same play, the second finds
        // it here.
        let new = execute(
            tx,
            CONTEXT,
            "INSERT INTO plays (user_id, id, track_id, played_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
            &[&user.0, &play.id, &play.track.0, &play.played_at],
        )
        .await?;
        if new == 0 {
            continue;
        }
        for (kind, id) in [
            ("song", play.track.to_string()),
            ("album", album),
            ("artist", artist),
        ] {
            upsert_mark(tx, user, kind, &id).await?;
            execute(
                tx,
                CONTEXT,
                "UPDATE catalog_marks SET play_count = play_count + 1,
                    played_at = GREATEST(COALESCE(played_at, 0), $4)
                 WHERE user_id = $1 AND kind = $2 AND item_id = $3",
                &[&user.0, &kind, &id, &play.played_at],
            )
            .await?;
        }
        announce_marks(tx, user, play.track).await?;
        counted += 1;
    }
    Ok(counted)
}

async fn play_queue(c: &impl GenericClient, user: UserId) -> Result<Option<PlayQueue>> {
    let Some(row) = query_opt(
        c,
        READING,
        "SELECT entries, current, position_ms, changed_at, changed_by FROM play_queues
         WHERE user_id = $1",
        &[&user.0],
    )
    .await?
    else {
        return Ok(None);
    };
    let entries: Vec<String> = from_json(get(&row, 0)?)?;
    let ids: Vec<TrackId> = entries
        .iter()
        .filter_map(|e| uuid::Uuid::parse_str(e).ok().map(TrackId))
        .collect();
    // Songs removed since the queue was saved are left out.
    let live = songs(c, user, &ids).await?;
    Ok(Some(PlayQueue {
        entries: live.iter().map(|s| s.id).collect(),
        current: get::<Option<uuid::Uuid>>(&row, 1)?.map(TrackId),
        position_ms: to_u64(get(&row, 2)?),
        changed_at: get(&row, 3)?,
        changed_by: get(&row, 4)?,
    }))
}

async fn save_play_queue(tx: &Transaction<'_>, user: UserId, queue: &PlayQueue) -> Result<()> {
    let entries: Vec<String> = queue.entries.iter().map(ToString::to_string).collect();
    execute(
        tx,
        CONTEXT,
        "INSERT INTO play_queues (user_id, entries, current, position_ms, changed_at, changed_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id) DO UPDATE SET entries = excluded.entries,
            current = excluded.current, position_ms = excluded.position_ms,
            changed_at = excluded.changed_at, changed_by = excluded.changed_by",
        &[
            &user.0,
            &serde_json::to_string(&entries).unwrap_or_default(),
            &queue.current.map(|c| c.0),
            &to_i64(queue.position_ms),
            &queue.changed_at,
            &queue.changed_by,
        ],
    )
    .await?;
    Ok(())
}

/// The user's uploaded cover `hash`.
async fn owned_artwork(
    c: &impl GenericClient,
    user: UserId,
    hash: &str,
) -> Result<Option<Artwork>> {
    query_opt(
        c,
        READING,
        "SELECT a.hash, a.mime, a.width, a.height, a.size FROM artwork_owners o
         JOIN artwork a ON a.hash = o.hash WHERE o.user_id = $1 AND o.hash = $2",
        &[&user.0, &hash],
    )
    .await?
    .map(|row| {
        Ok(Artwork {
            hash: parse_hash(get(&row, 0)?)?,
            mime: get(&row, 1)?,
            width: to_u32(get(&row, 2)?),
            height: to_u32(get(&row, 3)?),
            size: to_u64(get(&row, 4)?),
        })
    })
    .transpose()
}

async fn cover(c: &impl GenericClient, user: UserId, item: &Item) -> Result<Option<Artwork>> {
    let row = match item {
        Item::Song(id) => {
            query_opt(
                c,
                READING,
                "SELECT artwork FROM catalog_songs WHERE user_id = $1 AND track_id = $2",
                &[&user.0, &id.0],
            )
            .await?
        }
        Item::Album(id) => {
            query_opt(
                c,
                READING,
                "SELECT cover FROM catalog_albums WHERE user_id = $1 AND id = $2",
                &[&user.0, &id.as_str()],
            )
            .await?
        }
        Item::Artist(id) => {
            query_opt(
                c,
                READING,
                "SELECT cover FROM catalog_albums WHERE user_id = $1 AND artist_id = $2
                   AND cover IS NOT NULL ORDER BY year NULLS FIRST, sort_name, pk LIMIT 1",
                &[&user.0, &id.as_str()],
            )
            .await?
        }
    };
    match row
        .map(|r| get::<Option<String>>(&r, 0))
        .transpose()?
        .flatten()
    {
        Some(hash) => owned_artwork(c, user, &hash).await,
        None => Ok(None),
    }
}

async fn add_artwork(
    tx: &Transaction<'_>,
    user: UserId,
    artwork: &Artwork,
    now: i64,
) -> Result<()> {
    execute(
        tx,
        CONTEXT,
        "INSERT INTO artwork (hash, mime, width, height, size, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        &[
            &artwork.hash.as_str(),
            &artwork.mime,
            &i64::from(artwork.width),
            &i64::from(artwork.height),
            &to_i64(artwork.size),
            &now,
        ],
    )
    .await?;
    execute(
        tx,
        CONTEXT,
        "INSERT INTO artwork_owners (user_id, hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
        &[&user.0, &artwork.hash.as_str(), &now],
    )
    .await?;
    Ok(())
}

/// Runs `write` in a transaction that first locks the user's row.
macro_rules! user_tx {
    ($store:expr, $user:expr, $context:expr, |$tx:ident| $body:expr) => {{
        let mut client = $store.client().await?;
        let $tx = begin(&mut client, $context).await?;
        lock_user(&$tx, $user).await?;
        let value = $body;
        commit($tx, $context).await?;
        Ok(value)
    }};
}

#[async_trait]
impl CatalogStore for PostgresStore {
    async fn artists(&self, user: UserId) -> Result<Vec<Artist>> {
        artists(&self.client().await?, user).await
    }

    async fn artist(&self, user: UserId, id: &ArtistId) -> Result<Option<(Artist, Vec<Album>)>> {
        artist_with_albums(&self.client().await?, user, id).await
    }

    async fn album(&self, user: UserId, id: &AlbumId) -> Result<Option<(Album, Vec<Song>)>> {
        album_with_songs(&self.client().await?, user, id).await
    }

    async fn albums(&self, user: UserId, order: &AlbumOrder, page: Page) -> Result<Vec<Album>> {
        albums(&self.client().await?, user, order, page).await
    }

    async fn song(&self, user: UserId, id: TrackId) -> Result<Option<Song>> {
        Ok(songs(&self.client().await?, user, &[id])
            .await?
            .into_iter()
            .next())
    }

    async fn songs(&self, user: UserId, ids: &[TrackId]) -> Result<Vec<Song>> {
        songs(&self.client().await?, user, ids).await
    }

    async fn random_songs(
        &self,
        user: UserId,
        size: u32,
        genre: Option<&str>,
        years: (Option<i32>, Option<i32>),
    ) -> Result<Vec<Song>> {
        random_songs(&self.client().await?, user, size, genre, years).await
    }

    async fn songs_by_genre(&self, user: UserId, genre: &str, page: Page) -> Result<Vec<Song>> {
        songs_by_genre(&self.client().await?, user, genre, page).await
    }

    async fn all_songs(&self, user: UserId, page: Page) -> Result<Vec<Song>> {
        all_songs(&self.client().await?, user, page).await
    }

    async fn song_count(&self, user: UserId) -> Result<u64> {
        song_count(&self.client().await?, user).await
    }

    async fn top_songs(&self, user: UserId, artist: &str, size: u32) -> Result<Vec<Song>> {
        top_songs(&self.client().await?, user, artist, size).await
    }

    async fn genres(&self, user: UserId) -> Result<Vec<Genre>> {
        genres(&self.client().await?, user).await
    }

    async fn search(&self, user: UserId, query: &Search) -> Result<Found> {
        search(self, user, query).await
    }

    async fn starred(&self, user: UserId) -> Result<Found> {
        starred(&self.client().await?, user).await
    }

    async fn star(&self, user: UserId, items: &[Item], at: Option<i64>) -> Result<usize> {
        user_tx!(self, user, "starring", |tx| star(&tx, user, items, at)
            .await?)
    }

    async fn rate(&self, user: UserId, item: &Item, rating: u8) -> Result<bool> {
        user_tx!(self, user, "rating", |tx| rate(&tx, user, item, rating)
            .await?)
    }

    async fn record_plays(&self, user: UserId, plays: &[Play]) -> Result<usize> {
        user_tx!(self, user, "recording plays", |tx| record_plays(
            &tx, user, plays
        )
        .await?)
    }

    async fn track_marks(&self, user: UserId, track: TrackId) -> Result<Option<TrackMarks>> {
        track_marks(&self.client().await?, user, track).await
    }

    async fn play_queue(&self, user: UserId) -> Result<Option<PlayQueue>> {
        play_queue(&self.client().await?, user).await
    }

    async fn save_play_queue(&self, user: UserId, queue: &PlayQueue) -> Result<()> {
        user_tx!(self, user, "saving the play queue", |tx| save_play_queue(
            &tx, user, queue
        )
        .await?)
    }

    async fn cover(&self, user: UserId, item: &Item) -> Result<Option<Artwork>> {
        cover(&self.client().await?, user, item).await
    }

    async fn add_artwork(&self, user: UserId, artwork: &Artwork) -> Result<()> {
        user_tx!(self, user, "recording a cover", |tx| add_artwork(
            &tx,
            user,
            artwork,
            crate::state::now()
        )
        .await?)
    }

    async fn artwork(&self, user: UserId, hash: &BlobHash) -> Result<Option<Artwork>> {
        owned_artwork(&self.client().await?, user, hash.as_str()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_names_the_owner_and_each_word_as_a_prefix() {
        let user = UserId(uuid::Uuid::nil());
        assert_eq!(
            ts_query(user, &["sigur".into(), "o'".into()]),
            "'#u00000000000000000000000000000000' & 'sigur':* & 'o''':*"
        );
    }

    #[test]
    fn bm25_prefers_title_matches_and_short_songs() {
        let fields = |title: &str, artist: &str| -> Vec<String> {
            vec![
                title.into(),
                artist.into(),
                "".into(),
                "".into(),
                "".into(),
                "".into(),
            ]
        };
        let words = ["lo".to_owned()];
        let score = |f: &[String], length| bm25(&words, &[1.0], 3.0, f, length);
        let title = score(&fields("love", "x"), 3);
        let artist = score(&fields("x", "love"), 3);
        let longer = score(&fields("love song", "x"), 4);
        assert!(
            title < artist && title < longer,
            "{title} {artist} {longer}"
        );
        assert_eq!(idf(10, 9), 1e-6);
    }
}
