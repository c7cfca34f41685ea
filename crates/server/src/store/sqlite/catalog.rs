//! The catalog (`crate::catalog`) in SQLite: songs, albums and artists derived from the
//! tracks in the same transaction that changes a track, a full-text index for search, and
//! the user's marks (stars, ratings, play counts) kept apart from the songs so they survive a
//! song's removal and return with it.
//!
//! Search runs on FTS5 over folded text (case, accents and letters like æ spelled out, the
//! same folding as queries get); each row carries its owner as a token,
//! so a match is intersected with the owner's rows inside the index instead of filtered
//! after (another user's songs are never candidates, and cost nothing).

use super::SqliteStore;
use super::{from_json, parse_hash, parse_uuid, to_i64, to_u64};
use crate::catalog::ids::sort_name;
use crate::catalog::{
    Album, AlbumId, AlbumOrder, Artist, ArtistId, Artwork, CatalogStore, Found, Genre, Item, Page,
    Play, PlayQueue, Search, Song, Stats,
};
use crate::error::{Error, Result};
use crate::store::UserId;
use crate::store::rows::{AlbumFilter, SEARCH_WEIGHTS, SongRow, album_list_plan, search_words};
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use tonearm_protocol::{BlobHash, ChangeEvent, CloudTrack, TrackId, TrackMarks};

/// The catalog's tables; the migration that adds them fills them from the live tracks.
pub(super) const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS catalog_songs (
    pk INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    track_id TEXT NOT NULL,
    title TEXT NOT NULL,
    sort_title TEXT NOT NULL,
    artist TEXT,
    album TEXT NOT NULL,
    album_id TEXT NOT NULL,
    album_artist TEXT NOT NULL,
    artist_id TEXT NOT NULL,
    genre TEXT,
    year INTEGER,
    track_no INTEGER,
    disc_no INTEGER,
    duration_ms INTEGER,
    composer TEXT,
    comment TEXT,
    artwork TEXT,
    format TEXT NOT NULL,
    size INTEGER NOT NULL,
    hash TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    artist_sort TEXT NOT NULL DEFAULT '',
    album_sort TEXT NOT NULL DEFAULT '',
    UNIQUE (user_id, track_id)
);
CREATE INDEX IF NOT EXISTS catalog_songs_by_album ON catalog_songs(user_id, album_id, disc_no, track_no);
CREATE INDEX IF NOT EXISTS catalog_songs_in_order ON catalog_songs(user_id, artist_sort, album_sort, album_id, disc_no, track_no, sort_title);
CREATE INDEX IF NOT EXISTS catalog_songs_by_genre ON catalog_songs(user_id, genre);
CREATE INDEX IF NOT EXISTS catalog_songs_by_artist ON catalog_songs(user_id, artist_id);
CREATE INDEX IF NOT EXISTS catalog_songs_by_user ON catalog_songs(user_id);
CREATE VIRTUAL TABLE IF NOT EXISTS catalog_search USING fts5(
    owner, title, artist, album, album_artist, genre, composer,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
);
CREATE TABLE IF NOT EXISTS catalog_albums (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    artist TEXT NOT NULL,
    artist_sort TEXT NOT NULL,
    artist_id TEXT NOT NULL,
    year INTEGER,
    genre TEXT,
    song_count INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    added_at INTEGER NOT NULL,
    cover_song TEXT,
    cover TEXT,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX IF NOT EXISTS catalog_albums_by_name ON catalog_albums(user_id, sort_name, artist_sort);
CREATE INDEX IF NOT EXISTS catalog_albums_by_artist_name ON catalog_albums(user_id, artist_sort, sort_name);
CREATE INDEX IF NOT EXISTS catalog_albums_by_added ON catalog_albums(user_id, added_at DESC, sort_name);
CREATE INDEX IF NOT EXISTS catalog_albums_by_year ON catalog_albums(user_id, year);
CREATE INDEX IF NOT EXISTS catalog_albums_by_genre ON catalog_albums(user_id, genre, sort_name);
CREATE INDEX IF NOT EXISTS catalog_albums_by_artist ON catalog_albums(user_id, artist_id, year);
CREATE TABLE IF NOT EXISTS catalog_artists (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    sort_name TEXT NOT NULL,
    album_count INTEGER NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX IF NOT EXISTS catalog_artists_by_name ON catalog_artists(user_id, sort_name);
CREATE TABLE IF NOT EXISTS catalog_marks (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('song', 'album', 'artist')),
    item_id TEXT NOT NULL,
    starred_at BIGINT,
    rating INTEGER,
    play_count BIGINT NOT NULL DEFAULT 0,
    played_at BIGINT,
    PRIMARY KEY (user_id, kind, item_id)
);
CREATE INDEX IF NOT EXISTS catalog_marks_by_plays ON catalog_marks(user_id, kind, play_count, item_id);
CREATE INDEX IF NOT EXISTS catalog_marks_by_played ON catalog_marks(user_id, kind, played_at);
CREATE TABLE IF NOT EXISTS plays (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    track_id TEXT NOT NULL,
    played_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE TABLE IF NOT EXISTS artwork (
    hash TEXT PRIMARY KEY,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS artwork_owners (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT NOT NULL REFERENCES artwork(hash),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, hash)
);
CREATE TABLE IF NOT EXISTS play_queues (
    user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    entries TEXT NOT NULL,
    current TEXT,
    position_ms BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT NOT NULL
);
";

const CONTEXT: &str = "updating the catalog";

fn db<T>(result: rusqlite::Result<T>) -> Result<T> {
    result.map_err(Error::db(CONTEXT))
}

/// The migration that adds the catalog: its tables, filled from every live track. Run again
/// (a database whose migrations were rolled back), it rebuilds what it derives and keeps the
/// user's marks.
pub(super) fn create(tx: &Transaction<'_>) -> Result<()> {
    db(tx.execute_batch(SCHEMA))?;
    db(tx.execute_batch(
        "DELETE FROM catalog_search; DELETE FROM catalog_songs; DELETE FROM catalog_albums;
         DELETE FROM catalog_artists;",
    ))?;
    let tracks: Vec<(String, String, String, i64, String, i64)> = {
        let mut stmt = db(tx.prepare(
            "SELECT user_id, id, hash, size, metadata, revision FROM tracks WHERE deleted = 0",
        ))?;
        let rows = db(stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        }))?;
        db(rows.collect())?
    };
    let now = super::now_seconds();
    for (user, id, hash, size, metadata, revision) in tracks {
        let track = super::build_track((id, hash, size, metadata, revision))?;
        index(tx, UserId(parse_uuid(&user)?), &track, now)?;
    }
    Ok(())
}

/// Migration 5: indexes that hold the whole order of the album lists and of the songs paged
/// by offline-sync clients, so a page is found by stepping through an index alone (see
/// [`paged`]). Before, `newest` and `alphabeticalByName` sorted by a column their index lacked,
/// and paging through 100,000 songs in row order sorted them all: 0.5 s a page. The most
/// played albums are found from the marks' index with their ids in it (deep pages of
/// `frequent` read a mark row per album before).
pub(super) fn index_pages(tx: &Transaction<'_>) -> Result<()> {
    db(tx.execute_batch(
        "DROP INDEX IF EXISTS catalog_marks_by_plays;
         CREATE INDEX catalog_marks_by_plays ON catalog_marks(user_id, kind, play_count, item_id);
         DROP INDEX IF EXISTS catalog_albums_by_name;
         CREATE INDEX catalog_albums_by_name ON catalog_albums(user_id, sort_name, artist_sort);
         DROP INDEX IF EXISTS catalog_albums_by_added;
         CREATE INDEX catalog_albums_by_added ON catalog_albums(user_id, added_at DESC, sort_name);
         CREATE INDEX IF NOT EXISTS catalog_songs_by_user ON catalog_songs(user_id);",
    ))
}

/// Migration 6: every song in one order, album artist, album, disc, track (the web player's
/// songs list, paged by `pick=all`), held whole by an index so a page at offset 99,500 steps
/// over index entries only (see [`paged`]). The songs get their album artist's and album's
/// sort names (the albums' and artists' rows have them, the songs did not), filled here from
/// their albums. Run again (a database whose migrations were rolled back), it changes nothing.
pub(super) fn order_songs(tx: &Transaction<'_>) -> Result<()> {
    for column in ["artist_sort", "album_sort"] {
        let has: bool = db(tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('catalog_songs') WHERE name = ?1)",
            [column],
            |r| r.get(0),
        ))?;
        if !has {
            db(tx.execute_batch(&format!(
                "ALTER TABLE catalog_songs ADD COLUMN {column} TEXT NOT NULL DEFAULT ''"
            )))?;
        }
    }
    db(tx.execute_batch(
        "UPDATE catalog_songs SET artist_sort = a.artist_sort, album_sort = a.sort_name
            FROM catalog_albums a
            WHERE a.user_id = catalog_songs.user_id AND a.id = catalog_songs.album_id;
         CREATE INDEX IF NOT EXISTS catalog_songs_in_order
            ON catalog_songs(user_id, artist_sort, album_sort, album_id, disc_no, track_no, sort_title);",
    ))
}

/// Migration 7: songs keep their ReplayGain tags (JSON of `ReplayGainTags`), for the players
/// that stream them. Devices send them with the metadata (those that uploaded before send them
/// once), so nothing is filled here. Run again, it changes nothing.
pub(super) fn keep_replaygain(tx: &Transaction<'_>) -> Result<()> {
    let has: bool = db(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('catalog_songs') WHERE name = 'replaygain')",
        [],
        |r| r.get(0),
    ))?;
    if !has {
        db(tx.execute_batch("ALTER TABLE catalog_songs ADD COLUMN replaygain TEXT"))?;
    }
    Ok(())
}

/// The FTS token that names a user's rows.
fn owner(user: UserId) -> String {
    format!("u{}", user.0.simple())
}

/// Puts a created or changed track into the catalog, with its album and artist.
pub(super) fn index(
    tx: &Transaction<'_>,
    user: UserId,
    track: &CloudTrack,
    now: i64,
) -> Result<()> {
    let user_text = user.0.to_string();
    let previous: Option<(i64, String, String, i64)> = db(tx
        .query_row(
            "SELECT pk, album_id, artist_id, added_at FROM catalog_songs WHERE user_id = ?1 AND track_id = ?2",
            [&user_text, &track.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional())?;
    let m = &track.metadata;
    let row = SongRow::of(track);
    let (album_id, artist_id) = (&row.album_id, &row.artist_id);
    let added_at = previous.as_ref().map_or(now, |p| p.3);
    if let Some((pk, ..)) = &previous {
        db(tx.execute("DELETE FROM catalog_search WHERE rowid = ?1", [pk]))?;
    }
    db(tx.execute(
        "INSERT INTO catalog_songs (user_id, track_id, title, sort_title, artist, album, album_id,
            album_artist, artist_id, genre, year, track_no, disc_no, duration_ms, composer, comment,
            format, size, hash, added_at, artwork, artist_sort, album_sort, replaygain)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
            ?22, ?23, ?24)
         ON CONFLICT (user_id, track_id) DO UPDATE SET title = excluded.title,
            sort_title = excluded.sort_title, artist = excluded.artist, album = excluded.album,
            album_id = excluded.album_id, album_artist = excluded.album_artist,
            artist_id = excluded.artist_id, genre = excluded.genre, year = excluded.year,
            track_no = excluded.track_no, disc_no = excluded.disc_no,
            duration_ms = excluded.duration_ms, composer = excluded.composer,
            comment = excluded.comment, format = excluded.format, size = excluded.size,
            hash = excluded.hash, artwork = excluded.artwork,
            artist_sort = excluded.artist_sort, album_sort = excluded.album_sort,
            replaygain = excluded.replaygain",
        params![
            user_text,
            track.id.to_string(),
            row.title,
            row.sort_title,
            m.artist,
            row.album,
            album_id.as_str(),
            row.album_artist,
            artist_id.as_str(),
            row.genre,
            m.year,
            m.track_number,
            m.disc_number,
            m.duration_ms.map(to_i64),
            m.composer,
            m.comment,
            row.format,
            to_i64(track.size),
            track.blake3.as_str(),
            added_at,
            m.artwork.as_ref().map(|a| a.as_str()),
            row.artist_sort,
            row.album_sort,
            row.replaygain,
        ],
    ))?;
    let pk: i64 = db(tx.query_row(
        "SELECT pk FROM catalog_songs WHERE user_id = ?1 AND track_id = ?2",
        [&user_text, &track.id.to_string()],
        |r| r.get(0),
    ))?;
    db(tx.execute(
        "INSERT INTO catalog_search (rowid, owner, title, artist, album, album_artist, genre, composer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            pk,
            owner(user),
            row.searchable[0],
            row.searchable[1],
            row.searchable[2],
            row.searchable[3],
            row.searchable[4],
            row.searchable[5],
        ],
    ))?;
    refresh_album(tx, user, album_id)?;
    refresh_artist(tx, user, artist_id)?;
    if let Some((_, old_album, old_artist, _)) = previous {
        if old_album != album_id.as_str() {
            refresh_album(tx, user, &AlbumId::stored(old_album))?;
        }
        if old_artist != artist_id.as_str() {
            refresh_artist(tx, user, &ArtistId::stored(old_artist))?;
        }
    }
    Ok(())
}

/// Takes a removed track out of the catalog (its marks stay, for when it comes back).
pub(super) fn unindex(tx: &Transaction<'_>, user: UserId, id: TrackId) -> Result<()> {
    let user_text = user.0.to_string();
    let previous: Option<(i64, String, String)> = db(tx
        .query_row(
            "SELECT pk, album_id, artist_id FROM catalog_songs WHERE user_id = ?1 AND track_id = ?2",
            [&user_text, &id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional())?;
    let Some((pk, album, artist)) = previous else {
        return Ok(());
    };
    db(tx.execute("DELETE FROM catalog_search WHERE rowid = ?1", [pk]))?;
    db(tx.execute("DELETE FROM catalog_songs WHERE pk = ?1", [pk]))?;
    refresh_album(tx, user, &AlbumId::stored(album))?;
    refresh_artist(tx, user, &ArtistId::stored(artist))
}

/// Before a user is removed: their search rows (the index has no foreign keys).
pub(super) fn forget_user(tx: &Transaction<'_>, username: &str) -> Result<()> {
    db(tx.execute(
        "DELETE FROM catalog_search WHERE rowid IN (SELECT s.pk FROM catalog_songs s
            JOIN users u ON u.id = s.user_id WHERE u.username = ?1)",
        [username],
    ))?;
    Ok(())
}

fn refresh_album(tx: &Transaction<'_>, user: UserId, id: &AlbumId) -> Result<()> {
    let user_text = user.0.to_string();
    db(tx.execute(
        "DELETE FROM catalog_albums WHERE user_id = ?1 AND id = ?2",
        [&user_text, id.as_str()],
    ))?;
    let names: Option<(String, String)> = db(tx
        .query_row(
            "SELECT album, album_artist FROM catalog_songs WHERE user_id = ?1 AND album_id = ?2 LIMIT 1",
            [&user_text, id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional())?;
    let Some((name, artist)) = names else {
        return Ok(());
    };
    db(tx.execute(
        "INSERT INTO catalog_albums (user_id, id, name, sort_name, artist, artist_sort, artist_id,
            year, genre, song_count, duration_ms, added_at, cover_song, cover)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, MIN(artist_id), MAX(year), MIN(genre), COUNT(*),
            SUM(COALESCE(duration_ms, 0)), MIN(added_at), first.track_id, first.artwork
         FROM catalog_songs,
            (SELECT track_id, artwork FROM catalog_songs WHERE user_id = ?1 AND album_id = ?2
             ORDER BY artwork IS NULL, disc_no, track_no, sort_title LIMIT 1) AS first
         WHERE user_id = ?1 AND album_id = ?2",
        params![
            user_text,
            id.as_str(),
            name,
            sort_name(&name),
            artist,
            sort_name(&artist)
        ],
    ))?;
    Ok(())
}

fn refresh_artist(tx: &Transaction<'_>, user: UserId, id: &ArtistId) -> Result<()> {
    let user_text = user.0.to_string();
    let row: Option<(String, i64)> = db(tx
        .query_row(
            "SELECT MIN(artist), COUNT(*) FROM catalog_albums WHERE user_id = ?1 AND artist_id = ?2
             HAVING COUNT(*) > 0",
            [&user_text, id.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional())?;
    match row {
        None => {
            db(tx.execute(
                "DELETE FROM catalog_artists WHERE user_id = ?1 AND id = ?2",
                [&user_text, id.as_str()],
            ))?;
        }
        Some((name, count)) => {
            db(tx.execute(
                "INSERT INTO catalog_artists (user_id, id, name, sort_name, album_count)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (user_id, id) DO UPDATE SET name = excluded.name,
                    sort_name = excluded.sort_name, album_count = excluded.album_count",
                params![user_text, id.as_str(), name, sort_name(&name), count],
            ))?;
        }
    }
    Ok(())
}

// --- reading ---

const SONG_COLUMNS: &str = "s.track_id, s.title, s.artist, s.album, s.album_id, s.album_artist,
    s.artist_id, s.genre, s.year, s.track_no, s.disc_no, s.duration_ms, s.composer, s.comment,
    s.format, s.size, s.hash, s.added_at, m.starred_at, m.rating, COALESCE(m.play_count, 0), m.played_at,
    s.artwork, s.replaygain";

/// The songs of `s`, with their marks.
const SONGS_FROM: &str = "catalog_songs s LEFT JOIN catalog_marks m
    ON m.user_id = s.user_id AND m.kind = 'song' AND m.item_id = s.track_id";

fn song(r: &Row<'_>) -> rusqlite::Result<Song> {
    let id: String = r.get(0)?;
    let hash: String = r.get(16)?;
    Ok(Song {
        id: TrackId(uuid::Uuid::parse_str(&id).unwrap_or_default()),
        title: r.get(1)?,
        artist: r.get(2)?,
        album: r.get(3)?,
        album_id: AlbumId::stored(r.get(4)?),
        album_artist: r.get(5)?,
        artist_id: ArtistId::stored(r.get(6)?),
        genre: r.get(7)?,
        year: r.get(8)?,
        track_number: r.get(9)?,
        disc_number: r.get(10)?,
        duration_ms: r.get::<_, Option<i64>>(11)?.map(to_u64),
        composer: r.get(12)?,
        comment: r.get(13)?,
        format: r.get(14)?,
        size: to_u64(r.get(15)?),
        hash: parse_hash(hash).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(16, rusqlite::types::Type::Text, e.into())
        })?,
        added_at: r.get(17)?,
        stats: stats(r, 18)?,
        artwork: stored_hash(r, 22)?,
        // Written from parsed tags; a value that does not parse is as good as none.
        replaygain: r
            .get::<_, Option<String>>(23)?
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default(),
    })
}

fn stats(r: &Row<'_>, first: usize) -> rusqlite::Result<Stats> {
    Ok(Stats {
        starred_at: r.get(first)?,
        rating: r
            .get::<_, Option<i64>>(first + 1)?
            .map(|v| v.clamp(0, 5) as u8),
        play_count: to_u64(r.get(first + 2)?),
        played_at: r.get(first + 3)?,
    })
}

const ALBUM_COLUMNS: &str = "a.id, a.name, a.artist, a.artist_id, a.year, a.genre, a.song_count,
    a.duration_ms, a.added_at, a.cover_song, m.starred_at, m.rating, COALESCE(m.play_count, 0), m.played_at,
    a.cover";

const ALBUMS_FROM: &str = "catalog_albums a LEFT JOIN catalog_marks m
    ON m.user_id = a.user_id AND m.kind = 'album' AND m.item_id = a.id";

fn album(r: &Row<'_>) -> rusqlite::Result<Album> {
    Ok(Album {
        id: AlbumId::stored(r.get(0)?),
        name: r.get(1)?,
        artist: r.get(2)?,
        artist_id: ArtistId::stored(r.get(3)?),
        year: r.get(4)?,
        genre: r.get(5)?,
        song_count: r.get(6)?,
        duration_ms: to_u64(r.get(7)?),
        added_at: r.get(8)?,
        cover_song: r
            .get::<_, Option<String>>(9)?
            .and_then(|id| uuid::Uuid::parse_str(&id).ok())
            .map(TrackId),
        stats: stats(r, 10)?,
        cover: stored_hash(r, 14)?,
    })
}

/// An optional hash column.
fn stored_hash(r: &Row<'_>, index: usize) -> rusqlite::Result<Option<BlobHash>> {
    r.get::<_, Option<String>>(index)?
        .map(|text| {
            parse_hash(text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    index,
                    rusqlite::types::Type::Text,
                    e.into(),
                )
            })
        })
        .transpose()
}

const ARTIST_COLUMNS: &str = "r.id, r.name, r.sort_name, r.album_count, m.starred_at, m.rating, COALESCE(m.play_count, 0), m.played_at";

const ARTISTS_FROM: &str = "catalog_artists r LEFT JOIN catalog_marks m
    ON m.user_id = r.user_id AND m.kind = 'artist' AND m.item_id = r.id";

fn artist(r: &Row<'_>) -> rusqlite::Result<Artist> {
    Ok(Artist {
        id: ArtistId::stored(r.get(0)?),
        name: r.get(1)?,
        sort_name: r.get(2)?,
        album_count: r.get(3)?,
        stats: stats(r, 4)?,
    })
}

fn collect<T>(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
    map: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    let mut stmt = db(conn.prepare_cached(sql))?;
    let rows = db(stmt.query_map(params, map))?;
    db(rows.collect())
}

pub(super) fn artists(conn: &Connection, user: UserId) -> Result<Vec<Artist>> {
    // The whole index, with the artists' marks read in one pass and matched here: a marks
    // lookup per artist cost more than the list itself (5 ms of 2,500 artists, against 2.7).
    let user_text = user.0.to_string();
    let mut marks: std::collections::HashMap<String, Stats> = collect(
        conn,
        "SELECT item_id, starred_at, rating, play_count, played_at FROM catalog_marks
         WHERE user_id = ?1 AND kind = 'artist'",
        [&user_text],
        |r| Ok((r.get(0)?, stats(r, 1)?)),
    )?
    .into_iter()
    .collect();
    let mut list = collect(
        conn,
        "SELECT r.id, r.name, r.sort_name, r.album_count, NULL, NULL, 0, NULL
         FROM catalog_artists r WHERE r.user_id = ?1 ORDER BY r.sort_name",
        [&user_text],
        artist,
    )?;
    for one in &mut list {
        if let Some(stats) = marks.remove(one.id.as_str()) {
            one.stats = stats;
        }
    }
    Ok(list)
}

pub(super) fn artist_with_albums(
    conn: &Connection,
    user: UserId,
    id: &ArtistId,
) -> Result<Option<(Artist, Vec<Album>)>> {
    let found = collect(
        conn,
        &format!("SELECT {ARTIST_COLUMNS} FROM {ARTISTS_FROM} WHERE r.user_id = ?1 AND r.id = ?2"),
        [user.0.to_string(), id.to_string()],
        artist,
    )?;
    let Some(found) = found.into_iter().next() else {
        return Ok(None);
    };
    let albums = collect(
        conn,
        &format!(
            "SELECT {ALBUM_COLUMNS} FROM {ALBUMS_FROM} WHERE a.user_id = ?1 AND a.artist_id = ?2
             ORDER BY a.year, a.sort_name"
        ),
        [user.0.to_string(), id.to_string()],
        album,
    )?;
    Ok(Some((found, albums)))
}

pub(super) fn album_with_songs(
    conn: &Connection,
    user: UserId,
    id: &AlbumId,
) -> Result<Option<(Album, Vec<Song>)>> {
    let found = collect(
        conn,
        &format!("SELECT {ALBUM_COLUMNS} FROM {ALBUMS_FROM} WHERE a.user_id = ?1 AND a.id = ?2"),
        [user.0.to_string(), id.to_string()],
        album,
    )?;
    let Some(found) = found.into_iter().next() else {
        return Ok(None);
    };
    let songs = collect(
        conn,
        &format!(
            "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = ?1 AND s.album_id = ?2
             ORDER BY s.disc_no, s.track_no, s.sort_title"
        ),
        [user.0.to_string(), id.to_string()],
        song,
    )?;
    Ok(Some((found, songs)))
}

/// A page of rows read in two steps: `inner` picks the page (`pk`, the row id, and the sort
/// keys it orders by, `k0`, `k1`...) from indexes where it can, then the columns and marks are
/// read for those rows only, in `order`. `OFFSET` steps over every row before the page, and
/// reading each one's columns and marks (and sorting them) made a deep page cost 20-35 ms of
/// 8,000 albums, 0.5 s of 100,000 songs; stepping over index entries costs a few. The rows
/// are the user's (`?1`); `CROSS JOIN` keeps the page the outer loop (with a join SQLite may
/// choose to walk all the user's rows by their index and look each up in the page instead).
fn paged(columns: &str, (table, alias, kind, id): Marked, inner: &str, order: &str) -> String {
    format!(
        "SELECT {columns} FROM ({inner}) page CROSS JOIN {table} {alias} ON {alias}.rowid = page.pk
         LEFT JOIN catalog_marks m ON m.user_id = {alias}.user_id AND m.kind = '{kind}'
            AND m.item_id = {alias}.{id}
         WHERE {alias}.user_id = ?1
         ORDER BY {order}"
    )
}

/// A table with marks: its name, its alias, the kind of its marks and its id column.
type Marked = (&'static str, &'static str, &'static str, &'static str);
const SONG_TABLE: Marked = ("catalog_songs", "s", "song", "track_id");
const ALBUM_TABLE: Marked = ("catalog_albums", "a", "album", "id");
const ARTIST_TABLE: Marked = ("catalog_artists", "r", "artist", "id");

/// The inner query of [`paged`] and the outer order for sort keys `keys` (expressions, and
/// whether descending), ties broken by row id.
fn keyed(alias: &str, from: &str, filter: &str, keys: &[(&str, bool)]) -> (String, String) {
    let direction = |descending: bool| if descending { " DESC" } else { "" };
    let mut select = format!("{alias}.rowid AS pk");
    let mut inner_order = String::new();
    let mut outer_order = String::new();
    for (index, (expression, descending)) in keys.iter().enumerate() {
        select.push_str(&format!(", {expression} AS k{index}"));
        inner_order.push_str(&format!("{expression}{}, ", direction(*descending)));
        outer_order.push_str(&format!("page.k{index}{}, ", direction(*descending)));
    }
    (
        format!(
            "SELECT {select} FROM {from} WHERE {alias}.user_id = ?1{filter}
             ORDER BY {inner_order}{alias}.rowid LIMIT ?2 OFFSET ?3"
        ),
        format!("{outer_order}page.pk"),
    )
}

pub(super) fn albums(
    conn: &Connection,
    user: UserId,
    order: &AlbumOrder,
    page: Page,
) -> Result<Vec<Album>> {
    use rusqlite::types::Value;
    let mut values = vec![
        Value::from(user.0.to_string()),
        Value::from(page.size),
        Value::from(page.offset),
    ];
    let plan = album_list_plan(order);
    let filter = match plan.filter {
        AlbumFilter::All => "",
        AlbumFilter::Marks(condition) => condition,
        AlbumFilter::Years(from, to) => {
            values.push(Value::from(from));
            values.push(Value::from(to));
            " AND a.year BETWEEN ?4 AND ?5"
        }
        AlbumFilter::Genre(genre) => {
            values.push(Value::from(genre.to_owned()));
            " AND a.genre = ?4 COLLATE NOCASE"
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
        conn,
        &paged(ALBUM_COLUMNS, ALBUM_TABLE, &inner, &order),
        rusqlite::params_from_iter(values),
        album,
    )
}

pub(super) fn songs(conn: &Connection, user: UserId, ids: &[TrackId]) -> Result<Vec<Song>> {
    let sql =
        format!("SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = ?1 AND s.track_id = ?2");
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        found.extend(collect(
            conn,
            &sql,
            [user.0.to_string(), id.to_string()],
            song,
        )?);
    }
    Ok(found)
}

pub(super) fn random_songs(
    conn: &Connection,
    user: UserId,
    size: u32,
    genre: Option<&str>,
    years: (Option<i32>, Option<i32>),
) -> Result<Vec<Song>> {
    collect(
        conn,
        &format!(
            "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = ?1
               AND (?3 IS NULL OR s.genre = ?3 COLLATE NOCASE)
               AND (?4 IS NULL OR s.year >= ?4) AND (?5 IS NULL OR s.year <= ?5)
             ORDER BY random() LIMIT ?2"
        ),
        params![
            user.0.to_string(),
            size.min(crate::catalog::MAX_PAGE),
            genre,
            years.0,
            years.1
        ],
        song,
    )
}

pub(super) fn songs_by_genre(
    conn: &Connection,
    user: UserId,
    genre: &str,
    page: Page,
) -> Result<Vec<Song>> {
    collect(
        conn,
        &format!(
            "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = ?1 AND s.genre = ?2 COLLATE NOCASE
             ORDER BY s.album_id, s.disc_no, s.track_no LIMIT ?3 OFFSET ?4"
        ),
        params![user.0.to_string(), genre, page.size, page.offset],
        song,
    )
}

/// The order of every song of a user: album artist, album, disc, track, title (ties by row).
/// Each key is a column of the `catalog_songs_in_order` index, so a page is picked from it.
const SONG_ORDER: &[(&str, bool)] = &[
    ("s.artist_sort", false),
    ("s.album_sort", false),
    ("s.album_id", false),
    ("s.disc_no", false),
    ("s.track_no", false),
    ("s.sort_title", false),
];

/// The query of a page of every song (user `?1`, size `?2`, offset `?3`).
fn all_songs_sql() -> String {
    let (inner, order) = keyed("s", "catalog_songs s", "", SONG_ORDER);
    paged(SONG_COLUMNS, SONG_TABLE, &inner, &order)
}

pub(super) fn all_songs(conn: &Connection, user: UserId, page: Page) -> Result<Vec<Song>> {
    if page.size == 0 {
        return Ok(Vec::new());
    }
    collect(
        conn,
        &all_songs_sql(),
        params![user.0.to_string(), page.size, page.offset],
        song,
    )
}

pub(super) fn song_count(conn: &Connection, user: UserId) -> Result<u64> {
    let count: i64 = db(conn
        .prepare_cached("SELECT COUNT(*) FROM catalog_songs WHERE user_id = ?1")
        .and_then(|mut stmt| stmt.query_row([user.0.to_string()], |r| r.get(0))))?;
    Ok(to_u64(count))
}

pub(super) fn top_songs(
    conn: &Connection,
    user: UserId,
    artist_name: &str,
    size: u32,
) -> Result<Vec<Song>> {
    let id = ArtistId::of(artist_name);
    collect(
        conn,
        &format!(
            "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = ?1 AND s.artist_id = ?2
             ORDER BY COALESCE(m.play_count, 0) DESC, m.rating DESC, s.title LIMIT ?3"
        ),
        params![
            user.0.to_string(),
            id.as_str(),
            size.min(crate::catalog::MAX_PAGE)
        ],
        song,
    )
}

pub(super) fn genres(conn: &Connection, user: UserId) -> Result<Vec<Genre>> {
    collect(
        conn,
        "SELECT genre, COUNT(*), COUNT(DISTINCT album_id) FROM catalog_songs
         WHERE user_id = ?1 AND genre IS NOT NULL GROUP BY genre COLLATE NOCASE ORDER BY genre COLLATE NOCASE",
        [user.0.to_string()],
        |r| {
            Ok(Genre {
                name: r.get(0)?,
                song_count: r.get(1)?,
                album_count: r.get(2)?,
            })
        },
    )
}

/// The words of a query as an FTS5 expression: each a quoted prefix, all required, in any
/// column but the owner's (else "u" matched the owner token, and so every song of the user).
fn match_words(words: &[String]) -> String {
    let words = words
        .iter()
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ");
    format!("- owner : ({words})")
}

/// `LIKE` patterns for names whose words start with each of `words`, bound from `?first` on.
fn like_words(words: &[String], first: usize) -> (String, Vec<String>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    for word in words {
        let escaped = word
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        sql.push_str(&format!(
            " AND (' ' || {{column}}) LIKE ?{} ESCAPE '\\'",
            values.len() + first
        ));
        values.push(format!("% {escaped}%"));
    }
    (sql, values)
}

/// Matches of a search that are ranked (BM25); past this many, the page comes in index order.
/// BM25 scores every match before the best can be picked: a one-letter prefix matches a third
/// of a 100,000-song library (30,000 songs, 20 ms to score), where three letters match a few
/// thousand (2-3 ms, on top of about 4 ms a query pays for the weights of its words and of
/// the owner token, which every song has). The same trade as the desktop's search
/// (`RANKED_MATCHES` in tonearm-library): the next letter typed narrows it.
const RANKED_MATCHES: u32 = 3_000;

pub(super) fn search(conn: &Connection, user: UserId, search: &Search) -> Result<Found> {
    use rusqlite::types::Value;
    let words = search_words(&search.query);
    let user_text = user.0.to_string();
    // A page of the user's rows of `table` that pass `filter`, in the order of `keys` (see
    // [`keyed`] and [`paged`]); `extra` values are bound from ?4 on.
    let page_of = |(table, alias, kind, id): Marked,
                   columns: &str,
                   filter: &str,
                   keys: &[(&str, bool)],
                   extra: Vec<Value>,
                   page: Page| {
        let mut values = vec![
            Value::from(user_text.clone()),
            Value::from(page.size),
            Value::from(page.offset),
        ];
        values.extend(extra);
        let (inner, order) = keyed(alias, &format!("{table} {alias}"), filter, keys);
        (
            paged(columns, (table, alias, kind, id), &inner, &order),
            values,
        )
    };
    if words.is_empty() {
        // Everything, in a stable order, for clients that page through the whole library.
        let (sql, values) = page_of(
            ARTIST_TABLE,
            ARTIST_COLUMNS,
            "",
            &[("r.sort_name", false)],
            Vec::new(),
            search.artists,
        );
        let artists = page_collect(conn, search.artists, &sql, values, artist)?;
        let (sql, values) = page_of(
            ALBUM_TABLE,
            ALBUM_COLUMNS,
            "",
            &[("a.sort_name", false), ("a.id", false)],
            Vec::new(),
            search.albums,
        );
        let albums = page_collect(conn, search.albums, &sql, values, album)?;
        let (sql, values) = page_of(SONG_TABLE, SONG_COLUMNS, "", &[], Vec::new(), search.songs);
        let songs = page_collect(conn, search.songs, &sql, values, song)?;
        return Ok(Found {
            artists,
            albums,
            songs,
        });
    }
    let folded = words.join(" ");
    let named = |table: Marked, columns: &str, page: Page| {
        let alias = table.1;
        let (filter, mut values) = like_words(&words, 4);
        // Albums are found by their artist's name too ("sigur" finds Sigur Rós's albums).
        let column = if alias == "a" {
            "(a.sort_name || ' ' || a.artist_sort)".to_owned()
        } else {
            format!("{alias}.sort_name")
        };
        // The words are bound from ?4 on, after the user and the page.
        let filter = filter.replace("{column}", &column);
        let first = values.len() + 4;
        values.push(folded.clone());
        values.push(format!(
            "{}%",
            folded
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        ));
        let exact = format!("({alias}.sort_name = ?{first})");
        let prefix = format!("({alias}.sort_name LIKE ?{} ESCAPE '\\')", first + 1);
        let sort_name = format!("{alias}.sort_name");
        page_of(
            table,
            columns,
            &filter,
            &[(&exact, true), (&prefix, true), (&sort_name, false)],
            values.into_iter().map(Value::from).collect(),
            page,
        )
    };
    let (sql, values) = named(ARTIST_TABLE, ARTIST_COLUMNS, search.artists);
    let artists = page_collect(conn, search.artists, &sql, values, artist)?;
    let (sql, values) = named(ALBUM_TABLE, ALBUM_COLUMNS, search.albums);
    let albums = page_collect(conn, search.albums, &sql, values, album)?;
    if search.songs.size == 0 {
        return Ok(Found {
            artists,
            albums,
            songs: Vec::new(),
        });
    }
    let expression = format!("owner : \"{}\" AND {}", owner(user), match_words(&words));
    let matches: u32 = db(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM (SELECT 1 FROM catalog_search WHERE catalog_search MATCH ?1 LIMIT ?2)",
        )
        .and_then(|mut stmt| {
            stmt.query_row(params![expression, RANKED_MATCHES + 1], |r| r.get(0))
        }))?;
    // Title matches first (bm25 weights by column), then artist and album; equal scores in
    // the order the songs arrived (an album's songs together). The owner token keeps the
    // matches to the user's songs, so no song row is read before the page is chosen.
    // (Ordered outside the subquery: `ORDER BY` the score's alias in the same `SELECT` scored
    // every match twice.)
    let (score, order) = if matches <= RANKED_MATCHES {
        // The first column is the owner token, which ranks nothing.
        let weights: Vec<String> = SEARCH_WEIGHTS.iter().map(f64::to_string).collect();
        (
            format!("bm25(catalog_search, 0, {})", weights.join(", ")),
            "k0, pk",
        )
    } else {
        ("0".to_owned(), "pk")
    };
    let inner = format!(
        "SELECT pk, k0 FROM (SELECT rowid AS pk, {score} AS k0 FROM catalog_search
            WHERE catalog_search MATCH ?4)
         ORDER BY {order} LIMIT ?2 OFFSET ?3"
    );
    let songs = collect(
        conn,
        &paged(SONG_COLUMNS, SONG_TABLE, &inner, "page.k0, page.pk"),
        params![
            user_text,
            search.songs.size,
            search.songs.offset,
            expression
        ],
        song,
    )?;
    Ok(Found {
        artists,
        albums,
        songs,
    })
}

/// [`collect`] for a page that may be empty (a client asking for no artists, say).
fn page_collect<T>(
    conn: &Connection,
    page: Page,
    sql: &str,
    values: Vec<rusqlite::types::Value>,
    map: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>> {
    if page.size == 0 {
        return Ok(Vec::new());
    }
    collect(conn, sql, rusqlite::params_from_iter(values), map)
}

pub(super) fn starred(conn: &Connection, user: UserId) -> Result<Found> {
    let user_text = user.0.to_string();
    Ok(Found {
        artists: collect(
            conn,
            &format!(
                "SELECT {ARTIST_COLUMNS} FROM {ARTISTS_FROM} WHERE r.user_id = ?1 AND m.starred_at IS NOT NULL ORDER BY m.starred_at DESC"
            ),
            [&user_text],
            artist,
        )?,
        albums: collect(
            conn,
            &format!(
                "SELECT {ALBUM_COLUMNS} FROM {ALBUMS_FROM} WHERE a.user_id = ?1 AND m.starred_at IS NOT NULL ORDER BY m.starred_at DESC"
            ),
            [&user_text],
            album,
        )?,
        songs: collect(
            conn,
            &format!(
                "SELECT {SONG_COLUMNS} FROM {SONGS_FROM} WHERE s.user_id = ?1 AND m.starred_at IS NOT NULL ORDER BY m.starred_at DESC"
            ),
            [&user_text],
            song,
        )?,
    })
}

/// The kind and id of an item, if the user has it.
fn known(conn: &Connection, user: UserId, item: &Item) -> Result<Option<(&'static str, String)>> {
    let user_text = user.0.to_string();
    let (kind, id, sql) = match item {
        Item::Song(id) => (
            "song",
            id.to_string(),
            "SELECT 1 FROM catalog_songs WHERE user_id = ?1 AND track_id = ?2",
        ),
        Item::Album(id) => (
            "album",
            id.to_string(),
            "SELECT 1 FROM catalog_albums WHERE user_id = ?1 AND id = ?2",
        ),
        Item::Artist(id) => (
            "artist",
            id.to_string(),
            "SELECT 1 FROM catalog_artists WHERE user_id = ?1 AND id = ?2",
        ),
    };
    let exists = db(conn
        .query_row(sql, [&user_text, &id], |_| Ok(()))
        .optional())?
    .is_some();
    Ok(exists.then_some((kind, id)))
}

fn upsert_mark(tx: &Transaction<'_>, user: UserId, kind: &str, id: &str) -> Result<()> {
    db(tx.execute(
        "INSERT OR IGNORE INTO catalog_marks (user_id, kind, item_id) VALUES (?1, ?2, ?3)",
        params![user.0.to_string(), kind, id],
    ))?;
    Ok(())
}

/// Announces a song's marks in the change feed, as they are now.
fn announce_marks(tx: &Transaction<'_>, user: UserId, track: &str) -> Result<()> {
    if let Some(marks) = track_marks(tx, user, TrackId(parse_uuid(track)?))? {
        super::record_change(tx, user, |_| ChangeEvent::TrackMarks { marks })?;
    }
    Ok(())
}

/// A song's marks as the feed gives them.
pub(super) fn track_marks(
    conn: &Connection,
    user: UserId,
    track: TrackId,
) -> Result<Option<TrackMarks>> {
    let found = songs(conn, user, &[track])?;
    Ok(found.into_iter().next().map(|song| TrackMarks {
        track_id: song.id,
        play_count: song.stats.play_count,
        played_at: song.stats.played_at,
        rating: song.stats.rating,
        loved: song.stats.starred_at.is_some(),
    }))
}

pub(super) fn star(
    tx: &Transaction<'_>,
    user: UserId,
    items: &[Item],
    at: Option<i64>,
) -> Result<usize> {
    let mut done = 0;
    for item in items {
        let Some((kind, id)) = known(tx, user, item)? else {
            continue;
        };
        upsert_mark(tx, user, kind, &id)?;
        // Starred again keeps the first time; only a change is announced.
        let changed = db(tx.execute(
            "UPDATE catalog_marks SET starred_at = ?4 WHERE user_id = ?1 AND kind = ?2 AND item_id = ?3
               AND (starred_at IS NULL) <> (?4 IS NULL)",
            params![user.0.to_string(), kind, id, at],
        ))?;
        if changed > 0 && kind == "song" {
            announce_marks(tx, user, &id)?;
        }
        done += 1;
    }
    Ok(done)
}

pub(super) fn rate(tx: &Transaction<'_>, user: UserId, item: &Item, rating: u8) -> Result<bool> {
    let Some((kind, id)) = known(tx, user, item)? else {
        return Ok(false);
    };
    upsert_mark(tx, user, kind, &id)?;
    let rating = (rating > 0).then_some(i64::from(rating.min(5)));
    let changed = db(tx.execute(
        "UPDATE catalog_marks SET rating = ?4 WHERE user_id = ?1 AND kind = ?2 AND item_id = ?3
           AND rating IS NOT ?4",
        params![user.0.to_string(), kind, id, rating],
    ))?;
    if changed > 0 && kind == "song" {
        announce_marks(tx, user, &id)?;
    }
    Ok(true)
}

pub(super) fn record_plays(tx: &Transaction<'_>, user: UserId, plays: &[Play]) -> Result<usize> {
    let user_text = user.0.to_string();
    let mut counted = 0;
    for play in plays {
        let where_: Option<(String, String)> = db(tx
            .query_row(
                "SELECT album_id, artist_id FROM catalog_songs WHERE user_id = ?1 AND track_id = ?2",
                [&user_text, &play.track.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional())?;
        let Some((album, artist)) = where_ else {
            continue;
        };
        let new = db(tx.execute(
            "INSERT OR IGNORE INTO plays (user_id, id, track_id, played_at) VALUES (?1, ?2, ?3, ?4)",
            params![user_text, play.id, play.track.to_string(), play.played_at],
        ))?;
        if new == 0 {
            continue;
        }
        for (kind, id) in [
            ("song", play.track.to_string()),
            ("album", album),
            ("artist", artist),
        ] {
            upsert_mark(tx, user, kind, &id)?;
            db(tx.execute(
                "UPDATE catalog_marks SET play_count = play_count + 1,
                    played_at = MAX(COALESCE(played_at, 0), ?4)
                 WHERE user_id = ?1 AND kind = ?2 AND item_id = ?3",
                params![user_text, kind, id, play.played_at],
            ))?;
        }
        announce_marks(tx, user, &play.track.to_string())?;
        counted += 1;
    }
    Ok(counted)
}

pub(super) fn play_queue(conn: &Connection, user: UserId) -> Result<Option<PlayQueue>> {
    let row: Option<(String, Option<String>, i64, i64, String)> = db(conn
        .query_row(
            "SELECT entries, current, position_ms, changed_at, changed_by FROM play_queues WHERE user_id = ?1",
            [user.0.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional())?;
    let Some((entries, current, position, changed_at, changed_by)) = row else {
        return Ok(None);
    };
    let parse = |text: &str| uuid::Uuid::parse_str(text).ok().map(TrackId);
    let entries: Vec<String> = from_json(&entries)?;
    // Songs removed since the queue was saved are left out.
    let live = songs(
        conn,
        user,
        &entries.iter().filter_map(|e| parse(e)).collect::<Vec<_>>(),
    )?;
    Ok(Some(PlayQueue {
        entries: live.iter().map(|s| s.id).collect(),
        current: current.as_deref().and_then(parse),
        position_ms: to_u64(position),
        changed_at,
        changed_by,
    }))
}

pub(super) fn save_play_queue(tx: &Transaction<'_>, user: UserId, queue: &PlayQueue) -> Result<()> {
    let entries: Vec<String> = queue.entries.iter().map(ToString::to_string).collect();
    db(tx.execute(
        "INSERT OR REPLACE INTO play_queues (user_id, entries, current, position_ms, changed_at, changed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user.0.to_string(),
            serde_json::to_string(&entries).unwrap_or_default(),
            queue.current.map(|c| c.to_string()),
            to_i64(queue.position_ms),
            queue.changed_at,
            queue.changed_by,
        ],
    ))?;
    Ok(())
}

/// The user's uploaded cover `hash`.
fn owned_artwork(conn: &Connection, user: UserId, hash: &str) -> Result<Option<Artwork>> {
    let row: Option<(String, String, u32, u32, i64)> = db(conn
        .query_row(
            "SELECT a.hash, a.mime, a.width, a.height, a.size FROM artwork_owners o
             JOIN artwork a ON a.hash = o.hash WHERE o.user_id = ?1 AND o.hash = ?2",
            [user.0.to_string(), hash.to_owned()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional())?;
    row.map(|(hash, mime, width, height, size)| {
        Ok(Artwork {
            hash: parse_hash(hash)?,
            mime,
            width,
            height,
            size: to_u64(size),
        })
    })
    .transpose()
}

pub(super) fn cover(conn: &Connection, user: UserId, item: &Item) -> Result<Option<Artwork>> {
    let user_text = user.0.to_string();
    let (sql, id) = match item {
        Item::Song(id) => (
            "SELECT artwork FROM catalog_songs WHERE user_id = ?1 AND track_id = ?2",
            id.to_string(),
        ),
        Item::Album(id) => (
            "SELECT cover FROM catalog_albums WHERE user_id = ?1 AND id = ?2",
            id.to_string(),
        ),
        Item::Artist(id) => (
            "SELECT cover FROM catalog_albums WHERE user_id = ?1 AND artist_id = ?2
               AND cover IS NOT NULL ORDER BY year, sort_name LIMIT 1",
            id.to_string(),
        ),
    };
    let hash: Option<Option<String>> = db(conn
        .query_row(sql, [&user_text, &id], |r| r.get(0))
        .optional())?;
    match hash.flatten() {
        Some(hash) => owned_artwork(conn, user, &hash),
        None => Ok(None),
    }
}

pub(super) fn add_artwork(
    tx: &Transaction<'_>,
    user: UserId,
    artwork: &Artwork,
    now: i64,
) -> Result<()> {
    db(tx.execute(
        "INSERT OR IGNORE INTO artwork (hash, mime, width, height, size, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            artwork.hash.as_str(),
            artwork.mime,
            artwork.width,
            artwork.height,
            to_i64(artwork.size),
            now
        ],
    ))?;
    db(tx.execute(
        "INSERT OR IGNORE INTO artwork_owners (user_id, hash, created_at) VALUES (?1, ?2, ?3)",
        params![user.0.to_string(), artwork.hash.as_str(), now],
    ))?;
    Ok(())
}

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn artists(&self, user: UserId) -> Result<Vec<Artist>> {
        self.read(move |conn| artists(conn, user)).await
    }

    async fn artist(&self, user: UserId, id: &ArtistId) -> Result<Option<(Artist, Vec<Album>)>> {
        let id = id.clone();
        self.read(move |conn| artist_with_albums(conn, user, &id))
            .await
    }

    async fn album(&self, user: UserId, id: &AlbumId) -> Result<Option<(Album, Vec<Song>)>> {
        let id = id.clone();
        self.read(move |conn| album_with_songs(conn, user, &id))
            .await
    }

    async fn albums(&self, user: UserId, order: &AlbumOrder, page: Page) -> Result<Vec<Album>> {
        let order = order.clone();
        self.read(move |conn| albums(conn, user, &order, page))
            .await
    }

    async fn song(&self, user: UserId, id: TrackId) -> Result<Option<Song>> {
        self.read(move |conn| Ok(songs(conn, user, &[id])?.into_iter().next()))
            .await
    }

    async fn songs(&self, user: UserId, ids: &[TrackId]) -> Result<Vec<Song>> {
        let ids = ids.to_vec();
        self.read(move |conn| songs(conn, user, &ids)).await
    }

    async fn random_songs(
        &self,
        user: UserId,
        size: u32,
        genre: Option<&str>,
        years: (Option<i32>, Option<i32>),
    ) -> Result<Vec<Song>> {
        let genre = genre.map(str::to_owned);
        self.read(move |conn| random_songs(conn, user, size, genre.as_deref(), years))
            .await
    }

    async fn songs_by_genre(&self, user: UserId, genre: &str, page: Page) -> Result<Vec<Song>> {
        let genre = genre.to_owned();
        self.read(move |conn| songs_by_genre(conn, user, &genre, page))
            .await
    }

    async fn all_songs(&self, user: UserId, page: Page) -> Result<Vec<Song>> {
        self.read(move |conn| all_songs(conn, user, page)).await
    }

    async fn song_count(&self, user: UserId) -> Result<u64> {
        self.read(move |conn| song_count(conn, user)).await
    }

    async fn top_songs(&self, user: UserId, artist: &str, size: u32) -> Result<Vec<Song>> {
        let artist = artist.to_owned();
        self.read(move |conn| top_songs(conn, user, &artist, size))
            .await
    }

    async fn genres(&self, user: UserId) -> Result<Vec<Genre>> {
        self.read(move |conn| genres(conn, user)).await
    }

    async fn search(&self, user: UserId, query: &Search) -> Result<Found> {
        let query = query.clone();
        self.read(move |conn| self::search(conn, user, &query))
            .await
    }

    async fn starred(&self, user: UserId) -> Result<Found> {
        self.read(move |conn| starred(conn, user)).await
    }

    async fn star(&self, user: UserId, items: &[Item], at: Option<i64>) -> Result<usize> {
        let items = items.to_vec();
        self.tx("starring", move |tx| star(tx, user, &items, at))
            .await
    }

    async fn rate(&self, user: UserId, item: &Item, rating: u8) -> Result<bool> {
        let item = item.clone();
        self.tx("rating", move |tx| rate(tx, user, &item, rating))
            .await
    }

    async fn record_plays(&self, user: UserId, plays: &[Play]) -> Result<usize> {
        let plays = plays.to_vec();
        self.tx("recording plays", move |tx| record_plays(tx, user, &plays))
            .await
    }

    async fn play_queue(&self, user: UserId) -> Result<Option<PlayQueue>> {
        self.read(move |conn| play_queue(conn, user)).await
    }

    async fn save_play_queue(&self, user: UserId, queue: &PlayQueue) -> Result<()> {
        let queue = queue.clone();
        self.tx("saving the play queue", move |tx| {
            save_play_queue(tx, user, &queue)
        })
        .await
    }

    async fn cover(&self, user: UserId, item: &Item) -> Result<Option<Artwork>> {
        let item = item.clone();
        self.read(move |conn| cover(conn, user, &item)).await
    }

    async fn add_artwork(&self, user: UserId, artwork: &Artwork) -> Result<()> {
        let artwork = artwork.clone();
        self.tx("recording a cover", move |tx| {
            add_artwork(tx, user, &artwork, super::now_seconds())
        })
        .await
    }

    async fn artwork(&self, user: UserId, hash: &BlobHash) -> Result<Option<Artwork>> {
        let hash = hash.to_string();
        self.read(move |conn| owned_artwork(conn, user, &hash))
            .await
    }

    async fn track_marks(&self, user: UserId, track: TrackId) -> Result<Option<TrackMarks>> {
        self.read(move |conn| track_marks(conn, user, track)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How SQLite runs `sql`: the details of its query plan, one line each.
    fn plan(conn: &Connection, sql: &str) -> Vec<String> {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map(params!["user", 500, 99_500], |r| r.get::<_, String>(3))
            .unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    /// A page of every song, at any offset, is picked by stepping through one index (no row
    /// read, nothing sorted) before its 500 rows are read: what keeps the page at offset 99,500
    /// of 100,000 songs fast. Checked on a database migrated from nothing, as every server's
    /// is.
    #[tokio::test]
    async fn every_song_is_paged_from_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("meta.db");
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let (inner, _) = keyed("s", "catalog_songs s", "", SONG_ORDER);
        let steps = plan(&conn, &inner);
        assert!(
            steps
                .iter()
                .any(|step| step.contains("COVERING INDEX catalog_songs_in_order")),
            "{steps:?}"
        );
        assert!(
            !steps.iter().any(|step| step.contains("TEMP B-TREE")),
            "{steps:?}"
        );
        // The whole query reads the page's rows by row id.
        let steps = plan(&conn, &all_songs_sql());
        assert!(
            steps
                .iter()
                .any(|step| step.contains("SEARCH s USING INTEGER PRIMARY KEY")),
            "{steps:?}"
        );
    }
}
