//! The recheck's view: a stable cursor over apps, checkpoints, and results
//! written once per app.

use shelfgate_contract::types::Decision;
use shelfgate_store::{
    AppFilter, AppStatus, Change, NewRecheckRun, RecheckBatch, RecheckOutcome, RecheckResult,
    RecheckStatus, SqliteStore, Store, StoreError, Stored, VerdictOrigin,
};

use crate::support::{at, open, submit, verdict, Upload};

const SDKS: [&str; 3] = ["umeng", "bugly", "jpush"];

/// 60 apps: every third shelved, every fifth removed; SDKs and categories
/// vary; ids and packages are inserted out of order.
fn catalogue(store: &SqliteStore) -> Vec<String> {
    let mut packages = Vec::new();
    for i in (0..60).rev() {
        let package = format!("com.app{i:03}");
        let status = match i {
            i if i % 5 == 0 => AppStatus::Removed,
            i if i % 3 == 0 => AppStatus::Shelved,
            _ => AppStatus::Listed,
        };
        let sdk_ids: Vec<&str> = SDKS
            .iter()
            .enumerate()
            .filter(|(k, _)| i % (k + 2) == 0)
            .map(|(_, s)| *s)
            .collect();
        let category = format!("{}", i % 4);
        submit(
            store,
            &Upload {
                id: &format!("s{i}"),
                package: &package,
                status,
                category: Some(&category),
                sdk_ids: &sdk_ids,
                decision: if i % 2 == 0 {
                    Decision::Pass
                } else {
                    Decision::Rectify
                },
                at: at(i as u64),
                ..Upload::default()
            },
        );
        packages.push(package);
    }
    packages.sort();
    packages
}

fn walk(store: &SqliteStore, filter: &AppFilter, page: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let apps = store.apps_after(cursor.as_deref(), page, filter).unwrap();
        let Some(last) = apps.last() else { break };
        cursor = Some(last.package.clone());
        seen.extend(apps.into_iter().map(|a| a.package));
    }
    seen
}

fn number(package: &str) -> usize {
    package.trim_start_matches("com.app").parse().unwrap()
}

#[test]
fn the_cursor_walks_every_app_once_in_order_under_each_filter() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    let all = catalogue(&store);
    let expect = |keep: &dyn Fn(usize) -> bool| -> Vec<String> {
        all.iter().filter(|p| keep(number(p))).cloned().collect()
    };
    let cases: Vec<(AppFilter, Vec<String>)> = vec![
        (AppFilter::All, all.clone()),
        (
            AppFilter::Status(AppStatus::Listed),
            expect(&|i| i % 5 != 0 && i % 3 != 0),
        ),
        (
            AppFilter::Status(AppStatus::Shelved),
            expect(&|i| i % 5 != 0 && i % 3 == 0),
        ),
        (
            AppFilter::Package("com.app007".into()),
            vec!["com.app007".to_string()],
        ),
        (AppFilter::Sdk("bugly".into()), expect(&|i| i % 3 == 0)),
        (AppFilter::Category("2".into()), expect(&|i| i % 4 == 2)),
        (AppFilter::Sdk("absent".into()), vec![]),
    ];
    for (filter, want) in cases {
        for page in [1, 7, 1000] {
            assert_eq!(walk(&store, &filter, page), want, "{filter:?}, page {page}");
        }
        assert_eq!(
            store.count_apps(&filter).unwrap(),
            want.len() as u64,
            "{filter:?}"
        );
    }
    // Records carry what the recheck needs without another query.
    let app = store
        .apps_after(Some("com.app005"), 1, &AppFilter::All)
        .unwrap()
        .remove(0);
    assert_eq!(app.package, "com.app006");
    assert_eq!(app.sdk_ids, ["umeng", "bugly"]);
    assert_eq!(app.category.as_deref(), Some("2"));
    assert_eq!(app.verdict.decision, Decision::Pass);
    assert!(store.facts(&app.verdict.apk_sha256).unwrap().is_some());
    assert!(store
        .listing(&app.verdict.listing_sha256)
        .unwrap()
        .is_some());
}

/// A result for `package`: a new evaluation against set `set`.
fn evaluated(store: &SqliteStore, package: &str, decision: Decision, set: &str) -> RecheckResult {
    let app = store.app(package).unwrap().unwrap();
    let facts = store
        .facts(&app.verdict.apk_sha256)
        .unwrap()
        .unwrap()
        .decode()
        .unwrap();
    RecheckResult {
        package: package.into(),
        previous: Some(app.verdict.decision),
        previous_seq: Some(app.verdict.seq),
        outcome: RecheckOutcome::Evaluated(verdict(
            &facts,
            &app.verdict.listing_sha256,
            decision,
            set,
        )),
        encoded: None,
    }
}

fn start(store: &SqliteStore, id: &str, candidate: bool) {
    store
        .start_recheck(&NewRecheckRun {
            id,
            scope: &AppFilter::All,
            policy_set_id: "v2",
            policy_set_digest: &crate::support::hex_sha256("v2"),
            candidate,
            full: false,
            total: 60,
            started_at: at(1000),
        })
        .unwrap();
}

#[test]
fn a_resumed_run_writes_nothing_twice() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    catalogue(&store);
    start(&store, "r1", false);

    // com.app001 and com.app003 were rectify; app000, app002 pass.
    let batch_one = vec![
        evaluated(&store, "com.app000", Decision::Reject, "v2"),
        evaluated(&store, "com.app001", Decision::Rectify, "v2"),
        RecheckResult {
            package: "com.app002".into(),
            previous: Some(Decision::Pass),
            previous_seq: None,
            outcome: RecheckOutcome::Skipped,
            encoded: None,
        },
    ];
    let run = store
        .commit_recheck_batch(
            "r1",
            &RecheckBatch {
                results: &batch_one,
                cursor: "com.app002",
                at: at(1001),
            },
        )
        .unwrap();
    assert_eq!(run.cursor.as_deref(), Some("com.app002"));
    assert_eq!(
        (
            run.counts.done,
            run.counts.newly_rejected,
            run.counts.unchanged,
            run.counts.skipped
        ),
        (3, 1, 2, 1)
    );

    // Killed before it knew the batch was committed, the run redoes it and
    // goes on; a late batch from before does not move the cursor back.
    let mut batch_two = batch_one.clone();
    batch_two.push(evaluated(&store, "com.app003", Decision::Pass, "v2"));
    batch_two.push(RecheckResult {
        package: "com.app004".into(),
        previous: Some(Decision::Pass),
        previous_seq: None,
        outcome: RecheckOutcome::Failed("trap".into()),
        encoded: None,
    });
    let run = store
        .commit_recheck_batch(
            "r1",
            &RecheckBatch {
                results: &batch_two,
                cursor: "com.app004",
                at: at(1002),
            },
        )
        .unwrap();
    let late = store
        .commit_recheck_batch(
            "r1",
            &RecheckBatch {
                results: &batch_one,
                cursor: "com.app002",
                at: at(1003),
            },
        )
        .unwrap();
    assert_eq!(late.counts, run.counts);
    let run = late;
    assert_eq!(run.cursor.as_deref(), Some("com.app004"));
    assert_eq!(run.counts.done, 5);
    assert_eq!(run.counts.newly_passing, 1);
    assert_eq!(run.counts.failed, 1);

    // Each evaluated app got exactly one new history row, now its latest verdict.
    for package in ["com.app000", "com.app001", "com.app003"] {
        let history = store.history(package, None, 10).unwrap();
        assert_eq!(history.len(), 2, "{package}");
        assert_eq!(history[1].origin, VerdictOrigin::Recheck("r1".into()));
        assert_eq!(
            store.app(package).unwrap().unwrap().verdict.seq,
            history[1].seq
        );
    }
    assert_eq!(store.history("com.app002", None, 10).unwrap().len(), 1);

    let results = store.recheck_results("r1", None, 100, None).unwrap();
    let packages: Vec<&str> = results.iter().map(|r| r.package.as_str()).collect();
    assert_eq!(
        packages,
        [
            "com.app000",
            "com.app001",
            "com.app002",
            "com.app003",
            "com.app004"
        ]
    );
    assert_eq!(results[4].change(), None);
    assert!(matches!(&results[4].outcome, RecheckOutcome::Failed(e) if e == "trap"));
    let rejected = store
        .recheck_results("r1", None, 100, Some(Change::NewlyRejected))
        .unwrap();
    assert_eq!(rejected.len(), 1);
    let RecheckOutcome::Evaluated(evaluation) = &rejected[0].outcome else {
        panic!("evaluated")
    };
    assert_eq!(evaluation.verdict.decode().unwrap().policy_set_id, "v2");
    assert!(evaluation.verdict_seq.is_some());
    // The verdict it is compared with stays reachable by its seq.
    let previous = store
        .verdict(rejected[0].previous_seq.expect("previous seq"))
        .unwrap()
        .expect("previous verdict");
    assert_eq!(previous.package, "com.app000");
    assert!(matches!(previous.origin, VerdictOrigin::Submission(_)));
    assert_eq!(store.verdict(i64::MAX).unwrap().map(|v| v.seq), None);

    let done = store
        .set_recheck_status("r1", RecheckStatus::Done, at(1010))
        .unwrap();
    assert_eq!(done.finished_at, Some(at(1010)));
    let err = store
        .commit_recheck_batch(
            "r1",
            &RecheckBatch {
                results: &batch_two,
                cursor: "com.app009",
                at: at(1011),
            },
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(store.recheck_run("r1").unwrap().unwrap(), done);
    assert_eq!(
        store.recheck_runs(Some(RecheckStatus::Done), 10).unwrap(),
        [done]
    );
    assert!(store
        .recheck_runs(Some(RecheckStatus::Running), 10)
        .unwrap()
        .is_empty());
}

#[test]
fn a_candidate_run_changes_no_stored_verdict() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    catalogue(&store);
    let before = store.app("com.app000").unwrap().unwrap();
    start(&store, "shadow", true);
    let results = vec![evaluated(
        &store,
        "com.app000",
        Decision::Reject,
        "candidate",
    )];
    let run = store
        .commit_recheck_batch(
            "shadow",
            &RecheckBatch {
                results: &results,
                cursor: "com.app000",
                at: at(1001),
            },
        )
        .unwrap();
    assert!(run.candidate);
    assert_eq!(run.counts.newly_rejected, 1);
    let after = store.app("com.app000").unwrap().unwrap();
    assert_eq!(after.verdict.seq, before.verdict.seq);
    assert_eq!(store.history("com.app000", None, 10).unwrap().len(), 1);
    let kept = store.recheck_results("shadow", None, 10, None).unwrap();
    let RecheckOutcome::Evaluated(evaluation) = &kept[0].outcome else {
        panic!("evaluated")
    };
    assert_eq!(evaluation.verdict_seq, None);
    assert_eq!(
        evaluation.verdict.decode().unwrap().policy_set_id,
        "candidate"
    );
    assert_eq!(kept[0].change(), Some(Change::NewlyRejected));

    let err = store
        .start_recheck(&NewRecheckRun {
            id: "shadow",
            scope: &AppFilter::All,
            policy_set_id: "v2",
            policy_set_digest: "d",
            candidate: true,
            full: true,
            total: 0,
            started_at: at(2000),
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
}

#[test]
fn a_verdict_encoded_by_the_caller_is_stored_as_given() {
    let tmp = tempfile::tempdir().unwrap();
    let store = open(tmp.path());
    catalogue(&store);
    start(&store, "r1", false);
    let mut result = evaluated(&store, "com.app007", Decision::Reject, "v2");
    let RecheckOutcome::Evaluated(verdict) = &result.outcome else {
        panic!("evaluated")
    };
    let verdict = verdict.clone();
    result.encoded = Some(Stored::encode(&verdict).unwrap());
    store
        .commit_recheck_batch(
            "r1",
            &RecheckBatch {
                results: &[result],
                cursor: "com.app007",
                at: at(1001),
            },
        )
        .unwrap();
    let app = store.app("com.app007").unwrap().unwrap();
    assert_eq!(app.verdict.origin, VerdictOrigin::Recheck("r1".into()));
    assert_eq!(app.verdict.verdict.decode().unwrap(), verdict);
    assert_eq!(store.history("com.app007", None, 10).unwrap().len(), 2);
}
