//! SEC-CERT-043: debug, test, expired or weak signing certificates.
//!
//! A debug or published test key can be used by anyone to sign an "update"
//! of the app, so it is refused outright. Expiry and weak keys are not
//! enforced by Android at install (v1/v2 ignore expiry) but stores refuse
//! them; they cannot be fixed without a new key, hence rectify with the
//! advice to rotate (APK Signature Scheme v3).

use shelfgate_pack_data::signing::{AOSP_TEST_KEYS, AOSP_TEST_SUBJECT, DEBUG_SUBJECT};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::Certificate;

pub const RULE: Rule = Rule {
    id: "SEC-CERT-043",
    refs: &["AOSP"],
    remediation: "Sign with your own release key (RSA >= 2048 bits, SHA-256, valid for the app's lifetime). An existing app cannot change its key in place: rotate to the new key with APK Signature Scheme v3 (apksigner rotate) or the store's key-upgrade process.",
};

/// Minimum key sizes: RSA and DSA below 2048 bits and EC below 224 bits are
/// within reach of well-funded attackers (NIST SP 800-57).
const MIN_RSA_BITS: u32 = 2048;
const MIN_EC_BITS: u32 = 224;

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let signers = &s.signing().signers;
    let extra_keys = s.setting("sec.test_key_sha256").unwrap_or_default();
    let today = s.context.date();
    let only = signers.len() == 1;
    for (i, cert) in signers.iter().enumerate() {
        let path = format!("signing.signers[{i}]");
        if let Some(which) = test_key(cert, &extra_keys) {
            out.push(
                RULE.reject()
                    .en(format!(
                        "The APK is signed with {which} ({}): its private key is public, so anyone can sign an update that replaces this app.",
                        cert.subject
                    ))
                    .zh(format!(
                        "APK 使用{which}（{}）签名，该私钥公开可得，任何人都能签发覆盖本应用的更新。",
                        cert.subject
                    ))
                    .evidence(EvidenceSource::Signing, format!("{path}.subject"), json::str(&cert.subject))
                    .evidence(EvidenceSource::Signing, format!("{path}.sha256"), json::str(&cert.sha256))
                    .expected("a private release key")
                    .remediation("Sign the release with your own private release key; never upload builds signed with the debug keystore or AOSP test keys.")
                    .build(),
            );
            continue;
        }
        if text::before(&cert.not_after, &today) == Some(true) {
            out.push(
                RULE.rectify(s.context)
                    .en(format!(
                        "The signing certificate {} expired on {}.",
                        cert.subject, cert.not_after
                    ))
                    .zh(format!(
                        "签名证书 {} 已于 {} 过期。",
                        cert.subject, cert.not_after
                    ))
                    .evidence(
                        EvidenceSource::Signing,
                        format!("{path}.not_after"),
                        json::str(&cert.not_after),
                    )
                    .evidence(EvidenceSource::Context, "date", json::str(&today))
                    .expected("a certificate valid on the evaluation date")
                    .build(),
            );
        }
        if let Some(min) = min_bits(&cert.key_algorithm) {
            if cert.key_bits < min {
                out.push(
                    RULE.rectify(s.context)
                        .en(format!(
                            "The signing key is {} {} bits, below the {min} bits that resist factoring today.",
                            cert.key_algorithm, cert.key_bits
                        ))
                        .zh(format!("签名密钥为 {} {} 位，低于安全要求的 {min} 位。", cert.key_algorithm, cert.key_bits))
                        .evidence(EvidenceSource::Signing, format!("{path}.key_bits"), json::num(cert.key_bits))
                        .evidence(EvidenceSource::Signing, format!("{path}.key_algorithm"), json::str(&cert.key_algorithm))
                        .expected(format!("{} key of at least {min} bits", cert.key_algorithm))
                        .build(),
                );
            }
        }
        // A weak algorithm matters when no other signer vouches for the APK.
        if only && weak_algorithm(&cert.signature_algorithm) {
            out.push(
                RULE.rectify(s.context)
                    .en(format!(
                        "The only signing certificate uses {}, a broken digest for signatures.",
                        cert.signature_algorithm
                    ))
                    .zh(format!(
                        "唯一的签名证书使用 {} 算法，其摘要算法已不安全。",
                        cert.signature_algorithm
                    ))
                    .evidence(
                        EvidenceSource::Signing,
                        format!("{path}.signature_algorithm"),
                        json::str(&cert.signature_algorithm),
                    )
                    .expected("SHA-256 or stronger (e.g. SHA256withRSA)")
                    .build(),
            );
        }
    }
}

/// Which published key signs `cert`, if any.
fn test_key(cert: &Certificate, extra: &str) -> Option<&'static str> {
    if cert.is_debug || same_dn(&cert.subject, DEBUG_SUBJECT) {
        return Some("the Android SDK debug certificate");
    }
    let sha = text::norm_hex(&cert.sha256);
    if AOSP_TEST_KEYS.iter().any(|k| k.sha256 == sha) || same_dn(&cert.subject, AOSP_TEST_SUBJECT) {
        return Some("an AOSP test key");
    }
    let listed = extra
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(text::norm_hex)
        .any(|k| !k.is_empty() && k == sha);
    listed.then_some("a key the platform lists as a published test key")
}

/// Distinguished names equal up to spacing after separators and case.
fn same_dn(a: &str, b: &str) -> bool {
    let canon = |s: &str| -> String {
        s.split(',')
            .map(|part| part.trim().to_lowercase())
            .collect::<Vec<_>>()
            .join(",")
    };
    canon(a) == canon(b)
}

fn min_bits(algorithm: &str) -> Option<u32> {
    match algorithm.to_ascii_uppercase().as_str() {
        "RSA" | "DSA" => Some(MIN_RSA_BITS),
        "EC" | "ECDSA" => Some(MIN_EC_BITS),
        _ => None,
    }
}

fn weak_algorithm(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.starts_with("MD5") || n.starts_with("MD2") || n.starts_with("SHA1")
}
