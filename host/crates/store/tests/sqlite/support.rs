//! Inputs built from the repository's contract fixtures, and a fake clock.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shelfgate_contract::json;
use shelfgate_contract::types::{ApkFacts, Decision, Verdict};
use shelfgate_store::{
    AppStatus, NewSubmission, SqliteStore, Store, StoreOptions, SubmissionRecord,
};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/fixtures/");

pub fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(dir, StoreOptions::default()).unwrap()
}

/// Seconds after a fixed epoch: tests never read the clock.
pub fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_750_000_000 + seconds)
}

pub fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn fixture(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Facts of build `build` of `package`, with a sha256 of their own.
pub fn facts(package: &str, build: u32) -> ApkFacts {
    let mut facts: ApkFacts = json::from_value(&fixture("facts-minimal.json")).unwrap();
    facts.package = package.into();
    facts.version_code = u64::from(build);
    facts.sha256 = hex_sha256(&format!("{package}/{build}"));
    facts
}

/// The example listing, renamed to `package`, with an extra field the
/// contract does not know.
pub fn listing_json(package: &str) -> Vec<u8> {
    let mut listing = fixture("listing-example.json");
    listing["app"]["package_name"] = package.into();
    listing["x_platform_extension"] = json!({"rating": 4.5});
    serde_json::to_vec_pretty(&listing).unwrap()
}

pub fn verdict(facts: &ApkFacts, listing_sha256: &str, decision: Decision, set: &str) -> Verdict {
    json::from_value(&json!({
        "decision": json::to_value(&decision),
        "deadline_working_days": null,
        "findings": [],
        "errors": [],
        "policy_set_id": set,
        "policy_set_digest": hex_sha256(set),
        "policies": [],
        "apk_sha256": facts.sha256,
        "listing_sha256": listing_sha256,
        "evaluated_on": "2025-06-15",
        "timings": [],
    }))
    .unwrap()
}

/// One app submitted as the service would: inputs first, then the verdict.
pub struct Upload<'a> {
    pub id: &'a str,
    pub package: &'a str,
    pub build: u32,
    pub decision: Decision,
    pub status: AppStatus,
    pub category: Option<&'a str>,
    pub sdk_ids: &'a [&'a str],
    pub at: SystemTime,
}

impl Default for Upload<'_> {
    fn default() -> Self {
        Upload {
            id: "sub-1",
            package: "com.example.app",
            build: 1,
            decision: Decision::Pass,
            status: AppStatus::Listed,
            category: None,
            sdk_ids: &[],
            at: at(0),
        }
    }
}

pub fn submit(store: &dyn Store, upload: &Upload<'_>) -> SubmissionRecord {
    let facts = facts(upload.package, upload.build);
    store.put_facts(&facts).unwrap();
    let listing = store.put_listing(&listing_json(upload.package)).unwrap();
    let verdict = verdict(&facts, &listing, upload.decision, "builtin");
    let sdk_ids: Vec<String> = upload.sdk_ids.iter().map(|s| s.to_string()).collect();
    store
        .record_submission(&NewSubmission {
            id: upload.id,
            package: upload.package,
            verdict: &verdict,
            status: upload.status,
            category: upload.category,
            sdk_ids: &sdk_ids,
            received_at: upload.at,
            idempotency: None,
        })
        .unwrap()
}

/// A raw connection, to try what the store itself never does.
pub fn raw(store: &SqliteStore) -> rusqlite::Connection {
    rusqlite::Connection::open(store.path()).unwrap()
}
