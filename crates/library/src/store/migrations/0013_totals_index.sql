-- Version 13: the library's totals (songs by state, their length and size) come from an index
-- of those three columns rather than from every row. Reading every row of a 100,000-song
-- library took 120-160 ms, at every start of the app (`Library::stats`); the index is about
-- 3 MB. `state` comes last on purpose: first, the planner took the index for the songs views'
-- `state IN ('present', 'cloud')` and sorted all 100,000 rows for each page (220 ms) instead
-- of walking the index of the view's order. Sorting by length walks this index too.
CREATE INDEX IF NOT EXISTS tracks_totals ON tracks(duration_ms, size, state);
