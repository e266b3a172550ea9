//! Sign → verify, and every way a bundle is refused.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};
use shelfgate_bundle::{
    build, keygen, read_dir, sign, verify, BuildOptions, Bundle, BundleError, Limits,
    ModuleSettings, SigningKey, TrustedKeys,
};
use shelfgate_contract::types::{Decision, EnforcementMode, FailureMode};

const DAY: Duration = Duration::from_secs(86_400);

fn epoch(days: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + DAY * u32::try_from(days).unwrap()
}

/// Valid from day 20000 to day 20100; "now" is day 20050.
fn now() -> SystemTime {
    epoch(20_050)
}

fn options() -> BuildOptions {
    BuildOptions {
        id: "cn-miit-2025".into(),
        revision: 3,
        not_before: epoch(20_000),
        expires_at: epoch(20_100),
        defaults: ModuleSettings {
            version: "1.0.0".into(),
            mode: EnforcementMode::Enforce,
            failure: FailureMode::FailClosed,
        },
        modules: BTreeMap::from([(
            "sec-backup".to_string(),
            ModuleSettings {
                version: "2.1.0".into(),
                mode: EnforcementMode::Shadow,
                failure: FailureMode::FailOpen,
            },
        )]),
    }
}

fn fixture() -> Vec<u8> {
    serde_json::to_vec(&json!({
        "note": "backup allowed on a debuggable app",
        "facts": {"package": "com.example"},
        "listing": {},
        "context": {"date": "2025-06-01"},
        "want": {"decision": "rectify", "rules": ["SEC-BACKUP-045"]}
    }))
    .unwrap()
}

/// A build directory with two modules, a fixture and a stray file.
fn build_dir(root: &Path) -> Bundle {
    let modules = root.join("wasm");
    fs::create_dir_all(&modules).unwrap();
    fs::write(modules.join("sec-backup.wasm"), b"\0asm\x01\0\0\0backup").unwrap();
    fs::write(modules.join("pi-scope.wasm"), b"\0asm\x01\0\0\0scope").unwrap();
    fs::write(modules.join("pi-scope.d"), b"ignored by build").unwrap();
    let fixtures = root.join("fixtures");
    fs::create_dir_all(&fixtures).unwrap();
    fs::write(fixtures.join("backup.json"), fixture()).unwrap();
    build(&modules, Some(&fixtures), &options(), &Limits::default()).unwrap()
}

struct Setup {
    _tmp: tempfile::TempDir,
    key: SigningKey,
    trusted: TrustedKeys,
    archive: Vec<u8>,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = build_dir(tmp.path());
    let (key, public) = keygen().unwrap();
    let archive = sign(bundle, &key).unwrap().to_archive().unwrap();
    Setup {
        _tmp: tmp,
        key,
        trusted: TrustedKeys::new([public]),
        archive,
    }
}

fn check(archive: &[u8], trusted: &TrustedKeys, now: SystemTime) -> Result<(), BundleError> {
    verify(archive, trusted, now, &Limits::default()).map(|_| ())
}

fn edit(archive: &[u8], f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut doc: Value = serde_json::from_slice(archive).unwrap();
    f(&mut doc);
    serde_json::to_vec(&doc).unwrap()
}

fn file_index(doc: &Value, path: &str) -> usize {
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["path"] == path)
        .unwrap()
}

#[test]
fn sign_then_verify_round_trips() {
    let s = setup();
    let verified = verify(&s.archive, &s.trusted, now(), &Limits::default()).unwrap();
    let manifest = verified.manifest();
    assert_eq!(manifest.id, "cn-miit-2025");
    assert_eq!(manifest.revision, 3);
    let modules: Vec<_> = verified
        .modules()
        .iter()
        .map(|m| {
            (
                m.entry.id.as_str(),
                m.entry.version.as_str(),
                m.entry.mode,
                m.entry.failure,
            )
        })
        .collect();
    assert_eq!(
        modules,
        [
            (
                "pi-scope",
                "1.0.0",
                EnforcementMode::Enforce,
                FailureMode::FailClosed
            ),
            (
                "sec-backup",
                "2.1.0",
                EnforcementMode::Shadow,
                FailureMode::FailOpen
            ),
        ]
    );
    assert_eq!(verified.modules()[1].bytes, b"\0asm\x01\0\0\0backup");
    assert_eq!(verified.fixtures().len(), 1);
    assert_eq!(verified.fixtures()[0].path, "fixtures/backup.json");
    assert_eq!(
        verified.fixtures()[0].fixture.want.decision,
        Decision::Rectify
    );
    assert_eq!(verified.digest(), manifest.digest().unwrap());
    assert_eq!(
        verified.key_id(),
        &shelfgate_bundle::KeyId::of(&s.key.verifying_key())
    );
}

#[test]
fn manifest_uses_the_contract_spelling() {
    let s = setup();
    let doc: Value = serde_json::from_slice(&s.archive).unwrap();
    let module = &doc["manifest"]["modules"][1];
    assert_eq!(module["mode"], "shadow");
    assert_eq!(module["failure"], "fail_open");
    assert_eq!(doc["manifest"]["not_before"], "2024-10-04T00:00:00Z");
}

#[test]
fn signature_survives_reformatting_the_manifest() {
    let s = setup();
    // Reverse the key order of the manifest object: canonical form is unchanged.
    let shuffled = edit(&s.archive, |doc| {
        let manifest = doc["manifest"].as_object().unwrap().clone();
        let reversed: serde_json::Map<String, Value> = manifest.into_iter().rev().collect();
        doc["manifest"] = Value::Object(reversed);
    });
    assert_ne!(shuffled, s.archive);
    check(&shuffled, &s.trusted, now()).unwrap();
}

#[test]
fn directory_form_round_trips() {
    let s = setup();
    let tmp = tempfile::tempdir().unwrap();
    let bundle = build_dir(tmp.path());
    let out = tmp.path().join("out");
    sign(bundle, &s.key).unwrap().write_dir(&out).unwrap();
    assert!(out.join("bundle.json").is_file());
    assert!(out.join("modules/sec-backup.wasm").is_file());
    let archive = read_dir(&out, &Limits::default()).unwrap();
    check(&archive, &s.trusted, now()).unwrap();

    // Writing over an existing bundle would leave stale files: refused.
    let bundle = build_dir(tmp.path());
    let err = sign(bundle, &s.key).unwrap().write_dir(&out).unwrap_err();
    assert!(matches!(err, BundleError::Io { .. }), "{err}");
}

#[test]
fn tampered_module_is_refused() {
    let s = setup();
    let tampered = edit(&s.archive, |doc| {
        let i = file_index(doc, "modules/sec-backup.wasm");
        doc["files"][i]["data"] = BASE64.encode(b"\0asm\x01\0\0\0evil").into();
    });
    match check(&tampered, &s.trusted, now()).unwrap_err() {
        BundleError::TamperedFile {
            path,
            expected,
            actual,
        } => {
            assert_eq!(path, "modules/sec-backup.wasm");
            assert_ne!(expected, actual);
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn tampered_manifest_is_refused() {
    let s = setup();
    // Turn a shadow policy into an enforcing one.
    let tampered = edit(&s.archive, |doc| {
        doc["manifest"]["modules"][1]["mode"] = "enforce".into();
    });
    let err = check(&tampered, &s.trusted, now()).unwrap_err();
    assert!(matches!(err, BundleError::TamperedManifest { .. }), "{err}");

    // Pointing a listed digest at a substituted module fails the same way.
    let tampered = edit(&s.archive, |doc| {
        doc["manifest"]["modules"][0]["sha256"] = "0".repeat(64).into();
    });
    let err = check(&tampered, &s.trusted, now()).unwrap_err();
    assert!(matches!(err, BundleError::TamperedManifest { .. }), "{err}");
}

#[test]
fn wrong_key_is_refused() {
    let s = setup();
    let (_, other) = keygen().unwrap();
    let err = check(&s.archive, &TrustedKeys::new([other]), now()).unwrap_err();
    match err {
        BundleError::UntrustedKey { key_id } => {
            assert_eq!(
                key_id,
                shelfgate_bundle::KeyId::of(&s.key.verifying_key()).as_str()
            )
        }
        other => panic!("unexpected {other}"),
    }
    let err = check(&s.archive, &TrustedKeys::default(), now()).unwrap_err();
    assert!(matches!(err, BundleError::UntrustedKey { .. }), "{err}");

    // Signed by another key that claims the trusted key's id.
    let (impostor, _) = keygen().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let forged = sign(build_dir(tmp.path()), &impostor)
        .unwrap()
        .to_archive()
        .unwrap();
    let trusted_id = s.trusted.ids().next().unwrap().to_string();
    let forged = edit(&forged, |doc| {
        doc["signature"]["key_id"] = trusted_id.into()
    });
    let err = check(&forged, &s.trusted, now()).unwrap_err();
    assert!(matches!(err, BundleError::TamperedManifest { .. }), "{err}");
}

#[test]
fn validity_window_is_enforced() {
    let s = setup();
    let err = check(&s.archive, &s.trusted, epoch(20_100)).unwrap_err();
    match err {
        BundleError::Expired { id, expires_at } => {
            assert_eq!(id, "cn-miit-2025");
            assert_eq!(expires_at, "2025-01-12T00:00:00Z");
        }
        other => panic!("unexpected {other}"),
    }
    let err = check(&s.archive, &s.trusted, epoch(19_999)).unwrap_err();
    assert!(matches!(err, BundleError::NotYetValid { .. }), "{err}");
    // The window is [not_before, expires_at).
    check(&s.archive, &s.trusted, epoch(20_000)).unwrap();
    check(
        &s.archive,
        &s.trusted,
        epoch(20_100) - Duration::from_secs(1),
    )
    .unwrap();
}

#[test]
fn unlisted_file_is_refused() {
    let s = setup();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    sign(build_dir(tmp.path()), &s.key)
        .unwrap()
        .write_dir(&out)
        .unwrap();
    fs::write(out.join("modules/extra.wasm"), b"\0asm\x01\0\0\0extra").unwrap();
    let archive = read_dir(&out, &Limits::default()).unwrap();
    let err = check(&archive, &s.trusted, now()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "file `modules/extra.wasm` not included in bundle signature"
    );
}

#[test]
fn missing_module_is_refused() {
    let s = setup();
    let tampered = edit(&s.archive, |doc| {
        let i = file_index(doc, "modules/pi-scope.wasm");
        doc["files"].as_array_mut().unwrap().remove(i);
    });
    let err = check(&tampered, &s.trusted, now()).unwrap_err();
    assert!(
        matches!(&err, BundleError::MissingFile { path } if path == "modules/pi-scope.wasm"),
        "{err}"
    );
}

#[test]
fn checks_run_in_order() {
    let s = setup();
    // Expired and tampered: the signature and window come before the files.
    let tampered = edit(&s.archive, |doc| {
        let i = file_index(doc, "modules/sec-backup.wasm");
        doc["files"][i]["data"] = BASE64.encode(b"evil").into();
    });
    let err = check(&tampered, &s.trusted, epoch(30_000)).unwrap_err();
    assert!(matches!(err, BundleError::Expired { .. }), "{err}");
    let err = check(&tampered, &TrustedKeys::default(), epoch(30_000)).unwrap_err();
    assert!(matches!(err, BundleError::UntrustedKey { .. }), "{err}");
}

#[test]
fn sizes_are_bounded() {
    let s = setup();
    let small = Limits {
        max_bundle_bytes: 100,
        ..Limits::default()
    };
    let err = verify(&s.archive, &s.trusted, now(), &small).unwrap_err();
    assert!(matches!(err, BundleError::TooLarge { .. }), "{err}");

    let small = Limits {
        max_module_bytes: 10,
        ..Limits::default()
    };
    let err = verify(&s.archive, &s.trusted, now(), &small).unwrap_err();
    assert!(
        matches!(&err, BundleError::TooLarge { what, .. } if what.contains("modules/")),
        "{err}"
    );
    assert!(matches!(
        check(b"{\"type\":", &s.trusted, now()).unwrap_err(),
        BundleError::Malformed(_)
    ));
}

#[test]
fn a_bad_fixture_is_refused_at_build_time() {
    let tmp = tempfile::tempdir().unwrap();
    let modules = tmp.path().join("wasm");
    fs::create_dir_all(&modules).unwrap();
    fs::write(modules.join("a.wasm"), b"\0asm").unwrap();
    let fixtures = tmp.path().join("fixtures");
    fs::create_dir_all(&fixtures).unwrap();
    fs::write(
        fixtures.join("bad.json"),
        br#"{"note":"x","want":{"decision":"maybe"}}"#,
    )
    .unwrap();
    let err = build(
        &modules,
        Some(&fixtures),
        &BuildOptions {
            modules: BTreeMap::new(),
            ..options()
        },
        &Limits::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&err, BundleError::InvalidFixture { path, .. } if path == "fixtures/bad.json"),
        "{err}"
    );
}
