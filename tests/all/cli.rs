//! The `shelfgate` binary: output, exit codes and one-line errors.

use std::path::PathBuf;
use std::process::{Command, Output};

use crate::support::repo;

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

fn corpus(name: &str) -> Option<PathBuf> {
    let p = repo().join("../shared/corpus/apk").join(name);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: ../shared not found ({})", p.display());
        None
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn inspect_prints_the_documented_fields() {
    let Some(apk) = corpus("androguard-a2dp.Vol_137.apk") else {
        return;
    };
    let out = shelfgate(&["inspect", apk.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let facts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(facts["package"], "a2dp.Vol");
    assert_eq!(facts["version_code"], 137);
    assert_eq!(facts["version_name"], "2.12.9.2");
    assert_eq!(facts["min_sdk"], 15);
    assert_eq!(facts["target_sdk"], 25);
    assert!(facts["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "android.permission.READ_CONTACTS"));
    let main = facts["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "a2dp.Vol.main")
        .expect("the launcher activity");
    assert_eq!(main["kind"], "activity");
    assert_eq!(main["exported"], true);
    assert!(main["permission"].is_null());
    assert_eq!(main["intent_actions"][0], "android.intent.action.MAIN");
    for key in [
        "debuggable",
        "allow_backup",
        "uses_cleartext_traffic",
        "label",
    ] {
        assert!(facts["application"].get(key).is_some(), "application.{key}");
    }
    assert_eq!(facts["application"]["label"], "A2DP Volume");
    assert_eq!(facts["dex"]["class_count"], 1353);
    assert!(facts["dex"]["files"].is_array());
    assert!(facts["sdks"].is_array());
    assert!(facts["native_abis"].is_array());
    assert_eq!(facts["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn malformed_apk_is_exit_3_with_one_line() {
    let Some(apk) = corpus("androguard-empty-unsigned.apk") else {
        return;
    };
    let out = shelfgate(&["inspect", apk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("androguard-empty-unsigned.apk"), "{err}");
}

#[test]
fn check_exit_codes() {
    let Some(apk) = corpus("androguard-a2dp.Vol_137.apk") else {
        return;
    };
    let listing = repo().join("tests/fixtures/listing-example.json");
    // a2dp targets SDK 25, below the CN floor of 30: reject.
    let out = shelfgate(&[
        "check",
        apk.to_str().unwrap(),
        "--listing",
        listing.to_str().unwrap(),
        "--format",
        "json",
        "--date",
        "2026-11-28",
    ]);
    assert_eq!(out.status.code(), Some(20), "{}", stderr(&out));
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["decision"], "reject");
    assert!(verdict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["finding"]["rule_id"] == "TECH-TSDK-035"));

    let bad = repo().join("target/test-bad-listing.json");
    std::fs::write(&bad, r#"{"schema": "shelfgate.listing/1"}"#).unwrap();
    let out = shelfgate(&[
        "check",
        apk.to_str().unwrap(),
        "--listing",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("$.submission"), "{}", stderr(&out));

    let out = shelfgate(&["check", apk.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing --listing is a usage error"
    );
}

#[test]
fn policy_list_and_test() {
    let out = shelfgate(&["policy", "list", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"security-hygiene"), "{ids:?}");

    let cases = repo().join("policies/pack/security-hygiene/cases");
    let out = shelfgate(&[
        "policy",
        "test",
        "builtin:security-hygiene",
        cases.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.trim_end().ends_with(" passed, 0 failed"), "{text}");
}
