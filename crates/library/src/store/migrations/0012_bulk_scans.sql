-- Version 12: large first scans build their indexes once, at the end (see `scan::bulk`).

-- The indexes such a scan dropped and has not built again yet, with their definitions, and
-- the search index (`track_search`, no SQL) when it is to be filled from the rows. A scan
-- stopped half-way leaves them here, and opening the library builds them.
CREATE TABLE IF NOT EXISTS deferred_indexes (
    name  TEXT PRIMARY KEY,
    sql   TEXT
);

-- Moved files are recognised by the fingerprints of the missing tracks, read into memory
-- (`scan::write::move_candidates`): this index was never read, and every write paid for it.
DROP INDEX IF EXISTS tracks_fingerprint;
