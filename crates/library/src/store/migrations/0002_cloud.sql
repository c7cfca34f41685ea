-- Cloud sync: tracks that live only in the cloud, the upload queue, the stream cache, the
-- feed position and the playlist edits waiting to be sent.

-- Cloud-only tracks are rows of `tracks` too, so every list, search, album and playlist sees
-- them: `path` becomes optional and `state` gains 'cloud'. SQLite cannot change constraints
-- in place, so the table is rebuilt with the same rowids (the search index and the rows that
-- refer to tracks stay valid; foreign keys are off while migrations run).
CREATE TABLE tracks_v2 (
    pk              INTEGER PRIMARY KEY,    -- rowid, joins the search index
    id              TEXT NOT NULL UNIQUE,   -- TrackId (UUID)
    folder_id       INTEGER REFERENCES folders(id) ON DELETE SET NULL,
    path            BLOB UNIQUE,            -- NULL: the track is only in the cloud
    path_text       TEXT NOT NULL,          -- lossy, for display and M3U; '' when cloud-only
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
    state           TEXT NOT NULL DEFAULT 'present' CHECK (state IN ('present', 'missing', 'unreadable', 'cloud')),
    state_reason    TEXT,
    fingerprint     TEXT NOT NULL,          -- size + properties + tags: recognises a moved file
    sort_title      TEXT NOT NULL,
    sort_artist     TEXT NOT NULL,
    sort_album      TEXT NOT NULL,
    album_key       TEXT NOT NULL           -- groups tracks into albums
);

INSERT INTO tracks_v2 SELECT * FROM tracks;
DROP TABLE tracks;
ALTER TABLE tracks_v2 RENAME TO tracks;
CREATE INDEX tracks_folder ON tracks(folder_id);
CREATE INDEX tracks_fingerprint ON tracks(fingerprint);
CREATE INDEX tracks_sort_title ON tracks(sort_title, pk);
CREATE INDEX tracks_sort_artist ON tracks(sort_artist, sort_album, disc_no, track_no, pk);
CREATE INDEX tracks_sort_album ON tracks(sort_album, disc_no, track_no, pk);
CREATE INDEX tracks_added ON tracks(added_at, pk);
CREATE INDEX tracks_year ON tracks(year, pk);
CREATE INDEX tracks_album_key ON tracks(album_key, disc_no, track_no);

-- Each track's place in the cloud: the upload queue (persisted, so it survives restarts) and
-- what the cloud holds. One row per track that was ever queued or seen in the cloud.
CREATE TABLE cloud_tracks (
    track_pk      INTEGER PRIMARY KEY REFERENCES tracks(pk) ON DELETE CASCADE,
    state         TEXT NOT NULL CHECK (state IN ('local_only', 'queued', 'hashing', 'matching',
                      'uploading', 'verifying', 'in_cloud', 'paused', 'failed')),
    blake3        TEXT,               -- whole-file hash, once computed
    hashed_size   INTEGER,            -- the size and mtime the hash was computed for: a file
    hashed_mtime  INTEGER,            -- changed since is hashed again, never uploaded stale
    bytes_done    INTEGER NOT NULL DEFAULT 0,
    bytes_total   INTEGER NOT NULL DEFAULT 0,
    upload_url    TEXT,               -- the tus upload to resume
    error         TEXT,               -- why the last attempt failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_retry_at INTEGER,            -- unix ms; a failed upload waits until then
    in_cloud      INTEGER NOT NULL DEFAULT 0,  -- the cloud has a track with this id
    revision      INTEGER,            -- the cloud's change number of the state applied here
    metadata_sent TEXT,               -- the metadata the cloud has, as JSON (edits resend it)
    updated_at    INTEGER NOT NULL
);
CREATE INDEX cloud_tracks_state ON cloud_tracks(state, next_retry_at);
CREATE INDEX cloud_tracks_blake3 ON cloud_tracks(blake3);

-- Streamed audio kept on disk, by content: how much is there, pinned ("keep offline") or not,
-- and when it was last played (the least recently used goes first when over budget).
CREATE TABLE stream_cache (
    blake3     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    cached     INTEGER NOT NULL DEFAULT 0,
    pinned     INTEGER NOT NULL DEFAULT 0,
    last_used  INTEGER NOT NULL
);

-- Small facts about the cloud: the change feed position, the account.
CREATE TABLE sync_values (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Playlist edits made here and not yet sent to the cloud, in the order they were made.
CREATE TABLE playlist_ops (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id       TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('create', 'rename', 'delete', 'add', 'remove', 'move')),
    playlist_id TEXT,
    entry_id    TEXT,
    track_id    TEXT,
    name        TEXT,
    position    TEXT
);
