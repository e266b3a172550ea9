//! The gatekeeper as a long-running service, without HTTP.
//!
//! [`Service::open`] assembles the parts under one data directory: the
//! store, the engine and evaluator, the inspector, and the policy
//! [`Activator`] with the last good set restored. The pipeline methods take
//! an upload through its stages (verdict cache, inspection, evaluation,
//! storage), each timed and bounded:
//!
//! - CPU-bound work (inspection, evaluation) and every store call run on
//!   blocking threads, so the async runtime keeps accepting and answering;
//! - inspections take a permit of a semaphore sized to the cores, so a
//!   burst of large APKs queues instead of thrashing memory, and a permit
//!   not obtained within the stage timeout is a [`ServiceError::Timeout`]
//!   (the HTTP layer answers 503 with `Retry-After`);
//! - a stage that outlives its timeout is abandoned to finish in the
//!   background; its result is dropped, its resources are bounded by the
//!   inspection and engine limits.
//!
//! A submission's verdict is committed (fsynced) before the method returns,
//! so what the API acknowledges survives `kill -9`; so is the case it opens
//! or moves. A check's audit entry is written (group-committed with other
//! checks', see [`Service::audit_check`]) before its verdict is returned.
//!
//! An update is judged against the last accepted version of its package
//! ([`PreviousVersion`]: signers, lineage, permissions, version code), so
//! update-continuity policies act on uploads exactly as `shelfgate check`
//! with an explicit previous version.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;
use shelfgate_bundle::{Limits as BundleLimits, TrustedKeys};
use shelfgate_contract::types::PreviousVersion;
use shelfgate_contract::types::{ApkFacts, Decision, Listing, Verdict};
use shelfgate_inspect::sdk::SdkTable;
use shelfgate_inspect::{InspectError, Inspector, Limits as InspectLimits};
use shelfgate_store::{
    AppRecord, AppStatus, AuditEntry, Case, IdempotentResponse, NewSubmission, SqliteStore, Store,
    StoreError, StoreOptions, SubmissionRecord, VerdictEntry, VerdictKey,
};
use tokio::sync::{mpsc, oneshot, watch, Semaphore};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::cases::{CaseConfig, CaseError, Lifecycle, VerdictRef};
use crate::clock::{rfc3339, utc_date, Clock, SystemClock};
use crate::context::PlatformConfig;
use crate::engine::{Engine, EngineConfig, EvalInput};
use crate::evaluate::Evaluator;
use crate::feed::poll::FeedSource;
use crate::feed::{self, Activator, Source};
use crate::metrics::{Metrics, Stage};
use crate::policy_set::PolicySet;
use crate::upload::{ApkFile, ListingUpload};

/// How long each stage may take.
#[derive(Debug, Clone)]
pub struct StageTimeouts {
    pub upload: Duration,
    pub inspect: Duration,
    pub evaluate: Duration,
    pub store: Duration,
    /// An upload that sends nothing for this long is answered 408.
    pub upload_idle: Duration,
    /// After [`StageTimeouts::upload_grace`], an upload slower than this
    /// many bytes per second on average is answered 408: a slow-loris
    /// client cannot hold an upload slot for the whole upload timeout.
    pub upload_min_rate: u64,
    pub upload_grace: Duration,
}

impl Default for StageTimeouts {
    fn default() -> Self {
        StageTimeouts {
            upload: Duration::from_secs(300),
            inspect: Duration::from_secs(60),
            evaluate: Duration::from_secs(30),
            store: Duration::from_secs(15),
            upload_idle: Duration::from_secs(20),
            upload_min_rate: 16 << 10,
            upload_grace: Duration::from_secs(10),
        }
    }
}

/// Everything the service is started with.
#[derive(Debug)]
pub struct ServiceConfig {
    /// The store, temporary uploads and the compile cache live here.
    pub data_dir: PathBuf,
    pub platform: PlatformConfig,
    pub inspect_limits: InspectLimits,
    /// SDK signatures; `None` is the built-in table.
    pub sdk_table: Option<SdkTable>,
    pub engine: EngineConfig,
    /// Threads evaluating policies (0: one per core).
    pub eval_threads: usize,
    /// Inspections at once (0: one per core).
    pub inspect_workers: usize,
    pub max_apk_bytes: u64,
    pub timeouts: StageTimeouts,
    /// Keep uploaded APK bytes in the store (recheck needs only facts).
    pub keep_apks: bool,
    pub trusted_keys: TrustedKeys,
    pub bundle_limits: BundleLimits,
    pub policy_dir: Option<PathBuf>,
    pub watch_interval: Duration,
    pub feed: Option<FeedSource>,
    /// Check audit entries waiting for the writer before checks wait.
    pub audit_queue: usize,
    /// Deadlines of the cases submissions open.
    pub cases: CaseConfig,
    /// Evaluation dates, case deadlines and bundle expiry read this clock.
    pub clock: ServiceClock,
}

/// The service's clock; tests inject a [`FakeClock`](crate::clock::FakeClock).
#[derive(Clone)]
pub struct ServiceClock(pub Arc<dyn Clock>);

impl Default for ServiceClock {
    fn default() -> Self {
        ServiceClock(Arc::new(SystemClock))
    }
}

impl std::fmt::Debug for ServiceClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServiceClock({})", rfc3339(self.0.now()))
    }
}

impl ServiceConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> ServiceConfig {
        let data_dir = data_dir.into();
        ServiceConfig {
            engine: EngineConfig {
                cache_dir: Some(data_dir.join("compile-cache")),
                ..EngineConfig::default()
            },
            data_dir,
            platform: PlatformConfig::default(),
            inspect_limits: InspectLimits::default(),
            sdk_table: None,
            eval_threads: 0,
            inspect_workers: 0,
            max_apk_bytes: 512 << 20,
            timeouts: StageTimeouts::default(),
            keep_apks: false,
            trusted_keys: TrustedKeys::default(),
            bundle_limits: BundleLimits::default(),
            policy_dir: None,
            watch_interval: Duration::from_secs(1),
            feed: None,
            audit_queue: AUDIT_QUEUE,
            cases: CaseConfig::default(),
            clock: ServiceClock::default(),
        }
    }
}

/// Why an upload got no verdict.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("the APK cannot be inspected: {0}")]
    MalformedApk(InspectError),
    #[error("the {} stage did not finish within {timeout:?}", stage.name())]
    Timeout { stage: Stage, timeout: Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the audit log could not be written: {0}")]
    Audit(String),
    #[error("{0}")]
    Internal(String),
}

/// A verdict for an upload, fresh or from the cache.
#[derive(Debug, Clone)]
pub struct Evaluated {
    pub verdict: Verdict,
    pub package: String,
    /// Answered from the stored verdict of identical inputs.
    pub cached: bool,
    /// The facts, when inspected now (a cached answer did not need them).
    pub facts: Option<Arc<ApkFacts>>,
    /// Time spent inspecting and evaluating themselves, on their threads
    /// (queueing excluded): what the rest of a request's latency is
    /// measured against.
    pub work: Vec<(Stage, Duration)>,
    /// The last accepted version this upload was judged against.
    pub previous: Option<PreviousVersion>,
}

/// A submission to record.
pub struct NewRecord<'a> {
    pub id: &'a str,
    pub apk: &'a ApkFile,
    pub listing: &'a ListingUpload,
    pub evaluated: &'a Evaluated,
    pub received_at: SystemTime,
    pub idempotency: Option<IdempotentResponse>,
}

pub struct Service {
    config: ServiceConfig,
    store: Arc<dyn Store>,
    evaluator: Arc<Evaluator>,
    inspector: Arc<Inspector>,
    policies: Arc<Activator>,
    metrics: Arc<Metrics>,
    cpu: Arc<Semaphore>,
    uploads_dir: PathBuf,
    restored_etag: Option<(Source, String)>,
    audit: mpsc::Sender<QueuedAudit>,
    audit_rx: Mutex<Option<mpsc::Receiver<QueuedAudit>>>,
    lifecycle: Arc<Lifecycle>,
}

/// A check's audit entry and who waits for it to be written.
type QueuedAudit = (AuditEntry, oneshot::Sender<Result<(), String>>);

/// Check audit entries waiting for the writer; beyond it, checks wait
/// (back-pressure) rather than an entry being dropped.
const AUDIT_QUEUE: usize = 4096;
/// Audit entries written per transaction at most.
const AUDIT_BATCH: usize = 512;

impl Service {
    /// Opens the data directory and makes a policy set active. Blocking:
    /// it opens the database and compiles (or loads cached) policies.
    pub fn open(mut config: ServiceConfig) -> anyhow::Result<Service> {
        let uploads_dir = config.data_dir.join("tmp");
        std::fs::create_dir_all(&uploads_dir)
            .map_err(|e| anyhow::anyhow!("creating `{}`: {e}", uploads_dir.display()))?;
        // Uploads left by a process that died mid-request.
        if let Ok(entries) = std::fs::read_dir(&uploads_dir) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(
            &config.data_dir,
            StoreOptions {
                keep_apks: config.keep_apks,
                ..StoreOptions::default()
            },
        )?);
        let metrics = Arc::new(Metrics::new()?);
        let engine = Arc::new(Engine::new(config.engine.clone())?);
        let evaluator = Arc::new(Evaluator::new(engine, config.eval_threads)?);
        let inspector = Arc::new(Inspector::new(
            config.inspect_limits.clone(),
            config.sdk_table.take().unwrap_or_else(SdkTable::builtin),
        ));
        let started = Activator::start(
            evaluator.clone(),
            store.clone(),
            metrics.clone(),
            config.trusted_keys.clone(),
            config.bundle_limits.clone(),
            config.clock.0.clone(),
        )?;
        let policies = started.activator;
        if let Some(dir) = &config.policy_dir {
            policies.set_policy_dir(dir);
            // A refusal is in the status; the set before it keeps serving.
            let _ = policies.activate_dir(dir);
        }
        let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
        let workers = if config.inspect_workers == 0 {
            cpus
        } else {
            config.inspect_workers
        };
        let (audit, audit_rx) = mpsc::channel(config.audit_queue.max(1));
        let lifecycle = Arc::new(
            Lifecycle::new(store.clone(), config.clock.0.clone(), config.cases.clone())
                .map_err(|e| anyhow::anyhow!("the case configuration: {e}"))?,
        );
        let active = policies.current();
        info!(set = %active.id, source = %active.source, policies = active.policies.len(), "policy set active");
        Ok(Service {
            config,
            store,
            evaluator,
            inspector,
            policies,
            metrics,
            cpu: Arc::new(Semaphore::new(workers)),
            uploads_dir,
            restored_etag: started.restored_etag,
            audit,
            audit_rx: Mutex::new(Some(audit_rx)),
            lifecycle,
        })
    }

    /// Starts the feed poller, the directory watcher and the audit writer;
    /// they stop when `shutdown` turns true.
    pub fn start_background(&self, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
        let mut tasks = Vec::new();
        if let Some(rx) = self.audit_rx.lock().ok().and_then(|mut r| r.take()) {
            tasks.push(tokio::spawn(write_audit(
                self.store.clone(),
                rx,
                shutdown.clone(),
                self.metrics.clone(),
            )));
        }
        if let Some(dir) = &self.config.policy_dir {
            let seen = feed::watch::fingerprint(dir);
            tasks.push(tokio::spawn(feed::watch::run(
                self.policies.clone(),
                dir.clone(),
                self.config.watch_interval,
                seen,
                shutdown.clone(),
            )));
        }
        if let Some(source) = &self.config.feed {
            let feed_source = Source::Feed(source.url.to_string());
            let etag = self
                .restored_etag
                .as_ref()
                .filter(|(s, _)| *s == feed_source)
                .map(|(_, etag)| etag.clone());
            match feed_client() {
                Ok(client) => tasks.push(tokio::spawn(feed::poll::run(
                    self.policies.clone(),
                    client,
                    source.clone(),
                    etag,
                    self.config.bundle_limits.max_bundle_bytes,
                    shutdown,
                ))),
                Err(e) => {
                    warn!(error = %e, "cannot build the feed HTTP client; the feed is not polled")
                }
            }
        }
        tasks
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn policies(&self) -> &Arc<Activator> {
        &self.policies
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The evaluator and its engine, for rechecks of the stored catalogue.
    pub fn evaluator(&self) -> &Arc<Evaluator> {
        &self.evaluator
    }

    /// Where uploads are streamed while they are checked.
    pub fn uploads_dir(&self) -> &Path {
        &self.uploads_dir
    }

    /// A verdict for an uploaded APK and listing under the active set:
    /// the stored one when identical inputs were judged by this set today,
    /// else inspection and evaluation now.
    pub async fn evaluate(
        &self,
        apk: &ApkFile,
        listing: &ListingUpload,
    ) -> Result<Evaluated, ServiceError> {
        let set = self.policies.current();
        let date = utc_date(self.config.clock.0.now());
        if let Some(hit) = self.cached(apk, listing, &set, &date).await? {
            return Ok(hit);
        }

        let timeout = self.config.timeouts.inspect;
        let start = Instant::now();
        let permit = tokio::time::timeout(timeout, self.cpu.clone().acquire_owned())
            .await
            .map_err(|_| ServiceError::Timeout {
                stage: Stage::Inspect,
                timeout,
            })?
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let inspector = self.inspector.clone();
        let path = apk.path.to_path_buf();
        let remaining = timeout.saturating_sub(start.elapsed());
        let (facts, inspected) = self
            .blocking(Stage::Inspect, remaining, move || {
                let _permit = permit;
                let start = Instant::now();
                (inspector.inspect_path(&path), start.elapsed())
            })
            .await?;
        let facts = facts.map_err(|e| match e {
            InspectError::Io(io) => ServiceError::Internal(format!("reading the upload: {io}")),
            other => ServiceError::MalformedApk(other),
        })?;
        let facts = Arc::new(facts);

        let previous = self.previous_version(&facts.package, &apk.sha256).await?;
        let context = self
            .config
            .platform
            .context(&listing.listing, &date, previous.clone());
        let input = Arc::new(EvalInput {
            facts: facts.clone(),
            listing: Arc::new(listing.listing.clone()),
            context,
        });
        let evaluator = self.evaluator.clone();
        let listing_sha256 = listing.sha256.clone();
        let (verdict, evaluated) = self
            .blocking(Stage::Evaluate, self.config.timeouts.evaluate, move || {
                let start = Instant::now();
                (
                    evaluator.evaluate(&set, &input, &listing_sha256),
                    start.elapsed(),
                )
            })
            .await?;
        Ok(Evaluated {
            verdict,
            package: facts.package.clone(),
            cached: false,
            facts: Some(facts),
            work: vec![(Stage::Inspect, inspected), (Stage::Evaluate, evaluated)],
            previous,
        })
    }

    /// The last accepted version of `package` other than this very APK
    /// (resubmitting the same APK is not an update of itself), as policies
    /// see it: its signers and lineage, permissions, version code, and the
    /// PI types its listing declared.
    async fn previous_version(
        &self,
        package: &str,
        apk_sha256: &str,
    ) -> Result<Option<PreviousVersion>, ServiceError> {
        let store = self.store.clone();
        let (package, apk_sha256) = (package.to_owned(), apk_sha256.to_owned());
        self.blocking(Stage::Store, self.config.timeouts.store, move || {
            let Some(entry) = store.last_accepted(&package, &apk_sha256)? else {
                return Ok(None);
            };
            let Some(facts) = store.facts(&entry.apk_sha256)? else {
                return Ok(None);
            };
            let facts = facts.decode()?;
            let mut pi_types: Vec<String> = match store.listing(&entry.listing_sha256)? {
                Some(listing) => listing
                    .decode()?
                    .data_collection
                    .into_iter()
                    .map(|d| d.pi_type)
                    .collect(),
                None => Vec::new(),
            };
            pi_types.sort();
            pi_types.dedup();
            Ok(Some(PreviousVersion {
                version_code: facts.version_code,
                signer_sha256: facts
                    .signing
                    .signers
                    .iter()
                    .map(|c| c.sha256.clone())
                    .collect(),
                lineage_sha256: facts
                    .signing
                    .lineage
                    .iter()
                    .map(|n| n.cert_sha256.clone())
                    .collect(),
                permissions: facts.permissions,
                pi_types,
                accepted_at: rfc3339(entry.recorded_at),
            }))
        })
        .await?
        .map_err(|e: StoreError| ServiceError::Store(e))
    }

    async fn cached(
        &self,
        apk: &ApkFile,
        listing: &ListingUpload,
        set: &Arc<PolicySet>,
        date: &str,
    ) -> Result<Option<Evaluated>, ServiceError> {
        let store = self.store.clone();
        let (apk_sha, listing_sha, digest) = (
            apk.sha256.clone(),
            listing.sha256.clone(),
            set.digest.clone(),
        );
        let entry: Option<VerdictEntry> = self
            .blocking(Stage::Store, self.config.timeouts.store, move || {
                let Some(entry) = store.cached_verdict(VerdictKey {
                    apk_sha256: &apk_sha,
                    listing_sha256: &listing_sha,
                    policy_set_digest: &digest,
                })?
                else {
                    return Ok(None);
                };
                // The stored verdict was judged against the previous
                // version of its day: still valid only if no other APK of
                // the package was accepted since, and only a submission's
                // verdict is known to have been judged against one.
                let previous = store.last_accepted(&entry.package, &apk_sha)?;
                let still_valid = match previous {
                    None => true,
                    Some(p) => {
                        p.seq < entry.seq
                            && matches!(entry.origin, shelfgate_store::VerdictOrigin::Submission(_))
                    }
                };
                Ok::<_, StoreError>(still_valid.then_some(entry))
            })
            .await??;
        let Some(entry) = entry else {
            return Ok(None);
        };
        // The same policies under the same name, on the same day: verdicts
        // depend on the evaluation date through deadlines and floors.
        if entry.policy_set_id != set.id {
            return Ok(None);
        }
        let verdict = entry.verdict.decode()?;
        if verdict.evaluated_on != date {
            return Ok(None);
        }
        Ok(Some(Evaluated {
            verdict,
            package: entry.package,
            cached: true,
            facts: None,
            work: Vec::new(),
            previous: None,
        }))
    }

    /// Stores the facts, listing and submission with its verdict, and
    /// the idempotent response in the same transaction; then applies the
    /// verdict to the app's rectification case at once (a rectify verdict
    /// on a listed app opens one, a pass closes it, a reject on a listed
    /// app removes it). Returns once both are durable, with the case if it
    /// moved.
    pub async fn record(
        &self,
        record: NewRecord<'_>,
    ) -> Result<(SubmissionRecord, Option<Case>), ServiceError> {
        let lifecycle = self.lifecycle.clone();
        let store = self.store.clone();
        let facts = record.evaluated.facts.clone();
        let apk_sha = record.apk.sha256.clone();
        let apk_path = record.apk.path.to_path_buf();
        let listing_bytes = record.listing.bytes.clone();
        let category = record.listing.listing.app.store_category.clone();
        let verdict = record.evaluated.verdict.clone();
        let id = record.id.to_owned();
        let received_at = record.received_at;
        let idempotency = record.idempotency;
        let keep_apks = self.config.keep_apks;
        self.blocking(Stage::Store, self.config.timeouts.store, move || {
            let facts = match facts {
                Some(f) => {
                    store.put_facts(&f)?;
                    f
                }
                None => Arc::new(
                    store
                        .facts(&apk_sha)?
                        .ok_or_else(|| StoreError::NotFound(format!("facts of `{apk_sha}`")))?
                        .decode()?,
                ),
            };
            store.put_listing(&listing_bytes)?;
            if keep_apks {
                let mut file = std::fs::File::open(&apk_path).map_err(|e| StoreError::Io {
                    path: apk_path.clone(),
                    source: e,
                })?;
                store.put_apk(&apk_sha, &mut file)?;
            }
            let sdk_ids: Vec<String> = facts.sdks.iter().map(|s| s.id.clone()).collect();
            let before = store.app(&facts.package)?.map(|a| a.status);
            let recorded = store.record_submission(&NewSubmission {
                id: &id,
                package: &facts.package,
                verdict: &verdict,
                status: if verdict.decision == Decision::Reject {
                    AppStatus::Shelved
                } else {
                    AppStatus::Listed
                },
                category: Some(&category),
                sdk_ids: &sdk_ids,
                received_at,
                idempotency: idempotency.as_ref(),
            })?;
            // A reject acts on the app as it stood before it: removed if
            // it was listed. Pass and rectify act on the app now listed.
            let status = if verdict.decision == Decision::Reject {
                before
            } else {
                Some(AppStatus::Listed)
            };
            let case = match status {
                Some(status) => lifecycle
                    .apply(&VerdictRef {
                        package: &facts.package,
                        status,
                        decision: verdict.decision,
                        seq: recorded.verdict.seq,
                        deadline_working_days: verdict.deadline_working_days,
                    })
                    .map_err(|e| match e {
                        CaseError::Store(e) => e,
                        other => StoreError::Invalid(other.to_string()),
                    })?,
                None => None,
            };
            Ok::<_, StoreError>((recorded, case))
        })
        .await?
        .map_err(ServiceError::from)
    }

    /// The case lifecycle submissions drive.
    pub fn lifecycle(&self) -> &Arc<Lifecycle> {
        &self.lifecycle
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.config.clock.0
    }

    pub async fn idempotent_response(
        &self,
        key: &str,
        fingerprint: &str,
    ) -> Result<Option<IdempotentResponse>, ServiceError> {
        let store = self.store.clone();
        let (key, fingerprint) = (key.to_owned(), fingerprint.to_owned());
        Ok(self
            .blocking(Stage::Store, self.config.timeouts.store, move || {
                store.idempotent_response(&key, &fingerprint)
            })
            .await??)
    }

    pub async fn submission(&self, id: &str) -> Result<Option<SubmissionRecord>, ServiceError> {
        let store = self.store.clone();
        let id = id.to_owned();
        Ok(self
            .blocking(Stage::Store, self.config.timeouts.store, move || {
                store.submission(&id)
            })
            .await??)
    }

    /// An app and a page of its verdict history.
    pub async fn app(
        &self,
        package: &str,
        after_seq: Option<i64>,
        limit: usize,
    ) -> Result<Option<(AppRecord, Vec<VerdictEntry>)>, ServiceError> {
        let store = self.store.clone();
        let package = package.to_owned();
        Ok(self
            .blocking(Stage::Store, self.config.timeouts.store, move || {
                let Some(app) = store.app(&package)? else {
                    return Ok(None);
                };
                let history = store.history(&package, after_seq, limit)?;
                Ok::<_, StoreError>(Some((app, history)))
            })
            .await??)
    }

    pub async fn facts(&self, apk_sha256: &str) -> Result<Option<ApkFacts>, ServiceError> {
        let store = self.store.clone();
        let sha = apk_sha256.to_owned();
        Ok(self
            .blocking(Stage::Store, self.config.timeouts.store, move || {
                store.facts(&sha)?.map(|s| s.decode()).transpose()
            })
            .await??)
    }

    pub async fn listing(&self, listing_sha256: &str) -> Result<Option<Listing>, ServiceError> {
        let store = self.store.clone();
        let sha = listing_sha256.to_owned();
        Ok(self
            .blocking(Stage::Store, self.config.timeouts.store, move || {
                store.listing(&sha)?.map(|s| s.decode()).transpose()
            })
            .await??)
    }

    /// Writes an admin action to the audit log before returning.
    pub async fn audit(&self, entry: AuditEntry) -> Result<(), ServiceError> {
        let store = self.store.clone();
        self.blocking(Stage::Store, self.config.timeouts.store, move || {
            store.append_audit(&entry)
        })
        .await??;
        Ok(())
    }

    /// Writes the audit entry of a check before returning. Entries are
    /// queued for one writer that commits them in batches (one transaction
    /// for all that arrived meanwhile), so the log keeps up with any check
    /// rate; a full queue makes checks wait instead of dropping entries.
    pub async fn audit_check(
        &self,
        request_id: &str,
        evaluated: &Evaluated,
    ) -> Result<(), ServiceError> {
        let v = &evaluated.verdict;
        let entry = AuditEntry {
            at: SystemTime::now(),
            actor: "api".into(),
            action: "check".into(),
            target: Some(evaluated.package.clone()),
            detail: json!({
                "request_id": request_id,
                "apk_sha256": v.apk_sha256,
                "listing_sha256": v.listing_sha256,
                "policy_set_id": v.policy_set_id,
                "decision": shelfgate_contract::json::to_value(&v.decision),
                "cached": evaluated.cached,
            }),
        };
        let (done, written) = oneshot::channel();
        let start = Instant::now();
        self.audit
            .send((entry, done))
            .await
            .map_err(|_| ServiceError::Audit("the audit writer has stopped".into()))?;
        let outcome = written
            .await
            .map_err(|_| ServiceError::Audit("the audit writer has stopped".into()))?;
        self.metrics.stage(Stage::Audit, start.elapsed());
        outcome.map_err(ServiceError::Audit)
    }

    /// Whether the store answers within its timeout.
    pub async fn ready(&self) -> bool {
        let store = self.store.clone();
        matches!(
            self.blocking(Stage::Store, self.config.timeouts.store, move || store
                .policy_sets(1))
                .await,
            Ok(Ok(_))
        )
    }

    /// Runs `f` on a blocking thread, timed as `stage`, bounded by `timeout`.
    async fn blocking<T: Send + 'static>(
        &self,
        stage: Stage,
        timeout: Duration,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ServiceError> {
        let start = Instant::now();
        match tokio::time::timeout(timeout, tokio::task::spawn_blocking(f)).await {
            Err(_) => Err(ServiceError::Timeout { stage, timeout }),
            Ok(Err(e)) => Err(ServiceError::Internal(format!(
                "the {} stage failed: {e}",
                stage.name()
            ))),
            Ok(Ok(out)) => {
                self.metrics.stage(stage, start.elapsed());
                Ok(out)
            }
        }
    }
}

/// Writes queued check audit entries, in batches, until shutdown; then
/// what is left. Each waiter learns whether its entry was written.
async fn write_audit(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<QueuedAudit>,
    mut shutdown: watch::Receiver<bool>,
    metrics: Arc<Metrics>,
) {
    let mut stopping = false;
    loop {
        let first = if stopping {
            rx.try_recv().ok()
        } else {
            tokio::select! {
                entry = rx.recv() => entry,
                _ = shutdown.changed() => {
                    stopping = true;
                    rx.try_recv().ok()
                }
            }
        };
        let Some(first) = first else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < AUDIT_BATCH {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (entries, waiters): (Vec<AuditEntry>, Vec<_>) = batch.into_iter().unzip();
        let count = entries.len();
        let store = store.clone();
        let outcome =
            match tokio::task::spawn_blocking(move || store.append_audit_batch(&entries)).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("the audit writer task failed: {e}")),
            };
        metrics.audit_batch(count);
        if let Err(e) = &outcome {
            warn!(error = %e, entries = count, "writing checks to the audit log failed");
        }
        for waiter in waiters {
            let _ = waiter.send(outcome.clone());
        }
    }
}

fn feed_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("shelfgate/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
}
