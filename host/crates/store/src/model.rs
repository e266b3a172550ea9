//! The records the store keeps, as the API and the recheck see them.
//!
//! Contract values (facts, listings, verdicts) are the WIT's own types,
//! wrapped in [`Stored`] so they decode on demand. Everything else here is
//! the store's: states, runs, cases. Times are [`SystemTime`]; deadline
//! dates are `YYYY-MM-DD` text, as the evaluation context spells dates.

use std::time::SystemTime;

use serde_json::Value;
use shelfgate_contract::types::{ApkFacts, Decision, Listing, Verdict};

use crate::Stored;

/// Where an app stands on the shelf.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppStatus {
    Listed,
    Shelved,
    Removed,
}

/// A verdict to record with a new submission. Its apk, listing and policy
/// set come from the verdict itself.
#[derive(Debug, Clone)]
pub struct NewSubmission<'a> {
    /// Chosen by the caller (it appears in the response and the logs
    /// before the write); a reused id is a conflict.
    pub id: &'a str,
    pub package: &'a str,
    pub verdict: &'a Verdict,
    /// The app's state after this submission.
    pub status: AppStatus,
    pub category: Option<&'a str>,
    /// SDK ids found in the APK, for the recheck's SDK filter.
    pub sdk_ids: &'a [String],
    pub received_at: SystemTime,
    /// The response to replay for this request's `Idempotency-Key`, saved
    /// in the same transaction as the submission.
    pub idempotency: Option<&'a IdempotentResponse>,
}

/// One app of a bulk [`crate::Store::import`].
#[derive(Debug, Clone)]
pub struct Import<'a> {
    pub facts: &'a ApkFacts,
    /// The listing as received; its canonical sha256 must be the verdict's.
    pub listing_json: &'a [u8],
    pub submission: NewSubmission<'a>,
}

/// One row of a package's verdict history.
#[derive(Debug, Clone)]
pub struct VerdictEntry {
    /// Position in the history; also how cases and results refer to it.
    pub seq: i64,
    pub package: String,
    pub origin: VerdictOrigin,
    pub apk_sha256: String,
    pub listing_sha256: String,
    pub policy_set_id: String,
    pub policy_set_digest: String,
    pub decision: Decision,
    pub recorded_at: SystemTime,
    pub verdict: Stored<Verdict>,
}

/// What produced a verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerdictOrigin {
    Submission(String),
    Recheck(String),
}

#[derive(Debug, Clone)]
pub struct SubmissionRecord {
    pub id: String,
    pub package: String,
    pub received_at: SystemTime,
    pub verdict: VerdictEntry,
}

/// An app's current state and latest verdict.
#[derive(Debug, Clone)]
pub struct AppRecord {
    pub package: String,
    pub status: AppStatus,
    pub submission_id: String,
    pub category: Option<String>,
    pub sdk_ids: Vec<String>,
    pub updated_at: SystemTime,
    /// The latest verdict: the current submission's, or a later recheck's.
    /// Its apk and listing digests say which facts and listing to load.
    pub verdict: VerdictEntry,
}

/// The identical-inputs key of the verdict cache.
#[derive(Debug, Clone, Copy)]
pub struct VerdictKey<'a> {
    pub apk_sha256: &'a str,
    pub listing_sha256: &'a str,
    pub policy_set_digest: &'a str,
}

/// A response saved under an `Idempotency-Key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentResponse {
    pub key: String,
    /// A digest of the request; the same key with another fingerprint is a
    /// conflict, not a replay.
    pub fingerprint: String,
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub created_at: SystemTime,
}

/// A policy set that passed every check and was swapped in.
#[derive(Debug, Clone)]
pub struct PolicySetActivation<'a> {
    pub id: &'a str,
    pub digest: &'a str,
    /// Where it came from: `builtin`, `dir:PATH`, `admin`, `feed:URL`.
    pub source: &'a str,
    pub manifest: &'a Value,
    /// The verified bundle bytes, to serve again at start-up; `None` for
    /// the built-in pack.
    pub bundle: Option<&'a [u8]>,
    /// The feed's ETag for `bundle`.
    pub etag: Option<&'a str>,
    pub activated_at: SystemTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PolicySetRecord {
    pub seq: i64,
    pub id: String,
    pub digest: String,
    pub source: String,
    pub manifest: Value,
    pub activated_at: SystemTime,
}

/// The set to serve at start-up, before any feed answers.
#[derive(Debug, Clone, PartialEq)]
pub struct LastGood {
    pub set: PolicySetRecord,
    pub bundle: Option<Vec<u8>>,
    pub etag: Option<String>,
}

/// An admin action, as the audit log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub at: SystemTime,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub detail: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub seq: i64,
    pub entry: AuditEntry,
}

/// Which apps a recheck covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppFilter {
    All,
    Status(AppStatus),
    Package(String),
    Sdk(String),
    Category(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecheckStatus {
    Running,
    Done,
    Failed,
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct NewRecheckRun<'a> {
    pub id: &'a str,
    pub scope: &'a AppFilter,
    pub policy_set_id: &'a str,
    pub policy_set_digest: &'a str,
    /// A shadow run against a candidate set: results are kept for the
    /// report, but no verdict is appended and no app changes.
    pub candidate: bool,
    pub full: bool,
    /// Apps in scope when the run started, for progress.
    pub total: u64,
    pub started_at: SystemTime,
}

/// Per-run tallies, counted once per app however often a batch is retried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecheckCounts {
    /// Apps with a result: evaluated, skipped or failed.
    pub done: u64,
    pub skipped: u64,
    pub failed: u64,
    pub unchanged: u64,
    pub newly_rejected: u64,
    pub newly_rectify: u64,
    pub newly_passing: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecheckRun {
    pub id: String,
    pub scope: AppFilter,
    pub policy_set_id: String,
    pub policy_set_digest: String,
    pub candidate: bool,
    pub full: bool,
    pub status: RecheckStatus,
    /// The last package of the last committed batch: a resumed run asks for
    /// apps after it.
    pub cursor: Option<String>,
    pub total: u64,
    pub counts: RecheckCounts,
    pub started_at: SystemTime,
    pub updated_at: SystemTime,
    pub finished_at: Option<SystemTime>,
}

/// How a verdict moved relative to the app's previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    Unchanged,
    NewlyRejected,
    NewlyRectify,
    NewlyPassing,
}

impl Change {
    pub fn between(previous: Option<Decision>, now: Decision) -> Change {
        if previous == Some(now) {
            return Change::Unchanged;
        }
        match now {
            Decision::Reject => Change::NewlyRejected,
            Decision::Rectify => Change::NewlyRectify,
            Decision::Pass => Change::NewlyPassing,
        }
    }
}

/// What a recheck did with one app.
#[derive(Debug, Clone)]
pub enum RecheckOutcome<V> {
    /// Inputs and policies unchanged since the last verdict.
    Skipped,
    Evaluated(V),
    /// Counted and reported; the run goes on.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct RecheckResult {
    pub package: String,
    /// The app's decision before this run.
    pub previous: Option<Decision>,
    /// The history row of that decision: what the result is compared with.
    pub previous_seq: Option<i64>,
    pub outcome: RecheckOutcome<Verdict>,
    /// The evaluated verdict already encoded with [`Stored::encode`], so the
    /// committing thread does not have to; `None`: the store encodes it.
    pub encoded: Option<Stored<Verdict>>,
}

impl RecheckResult {
    /// `None` for a failure: it neither changed nor kept the decision.
    pub fn change(&self) -> Option<Change> {
        change_of(self.previous, &self.outcome, |v| v.decision)
    }
}

/// A recheck result as read back.
#[derive(Debug, Clone)]
pub struct RecheckEntry {
    pub package: String,
    pub previous: Option<Decision>,
    pub previous_seq: Option<i64>,
    pub outcome: RecheckOutcome<Evaluation>,
}

/// A stored evaluation of a recheck.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub decision: Decision,
    pub verdict: Stored<Verdict>,
    /// For a run against the active set, the history row it appended;
    /// `None` for a candidate run, which appends nothing.
    pub verdict_seq: Option<i64>,
}

impl RecheckEntry {
    pub fn change(&self) -> Option<Change> {
        change_of(self.previous, &self.outcome, |e| e.decision)
    }
}

fn change_of<V>(
    previous: Option<Decision>,
    outcome: &RecheckOutcome<V>,
    decision: impl Fn(&V) -> Decision,
) -> Option<Change> {
    match outcome {
        RecheckOutcome::Skipped => Some(Change::Unchanged),
        RecheckOutcome::Evaluated(v) => Some(Change::between(previous, decision(v))),
        RecheckOutcome::Failed(_) => None,
    }
}

/// One committed step of a run: its results and how far it got.
#[derive(Debug, Clone)]
pub struct RecheckBatch<'a> {
    pub results: &'a [RecheckResult],
    /// The last package of the batch. The stored cursor only moves forward,
    /// so batches finishing out of order never move it back.
    pub cursor: &'a str,
    pub at: SystemTime,
}

/// A rectification case's place in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseState {
    Rectify,
    Notified,
    Removed,
    Closed,
}

impl CaseState {
    /// Cases only move forward: rectify → notified → removed, and any open
    /// case may close.
    pub fn can_become(self, to: CaseState) -> bool {
        use CaseState::*;
        matches!(
            (self, to),
            (Rectify, Notified)
                | (Rectify, Removed)
                | (Notified, Removed)
                | (Rectify | Notified | Removed, Closed)
        )
    }
}

#[derive(Debug, Clone)]
pub struct NewCase<'a> {
    pub package: &'a str,
    /// `Rectify`, or `Removed` for a reject that removes a listed app at once.
    pub state: CaseState,
    /// The verdict that opened it.
    pub verdict_seq: i64,
    pub rectify_deadline: Option<&'a str>,
    pub removal_deadline: Option<&'a str>,
    pub at: SystemTime,
    pub reason: &'a str,
    /// The app's new state, set in the same transaction.
    pub app_status: Option<AppStatus>,
}

/// A transition, applied only if the case is still in `from`.
#[derive(Debug, Clone)]
pub struct CaseChange<'a> {
    pub from: CaseState,
    pub to: CaseState,
    pub at: SystemTime,
    pub reason: &'a str,
    pub verdict_seq: Option<i64>,
    /// Set when entering `Notified`: the second deadline.
    pub removal_deadline: Option<&'a str>,
    pub app_status: Option<AppStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: i64,
    pub package: String,
    pub state: CaseState,
    pub verdict_seq: i64,
    pub rectify_deadline: Option<String>,
    pub removal_deadline: Option<String>,
    pub opened_at: SystemTime,
    pub updated_at: SystemTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTransition {
    pub seq: i64,
    pub case_id: i64,
    /// `None` for the transition that opened the case.
    pub from: Option<CaseState>,
    pub to: CaseState,
    pub at: SystemTime,
    pub reason: String,
    pub verdict_seq: Option<i64>,
}

/// A document decoded by [`Store::facts_decoded`] or
/// [`Store::listing_decoded`](crate::Store::listing_decoded).
///
/// [`Store::facts_decoded`]: crate::Store::facts_decoded
#[derive(Debug, Clone)]
pub struct Decoded<T> {
    pub value: T,
    /// It came from the binary copy; if not, it was decoded from the JSON
    /// and a bulk reader may hand it to
    /// [`Store::keep_decoded`](crate::Store::keep_decoded).
    pub from_copy: bool,
}

/// A value decoded from a stored document, to keep as its binary copy.
#[derive(Debug, Clone, Copy)]
pub enum DecodedDoc<'a> {
    /// Keyed by its own `sha256`.
    Facts(&'a ApkFacts),
    Listing {
        sha256: &'a str,
        listing: &'a Listing,
    },
}

/// One change of [`Store::apply_case_ops`](crate::Store::apply_case_ops).
#[derive(Debug, Clone)]
pub enum CaseOp<'a> {
    Open(NewCase<'a>),
    Transition { id: i64, change: CaseChange<'a> },
}
