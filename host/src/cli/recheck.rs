//! `shelfgate recheck`: the stored catalogue against the active set, or a
//! candidate set in shadow, with a progress bar and a diff report.

use std::io::{BufWriter, IsTerminal as _};
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use shelfgate_bundle::{Limits as BundleLimits, TrustedKeys};
use shelfgate_store::{SqliteStore, Store, StoreOptions};

use super::args::{DataArgs, Format, RecheckArgs};
use super::{Failure, Result, EXIT_PASS, EXIT_RECTIFY, EXIT_REJECT};
use crate::cases::{CaseConfig, Lifecycle};
use crate::clock::{Clock, SystemClock};
use crate::context::PlatformConfig;
use crate::engine::{Engine, EngineConfig};
use crate::policy_set::PolicySet;
use crate::recheck::candidate;
use crate::recheck::diff::{self, ExportFormat};
use crate::recheck::{
    parse_scope, scope_text, AppOutcome, Progress, RecheckRequest, RecheckSink, Rechecker,
    RecheckerOptions, Summary,
};

pub fn recheck(args: RecheckArgs) -> Result<u8> {
    let scope = parse_scope(&args.scope).map_err(|m| Failure {
        code: 2,
        message: m,
    })?;
    let store = open_store(&args.data.data)?;
    let trusted = match &args.trusted_keys {
        Some(path) => {
            let text = read_text(path, "trusted keys")?;
            TrustedKeys::from_text(&text)
                .map_err(|e| Failure::input(format!("`{}`: {e}", path.display())))?
        }
        None => TrustedKeys::default(),
    };
    let engine = Arc::new(
        Engine::new(EngineConfig {
            cache_dir: Some(args.data.data.join("compile-cache")),
            ..EngineConfig::default()
        })
        .map_err(|e| Failure::other(format!("starting the engine: {e:#}")))?,
    );
    let set = match &args.candidate {
        Some(path) => candidate::from_path(
            &engine,
            path,
            &trusted,
            &BundleLimits::default(),
            SystemTime::now(),
        )
        .map_err(|e| Failure::input(format!("candidate `{}`: {e}", path.display())))?,
        None => active_set(store.as_ref(), &engine, &trusted)?,
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let rechecker = rechecker(
        &args.data,
        store.clone(),
        engine,
        clock,
        args.threads,
        args.batch,
    )?;

    let run = match &args.resume {
        Some(id) => store
            .recheck_run(id)
            .map_err(|e| Failure::other(e.to_string()))?
            .ok_or_else(|| Failure::input(format!("no recheck run `{id}`")))?,
        None => rechecker
            .start(
                &RecheckRequest {
                    scope,
                    candidate: args.candidate.is_some(),
                    full: args.full,
                },
                &set,
            )
            .map_err(|e| Failure::other(e.to_string()))?,
    };
    eprintln!(
        "recheck {}: {} apps ({}) against {} set `{}`{}",
        run.id,
        run.total,
        scope_text(&run.scope),
        if run.candidate { "candidate" } else { "active" },
        run.policy_set_id,
        if run.full { ", full" } else { "" }
    );
    let mut sink = BarSink::new(run.total, run.counts.done);
    let summary = rechecker
        .run(&run.id, &set, &mut sink)
        .map_err(|e| Failure::other(format!("recheck `{}`: {e}", run.id)))?;
    sink.bar.finish_and_clear();

    let sweep = if summary.run.candidate {
        None
    } else {
        Some(
            rechecker
                .lifecycle()
                .sweep()
                .map_err(|e| Failure::other(e.to_string()))?,
        )
    };
    if let Some(path) = &args.export {
        let format = if path.extension().is_some_and(|e| e == "csv") {
            ExportFormat::Csv
        } else {
            ExportFormat::JsonLines
        };
        let file = std::fs::File::create(path)
            .map_err(|e| Failure::other(format!("creating `{}`: {e}", path.display())))?;
        let mut out = BufWriter::new(file);
        let lines = diff::export(store.as_ref(), &summary.run.id, None, format, &mut out)
            .map_err(|e| Failure::other(format!("exporting to `{}`: {e}", path.display())))?;
        eprintln!("wrote {lines} lines to {}", path.display());
    }
    print_summary(&summary, sweep, args.format);
    let c = summary.run.counts;
    Ok(if c.newly_rejected > 0 {
        EXIT_REJECT
    } else if c.newly_rectify > 0 {
        EXIT_RECTIFY
    } else {
        EXIT_PASS
    })
}

fn print_summary(summary: &Summary, sweep: Option<crate::cases::Sweep>, format: Format) {
    let run = &summary.run;
    let seconds = summary.elapsed.as_secs_f64();
    let done_now = summary.stages.policy_calls;
    match format {
        Format::Json => {
            let value = json!({
                "id": run.id,
                "scope": scope_text(&run.scope),
                "policy_set_id": run.policy_set_id,
                "policy_set_digest": run.policy_set_digest,
                "candidate": run.candidate,
                "full": run.full,
                "status": status_name(run.status),
                "stopped": summary.stopped,
                "progress": Progress::of(run),
                "counts": {
                    "done": run.counts.done,
                    "skipped": run.counts.skipped,
                    "failed": run.counts.failed,
                    "unchanged": run.counts.unchanged,
                    "newly_rejected": run.counts.newly_rejected,
                    "newly_rectify": run.counts.newly_rectify,
                    "newly_passing": run.counts.newly_passing,
                },
                "elapsed_seconds": seconds,
                "stages": summary.stages,
                "cases": sweep,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Text => {
            let c = run.counts;
            println!(
                "recheck {} {}: {} of {} apps in {seconds:.1}s",
                run.id,
                status_name(run.status),
                c.done,
                run.total
            );
            println!(
                "  newly rejected {}, newly rectify {}, newly passing {}, unchanged {}",
                c.newly_rejected, c.newly_rectify, c.newly_passing, c.unchanged
            );
            println!(
                "  skipped (unchanged inputs and policies) {}, failed {}, policy calls {done_now}",
                c.skipped, c.failed
            );
            if let Some(s) = sweep {
                println!(
                    "  cases: {} notified, {} removed, {} closed by the sweep",
                    s.notified, s.removed, s.closed
                );
            }
        }
    }
}

fn status_name(s: shelfgate_store::RecheckStatus) -> &'static str {
    use shelfgate_store::RecheckStatus::*;
    match s {
        Running => "running",
        Done => "done",
        Failed => "failed",
        Cancelled => "cancelled",
    }
}

/// The progress bar: done/total, rate and ETA, drawn on stderr when it is
/// a terminal.
struct BarSink {
    bar: ProgressBar,
}

impl BarSink {
    fn new(total: u64, done: u64) -> BarSink {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_position(done);
        BarSink { bar }
    }
}

impl RecheckSink for BarSink {
    type Error = std::convert::Infallible;

    fn outcome(&mut self, _: &AppOutcome<'_>) -> std::result::Result<bool, Self::Error> {
        Ok(true)
    }

    fn progress(&mut self, p: &Progress) -> std::result::Result<bool, Self::Error> {
        self.bar.set_position(p.done);
        let eta = p
            .eta_seconds
            .map_or_else(|| "-".to_owned(), |s| format!("{s:.0}s"));
        self.bar
            .set_message(format!("{:.0} apps/s, ETA {eta}", p.rate));
        Ok(true)
    }
}

/// The set the service serves: the last good bundle the store recorded,
/// verified again, or the built-in pack. A bundle that no longer verifies
/// is an error here, where the service would fall back to the built-in
/// pack: re-judging a catalogue under another set than intended is worse
/// than not re-judging it.
fn active_set(store: &dyn Store, engine: &Engine, trusted: &TrustedKeys) -> Result<PolicySet> {
    let good = store
        .last_good_policy_set()
        .map_err(|e| Failure::other(e.to_string()))?;
    match good {
        Some(good) => match &good.bundle {
            Some(bundle) => candidate::from_bundle(
                engine,
                bundle,
                trusted,
                &BundleLimits::default(),
                SystemTime::now(),
                &good.set.source,
            )
            .map_err(|e| {
                Failure::input(format!(
                    "the active set `{}` ({}) cannot be verified (pass its --trusted-keys): {e}",
                    good.set.id, good.set.source
                ))
            }),
            None => PolicySet::builtin(engine).map_err(|e| Failure::other(e.to_string())),
        },
        None => PolicySet::builtin(engine).map_err(|e| Failure::other(e.to_string())),
    }
}

pub(super) fn open_store(dir: &Path) -> Result<Arc<dyn Store>> {
    let store = SqliteStore::open(dir, StoreOptions::default())
        .map_err(|e| Failure::input(format!("opening the store in `{}`: {e}", dir.display())))?;
    Ok(Arc::new(store))
}

fn read_text(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("cannot read {what} `{}`: {e}", path.display())))
}

pub(super) fn platform_config(data: &DataArgs) -> Result<PlatformConfig> {
    match &data.config {
        Some(path) => serde_json::from_str(&read_text(path, "config")?)
            .map_err(|e| Failure::input(format!("config `{}` is invalid: {e}", path.display()))),
        None => Ok(PlatformConfig::default()),
    }
}

pub(super) fn lifecycle(
    data: &DataArgs,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
) -> Result<Lifecycle> {
    let config: CaseConfig = match &data.cases_config {
        Some(path) => serde_json::from_str(&read_text(path, "case rules")?).map_err(|e| {
            Failure::input(format!("case rules `{}` are invalid: {e}", path.display()))
        })?,
        None => CaseConfig::default(),
    };
    Lifecycle::new(store, clock, config).map_err(|e| Failure::input(e.to_string()))
}

fn rechecker(
    data: &DataArgs,
    store: Arc<dyn Store>,
    engine: Arc<Engine>,
    clock: Arc<dyn Clock>,
    threads: usize,
    batch: usize,
) -> Result<Rechecker> {
    let lifecycle = lifecycle(data, store.clone(), clock.clone())?;
    Rechecker::new(
        store,
        engine,
        platform_config(data)?,
        clock,
        lifecycle,
        RecheckerOptions { threads, batch },
    )
    .map_err(|e| Failure::other(e.to_string()))
}
