//! Shared fixtures: one engine for the whole test binary, inputs from JSON.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use shelfgate::context::PlatformConfig;
use shelfgate::engine::{Engine, EngineConfig, EvalInput, Limits};
use shelfgate::evaluate::Evaluator;
use shelfgate_contract::json;
use shelfgate_contract::types::{ApkFacts, Listing};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn fixture(name: &str) -> String {
    let path = repo().join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The limits the tests run under: a short deadline so hostile guests end
/// quickly.
pub fn test_limits() -> Limits {
    Limits {
        deadline: Duration::from_millis(300),
        memory_bytes: 32 << 20,
        ..Limits::default()
    }
}

pub fn engine() -> Arc<Engine> {
    static ENGINE: OnceLock<Arc<Engine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            Arc::new(
                Engine::new(EngineConfig {
                    limits: test_limits(),
                    cache_dir: Some(repo().join("target/test-compile-cache")),
                    max_instances: 64,
                })
                .expect("engine"),
            )
        })
        .clone()
}

pub fn evaluator() -> &'static Evaluator {
    static EVAL: OnceLock<Evaluator> = OnceLock::new();
    EVAL.get_or_init(|| Evaluator::new(engine(), 2).expect("evaluator"))
}

/// The pack's clean base (`policies/pack/_base.json`): facts and a listing
/// that pass every built-in rule.
fn base() -> serde_json::Value {
    let path = repo().join("policies/pack/_base.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("_base.json")
}

pub fn facts() -> ApkFacts {
    json::from_value(&base()["facts"]).expect("base facts")
}

pub fn listing() -> Listing {
    json::from_value(&base()["listing"]).expect("base listing")
}

/// One module of the built-in pack, alone in a set.
pub fn module(name: &str) -> shelfgate::policy_set::PolicySet {
    let policies: Vec<_> = shelfgate::policy_set::builtin_policies(&engine())
        .unwrap()
        .into_iter()
        .filter(|p| p.id() == name)
        .collect();
    assert_eq!(policies.len(), 1, "the pack has module `{name}`");
    shelfgate::policy_set::PolicySet::new(None, "test", policies).unwrap()
}

pub fn input(facts: ApkFacts, listing: Listing) -> Arc<EvalInput> {
    let context = PlatformConfig::default().context(&listing, "2026-11-28", None);
    Arc::new(EvalInput {
        facts: Arc::new(facts),
        listing: Arc::new(listing),
        context,
    })
}
