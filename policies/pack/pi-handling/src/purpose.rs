//! PI-NOTICE-004: each sensitive permission has a stated purpose tied to a
//! feature.
//!
//! Sensitive means runtime (dangerous), special (app-op) or store-restricted
//! in `android-permissions.json`. A permission that an SDK's manifest
//! merged in is attributed to that SDK through the listing (`declared_by`,
//! or an SDK entry listing the permission). The in-app explanation at
//! request time is runtime: `purpose_shown_at_request` is attested.

use shelfgate_pack_data::listing_text::is_boilerplate;
use shelfgate_pack_data::{permission, PermissionClass};
use shelfgate_policy_sdk::manifest::permission_path;
use shelfgate_policy_sdk::prelude::*;

use crate::input::{Handling as _, Input};

pub const RULE: Rule = Rule {
    id: "PI-NOTICE-004",
    refs: &[
        "ID-METHOD-2019 II.3",
        "MIIT-2023-26",
        "MIIT-2020-164 issue 9",
        "GB/T 41391 §6.5",
    ],
    remediation: "Declare every sensitive permission in the listing with a specific purpose tied to a feature (purpose_zh for the CN market), and show it when the permission is requested.",
};

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let mut sensitive = false;
    for perm in input.usable_permissions() {
        let Some(info) = permission(&perm.name) else {
            continue;
        };
        sensitive = true;
        let class = match info.class {
            PermissionClass::Runtime => "runtime",
            PermissionClass::Special => "special",
            PermissionClass::Restricted => "store-restricted",
        };
        let path = permission_path(&perm.name);
        let sdk = input.permission_sdk(&perm.name);
        let Some(entry) = input.declaration(&perm.name) else {
            let mut f = RULE
                .rectify(input.context)
                .en(format!(
                    "{} ({class}) has no stated purpose in the listing.",
                    perm.name
                ))
                .zh(format!(
                    "{}（{}）未在上架信息中说明使用目的。",
                    perm.name,
                    info.cn_class.unwrap_or(class)
                ))
                .evidence(EvidenceSource::Manifest, path, json::bool(true))
                .evidence(
                    EvidenceSource::Listing,
                    format!("permissions[{}]", perm.name),
                    json::null(),
                )
                .expected("a listing.permissions entry with purpose, feature_ids and declared_by");
            if let Some(sdk) = sdk {
                f = f.sdk(sdk);
            }
            out.push(f.build());
            continue;
        };
        let purpose = if input.cn() {
            entry.purpose_zh.as_str()
        } else {
            entry.purpose_en.as_deref().unwrap_or(&entry.purpose_zh)
        };
        let unknown_feature = entry
            .feature_ids
            .iter()
            .find(|id| !input.app().features.iter().any(|f| &f.id == *id));
        let problem = if purpose.trim().is_empty() {
            Some(("is empty".to_string(), "为空".to_string()))
        } else if is_boilerplate(purpose) {
            Some((
                "is boiler-plate and names no feature".to_string(),
                "为套话，未说明具体功能".to_string(),
            ))
        } else if entry.feature_ids.is_empty() {
            Some((
                "is tied to no feature".to_string(),
                "未关联具体功能".to_string(),
            ))
        } else {
            unknown_feature.map(|id| {
                (
                    format!("names feature {id}, which app.features does not describe"),
                    format!("关联的功能 {id} 未在功能列表中说明"),
                )
            })
        };
        if let Some((en, zh)) = problem {
            let mut f = RULE
                .rectify(input.context)
                .en(format!("The stated purpose of {} {en}.", perm.name))
                .zh(format!("{} 的使用目的{zh}。", perm.name))
                .evidence(EvidenceSource::Manifest, path, json::bool(true))
                .evidence(
                    EvidenceSource::Listing,
                    format!("permissions[{}].purpose", perm.name),
                    json::str(purpose),
                )
                .evidence(
                    EvidenceSource::Listing,
                    format!("permissions[{}].feature_ids", perm.name),
                    json::strs(entry.feature_ids.iter().map(String::as_str)),
                )
                .expected("a specific purpose tied to a described feature");
            if let Some(sdk) = sdk {
                f = f.sdk(sdk);
            }
            out.push(f.build());
        }
    }
    if sensitive && !input.attested("purpose_shown_at_request") {
        out.push(
            RULE.rectify(input.context)
                .en("The developer has not attested that each permission's purpose is shown when it is requested.")
                .zh("开发者未声明在申请权限时同步告知使用目的。")
                .evidence(
                    EvidenceSource::Listing,
                    "attestations[purpose_shown_at_request]",
                    input.attestation_value("purpose_shown_at_request"),
                )
                .expected("attestation purpose_shown_at_request = true")
                .build(),
        );
    }
}
