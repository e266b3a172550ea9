//! Rechecks of a stored catalogue: resumable, repeatable, shadow-safe and
//! incremental (issue 7).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use shelfgate::cases::{CaseConfig, Lifecycle};
use shelfgate::clock::{Clock, FakeClock};
use shelfgate::context::PlatformConfig;
use shelfgate::policy_set::{builtin_policies, PolicySet};
use shelfgate::populate::{populate, Distributions, PopulateOptions};
use shelfgate::recheck::diff::{self, ExportFormat};
use shelfgate::recheck::{
    AppOutcome, Discard, RecheckRequest, RecheckSink, Rechecker, RecheckerOptions,
};
use shelfgate::verdict::without_timings;
use shelfgate_contract::json;
use shelfgate_contract::types::EnforcementMode;
use shelfgate_store::{
    AppFilter, AppStatus, CaseState, Change, RecheckOutcome, RecheckStatus, SqliteStore, Store,
    StoreOptions,
};

use crate::support::engine;

/// Apps in the test catalogue: enough for several batches and a few of
/// each decision.
const APPS: u64 = 60;

/// A store holding the same synthetic catalogue for the same seed.
pub fn catalogue(apps: u64) -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(dir.path(), StoreOptions::default()).unwrap());
    populate(
        store.as_ref(),
        Distributions::seed(),
        &PopulateOptions {
            apps,
            seed: 7,
            at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000),
        },
        |_| {},
    )
    .unwrap();
    (dir, store)
}

pub fn clock() -> Arc<FakeClock> {
    Arc::new(FakeClock::at_date("2026-11-30").unwrap())
}

pub fn rechecker(store: &Arc<dyn Store>, clock: Arc<dyn Clock>, batch: usize) -> Rechecker {
    let lifecycle = Lifecycle::new(store.clone(), clock.clone(), CaseConfig::default()).unwrap();
    Rechecker::new(
        store.clone(),
        engine(),
        PlatformConfig::default(),
        clock,
        lifecycle,
        RecheckerOptions { threads: 2, batch },
    )
    .unwrap()
}

fn builtin() -> PolicySet {
    PolicySet::builtin(&engine()).unwrap()
}

fn request(candidate: bool, full: bool) -> RecheckRequest {
    RecheckRequest {
        scope: AppFilter::All,
        candidate,
        full,
    }
}

/// A run's results as comparable text: package, change and the verdict
/// without its timings (times and run ids differ between runs).
fn results(store: &dyn Store, run_id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .recheck_results(run_id, cursor.as_deref(), 100, None)
            .unwrap();
        let Some(last) = page.last() else { break };
        cursor = Some(last.package.clone());
        for e in &page {
            let verdict = match &e.outcome {
                RecheckOutcome::Evaluated(ev) => {
                    json::to_string(&without_timings(&ev.verdict.decode().unwrap()))
                }
                RecheckOutcome::Skipped => "skipped".into(),
                RecheckOutcome::Failed(m) => format!("failed: {m}"),
            };
            out.push(format!("{} {:?} {verdict}", e.package, e.change()));
        }
    }
    out
}

/// Every app's latest verdict (without timings) and shelf state.
fn shelf(store: &dyn Store) -> Vec<String> {
    store
        .apps_after(None, 10_000, &AppFilter::All)
        .unwrap()
        .iter()
        .map(|a| {
            let v = without_timings(&a.verdict.verdict.decode().unwrap());
            format!("{} {:?} {}", a.package, a.status, json::to_string(&v))
        })
        .collect()
}

fn cases(store: &dyn Store) -> Vec<String> {
    store
        .cases(None, None, 10_000)
        .unwrap()
        .iter()
        .map(|c| {
            let transitions = store.case_transitions(c.id).unwrap();
            format!(
                "{} {:?} {:?} {:?} {}",
                c.package,
                c.state,
                c.rectify_deadline,
                c.removal_deadline,
                transitions.len()
            )
        })
        .collect()
}

/// Stops the run after `left` outcomes, as a kill would.
struct StopAfter {
    left: usize,
    seen: Vec<String>,
}

impl RecheckSink for StopAfter {
    type Error = std::convert::Infallible;

    fn outcome(&mut self, outcome: &AppOutcome<'_>) -> Result<bool, Self::Error> {
        self.seen.push(outcome.package.to_owned());
        self.left = self.left.saturating_sub(1);
        Ok(self.left > 0)
    }
}

#[test]
fn a_recheck_killed_midway_resumes_to_the_same_result() {
    let set = builtin();
    let (_a, whole) = catalogue(APPS);
    let (_b, broken) = catalogue(APPS);

    let r = rechecker(&whole, clock(), 8);
    let run = r.start(&request(false, false), &set).unwrap();
    let uninterrupted = r.run(&run.id, &set, &mut Discard).unwrap();
    assert_eq!(uninterrupted.run.status, RecheckStatus::Done);
    assert_eq!(uninterrupted.run.counts.done, APPS);

    let r = rechecker(&broken, clock(), 8);
    let run = r.start(&request(false, false), &set).unwrap();
    let mut sink = StopAfter {
        left: 21,
        seen: Vec::new(),
    };
    let first = r.run(&run.id, &set, &mut sink).unwrap();
    assert!(first.stopped);
    // Whole batches are committed: 21 apps seen means 3 batches of 8 written.
    assert_eq!(first.run.counts.done, 24);
    assert_eq!(first.run.status, RecheckStatus::Cancelled);
    drop(r);

    // A new process takes it up from its checkpoint.
    let r = rechecker(&broken, clock(), 8);
    let mut rest = StopAfter {
        left: usize::MAX,
        seen: Vec::new(),
    };
    let resumed = r.run(&run.id, &set, &mut rest).unwrap();
    assert_eq!(resumed.run.status, RecheckStatus::Done);
    assert_eq!(resumed.run.counts, uninterrupted.run.counts);
    // Nothing finished before the kill was done again.
    assert_eq!(rest.seen.len() as u64, APPS - 24);
    assert!(rest.seen.iter().all(|p| !sink.seen.contains(p)));

    assert_eq!(
        results(whole.as_ref(), &uninterrupted.run.id),
        results(broken.as_ref(), &run.id)
    );
    assert_eq!(shelf(whole.as_ref()), shelf(broken.as_ref()));
    assert_eq!(cases(whole.as_ref()), cases(broken.as_ref()));
    // One recheck verdict per app: no duplicate history rows.
    for app in broken.apps_after(None, 1000, &AppFilter::All).unwrap() {
        assert_eq!(broken.history(&app.package, None, 10).unwrap().len(), 2);
    }
    // And the exported reports are the same, byte for byte.
    let export = |store: &dyn Store, id: &str| {
        let mut out = Vec::new();
        diff::export(store, id, None, ExportFormat::Csv, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    };
    assert_eq!(
        export(whole.as_ref(), &uninterrupted.run.id),
        export(broken.as_ref(), &run.id)
    );
}

#[test]
fn two_rechecks_of_the_same_state_give_identical_results() {
    let set = builtin();
    let (_d, store) = catalogue(APPS);
    let r = rechecker(&store, clock(), 16);
    let one = r.start(&request(true, true), &set).unwrap();
    r.run(&one.id, &set, &mut Discard).unwrap();
    let two = r.start(&request(true, true), &set).unwrap();
    r.run(&two.id, &set, &mut Discard).unwrap();
    let (a, b) = (
        results(store.as_ref(), &one.id),
        results(store.as_ref(), &two.id),
    );
    assert_eq!(a.len() as u64, APPS);
    assert_eq!(a, b);
    // The catalogue has each kind of verdict, or the test proves little.
    let done = store.recheck_run(&one.id).unwrap().unwrap();
    assert!(done.counts.newly_rectify > 0 && done.counts.newly_rejected > 0);
    assert!(done.counts.unchanged > 0);
}

#[test]
fn inputs_decoded_once_are_read_back_from_binary_copies_with_the_same_results() {
    let set = builtin();
    let (_d, store) = catalogue(APPS);
    let r = rechecker(&store, clock(), 16);
    let one = r.start(&request(true, true), &set).unwrap();
    let first = r.run(&one.id, &set, &mut Discard).unwrap();
    // The first run decodes every input from its JSON and keeps a copy:
    // at least the facts of each app, and listings.
    assert!(
        first.stages.copies_kept > APPS,
        "{} copies kept",
        first.stages.copies_kept
    );
    let two = r.start(&request(true, true), &set).unwrap();
    let second = r.run(&two.id, &set, &mut Discard).unwrap();
    assert_eq!(second.stages.copies_kept, 0, "every input came from a copy");
    assert_eq!(second.stages.policy_calls, first.stages.policy_calls);
    assert_eq!(
        results(store.as_ref(), &one.id),
        results(store.as_ref(), &two.id)
    );
}

#[test]
fn a_shadow_recheck_changes_no_stored_verdict_and_no_case() {
    let set = builtin();
    let (_d, store) = catalogue(APPS);
    let r = rechecker(&store, clock(), 16);
    let run = r.start(&request(false, false), &set).unwrap();
    r.run(&run.id, &set, &mut Discard).unwrap();
    let opened = store.cases(None, None, 1000).unwrap();
    assert!(
        opened.iter().any(|c| c.state == CaseState::Rectify),
        "an active run opens cases"
    );
    let (shelf_before, cases_before) = (shelf(store.as_ref()), cases(store.as_ref()));

    // The candidate drops the store rules: what would it change?
    let candidate = PolicySet::new(
        None,
        "candidate",
        builtin_policies(&engine())
            .unwrap()
            .into_iter()
            .filter(|p| p.id() != "store-technical")
            .collect(),
    )
    .unwrap();
    let shadow = r.start(&request(true, false), &candidate).unwrap();
    let mut changed = Vec::new();
    struct Changes<'a>(&'a mut Vec<String>);
    impl RecheckSink for Changes<'_> {
        type Error = std::convert::Infallible;
        fn outcome(&mut self, o: &AppOutcome<'_>) -> Result<bool, Self::Error> {
            if o.change.is_some_and(|c| c != Change::Unchanged) {
                self.0.push(o.package.to_owned());
            }
            Ok(true)
        }
    }
    let summary = r
        .run(&shadow.id, &candidate, &mut Changes(&mut changed))
        .unwrap();
    assert!(summary.run.candidate);
    assert_eq!(summary.run.counts.done, APPS);
    // Only the dropped policy ran nowhere: every other finding was carried over.
    assert_eq!(summary.stages.policy_calls, 0);

    assert_eq!(shelf(store.as_ref()), shelf_before);
    assert_eq!(cases(store.as_ref()), cases_before);
    let changes = store
        .recheck_results(&shadow.id, None, 1000, None)
        .unwrap()
        .into_iter()
        .filter(|e| e.change().is_some_and(|c| c != Change::Unchanged))
        .map(|e| e.package)
        .collect::<Vec<_>>();
    assert_eq!(
        changes, changed,
        "the report lists every app the sink saw change"
    );
}

#[test]
fn incremental_skips_unchanged_apps_and_reruns_only_the_changed_policy() {
    let set = builtin();
    let (_d, store) = catalogue(APPS);
    let r = rechecker(&store, clock(), 16);
    let first = r.start(&request(false, false), &set).unwrap();
    let first = r.run(&first.id, &set, &mut Discard).unwrap();
    assert_eq!(
        first.stages.policy_calls,
        APPS * set.policies.len() as u64,
        "the imported catalogue was judged by no policy"
    );

    // Nothing changed: every app is skipped.
    let again = r.start(&request(false, false), &set).unwrap();
    let again = r.run(&again.id, &set, &mut Discard).unwrap();
    assert_eq!(again.run.counts.skipped, APPS);
    assert_eq!(again.stages.policy_calls, 0);

    // One policy changes mode: only it runs again, and the verdicts are
    // what a full evaluation under the new set gives.
    let mut policies = builtin_policies(&engine()).unwrap();
    let warned = policies
        .iter_mut()
        .find(|p| p.id() == "store-technical")
        .unwrap();
    warned.mode = EnforcementMode::Warn;
    let changed = PolicySet::new(None, "changed", policies).unwrap();
    let full = r.start(&request(true, true), &changed).unwrap();
    r.run(&full.id, &changed, &mut Discard).unwrap();
    let incremental = r.start(&request(false, false), &changed).unwrap();
    let summary = r.run(&incremental.id, &changed, &mut Discard).unwrap();
    assert_eq!(summary.stages.policy_calls, APPS);
    assert_eq!(
        results(store.as_ref(), &full.id)
            .iter()
            .map(|l| l
                .split_once(' ')
                .unwrap()
                .1
                .split_once(' ')
                .unwrap()
                .1
                .to_owned())
            .collect::<Vec<_>>(),
        results(store.as_ref(), &incremental.id)
            .iter()
            .map(|l| l
                .split_once(' ')
                .unwrap()
                .1
                .split_once(' ')
                .unwrap()
                .1
                .to_owned())
            .collect::<Vec<_>>()
    );
    // Warn mode lowers the target-SDK rejects: some apps pass on to rectify.
    assert!(summary.run.counts.newly_rectify > 0);
    assert_eq!(summary.run.counts.newly_rejected, 0);
    assert!(store
        .apps_after(None, 1000, &AppFilter::Status(AppStatus::Listed))
        .unwrap()
        .iter()
        .all(|a| a.verdict.policy_set_digest == changed.digest));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_runs_a_recheck_and_lists_its_results_and_cases() {
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use serde_json::Value;
    use shelfgate::server::{app, AdminToken, AppState, HttpConfig};
    use shelfgate::service::{Service, ServiceConfig};
    use tower::ServiceExt as _;

    let (dir, store) = catalogue(APPS);
    drop(store);
    let mut config = ServiceConfig::new(dir.path());
    config.engine = shelfgate::engine::EngineConfig {
        limits: crate::support::test_limits(),
        cache_dir: Some(crate::support::repo().join("target/test-compile-cache")),
        max_instances: 64,
    };
    let service = tokio::task::spawn_blocking(move || Service::open(config))
        .await
        .unwrap()
        .unwrap();
    let state = AppState::new(
        Arc::new(service),
        HttpConfig {
            admin_token: Some(AdminToken::new("secret")),
            ..HttpConfig::default()
        },
    )
    .unwrap();
    let call = |req: Request<Body>| {
        let router = app(state.clone());
        async move {
            let response = router.oneshot(req).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
                .await
                .unwrap();
            (
                status,
                serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null),
            )
        }
    };
    let post = |auth: bool| {
        let mut req =
            Request::post("/v1/rechecks").header(header::CONTENT_TYPE, "application/json");
        if auth {
            req = req.header(header::AUTHORIZATION, "Bearer secret");
        }
        req.body(Body::from(r#"{"scope": "all"}"#)).unwrap()
    };

    let (status, _) = call(post(false)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "starting a recheck is an admin call"
    );
    let (status, run) = call(post(true)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let id = run["id"].as_str().unwrap().to_owned();
    assert_eq!(run["progress"]["total"], APPS);

    let mut done = Value::Null;
    for _ in 0..600 {
        let (_, view) = call(
            Request::get(format!("/v1/rechecks/{id}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        if view["status"] == "done" {
            done = view;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(done["progress"]["done"], APPS, "{done}");
    assert!(done["newly_rejected"].as_u64().unwrap() > 0);

    let (status, page) = call(
        Request::get(format!(
            "/v1/rechecks/{id}/results?change=newly_rejected&limit=5"
        ))
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let first = &page["results"][0];
    assert_eq!(first["change"], "newly_rejected");
    assert!(first["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["decision"] == "reject"));

    let (status, cases) = call(
        Request::get("/v1/cases?state=rectify&history=true")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let cases = cases["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    assert_eq!(cases[0]["transitions"][0]["to"], "rectify");
    let (status, _) = call(
        Request::get("/v1/cases?state=lost")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
