//! PLAT-UPDATE-033: an update may replace the live version, and users hear
//! about what changed.
//!
//! Against the last accepted version (`context.previous`):
//! - the signer must be the same, or the new signer's v3 lineage must hold
//!   the previous signer as an ancestor granted the installed data, as
//!   Android decides (`SigningDetails.checkCapability`; the host computes it
//!   as `context.signer_continuity`); a stranger or an unverifiable
//!   signature is a hard reject;
//! - versionCode must grow, or Android refuses the update: hard reject;
//! - permissions added since then need a listing entry, and new kinds of PI
//!   (listed in `data_collection` or collected by added permissions) need a
//!   privacy policy updated since the last acceptance (ID-METHOD-2019 II.2);
//!   an attestation `no_permission_reset_on_update` given as false admits
//!   resetting users' permission choices (III.5): rectify.

use shelfgate_pack_data::{permission, pi};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::SignerContinuity;

use crate::parties::Parties;

pub const RULE: Rule = Rule {
    id: "PLAT-UPDATE-033",
    refs: &["AOSP", "ID-METHOD-2019 II.2", "ID-METHOD-2019 III.5"],
    remediation: "Sign updates with the live version's key (or rotate with an APK Signature Scheme v3 lineage that grants the old key), raise versionCode, declare every new permission in the listing, update the privacy policy before collecting new kinds of personal information, and keep users' permission choices across updates.",
};

pub fn check(parties: &Parties, context: &Context, out: &mut Vec<Finding>) {
    let Some(previous) = parties.previous() else {
        return;
    };
    let id = parties.identity();
    let signing = parties.signing();

    let continuity = context.signer_continuity();
    if let Some(broken @ (SignerContinuity::Stranger | SignerContinuity::Unverified)) = continuity {
        let now: Vec<&str> = signing.signers.iter().map(|c| c.sha256.as_str()).collect();
        let (en, zh) = match broken {
            SignerContinuity::Unverified => (
                "The update's signature does not verify, so nothing ties it to the live version's signer: Android will not install it over the existing app.",
                "更新包签名校验失败，无法与线上版本的签名者对应，Android 无法覆盖安装。",
            ),
            _ => (
                "The update is signed by a different key than the live version, without a v3 rotation lineage that vouches for the old key: Android will not install it over the existing app.",
                "更新包的签名证书与线上版本不同，且没有包含原证书的 v3 轮换链，Android 无法覆盖安装。",
            ),
        };
        out.push(
            RULE.reject()
                .en(en)
                .zh(zh)
                .evidence(EvidenceSource::Context, "signer_continuity", json::str(if broken == SignerContinuity::Unverified { "unverified" } else { "stranger" }))
                .evidence(EvidenceSource::Signing, "signing.signers[].sha256", json::strs(now.iter().copied()))
                .evidence(EvidenceSource::Signing, "signing.lineage[].cert_sha256", json::strs(signing.lineage.iter().map(|n| n.cert_sha256.as_str())))
                .evidence(EvidenceSource::History, "previous.signer_sha256", json::strs(previous.signer_sha256.iter().map(String::as_str)))
                .expected("the same signer, or a lineage whose ancestors include the previous signer with installed-data capability")
                .build(),
        );
    }
    if id.version_code <= previous.version_code {
        out.push(
            RULE.reject()
                .en(format!(
                    "versionCode {} does not exceed the live version's {}: Android refuses to install it as an update.",
                    id.version_code, previous.version_code
                ))
                .zh(format!(
                    "versionCode {} 未大于线上版本的 {}，Android 不会将其作为更新安装。",
                    id.version_code, previous.version_code
                ))
                .evidence(EvidenceSource::Manifest, "manifest@versionCode", json::str(&id.version_code.to_string()))
                .evidence(EvidenceSource::History, "previous.version_code", json::str(&previous.version_code.to_string()))
                .expected(format!("versionCode > {}", previous.version_code))
                .build(),
        );
    }

    let declared = parties.declared();
    let added: Vec<&str> = parties
        .usable_permissions()
        .map(|p| p.name.as_str())
        .filter(|name| !previous.permissions.iter().any(|p| p == name))
        .collect();
    let undeclared: Vec<&str> = added
        .iter()
        .copied()
        .filter(|name| permission(name).is_some() && !declared.iter().any(|d| d.name == *name))
        .collect();
    if !undeclared.is_empty() {
        let mut f = RULE
            .rectify(context)
            .en(format!(
                "Permissions added since the live version are not declared in the listing: {}.",
                undeclared.join(", ")
            ))
            .zh(format!(
                "相较线上版本新增的权限未在上架信息中说明：{}。",
                undeclared.join("、")
            ))
            .evidence(
                EvidenceSource::History,
                "previous.permissions",
                json::strs(previous.permissions.iter().map(String::as_str)),
            )
            .expected("a listing.permissions entry for every added permission");
        for name in &undeclared {
            f = f.evidence(
                EvidenceSource::Manifest,
                manifest::permission_path(name),
                json::bool(true),
            );
        }
        out.push(f.build());
    }

    let mut new_pi: Vec<String> = parties
        .data_collection()
        .iter()
        .map(|d| d.pi_type.clone())
        .filter(|t| !previous.pi_types.contains(t))
        .collect();
    for &name in &added {
        let types = pi::permission_pi_types(name);
        if let Some(first) = types.first() {
            if !types
                .iter()
                .any(|t| previous.pi_types.iter().any(|p| p == t))
            {
                new_pi.push(first.to_string());
            }
        }
    }
    new_pi.sort();
    new_pi.dedup();
    let privacy = parties.privacy();
    if !new_pi.is_empty()
        && text::before(&privacy.policy_updated_at, &previous.accepted_at) != Some(false)
    {
        out.push(
            RULE.rectify(context)
                .en(format!(
                    "The update collects new kinds of personal information ({}) but the privacy policy (updated {}) predates the live version's acceptance ({}).",
                    new_pi.join(", "),
                    privacy.policy_updated_at,
                    previous.accepted_at
                ))
                .zh(format!(
                    "更新新增收集个人信息类型（{}），但隐私政策更新日期（{}）早于线上版本的通过日期（{}）。",
                    new_pi.join("、"),
                    privacy.policy_updated_at,
                    previous.accepted_at
                ))
                .evidence(EvidenceSource::Listing, "privacy.policy_updated_at", json::str(&privacy.policy_updated_at))
                .evidence(EvidenceSource::History, "previous.accepted_at", json::str(&previous.accepted_at))
                .evidence(EvidenceSource::History, "previous.pi_types", json::strs(previous.pi_types.iter().map(String::as_str)))
                .evidence(EvidenceSource::Listing, "data_collection[].pi_type", json::strs(new_pi.iter().map(String::as_str)))
                .expected("privacy.policy_updated_at on or after previous.accepted_at")
                .build(),
        );
    }
    if parties.attestation("no_permission_reset_on_update") == Some(false) {
        out.push(
            RULE.rectify(context)
                .en("The developer attests that the update resets users' permission choices.")
                .zh("开发者声明本次更新会重置用户的权限设置。")
                .evidence(
                    EvidenceSource::Listing,
                    "attestations[no_permission_reset_on_update].value",
                    json::bool(false),
                )
                .expected("users' permission settings kept across updates")
                .build(),
        );
    }
}
