-- Tonearm library schema, version 1. Frozen once released: change the schema with a new file.

CREATE TABLE folders (
    id          INTEGER PRIMARY KEY,
    path        BLOB NOT NULL UNIQUE,   -- OS path bytes (non-UTF-8 names survive)
    added_at    INTEGER NOT NULL,       -- unix ms
    scanned_at  INTEGER                 -- unix ms of the last complete scan
);

CREATE TABLE artwork (
    id      TEXT PRIMARY KEY,           -- BLAKE3 hex of the bytes
    mime    TEXT NOT NULL,
    width   INTEGER,
    height  INTEGER,
    bytes   BLOB NOT NULL
);

CREATE TABLE tracks (
    pk              INTEGER PRIMARY KEY,    -- rowid, joins the search index
    id              TEXT NOT NULL UNIQUE,   -- TrackId (UUID)
    folder_id       INTEGER REFERENCES folders(id) ON DELETE SET NULL,
    path            BLOB NOT NULL UNIQUE,
    path_text       TEXT NOT NULL,          -- lossy, for display and M3U
    size            INTEGER NOT NULL,
    mtime_ms        INTEGER NOT NULL,
    format          TEXT NOT NULL,          -- container: mp3, flac, ogg, opus, m4a, wav, aiff, wv
    codec           TEXT,
    duration_ms     INTEGER,
    bitrate         INTEGER,                -- kbit/s
    sample_rate     INTEGER,
    channels        INTEGER,
    bit_depth       INTEGER,
    title           TEXT NOT NULL,          -- file stem when untagged
    artist          TEXT,                   -- display form of the artists
    album           TEXT,
    album_artist    TEXT,
    track_no        INTEGER,
    track_total     INTEGER,
    disc_no         INTEGER,
    disc_total      INTEGER,
    year            INTEGER,
    date            TEXT,
    genre           TEXT,                   -- display form of the genres
    composer        TEXT,
    compilation     INTEGER NOT NULL DEFAULT 0,
    mb_recording_id TEXT,
    mb_track_id     TEXT,
    mb_album_id     TEXT,
    mb_artist_id    TEXT,
    mb_album_artist_id TEXT,
    rg_track_gain   REAL,
    rg_track_peak   REAL,
    rg_album_gain   REAL,
    rg_album_peak   REAL,
    artwork_id      TEXT REFERENCES artwork(id),
    play_count      INTEGER NOT NULL DEFAULT 0,
    last_played_at  INTEGER,
    rating          INTEGER,                -- 0..=100
    added_at        INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    state           TEXT NOT NULL DEFAULT 'present' CHECK (state IN ('present', 'missing', 'unreadable')),
    state_reason    TEXT,
    fingerprint     TEXT NOT NULL,          -- size + properties + tags: recognises a moved file
    sort_title      TEXT NOT NULL,
    sort_artist     TEXT NOT NULL,
    sort_album      TEXT NOT NULL,
    album_key       TEXT NOT NULL           -- groups tracks into albums
);
CREATE INDEX tracks_folder ON tracks(folder_id);
CREATE INDEX tracks_fingerprint ON tracks(fingerprint);
CREATE INDEX tracks_sort_title ON tracks(sort_title, pk);
CREATE INDEX tracks_sort_artist ON tracks(sort_artist, sort_album, disc_no, track_no, pk);
CREATE INDEX tracks_sort_album ON tracks(sort_album, disc_no, track_no, pk);
CREATE INDEX tracks_added ON tracks(added_at, pk);
CREATE INDEX tracks_year ON tracks(year, pk);
CREATE INDEX tracks_album_key ON tracks(album_key, disc_no, track_no);

-- Multi-valued fields, in tag order. role: artist | album_artist | composer | genre
CREATE TABLE track_names (
    track_pk    INTEGER NOT NULL REFERENCES tracks(pk) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    sort_name   TEXT NOT NULL,
    PRIMARY KEY (track_pk, role, position)
) WITHOUT ROWID;
CREATE INDEX track_names_by_name ON track_names(role, sort_name);

-- Tags that have no column, kept so nothing the user wrote is lost.
CREATE TABLE track_tags (
    track_pk    INTEGER NOT NULL REFERENCES tracks(pk) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL
);
CREATE INDEX track_tags_track ON track_tags(track_pk);

-- Full-text index over the searchable fields; rowid = tracks.pk.
CREATE VIRTUAL TABLE track_search USING fts5(
    title, artist, album, album_artist, genre, composer,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- Summaries for the browse views, rebuilt after each batch of changes.
CREATE TABLE albums (
    album_key     TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    artist        TEXT NOT NULL,
    sort_title    TEXT NOT NULL,
    sort_artist   TEXT NOT NULL,
    year          INTEGER,
    track_count   INTEGER NOT NULL,
    duration_ms   INTEGER NOT NULL,
    artwork_id    TEXT,
    compilation   INTEGER NOT NULL
);
CREATE INDEX albums_sort ON albums(sort_title);
CREATE INDEX albums_artist ON albums(sort_artist, year);

-- Artists (role 'artist' and 'album_artist' merged as 'artist') and genres, with counts.
CREATE TABLE name_summaries (
    kind          TEXT NOT NULL,      -- artist | genre
    sort_name     TEXT NOT NULL,
    name          TEXT NOT NULL,
    track_count   INTEGER NOT NULL,
    album_count   INTEGER NOT NULL,
    duration_ms   INTEGER NOT NULL,
    PRIMARY KEY (kind, sort_name)
) WITHOUT ROWID;

CREATE TABLE playlists (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE playlist_entries (
    id          TEXT PRIMARY KEY,
    playlist_id TEXT NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
    track_id    TEXT NOT NULL,      -- TrackId; survives the track going missing
    position    TEXT NOT NULL,      -- fractional index key, sorts as bytes
    added_at    INTEGER NOT NULL
);
CREATE INDEX playlist_entries_order ON playlist_entries(playlist_id, position, id);
