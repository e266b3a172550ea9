//! The built-in pack against its own cases, and coverage of the catalogue:
//! every rule has a policy, a passing case and a case for each decision it
//! can give.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use shelfgate::policy_set::builtin_policies;
use shelfgate::policy_test::{load_cases, run, Case};

use crate::support::{engine, evaluator, module, repo};

fn cases_dir(module: &str) -> PathBuf {
    repo().join("policies/pack").join(module).join("cases")
}

fn modules() -> Vec<String> {
    shelfgate_policy_artifacts::PACK
        .iter()
        .map(|a| a.name.to_string())
        .collect()
}

#[test]
fn every_module_passes_its_cases() {
    let mut failures = Vec::new();
    let mut total = 0;
    for name in modules() {
        let set = module(&name);
        let cases = load_cases(&cases_dir(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!cases.is_empty(), "module `{name}` has no cases");
        for case in &cases {
            total += 1;
            let result = run(evaluator(), &set, case);
            if !result.passed() {
                failures.push(format!(
                    "{}: {}: {}",
                    case.path.display(),
                    case.note,
                    result.problems.join("; ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Rule ids and the decisions each can give, from the catalogue's
/// Appendix A (`| id | area | default | hard |`).
fn catalogue() -> Option<BTreeMap<String, BTreeSet<String>>> {
    let path = repo().join("../shared/policy-catalogue.md");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!(
            "SKIPPED: ../shared not found ({}): checking declared rules only",
            path.display()
        );
        return None;
    };
    let appendix = text.split("## Appendix A").nth(1)?;
    let mut rules = BTreeMap::new();
    for line in appendix.lines() {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        if cols.len() < 4
            || !cols[1]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
            || !cols[1].contains('-')
        {
            continue;
        }
        let decisions: BTreeSet<String> = ["rectify", "reject"]
            .iter()
            .filter(|d| cols[3].contains(*d))
            .map(|d| d.to_string())
            .collect();
        rules.insert(cols[1].to_string(), decisions);
    }
    Some(rules)
}

#[test]
fn every_catalogue_rule_has_a_policy_and_cases() {
    let declared: BTreeMap<String, String> = builtin_policies(&engine())
        .unwrap()
        .iter()
        .flat_map(|p| {
            p.loaded
                .metadata
                .rules
                .iter()
                .map(move |r| (r.clone(), p.id().to_string()))
        })
        .collect();
    let catalogue = catalogue();
    if let Some(catalogue) = &catalogue {
        assert_eq!(catalogue.len(), 48, "the catalogue lists 48 rules");
        let missing: Vec<&String> = catalogue
            .keys()
            .filter(|id| !declared.contains_key(*id))
            .collect();
        assert!(missing.is_empty(), "rules with no policy: {missing:?}");
    }
    let mut cases: Vec<Case> = Vec::new();
    for name in modules() {
        cases.extend(load_cases(&cases_dir(&name)).unwrap());
    }
    let mut problems = Vec::new();
    for (rule, module) in &declared {
        let of_rule: Vec<&Case> = cases
            .iter()
            .filter(|c| c.rule.as_deref() == Some(rule.as_str()))
            .collect();
        let decisions: BTreeSet<&str> = of_rule.iter().map(|c| c.want.decision.as_str()).collect();
        if !decisions.contains("pass") {
            problems.push(format!("{rule} ({module}): no passing case"));
        }
        let wanted: BTreeSet<String> = catalogue
            .as_ref()
            .and_then(|c| c.get(rule).cloned())
            .unwrap_or_else(|| ["rectify".to_string()].into());
        for d in wanted {
            if !decisions.contains(d.as_str()) {
                problems.push(format!("{rule} ({module}): no case giving {d}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "coverage gaps:\n{}",
        problems.join("\n")
    );
}
