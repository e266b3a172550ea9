//! SEC-DEBUG-042: debuggable and test-only builds.
//!
//! `debuggable` lets any local user attach a debugger and `run-as` into the
//! app's data; `testOnly` APKs install only through adb. Every major store
//! refuses both, so the rule is hard.

use shelfgate_policy_sdk::prelude::*;

pub const RULE: Rule = Rule {
    id: "SEC-DEBUG-042",
    refs: &["AOSP"],
    remediation: "Upload a release build: remove android:debuggable and android:testOnly (build the release variant).",
};

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let app = s.application();
    if app.debuggable {
        out.push(
            RULE.reject()
                .en("The build is debuggable: any local user can attach a debugger and read its data.")
                .zh("应用为可调试版本（debuggable），可被附加调试器并读取数据。")
                .evidence(EvidenceSource::Manifest, "application@debuggable", json::bool(true))
                .expected("android:debuggable absent or false")
                .build(),
        );
    }
    if app.test_only {
        out.push(
            RULE.reject()
                .en("The build is marked testOnly: it installs only through adb.")
                .zh("应用标记为 testOnly，仅能通过 adb 安装。")
                .evidence(
                    EvidenceSource::Manifest,
                    "application@testOnly",
                    json::bool(true),
                )
                .expected("android:testOnly absent or false")
                .build(),
        );
    }
}
