//! Container and manifest facts over every APK of ../shared/corpus/apk,
//! compared with what androguard and `aapt dump badging` reported
//! (`reference/<file>.json`).
//!
//! Every disagreement is printed. The test fails on any disagreement that
//! the table [`EXPLAINED`] does not account for with a reason showing the
//! reference tool is wrong, and on any file that ends in neither facts nor
//! a typed error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use shelfgate_contract::types::ComponentKind;
use shelfgate_inspect::arsc::ResourceTable;
use shelfgate_inspect::manifest::{self, ManifestFacts};
use shelfgate_inspect::zip::Archive;
use shelfgate_inspect::{InspectError, Limits};

/// Disagreements where the reference tool is shown to be wrong:
/// (file, field, reason).
const EXPLAINED: &[(&str, &str, &str)] = &[
    (
        "androguard-v2-only-truncated-cd.apk",
        "androguard.outcome",
        "the EOCD puts the central directory (offset 3926, size 186) past the EOCD itself; \
         Android's libziparchive refuses the archive (\"bad offsets\", as aapt reports too) while \
         androguard's zipfile recovers by scanning",
    ),
    (
        "fdroid-org.dyndns.fules.ck_20.apk",
        "androguard.versionName",
        "versionName is a reference (@7F050026); androguard prints the id, aapt and the platform \
         resolve it to the string resource",
    ),
    (
        "fdroid-souch.smsbypass_9.apk",
        "androguard.versionName",
        "versionName is a reference (@7F050007); androguard prints the id, aapt and the platform \
         resolve it to the string resource",
    ),
    (
        "fdroid-souch.smsbypass_9.apk",
        "androguard.maxSdk",
        "maxSdkVersion is a reference (@7F050022) to an integer resource; androguard prints the \
         id, the platform reads the integer (18)",
    ),
    (
        "androguard-AndroidManifest_ShortName.apk",
        "aapt.outcome",
        "aapt fails on this file (\"No known package\" while resolving resources); androguard and \
         this parser read the manifest",
    ),
    (
        "androguard-compact-entry.apk",
        "aapt.outcome",
        "aapt 10 cannot read compact resource entries (\"ResTable_entry size\"); the platform has \
         read them since Android 14",
    ),
    (
        "androguard-v1-only-with-nul-in-entry-name.apk",
        "aapt.outcome",
        "aapt refuses the archive for the NUL in an entry name; the manifest is intact and the \
         NUL is reported as a nul-in-name anomaly",
    ),
    (
        "fdroid-janus.apk",
        "aapt.outcome",
        "aapt refuses archives with data before the first entry; the manifest is intact and the \
         prepended dex is reported as a leading-data anomaly",
    ),
];

struct Outcome {
    facts: Option<ManifestFacts>,
    /// Why there are no facts: a typed error.
    error: Option<InspectError>,
    anomalies: Vec<String>,
}

fn inspect(path: &Path, limits: &Limits) -> Outcome {
    let bytes = std::fs::read(path).unwrap();
    let archive = match Archive::parse(&bytes, limits) {
        Ok(archive) => archive,
        Err(e) => {
            return Outcome {
                facts: None,
                error: Some(e),
                anomalies: Vec::new(),
            }
        }
    };
    let anomalies = archive.anomalies().iter().map(|a| a.kind.clone()).collect();
    let resources = archive
        .entry("resources.arsc")
        .and_then(|e| archive.read(&bytes, e, limits).ok())
        .and_then(|data| ResourceTable::parse(data, limits).ok());
    let result = match archive.entry("AndroidManifest.xml") {
        None => Err(InspectError::NoManifest),
        Some(entry) => archive
            .read(&bytes, entry, limits)
            .and_then(|data| manifest::parse(&data, resources.as_ref(), limits)),
    };
    match result {
        Ok(facts) => Outcome {
            facts: Some(facts),
            error: None,
            anomalies,
        },
        Err(e) => Outcome {
            facts: None,
            error: Some(e),
            anomalies,
        },
    }
}

/// One compared field: (field, ours, theirs).
type Diff = (String, String, String);

fn compare(file: &str, ours: &Outcome, reference: &Json) -> Vec<Diff> {
    let mut diffs = Vec::new();
    let mut check = |field: &str, mine: String, theirs: String| {
        if mine != theirs {
            diffs.push((field.to_owned(), mine, theirs));
        }
    };
    let ag = &reference["androguard"];
    let ag_parsed = ag["package"].as_str().is_some_and(|p| !p.is_empty());
    check(
        "androguard.outcome",
        outcome(ours),
        if ag_parsed { "facts" } else { "error" }.to_owned(),
    );
    let aapt = &reference["aapt"];
    let aapt_parsed = aapt["exit_code"] == 0;
    check(
        "aapt.outcome",
        outcome(ours),
        if aapt_parsed { "facts" } else { "error" }.to_owned(),
    );

    let Some(facts) = &ours.facts else {
        return diffs;
    };
    if ag_parsed {
        check(
            "androguard.package",
            facts.package.clone(),
            text(&ag["package"]),
        );
        check(
            "androguard.versionCode",
            facts.version_code.to_string(),
            text_or(&ag["versionCode"], "0"),
        );
        check(
            "androguard.versionName",
            opt(&facts.version_name),
            text(&ag["versionName"]),
        );
        check(
            "androguard.minSdk",
            facts.min_sdk.to_string(),
            text_or(&ag["minSdk"], "1"),
        );
        check(
            "androguard.targetSdk",
            facts.target_sdk.to_string(),
            text(&ag["effective_targetSdk"]),
        );
        check(
            "androguard.maxSdk",
            opt_num(facts.max_sdk),
            text(&ag["maxSdk"]),
        );
        check(
            "androguard.permissions",
            set(&plain_permissions(facts)),
            json_set(&ag["uses_permissions"]),
        );
        check(
            "androguard.features",
            set(facts.features.iter().map(|f| &f.name)),
            json_set(&ag["uses_features"]),
        );
        let flags = &ag["application_flags"];
        let app = &facts.application;
        check(
            "androguard.debuggable",
            app.debuggable.to_string(),
            text_or(&flags["debuggable"], "false"),
        );
        check(
            "androguard.allowBackup",
            opt_bool(app.allow_backup),
            text(&flags["allowBackup"]),
        );
        check(
            "androguard.usesCleartextTraffic",
            opt_bool(app.uses_cleartext_traffic),
            text(&flags["usesCleartextTraffic"]),
        );
        let app_name = flags["name"]
            .as_str()
            .map(|n| class_name(&facts.package, n));
        check(
            "androguard.application.name",
            opt(&app.name),
            opt(&app_name),
        );
        check("androguard.label", opt(&app.label), text(&ag["app_name"]));
        for (kind, key) in [
            (ComponentKind::Activity, "activities"),
            (ComponentKind::ActivityAlias, "activity_aliases"),
            (ComponentKind::Service, "services"),
            (ComponentKind::Receiver, "receivers"),
            (ComponentKind::Provider, "providers"),
        ] {
            let mine: BTreeMap<String, String> = facts
                .components
                .iter()
                .filter(|c| c.kind == kind)
                .map(|c| {
                    (
                        c.name.clone(),
                        component_text(c.exported, c.permission.as_deref(), &c.intent_actions),
                    )
                })
                .collect();
            let theirs: BTreeMap<String, String> = ag["components"][key]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let actions: Vec<String> = c["actions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(text)
                        .collect();
                    let exported = c["exported_effective"].as_bool().unwrap_or(false);
                    (
                        class_name(&facts.package, &text(&c["name"])),
                        component_text(exported, c["permission"].as_str(), &actions),
                    )
                })
                .collect();
            for name in mine.keys().chain(theirs.keys()).collect::<BTreeSet<_>>() {
                check(
                    &format!("androguard.{key}[{name}]"),
                    mine.get(name)
                        .cloned()
                        .unwrap_or_else(|| "absent".to_owned()),
                    theirs
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| "absent".to_owned()),
                );
            }
        }
    }
    if aapt_parsed {
        check(
            "aapt.package",
            facts.package.clone(),
            text(&aapt["package"]),
        );
        check(
            "aapt.versionCode",
            facts.version_code.to_string(),
            text_or(&aapt["versionCode"], "0"),
        );
        check(
            "aapt.versionName",
            opt(&facts.version_name),
            text_or(&aapt["versionName"], "-"),
        );
        check(
            "aapt.minSdk",
            facts.min_sdk.to_string(),
            text_or(&aapt["minSdk"], "1"),
        );
        let aapt_target = aapt["targetSdk"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| facts.min_sdk.to_string());
        check("aapt.targetSdk", facts.target_sdk.to_string(), aapt_target);
        check(
            "aapt.permissions",
            set(plain_permissions(facts)
                .iter()
                .chain(&implied_permissions(facts))),
            json_set(&aapt["uses_permissions"]),
        );
    }
    let _ = file;
    diffs
}

fn outcome(ours: &Outcome) -> String {
    if ours.facts.is_some() {
        "facts"
    } else {
        "error"
    }
    .to_owned()
}

/// androguard reports component names as written; the platform (and these
/// facts) resolve `.Foo` and `Foo` against the package.
fn class_name(package: &str, name: &str) -> String {
    if name.starts_with('.') {
        format!("{package}{name}")
    } else if !name.contains('.') {
        format!("{package}.{name}")
    } else {
        name.to_owned()
    }
}

/// Permissions requested with `<uses-permission>`: both tools list
/// `<uses-permission-sdk-23>` apart (aapt as `uses-permission-sdk-23:`
/// lines), while the facts' `permissions` include them, since every device
/// from API 23 on requests them.
fn plain_permissions(facts: &ManifestFacts) -> Vec<String> {
    facts
        .uses_permissions
        .iter()
        .filter(|p| !p.sdk23)
        .map(|p| p.name.clone())
        .collect()
}

/// The permissions `aapt dump badging` adds as `uses-permission` lines
/// besides the requested ones (its `uses-implied-permission` rules): the
/// platform grants them implicitly, the manifest does not request them.
fn implied_permissions(facts: &ManifestFacts) -> Vec<String> {
    let has = |p: &str| facts.permissions.iter().any(|q| q == p);
    let mut implied = Vec::new();
    if facts.target_sdk < 4 {
        implied.push("android.permission.WRITE_EXTERNAL_STORAGE");
        implied.push("android.permission.READ_PHONE_STATE");
    }
    if has("android.permission.WRITE_EXTERNAL_STORAGE") || facts.target_sdk < 4 {
        implied.push("android.permission.READ_EXTERNAL_STORAGE");
    }
    if facts.target_sdk < 16 {
        if has("android.permission.READ_CONTACTS") {
            implied.push("android.permission.READ_CALL_LOG");
        }
        if has("android.permission.WRITE_CONTACTS") {
            implied.push("android.permission.WRITE_CALL_LOG");
        }
    }
    implied.into_iter().map(str::to_owned).collect()
}

/// Actions compare as a set: androguard sorts them, these facts keep the
/// manifest's order.
fn component_text(exported: bool, permission: Option<&str>, actions: &[String]) -> String {
    let actions: BTreeSet<&String> = actions.iter().collect();
    format!(
        "exported={exported} permission={} actions={actions:?}",
        permission.unwrap_or("-")
    )
}

fn text(v: &Json) -> String {
    match v {
        Json::Null => "-".to_owned(),
        Json::String(s) if s.is_empty() => "-".to_owned(),
        Json::String(s) => reference_id(s).unwrap_or_else(|| s.clone()),
        other => other.to_string(),
    }
}

/// androguard writes an unresolved reference as `@7F060000`, these facts
/// as `@0x7f060000`.
fn reference_id(s: &str) -> Option<String> {
    let hex = s.strip_prefix('@')?;
    let id = u32::from_str_radix(hex, 16)
        .ok()
        .filter(|_| hex.len() == 8)?;
    Some(format!("@0x{id:08x}"))
}

fn text_or(v: &Json, default: &str) -> String {
    match text(v).as_str() {
        "-" => default.to_owned(),
        s => s.to_owned(),
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "-".to_owned())
}

fn opt_bool(v: Option<bool>) -> String {
    v.map_or_else(|| "-".to_owned(), |b| b.to_string())
}

fn opt_num(v: Option<u32>) -> String {
    v.map_or_else(|| "-".to_owned(), |n| n.to_string())
}

fn set<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    format!("{:?}", items.into_iter().collect::<BTreeSet<_>>())
}

fn json_set(v: &Json) -> String {
    let items: Vec<String> = v.as_array().into_iter().flatten().map(text).collect();
    set(&items)
}

fn corpus() -> Option<Vec<PathBuf>> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../../shared/corpus/apk"
    ));
    let Ok(listing) = std::fs::read_dir(dir) else {
        println!("SKIPPED: ../shared not found");
        return None;
    };
    let mut apks: Vec<PathBuf> = listing
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "apk"))
        .collect();
    apks.sort();
    Some(apks)
}

#[test]
fn corpus_agrees_with_the_reference_tools() {
    let Some(apks) = corpus() else { return };
    assert!(!apks.is_empty(), "the corpus has no APKs");
    let limits = Limits::default();
    let mut unexplained = Vec::new();
    let mut used = BTreeSet::new();
    let mut agreeing = 0;
    for path in &apks {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let reference_path = path
            .parent()
            .unwrap()
            .join("reference")
            .join(format!("{file}.json"));
        let reference: Json =
            serde_json::from_slice(&std::fs::read(&reference_path).unwrap()).unwrap();
        let ours = inspect(path, &limits);
        let diffs = compare(&file, &ours, &reference);
        let status = match (&ours.facts, &ours.error) {
            (Some(f), _) => format!("facts: {} {}", f.package, f.version_code),
            (None, Some(e)) => format!("error: {e}"),
            (None, None) => unreachable!(),
        };
        println!("{file}: {status}; anomalies {:?}", ours.anomalies);
        if diffs.is_empty() {
            agreeing += 1;
        }
        for (field, mine, theirs) in diffs {
            let explained = EXPLAINED.iter().find(|(f, k, _)| *f == file && *k == field);
            match explained {
                Some((_, _, reason)) => {
                    used.insert((file.clone(), field.clone()));
                    println!("    {field}: ours {mine} / reference {theirs} (explained: {reason})");
                }
                None => {
                    println!("    {field}: ours {mine} / reference {theirs} (UNEXPLAINED)");
                    unexplained.push(format!("{file} {field}: ours {mine} / reference {theirs}"));
                }
            }
        }
    }
    println!(
        "{agreeing}/{} files agree with both references on every field",
        apks.len()
    );
    let stale: Vec<_> = EXPLAINED
        .iter()
        .filter(|(f, k, _)| !used.contains(&(f.to_string(), k.to_string())))
        .collect();
    assert!(
        stale.is_empty(),
        "explanations for disagreements that no longer occur: {stale:?}"
    );
    assert!(
        unexplained.is_empty(),
        "unexplained disagreements:\n{}",
        unexplained.join("\n")
    );
}

#[test]
fn every_corpus_file_ends_in_facts_or_a_typed_error() {
    let Some(apks) = corpus() else { return };
    let limits = Limits::default();
    for path in &apks {
        let bytes = std::fs::read(path).unwrap();
        // Every entry of every archive, not just the manifest, must read
        // or fail cleanly; every XML and table must decode or fail cleanly.
        if let Ok(archive) = Archive::parse(&bytes, &limits) {
            for entry in archive.entries() {
                let Ok(data) = archive.read(&bytes, entry, &limits) else {
                    continue;
                };
                if entry.name.ends_with(".xml") {
                    let _ = shelfgate_inspect::axml::parse(&data, &limits);
                }
                if entry.name == "resources.arsc" {
                    let _ = ResourceTable::parse(data, &limits);
                }
            }
        }
        let outcome = inspect(path, &limits);
        assert!(
            outcome.facts.is_some() || outcome.error.is_some(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn labels_resolve_in_every_locale() {
    let Some(apks) = corpus() else { return };
    let limits = Limits::default();
    let compact = apks
        .iter()
        .find(|p| p.ends_with("androguard-compact-entry.apk"));
    let facts = inspect(compact.expect("compact-entry.apk in the corpus"), &limits)
        .facts
        .unwrap();
    assert_eq!(
        facts.application.label.as_deref(),
        Some("erev0s.com-CompactEntry")
    );

    let mut localized = 0;
    let mut activity_labels = 0;
    for path in &apks {
        let Some(facts) = inspect(path, &limits).facts else {
            continue;
        };
        let app = &facts.application;
        if let Some(label) = &app.label {
            let default = app.labels.iter().find(|l| l.locale.is_empty());
            assert_eq!(default.map(|l| &l.value), Some(label), "{}", path.display());
            if app.labels.len() > 1 {
                localized += 1;
                println!("{}: {:?}", path.display(), app.labels);
            }
        }
        // Activities' own labels resolve the same way, and only activities
        // (and aliases) that name one are listed.
        let labels = &facts.component_labels;
        for l in labels {
            let c = facts.components.iter().find(|c| c.name == l.component);
            assert!(
                c.is_some_and(|c| matches!(
                    c.kind,
                    ComponentKind::Activity | ComponentKind::ActivityAlias
                )),
                "{}: {}",
                path.display(),
                l.component
            );
            let default = l.labels.iter().find(|x| x.locale.is_empty());
            if let Some(label) = &l.label {
                if !l.labels.is_empty() {
                    assert_eq!(default.map(|x| &x.value), Some(label), "{}", path.display());
                }
            }
        }
        activity_labels += labels.len();
    }
    println!("{localized} apps have a label in more than one locale");
    println!("{activity_labels} activity labels");
}

/// apktool's sparse fixture holds, for two types, a dense default chunk
/// and a sparse `-v26` chunk defining every third entry.
#[test]
fn sparse_type_chunks_resolve() {
    let Some(apks) = corpus() else { return };
    let limits = Limits::default();
    let path = apks
        .iter()
        .find(|p| p.ends_with("apktool-sparse.apk"))
        .unwrap();
    let bytes = std::fs::read(path).unwrap();
    let archive = Archive::parse(&bytes, &limits).unwrap();
    let arsc = archive
        .read(&bytes, archive.entry("resources.arsc").unwrap(), &limits)
        .unwrap();
    let table = ResourceTable::parse(arsc, &limits).unwrap();

    let values = table.values(0x7f01_0004);
    assert_eq!(values.len(), 2, "{values:?}");
    let (config, value) = &values[1];
    assert!(config.qualified && config.locale.is_empty());
    assert_eq!(value.as_int(), Some(400));
    assert_eq!(
        table.values(0x7f01_0006).len(),
        1,
        "not in the sparse chunk"
    );
    assert_eq!(table.values(0x7f01_0009)[1].1.as_int(), Some(900));
    assert_eq!(table.values(0x7f02_000b).len(), 2);
    assert!(table.values(0x7f02_03e8).is_empty(), "past the last entry");
}
