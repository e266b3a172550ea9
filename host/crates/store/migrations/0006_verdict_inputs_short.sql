-- shelfgate store, schema 6.
--
-- The verdict cache's index held the three 64-character digests of every
-- verdict (~200 bytes an entry) in random order, so each verdict a recheck
-- appended dirtied a random page of an index far larger than the page
-- cache: half of committing a recheck was SQLite re-reading index pages.
-- The same lookup runs on 16-character prefixes of the APK and set digests
-- (~40 bytes an entry), then compares the full columns on the few rows
-- found. Only the index changes; no row is touched.
DROP INDEX verdict_history_inputs;
CREATE INDEX verdict_history_inputs_short ON verdict_history (
    substr(apk_sha256, 1, 16),
    substr(policy_set_digest, 1, 16),
    seq
);
