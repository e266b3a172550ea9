//! PLAT-LICENCE-032: sector licences for regulated categories (CN market).
//!
//! The category decides the licences (`shelfgate_pack_data::licences`):
//! online games need an NPPA approval number and an ISBN, news a news
//! information service licence, lending, payment, medical consultation and
//! ride-hailing their sector licences, and any paid service (in-app
//! purchases, subscriptions) an ICP operating licence. The category is the
//! listing's necessary-PI category, or its store-category words when it
//! names none. A licence counts when its number is given and it has not
//! expired on the evaluation date. Missing -> hard reject; the mapping is
//! platform practice from memory, and findings say so.

use shelfgate_pack_data::licences::{LicenceNeed, ICP_OPERATING, LICENCE_NEEDS};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::Licence;

use crate::parties::Parties;

pub const RULE: Rule = Rule {
    id: "PLAT-LICENCE-032",
    refs: &["CAC-2022-APP", "NPPA game approval", "sector licensing rules"],
    remediation: "Add the licences your category requires to the listing (type, number, holder, valid_until): NPPA approval number and ISBN for online games, internet news licence for news, the financial licence for lending or payment, the internet-hospital licence for medical consultation, the ride-hailing licence, and an ICP operating licence for paid services.",
};

pub fn check(parties: &Parties, listing: &Listing, context: &Context, out: &mut Vec<Finding>) {
    let app = parties.app();
    let licences = listing.licences().unwrap_or_default();
    let today = context.date();
    let mut needs: Vec<&LicenceNeed> = LICENCE_NEEDS
        .iter()
        .filter(|n| match app.necessary_pi_category_id {
            Some(c) => n.categories.contains(&u32::from(c)),
            None => text::find_any(&app.store_category, n.store_words).is_some(),
        })
        .collect();
    let paid = app.contains_iap || app.subscriptions.as_ref().is_some_and(|s| !s.is_empty());
    if paid {
        needs.push(&ICP_OPERATING);
    }
    for need in needs {
        if licences.iter().any(|l| satisfies(l, need, &today)) {
            continue;
        }
        let held: Vec<&Licence> = licences
            .iter()
            .filter(|l| need.accepted.contains(&l.type_.as_str()))
            .collect();
        let why_en = match held.first() {
            Some(l) if l.number.trim().is_empty() => " (its number is blank)".to_string(),
            Some(l) => format!(
                " (it expired on {})",
                l.valid_until.as_deref().unwrap_or("?")
            ),
            None => String::new(),
        };
        let why_zh = match held.first() {
            Some(l) if l.number.trim().is_empty() => "（编号为空）".to_string(),
            Some(l) => format!("（已于 {} 过期）", l.valid_until.as_deref().unwrap_or("?")),
            None => String::new(),
        };
        let reason_en = if paid && need.key == ICP_OPERATING.key {
            "a paid service (in-app purchases or subscriptions)".to_string()
        } else {
            format!("category \"{}\"", app.store_category)
        };
        let reason_zh = if paid && need.key == ICP_OPERATING.key {
            "提供付费服务（应用内购买或订阅）".to_string()
        } else {
            format!("分类“{}”", app.store_category)
        };
        out.push(
            RULE.reject()
                .en(format!(
                    "An app with {reason_en} needs the {} ({}); the listing has no valid one{why_en}.",
                    need.en, need.source
                ))
                .zh(format!("{reason_zh}的应用须具备{}，上架信息中没有有效的该许可{why_zh}。", need.zh))
                .evidence(EvidenceSource::Listing, format!("licences[type={}]", need.key), held_json(&held))
                .evidence(EvidenceSource::Listing, "app.store_category", json::str(&app.store_category))
                .evidence(
                    EvidenceSource::Listing,
                    "app.necessary_pi_category_id",
                    app.necessary_pi_category_id.map(json::num).unwrap_or_else(json::null),
                )
                .expected(format!("licences[] with type {} and a number, valid today", need.accepted.join(" or ")))
                .confidence(Confidence::Memory)
                .build(),
        );
    }
}

fn satisfies(l: &Licence, need: &LicenceNeed, today: &str) -> bool {
    need.accepted.contains(&l.type_.as_str())
        && !l.number.trim().is_empty()
        && l.valid_until
            .as_deref()
            .is_none_or(|until| text::before(until, today) != Some(true))
}

fn held_json(held: &[&Licence]) -> String {
    if held.is_empty() {
        return json::null();
    }
    json::strs(held.iter().map(|l| l.number.as_str()))
}
