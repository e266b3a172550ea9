//! Engine benchmarks: one policy call (fresh instance + evaluate + drop),
//! its fixed cost and the cost of each host method, the three rules of the
//! engine issue as a set, the whole built-in set per upload on one thread
//! and on the pool, facts lent as resources against records passed by
//! value, and the same rule as a component and in Rego (regorus), on the
//! same facts.
//!
//! `cargo bench -p shelfgate --bench engine` (add `--features bench-regorus`
//! for the Rego comparison; `scripts/bench-engine.sh` does both). Names
//! follow `stage/config/input`. Setup lives outside the timed closures.

use std::sync::{Arc, LazyLock};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use shelfgate::engine::{Engine, EngineConfig, EvalInput, LoadedPolicy};
use shelfgate::evaluate::Evaluator;
use shelfgate::policy_set::{builtin_policies, Policy, PolicySet};
use shelfgate::policy_test::input_from_base;
use shelfgate_contract::types::{
    ApiRef, ApkFacts, EnforcementMode, FailureMode, Setting, UsesPermission,
};
use shelfgate_policy_artifacts::test_programs;

struct Setup {
    engine: Arc<Engine>,
    evaluator: Evaluator,
    serial: Evaluator,
    set: PolicySet,
    input: Arc<EvalInput>,
    /// The base input with two undeclared sensitive permissions, so the
    /// single-rule comparisons produce findings.
    flawed: Arc<EvalInput>,
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let engine = Arc::new(Engine::new(EngineConfig::default()).expect("engine"));
    let set = PolicySet::builtin(&engine).expect("built-in pack");
    let input = input_from_base(include_str!("../../policies/pack/_base.json")).expect("base");
    let mut facts = (*input.facts).clone();
    for name in [
        "android.permission.READ_CONTACTS",
        "android.permission.RECORD_AUDIO",
    ] {
        facts.permissions.push(name.into());
        facts.uses_permissions.push(UsesPermission {
            name: name.into(),
            max_sdk: None,
            sdk23: false,
        });
    }
    facts.permissions.sort();
    let flawed = with_facts(&input, facts);
    Setup {
        evaluator: Evaluator::new(engine.clone(), 2).expect("pool"),
        serial: Evaluator::new(engine.clone(), 1).expect("pool"),
        engine,
        set,
        input,
        flawed,
    }
});

fn with_facts(input: &EvalInput, facts: ApkFacts) -> Arc<EvalInput> {
    Arc::new(EvalInput {
        facts: Arc::new(facts),
        listing: input.listing.clone(),
        context: input.context.clone(),
    })
}

fn load(name: &str, bytes: &[u8]) -> LoadedPolicy {
    SETUP.engine.load(name, bytes).expect(name)
}

fn policy_calls(c: &mut Criterion) {
    let s = &*SETUP;
    let mut g = c.benchmark_group("engine/call");
    for p in &s.set.policies {
        g.bench_function(p.id(), |b| {
            b.iter(|| s.engine.evaluate(&p.loaded, &s.input))
        });
    }
    g.finish();
}

/// The fixed cost of a call, and what the guest allocator adds to it.
fn fixed_cost(c: &mut Criterion) {
    let s = &*SETUP;
    let mut g = c.benchmark_group("engine/fixed");
    let empty = load("bench-empty", test_programs::BENCH_EMPTY);
    g.bench_function("empty", |b| b.iter(|| s.engine.evaluate(&empty, &s.input)));
    for (name, bytes) in [
        ("arena", test_programs::BENCH_NOTICE_004),
        ("dlmalloc", test_programs::BENCH_NOTICE_004_DLMALLOC),
    ] {
        let p = load(name, bytes);
        g.bench_function(BenchmarkId::new("notice-004", name), |b| {
            b.iter(|| s.engine.evaluate(&p, &s.flawed))
        });
    }
    g.finish();
}

/// Host methods each called `HOST_CALLS` times in one evaluation; the cost
/// of one call is (time − `none`) / `HOST_CALLS`.
const HOST_CALLS: usize = 20;

fn host_calls(c: &mut Criterion) {
    let s = &*SETUP;
    let policy = load("bench-host-calls", test_programs::BENCH_HOST_CALLS);
    let mut g = c.benchmark_group("engine/host-call");
    for method in [
        "none",
        "identity",
        "application",
        "permissions",
        "has-permission",
        "features",
        "components",
        "sdks",
        "api-refs",
        "api-ref",
        "has-class-prefix",
        "container",
        "files-matching",
        "signing",
        "listing.app",
        "listing.permissions",
        "listing.privacy",
        "listing.attestation",
        "context.markets",
        "context.deadline-for",
    ] {
        let mut context = s.input.context.clone();
        context.settings.push(Setting {
            key: "bench.call".into(),
            value: format!("{method}*{HOST_CALLS}"),
        });
        let input = Arc::new(EvalInput {
            facts: s.input.facts.clone(),
            listing: s.input.listing.clone(),
            context,
        });
        // An unknown method traps: every name above must run.
        s.engine.evaluate(&policy, &input).expect(method);
        g.bench_function(method, |b| b.iter(|| s.engine.evaluate(&policy, &input)));
    }
    g.finish();
}

fn whole_set(c: &mut Criterion) {
    let s = &*SETUP;
    let mut g = c.benchmark_group("engine/set");
    g.bench_function("serial/base", |b| {
        b.iter(|| s.serial.evaluate_serial(&s.set, &s.input, "bench"))
    });
    g.bench_function("pool-2/base", |b| {
        b.iter(|| s.evaluator.evaluate(&s.set, &s.input, "bench"))
    });
    g.finish();
}

fn as_set(policies: Vec<LoadedPolicy>) -> PolicySet {
    let policies = policies
        .into_iter()
        .map(|loaded| Policy {
            loaded,
            mode: EnforcementMode::Enforce,
            failure: FailureMode::FailClosed,
        })
        .collect();
    PolicySet::new(None, "bench", policies).expect("set")
}

/// The engine issue's three rules (TECH-TSDK-035, SEC-DEBUG-042,
/// PI-NOTICE-004) per upload: as three single-rule components compiled
/// from the pack's own rule source, and as the three full pack modules
/// that hold them today.
fn three_rules(c: &mut Criterion) {
    let s = &*SETUP;
    let rules = as_set(vec![
        load("three-tsdk-035", test_programs::THREE_TSDK_035),
        load("three-debug-042", test_programs::THREE_DEBUG_042),
        load("three-notice-004", test_programs::THREE_NOTICE_004),
    ]);
    let modules = as_set(
        builtin_policies(&s.engine)
            .expect("pack")
            .into_iter()
            .filter(|p| ["store-technical", "security-hygiene", "pi-handling"].contains(&p.id()))
            .map(|p| p.loaded)
            .collect(),
    );
    assert_eq!(modules.policies.len(), 3);
    let mut g = c.benchmark_group("engine/three-rules");
    for (name, set) in [("rules", &rules), ("modules", &modules)] {
        for (label, input) in [("base", &s.input), ("flawed", &s.flawed)] {
            g.bench_function(format!("{name}/serial/{label}"), |b| {
                b.iter(|| s.serial.evaluate_serial(set, input, "bench"))
            });
        }
        g.bench_function(format!("{name}/pool-2/base"), |b| {
            b.iter(|| s.evaluator.evaluate(set, &s.input, "bench"))
        });
    }
    g.finish();
}

/// The base facts grown by `n` Java packages, `n / 10` API references
/// (with callers), `n` container entries and `n / 10` URLs: what a large
/// app adds that PI-NOTICE-004 never reads.
fn large_facts(base: &ApkFacts, n: usize) -> ApkFacts {
    let mut f = base.clone();
    f.dex
        .packages
        .extend((0..n).map(|i| format!("com.vendor{}.module{i}.impl", i % 97)));
    f.dex.packages.sort();
    f.dex.class_count += u32::try_from(n * 8).unwrap_or(u32::MAX);
    f.dex.api_refs.extend((0..n / 10).map(|i| {
        ApiRef {
            key: format!("bench.key{}", i % 50),
            method: format!("Lcom/vendor/Api{i};->call{i}(Ljava/lang/String;)V"),
            callers: (0..4)
                .map(|j| format!("com.app.feature{i}.Caller{j}"))
                .collect(),
        }
    }));
    f.container
        .files
        .extend((0..n).map(|i| format!("res/drawable-xxhdpi-v4/asset_{i:06}.png")));
    f.container.files.sort();
    f.container.entry_count += u32::try_from(n).unwrap_or(u32::MAX);
    f.dex
        .urls
        .extend((0..n / 10).map(|i| format!("https://api{i}.example.com/v1/collect")));
    f
}

/// PI-NOTICE-004's core with facts, listing and context lent as the
/// contract's resources, against the same rule (same source) taking them
/// as records by value, on fact sets of growing size.
fn resource_vs_value(c: &mut Criterion) {
    let s = &*SETUP;
    let resource = load("bench-notice-004", test_programs::BENCH_NOTICE_004);
    let value = by_value::Policy::load(&s.engine);
    let mut g = c.benchmark_group("contract/notice-004");
    for (label, n) in [("base", 0), ("2k", 2_000), ("20k", 20_000)] {
        let input = with_facts(&s.flawed, large_facts(&s.flawed.facts, n));
        // Both designs must find the same thing before they are timed.
        let a = s.engine.evaluate(&resource, &input).expect("resource");
        let b = value.evaluate(&s.engine, &input);
        assert_eq!(a, b, "the two designs disagree on {label}");
        assert_eq!(a.len(), 2);
        g.bench_function(BenchmarkId::new("resource", label), |b| {
            b.iter(|| s.engine.evaluate(&resource, &input))
        });
        g.bench_function(BenchmarkId::new("by-value", label), |b| {
            b.iter(|| value.evaluate(&s.engine, &input))
        });
    }
    g.finish();
}

/// The records-by-value side (shared with the test that checks it).
mod by_value;

fn rule_vs_rego(c: &mut Criterion) {
    let s = &*SETUP;
    let policy = load("bench-notice-004", test_programs::BENCH_NOTICE_004);
    let mut g = c.benchmark_group("rule/PI-NOTICE-004");
    g.bench_function("wasm/flawed", |b| {
        b.iter(|| s.engine.evaluate(&policy, &s.flawed))
    });
    #[cfg(feature = "bench-regorus")]
    rego::bench(&mut g, &s.flawed);
    g.finish();
}

#[cfg(feature = "bench-regorus")]
mod rego {
    use super::*;
    use shelfgate_contract::json;

    pub fn bench(
        g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        input: &EvalInput,
    ) {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy(
                "pi_notice_004.rego".into(),
                include_str!("rego/pi_notice_004.rego").into(),
            )
            .expect("rego parses");
        let table: serde_json::Value =
            serde_json::from_str(include_str!("../../policies/data/android-permissions.json"))
                .expect("table");
        let mut sensitive = serde_json::Map::new();
        for list in [
            "runtime_permissions",
            "special_permissions",
            "other_sensitive_or_store_restricted",
        ] {
            for p in table[list].as_array().into_iter().flatten() {
                if let Some(name) = p["name"].as_str() {
                    sensitive.insert(name.into(), true.into());
                }
            }
        }
        let data = serde_json::json!({ "sensitive": sensitive });
        engine
            .add_data(regorus::Value::from_json_str(&data.to_string()).expect("data"))
            .expect("data");
        // The same facts and listing the component sees, as the JSON an OPA
        // user would send; converted once, outside the timed loop.
        let doc = serde_json::json!({
            "facts": json::to_value(&*input.facts),
            "listing": json::to_value(&*input.listing),
        });
        let value = regorus::Value::from_json_str(&doc.to_string()).expect("input");
        // Both sides must find the same two permissions.
        engine.set_input(value.clone());
        let found = engine
            .eval_rule("data.shelfgate.pi_notice_004.findings".into())
            .expect("eval");
        assert_eq!(found.as_set().map(|s| s.len()).unwrap_or(0), 2, "{found}");
        g.bench_function("regorus/flawed", |b| {
            b.iter(|| {
                engine.set_input(value.clone());
                engine.eval_rule("data.shelfgate.pi_notice_004.findings".into())
            })
        });
    }
}

criterion_group!(
    benches,
    fixed_cost,
    policy_calls,
    host_calls,
    three_rules,
    whole_set,
    resource_vs_value,
    rule_vs_rego
);
criterion_main!(benches);
