//! The rectification lifecycle, driven by a fake clock (issue 7).

use std::sync::Arc;
use std::time::SystemTime;

use shelfgate::cases::{CaseConfig, Lifecycle, Sweep, VerdictRef};
use shelfgate::clock::{Clock, FakeClock};
use shelfgate_contract::types::{Decision, Verdict};
use shelfgate_store::{AppFilter, AppRecord, AppStatus, CaseState, NewSubmission, Store};

use crate::recheck::catalogue;

fn lifecycle(store: &Arc<dyn Store>, clock: &Arc<FakeClock>, holidays: &[&str]) -> Lifecycle {
    let config = CaseConfig {
        rectify_working_days: 5,
        notice_working_days: 10,
        holidays: holidays.iter().map(|h| h.to_string()).collect(),
    };
    let clock: Arc<dyn Clock> = clock.clone();
    Lifecycle::new(store.clone(), clock, config).unwrap()
}

fn listed(store: &dyn Store) -> Vec<AppRecord> {
    store
        .apps_after(None, 1000, &AppFilter::Status(AppStatus::Listed))
        .unwrap()
}

fn verdict<'a>(app: &'a AppRecord, decision: Decision, days: Option<u32>) -> VerdictRef<'a> {
    VerdictRef {
        package: &app.package,
        status: app.status,
        decision,
        seq: app.verdict.seq,
        deadline_working_days: days,
    }
}

/// A resubmission of the same inputs, judged `decision`.
fn resubmit(store: &dyn Store, app: &AppRecord, decision: Decision, id: &str, at: SystemTime) {
    let mut v: Verdict = app.verdict.verdict.decode().unwrap();
    v.decision = decision;
    store
        .record_submission(&NewSubmission {
            id,
            package: &app.package,
            verdict: &v,
            status: AppStatus::Listed,
            category: app.category.as_deref(),
            sdk_ids: &app.sdk_ids,
            received_at: at,
            idempotency: None,
        })
        .unwrap();
}

#[test]
fn rectify_then_missed_deadlines_notify_then_remove() {
    let (_d, store) = catalogue(6);
    // Monday 2026-11-30; Wednesday 2026-12-02 is a holiday.
    let clock = Arc::new(FakeClock::at_date("2026-11-30").unwrap());
    let cases = lifecycle(&store, &clock, &["2026-12-02"]);
    let app = listed(store.as_ref()).remove(0);

    let case = cases
        .apply(&verdict(&app, Decision::Rectify, Some(5)))
        .unwrap()
        .expect("a rectify verdict on a listed app opens a case");
    assert_eq!(case.state, CaseState::Rectify);
    // 5 working days after Monday, skipping the Wednesday holiday.
    assert_eq!(case.rectify_deadline.as_deref(), Some("2026-12-08"));
    // The same verdict again changes nothing.
    assert!(cases
        .apply(&verdict(&app, Decision::Rectify, Some(5)))
        .unwrap()
        .is_none());

    // On the deadline day it is not yet missed.
    clock.set(FakeClock::at_date("2026-12-08").unwrap().now());
    assert_eq!(cases.sweep().unwrap(), Sweep::default());
    clock.advance_days(1);
    assert_eq!(
        cases.sweep().unwrap(),
        Sweep {
            notified: 1,
            ..Sweep::default()
        }
    );
    let case = store.case(case.id).unwrap().unwrap();
    assert_eq!(case.state, CaseState::Notified);
    // Ten working days after the missed deadline.
    assert_eq!(case.removal_deadline.as_deref(), Some("2026-12-22"));
    assert_eq!(
        store.app(&app.package).unwrap().unwrap().status,
        AppStatus::Listed,
        "a notified app stays on the shelf, named on the notice list"
    );

    clock.set(FakeClock::at_date("2026-12-23").unwrap().now());
    let swept = cases.sweep().unwrap();
    assert_eq!(swept.removed, 1);
    assert_eq!(
        store.case(case.id).unwrap().unwrap().state,
        CaseState::Removed
    );
    assert_eq!(
        store.app(&app.package).unwrap().unwrap().status,
        AppStatus::Removed
    );
    let transitions = store.case_transitions(case.id).unwrap();
    let path: Vec<_> = transitions.iter().map(|t| (t.from, t.to)).collect();
    assert_eq!(
        path,
        [
            (None, CaseState::Rectify),
            (Some(CaseState::Rectify), CaseState::Notified),
            (Some(CaseState::Notified), CaseState::Removed),
        ]
    );
    assert!(transitions
        .iter()
        .all(|t| t.verdict_seq == Some(app.verdict.seq)));
    assert!(
        transitions[1].reason.contains("2026-12-08"),
        "{}",
        transitions[1].reason
    );
    assert_eq!(
        transitions[2].at,
        FakeClock::at_date("2026-12-23").unwrap().now()
    );
}

#[test]
fn a_passing_resubmission_closes_the_case() {
    let (_d, store) = catalogue(6);
    let clock = Arc::new(FakeClock::at_date("2026-11-30").unwrap());
    let cases = lifecycle(&store, &clock, &[]);
    let app = listed(store.as_ref()).remove(0);
    let case = cases
        .apply(&verdict(&app, Decision::Rectify, None))
        .unwrap()
        .unwrap();
    // No deadline on the verdict: the platform's default of 5 working days.
    assert_eq!(case.rectify_deadline.as_deref(), Some("2026-12-07"));

    clock.advance_days(2);
    resubmit(
        store.as_ref(),
        &app,
        Decision::Pass,
        "resubmission-1",
        clock.now(),
    );
    let swept = cases.sweep().unwrap();
    assert_eq!(swept.closed, 1);
    let closed = store.case(case.id).unwrap().unwrap();
    assert_eq!(closed.state, CaseState::Closed);
    let last = store.case_transitions(case.id).unwrap().pop().unwrap();
    assert_eq!(last.to, CaseState::Closed);
    assert_eq!(
        last.verdict_seq,
        Some(store.app(&app.package).unwrap().unwrap().verdict.seq),
        "closed by the resubmission's verdict"
    );
    // Long after, nothing is due for a closed case.
    clock.advance_days(60);
    assert_eq!(cases.sweep().unwrap(), Sweep::default());
}

#[test]
fn a_reject_on_a_listed_app_removes_it_at_once() {
    let (_d, store) = catalogue(6);
    let clock = Arc::new(FakeClock::at_date("2026-11-30").unwrap());
    let cases = lifecycle(&store, &clock, &[]);
    let mut apps = listed(store.as_ref());
    let (fresh, open) = (apps.remove(0), apps.remove(0));

    let case = cases
        .apply(&verdict(&fresh, Decision::Reject, None))
        .unwrap()
        .unwrap();
    assert_eq!(case.state, CaseState::Removed);
    assert_eq!(case.rectify_deadline, None);
    assert_eq!(
        store.app(&fresh.package).unwrap().unwrap().status,
        AppStatus::Removed
    );

    // An app already in rectification is removed too.
    let case = cases
        .apply(&verdict(&open, Decision::Rectify, Some(5)))
        .unwrap()
        .unwrap();
    let open_now = store.app(&open.package).unwrap().unwrap();
    let moved = cases
        .apply(&verdict(&open_now, Decision::Reject, None))
        .unwrap()
        .unwrap();
    assert_eq!((moved.id, moved.state), (case.id, CaseState::Removed));
    // A reject on an app no longer listed does nothing.
    let removed = store.app(&open.package).unwrap().unwrap();
    assert!(cases
        .apply(&verdict(&removed, Decision::Reject, None))
        .unwrap()
        .is_none());
}

#[test]
fn a_refused_rectification_removes_the_app() {
    let (_d, store) = catalogue(6);
    let clock = Arc::new(FakeClock::at_date("2026-11-30").unwrap());
    let cases = lifecycle(&store, &clock, &[]);
    let app = listed(store.as_ref()).remove(0);
    let case = cases
        .apply(&verdict(&app, Decision::Rectify, Some(10)))
        .unwrap()
        .unwrap();
    let removed = cases
        .refuse(case.id, "the developer disputes the finding")
        .unwrap();
    assert_eq!(removed.state, CaseState::Removed);
    assert_eq!(
        store.app(&app.package).unwrap().unwrap().status,
        AppStatus::Removed
    );
    let last = store.case_transitions(case.id).unwrap().pop().unwrap();
    assert!(last.reason.contains("refused"), "{}", last.reason);
    // Only an open rectification can be refused.
    assert!(cases.refuse(case.id, "again").is_err());
}

/// Every case of a store with its transitions, as comparable text.
fn case_history(store: &dyn Store) -> Vec<String> {
    store
        .cases(None, None, 1000)
        .unwrap()
        .iter()
        .map(|c| {
            let status = store.app(&c.package).unwrap().unwrap().status;
            let moves: Vec<String> = store
                .case_transitions(c.id)
                .unwrap()
                .iter()
                .map(|t| {
                    format!(
                        "{:?}->{:?} {:?} {} {:?}",
                        t.from, t.to, t.at, t.reason, t.verdict_seq
                    )
                })
                .collect();
            format!(
                "{} {:?} {:?} {:?} {status:?} {moves:?}",
                c.package, c.state, c.rectify_deadline, c.removal_deadline
            )
        })
        .collect()
}

#[test]
fn batched_moves_are_each_recorded_like_single_ones() {
    let (_a, one_by_one) = catalogue(8);
    let (_b, batched) = catalogue(8);
    let clock = Arc::new(FakeClock::at_date("2026-11-30").unwrap());
    let apps = listed(one_by_one.as_ref());
    assert_eq!(apps.len(), listed(batched.as_ref()).len());
    let verdicts = [
        verdict(&apps[0], Decision::Rectify, Some(3)),
        verdict(&apps[1], Decision::Reject, None),
        verdict(&apps[2], Decision::Rectify, None),
        // The same package again in the same batch: the pass sees the case
        // the rectify just opened, and closes it.
        verdict(&apps[2], Decision::Pass, None),
        // A pass with no open case, and a second rectify of an open case:
        // nothing moves.
        verdict(&apps[3], Decision::Pass, None),
        verdict(&apps[0], Decision::Rectify, Some(3)),
    ];

    let single = lifecycle(&one_by_one, &clock, &[]);
    let expected: Vec<Option<CaseState>> = verdicts
        .iter()
        .map(|v| single.apply(v).unwrap().map(|c| c.state))
        .collect();
    let moved: Vec<Option<CaseState>> = lifecycle(&batched, &clock, &[])
        .apply_all(&verdicts)
        .unwrap()
        .into_iter()
        .map(|c| c.map(|c| c.state))
        .collect();
    assert_eq!(
        moved,
        [
            Some(CaseState::Rectify),
            Some(CaseState::Removed),
            Some(CaseState::Rectify),
            Some(CaseState::Closed),
            None,
            None,
        ]
    );
    assert_eq!(moved, expected);
    assert_eq!(
        case_history(batched.as_ref()),
        case_history(one_by_one.as_ref())
    );

    // Every move is recorded with its time, reason and verdict.
    let cases = batched.cases(None, None, 100).unwrap();
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let app = apps.iter().find(|a| a.package == case.package).unwrap();
        for t in batched.case_transitions(case.id).unwrap() {
            assert_eq!(t.at, clock.now());
            assert!(!t.reason.is_empty());
            assert_eq!(t.verdict_seq, Some(app.verdict.seq));
        }
    }
    assert_eq!(
        batched.app(&apps[1].package).unwrap().unwrap().status,
        AppStatus::Removed
    );
    // The opening verdicts again (a resumed recheck) move nothing.
    let again = lifecycle(&batched, &clock, &[])
        .apply_all(&verdicts[..2])
        .unwrap();
    assert_eq!(again, [None, None]);
    assert_eq!(batched.cases(None, None, 100).unwrap().len(), 3);
}
