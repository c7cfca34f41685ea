-- The login throttle's counters, shared by every process on the database (`crate::throttle`).
-- Keys are hashes; rows expire (`expires_at`) and maintenance prunes them.
CREATE TABLE IF NOT EXISTS login_throttle (
    key TEXT PRIMARY KEY,
    level DOUBLE PRECISION NOT NULL,
    at_ms BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS login_throttle_by_expiry ON login_throttle(expires_at);
