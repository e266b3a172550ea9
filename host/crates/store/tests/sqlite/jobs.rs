//! Asynchronous jobs, batched audit writes and the last accepted version.

use serde_json::json;
use shelfgate_contract::types::Decision;
use shelfgate_store::{AppStatus, AuditEntry, CallbackState, JobStatus, NewJob, Store, StoreError};

use crate::support::{at, facts, open, submit, Upload};

fn job<'a>(id: &'a str, callback: Option<&'a str>) -> NewJob<'a> {
    NewJob {
        id,
        kind: "check",
        created_at: at(10),
        apk_sha256: "ab",
        apk_size: 2,
        listing: b"{}",
        callback_url: callback,
        idempotency_key: None,
    }
}

#[test]
fn a_job_is_pending_until_finished_once_and_its_callback_until_settled() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    store
        .create_job(&job("j1", Some("https://example.com/hook")))
        .unwrap();
    store.create_job(&job("j2", None)).unwrap();
    assert_eq!(store.pending_job_count().unwrap(), 2);
    let j1 = store.job("j1").unwrap().unwrap();
    assert_eq!(j1.status, JobStatus::Pending);
    assert_eq!(j1.callback_state, Some(CallbackState::Pending));
    assert_eq!(j1.listing, b"{}");

    let done = store
        .finish_job("j1", JobStatus::Done, &json!({"decision": "pass"}), at(20))
        .unwrap();
    assert_eq!(done.status, JobStatus::Done);
    assert_eq!(done.outcome, Some(json!({"decision": "pass"})));
    assert_eq!(done.finished_at, Some(at(20)));
    // Finished once: a second end is a conflict and changes nothing.
    assert!(matches!(
        store.finish_job("j1", JobStatus::Failed, &json!({}), at(30)),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.job("j1").unwrap().unwrap().status, JobStatus::Done);

    // A restart takes up the pending job and the undelivered callback.
    let mut ids: Vec<String> = store
        .unfinished_jobs(10)
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["j1", "j2"]);
    store
        .set_job_callback("j1", CallbackState::Delivered)
        .unwrap();
    let ids: Vec<String> = store
        .unfinished_jobs(10)
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(ids, ["j2"]);

    // Only settled jobs are forgotten.
    assert_eq!(store.purge_jobs(at(1000)).unwrap(), 1);
    assert!(store.job("j1").unwrap().is_none());
    assert!(store.job("j2").unwrap().is_some());
}

#[test]
fn audit_batches_are_appended_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let entries: Vec<AuditEntry> = (0..300)
        .map(|i| AuditEntry {
            at: at(i),
            actor: "api".into(),
            action: "check".into(),
            target: Some(format!("p{i}")),
            detail: json!({ "n": i }),
        })
        .collect();
    store.append_audit_batch(&entries).unwrap();
    store.append_audit_batch(&[]).unwrap();
    let log = store.audit_log(None, 1000).unwrap();
    assert_eq!(log.len(), 300);
    assert!(log.iter().zip(&entries).all(|(r, e)| r.entry == *e));
}

#[test]
fn the_last_accepted_version_skips_rejects_and_the_same_apk() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let package = "com.example.app";
    assert!(store.last_accepted(package, "x").unwrap().is_none());
    submit(
        &store,
        &Upload {
            id: "s1",
            build: 1,
            ..Upload::default()
        },
    );
    submit(
        &store,
        &Upload {
            id: "s2",
            build: 2,
            decision: Decision::Rectify,
            ..Upload::default()
        },
    );
    submit(
        &store,
        &Upload {
            id: "s3",
            build: 3,
            decision: Decision::Reject,
            status: AppStatus::Shelved,
            ..Upload::default()
        },
    );
    let v2 = facts(package, 2).sha256;
    let v3 = facts(package, 3).sha256;
    // The reject of build 3 is not accepted: build 2 (rectify) is.
    let last = store.last_accepted(package, &v3).unwrap().unwrap();
    assert_eq!(last.apk_sha256, v2);
    // Resubmitting build 2 compares it with build 1, not with itself.
    let last = store.last_accepted(package, &v2).unwrap().unwrap();
    assert_eq!(last.apk_sha256, facts(package, 1).sha256);
    assert!(store.last_accepted("com.other", &v2).unwrap().is_none());
}
