//! The durable store behind the service and the recheck.
//!
//! It keeps what an upload gatekeeper must be able to show later: the facts
//! and listing each verdict was made from (content-addressed, so identical
//! inputs are stored once and answered from the verdict cache), every
//! verdict ever given (an append-only history), the apps' state on the
//! shelf, the policy sets that were activated, the admin audit log, and the
//! recheck runs and rectification cases of the regulator's lifecycle.
//!
//! [`Store`] is the one interface the API layer and the recheck use, so a
//! PostgreSQL backend for several service instances can follow without
//! touching them. It is synchronous: every SQLite call blocks anyway, the
//! server wraps calls in `spawn_blocking`, the recheck calls it from its
//! worker threads, and a PostgreSQL backend can use a blocking client.
//! Documents come back as [`Stored`] values that decode on demand, so the
//! decoding of large facts happens on the caller's threads, in parallel,
//! rather than inside the store's connection.
//!
//! [`SqliteStore`] is the embedded default (see its module for durability
//! and concurrency).

mod codec;
mod error;
mod job;
mod model;
mod sqlite;

use std::io::Read;
use std::time::SystemTime;

use shelfgate_contract::types::{ApkFacts, Listing};

pub use codec::{binary_schema, Document, Stored};
pub use error::{Result, StoreError};
pub use job::{CallbackState, JobRecord, JobStatus, NewJob};
pub use model::{
    AppFilter, AppRecord, AppStatus, AuditEntry, AuditRecord, Case, CaseChange, CaseOp, CaseState,
    CaseTransition, Change, Decoded, DecodedDoc, Evaluation, IdempotentResponse, Import, LastGood,
    NewCase, NewRecheckRun, NewSubmission, PolicySetActivation, PolicySetRecord, RecheckBatch,
    RecheckCounts, RecheckEntry, RecheckOutcome, RecheckResult, RecheckRun, RecheckStatus,
    SubmissionRecord, VerdictEntry, VerdictKey, VerdictOrigin,
};
pub use sqlite::{SqliteStore, StoreOptions};

pub trait Store: Send + Sync {
    // --- Content-addressed inputs -------------------------------------------

    /// Stores facts under their APK sha256 unless present; true if stored.
    fn put_facts(&self, facts: &ApkFacts) -> Result<bool>;
    fn facts(&self, apk_sha256: &str) -> Result<Option<Stored<ApkFacts>>>;
    /// Stores a listing's JSON exactly as received, extra fields and all,
    /// under the sha256 of its canonical JSON, which it returns.
    fn put_listing(&self, json: &[u8]) -> Result<String>;
    fn listing(&self, listing_sha256: &str) -> Result<Option<Stored<Listing>>>;
    /// Keeps the APK bytes if the store is configured to (off by default),
    /// checking them against `apk_sha256`; true if kept.
    fn put_apk(&self, apk_sha256: &str, apk: &mut dyn Read) -> Result<bool>;
    fn open_apk(&self, apk_sha256: &str) -> Result<Option<Box<dyn Read + Send>>>;

    // --- Submissions, apps and the verdict history ------------------------------

    /// Records a submission: appends its verdict to the package's history,
    /// makes it the app's current submission and saves the idempotent
    /// response, in one transaction. Facts and listing must be stored first.
    ///
    /// If the idempotency key already has a response (a concurrent retry
    /// got there first), nothing is recorded and the result is a conflict:
    /// [`Store::idempotent_response`] then gives the response to replay, or
    /// the conflict to report if the requests differ.
    fn record_submission(&self, submission: &NewSubmission<'_>) -> Result<SubmissionRecord>;
    /// Stores many apps' facts, listings and submissions in one
    /// transaction: the bulk load of a populated catalogue, where a
    /// transaction (and an fsync) per call would dominate. Each verdict must
    /// name its facts' sha256 and its listing's canonical sha256.
    fn import(&self, apps: &[Import<'_>]) -> Result<()>;
    fn submission(&self, id: &str) -> Result<Option<SubmissionRecord>>;
    fn app(&self, package: &str) -> Result<Option<AppRecord>>;
    fn set_app_status(&self, package: &str, status: AppStatus, at: SystemTime) -> Result<()>;
    /// A package's verdicts in order, from just after `after_seq`.
    fn history(
        &self,
        package: &str,
        after_seq: Option<i64>,
        limit: usize,
    ) -> Result<Vec<VerdictEntry>>;
    /// The latest verdict given to exactly these inputs.
    fn cached_verdict(&self, key: VerdictKey<'_>) -> Result<Option<VerdictEntry>>;
    /// One row of the verdict history, as cases and recheck results refer
    /// to it.
    fn verdict(&self, seq: i64) -> Result<Option<VerdictEntry>>;

    // --- Idempotency --------------------------------------------------------------

    /// The response saved under `key`, if any; a conflict if it was saved
    /// for a request with another fingerprint.
    fn idempotent_response(
        &self,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<IdempotentResponse>>;
    /// Saves a response unless one exists for the key, and returns the one
    /// that is kept (the first), or a conflict as above.
    fn save_idempotent_response(&self, response: &IdempotentResponse)
        -> Result<IdempotentResponse>;
    /// Forgets responses created before `before`; returns how many.
    fn purge_idempotent_responses(&self, before: SystemTime) -> Result<u64>;

    // --- Policy sets and audit ------------------------------------------------------

    /// Records an activation and makes it the last good set.
    fn activate_policy_set(&self, activation: &PolicySetActivation<'_>) -> Result<PolicySetRecord>;
    fn last_good_policy_set(&self) -> Result<Option<LastGood>>;
    /// The latest activations, newest first.
    fn policy_sets(&self, limit: usize) -> Result<Vec<PolicySetRecord>>;
    fn append_audit(&self, entry: &AuditEntry) -> Result<i64>;
    fn audit_log(&self, after_seq: Option<i64>, limit: usize) -> Result<Vec<AuditRecord>>;
    /// Appends many entries in one transaction: the audit of checks, which
    /// arrive faster than one commit each could keep up with. Committed
    /// before it returns; a backend may skip the fsync (the entries then
    /// survive a crash of the process, not a power cut).
    fn append_audit_batch(&self, entries: &[AuditEntry]) -> Result<()>;

    // --- Update continuity ---------------------------------------------------------------

    /// The latest verdict a submission of `package` got that put it on the
    /// shelf (pass or rectify), for an APK other than `except_apk`: the
    /// "previous version" an update is compared against.
    fn last_accepted(&self, package: &str, except_apk: &str) -> Result<Option<VerdictEntry>>;

    // --- Asynchronous jobs ---------------------------------------------------------------

    /// Records a pending job before it is acknowledged.
    fn create_job(&self, job: &NewJob<'_>) -> Result<()>;
    /// Ends a pending job with its result (`Done`) or problem (`Failed`);
    /// a conflict if it is not pending.
    fn finish_job(
        &self,
        id: &str,
        status: JobStatus,
        outcome: &serde_json::Value,
        at: SystemTime,
    ) -> Result<JobRecord>;
    fn set_job_callback(&self, id: &str, state: CallbackState) -> Result<()>;
    fn job(&self, id: &str) -> Result<Option<JobRecord>>;
    /// Pending jobs, and finished ones whose callback is still to deliver.
    fn unfinished_jobs(&self, limit: usize) -> Result<Vec<JobRecord>>;
    fn pending_job_count(&self) -> Result<u64>;
    /// Forgets settled jobs that finished before `before`; returns how many.
    fn purge_jobs(&self, before: SystemTime) -> Result<u64>;

    // --- Recheck ------------------------------------------------------------------------

    /// Up to `limit` apps after `cursor` in package order: the stable order
    /// that makes a run resumable.
    fn apps_after(
        &self,
        cursor: Option<&str>,
        limit: usize,
        filter: &AppFilter,
    ) -> Result<Vec<AppRecord>>;
    fn count_apps(&self, filter: &AppFilter) -> Result<u64>;
    fn start_recheck(&self, run: &NewRecheckRun<'_>) -> Result<RecheckRun>;
    fn recheck_run(&self, id: &str) -> Result<Option<RecheckRun>>;
    /// Runs, newest first, optionally only those in `status`.
    fn recheck_runs(&self, status: Option<RecheckStatus>, limit: usize) -> Result<Vec<RecheckRun>>;
    /// Commits a batch of results with the run's checkpoint, in one
    /// transaction. A result for an app that already has one in this run is
    /// ignored, so a resumed run never writes twice. For a run against the
    /// active set, each new evaluation is appended to the history and
    /// becomes the app's latest verdict.
    fn commit_recheck_batch(&self, run_id: &str, batch: &RecheckBatch<'_>) -> Result<RecheckRun>;
    /// Ends a run (`Done`, `Failed`, `Cancelled`) or takes it up again
    /// (`Running`), e.g. to resume a failed run from its cursor.
    fn set_recheck_status(
        &self,
        run_id: &str,
        status: RecheckStatus,
        at: SystemTime,
    ) -> Result<RecheckRun>;
    /// Results in package order after `cursor`, optionally of one change.
    fn recheck_results(
        &self,
        run_id: &str,
        cursor: Option<&str>,
        limit: usize,
        change: Option<Change>,
    ) -> Result<Vec<RecheckEntry>>;

    // --- Cases ----------------------------------------------------------------------------

    /// Opens a case; a conflict if the package already has an open one.
    fn open_case(&self, case: &NewCase<'_>) -> Result<Case>;
    /// Moves a case if it is still in `change.from`, else a conflict.
    fn transition_case(&self, id: i64, change: &CaseChange<'_>) -> Result<Case>;
    fn case(&self, id: i64) -> Result<Option<Case>>;
    fn open_case_for(&self, package: &str) -> Result<Option<Case>>;
    /// Cases by id after `after_id`, optionally in one state.
    fn cases(
        &self,
        state: Option<CaseState>,
        after_id: Option<i64>,
        limit: usize,
    ) -> Result<Vec<Case>>;
    fn case_transitions(&self, id: i64) -> Result<Vec<CaseTransition>>;
    /// Several opens and transitions in one transaction (a recheck's batch
    /// pays one fsync instead of one per case). Each is checked as its own
    /// call would be; one that conflicts (the case moved, or the package
    /// already has an open case) is skipped and comes back `None`, any
    /// other error rolls the whole batch back.
    fn apply_case_ops(&self, ops: &[CaseOp<'_>]) -> Result<Vec<Option<Case>>> {
        ops.iter()
            .map(|op| {
                let moved = match op {
                    CaseOp::Open(case) => self.open_case(case),
                    CaseOp::Transition { id, change } => self.transition_case(*id, change),
                };
                match moved {
                    Ok(case) => Ok(Some(case)),
                    Err(StoreError::Conflict(_)) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .collect()
    }

    // --- Binary copies of decoded documents ---------------------------------------------

    /// Facts decoded: from the binary copy when this build's schema has
    /// one, else from the JSON, which stays the source of truth.
    fn facts_decoded(&self, apk_sha256: &str) -> Result<Option<Decoded<ApkFacts>>> {
        from_json(self.facts(apk_sha256)?)
    }
    /// A listing decoded, as [`Store::facts_decoded`].
    fn listing_decoded(&self, listing_sha256: &str) -> Result<Option<Decoded<Listing>>> {
        from_json(self.listing(listing_sha256)?)
    }
    /// Keeps binary copies of values decoded from stored JSON, in one
    /// transaction. A backend without copies keeps nothing.
    fn keep_decoded(&self, _docs: &[DecodedDoc<'_>]) -> Result<()> {
        Ok(())
    }
}

/// A stored document decoded from its JSON: what a read gives when there
/// is no binary copy to read instead.
pub(crate) fn from_json<T: Document>(stored: Option<Stored<T>>) -> Result<Option<Decoded<T>>> {
    stored
        .map(|s| {
            Ok(Decoded {
                value: s.decode()?,
                from_copy: false,
            })
        })
        .transpose()
}
