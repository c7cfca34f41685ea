-- Upload bytes staged as parts in the blob store (so any replica can continue an upload), and
-- secrets every replica shares. Unfinished uploads of before kept their bytes in local files,
-- which are gone from the new scheme: they restart (clients resume from `HEAD`, which now
-- answers 0).
CREATE TABLE IF NOT EXISTS upload_parts (
    upload_id TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
    start_offset BIGINT NOT NULL,
    end_offset BIGINT NOT NULL,
    object_key TEXT NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);
UPDATE uploads SET upload_offset = 0
 WHERE completed_hash IS NULL
   AND NOT EXISTS (SELECT 1 FROM upload_parts p WHERE p.upload_id = uploads.id);
CREATE TABLE IF NOT EXISTS server_secrets (
    name TEXT PRIMARY KEY,
    secret TEXT NOT NULL
);
