//! The example listings (`examples/listings/`): each is a valid listing,
//! and each with a golden file gives, through the `shelfgate check` binary
//! on its corpus APK, the decision, rule ids and SDK attributions the
//! golden records. The published JSON Schema is the one the binary
//! generates.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use shelfgate_contract::json;
use shelfgate_contract::types::Listing;

use crate::support::repo;

/// The evaluation date every golden was recorded on.
const DATE: &str = "2026-11-28";

/// Listing file-name prefix (up to the first `.`) -> corpus APK.
const APKS: &[(&str, &str)] = &[
    ("a2dp", "androguard-a2dp.Vol_137.apk"),
    ("jamendo", "androguard-com.teleca.jamendo_35.apk"),
    ("bugly", "bugly-app-release.apk"),
    ("politedroid", "fdroid-com.politedroid_6.apk"),
    ("compass-keyboard", "fdroid-org.dyndns.fules.ck_20.apk"),
];

const GOLDEN_SUFFIX: &str = ".expected.json";
const SCHEMA_FILE: &str = "listing.schema.json";

fn dir() -> PathBuf {
    repo().join("examples/listings")
}

fn shelfgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shelfgate"))
        .args(args)
        .env(
            "SHELFGATE_CACHE_DIR",
            repo().join("target/test-compile-cache"),
        )
        .output()
        .expect("running shelfgate")
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap()
}

/// Every example listing: the JSON files that are neither goldens nor the
/// schema.
fn listings() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = file_name(p);
            name.ends_with(".json") && !name.ends_with(GOLDEN_SUFFIX) && name != SCHEMA_FILE
        })
        .collect();
    out.sort();
    out
}

fn golden_of(listing: &Path) -> PathBuf {
    let name = file_name(listing);
    let stem = name.strip_suffix(".json").unwrap();
    listing.with_file_name(format!("{stem}{GOLDEN_SUFFIX}"))
}

fn apk_of(listing: &Path) -> &'static str {
    let prefix = file_name(listing).split('.').next().unwrap();
    APKS.iter()
        .find(|(p, _)| *p == prefix)
        .map(|(_, apk)| *apk)
        .unwrap_or_else(|| {
            panic!(
                "{}: no APK for prefix `{prefix}` in APKS",
                listing.display()
            )
        })
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// A verdict as the goldens record it: decision, sorted unique rule ids of
/// all findings, sorted unique SDK attributions.
fn summary(verdict: &Value) -> Value {
    let findings = verdict["findings"].as_array().unwrap();
    let rules: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["finding"]["rule_id"].as_str().unwrap())
        .collect();
    let sdks: BTreeSet<&str> = findings
        .iter()
        .filter_map(|f| f["finding"]["sdk_attribution"].as_str())
        .collect();
    serde_json::json!({
        "decision": verdict["decision"],
        "rules": rules,
        "sdk": sdks,
    })
}

fn exit_code(decision: &str) -> i32 {
    match decision {
        "pass" => 0,
        "rectify" => 10,
        "reject" => 20,
        other => panic!("unknown decision {other}"),
    }
}

#[test]
fn every_example_listing_is_valid() {
    let all = listings();
    assert!(all.len() >= 10, "five apps, clean and flawed: {all:?}");
    for path in &all {
        let text = std::fs::read_to_string(path).unwrap();
        if let Err(problems) = json::from_str::<Listing>(&text) {
            panic!("{}: {problems:?}", path.display());
        }
    }
}

#[test]
fn every_app_has_a_clean_and_a_flawed_listing_with_goldens() {
    for (prefix, _) in APKS {
        for kind in ["clean", "flawed"] {
            let listing = dir().join(format!("{prefix}.{kind}.json"));
            assert!(listing.exists(), "{}", listing.display());
            assert!(
                golden_of(&listing).exists(),
                "{}",
                golden_of(&listing).display()
            );
        }
    }
}

#[test]
fn each_flawed_listing_differs_from_its_clean_one_in_a_rule() {
    for (prefix, _) in APKS {
        let rules = |kind: &str| {
            let golden = read_json(&dir().join(format!("{prefix}.{kind}{GOLDEN_SUFFIX}")));
            strings(&golden["rules"])
        };
        let (clean, flawed) = (rules("clean"), rules("flawed"));
        let added: Vec<_> = flawed.difference(&clean).collect();
        assert!(
            !added.is_empty(),
            "{prefix}: the flawed listing adds no finding to the clean one ({clean:?})"
        );
    }
}

#[test]
fn example_verdicts_match_their_goldens() {
    let corpus = repo().join("../shared/corpus/apk");
    if !corpus.exists() {
        eprintln!("SKIPPED: ../shared not found ({})", corpus.display());
        return;
    }
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for listing in listings() {
        let golden = golden_of(&listing);
        if !golden.exists() {
            continue;
        }
        let apk = corpus.join(apk_of(&listing));
        let out = shelfgate(&[
            "check",
            apk.to_str().unwrap(),
            "--listing",
            listing.to_str().unwrap(),
            "--format",
            "json",
            "--date",
            DATE,
        ]);
        let name = file_name(&listing);
        let verdict: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{name}: no verdict ({e}); exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_eq!(
            verdict["errors"],
            serde_json::json!([]),
            "{name}: policy errors"
        );
        let got = summary(&verdict);
        let want = read_json(&golden);
        if got != want {
            mismatches.push(format!("{name}:\n  want {want}\n  got  {got}"));
        }
        let decision = got["decision"].as_str().unwrap();
        if out.status.code() != Some(exit_code(decision)) {
            mismatches.push(format!(
                "{name}: exit {:?} for decision {decision}",
                out.status.code()
            ));
        }
        checked += 1;
    }
    assert_eq!(
        checked,
        2 * APKS.len(),
        "every app's clean and flawed golden ran"
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn published_listing_schema_is_the_generated_one() {
    let out = shelfgate(&["schema", "listing"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let published = std::fs::read_to_string(dir().join(SCHEMA_FILE)).unwrap();
    assert!(
        published == String::from_utf8(out.stdout).unwrap(),
        "examples/listings/{SCHEMA_FILE} is stale: regenerate it with \
         `shelfgate schema listing > examples/listings/{SCHEMA_FILE}`"
    );
}
