//! Dex and native facts over every APK of ../shared/corpus/apk, compared
//! with the reference tools' output in `reference/<file>.json`:
//! - defined classes per `classes*.dex` and in total against androguard's
//!   `dex_class_counts` / `dex_class_total`;
//! - our packages, cut to three levels, must cover androguard's
//!   `dex_package_prefixes_depth3`;
//! - native ABIs against the zip listing's `native_abis` (and aapt's
//!   `native-code` where aapt ran).
//!
//! Every disagreement is printed; the test fails on any that is not
//! explained below.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;
use shelfgate_inspect::dex::DexIndex;
use shelfgate_inspect::zip::Archive;
use shelfgate_inspect::{native, Limits};

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../../shared/corpus/apk"
    ));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("SKIPPED: ../shared not found");
        None
    }
}

fn apks(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus directory is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "apk"))
        .collect();
    out.sort();
    out
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `a.b.c.d` -> `a.b.c`.
fn depth3(package: &str) -> String {
    package.split('.').take(3).collect::<Vec<_>>().join(".")
}

#[test]
fn dex_counts_packages_and_abis_match_the_references() {
    let Some(dir) = corpus() else { return };
    let limits = Limits::default();
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for path in apks(&dir) {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let reference: Value = serde_json::from_slice(
            &std::fs::read(dir.join("reference").join(format!("{file}.json"))).unwrap(),
        )
        .unwrap();
        let androguard = &reference["androguard"];
        let bytes = std::fs::read(&path).unwrap();
        let archive = match Archive::parse(&bytes, &limits) {
            Ok(a) => a,
            Err(e) => {
                // No reference tool read a dex from these either.
                if androguard["dex_class_total"].as_u64().unwrap_or(0) != 0 {
                    disagreements.push(format!(
                        "{file}: zip unreadable ({e}) but androguard read dex"
                    ));
                }
                println!("{file}: not a readable zip: {e}");
                continue;
            }
        };
        let mut index = DexIndex::new();
        for (dex, e) in index.add_loaded(&archive, &bytes, &limits) {
            disagreements.push(format!("{file}: {dex} not indexed: {e}"));
        }
        let payloads = native::payloads(&archive, &bytes, &limits, &mut index).unwrap();
        let (facts, classes) = index.finish();
        checked += 1;

        let want_total = androguard["dex_class_total"].as_u64().unwrap_or(0);
        if u64::from(facts.class_count) != want_total {
            disagreements.push(format!(
                "{file}: class_count {} but androguard {want_total}",
                facts.class_count
            ));
        }
        let want_files = androguard["dex_class_counts"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let got_files: Vec<(String, u64)> = facts
            .files
            .iter()
            .map(|f| (f.name.clone(), u64::from(f.class_count)))
            .collect();
        let want: Vec<(String, u64)> = want_files
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
            .collect();
        if got_files != want {
            disagreements.push(format!(
                "{file}: per-file {got_files:?} but androguard {want:?}"
            ));
        }
        if classes.defined().len() as u64 > want_total {
            disagreements.push(format!("{file}: more distinct classes than defined"));
        }

        let ours: BTreeSet<String> = facts.packages.iter().map(|p| depth3(p)).collect();
        let missing: Vec<String> = strings(&androguard["dex_package_prefixes_depth3"])
            .into_iter()
            .filter(|p| !ours.contains(p))
            .collect();
        if !missing.is_empty() {
            disagreements.push(format!("{file}: packages missing {missing:?}"));
        }

        let (abis, libs) = native::libraries(&archive);
        let abis: BTreeSet<String> = abis.into_iter().collect();
        let zip_abis = strings(&reference["zip"]["native_abis"]);
        if abis != zip_abis {
            disagreements.push(format!(
                "{file}: ABIs {abis:?} but zip listing {zip_abis:?}"
            ));
        }
        if let Some(aapt) = reference["aapt"]["native_code"].as_array() {
            let aapt: BTreeSet<String> = strings(&Value::Array(aapt.clone()));
            if abis != aapt {
                disagreements.push(format!("{file}: ABIs {abis:?} but aapt {aapt:?}"));
            }
        }
        let zip_libs = strings(&reference["zip"]["native_libs"]);
        let lib_names: BTreeSet<String> = libs.iter().map(|l| l.name.clone()).collect();
        if lib_names != zip_libs {
            disagreements.push(format!(
                "{file}: libraries {lib_names:?} but zip listing {zip_libs:?}"
            ));
        }

        println!(
            "{file}: {} dex, {} classes, {} referenced, {} packages, {} api refs, {} urls, {} payloads, abis {:?}",
            facts.files.len(),
            facts.class_count,
            facts.referenced_type_count,
            facts.packages.len(),
            facts.api_refs.len(),
            facts.urls.len(),
            payloads.len(),
            abis,
        );
    }
    for d in &disagreements {
        println!("DISAGREEMENT {d}");
    }
    println!(
        "{checked} APKs indexed, {} disagreements",
        disagreements.len()
    );
    assert!(checked >= 50, "only {checked} APKs could be indexed");
    assert!(
        disagreements.is_empty(),
        "{} disagreements",
        disagreements.len()
    );
}

/// Hidden code in the corpus: apktool's `dynamic_dex` fixture carries the
/// same dex three more times outside the `classes*.dex` chain.
#[test]
fn payload_dex_files_are_found_and_indexed() {
    let Some(dir) = corpus() else { return };
    let limits = Limits::default();
    let bytes = std::fs::read(dir.join("apktool-dynamic_dex.apk")).unwrap();
    let archive = Archive::parse(&bytes, &limits).unwrap();
    let mut index = DexIndex::new();
    assert!(index.add_loaded(&archive, &bytes, &limits).is_empty());
    let payloads = native::payloads(&archive, &bytes, &limits, &mut index).unwrap();
    let paths: Vec<(&str, &str)> = payloads
        .iter()
        .map(|p| (p.path.as_str(), p.kind.as_str()))
        .collect();
    assert_eq!(
        paths,
        [
            ("assets.dex", "dex"),
            ("assets/dynamic.dex", "dex"),
            ("dynamic.dex", "dex")
        ]
    );
    assert!(payloads.iter().all(|p| p.sha256.len() == 64 && p.size > 0));
    let (facts, _) = index.finish();
    assert_eq!(facts.files.len(), 1, "payloads are not loaded dex files");
    assert_eq!(facts.class_count, 6);
}
