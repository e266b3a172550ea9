//! Recheck at catalogue scale: `recheck/full/<N>` and
//! `recheck/incremental-one-policy/<N>` over a store filled by
//! `shelfgate dev populate` (see `scripts/bench-recheck.sh`, which runs
//! each phase under `/usr/bin/time -v` for its peak memory).
//!
//! A plain `harness = false` binary rather than criterion: one iteration
//! of a 320,000-app recheck takes a minute and changes the store it
//! measures, so sampling it repeatedly would measure something else.
//!
//! Usage: `recheck full|unchanged|incremental DIR [SCOPE]`, or
//! `recheck decode DIR [N]`.
//! `full` re-evaluates everything with the built-in pack; `unchanged`
//! rechecks incrementally with that same pack (every app is skipped);
//! `incremental` changes one policy of the pack (its mode, which changes
//! its reference in every verdict) and rechecks incrementally, so that
//! policy alone runs again. `decode` times, on one thread, reading the
//! first N apps' inputs from their JSON and from their binary copies, and
//! decoding their latest verdicts.

use std::sync::Arc;
use std::time::Instant;

use shelfgate::cases::{CaseConfig, Lifecycle};
use shelfgate::clock::{Clock, SystemClock};
use shelfgate::context::PlatformConfig;
use shelfgate::engine::{Engine, EngineConfig};
use shelfgate::policy_set::{builtin_policies, PolicySet};
use shelfgate::recheck::{parse_scope, Discard, RecheckRequest, Rechecker, RecheckerOptions};
use shelfgate_contract::types::EnforcementMode;
use shelfgate_store::{AppFilter, DecodedDoc, SqliteStore, Store, StoreOptions};

/// The policy the incremental phase changes.
const CHANGED: &str = "store-technical";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let (phase, dir) = match (args.first(), args.get(1)) {
        (Some(p), Some(d)) => (p.as_str(), std::path::PathBuf::from(d)),
        _ => anyhow::bail!("usage: recheck full|unchanged|incremental DIR [SCOPE]"),
    };
    let scope = match args.get(2) {
        Some(s) if phase != "decode" => parse_scope(s).map_err(anyhow::Error::msg)?,
        _ => AppFilter::All,
    };
    let setup = Instant::now();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir, StoreOptions::default())?);
    if phase == "decode" {
        let n = args.get(2).map_or(Ok(5000), |n| n.parse())?;
        return decode(store.as_ref(), n);
    }
    let engine = Arc::new(Engine::new(EngineConfig {
        cache_dir: Some(dir.join("compile-cache")),
        ..EngineConfig::default()
    })?);
    let mut policies = builtin_policies(&engine)?;
    let set = match phase {
        "full" | "unchanged" => PolicySet::new(None, "builtin", policies)?,
        "incremental" => {
            let p = policies
                .iter_mut()
                .find(|p| p.id() == CHANGED)
                .ok_or_else(|| anyhow::anyhow!("the pack has no `{CHANGED}`"))?;
            p.mode = EnforcementMode::Warn;
            PolicySet::new(None, "builtin-changed", policies)?
        }
        other => anyhow::bail!("unknown phase `{other}`"),
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let lifecycle = Lifecycle::new(store.clone(), clock.clone(), CaseConfig::default())?;
    let rechecker = Rechecker::new(
        store.clone(),
        engine,
        PlatformConfig::default(),
        clock,
        lifecycle,
        RecheckerOptions::default(),
    )?;
    let run = rechecker.start(
        &RecheckRequest {
            scope,
            candidate: false,
            full: phase == "full",
        },
        &set,
    )?;
    let setup = setup.elapsed();
    let summary = rechecker.run(&run.id, &set, &mut Discard)?;
    let seconds = summary.elapsed.as_secs_f64();
    let c = summary.run.counts;
    let report = serde_json::json!({
        "bench": format!("recheck/{phase}/{}", summary.run.total),
        "apps": c.done,
        "evaluated": c.done - c.skipped - c.failed,
        "skipped": c.skipped,
        "failed": c.failed,
        "newly_rejected": c.newly_rejected,
        "newly_rectify": c.newly_rectify,
        "newly_passing": c.newly_passing,
        "setup_seconds": setup.as_secs_f64(),
        "seconds": seconds,
        "apps_per_second": c.done as f64 / seconds.max(f64::MIN_POSITIVE),
        "stages": summary.stages,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Per-app microseconds of each way of reading an app's inputs.
fn decode(store: &dyn Store, n: usize) -> anyhow::Result<()> {
    let apps = store.apps_after(None, n, &AppFilter::All)?;
    let per_app = |t: Instant| t.elapsed().as_secs_f64() * 1e6 / apps.len().max(1) as f64;
    let t = Instant::now();
    for app in &apps {
        let facts = store.facts(&app.verdict.apk_sha256)?;
        let listing = store.listing(&app.verdict.listing_sha256)?;
        std::hint::black_box((facts, listing));
    }
    let read_rows = per_app(t);
    let t = Instant::now();
    for app in &apps {
        let facts = store.facts(&app.verdict.apk_sha256)?.map(|s| s.decode());
        let listing = store
            .listing(&app.verdict.listing_sha256)?
            .map(|s| s.decode());
        std::hint::black_box((facts, listing));
    }
    let json = per_app(t);
    // Keep the copies a recheck would keep (none are replaced if present).
    for app in &apps {
        let facts = store.facts_decoded(&app.verdict.apk_sha256)?;
        let listing = store.listing_decoded(&app.verdict.listing_sha256)?;
        let mut docs = Vec::new();
        if let Some(f) = facts.as_ref().filter(|f| !f.from_copy) {
            docs.push(DecodedDoc::Facts(&f.value));
        }
        if let Some(l) = listing.as_ref().filter(|l| !l.from_copy) {
            docs.push(DecodedDoc::Listing {
                sha256: &app.verdict.listing_sha256,
                listing: &l.value,
            });
        }
        store.keep_decoded(&docs)?;
    }
    let t = Instant::now();
    let mut from_copy = 0usize;
    for app in &apps {
        let facts = store.facts_decoded(&app.verdict.apk_sha256)?;
        let listing = store.listing_decoded(&app.verdict.listing_sha256)?;
        from_copy += usize::from(facts.as_ref().is_some_and(|d| d.from_copy));
        std::hint::black_box((facts, listing));
    }
    let copies = per_app(t);
    let t = Instant::now();
    for app in &apps {
        std::hint::black_box(app.verdict.verdict.decode()?);
    }
    let verdicts = per_app(t);
    let report = serde_json::json!({
        "bench": format!("recheck/decode/{}", apps.len()),
        "facts_with_copy": from_copy,
        "read_rows_us": read_rows,
        "inputs_from_json_us": json,
        "inputs_from_copies_us": copies,
        "latest_verdict_from_json_us": verdicts,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
