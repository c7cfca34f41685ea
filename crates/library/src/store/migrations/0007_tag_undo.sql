-- Version 7: the last tag edit can be undone. One row per track it changed: the edit that
-- puts back the previous values (JSON of `TagEdit`), the cover apart ('leave', 'replace' with
-- its bytes, 'remove'). Each new edit replaces the whole table.
CREATE TABLE IF NOT EXISTS tag_undo (
    track_id    TEXT PRIMARY KEY,
    edit        TEXT NOT NULL,
    cover       TEXT NOT NULL DEFAULT 'leave' CHECK (cover IN ('leave', 'replace', 'remove')),
    cover_bytes BLOB
);
