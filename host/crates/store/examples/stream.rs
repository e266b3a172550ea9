//! How fast the store fills with a catalogue and streams it back, as a
//! recheck does: pages of apps by cursor on one thread, facts, listings and
//! verdicts loaded and decoded on worker threads.
//!
//! ```text
//! cargo run --release -p shelfgate-store --example stream -- \
//!     --apps 320000 --dir /tmp/catalogue --facts DIR_OF_FACTS_JSON \
//!     [--threads 2] [--load nothing|bytes|decoded]
//! ```
//!
//! `--facts` holds facts JSON files (e.g. `shelfgate inspect` of the corpus
//! APKs); app `i` is a copy of template `i mod n` under its own package and
//! sha256, with the repository's example listing renamed to match. An
//! existing catalogue in `--dir` is reused.

use std::path::PathBuf;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use shelfgate_bundle::canonical;
use shelfgate_contract::json;
use shelfgate_contract::types::{ApkFacts, Verdict};
use shelfgate_store::{
    AppFilter, AppStatus, Import, NewSubmission, SqliteStore, Store, StoreOptions,
};

const LISTING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../tests/fixtures/listing-example.json"
);
const PAGE: usize = 1000;

struct Args {
    apps: usize,
    dir: PathBuf,
    facts: PathBuf,
    threads: usize,
    loads: Vec<Load>,
}

fn args() -> Args {
    let mut args = Args {
        apps: 10_000,
        dir: PathBuf::from("/tmp/shelfgate-stream"),
        facts: PathBuf::new(),
        threads: 2,
        loads: vec![Load::Nothing, Load::Bytes, Load::Decoded],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--apps" => args.apps = value.parse().expect("--apps N"),
            "--dir" => args.dir = value.into(),
            "--facts" => args.facts = value.into(),
            "--threads" => args.threads = value.parse().expect("--threads N"),
            "--load" => {
                args.loads = match value.as_str() {
                    "nothing" => vec![Load::Nothing],
                    "bytes" => vec![Load::Bytes],
                    "decoded" => vec![Load::Decoded],
                    _ => panic!("--load nothing|bytes|decoded"),
                }
            }
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn templates(dir: &PathBuf) -> Vec<ApkFacts> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("--facts DIR")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let facts: Vec<ApkFacts> = paths
        .iter()
        .map(|p| json::from_str(&std::fs::read_to_string(p).unwrap()).expect("facts JSON"))
        .collect();
    assert!(!facts.is_empty(), "no facts JSON in {}", dir.display());
    facts
}

fn populate(store: &SqliteStore, args: &Args) {
    let have = store.count_apps(&AppFilter::All).unwrap() as usize;
    if have >= args.apps {
        println!("reusing {have} apps in {}", args.dir.display());
        return;
    }
    let templates = templates(&args.facts);
    let listing: Value = serde_json::from_str(&std::fs::read_to_string(LISTING).unwrap()).unwrap();
    let started = Instant::now();
    let mut json_bytes = 0usize;
    for chunk_start in (have..args.apps).step_by(PAGE) {
        let chunk: Vec<usize> = (chunk_start..args.apps.min(chunk_start + PAGE)).collect();
        let mut rows = Vec::with_capacity(chunk.len());
        for &i in &chunk {
            let package = format!("com.synthetic.app{i:07}");
            let mut facts = templates[i % templates.len()].clone();
            facts.package = package.clone();
            facts.sha256 = hex(&Sha256::digest(package.as_bytes()));
            let mut listing = listing.clone();
            listing["app"]["package_name"] = package.clone().into();
            let listing_json = serde_json::to_vec(&listing).unwrap();
            let key = canonical::sha256_hex(&listing).unwrap();
            json_bytes += json::to_string(&facts).len() + listing_json.len();
            let verdict: Verdict = json::from_value(&json!({
                "decision": "pass", "deadline_working_days": null, "findings": [], "errors": [],
                "policy_set_id": "builtin", "policy_set_digest": hex(&Sha256::digest(b"builtin")),
                "policies": [], "apk_sha256": facts.sha256, "listing_sha256": key,
                "evaluated_on": "2025-06-15", "timings": [],
            }))
            .unwrap();
            let sdk_ids: Vec<String> = facts.sdks.iter().map(|s| s.id.clone()).collect();
            rows.push((
                package,
                facts,
                listing_json,
                verdict,
                sdk_ids,
                format!("s{i}"),
            ));
        }
        let imports: Vec<Import<'_>> = rows
            .iter()
            .map(
                |(package, facts, listing_json, verdict, sdk_ids, id)| Import {
                    facts,
                    listing_json,
                    submission: NewSubmission {
                        id,
                        package,
                        verdict,
                        status: AppStatus::Listed,
                        category: Some("tools"),
                        sdk_ids,
                        received_at: SystemTime::now(),
                        idempotency: None,
                    },
                },
            )
            .collect();
        store.import(&imports).unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let n = args.apps - have;
    println!(
        "populate: {n} apps in {secs:.1} s ({:.0} apps/s), {:.1} MiB of JSON",
        n as f64 / secs,
        json_bytes as f64 / (1 << 20) as f64
    );
}

/// Streams every app; with `load`, workers fetch and decode its documents.
fn stream(store: &Arc<SqliteStore>, threads: usize, load: Load) -> (usize, Duration) {
    let started = Instant::now();
    let (tx, rx) = sync_channel::<Vec<shelfgate_store::AppRecord>>(threads * 2);
    let rx = Arc::new(std::sync::Mutex::new(rx));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let rx = rx.clone();
            let store = store.clone();
            std::thread::spawn(move || {
                let mut n = 0usize;
                loop {
                    let page = rx.lock().unwrap().recv();
                    let Ok(page) = page else { break };
                    for app in page {
                        match load {
                            Load::Nothing => {}
                            Load::Bytes => {
                                let f = store.facts(&app.verdict.apk_sha256).unwrap().unwrap();
                                let l =
                                    store.listing(&app.verdict.listing_sha256).unwrap().unwrap();
                                n += f.json().unwrap().len() + l.json().unwrap().len();
                                n += app.verdict.verdict.json().unwrap().len();
                            }
                            Load::Decoded => {
                                let f = store.facts(&app.verdict.apk_sha256).unwrap().unwrap();
                                let l =
                                    store.listing(&app.verdict.listing_sha256).unwrap().unwrap();
                                let facts = f.decode().unwrap();
                                let listing = l.decode().unwrap();
                                let verdict = app.verdict.verdict.decode().unwrap();
                                n += facts.permissions.len() + listing.permissions.len();
                                n += verdict.findings.len();
                            }
                        }
                    }
                }
                n
            })
        })
        .collect();
    // Only the workers hold the receiver: if they all stop, `send` fails
    // instead of blocking forever.
    drop(rx);
    let mut cursor: Option<String> = None;
    let mut count = 0;
    loop {
        let page = store
            .apps_after(cursor.as_deref(), PAGE, &AppFilter::All)
            .unwrap();
        let Some(last) = page.last() else { break };
        cursor = Some(last.package.clone());
        count += page.len();
        tx.send(page).unwrap();
    }
    drop(tx);
    let checksum: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    std::hint::black_box(checksum);
    (count, started.elapsed())
}

#[derive(Clone, Copy, Debug)]
enum Load {
    Nothing,
    Bytes,
    Decoded,
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let args = args();
    let store = Arc::new(SqliteStore::open(&args.dir, StoreOptions::default()).unwrap());
    populate(&store, &args);
    let db = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database: {:.1} MiB", db as f64 / (1 << 20) as f64);
    for &load in &args.loads {
        let (n, took) = stream(&store, args.threads, load);
        println!(
            "stream {load:?}: {n} apps in {:.2} s ({:.0} apps/s) with {} threads",
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64(),
            args.threads
        );
    }
    println!("peak RSS: {:.0} MiB", peak_rss_mib());
}
