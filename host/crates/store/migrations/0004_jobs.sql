-- shelfgate store, schema 4.
--
-- Asynchronous checks (202 + a job to poll, or a callback). A job is
-- recorded before it is acknowledged, with what it needs to run again:
-- the listing as received and the path of its upload, kept under the data
-- directory until the job ends. A restart resumes a pending job whose
-- upload is still there, or fails it with a reason; a finished job keeps
-- its result, and a callback not yet delivered is delivered again.

CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('check', 'submission')),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    apk_sha256      TEXT NOT NULL,
    apk_size        INTEGER NOT NULL,
    listing         BLOB NOT NULL,
    callback_url    TEXT,
    -- NULL without a callback; else 'pending', 'delivered', 'refused' or
    -- 'abandoned'.
    callback_state  TEXT,
    idempotency_key TEXT,
    -- JSON of the result (done) or of the problem document (failed).
    outcome         TEXT
);
CREATE INDEX jobs_status ON jobs (status, created_at);
CREATE INDEX jobs_callback ON jobs (callback_state) WHERE callback_state = 'pending';
