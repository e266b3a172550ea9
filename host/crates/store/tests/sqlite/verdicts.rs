//! Submissions, the append-only history, the verdict cache and idempotency.

use shelfgate_contract::types::Decision;
use shelfgate_store::{
    AppStatus, CaseState, IdempotentResponse, Import, NewCase, NewSubmission, Store, StoreError,
    VerdictKey, VerdictOrigin,
};

use crate::support::{at, facts, hex_sha256, listing_json, open, raw, submit, verdict, Upload};

#[test]
fn a_reopened_store_keeps_submissions_apps_and_history() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let first = submit(
        &store,
        &Upload {
            id: "s1",
            decision: Decision::Rectify,
            ..Upload::default()
        },
    );
    let second = submit(
        &store,
        &Upload {
            id: "s2",
            build: 2,
            at: at(60),
            ..Upload::default()
        },
    );
    drop(store);

    let store = open(tmp.path());
    let s1 = store.submission("s1").unwrap().unwrap();
    assert_eq!(s1.package, "com.example.app");
    assert_eq!(s1.received_at, at(0));
    assert_eq!(s1.verdict.seq, first.verdict.seq);
    assert_eq!(s1.verdict.decision, Decision::Rectify);
    assert_eq!(s1.verdict.origin, VerdictOrigin::Submission("s1".into()));
    assert_eq!(
        s1.verdict.verdict.decode().unwrap().decision,
        Decision::Rectify
    );

    let app = store.app("com.example.app").unwrap().unwrap();
    assert_eq!(app.submission_id, "s2");
    assert_eq!(app.status, AppStatus::Listed);
    assert_eq!(app.verdict.seq, second.verdict.seq);
    assert_eq!(app.verdict.apk_sha256, facts("com.example.app", 2).sha256);

    let history = store.history("com.example.app", None, 10).unwrap();
    let seqs: Vec<i64> = history.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [first.verdict.seq, second.verdict.seq]);
    let rest = store
        .history("com.example.app", Some(first.verdict.seq), 10)
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert!(store.submission("absent").unwrap().is_none());
}

#[test]
fn history_and_audit_refuse_update_and_delete() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let record = submit(
        &store,
        &Upload {
            decision: Decision::Rectify,
            ..Upload::default()
        },
    );
    store
        .open_case(&NewCase {
            package: "com.example.app",
            state: CaseState::Rectify,
            verdict_seq: record.verdict.seq,
            rectify_deadline: None,
            removal_deadline: None,
            at: at(1),
            reason: "rectify",
            app_status: None,
        })
        .unwrap();
    store
        .append_audit(&shelfgate_store::AuditEntry {
            at: at(1),
            actor: "admin".into(),
            action: "policy.activate".into(),
            target: None,
            detail: serde_json::json!({}),
        })
        .unwrap();
    let conn = raw(&store);
    for sql in [
        "UPDATE verdict_history SET decision = 'pass'",
        "DELETE FROM verdict_history",
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "UPDATE case_transitions SET reason = ''",
        "DELETE FROM case_transitions",
    ] {
        let err = conn.execute(sql, []).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    let count: i64 = conn
        .query_row("SELECT count(*) FROM verdict_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 1);
}

#[test]
fn identical_inputs_are_answered_from_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let record = submit(
        &store,
        &Upload {
            decision: Decision::Reject,
            ..Upload::default()
        },
    );
    let entry = &record.verdict;
    let key = VerdictKey {
        apk_sha256: &entry.apk_sha256,
        listing_sha256: &entry.listing_sha256,
        policy_set_digest: &entry.policy_set_digest,
    };
    let hit = store.cached_verdict(key).unwrap().unwrap();
    assert_eq!(hit.seq, entry.seq);
    assert_eq!(
        hit.verdict.decode().unwrap(),
        entry.verdict.decode().unwrap()
    );

    let other_set = hex_sha256("another set");
    let miss = VerdictKey {
        policy_set_digest: &other_set,
        ..key
    };
    assert!(store.cached_verdict(miss).unwrap().is_none());
}

fn response(key: &str, fingerprint: &str, body: &str) -> IdempotentResponse {
    IdempotentResponse {
        key: key.into(),
        fingerprint: fingerprint.into(),
        status: 201,
        content_type: "application/json".into(),
        body: body.as_bytes().to_vec(),
        created_at: at(5),
    }
}

#[test]
fn an_idempotency_key_replays_or_conflicts() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let first = response("k1", "fp-a", "{\"id\":1}");
    assert_eq!(store.idempotent_response("k1", "fp-a").unwrap(), None);
    assert_eq!(store.save_idempotent_response(&first).unwrap(), first);
    // A retry of the same request gets the first response back.
    let retry = response("k1", "fp-a", "{\"id\":2}");
    assert_eq!(store.save_idempotent_response(&retry).unwrap(), first);
    assert_eq!(
        store.idempotent_response("k1", "fp-a").unwrap(),
        Some(first)
    );
    // The same key for another request is a conflict.
    let other = response("k1", "fp-b", "{}");
    assert!(matches!(
        store.save_idempotent_response(&other),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.idempotent_response("k1", "fp-b"),
        Err(StoreError::Conflict(_))
    ));

    assert_eq!(store.purge_idempotent_responses(at(5)).unwrap(), 0);
    assert_eq!(store.purge_idempotent_responses(at(6)).unwrap(), 1);
    assert_eq!(store.idempotent_response("k1", "fp-a").unwrap(), None);
}

#[test]
fn a_submission_saves_its_idempotent_response_atomically() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let facts = facts("com.example.app", 1);
    store.put_facts(&facts).unwrap();
    let listing = store.put_listing(&listing_json("com.example.app")).unwrap();
    let verdict = verdict(&facts, &listing, Decision::Pass, "builtin");
    let saved = response("k1", "fp-a", "{\"id\":\"s1\"}");
    let submission = |id| NewSubmission {
        id,
        package: "com.example.app",
        verdict: &verdict,
        status: AppStatus::Listed,
        category: None,
        sdk_ids: &[],
        received_at: at(0),
        idempotency: Some(&saved),
    };
    store.record_submission(&submission("s1")).unwrap();
    assert_eq!(
        store.idempotent_response("k1", "fp-a").unwrap(),
        Some(saved.clone())
    );
    // A concurrent retry that evaluated too records nothing.
    let err = store.record_submission(&submission("s2")).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(store.submission("s2").unwrap().is_none());
    assert_eq!(store.history("com.example.app", None, 10).unwrap().len(), 1);
}

#[test]
fn a_submission_needs_its_inputs_and_a_fresh_id() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let facts = facts("com.example.app", 1);
    let verdict = verdict(&facts, &hex_sha256("listing"), Decision::Pass, "builtin");
    let submission = NewSubmission {
        id: "s1",
        package: "com.example.app",
        verdict: &verdict,
        status: AppStatus::Listed,
        category: None,
        sdk_ids: &[],
        received_at: at(0),
        idempotency: None,
    };
    let err = store.record_submission(&submission).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");

    assert!(store.app("com.example.app").unwrap().is_none());

    // With its inputs stored, a taken id is a conflict and writes nothing.
    let record = submit(
        &store,
        &Upload {
            id: "s1",
            ..Upload::default()
        },
    );
    let verdict = record.verdict.verdict.decode().unwrap();
    let err = store
        .record_submission(&NewSubmission {
            verdict: &verdict,
            ..submission
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.history("com.example.app", None, 10).unwrap().len(), 1);
}

#[test]
fn app_status_changes_and_missing_apps_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    submit(&store, &Upload::default());
    store
        .set_app_status("com.example.app", AppStatus::Shelved, at(9))
        .unwrap();
    let app = store.app("com.example.app").unwrap().unwrap();
    assert_eq!((app.status, app.updated_at), (AppStatus::Shelved, at(9)));
    let err = store
        .set_app_status("com.absent", AppStatus::Listed, at(9))
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

#[test]
fn a_bulk_import_stores_inputs_and_submissions_together() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let inputs: Vec<_> = (0..3)
        .map(|i| {
            let package = format!("com.bulk{i}");
            let facts = facts(&package, 1);
            let listing = listing_json(&package);
            (package, facts, listing)
        })
        .collect();
    let keys: Vec<String> = inputs
        .iter()
        .map(|(_, _, listing)| {
            let value: serde_json::Value = serde_json::from_slice(listing).unwrap();
            shelfgate_bundle::canonical::sha256_hex(&value).unwrap()
        })
        .collect();
    let verdicts: Vec<_> = inputs
        .iter()
        .zip(&keys)
        .map(|((_, facts, _), key)| verdict(facts, key, Decision::Pass, "builtin"))
        .collect();
    let ids: Vec<String> = (0..3).map(|i| format!("bulk-{i}")).collect();
    let imports: Vec<Import<'_>> = inputs
        .iter()
        .zip(&verdicts)
        .zip(&ids)
        .map(|(((package, facts, listing), verdict), id)| Import {
            facts,
            listing_json: listing,
            submission: NewSubmission {
                id,
                package,
                verdict,
                status: AppStatus::Listed,
                category: None,
                sdk_ids: &[],
                received_at: at(0),
                idempotency: None,
            },
        })
        .collect();
    store.import(&imports).unwrap();
    for (package, facts, _) in &inputs {
        let app = store.app(package).unwrap().unwrap();
        assert_eq!(app.verdict.apk_sha256, facts.sha256);
        assert!(store
            .listing(&app.verdict.listing_sha256)
            .unwrap()
            .is_some());
    }

    // A verdict for another listing is refused before anything is written.
    let stray = Import {
        listing_json: &inputs[0].2,
        submission: NewSubmission {
            id: "stray",
            ..imports[1].submission.clone()
        },
        ..imports[1].clone()
    };
    let err = store.import(&[stray]).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(store.submission("stray").unwrap().is_none());
}
