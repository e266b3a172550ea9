//! TECH-PLAY-038: permissions Google Play accepts only with an approved
//! declaration (QUERY_ALL_PACKAGES, MANAGE_EXTERNAL_STORAGE,
//! REQUEST_INSTALL_PACKAGES, background location, photo and video access,
//! Health Connect) and `VpnService`.
//!
//! For Play-bound submissions each needs a `google_play.permission_declarations`
//! entry that Play approved. In the CN market the same permissions are
//! advisory here and judged by the necessity rules.

use shelfgate_pack_data::play::{
    DECLARATION_PERMISSIONS, HEALTH_PERMISSION_PREFIX, VPN_SERVICE_PERMISSION,
};
use shelfgate_policy_sdk::prelude::*;

use crate::play::{declaration_path, Input, Play as _};

pub const RULE: Rule = Rule {
    id: "TECH-PLAY-038",
    refs: &["GP-PERM"],
    remediation: "Remove the permission or use the narrower API Play recommends (<queries>, the Storage Access Framework or photo picker, foreground location, the store's own updates), or submit the Play Console declaration for a permitted core use and get it approved before release.",
};

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    if !input.play() {
        return;
    }
    for p in input.usable_permissions() {
        let (policy, permitted) = match DECLARATION_PERMISSIONS
            .iter()
            .find(|d| d.permission == p.name)
        {
            Some(d) => (d.policy, d.permitted),
            None if p.name.starts_with(HEALTH_PERMISSION_PREFIX) => (
                "Health Connect permissions",
                "health and fitness features that the user sees and that Play approved",
            ),
            None => continue,
        };
        if input.approved(&p.name) {
            continue;
        }
        out.push(
            RULE.reject()
                .en(format!(
                    "{} needs an approved Google Play declaration ({policy}: {permitted}); the listing has none.",
                    p.name
                ))
                .zh(format!(
                    "{} 在 Google Play 须提交并获批权限声明（{policy}），上架信息中没有获批的声明。",
                    p.name
                ))
                .evidence(EvidenceSource::Manifest, manifest::permission_path(&p.name), json::bool(true))
                .evidence(EvidenceSource::Listing, declaration_path(&p.name), input.declaration_json(&p.name))
                .expected(format!("an approved Play declaration for {}", p.name))
                .maybe_sdk(input.declaring_sdk(&p.name))
                .build(),
        );
    }
    for vpn in input
        .services()
        .filter(|c| c.permission.as_deref() == Some(VPN_SERVICE_PERMISSION))
    {
        if input.approved(VPN_SERVICE_PERMISSION) {
            break;
        }
        out.push(
            RULE.reject()
                .en(format!(
                    "Service {} is a VpnService; Google Play accepts VPN use only as the app's core function with an approved declaration, and the listing has none.",
                    vpn.name
                ))
                .zh(format!(
                    "服务 {} 为 VpnService，Google Play 仅接受以 VPN 为核心功能且获批声明的应用，上架信息中没有获批的声明。",
                    vpn.name
                ))
                .evidence(
                    EvidenceSource::Manifest,
                    format!("service[@name='{}']@permission", vpn.name),
                    json::str(VPN_SERVICE_PERMISSION),
                )
                .evidence(
                    EvidenceSource::Listing,
                    declaration_path(VPN_SERVICE_PERMISSION),
                    input.declaration_json(VPN_SERVICE_PERMISSION),
                )
                .expected("an approved Play declaration for the VpnService")
                .maybe_sdk(input.sdk_of(&vpn.name))
                .build(),
        );
    }
}
