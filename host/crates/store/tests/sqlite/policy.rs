//! Policy set activations, the last good set, and the audit log.

use serde_json::json;
use shelfgate_store::{AuditEntry, PolicySetActivation, Store};

use crate::support::{at, open};

#[test]
fn the_last_good_set_survives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    assert!(store.last_good_policy_set().unwrap().is_none());
    let builtin_manifest = json!({"id": "builtin"});
    store
        .activate_policy_set(&PolicySetActivation {
            id: "builtin",
            digest: "d1",
            source: "builtin",
            manifest: &builtin_manifest,
            bundle: None,
            etag: None,
            activated_at: at(1),
        })
        .unwrap();
    let feed_manifest = json!({"id": "cn-miit", "revision": 3});
    let feed = store
        .activate_policy_set(&PolicySetActivation {
            id: "cn-miit",
            digest: "d2",
            source: "feed:https://regulator.example/bundle",
            manifest: &feed_manifest,
            bundle: Some(b"{\"type\":\"shelfgate-bundle-archive\"}"),
            etag: Some("\"rev-3\""),
            activated_at: at(2),
        })
        .unwrap();
    drop(store);

    let store = open(tmp.path());
    let last = store.last_good_policy_set().unwrap().unwrap();
    assert_eq!(last.set, feed);
    assert_eq!(last.set.manifest, feed_manifest);
    assert_eq!(last.etag.as_deref(), Some("\"rev-3\""));
    assert_eq!(
        last.bundle.as_deref(),
        Some(&b"{\"type\":\"shelfgate-bundle-archive\"}"[..])
    );
    let ids: Vec<String> = store
        .policy_sets(10)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, ["cn-miit", "builtin"]);
}

#[test]
fn audit_entries_read_back_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let entry = |i: u64| AuditEntry {
        at: at(i),
        actor: "token:ops".into(),
        action: "policy.activate".into(),
        target: Some(format!("set-{i}")),
        detail: json!({"attempt": i}),
    };
    let first = store.append_audit(&entry(1)).unwrap();
    store.append_audit(&entry(2)).unwrap();
    let log = store.audit_log(None, 10).unwrap();
    assert_eq!(
        log.iter().map(|r| r.entry.clone()).collect::<Vec<_>>(),
        [entry(1), entry(2)]
    );
    assert_eq!(store.audit_log(Some(first), 10).unwrap().len(), 1);
}
