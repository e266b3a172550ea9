//! Contract 0.1.2's resource-file facts end to end: a real APK inspected,
//! its facts lent through the host's new `facts` methods, read by the
//! pack's rules.

use std::collections::BTreeSet;

use shelfgate::policy_set::PolicySet;
use shelfgate_contract::types::{ApkFacts, FilePathEntry, Verdict};

use crate::support::{engine, evaluator, input, listing, module, repo};

fn inspect(name: &str) -> Option<ApkFacts> {
    let apk = repo().join("../shared/corpus/apk").join(name);
    if !apk.exists() {
        eprintln!("NOTICE: {} is absent; skipping", apk.display());
        return None;
    }
    Some(
        shelfgate_inspect::Inspector::default()
            .inspect_path(&apk)
            .expect(name),
    )
}

fn rules(verdict: &Verdict) -> BTreeSet<&str> {
    verdict
        .findings
        .iter()
        .map(|f| f.finding.rule_id.as_str())
        .collect()
}

/// Bugly's update module ships a FileProvider; with `<root-path>` in its
/// paths file, SEC-EXPORT-047 finds it and names the SDK.
#[test]
fn a_root_path_in_an_sdk_file_provider_is_found_and_attributed() {
    let Some(mut facts) = inspect("bugly-app-release.apk") else {
        return;
    };
    let set = module("security-hygiene");
    let root_path = |v: &Verdict| {
        v.findings
            .iter()
            .filter(|f| f.finding.message_en.contains("<root-path>"))
            .map(|f| f.finding.clone())
            .collect::<Vec<_>>()
    };
    let before = evaluator().evaluate(&set, &input(facts.clone(), listing()), "l");
    assert!(root_path(&before).is_empty(), "{:?}", root_path(&before));

    let paths = &mut facts
        .resources
        .as_mut()
        .expect("0.1.2 facts")
        .file_provider_paths;
    let provider = paths
        .iter_mut()
        .find(|p| p.provider.starts_with("com.tencent.bugly."))
        .expect("Bugly's FileProvider paths");
    provider.entries.push(FilePathEntry {
        kind: "root-path".into(),
        name: "root".into(),
        path: String::new(),
    });
    let bugly = facts
        .sdks
        .iter()
        .find(|s| {
            s.evidence
                .iter()
                .any(|e| e.value.starts_with("com.tencent.bugly"))
        })
        .map(|s| s.id.clone())
        .expect("Bugly detected");
    let after = evaluator().evaluate(&set, &input(facts, listing()), "l");
    let found = root_path(&after);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].rule_id, "SEC-EXPORT-047");
    assert_eq!(found[0].sdk_attribution.as_deref(), Some(bugly.as_str()));
    assert!(found[0]
        .evidence
        .iter()
        .any(|e| e.path.starts_with("res/xml/provider_paths.xml/root-path")));
}

/// Facts stored before 0.1.2 (no resource facts, no properties, no
/// foreign component strings) still evaluate, and on the corpus apps the
/// whole pack decides as it does with them: nothing is inferred from
/// facts that could not show it.
#[test]
fn facts_without_the_0_1_2_fields_evaluate_alike() {
    let set = PolicySet::builtin(&engine()).unwrap();
    for name in ["bugly-app-release.apk", "androguard-a2dp.Vol_137.apk"] {
        let Some(facts) = inspect(name) else {
            continue;
        };
        let mut old = facts.clone();
        old.resources = None;
        old.provider_access = None;
        old.properties = None;
        old.component_labels = None;
        old.dex.foreign_components = None;
        let new = evaluator().evaluate(&set, &input(facts, listing()), "l");
        let old = evaluator().evaluate(&set, &input(old, listing()), "l");
        assert!(old.errors.is_empty(), "{name}: {:?}", old.errors);
        assert_eq!(old.decision, new.decision, "{name}");
        assert_eq!(rules(&old), rules(&new), "{name}");
    }
}
