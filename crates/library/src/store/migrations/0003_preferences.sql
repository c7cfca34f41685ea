-- Version 3: the app's preferences, and the genre order for the songs list.

-- The desktop app's settings (ReplayGain, uploads, cache, theme, window, columns), one JSON
-- value per key. Kept apart from `sync_values`, which logging out of the cloud clears.
CREATE TABLE preferences (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE INDEX tracks_genre ON tracks(genre, pk);
