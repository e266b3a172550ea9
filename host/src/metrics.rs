//! The service's Prometheus metrics, all named `shelfgate_*`.
//!
//! One registry per service instance (tests run several in one process),
//! rendered in the text exposition format by `GET /metrics`. Label values
//! come from closed sets (stages, decisions, source kinds) or from the
//! active policy set's ids, never from request data, so cardinality stays
//! bounded whatever clients send.

use std::time::Duration;

use prometheus::{
    exponential_buckets, Encoder as _, HistogramOpts, HistogramVec, IntCounter, IntCounterVec,
    IntGauge, Opts, Registry, TextEncoder,
};
use shelfgate_contract::json;
use shelfgate_contract::types::Verdict;

/// A stage of the upload pipeline, timed separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Upload,
    Inspect,
    Evaluate,
    Store,
    /// Waiting for a check's audit entry to be written.
    Audit,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Upload => "upload",
            Stage::Inspect => "inspect",
            Stage::Evaluate => "evaluate",
            Stage::Store => "store",
            Stage::Audit => "audit",
        }
    }
}

pub struct Metrics {
    registry: Registry,
    /// Verdicts given, by endpoint (`check`, `submission`) and decision.
    checks: IntCounterVec,
    /// Answers served from a stored verdict.
    cache_hits: IntCounter,
    stage_seconds: HistogramVec,
    policy_seconds: HistogramVec,
    policy_errors: IntCounterVec,
    swaps: IntCounterVec,
    load_failures: IntCounterVec,
    /// Requests refused before any work: overload, stage timeouts.
    shed: IntCounterVec,
    in_flight: IntGauge,
    callbacks: IntCounterVec,
    /// Check audit entries written per transaction.
    audit_batch: prometheus::Histogram,
    /// 1 while the active bundle has expired and a fallback serves.
    policy_expired: IntGauge,
    expiries: IntCounter,
}

impl Metrics {
    pub fn new() -> prometheus::Result<Metrics> {
        let registry = Registry::new();
        let counter =
            |name: &str, help: &str, labels: &[&str]| -> prometheus::Result<IntCounterVec> {
                let c = IntCounterVec::new(Opts::new(name, help), labels)?;
                registry.register(Box::new(c.clone()))?;
                Ok(c)
            };
        // 100 µs to ~100 s: a policy call is tens of µs, an 18 MB APK's
        // inspection hundreds of ms, an upload over a slow link seconds.
        let buckets = exponential_buckets(0.0001, 2.5, 16)?;
        let histogram = |name: &str, help: &str, label: &str| -> prometheus::Result<HistogramVec> {
            let h = HistogramVec::new(
                HistogramOpts::new(name, help).buckets(buckets.clone()),
                &[label],
            )?;
            registry.register(Box::new(h.clone()))?;
            Ok(h)
        };
        let checks = counter(
            "shelfgate_checks_total",
            "Verdicts given, by endpoint and decision.",
            &["endpoint", "decision"],
        )?;
        let stage_seconds = histogram(
            "shelfgate_stage_duration_seconds",
            "Time spent in each stage of an upload.",
            "stage",
        )?;
        let policy_seconds = histogram(
            "shelfgate_policy_duration_seconds",
            "Time one policy took to evaluate one upload.",
            "policy",
        )?;
        let policy_errors = counter(
            "shelfgate_policy_errors_total",
            "Policy calls that failed (trap, timeout, memory, output), by policy and kind.",
            &["policy", "kind"],
        )?;
        let swaps = counter(
            "shelfgate_policy_swaps_total",
            "Policy sets activated, by source.",
            &["source"],
        )?;
        let load_failures = counter(
            "shelfgate_policy_load_failures_total",
            "Policy bundles refused before activation, by source.",
            &["source"],
        )?;
        let shed = counter(
            "shelfgate_requests_shed_total",
            "Requests answered 503 without a verdict, by reason.",
            &["reason"],
        )?;
        let callbacks = counter(
            "shelfgate_callbacks_total",
            "Verdict callbacks, by outcome.",
            &["outcome"],
        )?;
        let cache_hits = IntCounter::new(
            "shelfgate_verdict_cache_hits_total",
            "Uploads answered from the verdict of identical APK, listing and policy set.",
        )?;
        registry.register(Box::new(cache_hits.clone()))?;
        let in_flight = IntGauge::new(
            "shelfgate_uploads_in_flight",
            "Uploads being received, inspected or evaluated.",
        )?;
        registry.register(Box::new(in_flight.clone()))?;
        let audit_batch = prometheus::Histogram::with_opts(
            HistogramOpts::new(
                "shelfgate_audit_batch_entries",
                "Check audit entries written per transaction.",
            )
            .buckets(exponential_buckets(1.0, 2.0, 10)?),
        )?;
        registry.register(Box::new(audit_batch.clone()))?;
        let policy_expired = IntGauge::new(
            "shelfgate_policy_set_expired",
            "1 while the active bundle has expired and a fallback set serves.",
        )?;
        registry.register(Box::new(policy_expired.clone()))?;
        let expiries = IntCounter::new(
            "shelfgate_policy_expiries_total",
            "Active bundles that reached their expires_at and were replaced.",
        )?;
        registry.register(Box::new(expiries.clone()))?;
        Ok(Metrics {
            registry,
            checks,
            cache_hits,
            stage_seconds,
            policy_seconds,
            policy_errors,
            swaps,
            load_failures,
            shed,
            in_flight,
            callbacks,
            audit_batch,
            policy_expired,
            expiries,
        })
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        // Encoding into a Vec fails only on metric families that are
        // invalid by construction, which registration already refused.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    pub fn stage(&self, stage: Stage, took: Duration) {
        self.stage_seconds
            .with_label_values(&[stage.name()])
            .observe(took.as_secs_f64());
    }

    /// A verdict given by `endpoint`; per-policy timings and errors only
    /// when it was evaluated now rather than served from the cache.
    pub fn verdict(&self, endpoint: &str, verdict: &Verdict, cached: bool) {
        let decision = json::to_value(&verdict.decision);
        self.checks
            .with_label_values(&[endpoint, decision.as_str().unwrap_or("unknown")])
            .inc();
        if cached {
            self.cache_hits.inc();
            return;
        }
        for t in &verdict.timings {
            self.policy_seconds
                .with_label_values(&[t.policy_id.as_str()])
                .observe(t.micros as f64 / 1e6);
        }
        for e in &verdict.errors {
            let kind = json::to_value(&e.kind);
            self.policy_errors
                .with_label_values(&[e.policy_id.as_str(), kind.as_str().unwrap_or("unknown")])
                .inc();
        }
    }

    pub fn swapped(&self, source: &str) {
        self.swaps.with_label_values(&[source]).inc();
    }

    pub fn load_failed(&self, source: &str) {
        self.load_failures.with_label_values(&[source]).inc();
    }

    pub fn shed(&self, reason: &str) {
        self.shed.with_label_values(&[reason]).inc();
    }

    pub fn callback(&self, outcome: &str) {
        self.callbacks.with_label_values(&[outcome]).inc();
    }

    pub fn audit_batch(&self, entries: usize) {
        self.audit_batch.observe(entries as f64);
    }

    /// The active bundle expired (`true`) or a valid set replaced the
    /// fallback (`false`).
    pub fn policy_expired(&self, expired: bool) {
        if expired {
            self.expiries.inc();
        }
        self.policy_expired.set(i64::from(expired));
    }

    /// Counts an upload in flight until the guard drops.
    pub fn in_flight(&self) -> InFlight {
        self.in_flight.inc();
        InFlight(self.in_flight.clone())
    }
}

pub struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}
