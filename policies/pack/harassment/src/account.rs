//! HARASS-ACCOUNT-021: account-deletion obstacles.
//!
//! An app with accounts must let users delete them: available, at a stated
//! path, done within 15 working days (ID-METHOD-2019 VI, from memory), and
//! with no extra conditions. Whether it works is runtime.

use shelfgate_policy_sdk::prelude::*;

use crate::input::Input;

pub const RULE: Rule = Rule {
    id: "HARASS-ACCOUNT-021",
    refs: &[
        "MIIT-2019-337 item 8",
        "ID-METHOD-2019 VI.1-VI.4",
        "PIPL Art. 47",
    ],
    remediation: "Offer account deletion inside the app at a stated path, complete it within 15 working days, and attach no conditions beyond verifying the user's identity.",
};

const MAX_DAYS: u32 = 15;

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    if !input.app().has_accounts {
        return;
    }
    let d = &input.privacy().account_deletion;
    let accounts = |f: FindingBuilder| {
        f.evidence(
            EvidenceSource::Listing,
            "app.has_accounts",
            json::bool(true),
        )
    };
    if !d.available {
        out.push(
            accounts(RULE.rectify(input.context))
                .en("The app has user accounts but offers no way to delete them.")
                .zh("应用提供账号注册，但未提供注销账号的功能。")
                .evidence(
                    EvidenceSource::Listing,
                    "privacy.account_deletion.available",
                    json::bool(false),
                )
                .expected("account_deletion.available = true")
                .build(),
        );
        return;
    }
    if d.path.trim().is_empty() {
        out.push(
            accounts(RULE.rectify(input.context))
                .en("The listing does not say where users delete their account.")
                .zh("上架信息未说明注销账号的路径。")
                .evidence(
                    EvidenceSource::Listing,
                    "privacy.account_deletion.path",
                    json::str(&d.path),
                )
                .expected("the menu path to account deletion")
                .build(),
        );
    }
    if d.processing_days == 0 || d.processing_days > MAX_DAYS {
        let (en, zh) = if d.processing_days == 0 {
            (
                "The listing states no time for completing account deletion.".to_string(),
                "上架信息未说明注销账号的办理时限。".to_string(),
            )
        } else {
            (
                format!(
                    "Account deletion takes {} working days, more than {MAX_DAYS}.",
                    d.processing_days
                ),
                format!(
                    "注销账号需 {} 个工作日，超过 {MAX_DAYS} 个工作日。",
                    d.processing_days
                ),
            )
        };
        out.push(
            accounts(RULE.rectify(input.context))
                .en(en)
                .zh(zh)
                .evidence(
                    EvidenceSource::Listing,
                    "privacy.account_deletion.processing_days",
                    json::num(d.processing_days),
                )
                .expected(format!("1..={MAX_DAYS} working days"))
                .confidence(Confidence::Memory)
                .build(),
        );
    }
    if !d.conditions.is_empty() {
        out.push(
            accounts(RULE.rectify(input.context))
                .en(format!(
                    "Account deletion is subject to conditions: {}.",
                    d.conditions.join("; ")
                ))
                .zh(format!(
                    "注销账号设置了附加条件：{}。",
                    d.conditions.join("；")
                ))
                .evidence(
                    EvidenceSource::Listing,
                    "privacy.account_deletion.conditions",
                    json::strs(d.conditions.iter().map(String::as_str)),
                )
                .expected("no conditions beyond identity verification")
                .build(),
        );
    }
}
