//! The sandbox against hostile guests: each ends as a structured policy
//! error within its deadline, and the other policies still report.

use std::time::{Duration, Instant};

use shelfgate::engine::{EvalError, LoadError};
use shelfgate::policy_set::{builtin_policies, Policy, PolicySet};
use shelfgate_contract::types::{Decision, EnforcementMode, FailureMode, PolicyErrorKind};
use shelfgate_policy_artifacts::test_programs;

use crate::support::{engine, evaluator, facts, input, listing, test_limits};

/// Every test program must have a test here.
macro_rules! assert_test_exists {
    ($name:ident) => {
        #[allow(unused_imports)]
        use self::$name as _;
    };
}
shelfgate_policy_artifacts::foreach_test_program!(assert_test_exists);

fn hostile(name: &str, bytes: &[u8]) -> Result<Vec<shelfgate_contract::types::Finding>, EvalError> {
    let policy = engine().load(name, bytes).expect("loads");
    engine().evaluate(&policy, &input(facts(), listing()))
}

fn within_deadline(start: Instant) {
    // Generous: the point is that the call ends, not how fast.
    let bound = test_limits().deadline + Duration::from_secs(5);
    assert!(start.elapsed() < bound, "took {:?}", start.elapsed());
}

#[test]
fn infinite_loop() {
    let start = Instant::now();
    let err = hostile("infinite-loop", test_programs::INFINITE_LOOP).unwrap_err();
    assert_eq!(err, EvalError::Timeout(test_limits().deadline));
    within_deadline(start);
}

#[test]
fn memory_bomb() {
    let err = hostile("memory-bomb", test_programs::MEMORY_BOMB).unwrap_err();
    assert_eq!(err, EvalError::MemoryLimit(test_limits().memory_bytes));
}

#[test]
fn deep_recursion() {
    let err = hostile("deep-recursion", test_programs::DEEP_RECURSION).unwrap_err();
    match err {
        EvalError::Trap(text) => assert!(text.contains("call stack exhausted"), "{text}"),
        other => panic!("expected a stack-overflow trap, got {other:?}"),
    }
}

#[test]
fn huge_output() {
    let err = hostile("huge-output", test_programs::HUGE_OUTPUT).unwrap_err();
    assert!(matches!(err, EvalError::OutputLimit(_)), "{err:?}");
}

#[test]
fn trap() {
    let err = hostile("trap", test_programs::TRAP).unwrap_err();
    match err {
        EvalError::Trap(text) => assert!(text.contains("unreachable"), "{text}"),
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn wasi_import() {
    let err = engine()
        .load("wasi-import", test_programs::WASI_IMPORT)
        .unwrap_err();
    match err {
        LoadError::ForbiddenImport { import, .. } => {
            assert_eq!(import, "wasi:cli/environment@0.2.0")
        }
        other => panic!("expected a refused import, got {other}"),
    }
}

/// All hostile guests in one set with the built-in pack: each fails on its
/// own, the pack still reports, and the verdict records every error.
#[test]
fn hostile_guests_leave_other_policies_intact() {
    let mut policies = builtin_policies(&engine()).unwrap();
    for (name, bytes) in [
        ("infinite-loop", test_programs::INFINITE_LOOP),
        ("memory-bomb", test_programs::MEMORY_BOMB),
        ("deep-recursion", test_programs::DEEP_RECURSION),
        ("huge-output", test_programs::HUGE_OUTPUT),
        ("trap", test_programs::TRAP),
    ] {
        policies.push(Policy {
            loaded: engine().load(name, bytes).unwrap(),
            mode: EnforcementMode::Enforce,
            failure: FailureMode::FailClosed,
        });
    }
    let set = PolicySet::new(None, "test", policies).unwrap();
    let mut f = facts();
    f.application.debuggable = true;
    let start = Instant::now();
    let verdict = evaluator().evaluate(&set, &input(f, listing()), "l");
    within_deadline(start);

    let kinds: Vec<(String, PolicyErrorKind)> = verdict
        .errors
        .iter()
        .map(|e| (e.policy_id.clone(), e.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("test-deep-recursion".to_string(), PolicyErrorKind::Trap),
            ("test-huge-output".to_string(), PolicyErrorKind::OutputLimit),
            ("test-infinite-loop".to_string(), PolicyErrorKind::Timeout),
            ("test-memory-bomb".to_string(), PolicyErrorKind::MemoryLimit),
            ("test-trap".to_string(), PolicyErrorKind::Trap),
        ]
    );
    assert!(verdict
        .errors
        .iter()
        .all(|e| e.decision == Decision::Rectify && e.counted));
    // The pack's own finding survives its neighbours' failures.
    assert!(verdict
        .findings
        .iter()
        .any(|f| f.finding.rule_id == "SEC-DEBUG-042"));
    assert_eq!(verdict.decision, Decision::Reject);
}

#[test]
fn failure_modes_map_errors_to_decisions() {
    for (failure, want) in [
        (FailureMode::FailClosed, Decision::Rectify),
        (FailureMode::FailReject, Decision::Reject),
        (FailureMode::FailOpen, Decision::Pass),
    ] {
        let set = PolicySet::new(
            None,
            "test",
            vec![Policy {
                loaded: engine().load("trap", test_programs::TRAP).unwrap(),
                mode: EnforcementMode::Enforce,
                failure,
            }],
        )
        .unwrap();
        let verdict = evaluator().evaluate(&set, &input(facts(), listing()), "l");
        assert_eq!(verdict.decision, want, "{failure:?}");
        assert_eq!(verdict.errors.len(), 1);
    }
}

#[test]
fn an_instance_that_trapped_is_not_reused() {
    // A trap leaves the instance in an unknown state; the next evaluation
    // of the same policy must start clean and trap the same way.
    for _ in 0..3 {
        assert!(matches!(
            hostile("trap", test_programs::TRAP),
            Err(EvalError::Trap(_))
        ));
    }
}

/// A policy compiled against contract 0.1.0 keeps linking and running on
/// the grown contract: the host serves its `@0.1.0` imports by semver.
#[test]
fn old_contract() {
    let component =
        wasmtime::component::Component::new(engine_wasmtime(), test_programs::OLD_CONTRACT)
            .unwrap();
    let imports: Vec<String> = component
        .component_type()
        .imports(engine_wasmtime())
        .map(|(name, _)| name.to_string())
        .collect();
    assert!(
        imports.iter().any(|i| i == "shelfgate:policy/host@0.1.0"),
        "{imports:?}"
    );
    assert_ne!(
        shelfgate_contract::PACKAGE,
        "shelfgate:policy@0.1.0",
        "the contract has grown since"
    );

    let findings = hostile("old-contract", test_programs::OLD_CONTRACT).expect("runs");
    assert_eq!(findings.len(), 1);
    let f = facts();
    assert!(
        findings[0].message_en.starts_with(&format!(
            "{} perms={}",
            f.package,
            f.uses_permissions.len()
        )),
        "{}",
        findings[0].message_en
    );
}

fn engine_wasmtime() -> &'static wasmtime::Engine {
    static E: std::sync::OnceLock<wasmtime::Engine> = std::sync::OnceLock::new();
    E.get_or_init(|| {
        let mut c = wasmtime::Config::new();
        c.wasm_component_model(true);
        wasmtime::Engine::new(&c).unwrap()
    })
}

/// The base facts with two sensitive permissions the listing does not
/// declare.
fn undeclared_permissions() -> shelfgate_contract::types::ApkFacts {
    let mut f = facts();
    for name in [
        "android.permission.READ_CONTACTS",
        "android.permission.RECORD_AUDIO",
    ] {
        f.permissions.push(name.into());
        f.uses_permissions
            .push(shelfgate_contract::types::UsesPermission {
                name: name.into(),
                max_sdk: None,
                sdk23: false,
            });
    }
    f.permissions.sort();
    f
}

/// The benchmark's single-rule component finds what the pack's PI-NOTICE-004
/// finds for undeclared permissions, so the Rego comparison measures the
/// same work.
#[test]
fn bench_notice_004() {
    let input = input(undeclared_permissions(), listing());
    let bench = engine()
        .load("bench", test_programs::BENCH_NOTICE_004)
        .unwrap();
    let mut got: Vec<String> = engine()
        .evaluate(&bench, &input)
        .unwrap()
        .into_iter()
        .map(|f| f.evidence[0].path.clone())
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "uses-permission[@name='android.permission.READ_CONTACTS']",
            "uses-permission[@name='android.permission.RECORD_AUDIO']"
        ]
    );
    let pack = crate::support::module("pi-handling");
    let verdict = crate::support::evaluator().evaluate(&pack, &input, "l");
    for path in &got {
        assert!(
            verdict
                .findings
                .iter()
                .any(|r| r.finding.rule_id == "PI-NOTICE-004"
                    && r.finding.evidence.iter().any(|e| &e.path == path)),
            "the pack's PI-NOTICE-004 also reports {path}"
        );
    }
}

/// The same guest with the standard allocator finds exactly the same: the
/// arena changes speed, never results.
#[test]
fn bench_notice_004_dlmalloc() {
    let input = input(undeclared_permissions(), listing());
    let arena = engine().load("a", test_programs::BENCH_NOTICE_004).unwrap();
    let dlmalloc = engine()
        .load("d", test_programs::BENCH_NOTICE_004_DLMALLOC)
        .unwrap();
    let want = engine().evaluate(&arena, &input).unwrap();
    assert_eq!(want.len(), 2);
    assert_eq!(engine().evaluate(&dlmalloc, &input).unwrap(), want);
}

#[path = "../../host/benches/by_value.rs"]
mod by_value;

/// The records-by-value guest (the bench-only world) finds exactly what the
/// resource guest finds, so the benchmark compares the same work.
#[test]
fn bench_notice_004_by_value() {
    let input = input(undeclared_permissions(), listing());
    let resource = engine().load("r", test_programs::BENCH_NOTICE_004).unwrap();
    let want = engine().evaluate(&resource, &input).unwrap();
    assert_eq!(want.len(), 2);
    let value = by_value::Policy::load(&engine());
    assert_eq!(value.evaluate(&engine(), &input), want);
}

#[test]
fn bench_empty() {
    let p = engine().load("e", test_programs::BENCH_EMPTY).unwrap();
    assert_eq!(
        engine().evaluate(&p, &input(facts(), listing())),
        Ok(vec![])
    );
}

/// Every method the host-call benchmark names runs, and a name it does not
/// know traps instead of timing nothing.
#[test]
fn bench_host_calls() {
    let p = engine().load("h", test_programs::BENCH_HOST_CALLS).unwrap();
    let base = input(facts(), listing());
    let with_call = |call: &str| {
        let mut context = base.context.clone();
        context.settings.push(shelfgate_contract::types::Setting {
            key: "bench.call".into(),
            value: call.into(),
        });
        std::sync::Arc::new(shelfgate::engine::EvalInput {
            facts: base.facts.clone(),
            listing: base.listing.clone(),
            context,
        })
    };
    for call in [
        "none",
        "permissions*3",
        "listing.app*2",
        "context.deadline-for",
    ] {
        assert_eq!(
            engine().evaluate(&p, &with_call(call)),
            Ok(vec![]),
            "{call}"
        );
    }
    assert!(matches!(
        engine().evaluate(&p, &with_call("no-such-method*1")),
        Err(EvalError::Trap(_))
    ));
}

/// The three single-rule components of the three-rule benchmark, compiled
/// from the pack's rule source, report exactly what the pack's module
/// reports for their rule, on an upload that breaks all three rules.
fn same_as_pack(bytes: &[u8], rule: &str, module: &str) {
    let mut f = undeclared_permissions();
    f.application.debuggable = true;
    f.target_sdk = 21;
    f.target_sdk_declared = Some(21);
    let input = input(f, listing());
    let single = engine().load(rule, bytes).unwrap();
    assert_eq!(single.metadata.rules, [rule]);
    let by_text = |mut v: Vec<shelfgate_contract::types::Finding>| {
        v.sort_by_cached_key(|f| format!("{f:?}"));
        v
    };
    let got = by_text(engine().evaluate(&single, &input).unwrap());
    let verdict = evaluator().evaluate(&crate::support::module(module), &input, "l");
    let want = by_text(
        verdict
            .findings
            .iter()
            .map(|r| r.finding.clone())
            .filter(|f| f.rule_id == rule)
            .collect(),
    );
    assert!(!want.is_empty(), "the pack's {rule} fires on this upload");
    assert_eq!(got, want, "{rule}");
}

#[test]
fn three_tsdk_035() {
    same_as_pack(
        test_programs::THREE_TSDK_035,
        "TECH-TSDK-035",
        "store-technical",
    );
}

#[test]
fn three_debug_042() {
    same_as_pack(
        test_programs::THREE_DEBUG_042,
        "SEC-DEBUG-042",
        "security-hygiene",
    );
}

#[test]
fn three_notice_004() {
    same_as_pack(
        test_programs::THREE_NOTICE_004,
        "PI-NOTICE-004",
        "pi-handling",
    );
}
