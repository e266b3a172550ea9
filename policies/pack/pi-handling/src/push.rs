//! PI-PUSH-012: targeted push and personalised ads can be switched off.
//!
//! Ad networks personalise by default, so an ads SDK, or a declared use of
//! personalised recommendation or ads, needs an option not based on the
//! user's characteristics: `personalization.opt_out_available` and the
//! path to it. Whether the switch works is runtime.

use shelfgate_policy_sdk::prelude::*;

use crate::input::{sdk_label, Handling as _, Input};

pub const RULE: Rule = Rule {
    id: "PI-PUSH-012",
    refs: &[
        "MIIT-2020-164 issue 4",
        "MIIT-2019-337 item 4",
        "ID-METHOD-2019 III.6",
        "PIPL Art. 24",
    ],
    remediation: "Offer an option not based on personal characteristics: a switch that turns off personalised recommendation and ads, declared as privacy.personalization.opt_out_available with its opt_out_path, and configure bundled ad SDKs to honour it.",
};

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let p = &input.privacy().personalization;
    let path = p.opt_out_path.as_deref().map(str::trim).unwrap_or_default();
    if p.opt_out_available && !path.is_empty() {
        return;
    }
    let problem_en = if p.opt_out_available {
        "the listing does not say where the switch is (personalization.opt_out_path)"
    } else {
        "the listing offers no way to switch personalisation off"
    };
    let problem_zh = if p.opt_out_available {
        "上架信息未说明关闭入口（personalization.opt_out_path）"
    } else {
        "上架信息未提供关闭个性化推荐或广告的选项"
    };
    let with_declarations = |f: FindingBuilder| {
        f.evidence(
            EvidenceSource::Listing,
            "privacy.personalization.opt_out_available",
            json::bool(p.opt_out_available),
        )
        .evidence(
            EvidenceSource::Listing,
            "privacy.personalization.opt_out_path",
            json::opt_str(p.opt_out_path.as_deref()),
        )
        .expected("opt_out_available = true and an opt_out_path")
    };
    let mut ads = input.sdks_of(&["ads"]).peekable();
    if ads.peek().is_some() {
        for sdk in ads {
            let f = RULE
                .rectify(input.context)
                .en(format!(
                    "{} serves personalised ads, but {problem_en}.",
                    sdk_label(sdk)
                ))
                .zh(format!(
                    "{} 提供个性化广告，但{problem_zh}。",
                    sdk_label(sdk)
                ))
                .evidence(
                    EvidenceSource::Sdk,
                    format!("sdks[{}]", sdk.id),
                    json::str(&sdk.name),
                )
                .sdk(&sdk.id);
            out.push(with_declarations(f).build());
        }
    } else if p.uses_personalized_ads || p.uses_personalized_recommendation {
        let f = RULE
            .rectify(input.context)
            .en(format!(
                "The app declares personalised recommendation or ads, but {problem_en}."
            ))
            .zh(format!("应用声明使用个性化推荐或广告，但{problem_zh}。"))
            .evidence(
                EvidenceSource::Listing,
                "privacy.personalization.uses_personalized_recommendation",
                json::bool(p.uses_personalized_recommendation),
            )
            .evidence(
                EvidenceSource::Listing,
                "privacy.personalization.uses_personalized_ads",
                json::bool(p.uses_personalized_ads),
            );
        out.push(with_declarations(f).build());
    }
}
