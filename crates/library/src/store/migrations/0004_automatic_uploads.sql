-- Version 4: uploads queued by the app on its own (new music) are told apart from those the
-- user asked for, so the cloud can keep out a song the user removed from it.
ALTER TABLE cloud_tracks ADD COLUMN automatic INTEGER NOT NULL DEFAULT 0;
