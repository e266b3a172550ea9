//! HARASS-PERM-017: excessive permission requests and "no permission, no
//! use".
//!
//! Dangerous permission groups the category does not need (all of them
//! without a CN category) must wait for their feature; three or more such
//! groups requested at first launch or install is excessive. Exiting on
//! refusal and re-asking are runtime, so the listing declares the minimum
//! time before re-asking (industry practice 48 h, a configurable value of
//! low certainty: setting `harass.permission_rerequest_min_hours`) and
//! attests `no_exit_on_refusal`.

use shelfgate_pack_data::{permission, PermissionClass};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::RequestedWhen;

use crate::input::{Input, Scope as _};

pub const RULE: Rule = Rule {
    id: "HARASS-PERM-017",
    refs: &[
        "MIIT-2019-337 items 5-7",
        "MIIT-2020-164 issue 5",
        "ID-METHOD-2019 IV.2",
        "ID-METHOD-2019 IV.6",
    ],
    remediation: "Request each non-necessary permission only when the user starts the feature that needs it, never exit or degrade the basic function on refusal, and wait at least the declared interval (48 hours by default) before asking again after a refusal.",
};

/// Non-necessary groups requested up front that make a finding.
const EAGER_GROUPS: usize = 3;

const REREQUEST_SETTING: &str = "harass.permission_rerequest_min_hours";
const DEFAULT_REREQUEST_HOURS: u32 = 48;

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let mut groups: Vec<&str> = Vec::new();
    let mut eager: Vec<(&str, &str)> = Vec::new();
    for perm in input.usable_permissions() {
        let Some(info) = permission(&perm.name).filter(|i| i.class == PermissionClass::Runtime)
        else {
            continue;
        };
        if input.implied(&perm.name) {
            continue;
        }
        let group = info.group.unwrap_or(info.name);
        if !groups.contains(&group) {
            groups.push(group);
        }
        let up_front = input.declaration(&perm.name).is_some_and(|d| {
            matches!(
                d.requested_when,
                RequestedWhen::FirstLaunch | RequestedWhen::Install
            )
        });
        if up_front && !eager.iter().any(|(g, _)| *g == group) {
            eager.push((group, perm.name.as_str()));
        }
    }
    if groups.is_empty() {
        return;
    }
    if eager.len() >= EAGER_GROUPS {
        let names: Vec<&str> = eager.iter().map(|(g, _)| *g).collect();
        out.push(
            RULE.rectify(input.context)
                .en(format!("{} non-necessary permission groups ({}) are requested at first launch or install instead of when their feature is used.", eager.len(), names.join(", ")))
                .zh(format!("{} 组非必要权限（{}）在首次启动或安装时即申请，而非在使用相应功能时申请。", eager.len(), names.join("、")))
                .evidence(EvidenceSource::Listing, "permissions[].requested_when", json::strs(eager.iter().map(|(_, p)| *p)))
                .evidence(EvidenceSource::Listing, "app.necessary_pi_category_id", input.category().map_or_else(json::null, |c| json::num(c.id)))
                .expected(format!("fewer than {EAGER_GROUPS} non-necessary groups requested up front; requested_when = on_feature_use"))
                .build(),
        );
    }
    let min_hours = input
        .context
        .setting(REREQUEST_SETTING)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_REREQUEST_HOURS);
    let declared = input
        .listing
        .behaviour_declarations()
        .permission_rerequest_min_hours;
    if declared.is_none_or(|h| h < min_hours) {
        let (en, zh) = match declared {
            None => (
                "The listing does not declare how long the app waits before asking again for a refused permission.".to_string(),
                "上架信息未声明用户拒绝权限后再次申请的最短间隔。".to_string(),
            ),
            Some(h) => (
                format!("The app may ask again for a refused permission after {h} hours, sooner than {min_hours} hours."),
                format!("用户拒绝权限后，应用在 {h} 小时后即可再次申请，短于 {min_hours} 小时。"),
            ),
        };
        out.push(
            RULE.rectify(input.context)
                .en(en)
                .zh(zh)
                .evidence(
                    EvidenceSource::Listing,
                    "behaviour_declarations.permission_rerequest_min_hours",
                    declared.map_or_else(json::null, json::num),
                )
                .evidence(
                    EvidenceSource::Context,
                    format!("settings[{REREQUEST_SETTING}]"),
                    json::num(min_hours),
                )
                .expected(format!("permission_rerequest_min_hours >= {min_hours}"))
                .confidence(Confidence::Memory)
                .build(),
        );
    }
    if !input.attested("no_exit_on_refusal") {
        out.push(
            RULE.rectify(input.context)
                .en("The developer has not attested that the app neither exits nor blocks its basic function when a permission is refused.")
                .zh("开发者未声明用户拒绝权限后应用不会退出或拒绝提供基本功能。")
                .evidence(EvidenceSource::Listing, "attestations[no_exit_on_refusal]", input.attestation_value("no_exit_on_refusal"))
                .expected("attestation no_exit_on_refusal = true")
                .build(),
        );
    }
}
