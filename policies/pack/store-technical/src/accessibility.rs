//! TECH-PLAY-039: AccessibilityService use.
//!
//! An accessibility service reads and drives other apps' screens; screen-
//! reading SDKs are a known abuse vector. Play lets `isAccessibilityTool`
//! be claimed only by tools for people with disabilities, and asks every
//! other service for prominent disclosure, consent and an approved
//! declaration. In the CN market the service must be disclosed in the
//! listing with its purpose.
//!
//! The claim is read from the service's `android.accessibilityservice`
//! XML (`facts.accessibility_configs`, contract 0.1.2), which is what
//! Android and Play read; the listing's `google_play.is_accessibility_tool`
//! stands in when the facts carry no config (stored before 0.1.2, or a
//! service whose XML is missing). What the service reaches
//! (`canRetrieveWindowContent`, its event types, the apps it listens to)
//! is evidence of every finding.

use shelfgate_pack_data::lexicon::ASSISTIVE_CATEGORY_WORDS;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{AccessibilityConfig, Component};

use crate::play::{declaration_path, handles, Input, Play as _};

pub const RULE: Rule = Rule {
    id: "TECH-PLAY-039",
    refs: &["GP-PERM Use of the AccessibilityService API"],
    remediation: "Use an AccessibilityService only for a feature the user turns on knowingly: claim isAccessibilityTool only for tools built for people with disabilities, otherwise show a prominent disclosure, get consent and submit the Play declaration; in the CN market state the service and its purpose in the listing (permissions[] entry for BIND_ACCESSIBILITY_SERVICE).",
};

const BIND: &str = "android.permission.BIND_ACCESSIBILITY_SERVICE";

pub fn check(input: &Input, facts: &Facts, context: &Context, out: &mut Vec<Finding>) {
    if !input.play() && !input.cn() {
        return;
    }
    let listing_claim = input
        .google_play()
        .as_ref()
        .and_then(|gp| gp.is_accessibility_tool)
        .unwrap_or(false);
    let assistive = input.category_is(ASSISTIVE_CATEGORY_WORDS);
    let mut services = input
        .services()
        .filter(|c| is_accessibility_service(c))
        .peekable();
    if services.peek().is_none() {
        return;
    }
    let configs = facts.accessibility_configs();
    for service in services {
        let sdk = input.sdk_of(&service.name);
        let path = format!("service[@name='{}']@permission", service.name);
        let config = configs.iter().find(|c| c.service == service.name);
        let claims_tool = config.map_or(listing_claim, |c| c.is_accessibility_tool);
        let finding = if claims_tool && !assistive {
            let f = if input.play() {
                RULE.reject()
            } else {
                RULE.rectify(context)
            };
            let (who_en, who_zh) = match config {
                Some(c) => (
                    format!("The service's configuration {}", c.path),
                    format!("服务配置 {} ", c.path),
                ),
                None => ("The listing".to_owned(), "上架信息".to_owned()),
            };
            let f = f
                .en(format!(
                    "{who_en} claims isAccessibilityTool for {}, but the store category \"{}\" is not an assistive tool for people with disabilities.",
                    service.name, input.app().store_category
                ))
                .zh(format!(
                    "{who_zh}声明 {} 为无障碍工具（isAccessibilityTool），但商店分类“{}”并非面向残障人士的辅助工具。",
                    service.name, input.app().store_category
                ))
                .evidence(EvidenceSource::Manifest, path, json::str(BIND));
            let f = match config {
                Some(c) => f.evidence(
                    EvidenceSource::Manifest,
                    format!("{}@isAccessibilityTool", c.path),
                    json::bool(true),
                ),
                None => f.evidence(
                    EvidenceSource::Listing,
                    "google_play.is_accessibility_tool",
                    json::bool(true),
                ),
            };
            f.evidence(
                EvidenceSource::Listing,
                "app.store_category",
                json::str(&input.app().store_category),
            )
            .expected("isAccessibilityTool only for assistive tools")
        } else if claims_tool {
            continue;
        } else if input.play() && !input.approved(BIND) {
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
        } else if input.cn() && !input.disclosed(BIND) {
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
        let finding = match config {
            Some(c) => reach_evidence(finding, c),
            None => finding,
        };
        out.push(finding.maybe_sdk(sdk).build());
    }
}

/// What the service can see: window content, the events it listens to and
/// the apps it is limited to (none: every app).
fn reach_evidence(f: FindingBuilder, c: &AccessibilityConfig) -> FindingBuilder {
    f.evidence(
        EvidenceSource::Manifest,
        format!("{}@canRetrieveWindowContent", c.path),
        json::bool(c.can_retrieve_window_content),
    )
    .evidence(
        EvidenceSource::Manifest,
        format!("{}@accessibilityEventTypes", c.path),
        json::strs(c.event_types.iter().map(String::as_str)),
    )
    .evidence(
        EvidenceSource::Manifest,
        format!("{}@packageNames", c.path),
        json::strs(c.package_names.iter().map(String::as_str)),
    )
}

fn is_accessibility_service(c: &Component) -> bool {
    c.permission.as_deref() == Some(BIND)
        || handles(c, "android.accessibilityservice.AccessibilityService")
}
