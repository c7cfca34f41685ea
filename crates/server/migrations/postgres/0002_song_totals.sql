-- Songs in the order they arrived, per user, from the index alone: paging the whole library
-- (search3 with an empty query, as offline-sync apps do) steps over index entries instead of
-- reading every skipped row to check its user.
DROP INDEX catalog_songs_by_user;
CREATE INDEX catalog_songs_by_user ON catalog_songs(user_id, pk) INCLUDE (search_length);

-- Each user's song count and words in all songs (bm25's average length), kept by a trigger
-- instead of summed over every song at each ranked search (SQLite's FTS5 keeps them too).
CREATE TABLE catalog_song_totals (
    user_id UUID PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    songs BIGINT NOT NULL,
    words BIGINT NOT NULL
);
INSERT INTO catalog_song_totals (user_id, songs, words)
    SELECT user_id, COUNT(*), SUM(search_length) FROM catalog_songs GROUP BY user_id;

CREATE FUNCTION catalog_song_totals_follow() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE catalog_song_totals SET songs = songs - 1, words = words - OLD.search_length
            WHERE user_id = OLD.user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO catalog_song_totals AS t (user_id, songs, words)
            VALUES (NEW.user_id, 1, NEW.search_length)
            ON CONFLICT (user_id) DO UPDATE
            SET songs = t.songs + 1, words = t.words + excluded.words;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER catalog_song_totals_follow
    AFTER INSERT OR DELETE OR UPDATE OF user_id, search_length ON catalog_songs
    FOR EACH ROW EXECUTE FUNCTION catalog_song_totals_follow();
