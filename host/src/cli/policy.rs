//! `shelfgate policy list | test | bench`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shelfgate_contract::json;

use super::args::{BenchArgs, Format, ListArgs, PolicyCommand, PolicySource, TestArgs};
use super::{Failure, Result, EXIT_PASS};
use crate::engine::{Engine, EngineConfig, EvalInput};
use crate::evaluate::Evaluator;
use crate::policy_set::{builtin_policies, policies_from_path, Policy, PolicySet};
use crate::policy_test;

/// The pack's clean base input, used by `policy bench` by default.
const PACK_BASE: &str = include_str!("../../../policies/pack/_base.json");

pub fn run(cmd: PolicyCommand) -> Result<u8> {
    match cmd {
        PolicyCommand::List(a) => list(a),
        PolicyCommand::Test(a) => test(a),
        PolicyCommand::Bench(a) => bench(a),
        PolicyCommand::Keygen(a) => super::bundle::keygen(a),
        PolicyCommand::Bundle(a) => super::bundle::bundle(a),
        PolicyCommand::Sign(a) => super::bundle::sign(a),
    }
}

pub fn evaluator() -> Result<Evaluator> {
    let engine = Engine::new(EngineConfig::default())
        .map_err(|e| Failure::other(format!("starting the engine: {e:#}")))?;
    Evaluator::new(Arc::new(engine), 0).map_err(Failure::from)
}

/// The set chosen by `--policies` / `--with-builtin`.
pub fn load_set(engine: &Engine, source: &PolicySource) -> Result<PolicySet> {
    let mut policies = Vec::new();
    if source.policies.is_empty() || source.with_builtin {
        policies.extend(builtin_policies(engine).map_err(|e| Failure::other(e.to_string()))?);
    }
    for path in &source.policies {
        policies
            .extend(policies_from_path(engine, path).map_err(|e| Failure::input(e.to_string()))?);
    }
    let origin = if source.policies.is_empty() {
        "builtin".to_string()
    } else {
        "cli".to_string()
    };
    PolicySet::new(None, origin, policies).map_err(|e| Failure::input(e.to_string()))
}

/// `builtin`, `builtin:<module>`, or a path to a component, core module or
/// directory of them.
fn load_spec(engine: &Engine, spec: &str) -> Result<PolicySet> {
    let policies: Vec<Policy> = if spec == "builtin" {
        builtin_policies(engine).map_err(|e| Failure::other(e.to_string()))?
    } else if let Some(name) = spec.strip_prefix("builtin:") {
        let all = builtin_policies(engine).map_err(|e| Failure::other(e.to_string()))?;
        let one: Vec<Policy> = all.into_iter().filter(|p| p.id() == name).collect();
        if one.is_empty() {
            return Err(Failure::input(format!(
                "the built-in pack has no module `{name}`"
            )));
        }
        one
    } else {
        policies_from_path(engine, Path::new(spec)).map_err(|e| Failure::input(e.to_string()))?
    };
    PolicySet::new(None, spec, policies).map_err(|e| Failure::input(e.to_string()))
}

fn list(args: ListArgs) -> Result<u8> {
    let ev = evaluator()?;
    let set = load_set(ev.engine(), &args.source)?;
    match args.format {
        Format::Json => {
            let policies: Vec<serde_json::Value> = set
                .policies
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "id": p.id(),
                        "version": p.loaded.metadata.version,
                        "title": p.loaded.metadata.title,
                        "digest": p.loaded.digest,
                        "mode": json::to_value(&p.mode),
                        "failure_mode": json::to_value(&p.failure),
                        "rules": p.loaded.metadata.rules,
                        "reads": p.loaded.metadata.reads,
                    })
                })
                .collect();
            let out = serde_json::json!({
                "id": set.id, "digest": set.digest, "source": set.source, "policies": policies,
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Text => {
            println!(
                "policy set {} ({}), digest {}",
                set.id, set.source, set.digest
            );
            for p in &set.policies {
                println!(
                    "{:<20} {:<8} {:<8} {}  {}",
                    p.id(),
                    p.loaded.metadata.version,
                    json::to_value(&p.mode).as_str().unwrap_or(""),
                    &p.loaded.digest[..16],
                    p.loaded.metadata.rules.join(" ")
                );
            }
        }
    }
    Ok(EXIT_PASS)
}

fn test(args: TestArgs) -> Result<u8> {
    let ev = evaluator()?;
    let set = load_spec(ev.engine(), &args.module_or_dir)?;
    let cases =
        policy_test::load_cases(&args.cases_dir).map_err(|e| Failure::input(e.to_string()))?;
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut report = Vec::new();
    for case in &cases {
        let result = policy_test::run(&ev, &set, case);
        let name = case
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if result.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
        match args.format {
            Format::Text => {
                let status = if result.passed() { "PASS" } else { "FAIL" };
                println!("{status} {name}: {}", case.note);
                for p in &result.problems {
                    println!("     {p}");
                }
            }
            Format::Json => report.push(serde_json::json!({
                "case": name, "note": case.note, "rule": case.rule,
                "passed": result.passed(), "problems": result.problems,
            })),
        }
    }
    match args.format {
        Format::Text => println!("{passed} passed, {failed} failed"),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"passed": passed, "failed": failed, "cases": report})
            )
            .unwrap_or_default()
        ),
    }
    if cases.is_empty() {
        return Err(Failure::input(format!(
            "no cases in `{}`",
            args.cases_dir.display()
        )));
    }
    Ok(if failed == 0 { EXIT_PASS } else { 1 })
}

fn bench(args: BenchArgs) -> Result<u8> {
    let ev = evaluator()?;
    let set = load_spec(ev.engine(), &args.module_or_dir)?;
    let input: Arc<EvalInput> = match &args.case {
        Some(path) => {
            let dir = path.parent().unwrap_or(Path::new("."));
            let cases = policy_test::load_cases(dir).map_err(|e| Failure::input(e.to_string()))?;
            let case = cases
                .into_iter()
                .find(|c| c.path.file_name() == path.file_name())
                .ok_or_else(|| Failure::input(format!("no case `{}`", path.display())))?;
            case.input.map_err(Failure::input)?
        }
        None => policy_test::input_from_base(PACK_BASE).map_err(Failure::input)?,
    };
    let n = args.iterations.max(1);
    let mut rows = Vec::new();
    for p in &set.policies {
        let mut samples = Vec::with_capacity(n as usize);
        for _ in 0..n {
            let t = Instant::now();
            let _ = ev.engine().evaluate(&p.loaded, &input);
            samples.push(t.elapsed());
        }
        rows.push((p.id().to_string(), stats(samples)));
    }
    let mut serial = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let t = Instant::now();
        let _ = ev.evaluate_serial(&set, &input, "bench");
        serial.push(t.elapsed());
    }
    rows.push(("(set, 1 thread)".to_string(), stats(serial)));
    let mut parallel = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let t = Instant::now();
        let _ = ev.evaluate(&set, &input, "bench");
        parallel.push(t.elapsed());
    }
    rows.push(("(set, pool)".to_string(), stats(parallel)));
    match args.format {
        Format::Text => {
            println!(
                "{:<22} {:>10} {:>10} {:>10}",
                "policy", "p50 µs", "p99 µs", "mean µs"
            );
            for (name, (p50, p99, mean)) in &rows {
                println!(
                    "{name:<22} {:>10.1} {:>10.1} {:>10.1}",
                    micros(*p50),
                    micros(*p99),
                    micros(*mean)
                );
            }
        }
        Format::Json => {
            let out: Vec<_> = rows
                .iter()
                .map(|(name, (p50, p99, mean))| {
                    serde_json::json!({"policy": name, "p50_us": micros(*p50), "p99_us": micros(*p99), "mean_us": micros(*mean)})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
    }
    Ok(EXIT_PASS)
}

fn stats(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    (at(0.5), at(0.99), mean)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
