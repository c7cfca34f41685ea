-- The first letters and digits of each song's words, as bits: a search for one letter (the
-- first keystroke of search-as-you-type) tests one integer per song instead of matching the
-- prefix against every word, and finds whether it matches more songs than are ranked by
-- stepping over index entries. Bits 0-25 are `a`-`z`, 26-35 are `0`-`9`, 36 is any other
-- first character (which one-letter searches do not use: they match the words instead).
CREATE FUNCTION catalog_initials(search TSVECTOR) RETURNS BIGINT
LANGUAGE SQL IMMUTABLE PARALLEL SAFE AS $$
    SELECT COALESCE(bit_or(CASE
        WHEN c BETWEEN 'a' AND 'z' THEN 1::BIGINT << (ascii(c) - ascii('a'))
        WHEN c BETWEEN '0' AND '9' THEN 1::BIGINT << (26 + ascii(c) - ascii('0'))
        ELSE 1::BIGINT << 36 END), 0)
    FROM (SELECT left(lexeme, 1) COLLATE "C" AS c FROM unnest(search)
          WHERE lexeme NOT LIKE '#%') words
$$;

ALTER TABLE catalog_songs
    ADD COLUMN initials BIGINT GENERATED ALWAYS AS (catalog_initials(search)) STORED;

DROP INDEX catalog_songs_by_user;
CREATE INDEX catalog_songs_by_user ON catalog_songs(user_id, pk) INCLUDE (search_length, initials);
