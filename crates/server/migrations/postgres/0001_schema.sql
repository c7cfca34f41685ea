-- The whole schema the SQLite store reaches through its migrations, in one step: a PostgreSQL
-- database starts empty, so none of SQLite's repairs apply.
--
-- Types: ids minted as UUIDs are `uuid`; numbers are BIGINT (years INTEGER); tombstones are
-- BOOLEAN; metadata and feed events are the same JSON text SQLite keeps. Every text column is
-- COLLATE "C": lists sort by bytes, as SQLite's BINARY does, whatever the database's locale
-- (a locale order would put playlist position "B" after "a"). Indexes that hold a list's whole
-- order spell out SQLite's NULL order (first when ascending), which the queries ask for.

CREATE TABLE users (
    id UUID PRIMARY KEY,
    username TEXT COLLATE "C" NOT NULL UNIQUE,
    password_hash TEXT COLLATE "C" NOT NULL,
    sealed_password TEXT COLLATE "C",
    created_at BIGINT NOT NULL,
    -- The last change-feed sequence number; write transactions lock this row first.
    last_seq BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device TEXT COLLATE "C" NOT NULL,
    token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE api_keys (
    id TEXT COLLATE "C" PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT COLLATE "C" NOT NULL,
    key_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX api_keys_by_user ON api_keys(user_id);

CREATE TABLE blobs (
    hash TEXT COLLATE "C" PRIMARY KEY,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE blob_owners (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT COLLATE "C" NOT NULL REFERENCES blobs(hash),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, hash)
);
CREATE INDEX blob_owners_by_hash ON blob_owners(hash);

CREATE TABLE uploads (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    length BIGINT NOT NULL,
    upload_offset BIGINT NOT NULL,
    declared_hash TEXT COLLATE "C",
    metadata TEXT COLLATE "C",
    completed_hash TEXT COLLATE "C",
    updated_at BIGINT NOT NULL
);
-- The unfinished uploads of a user (limits, usage) and of a hash (garbage collection).
CREATE INDEX uploads_open_by_user ON uploads(user_id) WHERE completed_hash IS NULL;
CREATE INDEX uploads_open_by_hash ON uploads(declared_hash) WHERE completed_hash IS NULL;
CREATE INDEX uploads_by_age ON uploads(updated_at);

CREATE TABLE upload_parts (
    upload_id UUID NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    end_offset BIGINT NOT NULL,
    object_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);

CREATE TABLE challenges (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT COLLATE "C" NOT NULL,
    nonce BYTEA NOT NULL,
    ranges TEXT COLLATE "C" NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX challenges_by_expiry ON challenges(expires_at);

CREATE TABLE tracks (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id UUID NOT NULL,
    hash TEXT COLLATE "C" NOT NULL,
    size BIGINT NOT NULL,
    metadata TEXT COLLATE "C" NOT NULL,
    revision BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX tracks_by_hash ON tracks(user_id, hash);
CREATE INDEX tracks_by_revision ON tracks(user_id, revision);

CREATE TABLE playlists (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id UUID NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, id)
);

CREATE TABLE playlist_entries (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id UUID NOT NULL,
    playlist_id UUID NOT NULL,
    track_id UUID NOT NULL,
    position TEXT COLLATE "C" NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX playlist_entries_in_order ON playlist_entries(user_id, playlist_id, position, id);

CREATE TABLE applied_ops (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    op_id UUID NOT NULL,
    PRIMARY KEY (user_id, op_id)
);

CREATE TABLE changes (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    event TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, seq)
);

CREATE TABLE server_secrets (
    name TEXT COLLATE "C" PRIMARY KEY,
    secret TEXT COLLATE "C" NOT NULL
);

-- The login throttle's counters (`crate::throttle`), shared by every replica. Keys are hashes.
CREATE TABLE login_throttle (
    key TEXT COLLATE "C" PRIMARY KEY,
    level DOUBLE PRECISION NOT NULL,
    at_ms BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_throttle_by_expiry ON login_throttle(expires_at);

-- The catalog (`crate::catalog`): derived from the live tracks in the transaction that changes
-- them. `pk` orders rows as SQLite's row ids do (ties of every list are broken by it).
CREATE TABLE catalog_songs (
    pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    track_id UUID NOT NULL,
    title TEXT COLLATE "C" NOT NULL,
    sort_title TEXT COLLATE "C" NOT NULL,
    artist TEXT COLLATE "C",
    album TEXT COLLATE "C" NOT NULL,
    album_id TEXT COLLATE "C" NOT NULL,
    album_artist TEXT COLLATE "C" NOT NULL,
    artist_id TEXT COLLATE "C" NOT NULL,
    genre TEXT COLLATE "C",
    year INTEGER,
    track_no BIGINT,
    disc_no BIGINT,
    duration_ms BIGINT,
    composer TEXT COLLATE "C",
    comment TEXT COLLATE "C",
    artwork TEXT COLLATE "C",
    format TEXT COLLATE "C" NOT NULL,
    size BIGINT NOT NULL,
    hash TEXT COLLATE "C" NOT NULL,
    added_at BIGINT NOT NULL,
    artist_sort TEXT COLLATE "C" NOT NULL,
    album_sort TEXT COLLATE "C" NOT NULL,
    replaygain TEXT COLLATE "C",
    -- Search: the folded fields (title, artist, album, album artist, genre, composer) that
    -- ranking reads, their words as lexemes with the owner's (`#u` and the user id, which no
    -- query word can match) for the index, and how many words the row has (bm25's length).
    search_fields TEXT[] NOT NULL,
    search TSVECTOR NOT NULL,
    search_length INTEGER NOT NULL,
    UNIQUE (user_id, track_id)
);
CREATE INDEX catalog_songs_by_user ON catalog_songs(user_id) INCLUDE (search_length);
CREATE INDEX catalog_songs_by_album
    ON catalog_songs(user_id, album_id, disc_no NULLS FIRST, track_no NULLS FIRST);
CREATE INDEX catalog_songs_in_order ON catalog_songs(user_id, artist_sort NULLS FIRST,
    album_sort NULLS FIRST, album_id NULLS FIRST, disc_no NULLS FIRST, track_no NULLS FIRST,
    sort_title NULLS FIRST, pk);
CREATE INDEX catalog_songs_by_genre ON catalog_songs(user_id, lower(genre));
CREATE INDEX catalog_songs_by_artist ON catalog_songs(user_id, artist_id);
CREATE INDEX catalog_songs_search ON catalog_songs USING GIN (search);

CREATE TABLE catalog_albums (
    pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    sort_name TEXT COLLATE "C" NOT NULL,
    artist TEXT COLLATE "C" NOT NULL,
    artist_sort TEXT COLLATE "C" NOT NULL,
    artist_id TEXT COLLATE "C" NOT NULL,
    year INTEGER,
    genre TEXT COLLATE "C",
    song_count BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    added_at BIGINT NOT NULL,
    cover_song UUID,
    cover TEXT COLLATE "C",
    UNIQUE (user_id, id)
);
CREATE INDEX catalog_albums_by_name
    ON catalog_albums(user_id, sort_name NULLS FIRST, artist_sort NULLS FIRST, pk);
CREATE INDEX catalog_albums_by_artist_name
    ON catalog_albums(user_id, artist_sort NULLS FIRST, sort_name NULLS FIRST, pk);
CREATE INDEX catalog_albums_by_added
    ON catalog_albums(user_id, added_at DESC NULLS LAST, sort_name NULLS FIRST, pk);
CREATE INDEX catalog_albums_by_year ON catalog_albums(user_id, year);
CREATE INDEX catalog_albums_by_genre ON catalog_albums(user_id, lower(genre));
CREATE INDEX catalog_albums_by_artist ON catalog_albums(user_id, artist_id, year);

CREATE TABLE catalog_artists (
    pk BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    sort_name TEXT COLLATE "C" NOT NULL,
    album_count BIGINT NOT NULL,
    UNIQUE (user_id, id)
);
CREATE INDEX catalog_artists_by_name ON catalog_artists(user_id, sort_name NULLS FIRST, pk);

-- The user's marks, apart from the songs so they survive a song's removal.
CREATE TABLE catalog_marks (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('song', 'album', 'artist')),
    item_id TEXT COLLATE "C" NOT NULL,
    starred_at BIGINT,
    rating BIGINT,
    play_count BIGINT NOT NULL DEFAULT 0,
    played_at BIGINT,
    PRIMARY KEY (user_id, kind, item_id)
);
CREATE INDEX catalog_marks_by_plays ON catalog_marks(user_id, kind, play_count, item_id);
CREATE INDEX catalog_marks_by_played ON catalog_marks(user_id, kind, played_at);

CREATE TABLE plays (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    track_id UUID NOT NULL,
    played_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, id)
);

CREATE TABLE artwork (
    hash TEXT COLLATE "C" PRIMARY KEY,
    mime TEXT COLLATE "C" NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE artwork_owners (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT COLLATE "C" NOT NULL REFERENCES artwork(hash),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, hash)
);

CREATE TABLE play_queues (
    user_id UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    entries TEXT COLLATE "C" NOT NULL,
    current UUID,
    position_ms BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    changed_by TEXT COLLATE "C" NOT NULL
);
