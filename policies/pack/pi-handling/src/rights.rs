//! PI-RIGHTS-015: correction, deletion, withdrawal of consent, complaints.
//!
//! The listing must name the ways users exercise their rights and promise
//! a response within 15 working days (ID-METHOD-2019 VI, from memory:
//! findings on the limit carry confidence `memory`). Whether the
//! functions work is runtime.

use shelfgate_policy_sdk::prelude::*;

use crate::input::Input;

pub const RULE: Rule = Rule {
    id: "PI-RIGHTS-015",
    refs: &[
        "ID-METHOD-2019 III.8",
        "ID-METHOD-2019 VI.1-VI.5",
        "PIPL Art. 15",
        "PIPL Art. 44-47",
        "PIPL Art. 50",
    ],
    remediation: "Give users working ways to correct and delete their information and to withdraw consent, publish a complaint channel and a contact for PI requests, and promise a response within 15 working days.",
};

/// ID-METHOD-2019 VI: manual processing and complaints within 15 working days.
const MAX_RESPONSE_DAYS: u32 = 15;

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let p = &input.privacy();
    for (field, value, en, zh) in [
        (
            "consent_withdrawal_path",
            &p.consent_withdrawal_path,
            "how users withdraw consent",
            "撤回同意的途径",
        ),
        (
            "complaint_channel",
            &p.complaint_channel,
            "a complaint channel",
            "投诉举报渠道",
        ),
        (
            "contact_for_pi_requests",
            &p.contact_for_pi_requests,
            "a contact for personal-information requests",
            "个人信息请求的联系方式",
        ),
    ] {
        if value.trim().is_empty() {
            out.push(
                RULE.rectify(input.context)
                    .en(format!("The listing does not give {en} (privacy.{field})."))
                    .zh(format!("上架信息未提供{zh}（privacy.{field}）。"))
                    .evidence(
                        EvidenceSource::Listing,
                        format!("privacy.{field}"),
                        json::str(value),
                    )
                    .expected(format!("a non-empty privacy.{field}"))
                    .build(),
            );
        }
    }
    let days = p.response_time_working_days;
    if days == 0 || days > MAX_RESPONSE_DAYS {
        let (en, zh) = if days == 0 {
            (
                "promises no response time".to_string(),
                "未承诺响应时限".to_string(),
            )
        } else {
            (
                format!(
                    "promises a response in {days} working days, more than {MAX_RESPONSE_DAYS}"
                ),
                format!("承诺的响应时限为 {days} 个工作日，超过 {MAX_RESPONSE_DAYS} 个工作日"),
            )
        };
        out.push(
            RULE.rectify(input.context)
                .en(format!("The listing {en}."))
                .zh(format!("上架信息{zh}。"))
                .evidence(
                    EvidenceSource::Listing,
                    "privacy.response_time_working_days",
                    json::num(days),
                )
                .expected(format!("1..={MAX_RESPONSE_DAYS} working days"))
                .confidence(Confidence::Memory)
                .build(),
        );
    }
}
