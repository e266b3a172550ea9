//! PI-SCOPE-006: categories that need no PI must not force login or data.
//!
//! CAC-2021-14 Art. 5 lists 13 categories (browser, news, short video,
//! input method, utilities...) whose basic function needs no personal
//! information at all. The login wall itself is runtime; the listing
//! declares it (`login_required_for_basic_function`). CN market only.

use shelfgate_policy_sdk::prelude::*;

use crate::input::{Input, Scope as _};

pub const RULE: Rule = Rule {
    id: "PI-SCOPE-006",
    refs: &["CAC-2021-14 Art. 5", "ID-METHOD-2019 IV.2"],
    remediation: "Let users use the basic function without giving any personal information: no mandatory login or phone number for browsing, reading or playing, and no data item declared necessary.",
};

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let Some(cat) = input.category().filter(|c| c.no_pi_required) else {
        return;
    };
    let confidence = input.category_confidence();
    let base = |f: FindingBuilder| {
        f.evidence(
            EvidenceSource::Listing,
            "app.necessary_pi_category_id",
            json::num(cat.id),
        )
        .confidence(confidence)
    };
    if input.app().login_required_for_basic_function {
        out.push(
            base(RULE.rectify(input.context))
                .en(format!("Category {} ({}) needs no personal information, but the basic function requires login.", cat.id, cat.name_en))
                .zh(format!("第 {} 类（{}）的基本功能无需个人信息，但应用要求登录后才能使用基本功能。", cat.id, cat.name_zh))
                .evidence(EvidenceSource::Listing, "app.login_required_for_basic_function", json::bool(true))
                .expected("login_required_for_basic_function = false")
                .build(),
        );
    }
    for (i, d) in input
        .data_collection()
        .iter()
        .enumerate()
        .filter(|(_, d)| d.necessary)
    {
        out.push(
            base(RULE.rectify(input.context))
                .en(format!(
                    "Category {} ({}) needs no personal information, but {} is declared necessary.",
                    cat.id, cat.name_en, d.pi_type
                ))
                .zh(format!(
                    "第 {} 类（{}）的基本功能无需个人信息，但 {} 被声明为必要信息。",
                    cat.id, cat.name_zh, d.pi_type
                ))
                .evidence(
                    EvidenceSource::Listing,
                    format!("data_collection[{i}].necessary"),
                    json::bool(true),
                )
                .evidence(
                    EvidenceSource::Listing,
                    format!("data_collection[{i}].pi_type"),
                    json::str(&d.pi_type),
                )
                .expected("necessary = false for every item")
                .maybe_sdk(d.collected_by.strip_prefix("sdk:"))
                .build(),
        );
    }
}
