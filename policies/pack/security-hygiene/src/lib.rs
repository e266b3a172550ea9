//! Security hygiene (catalogue area 6).

use shelfgate_policy_sdk::prelude::*;

struct SecurityHygiene;

const DEBUG_042: Rule = Rule {
    id: "SEC-DEBUG-042",
    refs: &["AOSP"],
    remediation: "Upload a release build: remove android:debuggable and android:testOnly (build the release variant).",
};

impl Policy for SecurityHygiene {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "security-hygiene".into(),
            version: "0.1.0".into(),
            title: "Security hygiene".into(),
            rules: vec![DEBUG_042.id.into()],
            reads: vec!["manifest".into()],
            data_sources: vec![],
        }
    }

    fn evaluate(facts: &Facts, _listing: &Listing, _context: &Context) -> Vec<Finding> {
        let app = facts.application();
        let mut findings = Vec::new();
        if app.debuggable {
            findings.push(
                DEBUG_042
                    .reject()
                    .en("The build is debuggable: any local user can attach a debugger and read its data.")
                    .zh("应用为可调试版本（debuggable），可被附加调试器并读取数据。")
                    .evidence(EvidenceSource::Manifest, "application@debuggable", json::bool(true))
                    .expected("android:debuggable absent or false")
                    .build(),
            );
        }
        if app.test_only {
            findings.push(
                DEBUG_042
                    .reject()
                    .en("The build is marked testOnly: it installs only through adb.")
                    .zh("应用标记为 testOnly，仅能通过 adb 安装。")
                    .evidence(EvidenceSource::Manifest, "application@testOnly", json::bool(true))
                    .expected("android:testOnly absent or false")
                    .build(),
            );
        }
        findings
    }
}

shelfgate_policy_sdk::export_policy!(SecurityHygiene);
