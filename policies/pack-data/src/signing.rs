//! Signing keys that must never sign a store upload (SEC-CERT-043).
//!
//! AOSP ships its test keys' private halves in
//! `build/target/product/security/`: anything signed with them can be
//! re-signed by anyone, and the `platform` key grants system privileges on
//! test builds. The fingerprints below are SHA-256 over the certificates'
//! DER encoding, computed from the public `testkey.x509.pem` and
//! `platform.x509.pem`; every AOSP test certificate (also `shared`, `media`)
//! carries [`AOSP_TEST_SUBJECT`], so the subject catches the ones not
//! listed. A platform adds its own leaked keys through the
//! `sec.test_key_sha256` setting.

use shelfgate_policy_sdk::{Confidence, Source};

/// The AOSP test keys of this module.
pub const SOURCE: Source = Source::new("aosp-test-keys", "1", Confidence::Verified);

/// A published test key.
#[derive(Debug)]
pub struct TestKey {
    pub name: &'static str,
    /// Lower-case hex, no separators.
    pub sha256: &'static str,
}

pub static AOSP_TEST_KEYS: &[TestKey] = &[
    TestKey {
        name: "AOSP testkey",
        sha256: "a40da80a59d170caa950cf15c18c454d47a39b26989d8b640ecd745ba71bf5dc",
    },
    TestKey {
        name: "AOSP platform",
        sha256: "c8a2e9bccf597c2fb6dc66bee293fc13f2fc47ec77bc6b2b0d52c11f51192ab8",
    },
];

/// The subject of every AOSP test certificate, as the host formats names
/// (RFC 4514 order, no spaces after commas).
pub const AOSP_TEST_SUBJECT: &str =
    "EMAILADDRESS=android@android.com,CN=Android,OU=Android,O=Android,L=Mountain View,ST=California,C=US";

/// The subject of the Android SDK's debug keystore certificate.
pub const DEBUG_SUBJECT: &str = "CN=Android Debug,O=Android,C=US";
