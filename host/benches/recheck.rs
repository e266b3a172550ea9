//! Recheck at catalogue scale: `recheck/full/<N>` and
//! `recheck/incremental-one-policy/<N>` over a store filled by
//! `shelfgate dev populate` (see `scripts/bench-recheck.sh`, which runs
//! each phase under `/usr/bin/time -v` for its peak memory).
//!
//! A plain `harness = false` binary rather than criterion: one iteration
//! of a 320,000-app recheck takes a minute and changes the store it
//! measures, so sampling it repeatedly would measure something else.
//!
//! Usage: `recheck full|unchanged|incremental DIR [SCOPE]`.
//! `full` re-evaluates everything with the built-in pack; `unchanged`
//! rechecks incrementally with that same pack (every app is skipped);
//! `incremental` changes one policy of the pack (its mode, which changes
//! its reference in every verdict) and rechecks incrementally, so that
//! policy alone runs again.

use std::sync::Arc;
use std::time::Instant;

use shelfgate::cases::{CaseConfig, Lifecycle};
use shelfgate::clock::{Clock, SystemClock};
use shelfgate::context::PlatformConfig;
use shelfgate::engine::{Engine, EngineConfig};
use shelfgate::policy_set::{builtin_policies, PolicySet};
use shelfgate::recheck::{parse_scope, Discard, RecheckRequest, Rechecker, RecheckerOptions};
use shelfgate_contract::types::EnforcementMode;
use shelfgate_store::{AppFilter, SqliteStore, Store, StoreOptions};

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
        Some(s) => parse_scope(s).map_err(anyhow::Error::msg)?,
        None => AppFilter::All,
    };
    let setup = Instant::now();
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir, StoreOptions::default())?);
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
