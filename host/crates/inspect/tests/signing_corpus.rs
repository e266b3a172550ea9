//! Signature verification against the public APK corpus: every APK, three
//! platform ranges, compared with what `apksigner verify` reported, with
//! what the source projects' own tests expect, and with the signer-confusion
//! proofs of concept.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use shelfgate_contract::types::{PreviousVersion, SignerContinuity, SigningFacts};
use shelfgate_inspect::signing::{self, Options};
use shelfgate_inspect::zip::Archive;
use shelfgate_inspect::Limits;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../../shared/corpus/apk");

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(CORPUS);
    if dir.join("MANIFEST.tsv").exists() {
        Some(dir)
    } else {
        println!("SKIPPED: ../shared not found");
        None
    }
}

/// MANIFEST.tsv rows, by column name.
fn manifest(dir: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .zip(l.split('\t'))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Runs as apksigner ran them: its default (the APK's minSdk), then
/// `--min-sdk-version 24` and `28`.
const RUNS: [(&str, Option<u32>); 3] = [
    ("apksigner", None),
    ("apksigner_min_sdk_24", Some(24)),
    ("apksigner_min_sdk_28", Some(28)),
];

/// What one run concluded, in the reference's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    verified: bool,
    /// Verified schemes among v1, v2, v3 (apksigner 31 knows no v3.1).
    schemes: Vec<String>,
    signers: Vec<String>,
}

fn ours(facts: &SigningFacts) -> Outcome {
    Outcome {
        verified: facts.verified,
        schemes: if facts.verified {
            facts
                .schemes
                .iter()
                .filter(|s| s.verified && ["v1", "v2", "v3"].contains(&s.scheme.as_str()))
                .map(|s| s.scheme.clone())
                .collect()
        } else {
            vec![]
        },
        signers: facts.signers.iter().map(|c| c.sha256.clone()).collect(),
    }
}

fn reference(run: &Value) -> Outcome {
    let verified = run["verified"].as_bool().unwrap_or(false);
    let mut schemes: Vec<String> = run["schemes"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, v)| *k != "v4" && v.as_bool() == Some(true))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    schemes.sort();
    Outcome {
        verified,
        schemes: if verified { schemes } else { vec![] },
        signers: if verified {
            run["signers"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s["cert_sha256"].as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        } else {
            vec![]
        },
    }
}

fn sdk(row: &BTreeMap<String, String>, key: &str) -> Option<u32> {
    row.get(key).and_then(|v| v.trim().parse().ok())
}

/// Verifies one APK for a run; `None` when it is not a zip we can read.
fn verify(
    path: &Path,
    row: &BTreeMap<String, String>,
    min_override: Option<u32>,
) -> Option<SigningFacts> {
    let data = std::fs::read(path).unwrap();
    let limits = Limits::default();
    let archive = Archive::parse(&data, &limits).ok()?;
    // apksig reads minSdkVersion from the manifest (1 when absent); the
    // target SDK defaults to it.
    let min_sdk = sdk(row, "minSdk").unwrap_or(1);
    let mut options = Options::new(min_override.unwrap_or(min_sdk));
    options.target_sdk = Some(sdk(row, "targetSdk").unwrap_or(min_sdk));
    Some(signing::verify_apk(&data, &archive, &options, &limits))
}

/// Why apksigner 31.0.2's answer is not the reference for this run, if a
/// known limit of that tool applies. The case is then judged by the source
/// project's expectation (`sig_expected`) instead.
fn tool_gap(reference: &Value, facts: Option<&SigningFacts>) -> Option<&'static str> {
    let errors = reference["errors"].to_string();
    if errors.contains("NoSuchAlgorithmException") {
        return Some("apksigner 31 on OpenJDK 17 lacks the algorithm (RSA-PSS)");
    }
    let v31 = facts.and_then(|f| f.schemes.iter().find(|s| s.scheme == "v3.1"));
    if v31.is_some_and(|s| s.present) {
        return Some("apksigner 31 predates APK Signature Scheme v3.1 (Android 13)");
    }
    None
}

#[test]
fn corpus_agrees_with_apksigner() {
    let Some(dir) = corpus() else { return };
    let rows = manifest(&dir);
    let mut runs = 0;
    let mut agree = 0;
    let mut explained = Vec::new();
    let mut unexplained = Vec::new();
    for row in &rows {
        let file = &row["file"];
        let json: Value = serde_json::from_slice(
            &std::fs::read(dir.join("reference").join(format!("{file}.json"))).unwrap(),
        )
        .unwrap();
        let expected = row.get("sig_expected").map(String::as_str).unwrap_or("");
        for (key, min) in RUNS {
            runs += 1;
            let facts = verify(&dir.join(file), row, min);
            let got = facts.as_ref().map(ours).unwrap_or(Outcome {
                verified: false,
                schemes: vec![],
                signers: vec![],
            });
            let want = reference(&json[key]);
            if got == want {
                agree += 1;
                continue;
            }
            let line = format!(
                "{file} [{key}]: ours {got:?} vs apksigner {want:?}; errors: {:?}",
                facts.as_ref().map(|f| &f.errors)
            );
            match tool_gap(&json[key], facts.as_ref()) {
                Some(why)
                    if expected == "valid" && got.verified
                        || expected == "invalid" && !got.verified =>
                {
                    explained.push(format!(
                        "{line}\n    explained: {why}; source expects {expected}"
                    ))
                }
                _ => unexplained.push(line),
            }
        }
    }
    println!("signing corpus: {agree}/{runs} runs agree with apksigner");
    for e in &explained {
        println!("EXPLAINED {e}");
    }
    for u in &unexplained {
        println!("DISAGREE {u}");
    }
    assert!(
        unexplained.is_empty(),
        "{} unexplained disagreements",
        unexplained.len()
    );
}

#[test]
fn corpus_meets_source_expectations() {
    let Some(dir) = corpus() else { return };
    let mut failures = Vec::new();
    for row in manifest(&dir) {
        let file = &row["file"];
        let runs: Vec<Option<SigningFacts>> = RUNS
            .iter()
            .map(|(_, min)| verify(&dir.join(file), &row, *min))
            .collect();
        let verified: Vec<&SigningFacts> = runs.iter().flatten().filter(|f| f.verified).collect();
        match row.get("sig_expected").map(String::as_str).unwrap_or("") {
            // The apksig fixtures are valid for some platform range.
            "valid" if verified.is_empty() => {
                failures.push(format!("{file}: expected valid, never verifies"))
            }
            "invalid" if !verified.is_empty() => {
                failures.push(format!("{file}: expected invalid, verifies"))
            }
            "unsigned" => {
                for f in runs.iter().flatten() {
                    if f.verified || f.schemes.iter().any(|s| s.present) {
                        failures.push(format!("{file}: expected unsigned, has a signature"));
                    }
                }
            }
            _ => {}
        }
        let signer = row
            .get("expected_signer_sha256")
            .map(|s| s.trim())
            .unwrap_or("");
        if !signer.is_empty() {
            for f in &verified {
                let got: Vec<&str> = f.signers.iter().map(|c| c.sha256.as_str()).collect();
                if got != [signer] {
                    failures.push(format!("{file}: signer {got:?}, expected {signer}"));
                }
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} expectations not met",
        failures.len()
    );
}

fn facts_for(file: &str, min_sdk: u32) -> Option<SigningFacts> {
    let dir = corpus()?;
    let data = std::fs::read(dir.join(file)).unwrap();
    let limits = Limits::default();
    let archive = Archive::parse(&data, &limits).unwrap();
    Some(signing::verify_apk(
        &data,
        &archive,
        &Options::new(min_sdk),
        &limits,
    ))
}

/// fdroidserver issue 1128: a stray `.RSA` without a JAR manifest (poc1) and
/// a PKCS#7 block whose first certificate is not the signer's (poc3a). A
/// naive parser reports the first certificate it sees.
#[test]
fn signer_confusion_reports_the_trusted_signer() {
    const TRUSTED: &str = "1dbb8be012293e988a0820f7d455b07abd267d2c0b500fc793fcfd80141cb5ce";
    for (file, min_sdk) in [
        ("fdroid-issue-1128-poc1.apk", 29),
        ("fdroid-issue-1128-poc3a.apk", 23),
    ] {
        let Some(facts) = facts_for(file, min_sdk) else {
            return;
        };
        assert!(facts.verified, "{file}: {:?}", facts.errors);
        let signers: Vec<&str> = facts.signers.iter().map(|c| c.sha256.as_str()).collect();
        assert_eq!(signers, [TRUSTED], "{file}");
    }
}

#[test]
fn rotation_lineage_and_continuity() {
    for file in [
        "androguard-v1v2v3-with-rsa-2048-lineage-3-signers.apk",
        "androguard-golden-aligned-v1v2v3-lineage-out.apk",
    ] {
        let Some(facts) = facts_for(file, 28) else {
            return;
        };
        assert!(facts.verified, "{file}: {:?}", facts.errors);
        let signer = facts.signers[0].sha256.clone();
        let lineage = &facts.lineage;
        assert!(lineage.len() >= 2, "{file}: lineage {lineage:?}");
        assert_eq!(
            lineage.last().unwrap().cert_sha256,
            signer,
            "{file}: newest lineage node is the signer"
        );
        let previous = |sha: &str| PreviousVersion {
            version_code: 1,
            signer_sha256: vec![sha.to_string()],
            lineage_sha256: vec![],
            permissions: vec![],
            pi_types: vec![],
            accepted_at: "2024-01-01".into(),
        };
        assert_eq!(
            signing::continuity(&previous(&signer), &facts),
            SignerContinuity::SameSigner
        );
        let root = &lineage[0];
        let expected = if root.installed_data {
            SignerContinuity::Successor
        } else {
            SignerContinuity::Stranger
        };
        assert_eq!(
            signing::continuity(&previous(&root.cert_sha256), &facts),
            expected,
            "{file}"
        );
        assert_eq!(
            signing::continuity(&previous(&"00".repeat(32)), &facts),
            SignerContinuity::Stranger
        );
    }
    if let Some(facts) = facts_for("androguard-v1v2v3-with-rsa-2048-lineage-3-signers.apk", 28) {
        assert_eq!(facts.lineage.len(), 3);
    }
}

#[test]
fn signer_facts_are_complete() {
    let Some(facts) = facts_for("androguard-app-prod-debug.apk", 21) else {
        return;
    };
    assert!(facts.verified, "{:?}", facts.errors);
    let c = &facts.signers[0];
    assert_eq!(
        c.sha256,
        "5e29b0ae637411e251bd8deb235d4fa812e7ab79a6a69f3ea0b7324bdca6a390"
    );
    assert_eq!(c.sha1.len(), 40);
    assert_eq!(c.md5.len(), 32);
    assert!(c
        .sha256
        .chars()
        .all(|ch| ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase()));
    assert_eq!(c.subject, "CN=Android Debug,O=Android,C=US");
    assert!(c.is_debug);
    assert!(
        c.not_before.ends_with('Z') && c.not_before.contains('T'),
        "{}",
        c.not_before
    );
    assert_eq!(c.key_algorithm, "RSA");
    assert!(c.key_bits >= 1024);
    assert!(!c.signature_algorithm.is_empty());
}

/// The byte range of the first ID-value pair with `id` in the APK Signing
/// Block, found the simple way (EOCD at a fixed distance from the end: no
/// archive comment).
fn pair_range(apk: &[u8], id: u32) -> std::ops::Range<usize> {
    let le32 = |at: usize| u32::from_le_bytes(apk[at..at + 4].try_into().unwrap());
    let le64 = |at: usize| u64::from_le_bytes(apk[at..at + 8].try_into().unwrap());
    let eocd = apk.len() - 22;
    assert_eq!(le32(eocd), 0x0605_4b50);
    let cd = le32(eocd + 16) as usize;
    let start = cd - 8 - le64(cd - 24) as usize;
    let mut at = start + 8;
    while at < cd - 24 {
        let len = le64(at) as usize;
        if le32(at + 8) == id {
            return at + 12..at + 8 + len;
        }
        at += 8 + len;
    }
    panic!("no pair {id:#x}");
}

/// Flipping any byte of a v2 signer block must make the APK fail: every
/// byte is a length, signed data, a signature or the key.
#[test]
fn every_byte_of_a_v2_signer_is_protected() {
    let Some(dir) = corpus() else { return };
    let apk = std::fs::read(dir.join("androguard-golden-aligned-v2-out.apk")).unwrap();
    let limits = Limits::default();
    let options = Options::new(24);
    let archive = Archive::parse(&apk, &limits).unwrap();
    assert!(signing::verify_apk(&apk, &archive, &options, &limits).verified);
    let range = pair_range(&apk, 0x7109_871a);
    let mut flipped = 0;
    for at in range {
        for mask in [0x01u8, 0x80] {
            let mut bad = apk.clone();
            bad[at] ^= mask;
            let archive = Archive::parse(&bad, &limits).unwrap();
            let facts = signing::verify_apk(&bad, &archive, &options, &limits);
            assert!(!facts.verified, "flipping {mask:#x} at {at} still verifies");
            assert!(
                !facts.errors.is_empty(),
                "no reason given for a flip at {at}"
            );
            flipped += 1;
        }
    }
    println!("{flipped} single-bit flips of the v2 block all rejected");
}

/// Changing content covered by v2 (an entry's data) or v1 (an entry's
/// digest in the manifest) is found.
#[test]
fn tampered_content_is_rejected() {
    let Some(dir) = corpus() else { return };
    let limits = Limits::default();
    for (file, min_sdk) in [
        ("androguard-golden-aligned-v2-out.apk", 24),
        ("fdroid-urzip.apk", 4),
    ] {
        let apk = std::fs::read(dir.join(file)).unwrap();
        let archive = Archive::parse(&apk, &limits).unwrap();
        let entry = archive.entry("AndroidManifest.xml").unwrap();
        let mut bad = apk.clone();
        bad[entry.data_offset as usize + 3] ^= 0x10;
        let archive = Archive::parse(&bad, &limits).unwrap();
        let facts = signing::verify_apk(&bad, &archive, &Options::new(min_sdk), &limits);
        assert!(!facts.verified, "{file}: tampering not detected");
        println!("{file}: {:?}", facts.errors);
    }
}

/// Removing a newer scheme's block (here by renaming its pair ID, which no
/// digest covers) is caught by the stripping protection of the older ones.
#[test]
fn stripped_blocks_are_detected() {
    let Some(dir) = corpus() else { return };
    let limits = Limits::default();
    let cases = [
        // The v3 signer names the v3.1 rotation it expects.
        (
            "androguard-v31-ec-p256-2-tgt-33-1-tgt-28-targetSdk-30.apk",
            0x1b93_ad61,
            29,
            "stripped",
        ),
        // A v3.1 block without its v3 block.
        (
            "androguard-v31-ec-p256-2-tgt-33-1-tgt-28-targetSdk-30.apk",
            0xf053_68c0,
            29,
            "needs a v3 block",
        ),
        // The v2 signer says the APK is also signed with v3.
        (
            "androguard-v1v2v3-with-rsa-2048-lineage-3-signers.apk",
            0xf053_68c0,
            24,
            "stripped",
        ),
        // The .SF says the APK is also signed with v2 and v3.
        (
            "androguard-v1v2v3-with-rsa-2048-lineage-3-signers.apk",
            0x7109_871a,
            23,
            "no such signature",
        ),
    ];
    for (file, id, min_sdk, reason) in cases {
        let mut apk = std::fs::read(dir.join(file)).unwrap();
        let archive = Archive::parse(&apk, &limits).unwrap();
        assert!(signing::verify_apk(&apk, &archive, &Options::new(min_sdk), &limits).verified);
        let at = pair_range(&apk, id).start - 4;
        apk[at] ^= 0xff;
        if id == 0x7109_871a {
            // Strip v3 as well, so that only the JAR signature is left.
            let v3 = pair_range(&apk, 0xf053_68c0).start - 4;
            apk[v3] ^= 0xff;
        }
        let archive = Archive::parse(&apk, &limits).unwrap();
        let facts = signing::verify_apk(&apk, &archive, &Options::new(min_sdk), &limits);
        assert!(!facts.verified, "{file} without {id:#x} still verifies");
        assert!(
            facts.errors.iter().any(|e| e.contains(reason)),
            "{file} without {id:#x}: {:?}",
            facts.errors
        );
    }
}

/// Inspection verifies on its own thread and takes v1's digests of the dex
/// files from the thread that inflates them: its signing facts must be
/// those of `verify_apk` alone, for every corpus APK and for one whose dex
/// data was damaged (v1 then reads the entry itself and fails).
#[test]
fn inspection_reports_the_signing_facts_of_verify_apk() {
    let Some(dir) = corpus() else { return };
    let limits = Limits::default();
    let inspector = shelfgate_inspect::Inspector::default();
    let mut apks: Vec<(String, Vec<u8>)> = Vec::new();
    for row in manifest(&dir) {
        let Some(file) = row.get("file") else {
            continue;
        };
        if let Ok(data) = std::fs::read(dir.join(file)) {
            apks.push((file.clone(), data));
        }
    }
    if let Some((_, data)) = apks
        .iter()
        .find(|(f, _)| f == "androguard-app-prod-debug.apk")
    {
        let archive = Archive::parse(data, &limits).unwrap();
        let dex = archive.entry("classes.dex").unwrap();
        let mut bad = data.clone();
        bad[dex.data_offset as usize + dex.compressed_size as usize / 2] ^= 0x10;
        apks.push(("androguard-app-prod-debug.apk, damaged dex".into(), bad));
    }
    let mut compared = 0;
    for (file, data) in &apks {
        let Ok(facts) = inspector.inspect(&data[..]) else {
            continue;
        };
        let archive = Archive::parse(data, &limits).unwrap();
        let mut options = Options::new(facts.min_sdk);
        options.target_sdk = Some(facts.target_sdk);
        let alone = signing::verify_apk(&data[..], &archive, &options, &limits);
        assert_eq!(facts.signing, alone, "{file}");
        compared += 1;
        if file.ends_with("damaged dex") {
            assert!(!facts.signing.verified, "{file}");
        }
    }
    assert!(compared > 0);
    println!("{compared} APKs compared");
}
