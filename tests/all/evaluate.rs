//! Verdicts from the built-in pack: modes, determinism and atomic swaps.

use std::sync::Arc;

use shelfgate::policy_set::{builtin_policies, ActiveSet, PolicySet};
use shelfgate::verdict::without_timings;
use shelfgate_contract::json;
use shelfgate_contract::types::{Decision, EnforcementMode};

use crate::support::{engine, evaluator, facts, input, listing, module};

fn builtin() -> PolicySet {
    PolicySet::builtin(&engine()).unwrap()
}

#[test]
fn clean_facts_pass() {
    let verdict = evaluator().evaluate(&builtin(), &input(facts(), listing()), "l");
    assert_eq!(
        verdict.decision,
        Decision::Pass,
        "{}",
        json::to_string_pretty(&verdict)
    );
    assert!(verdict.errors.is_empty());
}

#[test]
fn target_sdk_below_floor_rejects() {
    let mut f = facts();
    f.target_sdk = 28;
    let verdict = evaluator().evaluate(&module("store-technical"), &input(f, listing()), "l");
    assert_eq!(verdict.decision, Decision::Reject);
    let rules: Vec<&str> = verdict
        .findings
        .iter()
        .map(|f| f.finding.rule_id.as_str())
        .collect();
    assert!(rules.contains(&"TECH-TSDK-035"), "{rules:?}");
}

#[test]
fn undeclared_sensitive_permission_is_rectify_with_deadline() {
    let mut f = facts();
    f.permissions
        .push("android.permission.READ_CONTACTS".into());
    f.permissions.sort();
    f.uses_permissions
        .push(shelfgate_contract::types::UsesPermission {
            name: "android.permission.READ_CONTACTS".into(),
            max_sdk: None,
            sdk23: false,
        });
    let verdict = evaluator().evaluate(&module("pi-handling"), &input(f, listing()), "l");
    assert_eq!(verdict.decision, Decision::Rectify);
    assert_eq!(verdict.deadline_working_days, Some(5));
    let finding = &verdict
        .findings
        .iter()
        .find(|f| f.finding.rule_id == "PI-NOTICE-004")
        .expect("a PI-NOTICE-004 finding")
        .finding;
    assert_eq!(finding.rule_id, "PI-NOTICE-004");
    assert!(
        finding.message_en.contains("READ_CONTACTS"),
        "{}",
        finding.message_en
    );
    assert!(!finding.message_zh.is_empty());
}

#[test]
fn boilerplate_purpose_is_rectify() {
    let mut l = listing();
    l.permissions[2].purpose_zh = "提升用户体验".into();
    let verdict = evaluator().evaluate(&builtin(), &input(facts(), l), "l");
    assert_eq!(
        verdict.decision,
        Decision::Rectify,
        "{}",
        json::to_string_pretty(&verdict)
    );
}

#[test]
fn warn_lowers_and_shadow_does_not_count() {
    let mut f = facts();
    f.application.debuggable = true;
    for (mode, want) in [
        (EnforcementMode::Enforce, Decision::Reject),
        (EnforcementMode::Warn, Decision::Rectify),
        (EnforcementMode::Shadow, Decision::Pass),
    ] {
        let mut policies: Vec<_> = builtin_policies(&engine())
            .unwrap()
            .into_iter()
            .filter(|p| p.id() == "security-hygiene")
            .collect();
        for p in &mut policies {
            p.mode = mode;
        }
        let set = PolicySet::new(None, "test", policies).unwrap();
        let verdict = evaluator().evaluate(&set, &input(f.clone(), listing()), "l");
        assert_eq!(verdict.decision, want, "{mode:?}");
        let finding = verdict
            .findings
            .iter()
            .find(|f| f.finding.rule_id == "SEC-DEBUG-042")
            .expect("a SEC-DEBUG-042 finding");
        assert_eq!(finding.original_decision, Decision::Reject);
        assert_eq!(finding.counted, mode != EnforcementMode::Shadow);
    }
}

#[test]
fn same_inputs_give_identical_bytes() {
    let mut f = facts();
    f.target_sdk = 22;
    f.application.debuggable = true;
    let set = builtin();
    let a = evaluator().evaluate(&set, &input(f.clone(), listing()), "l");
    let b = evaluator().evaluate_serial(&set, &input(f, listing()), "l");
    assert_eq!(
        json::to_string(&without_timings(&a)),
        json::to_string(&without_timings(&b))
    );
}

#[test]
fn evaluations_in_flight_finish_on_the_set_they_started_with() {
    let active = Arc::new(ActiveSet::new(builtin()));
    let sets: Vec<Arc<PolicySet>> = (0..2)
        .map(|i| {
            let mut policies = builtin_policies(&engine()).unwrap();
            if i == 1 {
                policies.pop();
            }
            Arc::new(PolicySet::new(Some(format!("set-{i}")), "test", policies).unwrap())
        })
        .collect();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let (active, sets, stop) = (active.clone(), sets.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut swaps = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                active.swap(sets[(swaps % 2) as usize].clone());
                swaps += 1;
                std::thread::yield_now();
            }
            swaps
        })
    };
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let active = active.clone();
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for _ in 0..50 {
                    let set = active.get();
                    let verdict = evaluator().evaluate(&set, &input(facts(), listing()), "l");
                    assert_eq!(verdict.policy_set_id, set.id);
                    assert_eq!(verdict.policies.len(), set.policies.len());
                    assert!(verdict.errors.is_empty());
                    seen.push(set.id.clone());
                }
                seen
            })
        })
        .collect();
    let mut seen: Vec<String> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert_eq!(seen.len(), 200);
    seen.sort();
    seen.dedup();
    assert!(swaps > 1, "the set was swapped during the run");
    assert!(
        seen.len() >= 2,
        "evaluations saw more than one set: {seen:?}"
    );
}
