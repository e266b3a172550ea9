-- shelfgate store, schema 2.
--
-- The verdict a recheck result is measured against (the app's latest
-- verdict when the run reached it), so a diff report can say which rules a
-- run resolved as well as which it raised, long after the run.

ALTER TABLE recheck_results ADD COLUMN previous_seq INTEGER REFERENCES verdict_history (seq);
