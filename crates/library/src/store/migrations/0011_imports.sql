-- Version 11 (with code in `migrations::imports`, which adds `tracks.skip_count` first): what
-- an import from iTunes or Apple Music brought, so importing the same file again changes
-- nothing (see `import`).

-- One row per song of the imported library that matched a track here, by the song's
-- persistent id there: the values imported last time. Plays and skips are added as the
-- difference from these; a rating or love is applied again only when it changed there.
CREATE TABLE IF NOT EXISTS itunes_tracks (
    persistent_id TEXT PRIMARY KEY,
    track_id      TEXT NOT NULL,
    play_count    INTEGER NOT NULL DEFAULT 0,
    skip_count    INTEGER NOT NULL DEFAULT 0,
    rating        INTEGER,                  -- 0..=100 as imported; NULL: none
    loved         INTEGER NOT NULL DEFAULT 0,
    imported_at   INTEGER NOT NULL          -- unix ms
);

-- One row per imported playlist: the playlist it became here, the name it was given and a
-- digest of the tracks it was given, so an unchanged playlist is left as the user keeps it.
CREATE TABLE IF NOT EXISTS itunes_playlists (
    persistent_id TEXT PRIMARY KEY,
    playlist_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    tracks        TEXT NOT NULL,            -- BLAKE3 of the track ids, in order
    imported_at   INTEGER NOT NULL
);
