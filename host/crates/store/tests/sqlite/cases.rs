//! Rectification cases: transitions recorded, compare-and-set, forward only.

use shelfgate_contract::types::Decision;
use shelfgate_store::{AppStatus, CaseChange, CaseState, NewCase, Store, StoreError};

use crate::support::{at, open, submit, Upload};

#[test]
fn a_case_moves_forward_and_every_transition_is_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let rectify = submit(
        &store,
        &Upload {
            decision: Decision::Rectify,
            ..Upload::default()
        },
    );
    let opened = store
        .open_case(&NewCase {
            package: "com.example.app",
            state: CaseState::Rectify,
            verdict_seq: rectify.verdict.seq,
            rectify_deadline: Some("2025-07-01"),
            removal_deadline: None,
            at: at(10),
            reason: "rectify verdict on a listed app",
            app_status: None,
        })
        .unwrap();
    assert_eq!(opened.state, CaseState::Rectify);
    assert_eq!(opened.rectify_deadline.as_deref(), Some("2025-07-01"));

    // One open case per package.
    let again = NewCase {
        package: "com.example.app",
        state: CaseState::Rectify,
        verdict_seq: rectify.verdict.seq,
        rectify_deadline: None,
        removal_deadline: None,
        at: at(11),
        reason: "again",
        app_status: None,
    };
    assert!(matches!(
        store.open_case(&again),
        Err(StoreError::Conflict(_))
    ));

    let notified = store
        .transition_case(
            opened.id,
            &CaseChange {
                from: CaseState::Rectify,
                to: CaseState::Notified,
                at: at(20),
                reason: "deadline 2025-07-01 missed",
                verdict_seq: None,
                removal_deadline: Some("2025-07-15"),
                app_status: None,
            },
        )
        .unwrap();
    assert_eq!(notified.state, CaseState::Notified);
    assert_eq!(notified.removal_deadline.as_deref(), Some("2025-07-15"));

    // A second sweep that still believes the case is in rectify moves nothing.
    let stale = CaseChange {
        from: CaseState::Rectify,
        to: CaseState::Notified,
        at: at(21),
        reason: "deadline missed",
        verdict_seq: None,
        removal_deadline: None,
        app_status: None,
    };
    assert!(matches!(
        store.transition_case(opened.id, &stale),
        Err(StoreError::Conflict(_))
    ));
    // Backwards is never allowed.
    let back = CaseChange {
        from: CaseState::Notified,
        to: CaseState::Rectify,
        ..stale.clone()
    };
    assert!(matches!(
        store.transition_case(opened.id, &back),
        Err(StoreError::Invalid(_))
    ));

    let removed = store
        .transition_case(
            opened.id,
            &CaseChange {
                from: CaseState::Notified,
                to: CaseState::Removed,
                at: at(30),
                reason: "second deadline missed",
                verdict_seq: None,
                removal_deadline: None,
                app_status: Some(AppStatus::Removed),
            },
        )
        .unwrap();
    assert_eq!(removed.removal_deadline.as_deref(), Some("2025-07-15"));
    assert_eq!(
        store.app("com.example.app").unwrap().unwrap().status,
        AppStatus::Removed
    );

    let transitions = store.case_transitions(opened.id).unwrap();
    let steps: Vec<_> = transitions
        .iter()
        .map(|t| (t.from, t.to, t.at, t.reason.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (
                None,
                CaseState::Rectify,
                at(10),
                "rectify verdict on a listed app"
            ),
            (
                Some(CaseState::Rectify),
                CaseState::Notified,
                at(20),
                "deadline 2025-07-01 missed"
            ),
            (
                Some(CaseState::Notified),
                CaseState::Removed,
                at(30),
                "second deadline missed"
            ),
        ]
    );
    assert_eq!(transitions[0].verdict_seq, Some(rectify.verdict.seq));

    // A passing resubmission closes it; then a new case may open.
    let pass = submit(
        &store,
        &Upload {
            id: "s2",
            build: 2,
            ..Upload::default()
        },
    );
    let closed = store
        .transition_case(
            opened.id,
            &CaseChange {
                from: CaseState::Removed,
                to: CaseState::Closed,
                at: at(40),
                reason: "resubmission passed",
                verdict_seq: Some(pass.verdict.seq),
                removal_deadline: None,
                app_status: Some(AppStatus::Listed),
            },
        )
        .unwrap();
    assert_eq!(closed.state, CaseState::Closed);
    assert!(store.open_case_for("com.example.app").unwrap().is_none());
    let reopened = store.open_case(&again).unwrap();
    assert_eq!(
        store.open_case_for("com.example.app").unwrap(),
        Some(reopened.clone())
    );

    let by_state = |s| store.cases(Some(s), None, 10).unwrap();
    assert_eq!(by_state(CaseState::Closed), std::slice::from_ref(&closed));
    assert_eq!(
        by_state(CaseState::Rectify),
        std::slice::from_ref(&reopened)
    );
    assert_eq!(store.cases(None, Some(closed.id), 10).unwrap(), [reopened]);
}

#[test]
fn a_reject_opens_a_case_already_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let reject = submit(
        &store,
        &Upload {
            decision: Decision::Reject,
            ..Upload::default()
        },
    );
    let case = store
        .open_case(&NewCase {
            package: "com.example.app",
            state: CaseState::Removed,
            verdict_seq: reject.verdict.seq,
            rectify_deadline: None,
            removal_deadline: None,
            at: at(10),
            reason: "reject on a listed app",
            app_status: Some(AppStatus::Removed),
        })
        .unwrap();
    assert_eq!(case.state, CaseState::Removed);
    assert_eq!(
        store.app("com.example.app").unwrap().unwrap().status,
        AppStatus::Removed
    );
    let bad_date = NewCase {
        package: "com.other",
        state: CaseState::Rectify,
        verdict_seq: reject.verdict.seq,
        rectify_deadline: Some("July 1st"),
        removal_deadline: None,
        at: at(10),
        reason: "",
        app_status: None,
    };
    assert!(matches!(
        store.open_case(&bad_date),
        Err(StoreError::Invalid(_))
    ));
}
