//! SEC-SIGN-044: the APK signature schemes present.
//!
//! Android 11 refuses v1-only APKs that target API 30+; on Android 5-8 a
//! v1-only APK is open to Janus (CVE-2017-13156). An APK with v2/v3 but no
//! v1 signature cannot install below Android 7 (API 24). An APK whose
//! signature does not verify installs nowhere.

use shelfgate_policy_sdk::prelude::*;

pub const RULE: Rule = Rule {
    id: "SEC-SIGN-044",
    refs: &["AOSP", "CVE-2017-13156"],
    remediation: "Sign with apksigner using APK Signature Scheme v2 or v3 (and v1 as well while minSdkVersion is below 24).",
};

/// Android 11: v1-only APKs targeting this level fail to install.
const V2_REQUIRED_TARGET: u32 = 30;
/// Android 7.0 is the first release that verifies v2 signatures.
const V2_FIRST_API: u32 = 24;

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let signing = s.signing();
    let present: Vec<&str> = signing
        .schemes
        .iter()
        .filter(|s| s.present)
        .map(|s| s.scheme.as_str())
        .collect();
    if !signing.verified {
        let errors: Vec<&str> = signing
            .schemes
            .iter()
            .flat_map(|s| s.errors.iter().map(String::as_str))
            .collect();
        out.push(
            RULE.reject()
                .en("The APK signature does not verify: Android refuses to install it.")
                .zh("APK 签名校验失败，Android 拒绝安装。")
                .evidence(
                    EvidenceSource::Signing,
                    "signing.verified",
                    json::bool(false),
                )
                .evidence(
                    EvidenceSource::Signing,
                    "signing.schemes[].errors",
                    json::strs(errors),
                )
                .expected("a signature that verifies under every scheme present")
                .build(),
        );
        return;
    }
    let id = s.identity();
    let has_v1 = present.contains(&"v1");
    let v1_only = has_v1 && present.len() == 1;
    if v1_only {
        let target = id.target_sdk;
        let f = if target >= V2_REQUIRED_TARGET {
            RULE.reject()
                .en(format!(
                    "The APK has only a v1 (JAR) signature but targets API {target}: Android 11 and later refuse to install it."
                ))
                .zh(format!("APK 仅有 v1（JAR）签名且 targetSdkVersion 为 {target}，Android 11 及以上无法安装。"))
        } else {
            RULE.rectify(s.context)
                .en("The APK has only a v1 (JAR) signature: on Android 5-8 it is open to the Janus attack (CVE-2017-13156).")
                .zh("APK 仅有 v1（JAR）签名，在 Android 5-8 上存在 Janus 漏洞（CVE-2017-13156）风险。")
        };
        out.push(
            f.evidence(
                EvidenceSource::Signing,
                "signing.schemes",
                json::strs(present.iter().copied()),
            )
            .evidence(
                EvidenceSource::Manifest,
                "uses-sdk@targetSdkVersion",
                json::num(target),
            )
            .expected("an APK Signature Scheme v2 or v3 signature")
            .build(),
        );
        return;
    }
    if !has_v1 && id.min_sdk < V2_FIRST_API {
        out.push(
            RULE.rectify(s.context)
                .en(format!(
                    "The APK has no v1 signature but minSdkVersion {} admits Android versions below 7.0, which verify only v1: it cannot install there.",
                    id.min_sdk
                ))
                .zh(format!(
                    "APK 缺少 v1 签名，而 minSdkVersion 为 {}，Android 7.0 以下设备只校验 v1 签名，无法安装。",
                    id.min_sdk
                ))
                .evidence(EvidenceSource::Signing, "signing.schemes", json::strs(present.iter().copied()))
                .evidence(EvidenceSource::Manifest, "uses-sdk@minSdkVersion", json::num(id.min_sdk))
                .expected("a v1 signature as well, or minSdkVersion >= 24")
                .build(),
        );
    }
}
