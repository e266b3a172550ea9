//! Engine benchmarks: one policy call (fresh instance + evaluate + drop),
//! the whole built-in set per upload on one thread and on the pool, and the
//! same rule as a component and in Rego (regorus), on the same facts.
//!
//! `cargo bench -p shelfgate --bench engine` (add `--features bench-regorus`
//! for the Rego comparison; `scripts/bench-engine.sh` does both). Names
//! follow `stage/config/input`. Setup lives outside the timed closures.

use std::sync::{Arc, LazyLock};

use criterion::{criterion_group, criterion_main, Criterion};
use shelfgate::engine::{Engine, EngineConfig, EvalInput};
use shelfgate::evaluate::Evaluator;
use shelfgate::policy_set::PolicySet;
use shelfgate::policy_test::input_from_base;

struct Setup {
    evaluator: Evaluator,
    serial: Evaluator,
    set: PolicySet,
    input: Arc<EvalInput>,
    /// The base input with two undeclared sensitive permissions, so the
    /// single-rule comparison produces findings.
    flawed: Arc<EvalInput>,
}

static SETUP: LazyLock<Setup> = LazyLock::new(|| {
    let engine = Arc::new(Engine::new(EngineConfig::default()).expect("engine"));
    let set = PolicySet::builtin(&engine).expect("built-in pack");
    let base = include_str!("../../policies/pack/_base.json");
    let input = input_from_base(base).expect("base input");
    let mut facts = (*input.facts).clone();
    for name in [
        "android.permission.READ_CONTACTS",
        "android.permission.RECORD_AUDIO",
    ] {
        facts.permissions.push(name.into());
        facts
            .uses_permissions
            .push(shelfgate_contract::types::UsesPermission {
                name: name.into(),
                max_sdk: None,
                sdk23: false,
            });
    }
    facts.permissions.sort();
    let flawed = Arc::new(EvalInput {
        facts: Arc::new(facts),
        listing: input.listing.clone(),
        context: input.context.clone(),
    });
    Setup {
        evaluator: Evaluator::new(engine.clone(), 2).expect("pool"),
        serial: Evaluator::new(engine, 1).expect("pool"),
        set,
        input,
        flawed,
    }
});

fn policy_calls(c: &mut Criterion) {
    let s = &*SETUP;
    let mut g = c.benchmark_group("engine/call");
    for p in &s.set.policies {
        g.bench_function(p.id(), |b| {
            b.iter(|| s.evaluator.engine().evaluate(&p.loaded, &s.input))
        });
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

fn rule_vs_rego(c: &mut Criterion) {
    let s = &*SETUP;
    let engine = s.evaluator.engine();
    let policy = engine
        .load(
            "bench-notice-004",
            shelfgate_policy_artifacts::test_programs::BENCH_NOTICE_004,
        )
        .expect("bench policy");
    let mut g = c.benchmark_group("rule/PI-NOTICE-004");
    g.bench_function("wasm/flawed", |b| {
        b.iter(|| engine.evaluate(&policy, &s.flawed))
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

criterion_group!(benches, policy_calls, whole_set, rule_vs_rego);
criterion_main!(benches);
