-- Version 8: the comment tag has a column of its own, so it can be synced like the other tags
-- (it was one of the tags without a column). Each format's name for it moves out of
-- `track_tags`: ID3v2 COMM, Vorbis COMMENT, MP4 ©cmt, APE Comment, RIFF ICMT. The column
-- itself is added by code first (`migrations::comment_column`).
UPDATE tracks SET comment = (
    SELECT value FROM track_tags g
    WHERE g.track_pk = tracks.pk AND g.key IN ('COMM', 'COMMENT', '©cmt', 'Comment', 'ICMT')
    ORDER BY g.rowid LIMIT 1
)
WHERE pk IN (SELECT track_pk FROM track_tags WHERE key IN ('COMM', 'COMMENT', '©cmt', 'Comment', 'ICMT'));
DELETE FROM track_tags WHERE key IN ('COMM', 'COMMENT', '©cmt', 'Comment', 'ICMT');
