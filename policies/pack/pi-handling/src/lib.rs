//! Personal-information handling (catalogue area 1).

use shelfgate_pack_data::listing_text::is_boilerplate;
use shelfgate_pack_data::{permission, PermissionClass};
use shelfgate_policy_sdk::prelude::*;

struct PiHandling;

const NOTICE_004: Rule = Rule {
    id: "PI-NOTICE-004",
    refs: &["ID-METHOD-2019 II.3", "MIIT-2023-26", "MIIT-2020-164 issue 9", "GB/T 41391 §6.5"],
    remediation: "Declare every sensitive permission in the listing with a specific purpose tied to a feature (purpose_zh for the CN market), and show it when the permission is requested.",
};

impl Policy for PiHandling {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "pi-handling".into(),
            version: "0.1.0".into(),
            title: "Personal-information handling".into(),
            rules: vec![NOTICE_004.id.into()],
            reads: vec!["manifest".into(), "listing".into(), "context".into()],
            data_sources: vec![DataSource {
                name: "android-permissions".into(),
                version: "api-35".into(),
                confidence: Confidence::Verified,
            }],
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let id = facts.identity();
        let cn = context.markets().iter().any(|m| m == "CN");
        let declared = listing.permissions();
        let mut findings = Vec::new();
        for perm in facts.permissions() {
            let Some(info) = permission(&perm.name) else { continue };
            // A permission capped below the app's minimum SDK is never
            // granted on any device the app supports.
            if perm.max_sdk.is_some_and(|max| max < id.min_sdk) {
                continue;
            }
            let class = match info.class {
                PermissionClass::Runtime => "runtime",
                PermissionClass::Special => "special",
                PermissionClass::Restricted => "store-restricted",
            };
            let path = format!("uses-permission[@name='{}']", perm.name);
            let entry = declared.iter().find(|d| d.name == perm.name);
            let Some(entry) = entry else {
                findings.push(
                    NOTICE_004
                        .rectify(context)
                        .en(format!("{} ({class}) has no stated purpose in the listing.", perm.name))
                        .zh(format!("{}（{}）未在上架信息中说明使用目的。", perm.name, info.cn_class.unwrap_or(class)))
                        .evidence(EvidenceSource::Manifest, path, json::bool(true))
                        .evidence(EvidenceSource::Listing, format!("permissions[{}]", perm.name), json::null())
                        .expected("a listing.permissions entry with purpose, feature_ids and declared_by")
                        .build(),
                );
                continue;
            };
            let purpose = if cn { entry.purpose_zh.as_str() } else { entry.purpose_en.as_deref().unwrap_or(&entry.purpose_zh) };
            let problem = if purpose.trim().is_empty() {
                Some(("is empty", "为空"))
            } else if is_boilerplate(purpose) {
                Some(("is boiler-plate and names no feature", "为套话，未说明具体功能"))
            } else if entry.feature_ids.is_empty() {
                Some(("is tied to no feature", "未关联具体功能"))
            } else {
                None
            };
            if let Some((en, zh)) = problem {
                let mut f = NOTICE_004
                    .rectify(context)
                    .en(format!("The stated purpose of {} {en}.", perm.name))
                    .zh(format!("{} 的使用目的{zh}。", perm.name))
                    .evidence(EvidenceSource::Manifest, path, json::bool(true))
                    .evidence(EvidenceSource::Listing, format!("permissions[{}].purpose", perm.name), json::str(purpose))
                    .expected("a specific purpose tied to a feature");
                if let Some(sdk) = entry.declared_by.strip_prefix("sdk:") {
                    f = f.sdk(sdk);
                }
                findings.push(f.build());
            }
        }
        findings
    }
}

shelfgate_policy_sdk::export_policy!(PiHandling);
