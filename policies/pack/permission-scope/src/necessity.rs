//! PI-SCOPE-005: non-necessary permissions are optional (the category
//! necessity check of CAC-2021-14).
//!
//! The listing's `necessary_pi_category_id` selects one of the 39
//! categories; a runtime or special permission that the category's
//! necessary PI does not imply must be declared not necessary and bound to
//! an optional feature. A permission with no listing entry is
//! PI-NOTICE-004's. Whether the app keeps working after a refusal is
//! runtime: `basic_function_without_optional_permissions` is attested.
//! CN market only; the necessary-PI table is Chinese law.

use shelfgate_pack_data::listing_text::category_hint;
use shelfgate_pack_data::{category, permission, PermissionClass};
use shelfgate_policy_sdk::manifest::permission_path;
use shelfgate_policy_sdk::prelude::*;

use crate::input::{Input, Scope as _};

pub const RULE: Rule = Rule {
    id: "PI-SCOPE-005",
    refs: &[
        "CAC-2021-14 Art. 4",
        "CAC-2021-14 Art. 5",
        "ID-METHOD-2019 IV.1",
        "ID-METHOD-2019 IV.2",
        "MIIT-2019-337 items 5/7",
        "MIIT-2020-164 issue 2",
        "GB/T 41391 §6.1-6.2",
    ],
    remediation: "Declare the app's necessary-PI category; mark every permission the category does not need as necessary_for_basic_function = false, bind it to an optional feature and request it only when that feature is used, so that refusing it never blocks the basic function.",
};

/// Runtime and special permissions: the ones a user grants or refuses.
pub fn grantable(name: &str) -> bool {
    permission(name)
        .is_some_and(|p| matches!(p.class, PermissionClass::Runtime | PermissionClass::Special))
}

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    if !input.cn() {
        return;
    }
    let Some(cat) = input.category() else {
        if input.app().necessary_pi_category_id.is_none() {
            missing_category(input, out);
        }
        return;
    };
    let confidence = input.category_confidence();
    let implied = json::strs(cat.implied_permissions.iter().copied());
    let mut optional_any = false;
    for perm in input.usable_permissions() {
        if !grantable(&perm.name) || input.implied(&perm.name) {
            continue;
        }
        optional_any = true;
        let Some(entry) = input.declaration(&perm.name) else {
            continue;
        };
        let problem = if entry.necessary_for_basic_function {
            Some((
                format!("{} is declared necessary for the basic function, but the necessary information of category {} ({}) does not need it.", perm.name, cat.id, cat.name_en),
                format!("{} 被声明为基本功能所必需，但第 {} 类（{}）的必要个人信息并不需要该权限。", perm.name, cat.id, cat.name_zh),
                "necessary_for_basic_function = false",
            ))
        } else if !entry
            .feature_ids
            .iter()
            .any(|id| input.optional_feature(id))
        {
            Some((
                format!(
                    "{} is not necessary for category {} ({}) but is bound to no optional feature.",
                    perm.name, cat.id, cat.name_en
                ),
                format!(
                    "{} 不是第 {} 类（{}）的必要权限，但未关联任何可选功能。",
                    perm.name, cat.id, cat.name_zh
                ),
                "a feature_ids entry naming a feature with optional = true",
            ))
        } else {
            None
        };
        let Some((en, zh, expected)) = problem else {
            continue;
        };
        out.push(
            RULE.rectify(input.context)
                .en(en)
                .zh(zh)
                .evidence(
                    EvidenceSource::Manifest,
                    permission_path(&perm.name),
                    json::bool(true),
                )
                .evidence(
                    EvidenceSource::Listing,
                    "app.necessary_pi_category_id",
                    json::num(cat.id),
                )
                .evidence(
                    EvidenceSource::Context,
                    format!(
                        "categories[{}].permissions_implied_by_necessary_pi",
                        cat.key
                    ),
                    implied.clone(),
                )
                .evidence(
                    EvidenceSource::Listing,
                    format!("permissions[{}].necessary_for_basic_function", perm.name),
                    json::bool(entry.necessary_for_basic_function),
                )
                .evidence(
                    EvidenceSource::Listing,
                    format!("permissions[{}].feature_ids", perm.name),
                    json::strs(entry.feature_ids.iter().map(String::as_str)),
                )
                .expected(expected)
                .maybe_sdk(input.declared_sdk(&perm.name))
                .confidence(confidence)
                .build(),
        );
    }
    if optional_any && !input.attested("basic_function_without_optional_permissions") {
        out.push(
            RULE.rectify(input.context)
                .en("The app requests permissions its category does not need, and the developer has not attested that the basic function works when they are refused.")
                .zh("应用申请了其类别非必要的权限，但开发者未声明拒绝这些权限后基本功能仍可使用。")
                .evidence(
                    EvidenceSource::Listing,
                    "attestations[basic_function_without_optional_permissions]",
                    input.attestation_value("basic_function_without_optional_permissions"),
                )
                .expected("attestation basic_function_without_optional_permissions = true")
                .build(),
        );
    }
}

/// A listing without a category whose store category is one of the 39.
fn missing_category(input: &Input, out: &mut Vec<Finding>) {
    let store = &input.app().store_category;
    let Some(cat) = category_hint(store).and_then(category) else {
        return;
    };
    out.push(
        RULE.rectify(input.context)
            .en(format!("The listing names no necessary-PI category, but its store category \"{store}\" looks like category {} ({}).", cat.id, cat.name_en))
            .zh(format!("上架信息未声明必要个人信息范围类别，而其应用分类“{store}”对应第 {} 类（{}）。", cat.id, cat.name_zh))
            .evidence(EvidenceSource::Listing, "app.necessary_pi_category_id", json::null())
            .evidence(EvidenceSource::Listing, "app.store_category", json::str(store))
            .expected(format!("necessary_pi_category_id = {} (or the category that fits)", cat.id))
            .confidence(Confidence::Memory)
            .build(),
    );
}
