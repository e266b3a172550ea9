//! HARASS-RENEW-022: paid features and auto-renewal disclosure.
//!
//! An in-app billing library means paid content the listing must disclose
//! (`contains_iap`); every subscription shows its price and renewal period,
//! reminds the user at least 5 days before renewing and says how to cancel.

use shelfgate_pack_data::sdk_types::iap_code_prefixes;
use shelfgate_policy_sdk::attribution::sdk_of_class;
use shelfgate_policy_sdk::prelude::*;

use crate::input::Input;

pub const RULE: Rule = Rule {
    id: "HARASS-RENEW-022",
    refs: &["MIIT-2023-26"],
    remediation: "Disclose paid content (contains_iap) and, for each subscription, its price, renewal period and how to cancel; never pre-tick auto-renewal, and remind users at least 5 days before each renewal.",
};

/// MIIT-2023-26: remind five days before an automatic renewal.
const MIN_REMINDER_DAYS: u32 = 5;

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let app = &input.app();
    let subs = app.subscriptions.as_deref().unwrap_or_default();
    if !app.contains_iap {
        let billing = iap_code_prefixes()
            .iter()
            .find(|p| input.facts.has_class_prefix(p));
        if let Some(prefix) = billing {
            let sdk = sdk_of_class(&input.sdks(), prefix).map(|s| s.id.clone());
            out.push(
                RULE.rectify(input.context)
                    .en(format!("The app bundles an in-app billing library ({prefix}) but the listing declares no in-app purchases."))
                    .zh(format!("应用集成了应用内支付库（{prefix}），但上架信息声明不含应用内购买。"))
                    .evidence(EvidenceSource::Dex, format!("packages[{prefix}]"), json::bool(true))
                    .evidence(EvidenceSource::Listing, "app.contains_iap", json::bool(false))
                    .expected("contains_iap = true with the fees disclosed")
                    .maybe_sdk(sdk)
                    .build(),
            );
        } else if !subs.is_empty() {
            out.push(
                RULE.rectify(input.context)
                    .en("The listing lists subscriptions but declares no in-app purchases.")
                    .zh("上架信息列出了订阅项目，却声明不含应用内购买。")
                    .evidence(
                        EvidenceSource::Listing,
                        "app.contains_iap",
                        json::bool(false),
                    )
                    .evidence(
                        EvidenceSource::Listing,
                        "app.subscriptions",
                        json::num(subs.len() as i64),
                    )
                    .expected("contains_iap = true")
                    .build(),
            );
        }
    }
    for s in subs {
        let mut missing: Vec<&str> = Vec::new();
        if s.price.trim().is_empty() {
            missing.push("price");
        }
        if s.renewal_period.trim().is_empty() {
            missing.push("renewal_period");
        }
        if s.cancel_path.trim().is_empty() {
            missing.push("cancel_path");
        }
        let late = s.reminder_days_before < MIN_REMINDER_DAYS;
        if missing.is_empty() && !late {
            continue;
        }
        let mut problems_en: Vec<String> = Vec::new();
        let mut problems_zh: Vec<String> = Vec::new();
        if !missing.is_empty() {
            problems_en.push(format!("does not state {}", missing.join(", ")));
            problems_zh.push(format!("未说明 {}", missing.join("、")));
        }
        if late {
            problems_en.push(format!(
                "reminds {} days before renewal, fewer than {MIN_REMINDER_DAYS}",
                s.reminder_days_before
            ));
            problems_zh.push(format!(
                "续费前提醒时间为 {} 天，少于 {MIN_REMINDER_DAYS} 天",
                s.reminder_days_before
            ));
        }
        let base = format!("app.subscriptions[{}]", s.id);
        out.push(
            RULE.rectify(input.context)
                .en(format!("Subscription {} {}.", s.id, problems_en.join(" and ")))
                .zh(format!("订阅项目 {}：{}。", s.id, problems_zh.join("；")))
                .evidence(EvidenceSource::Listing, format!("{base}.price"), json::str(&s.price))
                .evidence(EvidenceSource::Listing, format!("{base}.renewal_period"), json::str(&s.renewal_period))
                .evidence(EvidenceSource::Listing, format!("{base}.reminder_days_before"), json::num(s.reminder_days_before))
                .evidence(EvidenceSource::Listing, format!("{base}.cancel_path"), json::str(&s.cancel_path))
                .expected(format!("price, renewal_period, cancel_path and reminder_days_before >= {MIN_REMINDER_DAYS}"))
                .build(),
        );
    }
}
