//! Where policy sets come from, and how one becomes active.
//!
//! Four sources feed one [`Activator`]: the built-in pack (the floor the
//! service always has), a watched directory ([`watch`]), the admin API, and
//! a regulator feed polled over HTTPS ([`poll`]). The bundle crate is pure
//! (verify, no IO); this module does the IO and the activation, as OPA's
//! bundle plugin sits beside its `bundle` package.
//!
//! A bundle becomes active only after every check passed, off the request
//! path: signature by a trusted key, validity window, file digests
//! ([`shelfgate_bundle::verify`]); compilation and the contract-only import
//! check ([`Engine::load`](crate::engine::Engine::load)); and the bundle's
//! own fixtures, evaluated against the candidate set. Then it is persisted
//! as the last good set and swapped in atomically. On any failure the old
//! set keeps serving and [`Status`] says why. A restart serves the last
//! good set at once, before any feed answers.
//!
//! Revisions only move forward for a given bundle id: an older revision,
//! even one properly signed and still valid, is refused, so a feed that
//! replays yesterday's bundle cannot roll the rules back.
//!
//! A bundle's `expires_at` binds while it serves, not only when it is
//! loaded: the first request after it passes swaps in the built-in pack
//! (the one set that never expires; the last good set is this very bundle)
//! and [`Status::expired`], `/readyz` and `shelfgate_policy_set_expired`
//! say so until a valid bundle arrives. No verdict names an expired set.

pub mod poll;
pub mod watch;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{json, Value};
use shelfgate_bundle::{
    BundleError, Limits as BundleLimits, NamedFixture, TrustedKeys, VerifiedBundle,
};
use shelfgate_contract::json as contract_json;
use shelfgate_store::{PolicySetActivation, Store, StoreError};
use tracing::{info, warn};
use utoipa::ToSchema;

use crate::clock::Clock;
use crate::engine::LoadError;
use crate::evaluate::Evaluator;
use crate::metrics::Metrics;
use crate::policy_set::{ActiveSet, Policy, PolicySet, SetError};
use crate::policy_test;

/// Where a policy set came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Builtin,
    Dir(PathBuf),
    Admin,
    Feed(String),
}

impl Source {
    /// The metric label: a closed set.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Builtin => "builtin",
            Source::Dir(_) => "dir",
            Source::Admin => "admin",
            Source::Feed(_) => "feed",
        }
    }

    /// `builtin`, `dir:PATH`, `admin` or `feed:URL`, as the store and the
    /// policy set record it.
    pub fn describe(&self) -> String {
        match self {
            Source::Builtin => "builtin".into(),
            Source::Dir(p) => format!("dir:{}", p.display()),
            Source::Admin => "admin".into(),
            Source::Feed(url) => format!("feed:{url}"),
        }
    }

    pub fn parse(text: &str) -> Source {
        if let Some(path) = text.strip_prefix("dir:") {
            Source::Dir(PathBuf::from(path))
        } else if let Some(url) = text.strip_prefix("feed:") {
            Source::Feed(url.to_owned())
        } else if text == "admin" {
            Source::Admin
        } else {
            Source::Builtin
        }
    }
}

/// The signed bundle behind a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BundleInfo {
    pub id: String,
    pub revision: u64,
    /// sha256 of the canonical manifest, which covers every file.
    pub manifest_digest: String,
    pub key_id: String,
    pub not_before: String,
    pub expires_at: String,
}

/// A set that was made active.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Activation {
    pub set_id: String,
    pub set_digest: String,
    /// `builtin`, `dir:PATH`, `admin` or `feed:URL`.
    pub source: String,
    pub bundle: Option<BundleInfo>,
    /// RFC 3339.
    pub activated_at: String,
    /// Served again from the store at start-up.
    pub restored: bool,
}

/// A bundle that was refused, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LoadFailure {
    pub at: String,
    pub source: String,
    /// Stable: `bundle_tampered_file`, `bundle_expired`, `fixture_failed`, ...
    pub code: String,
    pub message: String,
}

/// The regulator feed's polling state.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct FeedStatus {
    pub url: String,
    pub etag: Option<String>,
    pub last_poll_at: Option<String>,
    /// `200`, `304`, or the error of the last poll.
    pub last_response: Option<String>,
    pub consecutive_failures: u32,
}

/// What `GET /v1/policies/status` reports.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Status {
    pub active: Activation,
    /// The last bundle that passed every check (none yet: only the
    /// built-in pack or a restored set has served).
    pub last_success: Option<Activation>,
    pub last_error: Option<LoadFailure>,
    /// Activations since start-up.
    pub swaps: u64,
    pub feed: Option<FeedStatus>,
    pub policy_dir: Option<String>,
    /// Set while the bundle that was active has expired and the built-in
    /// pack serves in its place.
    pub expired: Option<Expired>,
}

/// An active bundle that reached its `expires_at` while serving.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Expired {
    pub set_id: String,
    pub expires_at: String,
    /// When the fallback took over.
    pub replaced_at: String,
    /// The set serving instead.
    pub serving: String,
}

/// Why a bundle was not activated.
#[derive(Debug, thiserror::Error)]
pub enum ActivationError {
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("module `{id}` describes itself as `{reported}`")]
    IdMismatch { id: String, reported: String },
    #[error(transparent)]
    Set(#[from] SetError),
    #[error("fixture `{path}` ({note}) failed: {problems}")]
    Fixture {
        path: String,
        note: String,
        problems: String,
    },
    #[error("bundle `{id}` revision {revision} is not newer than the active revision {active}")]
    Rollback {
        id: String,
        revision: u64,
        active: u64,
    },
    #[error("could not persist the set: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Internal(String),
}

impl ActivationError {
    /// A stable code for the status and the API.
    pub fn code(&self) -> &'static str {
        match self {
            ActivationError::Bundle(e) => match e {
                BundleError::UntrustedKey { .. } => "bundle_untrusted_key",
                BundleError::TamperedManifest { .. } => "bundle_tampered_manifest",
                BundleError::TamperedFile { .. } => "bundle_tampered_file",
                BundleError::UnlistedFile { .. } | BundleError::MissingFile { .. } => {
                    "bundle_files_mismatch"
                }
                BundleError::Expired { .. } => "bundle_expired",
                BundleError::NotYetValid { .. } => "bundle_not_yet_valid",
                BundleError::TooLarge { .. } => "bundle_too_large",
                BundleError::InvalidFixture { .. } => "fixture_invalid",
                _ => "bundle_malformed",
            },
            ActivationError::Load(LoadError::ForbiddenImport { .. }) => "module_forbidden_import",
            ActivationError::Load(_) | ActivationError::IdMismatch { .. } => "module_invalid",
            ActivationError::Set(_) => "set_invalid",
            ActivationError::Fixture { .. } => "fixture_failed",
            ActivationError::Rollback { .. } => "bundle_rollback",
            ActivationError::Store(_) | ActivationError::Internal(_) => "internal_error",
        }
    }
}

/// The verified, compiled and tested candidate.
struct Prepared {
    set: PolicySet,
    bundle: BundleInfo,
    manifest: Value,
    expires_at: SystemTime,
}

/// Activates policy sets and reports on it.
pub struct Activator {
    active: Arc<ActiveSet>,
    evaluator: Arc<Evaluator>,
    store: Arc<dyn Store>,
    metrics: Arc<Metrics>,
    trusted: TrustedKeys,
    limits: BundleLimits,
    /// Serialises activations, so revision checks and swaps happen in one
    /// order; held across compilation, never by a request.
    serial: Mutex<()>,
    status: Mutex<Status>,
    clock: Arc<dyn Clock>,
    /// `expires_at` of the active bundle, unix ms (`i64::MAX`: none). Read
    /// on every request, so an atomic rather than the status lock.
    expires_ms: AtomicI64,
    builtin: Arc<PolicySet>,
}

/// What start-up restored.
pub struct Started {
    pub activator: Arc<Activator>,
    /// The feed ETag stored with a restored set, and the source it is for.
    pub restored_etag: Option<(Source, String)>,
}

impl Activator {
    /// Starts serving: the last good set from the store if it still
    /// verifies (keys and expiry are checked again), else the built-in pack.
    pub fn start(
        evaluator: Arc<Evaluator>,
        store: Arc<dyn Store>,
        metrics: Arc<Metrics>,
        trusted: TrustedKeys,
        limits: BundleLimits,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Started> {
        let builtin = PolicySet::builtin(evaluator.engine())
            .map_err(|e| anyhow::anyhow!("loading the built-in policy pack: {e}"))?;
        let last_good = store.last_good_policy_set()?;
        let active = ActiveSet::new(builtin);
        let builtin = active.get();
        let me = Activator {
            active: Arc::new(active),
            evaluator,
            store,
            metrics,
            trusted,
            limits,
            serial: Mutex::new(()),
            status: Mutex::new(Status {
                active: placeholder(),
                last_success: None,
                last_error: None,
                swaps: 0,
                feed: None,
                policy_dir: None,
                expired: None,
            }),
            clock,
            expires_ms: AtomicI64::new(i64::MAX),
            builtin,
        };
        let mut restored_etag = None;
        let mut activation = None;
        if let Some(good) = &last_good {
            if let Some(bytes) = &good.bundle {
                let source = Source::parse(&good.set.source);
                match me.prepare(bytes, &source, me.clock.now()) {
                    Ok(prepared) => {
                        info!(set = %prepared.set.id, source = %good.set.source, "restored the last good policy set");
                        me.expires_ms
                            .store(unix_ms(prepared.expires_at), Ordering::Release);
                        let record = activation_record(&prepared.set, Some(prepared.bundle), true);
                        me.active.swap(Arc::new(prepared.set));
                        if let Some(etag) = &good.etag {
                            restored_etag = Some((source, etag.clone()));
                        }
                        activation = Some(record);
                    }
                    Err(e) => {
                        warn!(error = %e, "the last good policy set no longer verifies; serving the built-in pack");
                        me.failed(
                            &source,
                            &format!("restoring the last good set: {e}"),
                            e.code(),
                        );
                        // It expired while the service was down: flagged
                        // as if it had expired while serving.
                        if let ActivationError::Bundle(BundleError::Expired {
                            expires_at, ..
                        }) = &e
                        {
                            lock(&me.status).expired = Some(Expired {
                                set_id: good.set.id.clone(),
                                expires_at: expires_at.clone(),
                                replaced_at: rfc3339(me.clock.now()),
                                serving: me.builtin.id.clone(),
                            });
                            me.metrics.policy_expired(true);
                        }
                    }
                }
            }
        }
        let activation = match activation {
            Some(a) => a,
            None => {
                let set = me.active.get();
                // Record the built-in pack when it is not already what the
                // store last recorded, so every verdict's set has a record.
                if last_good
                    .as_ref()
                    .is_none_or(|g| g.bundle.is_some() || g.set.digest != set.digest)
                {
                    record_unbundled(me.store.as_ref(), &set, SystemTime::now())?;
                }
                activation_record(&set, None, false)
            }
        };
        lock(&me.status).active = activation;
        Ok(Started {
            activator: Arc::new(me),
            restored_etag,
        })
    }

    /// The set to evaluate with now: never a bundle past its `expires_at`.
    pub fn current(&self) -> Arc<PolicySet> {
        let expires = self.expires_ms.load(Ordering::Acquire);
        if expires != i64::MAX && unix_ms(self.clock.now()) >= expires {
            self.expire(expires);
        }
        self.active.get()
    }

    /// Replaces the expired bundle by the built-in pack. Whoever clears
    /// the deadline first does it; concurrent callers see the new set.
    fn expire(&self, expires: i64) {
        if self
            .expires_ms
            .compare_exchange(expires, i64::MAX, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        let now = self.clock.now();
        let old = self.active.swap(self.builtin.clone());
        let fallback = activation_record(&self.builtin, None, false);
        {
            let mut status = lock(&self.status);
            let expires_at = status
                .active
                .bundle
                .as_ref()
                .map(|b| b.expires_at.clone())
                .unwrap_or_default();
            status.expired = Some(Expired {
                set_id: old.id.clone(),
                expires_at,
                replaced_at: rfc3339(now),
                serving: fallback.set_id.clone(),
            });
            status.last_error = Some(LoadFailure {
                at: rfc3339(now),
                source: old.source.clone(),
                code: "bundle_expired_while_active".into(),
                message: format!(
                    "policy set `{}` expired while active; the built-in pack serves until a valid bundle is activated",
                    old.id
                ),
            });
            status.active = fallback;
            status.swaps = status.swaps.saturating_add(1);
        }
        self.metrics.policy_expired(true);
        self.metrics.swapped(Source::Builtin.kind());
        warn!(set = %old.id, "the active policy bundle expired; serving the built-in pack");
        // Recorded off the request path: every verdict's set has a record.
        let store = self.store.clone();
        let set = self.builtin.clone();
        let spawned = std::thread::Builder::new()
            .name("shelfgate-expiry".into())
            .spawn(move || {
                if let Err(e) = record_unbundled(store.as_ref(), &set, now) {
                    warn!(error = %e, "recording the fallback to the built-in pack failed");
                }
            });
        if let Err(e) = spawned {
            warn!(error = %e, "cannot record the fallback to the built-in pack");
        }
    }

    pub fn status(&self) -> Status {
        lock(&self.status).clone()
    }

    /// Verify, compile, test, persist and swap in a bundle (archive form).
    /// Blocking: call it from a blocking thread.
    pub fn activate(
        &self,
        bytes: &[u8],
        source: &Source,
        etag: Option<&str>,
    ) -> Result<Activation, ActivationError> {
        let _serial = lock(&self.serial);
        let result = self.activate_serialised(bytes, source, etag);
        match &result {
            Ok(a) => info!(set = %a.set_id, source = %a.source, "policy set active"),
            Err(e) => {
                warn!(source = %source.describe(), code = e.code(), error = %e, "policy bundle refused; the active set keeps serving");
                self.failed(source, &e.to_string(), e.code());
            }
        }
        result
    }

    /// Reads a bundle directory and activates it.
    pub fn activate_dir(&self, dir: &Path) -> Result<Activation, ActivationError> {
        let source = Source::Dir(dir.to_owned());
        match shelfgate_bundle::read_dir(dir, &self.limits) {
            Ok(bytes) => self.activate(&bytes, &source, None),
            Err(e) => {
                let e = ActivationError::Bundle(e);
                warn!(dir = %dir.display(), error = %e, "cannot read the policy directory");
                self.failed(&source, &e.to_string(), e.code());
                Err(e)
            }
        }
    }

    fn activate_serialised(
        &self,
        bytes: &[u8],
        source: &Source,
        etag: Option<&str>,
    ) -> Result<Activation, ActivationError> {
        let now = self.clock.now();
        let current = lock(&self.status).active.clone();
        // Verification is cheap; do it first to know what this bundle is.
        let verified = shelfgate_bundle::verify(bytes, &self.trusted, now, &self.limits)?;
        if let Some(active) = &current.bundle {
            if active.manifest_digest == verified.digest() {
                return Ok(current);
            }
            let manifest = verified.manifest();
            if active.id == manifest.id && manifest.revision <= active.revision {
                return Err(ActivationError::Rollback {
                    id: manifest.id.clone(),
                    revision: manifest.revision,
                    active: active.revision,
                });
            }
        }
        let prepared = self.prepare_verified(verified, source)?;
        self.store.activate_policy_set(&PolicySetActivation {
            id: &prepared.set.id,
            digest: &prepared.set.digest,
            source: &prepared.set.source,
            manifest: &prepared.manifest,
            bundle: Some(bytes),
            etag,
            activated_at: now,
        })?;
        let record = activation_record(&prepared.set, Some(prepared.bundle), false);
        self.active.swap(Arc::new(prepared.set));
        self.expires_ms
            .store(unix_ms(prepared.expires_at), Ordering::Release);
        self.metrics.swapped(source.kind());
        let mut status = lock(&self.status);
        if status.expired.take().is_some() {
            self.metrics.policy_expired(false);
        }
        status.active = record.clone();
        status.last_success = Some(record.clone());
        status.swaps = status.swaps.saturating_add(1);
        Ok(record)
    }

    fn prepare(
        &self,
        bytes: &[u8],
        source: &Source,
        now: SystemTime,
    ) -> Result<Prepared, ActivationError> {
        let verified = shelfgate_bundle::verify(bytes, &self.trusted, now, &self.limits)?;
        self.prepare_verified(verified, source)
    }

    /// Compile every module, assemble the set and run the fixtures on it.
    fn prepare_verified(
        &self,
        verified: VerifiedBundle,
        source: &Source,
    ) -> Result<Prepared, ActivationError> {
        let manifest = verified.manifest().clone();
        let bundle = BundleInfo {
            id: manifest.id.clone(),
            revision: manifest.revision,
            manifest_digest: verified.digest().to_owned(),
            key_id: verified.key_id().to_string(),
            not_before: rfc3339(manifest.not_before),
            expires_at: rfc3339(manifest.expires_at),
        };
        let manifest_value = manifest.to_value()?;
        let fixtures = verified.fixtures().to_vec();
        let engine = self.evaluator.engine();
        let mut policies = Vec::with_capacity(manifest.modules.len());
        for module in verified.into_modules() {
            let loaded = engine.load(&module.entry.id, &module.bytes)?;
            if loaded.metadata.id != module.entry.id {
                return Err(ActivationError::IdMismatch {
                    id: module.entry.id,
                    reported: loaded.metadata.id,
                });
            }
            policies.push(Policy {
                loaded,
                mode: module.entry.mode,
                failure: module.entry.failure,
            });
        }
        let set = PolicySet::new(
            Some(format!("{}-r{}", manifest.id, manifest.revision)),
            source.describe(),
            policies,
        )?;
        for fixture in &fixtures {
            self.run_fixture(&set, fixture)?;
        }
        Ok(Prepared {
            set,
            bundle,
            manifest: manifest_value,
            expires_at: manifest.expires_at,
        })
    }

    /// A fixture passes when the set gives its decision, exactly its
    /// counted rule ids, and no policy fails on it.
    fn run_fixture(&self, set: &PolicySet, named: &NamedFixture) -> Result<(), ActivationError> {
        let fixture = &named.fixture;
        let fail = |problems: String| ActivationError::Fixture {
            path: named.path.clone(),
            note: fixture.note.clone(),
            problems,
        };
        let document = json!({
            "facts": fixture.facts,
            "listing": fixture.listing,
            "context": fixture.context,
        });
        let input = policy_test::input_from_base(&document.to_string()).map_err(fail)?;
        let verdict = self.evaluator.evaluate(set, &input, "fixture");
        let mut problems = Vec::new();
        if verdict.decision != fixture.want.decision {
            problems.push(format!(
                "decision: want {}, got {}",
                contract_json::to_value(&fixture.want.decision),
                contract_json::to_value(&verdict.decision)
            ));
        }
        let got: BTreeSet<&str> = verdict
            .findings
            .iter()
            .filter(|f| f.counted)
            .map(|f| f.finding.rule_id.as_str())
            .collect();
        let want: BTreeSet<&str> = fixture.want.rules.iter().map(String::as_str).collect();
        if got != want {
            problems.push(format!("rules: want {want:?}, got {got:?}"));
        }
        for e in &verdict.errors {
            problems.push(e.message.clone());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(fail(problems.join("; ")))
        }
    }

    fn failed(&self, source: &Source, message: &str, code: &str) {
        self.metrics.load_failed(source.kind());
        lock(&self.status).last_error = Some(LoadFailure {
            at: rfc3339(SystemTime::now()),
            source: source.describe(),
            code: code.to_owned(),
            message: message.to_owned(),
        });
    }

    pub(crate) fn set_policy_dir(&self, dir: &Path) {
        lock(&self.status).policy_dir = Some(dir.display().to_string());
    }

    pub(crate) fn update_feed(&self, f: impl FnOnce(&mut FeedStatus)) {
        let mut status = lock(&self.status);
        f(status.feed.get_or_insert_with(FeedStatus::default));
    }
}

fn placeholder() -> Activation {
    Activation {
        set_id: String::new(),
        set_digest: String::new(),
        source: String::new(),
        bundle: None,
        activated_at: String::new(),
        restored: false,
    }
}

fn activation_record(set: &PolicySet, bundle: Option<BundleInfo>, restored: bool) -> Activation {
    Activation {
        set_id: set.id.clone(),
        set_digest: set.digest.clone(),
        source: set.source.clone(),
        bundle,
        activated_at: rfc3339(SystemTime::now()),
        restored,
    }
}

/// Records the activation of a set that did not come in a bundle.
fn record_unbundled(
    store: &dyn Store,
    set: &PolicySet,
    at: SystemTime,
) -> Result<shelfgate_store::PolicySetRecord, StoreError> {
    store.activate_policy_set(&PolicySetActivation {
        id: &set.id,
        digest: &set.digest,
        source: &set.source,
        manifest: &set_manifest(set),
        bundle: None,
        etag: None,
        activated_at: at,
    })
}

/// The manifest recorded for a set that did not come in a bundle.
fn set_manifest(set: &PolicySet) -> Value {
    let policies: Vec<Value> = set.refs().iter().map(contract_json::to_value).collect();
    json!({ "id": set.id, "digest": set.digest, "source": set.source, "policies": policies })
}

fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX - 1))
}

/// RFC 3339 in UTC with milliseconds.
pub fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A poisoned lock still holds consistent data here: every critical
/// section only assigns whole values.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
