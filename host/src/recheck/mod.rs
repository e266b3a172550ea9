//! Re-checking the shelves: stored facts × a policy set, for many apps.
//!
//! A recheck never re-parses an APK: it reads the facts and listing each
//! app's latest verdict was made from, which the store keeps by content
//! address. It runs against the active set (new verdicts are appended to
//! the history, and the [`cases`](crate::cases) lifecycle follows them) or
//! against a **candidate** set in shadow (results are kept for the report;
//! no verdict, app or case changes).
//!
//! - **Incremental** ([`plan`]): an app whose verdict was made by this very
//!   set is skipped; otherwise only the policies that changed (or failed
//!   last time) run again and the others' findings are carried over. `full`
//!   runs everything, and is what a change of platform configuration or of
//!   the evaluation date's effect on a rule needs: a verdict records the
//!   policies that made it, not the configuration.
//! - **Streaming:** apps come from the store in package order, a batch at a
//!   time. One thread reads and evaluates a batch on the worker pool (apps
//!   in parallel) while the calling thread commits the previous one, so at
//!   most three batches are in memory whatever the catalogue's size.
//! - **Resumable:** a batch's results and the run's cursor are committed in
//!   one transaction, and a result already written is never written again,
//!   so a run killed at any point continues after its cursor.
//! - **Push model:** outcomes go to a [`RecheckSink`] after their batch is
//!   committed.

pub mod candidate;
pub mod diff;
pub mod plan;
pub mod sink;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use shelfgate_contract::types::{ApkFacts, Decision, Listing, Verdict};
use shelfgate_store::{
    AppFilter, AppRecord, AppStatus, DecodedDoc, NewRecheckRun, RecheckBatch, RecheckOutcome,
    RecheckResult, RecheckRun, RecheckStatus, Store, StoreError, Stored,
};

use crate::cases::{CaseError, Lifecycle, VerdictRef};
use crate::clock::{utc_date, Clock};
use crate::context::PlatformConfig;
use crate::engine::{Engine, EvalInput};
use crate::policy_set::PolicySet;
use crate::verdict::{assemble, findings_of, Outcome, Subject};
use diff::DiffLine;
pub use plan::Plan;
pub use sink::{AppOutcome, Discard, Progress, RecheckSink};

#[derive(Debug, thiserror::Error)]
pub enum RecheckError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cases(#[from] CaseError),
    #[error("recheck run `{0}` does not exist")]
    NotFound(String),
    #[error("recheck run `{run}` was started with policy set `{expected}`, which is not the set given (`{given}`)")]
    SetMismatch {
        run: String,
        expected: String,
        given: String,
    },
    #[error("{0} is not in the store")]
    Missing(String),
    #[error("the recheck sink failed: {0}")]
    Sink(String),
    #[error("writing the report: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Internal(String),
}

/// Which apps, against which set, how thoroughly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecheckRequest {
    pub scope: AppFilter,
    /// Shadow run against a candidate set: changes nothing stored.
    pub candidate: bool,
    /// Re-evaluate every policy for every app.
    pub full: bool,
}

#[derive(Debug, Clone)]
pub struct RecheckerOptions {
    /// Apps evaluated at once (0: one per core).
    pub threads: usize,
    /// Apps per committed batch: the checkpoint interval and, times three,
    /// the bound on apps in memory.
    pub batch: usize,
}

impl Default for RecheckerOptions {
    fn default() -> Self {
        RecheckerOptions {
            threads: 0,
            // Each batch costs the committing thread two fsyncs (results,
            // cases); 2,048 made its CPU 0.88× that of 512 on a 10 %
            // incremental recheck, for ~26 MB more peak memory.
            batch: 2048,
        }
    }
}

/// Where the time of a run went. Reading, loading, evaluating and
/// assembling (which includes encoding the verdict for the store) are
/// summed over the worker threads; committing and cases are the
/// committing thread's wall time.
#[derive(Debug, Default)]
struct StageClock {
    read: AtomicU64,
    load: AtomicU64,
    evaluate: AtomicU64,
    assemble: AtomicU64,
    commit: AtomicU64,
    cases: AtomicU64,
    copies: AtomicU64,
    policy_calls: AtomicU64,
    copies_kept: AtomicU64,
}

impl StageClock {
    fn add(counter: &AtomicU64, since: Instant) {
        let nanos = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        counter.fetch_add(nanos, Ordering::Relaxed);
    }

    fn snapshot(&self) -> Stages {
        let d = |c: &AtomicU64| Duration::from_nanos(c.load(Ordering::Relaxed)).as_secs_f64();
        Stages {
            read_apps_seconds: d(&self.read),
            load_inputs_seconds: d(&self.load),
            evaluate_seconds: d(&self.evaluate),
            assemble_seconds: d(&self.assemble),
            commit_seconds: d(&self.commit),
            cases_seconds: d(&self.cases),
            copies_seconds: d(&self.copies),
            policy_calls: self.policy_calls.load(Ordering::Relaxed),
            copies_kept: self.copies_kept.load(Ordering::Relaxed),
        }
    }
}

/// [`StageClock`]'s figures, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stages {
    pub read_apps_seconds: f64,
    pub load_inputs_seconds: f64,
    pub evaluate_seconds: f64,
    pub assemble_seconds: f64,
    pub commit_seconds: f64,
    pub cases_seconds: f64,
    /// Keeping binary copies of inputs decoded from JSON (committing
    /// thread's wall time).
    pub copies_seconds: f64,
    /// Policy evaluations run (carried-over policies are not counted).
    pub policy_calls: u64,
    /// Facts and listings decoded from JSON and kept as binary copies: all
    /// of them on the first run after a WIT change, none after.
    pub copies_kept: u64,
}

/// How a call to [`Rechecker::run`] ended.
#[derive(Debug, Clone)]
pub struct Summary {
    pub run: RecheckRun,
    /// The sink stopped it; it can be resumed.
    pub stopped: bool,
    /// This call's wall time and stages (a resumed run's earlier calls are
    /// not included).
    pub elapsed: Duration,
    pub stages: Stages,
}

/// One app, checked.
struct Checked {
    result: RecheckResult,
    diff: Option<DiffLine>,
    misses: Misses,
}

/// Inputs of one app that had no binary copy and were decoded from JSON.
#[derive(Default)]
struct Misses {
    facts: Option<Arc<ApkFacts>>,
    listing: Option<(String, Arc<Listing>)>,
}

/// A batch on its way from the workers to the committer; the first three
/// vectors are parallel.
struct Batch {
    apps: Vec<AppRecord>,
    results: Vec<RecheckResult>,
    diffs: Vec<Option<DiffLine>>,
    misses: Vec<Misses>,
}

pub struct Rechecker {
    store: Arc<dyn Store>,
    engine: Arc<Engine>,
    platform: PlatformConfig,
    clock: Arc<dyn Clock>,
    lifecycle: Lifecycle,
    pool: rayon::ThreadPool,
    batch: usize,
}

impl Rechecker {
    pub fn new(
        store: Arc<dyn Store>,
        engine: Arc<Engine>,
        platform: PlatformConfig,
        clock: Arc<dyn Clock>,
        lifecycle: Lifecycle,
        options: RecheckerOptions,
    ) -> Result<Rechecker, RecheckError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads)
            .thread_name(|i| format!("shelfgate-recheck-{i}"))
            .build()
            .map_err(|e| RecheckError::Internal(format!("starting the worker pool: {e}")))?;
        Ok(Rechecker {
            store,
            engine,
            platform,
            clock,
            lifecycle,
            pool,
            batch: options.batch.max(1),
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    /// Records a new run of `request` against `set`; [`Rechecker::run`]
    /// then does the work.
    pub fn start(
        &self,
        request: &RecheckRequest,
        set: &PolicySet,
    ) -> Result<RecheckRun, RecheckError> {
        let total = self.store.count_apps(&request.scope)?;
        let id = format!("rc-{}", uuid::Uuid::new_v4().simple());
        Ok(self.store.start_recheck(&NewRecheckRun {
            id: &id,
            scope: &request.scope,
            policy_set_id: &set.id,
            policy_set_digest: &set.digest,
            candidate: request.candidate,
            full: request.full,
            total,
            started_at: self.clock.now(),
        })?)
    }

    /// Runs `run_id` from its checkpoint to the end, or until the sink
    /// stops it. `set` must be the set the run was started with. The
    /// evaluation date is the run's start date, so a resumed run judges
    /// the rest of the catalogue exactly as the first part was judged.
    pub fn run<S: RecheckSink>(
        &self,
        run_id: &str,
        set: &PolicySet,
        sink: &mut S,
    ) -> Result<Summary, RecheckError> {
        let started = Instant::now();
        let stages = StageClock::default();
        let mut run = self
            .store
            .recheck_run(run_id)?
            .ok_or_else(|| RecheckError::NotFound(run_id.to_owned()))?;
        if run.policy_set_digest != set.digest {
            return Err(RecheckError::SetMismatch {
                run: run.id,
                expected: run.policy_set_id,
                given: set.id.clone(),
            });
        }
        if run.status == RecheckStatus::Done {
            return Ok(Summary {
                run,
                stopped: false,
                elapsed: started.elapsed(),
                stages: stages.snapshot(),
            });
        }
        if run.status != RecheckStatus::Running {
            run =
                self.store
                    .set_recheck_status(run_id, RecheckStatus::Running, self.clock.now())?;
        }
        if run.cursor.is_some() && !run.candidate {
            // A killed run may have committed a batch without applying its
            // cases; applying is idempotent, so apply them all again.
            self.reconcile_cases(&run)?;
        }
        let date = utc_date(run.started_at);
        let stop = AtomicBool::new(false);
        // The producer reads from the run's start; the committer moves `run`.
        let from = run.clone();
        let consumed = std::thread::scope(|scope| {
            let (tx, rx) = mpsc::sync_channel::<Result<Batch, RecheckError>>(1);
            let producer = {
                let (run, date, stages, stop) = (&from, &date, &stages, &stop);
                scope.spawn(move || self.produce(run, set, date, stages, stop, tx))
            };
            let consumed = self.consume(&mut run, rx, sink, &stages, started);
            stop.store(true, Ordering::Relaxed);
            if producer.join().is_err() {
                return Err(RecheckError::Internal("a recheck worker panicked".into()));
            }
            consumed
        });
        let status = match &consumed {
            Ok(true) => RecheckStatus::Cancelled,
            Ok(false) => RecheckStatus::Done,
            Err(_) => RecheckStatus::Failed,
        };
        let ended = self
            .store
            .set_recheck_status(run_id, status, self.clock.now());
        let stopped = consumed?;
        Ok(Summary {
            run: ended?,
            stopped,
            elapsed: started.elapsed(),
            stages: stages.snapshot(),
        })
    }

    /// Reads and evaluates batches until the scope is exhausted or the
    /// consumer is gone.
    fn produce(
        &self,
        run: &RecheckRun,
        set: &PolicySet,
        date: &str,
        stages: &StageClock,
        stop: &AtomicBool,
        tx: mpsc::SyncSender<Result<Batch, RecheckError>>,
    ) {
        use rayon::prelude::*;
        let mut cursor = run.cursor.clone();
        while !stop.load(Ordering::Relaxed) {
            let t = Instant::now();
            let apps = match self
                .store
                .apps_after(cursor.as_deref(), self.batch, &run.scope)
            {
                Ok(apps) => apps,
                Err(e) => {
                    let _ = tx.send(Err(e.into()));
                    return;
                }
            };
            StageClock::add(&stages.read, t);
            let Some(last) = apps.last() else { return };
            cursor = Some(last.package.clone());
            let checked: Vec<Checked> = self.pool.install(|| {
                apps.par_iter()
                    .map(|app| self.check(app, run, set, date, stages))
                    .collect()
            });
            let mut batch = Batch {
                apps,
                results: Vec::with_capacity(checked.len()),
                diffs: Vec::with_capacity(checked.len()),
                misses: Vec::new(),
            };
            for c in checked {
                batch.results.push(c.result);
                batch.diffs.push(c.diff);
                if c.misses.facts.is_some() || c.misses.listing.is_some() {
                    batch.misses.push(c.misses);
                }
            }
            if tx.send(Ok(batch)).is_err() {
                return;
            }
        }
    }

    /// Commits batches in order and feeds the sink; `Ok(true)` if the sink
    /// stopped the run.
    fn consume<S: RecheckSink>(
        &self,
        run: &mut RecheckRun,
        rx: mpsc::Receiver<Result<Batch, RecheckError>>,
        sink: &mut S,
        stages: &StageClock,
        started: Instant,
    ) -> Result<bool, RecheckError> {
        let done_before = run.counts.done;
        for batch in rx {
            let batch = batch?;
            let Some(last) = batch.apps.last() else {
                continue;
            };
            let t = Instant::now();
            let previous_cursor = run.cursor.clone();
            *run = self.store.commit_recheck_batch(
                &run.id,
                &RecheckBatch {
                    results: &batch.results,
                    cursor: &last.package,
                    at: self.clock.now(),
                },
            )?;
            StageClock::add(&stages.commit, t);
            self.keep_copies(&batch.misses, stages)?;
            if !run.candidate {
                let t = Instant::now();
                self.apply_cases(run, previous_cursor.as_deref(), &batch)?;
                StageClock::add(&stages.cases, t);
            }
            for ((app, result), diff) in batch.apps.iter().zip(&batch.results).zip(&batch.diffs) {
                let outcome = AppOutcome {
                    package: &app.package,
                    status: app.status,
                    previous: result.previous,
                    outcome: &result.outcome,
                    change: result.change(),
                    diff: diff.as_ref(),
                };
                if !sink
                    .outcome(&outcome)
                    .map_err(|e| RecheckError::Sink(e.to_string()))?
                {
                    return Ok(true);
                }
            }
            let seconds = started.elapsed().as_secs_f64();
            let rate = if seconds > 0.0 {
                run.counts.done.saturating_sub(done_before) as f64 / seconds
            } else {
                0.0
            };
            if !sink
                .progress(&Progress::new(run, rate))
                .map_err(|e| RecheckError::Sink(e.to_string()))?
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// One app: skipped, evaluated, or failed (counted; the run goes on).
    fn check(
        &self,
        app: &AppRecord,
        run: &RecheckRun,
        set: &PolicySet,
        date: &str,
        stages: &StageClock,
    ) -> Checked {
        let previous = Some(app.verdict.decision);
        let result = |outcome| RecheckResult {
            package: app.package.clone(),
            previous,
            previous_seq: Some(app.verdict.seq),
            outcome,
            encoded: None,
        };
        if !run.full && app.verdict.policy_set_digest == set.digest {
            return Checked {
                result: result(RecheckOutcome::Skipped),
                diff: None,
                misses: Misses::default(),
            };
        }
        let mut misses = Misses::default();
        match self.evaluate(app, set, run.full, date, stages, &mut misses) {
            Ok((verdict, diff)) => {
                // Encoded here, on a worker, not on the committing thread,
                // which is the incremental run's critical path. A failure
                // leaves it to the store, which reports it.
                let t = Instant::now();
                let encoded = Stored::encode(&verdict).ok();
                StageClock::add(&stages.assemble, t);
                Checked {
                    result: RecheckResult {
                        encoded,
                        ..result(RecheckOutcome::Evaluated(verdict))
                    },
                    diff: Some(diff),
                    misses,
                }
            }
            Err(e) => {
                let message = e.to_string();
                let diff = DiffLine::new(
                    &app.package,
                    previous,
                    None,
                    &RecheckOutcome::Failed(message.clone()),
                );
                Checked {
                    result: result(RecheckOutcome::Failed(message)),
                    diff: Some(diff),
                    misses,
                }
            }
        }
    }

    fn evaluate(
        &self,
        app: &AppRecord,
        set: &PolicySet,
        full: bool,
        date: &str,
        stages: &StageClock,
        misses: &mut Misses,
    ) -> Result<(Verdict, DiffLine), RecheckError> {
        let t = Instant::now();
        let before = app.verdict.verdict.decode()?;
        let plan = if full {
            Plan::everything(set)
        } else {
            Plan::against(&before, set)
        };
        // A set that differs only in failure modes needs no facts at all.
        let input = if plan.count() > 0 {
            Some(self.input(app, date, misses)?)
        } else {
            None
        };
        StageClock::add(&stages.load, t);

        let t = Instant::now();
        let mut calls = 0u64;
        let outcomes: Vec<Outcome<'_>> = set
            .policies
            .iter()
            .enumerate()
            .map(|(i, policy)| match &input {
                Some(input) if plan.runs(i) => {
                    calls += 1;
                    let start = Instant::now();
                    let result = self.engine.evaluate(&policy.loaded, input);
                    Outcome {
                        policy,
                        result,
                        micros: u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
                    }
                }
                _ => Outcome {
                    policy,
                    result: Ok(findings_of(&before, policy.id())),
                    micros: before
                        .timings
                        .iter()
                        .find(|t| t.policy_id == policy.id())
                        .map_or(0, |t| t.micros),
                },
            })
            .collect();
        stages.policy_calls.fetch_add(calls, Ordering::Relaxed);
        StageClock::add(&stages.evaluate, t);

        let t = Instant::now();
        let verdict = assemble(
            set,
            outcomes,
            &Subject {
                apk_sha256: &app.verdict.apk_sha256,
                listing_sha256: &app.verdict.listing_sha256,
                date,
                default_deadline: self.platform.default_deadline_working_days,
            },
        );
        let diff = DiffLine::new(
            &app.package,
            Some(app.verdict.decision),
            Some(&before),
            &RecheckOutcome::Evaluated(&verdict),
        );
        StageClock::add(&stages.assemble, t);
        Ok((verdict, diff))
    }

    /// The stored facts and listing the app's verdict was made from, from
    /// their binary copies where kept; those decoded from JSON instead go
    /// to `misses`, to be kept after the batch.
    fn input(
        &self,
        app: &AppRecord,
        date: &str,
        misses: &mut Misses,
    ) -> Result<Arc<EvalInput>, RecheckError> {
        let apk = &app.verdict.apk_sha256;
        let facts = self
            .store
            .facts_decoded(apk)?
            .ok_or_else(|| RecheckError::Missing(format!("facts of apk `{apk}`")))?;
        let sha = &app.verdict.listing_sha256;
        let listing = self
            .store
            .listing_decoded(sha)?
            .ok_or_else(|| RecheckError::Missing(format!("listing `{sha}`")))?;
        let context = self.platform.context(&listing.value, date, None);
        let input = EvalInput {
            facts: Arc::new(facts.value),
            listing: Arc::new(listing.value),
            context,
        };
        if !facts.from_copy {
            misses.facts = Some(input.facts.clone());
        }
        if !listing.from_copy {
            misses.listing = Some((sha.clone(), input.listing.clone()));
        }
        Ok(Arc::new(input))
    }

    /// Keeps binary copies of the inputs a batch decoded from JSON, so the
    /// next recheck reads them without the JSON walk. Only a cache: the
    /// batch is already committed, and losing this write loses nothing.
    fn keep_copies(&self, misses: &[Misses], stages: &StageClock) -> Result<(), RecheckError> {
        if misses.is_empty() {
            return Ok(());
        }
        let t = Instant::now();
        let mut docs = Vec::with_capacity(misses.len() * 2);
        for m in misses {
            if let Some(facts) = &m.facts {
                docs.push(DecodedDoc::Facts(facts));
            }
            if let Some((sha256, listing)) = &m.listing {
                docs.push(DecodedDoc::Listing { sha256, listing });
            }
        }
        self.store.keep_decoded(&docs)?;
        stages
            .copies_kept
            .fetch_add(docs.len() as u64, Ordering::Relaxed);
        StageClock::add(&stages.copies, t);
        Ok(())
    }

    /// The lifecycle for a committed batch of an active run.
    fn apply_cases(
        &self,
        run: &RecheckRun,
        previous_cursor: Option<&str>,
        batch: &Batch,
    ) -> Result<(), RecheckError> {
        // The history rows this batch appended, by package.
        let stored =
            self.store
                .recheck_results(&run.id, previous_cursor, batch.apps.len(), None)?;
        let seqs: HashMap<&str, i64> = stored
            .iter()
            .filter_map(|e| match &e.outcome {
                RecheckOutcome::Evaluated(ev) => ev.verdict_seq.map(|s| (e.package.as_str(), s)),
                _ => None,
            })
            .collect();
        let mut verdicts = Vec::new();
        for (app, result) in batch.apps.iter().zip(&batch.results) {
            let decision = match &result.outcome {
                RecheckOutcome::Evaluated(v) => v.decision,
                RecheckOutcome::Skipped => app.verdict.decision,
                RecheckOutcome::Failed(_) => continue,
            };
            if !needs_case_check(decision, result.previous) {
                continue;
            }
            let verdict = match &result.outcome {
                RecheckOutcome::Evaluated(v) => {
                    let Some(seq) = seqs.get(app.package.as_str()) else {
                        continue;
                    };
                    VerdictRef {
                        package: &app.package,
                        status: app.status,
                        decision: v.decision,
                        seq: *seq,
                        deadline_working_days: v.deadline_working_days,
                    }
                }
                _ => VerdictRef::latest(app)?,
            };
            verdicts.push(verdict);
        }
        // One transaction for the batch's cases.
        self.lifecycle.apply_all(&verdicts)?;
        Ok(())
    }

    /// Applies the lifecycle to every app the run has a result for.
    fn reconcile_cases(&self, run: &RecheckRun) -> Result<(), RecheckError> {
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .store
                .recheck_results(&run.id, cursor.as_deref(), self.batch, None)?;
            let Some(last) = page.last() else {
                return Ok(());
            };
            cursor = Some(last.package.clone());
            let mut apps = Vec::new();
            for entry in &page {
                let decision = match &entry.outcome {
                    RecheckOutcome::Evaluated(e) => e.decision,
                    RecheckOutcome::Skipped => match entry.previous {
                        Some(d) => d,
                        None => continue,
                    },
                    RecheckOutcome::Failed(_) => continue,
                };
                if !needs_case_check(decision, entry.previous) {
                    continue;
                }
                if let Some(app) = self.store.app(&entry.package)? {
                    apps.push(app);
                }
            }
            let verdicts = apps
                .iter()
                .map(VerdictRef::latest)
                .collect::<Result<Vec<_>, _>>()?;
            self.lifecycle.apply_all(&verdicts)?;
        }
    }
}

/// Only a verdict that is not a pass, or a pass after one that was not,
/// can concern a case: a pass after a pass has none to close.
fn needs_case_check(decision: Decision, previous: Option<Decision>) -> bool {
    decision != Decision::Pass || previous.is_some_and(|p| p != Decision::Pass)
}

/// A scope from its text: `all`, `listed`, `shelved`, `removed`,
/// `package:NAME`, `sdk:ID` or `category:NAME`.
pub fn parse_scope(text: &str) -> Result<AppFilter, String> {
    let filter = match text {
        "all" => AppFilter::All,
        "listed" => AppFilter::Status(AppStatus::Listed),
        "shelved" => AppFilter::Status(AppStatus::Shelved),
        "removed" => AppFilter::Status(AppStatus::Removed),
        _ => match text.split_once(':') {
            Some(("package", p)) if !p.is_empty() => AppFilter::Package(p.to_owned()),
            Some(("sdk", s)) if !s.is_empty() => AppFilter::Sdk(s.to_owned()),
            Some(("category", c)) if !c.is_empty() => AppFilter::Category(c.to_owned()),
            _ => {
                return Err(format!(
                    "scope `{text}` is none of all, listed, shelved, removed, \
                     package:NAME, sdk:ID, category:NAME"
                ))
            }
        },
    };
    Ok(filter)
}

/// The text form of a scope, as [`parse_scope`] reads it.
pub fn scope_text(filter: &AppFilter) -> String {
    match filter {
        AppFilter::All => "all".into(),
        AppFilter::Status(AppStatus::Listed) => "listed".into(),
        AppFilter::Status(AppStatus::Shelved) => "shelved".into(),
        AppFilter::Status(AppStatus::Removed) => "removed".into(),
        AppFilter::Package(p) => format!("package:{p}"),
        AppFilter::Sdk(s) => format!("sdk:{s}"),
        AppFilter::Category(c) => format!("category:{c}"),
    }
}
