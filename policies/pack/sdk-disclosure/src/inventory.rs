//! PI-SHARE-010: the embedded SDK inventory is complete and clean.
//!
//! Every detected third-party SDK that processes data (any catalogue type
//! but `packer`; untyped development libraries are left out) must be in
//! `third_party_sdks` with operator, purpose, PI types and privacy policy.
//! An empty PI-type list is credible only from an SDK that delivers code
//! rather than collecting data (a hot-fix framework).
//! SDK versions that regulators named (the host's `sdk_blocklist`) must
//! not ship: upgrade or remove (rectify), or reject when the entry marks
//! the SDK malicious.

use shelfgate_pack_data::listing_text::is_boilerplate;
use shelfgate_pack_data::sdk_types::sdk_type;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{BlocklistedSdk, SdkDecl, SdkMatch};

use crate::versions::{all_versions, in_range};

pub const RULE: Rule = Rule {
    id: "PI-SHARE-010",
    refs: &[
        "MIIT-2020-164 issue 3",
        "ID-METHOD-2019 V.1",
        "GB/T 35273 §9.7",
        "GB/T 41391 §6.6",
        "GB/T 43435",
    ],
    remediation: "Declare every embedded third-party SDK in third_party_sdks (name, operator, purpose, PI types, permissions, privacy-policy link), and upgrade or remove SDK versions named in regulators' notices.",
};

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let context = s.context;
    let blocklist = context.sdk_blocklist();
    for sdk in s.sdks() {
        let decl = s.sdk_decl(sdk);
        if processes_data(sdk) {
            match decl {
                None => out.push(undeclared(sdk, context)),
                Some(d) => {
                    if let Some(f) = incomplete(sdk, d, context) {
                        out.push(f);
                    }
                }
            }
        }
        for entry in blocklist
            .iter()
            .filter(|b| b.sdk_id == sdk.id || decl.is_some_and(|d| d.id == b.sdk_id))
        {
            if let Some(f) = blocked(sdk, decl, entry, context) {
                out.push(f);
            }
        }
    }
}

/// Typed SDKs other than packers (disclosed, if at all, elsewhere).
fn processes_data(sdk: &SdkMatch) -> bool {
    sdk.categories
        .iter()
        .filter_map(|c| sdk_type(c))
        .any(|t| t != "packer")
}

/// SDK types that run or load code and collect no personal information.
const CODE_ONLY_TYPES: &[&str] = &["hotfix", "packer"];

/// Every type of the SDK is a code-only one.
fn code_only(sdk: &SdkMatch) -> bool {
    sdk.categories
        .iter()
        .filter_map(|c| sdk_type(c))
        .all(|t| CODE_ONLY_TYPES.contains(&t))
}

fn sdk_evidence(f: FindingBuilder, sdk: &SdkMatch) -> FindingBuilder {
    let mut f = f;
    for e in sdk
        .evidence
        .iter()
        .filter(|e| e.kind == "class-prefix" || e.kind == "class" || e.kind == "component")
    {
        f = f.evidence(
            EvidenceSource::Sdk,
            format!("sdks[{}].evidence.{}", sdk.id, e.kind),
            json::str(&e.value),
        );
    }
    f.evidence(
        EvidenceSource::Sdk,
        format!("sdks[{}].version", sdk.id),
        json::opt_str(sdk.version.as_deref()),
    )
}

fn undeclared(sdk: &SdkMatch, context: &Context) -> Finding {
    let vendor = sdk.vendor.as_deref().unwrap_or("?");
    let f = RULE
        .rectify(context)
        .en(format!("The app embeds {} ({}, operated by {vendor}), which third_party_sdks does not declare.", sdk.name, sdk.id))
        .zh(format!("应用集成了 {}（{}，运营方 {vendor}），但第三方 SDK 清单未声明。", sdk.name, sdk.id))
        .evidence(EvidenceSource::Listing, format!("third_party_sdks[{}]", sdk.id), json::null());
    sdk_evidence(f, sdk)
        .expected("a third_party_sdks entry for the SDK")
        .sdk(&sdk.id)
        .build()
}

fn incomplete(sdk: &SdkMatch, d: &SdkDecl, context: &Context) -> Option<Finding> {
    let mut missing: Vec<&str> = Vec::new();
    if d.vendor.trim().is_empty() {
        missing.push("vendor");
    }
    if d.purpose.trim().is_empty() || is_boilerplate(&d.purpose) {
        missing.push("purpose");
    }
    if d.pi_types.is_empty() && !code_only(sdk) {
        missing.push("pi_types");
    }
    if d.privacy_policy_url.trim().is_empty() {
        missing.push("privacy_policy_url");
    }
    if missing.is_empty() {
        return None;
    }
    let mut f = RULE
        .rectify(context)
        .en(format!(
            "The declaration of {} ({}) lacks {}.",
            sdk.name,
            sdk.id,
            missing.join(", ")
        ))
        .zh(format!(
            "第三方 SDK 清单中 {}（{}）的信息不完整：缺少 {}。",
            sdk.name,
            sdk.id,
            missing.join("、")
        ));
    for field in &missing {
        let value = match *field {
            "vendor" => json::str(&d.vendor),
            "purpose" => json::str(&d.purpose),
            "privacy_policy_url" => json::str(&d.privacy_policy_url),
            _ => "[]".to_string(),
        };
        f = f.evidence(
            EvidenceSource::Listing,
            format!("third_party_sdks[{}].{field}", d.id),
            value,
        );
    }
    Some(
        f.expected("vendor, a specific purpose, pi_types and privacy_policy_url")
            .sdk(&sdk.id)
            .build(),
    )
}

fn blocked(
    sdk: &SdkMatch,
    decl: Option<&SdkDecl>,
    entry: &BlocklistedSdk,
    context: &Context,
) -> Option<Finding> {
    // The detected version, or the one the listing declares.
    let version = sdk
        .version
        .as_deref()
        .or(decl.map(|d| d.version.as_str()))
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let hit = match version {
        _ if all_versions(&entry.versions) => Some(true),
        Some(v) => in_range(v, &entry.versions),
        None => None,
    };
    if hit == Some(false) {
        return None;
    }
    let shown = version.unwrap_or("unknown");
    let (decision, en_tail, zh_tail) = match (entry.malicious, hit) {
        (true, Some(true)) => (Decision::Reject, "It is marked malicious: remove it.", "该 SDK 被认定为恶意，须移除。"),
        (_, Some(true)) => (Decision::Rectify, "Upgrade it past the named versions or remove it.", "请升级至不受影响的版本或移除。"),
        _ => (Decision::Rectify, "Its version could not be determined: show that it is outside the named versions, or upgrade or remove it.", "无法确定其版本：请证明不在通报版本范围内，或升级、移除。"),
    };
    let f = match decision {
        Decision::Reject => RULE.reject(),
        _ => RULE.rectify(context),
    };
    let f = f
        .en(format!(
            "{} ({}) version {shown} is named in regulator notice {} (versions {}). {en_tail}",
            sdk.name, sdk.id, entry.notice, entry.versions
        ))
        .zh(format!(
            "{}（{}）版本 {shown} 被监管通报 {} 点名（涉及版本 {}）。{zh_tail}",
            sdk.name, sdk.id, entry.notice, entry.versions
        ))
        .evidence(
            EvidenceSource::Context,
            format!("sdk_blocklist[{}].notice", entry.sdk_id),
            json::str(&entry.notice),
        )
        .evidence(
            EvidenceSource::Context,
            format!("sdk_blocklist[{}].versions", entry.sdk_id),
            json::str(&entry.versions),
        )
        .evidence(
            EvidenceSource::Context,
            format!("sdk_blocklist[{}].malicious", entry.sdk_id),
            json::bool(entry.malicious),
        );
    Some(
        sdk_evidence(f, sdk)
            .expected(format!("a version outside {}", entry.versions))
            .sdk(&sdk.id)
            .build(),
    )
}
