-- shelfgate store, schema 1.
--
-- Times are unix milliseconds (INTEGER); deadline dates are 'YYYY-MM-DD'.
-- JSON documents are in `body` BLOBs whose `codec` says how: 0 = JSON text,
-- 1 = zstd-compressed JSON text.

-- Content-addressed inputs ------------------------------------------------

CREATE TABLE facts (
    apk_sha256  TEXT PRIMARY KEY,
    package     TEXT NOT NULL,
    codec       INTEGER NOT NULL,
    body        BLOB NOT NULL,
    json_bytes  INTEGER NOT NULL,
    stored_at   INTEGER NOT NULL
);

-- `body` is the listing exactly as received (extra fields kept); the key is
-- the sha256 of its canonical JSON.
CREATE TABLE listings (
    listing_sha256 TEXT PRIMARY KEY,
    codec          INTEGER NOT NULL,
    body           BLOB NOT NULL,
    json_bytes     INTEGER NOT NULL,
    stored_at      INTEGER NOT NULL
);

-- Verdicts ------------------------------------------------------------------

-- Every verdict ever given to a package, from a submission or a recheck
-- against the active set. Never updated, never deleted (triggers below).
CREATE TABLE verdict_history (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    package           TEXT NOT NULL,
    submission_id     TEXT,
    recheck_run_id    TEXT,
    apk_sha256        TEXT NOT NULL REFERENCES facts (apk_sha256),
    listing_sha256    TEXT NOT NULL REFERENCES listings (listing_sha256),
    policy_set_id     TEXT NOT NULL,
    policy_set_digest TEXT NOT NULL,
    decision          TEXT NOT NULL CHECK (decision IN ('pass', 'rectify', 'reject')),
    codec             INTEGER NOT NULL,
    body              BLOB NOT NULL,
    recorded_at       INTEGER NOT NULL,
    CHECK ((submission_id IS NULL) <> (recheck_run_id IS NULL))
);
CREATE INDEX verdict_history_package ON verdict_history (package, seq);
-- The verdict cache: identical inputs are answered from here.
CREATE INDEX verdict_history_inputs
    ON verdict_history (apk_sha256, listing_sha256, policy_set_digest, seq);

CREATE TRIGGER verdict_history_no_update BEFORE UPDATE ON verdict_history
BEGIN
    SELECT RAISE(ABORT, 'verdict_history is append-only');
END;
CREATE TRIGGER verdict_history_no_delete BEFORE DELETE ON verdict_history
BEGIN
    SELECT RAISE(ABORT, 'verdict_history is append-only');
END;

-- Submissions and apps --------------------------------------------------------

CREATE TABLE submissions (
    id          TEXT PRIMARY KEY,
    package     TEXT NOT NULL,
    verdict_seq INTEGER NOT NULL UNIQUE REFERENCES verdict_history (seq),
    received_at INTEGER NOT NULL
);

-- One row per package: what is on (or off) the shelf now.
CREATE TABLE apps (
    package       TEXT PRIMARY KEY,
    status        TEXT NOT NULL CHECK (status IN ('listed', 'shelved', 'removed')),
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    -- The latest verdict: the submission's, or a later recheck's.
    verdict_seq   INTEGER NOT NULL REFERENCES verdict_history (seq),
    category      TEXT,
    sdk_ids       TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX apps_status ON apps (status, package);
CREATE INDEX apps_category ON apps (category, package);

-- The SDK filter of a recheck reads this in package order.
CREATE TABLE app_sdks (
    sdk_id  TEXT NOT NULL,
    package TEXT NOT NULL REFERENCES apps (package),
    PRIMARY KEY (sdk_id, package)
) WITHOUT ROWID;

-- Idempotency-Key replays ------------------------------------------------------

CREATE TABLE idempotency (
    key          TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX idempotency_created ON idempotency (created_at);

-- Policy sets -------------------------------------------------------------------

-- Every activation, in order.
CREATE TABLE policy_sets (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL,
    digest       TEXT NOT NULL,
    source       TEXT NOT NULL,
    manifest     TEXT NOT NULL,
    activated_at INTEGER NOT NULL
);

-- The set to serve at start-up, with the bundle bytes that passed
-- verification and the feed's ETag for them.
CREATE TABLE last_good_policy_set (
    singleton      INTEGER PRIMARY KEY CHECK (singleton = 1),
    policy_set_seq INTEGER NOT NULL REFERENCES policy_sets (seq),
    bundle         BLOB,
    etag           TEXT
);

-- Audit log ---------------------------------------------------------------------

CREATE TABLE audit_log (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Rechecks ----------------------------------------------------------------------

CREATE TABLE recheck_runs (
    id                TEXT PRIMARY KEY,
    scope             TEXT NOT NULL,
    policy_set_id     TEXT NOT NULL,
    policy_set_digest TEXT NOT NULL,
    candidate         INTEGER NOT NULL,
    full              INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
    -- The last package of the last committed batch.
    cursor            TEXT,
    total             INTEGER NOT NULL,
    done              INTEGER NOT NULL DEFAULT 0,
    skipped           INTEGER NOT NULL DEFAULT 0,
    failed            INTEGER NOT NULL DEFAULT 0,
    unchanged         INTEGER NOT NULL DEFAULT 0,
    newly_rejected    INTEGER NOT NULL DEFAULT 0,
    newly_rectify     INTEGER NOT NULL DEFAULT 0,
    newly_passing     INTEGER NOT NULL DEFAULT 0,
    started_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    finished_at       INTEGER
);

-- One row per app and run: the primary key is what makes a resumed run
-- unable to write an app twice.
CREATE TABLE recheck_results (
    run_id      TEXT NOT NULL REFERENCES recheck_runs (id),
    package     TEXT NOT NULL,
    previous    TEXT CHECK (previous IN ('pass', 'rectify', 'reject')),
    outcome     TEXT NOT NULL CHECK (outcome IN ('skipped', 'evaluated', 'failed')),
    decision    TEXT CHECK (decision IN ('pass', 'rectify', 'reject')),
    change      TEXT CHECK (change IN ('unchanged', 'newly_rejected', 'newly_rectify', 'newly_passing')),
    -- The history row a run against the active set appended.
    verdict_seq INTEGER REFERENCES verdict_history (seq),
    codec       INTEGER,
    body        BLOB,
    error       TEXT,
    PRIMARY KEY (run_id, package)
);
CREATE INDEX recheck_results_change ON recheck_results (run_id, change, package);

-- Cases -------------------------------------------------------------------------

CREATE TABLE cases (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    package          TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('rectify', 'notified', 'removed', 'closed')),
    verdict_seq      INTEGER NOT NULL REFERENCES verdict_history (seq),
    rectify_deadline TEXT,
    removal_deadline TEXT,
    opened_at        INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
-- At most one open case per package.
CREATE UNIQUE INDEX cases_open_package ON cases (package) WHERE state <> 'closed';
CREATE INDEX cases_state ON cases (state, id);

CREATE TABLE case_transitions (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    verdict_seq INTEGER REFERENCES verdict_history (seq)
);
CREATE INDEX case_transitions_case ON case_transitions (case_id, seq);
CREATE TRIGGER case_transitions_no_update BEFORE UPDATE ON case_transitions
BEGIN
    SELECT RAISE(ABORT, 'case_transitions is append-only');
END;
CREATE TRIGGER case_transitions_no_delete BEFORE DELETE ON case_transitions
BEGIN
    SELECT RAISE(ABORT, 'case_transitions is append-only');
END;
