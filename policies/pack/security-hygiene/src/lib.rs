//! Security hygiene (catalogue area 6): how the APK is built and signed,
//! and the attack surface its manifest and code expose.
//!
//! | rule | file |
//! |---|---|
//! | SEC-DEBUG-042 debug or test build | [`debug`] |
//! | SEC-CERT-043 debug, test, expired or weak certificate | [`cert`] |
//! | SEC-SIGN-044 signature scheme | [`scheme`] |
//! | SEC-BACKUP-045 unrestricted backup | [`backup`] |
//! | SEC-CLEARTEXT-046 cleartext traffic and weak TLS | [`cleartext`] |
//! | SEC-EXPORT-047 exported components without protection | [`export`] |
//! | SEC-WEBVIEW-048 risky WebView bridges | [`webview`] |
//!
//! Settings read (`context.setting`):
//! - `sec.test_key_sha256`: further certificate SHA-256 fingerprints that
//!   count as published test keys, separated by commas, semicolons or
//!   whitespace (colons inside a fingerprint are ignored). They add to the
//!   built-in AOSP test keys (`shelfgate_pack_data::signing`).
//! - `deadline.SEC-BACKUP-045` and the other per-rule deadlines, through
//!   `context.deadline_for`.

use shelfgate_policy_sdk::prelude::*;

mod backup;
mod cert;
mod cleartext;
mod debug;
mod export;
mod scheme;
mod webview;

struct SecurityHygiene;

impl Policy for SecurityHygiene {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "security-hygiene".into(),
            version: "0.3.0".into(),
            title: "Security hygiene".into(),
            rules: [
                debug::RULE,
                cert::RULE,
                scheme::RULE,
                backup::RULE,
                cleartext::RULE,
                export::RULE,
                webview::RULE,
            ]
            .iter()
            .map(|r| r.id.to_string())
            .collect(),
            reads: ["manifest", "res", "dex", "sdk", "signing", "context"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            data_sources: shelfgate_policy_sdk::source::data_sources(&[
                shelfgate_pack_data::signing::SOURCE,
            ]),
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let s = Snapshot::new(facts, listing, context);
        let mut out = Vec::new();
        debug::check(&s, &mut out);
        cert::check(&s, &mut out);
        scheme::check(&s, &mut out);
        backup::check(&s, &mut out);
        cleartext::check(&s, &mut out);
        export::check(&s, &mut out);
        webview::check(&s, &mut out);
        out
    }
}

shelfgate_policy_sdk::export_policy!(SecurityHygiene);
