//! The embedded SQLite store: one database file under the data directory.
//!
//! Durability: WAL journal with `synchronous=FULL`, so every committed
//! transaction is fsynced before the call returns. A verdict acknowledged to
//! a client was committed before the response was written, and survives
//! `kill -9` and power loss alike.
//!
//! Concurrency: one writer connection behind a mutex, and a small pool of
//! read-only connections. SQLite admits one writer at a time whatever the
//! number of connections; serialising writers in-process makes them queue
//! on a mutex instead of spinning on `SQLITE_BUSY`. WAL lets readers run
//! beside the writer, each on a consistent snapshot. Write transactions
//! begin `IMMEDIATE`, so another process (a CLI recheck beside the server)
//! waits for the lock up front, within the busy timeout, instead of failing
//! on a lock upgrade. Expensive work (serialising, compressing) happens
//! before the writer lock is taken.
//!
//! Reads go through `read(2)`, not `mmap`: mapped pages count as resident
//! memory of the process, and a recheck streaming a catalogue of a few GiB
//! must stay under 1 GiB.
//!
//! APK bytes, when kept, are files under `apks/`, written to a temporary
//! name, fsynced and renamed, so a reader never sees a partial APK.

mod apks;
mod cases;
mod columns;
mod content;
mod decoded;
mod import;
mod jobs;
mod migrate;
mod policy;
mod pool;
mod recheck;
mod rows;
mod verdicts;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use shelfgate_contract::types::{ApkFacts, Listing};

use crate::{
    AppFilter, AppRecord, AppStatus, AuditEntry, AuditRecord, Case, CaseChange, CaseOp, CaseState,
    CaseTransition, Change, Decoded, DecodedDoc, IdempotentResponse, Import, LastGood, NewCase,
    NewRecheckRun, NewSubmission, PolicySetActivation, PolicySetRecord, RecheckBatch, RecheckEntry,
    RecheckRun, RecheckStatus, Result, Store, StoreError, Stored, SubmissionRecord, VerdictEntry,
    VerdictKey,
};
use pool::{lock, Pool};

const DATABASE_FILE: &str = "shelfgate.db";
const APK_DIR: &str = "apks";
const PAGE_SIZE: i64 = 16 << 10;

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Keep uploaded APK bytes; recheck needs only the facts.
    pub keep_apks: bool,
    /// Read-only connections; more than the cores buys nothing.
    pub readers: usize,
    /// How long a write waits for another process's lock.
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            keep_apks: false,
            readers: 4,
            busy_timeout: Duration::from_secs(10),
        }
    }
}

pub struct SqliteStore {
    dir: PathBuf,
    options: StoreOptions,
    writer: Mutex<Connection>,
    readers: Pool,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `dir` and migrates it.
    pub fn open(dir: &Path, options: StoreOptions) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(StoreError::io(dir))?;
        let path = dir.join(DATABASE_FILE);
        let mut writer = connect(&path, &options, true)?;
        migrate::migrate(&mut writer, &path, SystemTime::now())?;
        let readers = (0..options.readers.max(1))
            .map(|_| connect(&path, &options, false))
            .collect::<Result<Vec<_>>>()?;
        Ok(SqliteStore {
            dir: dir.to_owned(),
            options,
            writer: Mutex::new(writer),
            readers: Pool::new(readers),
        })
    }

    /// The database file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(DATABASE_FILE)
    }

    /// Runs `f` in a write transaction, committed if it succeeds.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on a read-only connection, in one read transaction so that
    /// its queries see one snapshot.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.readers.get();
        let tx = conn.unchecked_transaction()?;
        let out = f(&tx)?;
        tx.finish()?;
        Ok(out)
    }
}

fn connect(path: &Path, options: &StoreOptions, writer: bool) -> Result<Connection> {
    let mode = if writer {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    };
    // Each connection is used by one thread at a time.
    let conn = Connection::open_with_flags(path, mode | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(options.busy_timeout)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    if writer {
        // Only takes effect on a new database. Facts and listings compress
        // to 1-3 KiB; on 4 KiB pages half of each page would go unused.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Invalid(format!(
                "`{}` cannot use the WAL journal (got `{mode}`)",
                path.display()
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    Ok(conn)
}

impl Store for SqliteStore {
    fn put_facts(&self, facts: &ApkFacts) -> Result<bool> {
        content::put_facts(self, facts)
    }

    fn facts(&self, apk_sha256: &str) -> Result<Option<Stored<ApkFacts>>> {
        self.read(|c| content::facts(c, apk_sha256))
    }

    fn put_listing(&self, json: &[u8]) -> Result<String> {
        content::put_listing(self, json)
    }

    fn listing(&self, listing_sha256: &str) -> Result<Option<Stored<Listing>>> {
        self.read(|c| content::listing(c, listing_sha256))
    }

    fn put_apk(&self, apk_sha256: &str, apk: &mut dyn Read) -> Result<bool> {
        if !self.options.keep_apks {
            return Ok(false);
        }
        apks::put(&self.dir.join(APK_DIR), apk_sha256, apk)
    }

    fn open_apk(&self, apk_sha256: &str) -> Result<Option<Box<dyn Read + Send>>> {
        apks::open(&self.dir.join(APK_DIR), apk_sha256)
    }

    fn import(&self, apps: &[Import<'_>]) -> Result<()> {
        import::import(self, apps)
    }

    fn record_submission(&self, submission: &NewSubmission<'_>) -> Result<SubmissionRecord> {
        verdicts::record_submission(self, submission)
    }

    fn submission(&self, id: &str) -> Result<Option<SubmissionRecord>> {
        self.read(|c| verdicts::submission(c, id))
    }

    fn app(&self, package: &str) -> Result<Option<AppRecord>> {
        self.read(|c| verdicts::app(c, package))
    }

    fn set_app_status(&self, package: &str, status: AppStatus, at: SystemTime) -> Result<()> {
        self.write(|tx| verdicts::set_app_status(tx, package, status, at))
    }

    fn history(
        &self,
        package: &str,
        after_seq: Option<i64>,
        limit: usize,
    ) -> Result<Vec<VerdictEntry>> {
        self.read(|c| verdicts::history(c, package, after_seq, limit))
    }

    fn cached_verdict(&self, key: VerdictKey<'_>) -> Result<Option<VerdictEntry>> {
        self.read(|c| verdicts::cached_verdict(c, key))
    }

    fn verdict(&self, seq: i64) -> Result<Option<VerdictEntry>> {
        self.read(|c| verdicts::verdict(c, seq))
    }

    fn idempotent_response(
        &self,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<IdempotentResponse>> {
        self.read(|c| verdicts::idempotent_response(c, key, fingerprint))
    }

    fn save_idempotent_response(
        &self,
        response: &IdempotentResponse,
    ) -> Result<IdempotentResponse> {
        self.write(|tx| verdicts::save_idempotent_response(tx, response))
    }

    fn purge_idempotent_responses(&self, before: SystemTime) -> Result<u64> {
        self.write(|tx| verdicts::purge_idempotent_responses(tx, before))
    }

    fn activate_policy_set(&self, activation: &PolicySetActivation<'_>) -> Result<PolicySetRecord> {
        policy::activate(self, activation)
    }

    fn last_good_policy_set(&self) -> Result<Option<LastGood>> {
        self.read(policy::last_good)
    }

    fn policy_sets(&self, limit: usize) -> Result<Vec<PolicySetRecord>> {
        self.read(|c| policy::policy_sets(c, limit))
    }

    fn append_audit(&self, entry: &AuditEntry) -> Result<i64> {
        policy::append_audit(self, entry)
    }

    fn audit_log(&self, after_seq: Option<i64>, limit: usize) -> Result<Vec<AuditRecord>> {
        self.read(|c| policy::audit_log(c, after_seq, limit))
    }

    fn append_audit_batch(&self, entries: &[AuditEntry]) -> Result<()> {
        jobs::append_audit_batch(self, entries)
    }

    fn last_accepted(&self, package: &str, except_apk: &str) -> Result<Option<VerdictEntry>> {
        self.read(|c| jobs::last_accepted(c, package, except_apk))
    }

    fn create_job(&self, job: &crate::NewJob<'_>) -> Result<()> {
        jobs::create(self, job)
    }

    fn finish_job(
        &self,
        id: &str,
        status: crate::JobStatus,
        outcome: &serde_json::Value,
        at: SystemTime,
    ) -> Result<crate::JobRecord> {
        jobs::finish(self, id, status, outcome, at)
    }

    fn set_job_callback(&self, id: &str, state: crate::CallbackState) -> Result<()> {
        jobs::set_callback_state(self, id, state)
    }

    fn job(&self, id: &str) -> Result<Option<crate::JobRecord>> {
        self.read(|c| jobs::job(c, id))
    }

    fn unfinished_jobs(&self, limit: usize) -> Result<Vec<crate::JobRecord>> {
        self.read(|c| jobs::unfinished(c, limit))
    }

    fn pending_job_count(&self) -> Result<u64> {
        self.read(jobs::count_pending)
    }

    fn purge_jobs(&self, before: SystemTime) -> Result<u64> {
        jobs::purge(self, before)
    }

    fn apps_after(
        &self,
        cursor: Option<&str>,
        limit: usize,
        filter: &AppFilter,
    ) -> Result<Vec<AppRecord>> {
        self.read(|c| verdicts::apps_after(c, cursor, limit, filter))
    }

    fn count_apps(&self, filter: &AppFilter) -> Result<u64> {
        self.read(|c| verdicts::count_apps(c, filter))
    }

    fn start_recheck(&self, run: &NewRecheckRun<'_>) -> Result<RecheckRun> {
        self.write(|tx| recheck::start(tx, run))
    }

    fn recheck_run(&self, id: &str) -> Result<Option<RecheckRun>> {
        self.read(|c| recheck::run(c, id))
    }

    fn recheck_runs(&self, status: Option<RecheckStatus>, limit: usize) -> Result<Vec<RecheckRun>> {
        self.read(|c| recheck::runs(c, status, limit))
    }

    fn commit_recheck_batch(&self, run_id: &str, batch: &RecheckBatch<'_>) -> Result<RecheckRun> {
        recheck::commit_batch(self, run_id, batch)
    }

    fn set_recheck_status(
        &self,
        run_id: &str,
        status: RecheckStatus,
        at: SystemTime,
    ) -> Result<RecheckRun> {
        self.write(|tx| recheck::set_status(tx, run_id, status, at))
    }

    fn recheck_results(
        &self,
        run_id: &str,
        cursor: Option<&str>,
        limit: usize,
        change: Option<Change>,
    ) -> Result<Vec<RecheckEntry>> {
        self.read(|c| recheck::results(c, run_id, cursor, limit, change))
    }

    fn open_case(&self, case: &NewCase<'_>) -> Result<Case> {
        self.write(|tx| cases::open(tx, case))
    }

    fn transition_case(&self, id: i64, change: &CaseChange<'_>) -> Result<Case> {
        self.write(|tx| cases::transition(tx, id, change))
    }

    fn case(&self, id: i64) -> Result<Option<Case>> {
        self.read(|c| cases::case(c, id))
    }

    fn open_case_for(&self, package: &str) -> Result<Option<Case>> {
        self.read(|c| cases::open_case_for(c, package))
    }

    fn cases(
        &self,
        state: Option<CaseState>,
        after_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Case>> {
        self.read(|c| cases::cases(c, state, after_id, limit))
    }

    fn case_transitions(&self, id: i64) -> Result<Vec<CaseTransition>> {
        self.read(|c| cases::transitions(c, id))
    }

    fn apply_case_ops(&self, ops: &[CaseOp<'_>]) -> Result<Vec<Option<Case>>> {
        self.write(|tx| cases::apply_ops(tx, ops))
    }

    fn facts_decoded(&self, apk_sha256: &str) -> Result<Option<Decoded<ApkFacts>>> {
        self.read(|c| decoded::facts(c, apk_sha256))
    }

    fn listing_decoded(&self, listing_sha256: &str) -> Result<Option<Decoded<Listing>>> {
        self.read(|c| decoded::listing(c, listing_sha256))
    }

    fn keep_decoded(&self, docs: &[DecodedDoc<'_>]) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let copies = decoded::encode(docs)?;
        self.write(|tx| decoded::keep(tx, &copies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writer_syncs_fully_on_large_pages_and_readers_cannot_write() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(tmp.path(), StoreOptions::default()).unwrap();
        let synchronous: i64 = lock(&store.writer)
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(synchronous, 2, "FULL");
        let page_size: i64 = lock(&store.writer)
            .pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap();
        assert_eq!(page_size, PAGE_SIZE);
        let reader = store.readers.get();
        let err = reader
            .execute(
                "INSERT INTO audit_log (at, actor, action, detail) VALUES (0, 'a', 'b', '{}')",
                [],
            )
            .unwrap_err();
        assert!(err.to_string().contains("readonly"), "{err}");
    }
}
