-- Version 10 (with code in `migrations::marks_as_cloud_data`): plays, ratings and loves as
-- cloud data. Each play has an id minted here (`played_at` in unix milliseconds) and waits,
-- `sent = 0`, until the cloud counted it; a rating or love changed here and not sent yet is
-- flagged in `marks_pending`, so the cloud's older value does not overwrite it meanwhile.
CREATE TABLE IF NOT EXISTS play_log (
    id          TEXT PRIMARY KEY,
    track_id    TEXT NOT NULL,
    played_at   INTEGER NOT NULL,
    sent        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS play_log_unsent ON play_log(sent, track_id);
CREATE TABLE IF NOT EXISTS marks_pending (
    track_id    TEXT PRIMARY KEY,
    rating      INTEGER NOT NULL DEFAULT 0,
    loved       INTEGER NOT NULL DEFAULT 0
);
