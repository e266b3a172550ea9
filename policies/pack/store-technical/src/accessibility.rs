//! TECH-PLAY-039: AccessibilityService use.
//!
//! An accessibility service reads and drives other apps' screens; screen-
//! reading SDKs are a known abuse vector. Play lets `isAccessibilityTool`
//! be claimed only by tools for people with disabilities, and asks every
//! other service for prominent disclosure, consent and an approved
//! declaration. In the CN market the service must be disclosed in the
//! listing with its purpose.
//!
//! The service's `android.accessibilityservice` XML (where
//! `isAccessibilityTool` is set) is not among the facts, so the claim is
//! read from the listing's `google_play.is_accessibility_tool`.

use shelfgate_pack_data::lexicon::ASSISTIVE_CATEGORY_WORDS;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::Component;

use crate::play::{declaration_path, handles, Input};

pub const RULE: Rule = Rule {
    id: "TECH-PLAY-039",
    refs: &["GP-PERM Use of the AccessibilityService API"],
    remediation: "Use an AccessibilityService only for a feature the user turns on knowingly: claim isAccessibilityTool only for tools built for people with disabilities, otherwise show a prominent disclosure, get consent and submit the Play declaration; in the CN market state the service and its purpose in the listing (permissions[] entry for BIND_ACCESSIBILITY_SERVICE).",
};

const BIND: &str = "android.permission.BIND_ACCESSIBILITY_SERVICE";

pub fn check(input: &Input, context: &Context, out: &mut Vec<Finding>) {
    if !input.play && !input.cn {
        return;
    }
    let claims_tool = input
        .google_play
        .as_ref()
        .and_then(|gp| gp.is_accessibility_tool)
        .unwrap_or(false);
    let assistive = input.category_is(ASSISTIVE_CATEGORY_WORDS);
    for service in input.services().filter(|c| is_accessibility_service(c)) {
        let sdk = input.sdk_of(&service.name);
        let path = format!("service[@name='{}']@permission", service.name);
        let finding = if claims_tool && !assistive {
            let f = if input.play {
                RULE.reject()
            } else {
                RULE.rectify(context)
            };
            f.en(format!(
                "The listing claims isAccessibilityTool for {}, but the store category \"{}\" is not an assistive tool for people with disabilities.",
                service.name, input.store_category
            ))
            .zh(format!(
                "上架信息声明 {} 为无障碍工具（isAccessibilityTool），但商店分类“{}”并非面向残障人士的辅助工具。",
                service.name, input.store_category
            ))
            .evidence(EvidenceSource::Manifest, path, json::str(BIND))
            .evidence(EvidenceSource::Listing, "google_play.is_accessibility_tool", json::bool(true))
            .evidence(EvidenceSource::Listing, "app.store_category", json::str(&input.store_category))
            .expected("isAccessibilityTool only for assistive tools")
        } else if claims_tool {
            continue;
        } else if input.play && !input.approved(BIND) {
            RULE.reject()
                .en(format!(
                    "Accessibility service {} is not an accessibility tool and has no approved Google Play declaration.",
                    service.name
                ))
                .zh(format!(
                    "无障碍服务 {} 不是无障碍工具，且没有获批的 Google Play 权限声明。",
                    service.name
                ))
                .evidence(EvidenceSource::Manifest, path, json::str(BIND))
                .evidence(EvidenceSource::Listing, declaration_path(BIND), input.declaration_json(BIND))
                .expected("an approved Play declaration for the AccessibilityService API")
        } else if input.cn && !input.disclosed(BIND) {
            RULE.rectify(context)
                .en(format!(
                    "Accessibility service {} can read and operate other apps' screens but the listing does not disclose it or its purpose.",
                    service.name
                ))
                .zh(format!(
                    "无障碍服务 {} 可读取并操作其他应用界面，但上架信息未披露该服务及其用途。",
                    service.name
                ))
                .evidence(EvidenceSource::Manifest, path, json::str(BIND))
                .evidence(EvidenceSource::Listing, format!("permissions[{BIND}]"), json::null())
                .expected("a permissions[] entry for BIND_ACCESSIBILITY_SERVICE with its purpose")
        } else {
            continue;
        };
        out.push(finding.maybe_sdk(sdk).build());
    }
}

fn is_accessibility_service(c: &Component) -> bool {
    c.permission.as_deref() == Some(BIND)
        || handles(c, "android.accessibilityservice.AccessibilityService")
}
