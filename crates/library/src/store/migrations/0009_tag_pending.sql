-- Version 9: another device's tag edit that this device's file could not take yet (the file
-- read-only, or missing), kept until the file can be written: retried after each scan and
-- sync. `edit` is the JSON of a `TagEdit`; `reason` why the last attempt failed.
CREATE TABLE IF NOT EXISTS tag_pending (
    track_id    TEXT PRIMARY KEY,
    edit        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
