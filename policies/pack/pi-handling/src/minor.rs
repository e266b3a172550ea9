//! PI-MINOR-014: apps for children under 14.
//!
//! Children's PI is sensitive and needs guardian consent under a dedicated
//! rule set, and children get no personalised ads. An app is for children
//! when its audience starts below 14 or it joins Google Play's Families
//! programme. Personalised ads to children are a Play Families violation
//! (reject on Play targets) and a rectification elsewhere.

use shelfgate_policy_sdk::prelude::*;

use crate::input::{sdk_label, Handling as _, Input};

pub const RULE: Rule = Rule {
    id: "PI-MINOR-014",
    refs: &[
        "PIPL Art. 28",
        "PIPL Art. 31",
        "CAC children's PI provisions 2019",
        "Google Play Families policy",
    ],
    remediation: "Publish dedicated rules for children's personal information (privacy.children_policy_url) with guardian consent for users under 14, and serve children no personalised ads: turn ad personalisation off in every ads SDK.",
};

/// PIPL Art. 31: guardian consent below this age.
const CHILD_AGE: u8 = 14;

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let families = input
        .listing
        .google_play()
        .and_then(|g| g.families_program)
        .unwrap_or(false);
    let age = input.app().target_age_min;
    if age >= CHILD_AGE && !families {
        return;
    }
    let audience = |f: FindingBuilder| {
        let f = f.evidence(
            EvidenceSource::Listing,
            "app.target_age_min",
            json::num(age),
        );
        if families {
            f.evidence(
                EvidenceSource::Listing,
                "google_play.families_program",
                json::bool(true),
            )
        } else {
            f
        }
    };
    let policy = input
        .privacy()
        .children_policy_url
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    if policy.is_empty() {
        let f = RULE
            .rectify(input.context)
            .en(format!("The app is meant for users from age {age} but publishes no rules for children's personal information."))
            .zh(format!("应用面向 {age} 岁起的用户，但未提供儿童个人信息保护规则。"))
            .evidence(EvidenceSource::Listing, "privacy.children_policy_url", json::opt_str(input.privacy().children_policy_url.as_deref()))
            .expected("privacy.children_policy_url");
        out.push(audience(f).build());
    }
    if !input.privacy().personalization.uses_personalized_ads {
        return;
    }
    // Play's Families policy refuses; elsewhere it is a rectification.
    let start = || {
        if input.play() {
            RULE.reject()
        } else {
            RULE.rectify(input.context)
        }
    };
    let personalised = |f: FindingBuilder| {
        f.evidence(
            EvidenceSource::Listing,
            "privacy.personalization.uses_personalized_ads",
            json::bool(true),
        )
    };
    let mut ads = input.sdks_of(&["ads"]).peekable();
    if ads.peek().is_none() {
        let f = start()
            .en("The app is meant for children and declares personalised ads.")
            .zh("应用面向儿童，却声明投放个性化广告。")
            .expected("uses_personalized_ads = false");
        out.push(audience(personalised(f)).build());
        return;
    }
    for sdk in ads {
        let f = start()
            .en(format!(
                "The app is meant for children and {} serves them personalised ads.",
                sdk_label(sdk)
            ))
            .zh(format!(
                "应用面向儿童，{} 却向其投放个性化广告。",
                sdk_label(sdk)
            ))
            .evidence(
                EvidenceSource::Sdk,
                format!("sdks[{}]", sdk.id),
                json::str(&sdk.name),
            )
            .expected(
                "ads SDKs configured for non-personalised ads (uses_personalized_ads = false)",
            )
            .sdk(&sdk.id);
        out.push(audience(personalised(f)).build());
    }
}
