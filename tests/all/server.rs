//! The HTTP service over real HTTP on loopback: uploads, errors, admin,
//! hot swaps under load, refused bundles, restarts and the regulator feed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shelfgate::context::PlatformConfig;
use shelfgate::engine::EngineConfig;
use shelfgate::feed::poll::FeedSource;
use shelfgate::server::jobs::CallbackPolicy;
use shelfgate::server::{self, AdminToken, AppState, HttpConfig};
use shelfgate::service::{Service, ServiceConfig};
use shelfgate_bundle::{
    BuildOptions, Bundle, Limits as BundleLimits, ModuleSettings, SigningKey, TrustedKeys,
};
use shelfgate_contract::json as cjson;
use shelfgate_contract::types::{EnforcementMode, FailureMode, Verdict};
use tokio::io::AsyncWriteExt as _;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::support::{fixture, repo, test_limits};

const ADMIN: &str = "s3cret-admin-token";

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/apk"
    ));
    if dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        eprintln!("SKIPPED: ../shared not found");
        None
    }
}

/// A small corpus APK that inspects cleanly.
fn small_apk() -> Option<Vec<u8>> {
    let path = corpus()?.join("fdroid-urzip.apk");
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

fn listing() -> String {
    fixture("listing-example.json")
}

fn config(data: &Path) -> ServiceConfig {
    let mut config = ServiceConfig::new(data);
    config.engine = EngineConfig {
        limits: test_limits(),
        cache_dir: Some(repo().join("target/test-compile-cache")),
        max_instances: 64,
    };
    config.eval_threads = 2;
    config.inspect_workers = 2;
    config.watch_interval = Duration::from_millis(100);
    config
}

fn http() -> HttpConfig {
    HttpConfig {
        admin_token: Some(AdminToken::new(ADMIN)),
        ..HttpConfig::default()
    }
}

struct Server {
    base: String,
    service: Arc<Service>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    background: (watch::Sender<bool>, Vec<JoinHandle<()>>),
    client: reqwest::Client,
}

impl Server {
    async fn start(config: ServiceConfig, http: HttpConfig) -> Server {
        let service = tokio::task::spawn_blocking(move || Service::open(config))
            .await
            .unwrap()
            .expect("service opens");
        let service = Arc::new(service);
        let (bg_stop, bg_rx) = watch::channel(false);
        let tasks = service.start_background(bg_rx);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(service.clone(), http).unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server::serve(listener, state, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Server {
            base: format!("http://{addr}"),
            service,
            stop: Some(stop),
            task,
            background: (bg_stop, tasks),
            client: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
        let _ = self.background.0.send(true);
        for t in self.background.1 {
            let _ = t.await;
        }
    }

    // Requests: one place for what every test repeats.

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    async fn get_json(&self, path: &str) -> Value {
        self.get(path).await.json().await.unwrap()
    }

    async fn get_text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    async fn post_form(&self, path: &str, form: Form) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// `POST /v1/submissions` of `apk` with `listing`; the 201 body.
    async fn submit(&self, apk: &[u8], listing: &str) -> Value {
        let r = self.post_form("/v1/submissions", form(apk, listing)).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        r.json().await.unwrap()
    }

    async fn put_bundle(&self, archive: Vec<u8>) -> reqwest::Response {
        self.client
            .put(self.url("/v1/policies"))
            .bearer_auth(ADMIN)
            .body(archive)
            .send()
            .await
            .unwrap()
    }

    async fn active_set(&self) -> Value {
        self.get_json("/v1/policies").await
    }
}

fn form(apk: &[u8], listing: &str) -> Form {
    Form::new()
        .part("apk", Part::bytes(apk.to_vec()).file_name("app.apk"))
        .part(
            "listing",
            Part::text(listing.to_owned())
                .mime_str("application/json")
                .unwrap(),
        )
}

/// Asserts a problem document and returns it.
async fn problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["instance"], request_id.as_str());
    for field in ["type", "title", "detail"] {
        assert!(body[field].is_string(), "no `{field}` in {body}");
    }
    body
}

// --- Bundles ---------------------------------------------------------------

fn key() -> SigningKey {
    shelfgate_bundle::keygen().unwrap().0
}

fn trusted(key: &SigningKey) -> TrustedKeys {
    TrustedKeys::new([key.verifying_key()])
}

struct BundleSpec {
    id: &'static str,
    revision: u64,
    mode: EnforcementMode,
    not_before: SystemTime,
    expires_at: SystemTime,
    modules: BTreeMap<String, Vec<u8>>,
    fixtures: BTreeMap<String, Vec<u8>>,
}

impl BundleSpec {
    fn new(revision: u64, mode: EnforcementMode) -> BundleSpec {
        let now = SystemTime::now();
        BundleSpec {
            id: "test-pack",
            revision,
            mode,
            not_before: now - Duration::from_secs(3600),
            expires_at: now + Duration::from_secs(86_400),
            modules: shelfgate_policy_artifacts::PACK
                .iter()
                .map(|a| (a.name.to_owned(), a.bytes.to_vec()))
                .collect(),
            fixtures: BTreeMap::new(),
        }
    }

    fn sign(&self, key: &SigningKey) -> Vec<u8> {
        self.signed(key).to_archive().unwrap()
    }

    fn signed(&self, key: &SigningKey) -> shelfgate_bundle::SignedBundle {
        let options = BuildOptions {
            id: self.id.into(),
            revision: self.revision,
            not_before: self.not_before,
            expires_at: self.expires_at,
            defaults: ModuleSettings {
                version: "1".into(),
                mode: self.mode,
                failure: FailureMode::FailClosed,
            },
            modules: BTreeMap::new(),
        };
        let bundle = Bundle::new(
            &options,
            self.modules.clone(),
            self.fixtures.clone(),
            &BundleLimits::default(),
        )
        .unwrap();
        shelfgate_bundle::sign(bundle, key).unwrap()
    }
}

/// The pack's clean base input as a fixture wanting `decision` and `rules`.
fn base_fixture(decision: &str, rules: &[&str]) -> Vec<u8> {
    let base: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("policies/pack/_base.json")).unwrap(),
    )
    .unwrap();
    serde_json::to_vec(&json!({
        "note": "the pack's clean base input",
        "facts": base["facts"],
        "listing": base["listing"],
        "context": base["context"],
        "want": {"decision": decision, "rules": rules},
    }))
    .unwrap()
}

/// What the built-in pack says about the clean base: a fixture that passes.
fn passing_fixture() -> Vec<u8> {
    let text = std::fs::read_to_string(repo().join("policies/pack/_base.json")).unwrap();
    let input = shelfgate::policy_test::input_from_base(&text).unwrap();
    let set = shelfgate::policy_set::PolicySet::builtin(&crate::support::engine()).unwrap();
    let verdict = crate::support::evaluator().evaluate(&set, &input, "fixture");
    let rules: Vec<&str> = verdict
        .findings
        .iter()
        .filter(|f| f.counted)
        .map(|f| f.finding.rule_id.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let decision = cjson::to_value(&verdict.decision);
    base_fixture(decision.as_str().unwrap(), &rules)
}

// --- Tests ---------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn upload_gives_the_verdict_the_cli_prints() {
    let Some(apk) = small_apk() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(config(data.path()), http()).await;

    let response = server.post_form("/v1/checks", form(&apk, &listing())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.headers()["shelfgate-cache"], "miss");
    let decision = response.headers()["shelfgate-decision"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.text().await.unwrap();
    let verdict: Verdict = cjson::from_str(&body).unwrap();
    // Byte for byte what `shelfgate check --format json` prints.
    assert_eq!(body, cjson::to_string_pretty(&verdict));
    assert_eq!(cjson::to_value(&verdict.decision), decision.as_str());

    // The listing is named as `shelfgate check` names it.
    let (_, listing_sha256) = shelfgate::listing::parse_listing(listing().as_bytes()).unwrap();
    assert_eq!(verdict.listing_sha256, listing_sha256);

    // The same verdict as the library gives directly, timings aside.
    let facts = shelfgate_inspect::Inspector::default()
        .inspect_bytes(&apk)
        .unwrap();
    let parsed: shelfgate_contract::types::Listing = cjson::from_str(&listing()).unwrap();
    let set = shelfgate::policy_set::PolicySet::builtin(&crate::support::engine()).unwrap();
    let context = PlatformConfig::default().context(&parsed, &verdict.evaluated_on, None);
    let input = Arc::new(shelfgate::engine::EvalInput {
        facts: Arc::new(facts),
        listing: Arc::new(parsed),
        context,
    });
    let direct = crate::support::evaluator().evaluate(&set, &input, &verdict.listing_sha256);
    assert_eq!(
        shelfgate::verdict::without_timings(&direct),
        shelfgate::verdict::without_timings(&verdict)
    );
    assert_eq!(
        verdict.policy_set_id,
        server.service.policies().current().id
    );

    // Nothing stored but the audit log.
    let app = server
        .get(&format!("/v1/apps/{}", input.facts.package))
        .await;
    assert_eq!(app.status(), StatusCode::NOT_FOUND);

    // Operations endpoints.
    let metrics = server.get_text("/metrics").await;
    assert!(
        metrics.contains("shelfgate_checks_total{decision="),
        "{metrics}"
    );
    assert!(metrics.contains("shelfgate_stage_duration_seconds_bucket{stage=\"inspect\""));
    assert!(metrics.contains("shelfgate_policy_duration_seconds_bucket{policy="));
    let doc: Value = server.get_json("/openapi.json").await;
    assert!(doc["paths"]["/v1/checks"]["post"].is_object());
    assert!(doc["components"]["schemas"]["Verdict"]["properties"]["decision"].is_object());
    assert_eq!(server.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(server.get("/readyz").await.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn submissions_are_stored_cached_and_idempotent() {
    let Some(apk) = small_apk() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(config(data.path()), http()).await;
    let client = reqwest::Client::new();

    let first = server
        .post_form("/v1/submissions", form(&apk, &listing()))
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["cached"], false);
    assert_eq!(
        location,
        format!("/v1/submissions/{}", first["id"].as_str().unwrap())
    );
    let package = first["package"].as_str().unwrap().to_owned();

    let stored: Value = server
        .get_json(&format!("{location}?include=facts,listing"))
        .await;
    assert_eq!(stored["verdict"], first["verdict"]);
    assert_eq!(stored["facts"]["package"], package.as_str());
    assert_eq!(stored["listing"]["schema"], "shelfgate.listing/1");

    // Identical inputs under the same set: answered from the stored verdict.
    let second: Value = server
        .post_form("/v1/submissions", form(&apk, &listing()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["cached"], true);
    assert_eq!(second["verdict"], first["verdict"]);
    let app: Value = server.get_json(&format!("/v1/apps/{package}")).await;
    assert_eq!(app["history"].as_array().unwrap().len(), 2);
    assert_eq!(app["submission_id"], second["id"]);
    let page: Value = server
        .get_json(&format!("/v1/apps/{package}?limit=1"))
        .await;
    assert_eq!(page["history"].as_array().unwrap().len(), 1);
    assert!(page["next_after"].is_i64());

    // A retried request with the same key gets the first response again.
    let send = |key: &'static str, listing: String| {
        client
            .post(server.url("/v1/submissions"))
            .header("idempotency-key", key)
            .multipart(form(&apk, &listing))
            .send()
    };
    let a = send("retry-1", listing()).await.unwrap();
    assert_eq!(a.status(), StatusCode::CREATED);
    let a_body = a.bytes().await.unwrap();
    let b = send("retry-1", listing()).await.unwrap();
    assert_eq!(b.status(), StatusCode::CREATED);
    assert_eq!(b.headers()["idempotent-replayed"], "true");
    assert_eq!(b.bytes().await.unwrap(), a_body);
    // The same key with another listing is refused.
    let mut other: Value = serde_json::from_str(&listing()).unwrap();
    other["app"]["description"] = json!("another description");
    let c = send("retry-1", other.to_string()).await.unwrap();
    problem(
        c,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    let app: Value = server.get_json(&format!("/v1/apps/{package}")).await;
    assert_eq!(
        app["history"].as_array().unwrap().len(),
        3,
        "the replay recorded nothing"
    );
    drop(client);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn errors_are_problem_documents() {
    let Some(apk) = small_apk() else { return };
    let data = tempfile::tempdir().unwrap();
    let mut cfg = config(data.path());
    cfg.max_apk_bytes = 4096;
    let server = Server::start(cfg, http()).await;
    let client = reqwest::Client::new();
    let post = |form: Form| client.post(server.url("/v1/checks")).multipart(form).send();

    // 413: the APK is over the limit.
    let r = post(form(&apk, &listing())).await.unwrap();
    let body = problem(r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    assert!(body["detail"].as_str().unwrap().contains("4096"));

    // 422: every problem of the listing, with its path.
    let mut bad: Value = serde_json::from_str(&listing()).unwrap();
    bad["app"]["version_code"] = json!("five");
    bad["submission"]["type"] = json!("sideload");
    bad.as_object_mut().unwrap().remove("developer");
    let r = post(form(b"PK\x05\x06", &bad.to_string())).await.unwrap();
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_listing").await;
    let paths: BTreeSet<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    for path in ["$.app.version_code", "$.submission.type", "$.developer"] {
        assert!(paths.contains(path), "{path} missing from {paths:?}");
    }

    // 400: not an APK, and a body without a listing.
    let r = post(form(b"this is not a zip file", &listing()))
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST, "malformed_apk").await;
    let r = post(Form::new().part("apk", Part::bytes(b"PK".to_vec())))
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST, "missing_field").await;
    let r = client
        .post(server.url("/v1/checks"))
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST, "invalid_multipart").await;

    // 404.
    let r = server.get("/v1/submissions/nope").await;
    problem(r, StatusCode::NOT_FOUND, "resource_not_found").await;

    // 401 without a token, 403 with the wrong one; the set is unchanged.
    let before = server.active_set().await["id"].clone();
    let r = client
        .put(server.url("/v1/policies"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Bearer"));
    problem(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let r = client
        .put(server.url("/v1/policies"))
        .bearer_auth("s3cret-admin-tokeN")
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    // A malformed bundle from the admin is a 422, not a crash.
    let r = client
        .put(server.url("/v1/policies"))
        .bearer_auth(ADMIN)
        .body("not a bundle")
        .send()
        .await
        .unwrap();
    let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "bundle_rejected").await;
    assert_eq!(body["reason"], "bundle_malformed");
    assert_eq!(server.active_set().await["id"], before);
    drop(client);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn admin_api_is_closed_without_a_configured_token() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(config(data.path()), HttpConfig::default()).await;
    let client = reqwest::Client::new();
    let r = client
        .put(server.url("/v1/policies"))
        .bearer_auth(ADMIN)
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    drop(client);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overload_is_answered_503_with_retry_after() {
    let data = tempfile::tempdir().unwrap();
    let http = HttpConfig {
        max_in_flight: 1,
        ..http()
    };
    let server = Server::start(config(data.path()), http).await;
    // One upload that never finishes sending holds the only slot.
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(
        b"POST /v1/checks HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=B\r\n\
          content-length: 100000\r\n\r\n--B\r\ncontent-disposition: form-data; name=\"apk\"\r\n\r\nPK",
    )
    .await
    .unwrap();
    let client = reqwest::Client::new();
    let metrics = server.url("/metrics");
    eventually("the slow upload holds the slot", async || {
        let text = client
            .get(&metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.contains("shelfgate_uploads_in_flight 1")
    })
    .await;
    let shed = server
        .post_form("/v1/checks", form(b"PK", &listing()))
        .await;
    assert_eq!(shed.headers()["retry-after"], "1");
    problem(shed, StatusCode::SERVICE_UNAVAILABLE, "overloaded").await;
    // Other routes are not limited.
    assert_eq!(server.get("/healthz").await.status(), StatusCode::OK);
    drop(slow);
    drop(client);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn swap_under_load_fails_no_request_and_never_mixes_sets() {
    // Several hundred checks: 156 in flight before the first swap, then 13
    // after each of 12 swaps.
    swaps_under_load(156, 13, 12, 50).await;
}

/// The 1,000-swap benchmark of BENCHMARKS.md:
/// `cargo test --release -p shelfgate --test all -- --ignored thousand --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: run it with --ignored, in release"]
async fn thousand_swaps_under_load() {
    swaps_under_load(64, 2, 1000, 0).await;
}

/// `first` checks sent before the first swap (which waits until
/// `in_flight` of them are being processed), then `wave` checks after each
/// of `swaps` swaps: no check fails, and every verdict is consistent with
/// the set it names.
async fn swaps_under_load(first: usize, wave: usize, swaps: u64, in_flight: usize) {
    let Some(apk) = small_apk() else { return };
    let key = key();
    let data = tempfile::tempdir().unwrap();
    let mut cfg = config(data.path());
    cfg.trusted_keys = trusted(&key);
    let http = HttpConfig {
        max_in_flight: 1024,
        ..http()
    };
    let server = Arc::new(Server::start(cfg, http).await);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()
        .unwrap();

    let mode_of = |revision: u64| {
        if revision % 2 == 0 {
            EnforcementMode::Warn
        } else {
            EnforcementMode::Enforce
        }
    };
    // Set id → (digest, mode) of every set that was active at some point.
    let sets: Arc<Mutex<HashMap<String, (String, EnforcementMode)>>> = Default::default();
    let builtin = server.active_set().await;
    sets.lock().unwrap().insert(
        builtin["id"].as_str().unwrap().into(),
        (
            builtin["digest"].as_str().unwrap().into(),
            EnforcementMode::Enforce,
        ),
    );

    let spawn_checks = |checks: &mut tokio::task::JoinSet<Verdict>, n: usize| {
        for _ in 0..n {
            let (client, server, apk) = (client.clone(), server.clone(), apk.clone());
            checks.spawn(async move {
                let r = client
                    .post(server.url("/v1/checks"))
                    .multipart(form(&apk, &listing()))
                    .send()
                    .await
                    .expect("request sent");
                let status = r.status();
                let body = r.text().await.unwrap();
                assert_eq!(status, StatusCode::OK, "{body}");
                cjson::from_str::<Verdict>(&body).unwrap()
            });
        }
    };
    let mut checks = tokio::task::JoinSet::new();
    spawn_checks(&mut checks, first);
    let metrics = server.url("/metrics");
    eventually("many uploads in flight", async || {
        let text = client
            .get(&metrics)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix("shelfgate_uploads_in_flight "))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .is_some_and(|n| n >= in_flight)
    })
    .await;
    let mut activations = Vec::new();
    for revision in 1..=swaps {
        let archive = BundleSpec::new(revision, mode_of(revision)).sign(&key);
        let start = std::time::Instant::now();
        let r = server.put_bundle(archive).await;
        assert_eq!(r.status(), StatusCode::OK);
        let activation: Value = r.json().await.unwrap();
        sets.lock().unwrap().insert(
            activation["set_id"].as_str().unwrap().into(),
            (
                activation["set_digest"].as_str().unwrap().into(),
                mode_of(revision),
            ),
        );
        activations.push(start.elapsed());
        spawn_checks(&mut checks, wave);
    }
    let mut seen = BTreeSet::new();
    while let Some(verdict) = checks.join_next().await {
        let verdict = verdict.expect("no check failed");
        let sets = sets.lock().unwrap();
        let (digest, mode) = sets
            .get(&verdict.policy_set_id)
            .unwrap_or_else(|| panic!("verdict names unknown set `{}`", verdict.policy_set_id));
        assert_eq!(&verdict.policy_set_digest, digest);
        assert!(
            verdict.policies.iter().all(|p| p.mode == *mode),
            "verdict of `{}` mixes modes",
            verdict.policy_set_id
        );
        seen.insert(verdict.policy_set_id.clone());
    }
    assert_eq!(
        server.active_set().await["id"],
        format!("test-pack-r{swaps}")
    );
    let status: Value = server.get_json("/v1/policies/status").await;
    assert_eq!(status["swaps"], swaps);
    // Checks in flight at the first swap finish on the set they started
    // with; the waves after it start on newer sets.
    assert!(seen.len() >= 2, "{seen:?}");
    let total = first + wave * swaps as usize;
    activations.sort();
    let at = |q: f64| activations[((activations.len() - 1) as f64 * q) as usize];
    eprintln!(
        "{total} checks during {swaps} swaps, none failed, judged by {} distinct sets; \
         PUT /v1/policies p50 {:?} p99 {:?}",
        seen.len(),
        at(0.5),
        at(0.99)
    );
    drop(client);
    if let Ok(server) = Arc::try_unwrap(server) {
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refused_bundles_leave_the_active_set_serving() {
    let key = key();
    let data = tempfile::tempdir().unwrap();
    let mut cfg = config(data.path());
    cfg.trusted_keys = trusted(&key);
    let server = Server::start(cfg, http()).await;

    let mut good = BundleSpec::new(10, EnforcementMode::Enforce);
    good.fixtures.insert("clean".into(), passing_fixture());
    let r = server.put_bundle(good.sign(&key)).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let active = server.active_set().await;
    assert_eq!(active["id"], "test-pack-r10");
    assert_eq!(active["bundle"]["revision"], 10);

    let tamper = |archive: Vec<u8>, f: &dyn Fn(&mut Value)| -> Vec<u8> {
        let mut doc: Value = serde_json::from_slice(&archive).unwrap();
        f(&mut doc);
        serde_json::to_vec(&doc).unwrap()
    };
    let next = BundleSpec::new(11, EnforcementMode::Enforce).sign(&key);
    let mut expired = BundleSpec::new(12, EnforcementMode::Enforce);
    expired.not_before = SystemTime::now() - Duration::from_secs(10 * 86_400);
    expired.expires_at = SystemTime::now() - Duration::from_secs(86_400);
    let mut forbidden = BundleSpec::new(13, EnforcementMode::Enforce);
    forbidden.modules.insert(
        "wasi-import".into(),
        shelfgate_policy_artifacts::test_programs::WASI_IMPORT.to_vec(),
    );
    let mut failing = BundleSpec::new(14, EnforcementMode::Enforce);
    failing
        .fixtures
        .insert("wrong".into(), base_fixture("reject", &["NO-SUCH-RULE"]));

    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "bundle_tampered_file",
            tamper(next.clone(), &|doc| {
                let file = &mut doc["files"][0]["data"];
                let mut data = file.as_str().unwrap().to_owned();
                data.replace_range(
                    40..44,
                    if &data[40..44] == "AAAA" {
                        "BBBB"
                    } else {
                        "AAAA"
                    },
                );
                *file = json!(data);
            }),
        ),
        (
            "bundle_tampered_manifest",
            tamper(next.clone(), &|doc| doc["manifest"]["revision"] = json!(99)),
        ),
        (
            "bundle_untrusted_key",
            BundleSpec::new(11, EnforcementMode::Enforce).sign(&self::key()),
        ),
        ("bundle_expired", expired.sign(&key)),
        ("module_forbidden_import", forbidden.sign(&key)),
        ("fixture_failed", failing.sign(&key)),
        (
            "bundle_rollback",
            BundleSpec::new(9, EnforcementMode::Warn).sign(&key),
        ),
    ];
    for (reason, archive) in cases {
        let r = server.put_bundle(archive).await;
        let body = problem(r, StatusCode::UNPROCESSABLE_ENTITY, "bundle_rejected").await;
        assert_eq!(body["reason"], reason, "{body}");
        assert_eq!(
            server.active_set().await["id"],
            "test-pack-r10",
            "after {reason}"
        );
        let status: Value = server.get_json("/v1/policies/status").await;
        assert_eq!(status["last_error"]["code"], reason);
        assert_eq!(status["active"]["set_id"], "test-pack-r10");
        assert_eq!(status["last_success"]["set_id"], "test-pack-r10");
    }
    // The admin actions are in the audit log.
    let audit = server.service.store().audit_log(None, 100).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.entry.action == "policy.activate")
            .count(),
        8
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restart_keeps_the_history_and_the_last_good_set() {
    let Some(apk) = small_apk() else { return };
    let key = key();
    let data = tempfile::tempdir().unwrap();
    let start = |key: &SigningKey| {
        let mut cfg = config(data.path());
        cfg.trusted_keys = trusted(key);
        Server::start(cfg, http())
    };
    let server = start(&key).await;
    let client = reqwest::Client::new();
    let r = server
        .put_bundle(BundleSpec::new(5, EnforcementMode::Warn).sign(&key))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let first: Value = server
        .post_form("/v1/submissions", form(&apk, &listing()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["verdict"]["policy_set_id"], "test-pack-r5");
    let package = first["package"].as_str().unwrap().to_owned();
    drop(client);
    server.stop().await;

    let server = start(&key).await;
    let client = reqwest::Client::new();
    let active = server.active_set().await;
    assert_eq!(active["id"], "test-pack-r5");
    assert!(active["policies"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["mode"] == "warn"));
    let status: Value = server.get_json("/v1/policies/status").await;
    assert_eq!(status["active"]["restored"], true);
    let submission: Value = server
        .get_json(&format!(
            "/v1/submissions/{}",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(submission["verdict"], first["verdict"]);
    let r = server
        .post_form("/v1/submissions", form(&apk, &listing()))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let app: Value = server.get_json(&format!("/v1/apps/{package}")).await;
    assert_eq!(app["history"].as_array().unwrap().len(), 2);
    drop(client);
    server.stop().await;

    // Without the key that signed it, the stored set is not served again.
    let server = start(&self::key()).await;
    let client = reqwest::Client::new();
    let active = server.active_set().await;
    assert_eq!(active["source"], "builtin");
    let status: Value = server.get_json("/v1/policies/status").await;
    assert_eq!(status["last_error"]["code"], "bundle_untrusted_key");
    drop(client);
    server.stop().await;
}

/// A regulator's feed: one archive, an ETag, 304 when it matches.
#[derive(Clone, Default)]
struct Feed {
    current: Arc<Mutex<(String, Vec<u8>)>>,
    requests: Arc<AtomicUsize>,
    not_modified: Arc<AtomicUsize>,
}

impl Feed {
    fn publish(&self, etag: &str, archive: Vec<u8>) {
        *self.current.lock().unwrap() = (format!("\"{etag}\""), archive);
    }

    async fn serve(self) -> String {
        use axum::http::{header, HeaderMap};
        use axum::response::IntoResponse;
        let feed = self.clone();
        let app = axum::Router::new().route(
            "/feed/bundle.json",
            axum::routing::get(move |headers: HeaderMap| {
                let feed = feed.clone();
                async move {
                    feed.requests.fetch_add(1, Ordering::SeqCst);
                    let (etag, body) = feed.current.lock().unwrap().clone();
                    if headers
                        .get(header::IF_NONE_MATCH)
                        .is_some_and(|v| v == etag.as_str())
                    {
                        feed.not_modified.fetch_add(1, Ordering::SeqCst);
                        return StatusCode::NOT_MODIFIED.into_response();
                    }
                    ([(header::ETAG, etag)], body).into_response()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/feed/bundle.json")
    }
}

/// Polls `f` until it holds; the bound only keeps a broken build from
/// hanging, it asserts nothing about speed.
async fn eventually(what: &str, mut f: impl AsyncFnMut() -> bool) {
    for _ in 0..600 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

/// A service polling a local feed that already publishes revision 1 of the
/// test pack, signed by the returned key.
async fn feed_server(
    interval: Duration,
    max_backoff: Duration,
) -> (SigningKey, Feed, tempfile::TempDir, Server) {
    let key = key();
    let feed = Feed::default();
    feed.publish(
        "r1",
        BundleSpec::new(1, EnforcementMode::Enforce).sign(&key),
    );
    let url = feed.clone().serve().await;
    let data = tempfile::tempdir().unwrap();
    let mut cfg = config(data.path());
    cfg.trusted_keys = trusted(&key);
    cfg.feed = Some(FeedSource {
        url: shelfgate::feed::poll::parse_url(&url).unwrap(),
        interval,
        max_backoff,
    });
    let server = Server::start(cfg, http()).await;
    (key, feed, data, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_regulator_feed_is_polled_with_etags() {
    let (key, feed, _data, server) =
        feed_server(Duration::from_millis(100), Duration::from_millis(400)).await;
    let client = reqwest::Client::new();
    let set_id = async || server.active_set().await["id"].clone();

    eventually("the feed's bundle is active", async || {
        set_id().await == "test-pack-r1"
    })
    .await;
    // Unchanged feed: conditional requests answered 304, nothing reloaded.
    eventually("a 304", async || {
        feed.not_modified.load(Ordering::SeqCst) >= 2
    })
    .await;
    let status: Value = server.get_json("/v1/policies/status").await;
    assert_eq!(status["feed"]["etag"], "\"r1\"");
    assert_eq!(status["feed"]["last_response"], "304");
    assert_eq!(status["swaps"], 1);

    // A new revision is picked up.
    feed.publish("r2", BundleSpec::new(2, EnforcementMode::Warn).sign(&key));
    eventually("revision 2 is active", async || {
        set_id().await == "test-pack-r2"
    })
    .await;

    // A tampered publication is refused; revision 2 keeps serving and the
    // feed is asked again (the old ETag is kept).
    let mut doc: Value =
        serde_json::from_slice(&BundleSpec::new(3, EnforcementMode::Enforce).sign(&key)).unwrap();
    doc["manifest"]["revision"] = json!(30);
    feed.publish("r3", serde_json::to_vec(&doc).unwrap());
    let client2 = client.clone();
    let server_url = server.url("/v1/policies/status");
    eventually("the tampered bundle is refused", async || {
        let status: Value = client2
            .get(&server_url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status["last_error"]["code"] == "bundle_tampered_manifest"
    })
    .await;
    assert_eq!(set_id().await, "test-pack-r2");
    let before = feed.requests.load(Ordering::SeqCst);
    eventually("the feed is polled again", async || {
        feed.requests.load(Ordering::SeqCst) > before
    })
    .await;
    assert_eq!(set_id().await, "test-pack-r2");
    drop(client);
    drop(client2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn large_uploads_are_answered_by_job_and_callback() {
    let Some(apk) = small_apk() else { return };
    // The callback receiver.
    let (hook, mut rx) = callback_receiver().await;

    let data = tempfile::tempdir().unwrap();
    // Loopback is refused by default; the test allows its own receiver.
    let http = HttpConfig {
        async_above: Some(1024),
        callbacks: CallbackPolicy {
            allow: vec![hook.clone()],
            ..CallbackPolicy::default()
        },
        ..http()
    };
    let server = Server::start(config(data.path()), http).await;
    let r = server
        .post_form(
            "/v1/checks",
            form(&apk, &listing()).text("callback_url", hook),
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/v1/jobs/job_"));
    let called = tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("the callback arrives")
        .unwrap();
    assert_eq!(called["status"], "done");
    let job: Value = server.get_json(&location).await;
    assert_eq!(job["status"], "done");
    assert_eq!(job["result"], called["result"]);
    let verdict: Verdict = cjson::from_value(&job["result"]).unwrap();
    assert_eq!(
        verdict.policy_set_id,
        server.service.policies().current().id
    );
    server.stop().await;
}

/// The feed-to-enforcing benchmark of BENCHMARKS.md: with the default poll
/// interval, how long from a publication to its set answering checks.
/// `cargo test --release -p shelfgate --test all -- --ignored feed_change --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: run it with --ignored, in release"]
async fn feed_change_to_enforcing() {
    let (key, feed, _data, server) =
        feed_server(Duration::from_secs(2), Duration::from_secs(300)).await;
    let active = async || server.active_set().await["id"].clone();
    eventually("revision 1 is active", async || {
        active().await == "test-pack-r1"
    })
    .await;
    let mut took = Vec::new();
    for revision in 2..=11u64 {
        let mode = if revision % 2 == 0 {
            EnforcementMode::Warn
        } else {
            EnforcementMode::Enforce
        };
        let archive = BundleSpec::new(revision, mode).sign(&key);
        let want = format!("test-pack-r{revision}");
        let start = std::time::Instant::now();
        feed.publish(&format!("r{revision}"), archive);
        eventually("the new revision is active", async || {
            active().await == want.as_str()
        })
        .await;
        took.push(start.elapsed());
    }
    took.sort();
    eprintln!(
        "feed change -> enforcing over {} publications: p50 {:?}, max {:?}",
        took.len(),
        took[took.len() / 2],
        took[took.len() - 1]
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_watched_directory_reloads_when_it_changes() {
    let key = key();
    let policies = tempfile::tempdir().unwrap();
    let dir = policies.path().join("bundle");
    BundleSpec::new(1, EnforcementMode::Enforce)
        .signed(&key)
        .write_dir(&dir)
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut cfg = config(data.path());
    cfg.trusted_keys = trusted(&key);
    cfg.policy_dir = Some(dir.clone());
    let server = Server::start(cfg, http()).await;
    let client = reqwest::Client::new();
    // Loaded before the first request is served.
    let active = server.active_set().await;
    assert_eq!(active["id"], "test-pack-r1");
    assert!(active["source"].as_str().unwrap().starts_with("dir:"));

    // A new revision written in place of the old one is picked up.
    let staging = policies.path().join("staging");
    BundleSpec::new(2, EnforcementMode::Warn)
        .signed(&key)
        .write_dir(&staging)
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::rename(&staging, &dir).unwrap();
    let set_id = async || server.active_set().await["id"].clone();
    eventually("revision 2 is active", async || {
        set_id().await == "test-pack-r2"
    })
    .await;

    // A file altered in place is refused; revision 2 keeps serving.
    let module = std::fs::read_dir(dir.join("modules"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&module).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&module, bytes).unwrap();
    let status_url = server.url("/v1/policies/status");
    eventually("the altered module is refused", async || {
        let status: Value = client
            .get(&status_url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status["last_error"]["code"] == "bundle_tampered_file"
    })
    .await;
    assert_eq!(set_id().await, "test-pack-r2");
    drop(client);
    server.stop().await;
}

// --- Durable jobs, audit, slow uploads, callbacks, continuity, cases ---------

/// A verdict callback receiver on loopback: its URL and what it receives.
async fn callback_receiver() -> (String, tokio::sync::mpsc::Receiver<Value>) {
    let (tx, rx) = tokio::sync::mpsc::channel::<Value>(8);
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body).await;
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    (hook, rx)
}

fn corpus_apk(name: &str) -> Option<Vec<u8>> {
    let path = corpus()?.join(name);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The example listing, for another package.
fn listing_for(package: &str, version_code: u64) -> String {
    let mut l: Value = serde_json::from_str(&listing()).unwrap();
    l["app"]["package_name"] = json!(package);
    l["app"]["version_code"] = json!(version_code);
    l.to_string()
}

/// The pack with every module in shadow (findings reported, not
/// counted), except `enforced`.
fn pack_bundle(revision: u64, enforced: &[&str], key: &SigningKey) -> Vec<u8> {
    let spec = BundleSpec::new(revision, EnforcementMode::Shadow);
    let mut options = BuildOptions {
        id: spec.id.into(),
        revision,
        not_before: spec.not_before,
        expires_at: spec.expires_at,
        defaults: ModuleSettings {
            version: "1".into(),
            mode: EnforcementMode::Shadow,
            failure: FailureMode::FailClosed,
        },
        modules: BTreeMap::new(),
    };
    for id in enforced {
        options.modules.insert(
            (*id).to_owned(),
            ModuleSettings {
                version: "1".into(),
                mode: EnforcementMode::Enforce,
                failure: FailureMode::FailClosed,
            },
        );
    }
    let bundle = Bundle::new(
        &options,
        spec.modules.clone(),
        BTreeMap::new(),
        &BundleLimits::default(),
    )
    .unwrap();
    shelfgate_bundle::sign(bundle, key)
        .unwrap()
        .to_archive()
        .unwrap()
}

async fn activate(server: &Server, archive: Vec<u8>) -> Value {
    let r = server.put_bundle(archive).await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The counted findings of a verdict, as (rule, evidence path → value).
fn findings(verdict: &Value) -> Vec<(String, BTreeMap<String, String>)> {
    verdict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["counted"] == true)
        .map(|f| {
            let evidence = f["finding"]["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["path"].as_str().unwrap().to_owned(),
                        e["value"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (
                f["finding"]["rule_id"].as_str().unwrap().to_owned(),
                evidence,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_update_by_a_stranger_of_an_accepted_app_is_rejected() {
    let (Some(v1), Some(stranger), Some(rotated)) = (
        corpus_apk("androguard-golden-aligned-v1-out.apk"),
        corpus_apk("androguard-two-signers.apk"),
        corpus_apk("androguard-v1v2v3-with-rsa-2048-lineage-3-signers.apk"),
    ) else {
        return;
    };
    let key = key();
    let data = tempfile::tempdir().unwrap();
    let mut cfg = config(data.path());
    cfg.trusted_keys = trusted(&key);
    let server = Server::start(cfg, http()).await;
    let package = "android.appsecurity.cts.tinyapp";
    let listing = listing_for(package, 10);

    // Every rule in shadow: the first version passes and is listed.
    activate(&server, pack_bundle(1, &[], &key)).await;
    let first = server.submit(&v1, &listing).await;
    assert_eq!(first["status"], "listed", "{first}");
    let update_rules = |v: &Value| {
        findings(v)
            .into_iter()
            .filter(|(rule, _)| rule == "PLAT-UPDATE-033")
            .collect::<Vec<_>>()
    };
    assert!(update_rules(&first["verdict"]).is_empty());

    // Update continuity enforced: an update signed by someone else is a
    // reject, with the stored version's signer as evidence.
    activate(&server, pack_bundle(2, &["platform-duties"], &key)).await;
    let update = server.submit(&stranger, &listing).await;
    assert_eq!(update["verdict"]["decision"], "reject");
    assert_eq!(update["status"], "shelved");
    let found = update_rules(&update["verdict"]);
    let signer = found
        .iter()
        .find(|(_, e)| e.contains_key("signer_continuity"))
        .unwrap_or_else(|| panic!("no signer finding in {found:?}"));
    assert_eq!(signer.1["signer_continuity"], "\"stranger\"");
    assert!(
        signer.1["previous.signer_sha256"].contains("fb5dbd3c669a"),
        "{signer:?}"
    );

    // A rotation whose lineage vouches for the accepted signer is no
    // stranger (its equal versionCode is still refused).
    let rotation = server.submit(&rotated, &listing).await;
    let found = update_rules(&rotation["verdict"]);
    assert!(
        found
            .iter()
            .all(|(_, e)| !e.contains_key("signer_continuity")),
        "{found:?}"
    );
    assert!(found
        .iter()
        .any(|(_, e)| e.contains_key("previous.version_code")));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn submissions_open_close_and_remove_cases_at_once() {
    let Some(apk) = corpus_apk("androguard-golden-aligned-v1-out.apk") else {
        return;
    };
    let key = key();
    let data = tempfile::tempdir().unwrap();
    let mut cfg = config(data.path());
    cfg.trusted_keys = trusted(&key);
    let server = Server::start(cfg, http()).await;
    let package = "android.appsecurity.cts.tinyapp";
    let listing = listing_for(package, 10);
    let case_of = async |state: &str| -> Vec<Value> {
        server
            .get_json(&format!("/v1/cases?state={state}&history=true"))
            .await["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["package"] == package)
            .cloned()
            .collect()
    };

    // Listed with a pass: no case.
    activate(&server, pack_bundle(1, &[], &key)).await;
    assert_eq!(server.submit(&apk, &listing).await["status"], "listed");
    assert!(case_of("rectify").await.is_empty());

    // A rectify verdict on the listed app opens a case at once.
    activate(&server, pack_bundle(2, &["security-hygiene"], &key)).await;
    let rectify = server.submit(&apk, &listing).await;
    assert_eq!(rectify["verdict"]["decision"], "rectify", "{rectify}");
    let open = case_of("rectify").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert!(open[0]["rectify_deadline"].is_string());
    assert_eq!(open[0]["verdict_seq"], rectify_seq(&server, &rectify).await);

    // A passing resubmission closes it.
    activate(&server, pack_bundle(3, &[], &key)).await;
    let pass = server.submit(&apk, &listing).await;
    assert_eq!(pass["verdict"]["decision"], "pass");
    assert!(case_of("rectify").await.is_empty());
    let closed = case_of("closed").await;
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["id"], open[0]["id"]);

    // A reject on the listed app removes it at once.
    activate(&server, pack_bundle(4, &["store-technical"], &key)).await;
    let reject = server.submit(&apk, &listing).await;
    assert_eq!(reject["verdict"]["decision"], "reject");
    let removed = case_of("removed").await;
    assert_eq!(removed.len(), 1, "{removed:?}");
    let app = server.get_json(&format!("/v1/apps/{package}")).await;
    assert_eq!(app["status"], "removed", "{app}");
    server.stop().await;
}

/// The history seq of a submission's verdict.
async fn rectify_seq(server: &Server, submission: &Value) -> Value {
    let id = submission["id"].as_str().unwrap();
    server.get_json(&format!("/v1/submissions/{id}")).await["verdict_seq"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jobs_survive_a_restart() {
    let Some(apk) = small_apk() else { return };
    // The callback receiver, explicitly allowed (loopback is refused by default).
    let (hook, mut rx) = callback_receiver().await;
    let http = || HttpConfig {
        async_above: Some(1024),
        callbacks: CallbackPolicy {
            allow: vec![hook.clone()],
            ..CallbackPolicy::default()
        },
        ..http()
    };
    let data = tempfile::tempdir().unwrap();

    // A job that finished before the restart.
    let server = Server::start(config(data.path()), http()).await;
    let r = server
        .post_form("/v1/submissions", form(&apk, &listing()))
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let done_at = r.headers()["location"].to_str().unwrap().to_owned();
    eventually("the job finishes", async || {
        server.get_json(&done_at).await["status"] == "done"
    })
    .await;
    let before = server.get_json(&done_at).await;
    server.stop().await;

    // What a process killed mid-job leaves: a pending job with its kept
    // upload, one whose upload is gone, and both with callbacks.
    {
        let store = shelfgate_store::SqliteStore::open(data.path(), Default::default()).unwrap();
        use sha2::Digest as _;
        use shelfgate_store::Store as _;
        let sha = shelfgate::engine::hex(&sha2::Sha256::digest(&apk));
        for (id, keep) in [("job_resumed", true), ("job_lost", false)] {
            store
                .create_job(&shelfgate_store::NewJob {
                    id,
                    kind: "check",
                    created_at: SystemTime::now(),
                    apk_sha256: &sha,
                    apk_size: apk.len() as u64,
                    listing: listing().as_bytes(),
                    callback_url: Some(&hook),
                    idempotency_key: None,
                })
                .unwrap();
            if keep {
                std::fs::write(data.path().join(format!("jobs/{id}.apk")), &apk).unwrap();
            }
        }
    }

    let server = Server::start(config(data.path()), http()).await;
    // The finished job and its verdict are still there.
    assert_eq!(server.get_json(&done_at).await, before);
    let stored = before["result"]["id"].as_str().unwrap();
    assert_eq!(
        server
            .get(&format!("/v1/submissions/{stored}"))
            .await
            .status(),
        StatusCode::OK
    );
    // The pending one was resumed to a verdict, the other failed with why.
    eventually("the resumed job finishes", async || {
        server.get_json("/v1/jobs/job_resumed").await["status"] != "pending"
    })
    .await;
    let resumed = server.get_json("/v1/jobs/job_resumed").await;
    assert_eq!(resumed["status"], "done", "{resumed}");
    let verdict: Verdict = cjson::from_value(&resumed["result"]).unwrap();
    assert_eq!(
        verdict.policy_set_id,
        server.service.policies().current().id
    );
    let lost = server.get_json("/v1/jobs/job_lost").await;
    assert_eq!(lost["status"], "failed");
    assert_eq!(lost["problem"]["code"], "job_interrupted");
    // Both callbacks arrive, and are recorded as delivered.
    let mut called = BTreeMap::new();
    for _ in 0..2 {
        let body = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("a callback arrives")
            .unwrap();
        called.insert(body["id"].as_str().unwrap().to_owned(), body);
    }
    assert_eq!(called["job_resumed"]["status"], "done");
    assert_eq!(called["job_lost"]["status"], "failed");
    eventually("the deliveries are recorded", async || {
        server.get_json("/v1/jobs/job_lost").await["callback"] == "delivered"
            && server.get_json("/v1/jobs/job_resumed").await["callback"] == "delivered"
    })
    .await;
    // Kept uploads are gone once their jobs ended.
    eventually("kept uploads are removed", async || {
        std::fs::read_dir(data.path().join("jobs")).unwrap().count() == 0
    })
    .await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_check_is_in_the_audit_log() {
    let Some(apk) = small_apk() else { return };
    let data = tempfile::tempdir().unwrap();
    let mut cfg = config(data.path());
    // A tiny queue: checks must wait for the writer, never drop entries.
    cfg.audit_queue = 2;
    let http = HttpConfig {
        max_in_flight: 1024,
        ..http()
    };
    let server = Arc::new(Server::start(cfg, http).await);
    let ok = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..48 {
        let (server, apk, ok) = (server.clone(), apk.clone(), ok.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..8 {
                let r = server.post_form("/v1/checks", form(&apk, &listing())).await;
                assert_eq!(r.status(), StatusCode::OK);
                ok.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let answered = ok.load(Ordering::Relaxed);
    assert_eq!(answered, 384);
    // Read before shutdown: what was answered was already written.
    let store = server.service.store().clone();
    let mut checks = 0;
    let mut after = None;
    loop {
        let page = store.audit_log(after, 1000).unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.seq);
        checks += page.iter().filter(|r| r.entry.action == "check").count();
    }
    assert_eq!(checks, answered);
    let metrics = server.get_text("/metrics").await;
    assert!(
        metrics.contains("shelfgate_audit_batch_entries_sum 384"),
        "{metrics}"
    );
    Arc::try_unwrap(server).ok().unwrap().stop().await;
}

/// Sends a request head and part of a multipart body, then `rest` slowly;
/// returns the status line and body of the answer.
async fn slow_upload(server: &Server, rest: &[u8], gap: Duration) -> (String, String) {
    use tokio::io::AsyncReadExt as _;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    conn.write_all(
        b"POST /v1/checks HTTP/1.1\r\nhost: x\r\ncontent-type: multipart/form-data; boundary=B\r\n\
          content-length: 100000\r\n\r\n--B\r\ncontent-disposition: form-data; name=\"apk\"\r\n\r\nPK",
    )
    .await
    .unwrap();
    for byte in rest {
        tokio::time::sleep(gap).await;
        if conn.write_all(&[*byte]).await.is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(60), conn.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_uploads_are_answered_408() {
    let data = tempfile::tempdir().unwrap();
    let mut cfg = config(data.path());
    cfg.timeouts.upload_idle = Duration::from_millis(300);
    cfg.timeouts.upload_grace = Duration::from_millis(200);
    cfg.timeouts.upload_min_rate = 1 << 20;
    let server = Server::start(cfg, http()).await;

    // Silent after the first bytes.
    let (status, body) = slow_upload(&server, b"", Duration::ZERO).await;
    assert!(status.starts_with("HTTP/1.1 408"), "{status}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["code"], "upload_too_slow");
    assert!(problem["detail"].as_str().unwrap().contains("sent nothing"));

    // A trickle: a byte every 50 ms is far under 1 MiB/s.
    let (status, body) = slow_upload(&server, &[b'K'; 100], Duration::from_millis(50)).await;
    assert!(status.starts_with("HTTP/1.1 408"), "{status}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["code"], "upload_too_slow");
    assert!(
        problem["detail"].as_str().unwrap().contains("bytes/s"),
        "{problem}"
    );

    // The slots were released.
    let metrics = server.get_text("/metrics").await;
    assert!(
        metrics.contains("shelfgate_uploads_in_flight 0"),
        "{metrics}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callbacks_default_to_public_https_targets() {
    let policy = CallbackPolicy::default();
    for refused in [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "https://metadata.google.internal/hook",
        "https://intranet/hook",
        "https://user:pw@example.com/hook",
        "ftp://example.com/hook",
    ] {
        assert!(policy.check(refused).is_err(), "{refused} was allowed");
    }
    for allowed in ["https://example.com/hook", "https://93.184.215.14:8443/v"] {
        assert!(policy.check(allowed).is_ok(), "{allowed} was refused");
    }
    // An explicit prefix admits exactly what it names.
    let explicit = CallbackPolicy {
        allow: vec!["http://127.0.0.1:9/".into()],
        ..CallbackPolicy::default()
    };
    assert!(explicit.check("http://127.0.0.1:9/hook").is_ok());
    assert!(explicit.check("https://example.com/hook").is_err());

    // Over HTTP: a loopback callback is refused before any work.
    let Some(apk) = small_apk() else { return };
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(config(data.path()), http()).await;
    let r = server
        .post_form(
            "/v1/checks",
            form(&apk, &listing()).text("callback_url", "http://127.0.0.1:9/hook"),
        )
        .await;
    let body = problem(r, StatusCode::BAD_REQUEST, "invalid_callback_url").await;
    assert!(body["detail"].as_str().unwrap().contains("https"), "{body}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_expired_bundle_stops_serving() {
    let Some(apk) = small_apk() else { return };
    let key = key();
    let data = tempfile::tempdir().unwrap();
    let clock = Arc::new(shelfgate::clock::FakeClock::new(SystemTime::now()));
    let mut cfg = config(data.path());
    cfg.trusted_keys = trusted(&key);
    cfg.clock = shelfgate::service::ServiceClock(clock.clone());
    let server = Server::start(cfg, http()).await;
    let builtin = server.active_set().await["id"].clone();

    let mut spec = BundleSpec::new(1, EnforcementMode::Enforce);
    spec.expires_at = SystemTime::now() + Duration::from_secs(3600);
    activate(&server, spec.sign(&key)).await;
    let check = async || -> Value {
        let r = server.post_form("/v1/checks", form(&apk, &listing())).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json().await.unwrap()
    };
    assert_eq!(check().await["policy_set_id"], "test-pack-r1");

    // Past expires_at: the next check is judged by the built-in pack.
    clock.advance(Duration::from_secs(7200));
    assert_eq!(check().await["policy_set_id"], builtin);
    let status = server.get_json("/v1/policies/status").await;
    assert_eq!(status["expired"]["set_id"], "test-pack-r1", "{status}");
    assert_eq!(status["expired"]["serving"], builtin);
    assert_eq!(status["last_error"]["code"], "bundle_expired_while_active");
    assert_eq!(status["active"]["set_id"], builtin);
    let ready = server.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let ready: Value = ready.json().await.unwrap();
    assert!(ready["degraded"].as_str().unwrap().contains("test-pack-r1"));
    let metrics = server.get_text("/metrics").await;
    assert!(
        metrics.contains("shelfgate_policy_set_expired 1"),
        "{metrics}"
    );
    assert!(metrics.contains("shelfgate_policy_expiries_total 1"));

    // A valid bundle ends the fallback.
    activate(
        &server,
        BundleSpec::new(2, EnforcementMode::Enforce).sign(&key),
    )
    .await;
    assert_eq!(check().await["policy_set_id"], "test-pack-r2");
    let status = server.get_json("/v1/policies/status").await;
    assert!(status["expired"].is_null());
    assert!(server.get_json("/readyz").await["degraded"].is_null());
    assert!(server
        .get_text("/metrics")
        .await
        .contains("shelfgate_policy_set_expired 0"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_routed_path_is_in_the_openapi_document() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(config(data.path()), http()).await;
    let doc = server.get_json("/openapi.json").await;
    let paths = doc["paths"].as_object().unwrap();
    // The routes as the code declares them.
    let dir = repo().join("host/src/server/routes");
    let mut routed = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (i, _) in text.match_indices(".route(\"") {
            let rest = &text[i + ".route(\"".len()..];
            routed.insert(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    assert!(routed.len() >= 14, "{routed:?}");
    for path in &routed {
        assert!(
            paths.contains_key(path),
            "{path} is routed but not documented"
        );
    }
    for path in ["/v1/rechecks", "/v1/rechecks/{id}", "/v1/cases"] {
        assert!(routed.contains(path), "{path}");
    }
    assert!(doc["paths"]["/v1/rechecks"]["post"]["security"].is_array());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bundle_that_expired_while_down_is_flagged_at_start() {
    let key = key();
    let data = tempfile::tempdir().unwrap();
    let clock = Arc::new(shelfgate::clock::FakeClock::new(SystemTime::now()));
    let cfg = || {
        let mut cfg = config(data.path());
        cfg.trusted_keys = trusted(&key);
        cfg.clock = shelfgate::service::ServiceClock(clock.clone());
        cfg
    };
    let server = Server::start(cfg(), http()).await;
    let builtin = server.active_set().await["id"].clone();
    let mut spec = BundleSpec::new(1, EnforcementMode::Enforce);
    spec.expires_at = SystemTime::now() + Duration::from_secs(3600);
    activate(&server, spec.sign(&key)).await;
    server.stop().await;

    clock.advance(Duration::from_secs(7200));
    let server = Server::start(cfg(), http()).await;
    assert_eq!(server.active_set().await["id"], builtin);
    let status = server.get_json("/v1/policies/status").await;
    assert_eq!(status["expired"]["set_id"], "test-pack-r1", "{status}");
    assert_eq!(status["last_error"]["code"], "bundle_expired");
    let ready = server.get_json("/readyz").await;
    assert!(ready["degraded"].as_str().unwrap().contains("test-pack-r1"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_sending_half_a_request_head_is_cut_off() {
    use tokio::io::AsyncReadExt as _;
    let data = tempfile::tempdir().unwrap();
    let http = HttpConfig {
        header_read_timeout: Duration::from_millis(300),
        ..http()
    };
    let server = Server::start(config(data.path()), http).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    conn.write_all(b"POST /v1/checks HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // The server closes the connection; the safety timeout only keeps a
    // broken build from hanging the suite.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(60), conn.read_to_end(&mut rest)).await;
    assert!(
        closed.is_ok(),
        "the half-sent head still holds its connection"
    );
    // Complete requests are still served.
    assert_eq!(server.get("/healthz").await.status(), StatusCode::OK);
    server.stop().await;
}
