//! PI-SHARE-011: declared data sharing matches SDK roles.
//!
//! Ads, analytics, attribution, push and risk-control SDKs send what they
//! collect to their operators, so the listing must declare that sharing:
//! an item the SDK collects with recipients (`shared_with`), or an item
//! naming the operator; or the SDK entry says it is an entrusted
//! processor, with its purpose as the justification. On Google Play the
//! Data safety section must declare something shared.

use shelfgate_pack_data::sdk_types::has_any_type;
use shelfgate_policy_sdk::attribution::names_sdk;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::text::norm_name;
use shelfgate_policy_sdk::types::{ProcessingRole, SdkDecl, SdkMatch};

pub const RULE: Rule = Rule {
    id: "PI-SHARE-011",
    refs: &[
        "PIPL Art. 23",
        "ID-METHOD-2019 V.1-V.3",
        "GP-DS",
    ],
    remediation: "Declare what each ads, analytics, attribution, push or risk-control SDK sends to its operator: list the operator in data_collection[].shared_with (and in the CN sharing list and Play Data safety 'shared'), obtain separate consent for the sharing, or, if the operator only processes on your behalf, declare processing_role = entrusted with the purpose.",
};

const SHARING_TYPES: &[&str] = &["ads", "analytics", "attribution", "push", "risk_control"];

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let context = s.context;
    // Asked only when a sharing SDK gets that far; the Snapshot keeps the
    // answer for the next one.
    let play_shared_none = || {
        s.play()
            && s.google_play()
                .as_ref()
                .is_some_and(|g| g.data_safety.shared.is_empty())
    };
    for sdk in s
        .sdks()
        .iter()
        .filter(|m| has_any_type(&m.categories, SHARING_TYPES))
    {
        let decl = s.sdk_decl(sdk);
        if let Some(d) = decl.filter(|d| d.processing_role == ProcessingRole::Entrusted) {
            if d.purpose.trim().is_empty() {
                out.push(
                    RULE.rectify(context)
                        .en(format!("{} ({}) is declared an entrusted processor without a purpose that justifies it.", sdk.name, sdk.id))
                        .zh(format!("{}（{}）被声明为受托处理方，但未说明委托处理的目的。", sdk.name, sdk.id))
                        .evidence(EvidenceSource::Listing, format!("third_party_sdks[{}].processing_role", d.id), json::str("entrusted"))
                        .evidence(EvidenceSource::Listing, format!("third_party_sdks[{}].purpose", d.id), json::str(&d.purpose))
                        .expected("the purpose of the entrusted processing")
                        .sdk(&sdk.id)
                        .build(),
                );
            }
            continue;
        }
        let shared = s.data_collection().iter().any(|item| {
            (names_sdk(&item.collected_by, sdk, decl) && !item.shared_with.is_empty())
                || item
                    .shared_with
                    .iter()
                    .any(|w| names_operator(w, sdk, decl))
        });
        if !shared {
            out.push(
                RULE.rectify(context)
                    .en(format!("{} ({}) sends data to its operator, but no data_collection item declares that sharing.", sdk.name, sdk.id))
                    .zh(format!("{}（{}）会向其运营方提供数据，但收集信息清单未声明该共享。", sdk.name, sdk.id))
                    .evidence(EvidenceSource::Sdk, format!("sdks[{}].categories", sdk.id), json::strs(sdk.categories.iter().map(String::as_str)))
                    .evidence(EvidenceSource::Listing, format!("data_collection[collected_by=sdk:{}].shared_with", sdk.id), json::null())
                    .evidence(
                        EvidenceSource::Listing,
                        format!("third_party_sdks[{}].processing_role", sdk.id),
                        decl.map_or_else(json::null, |_| json::str("third_party")),
                    )
                    .expected("shared_with naming the operator, or processing_role = entrusted")
                    .sdk(&sdk.id)
                    .build(),
            );
        }
        if play_shared_none() {
            out.push(
                RULE.rectify(context)
                    .en(format!("{} ({}) shares data with its operator, but the Google Play Data safety section declares nothing shared.", sdk.name, sdk.id))
                    .zh(format!("{}（{}）会向其运营方共享数据，但 Google Play 数据安全表单未声明任何共享。", sdk.name, sdk.id))
                    .evidence(EvidenceSource::Listing, "google_play.data_safety.shared", "[]")
                    .expected("the shared data types in data_safety.shared")
                    .sdk(&sdk.id)
                    .build(),
            );
        }
    }
}

/// Whether a `shared_with` recipient names the SDK or its operator.
fn names_operator(recipient: &str, sdk: &SdkMatch, decl: Option<&SdkDecl>) -> bool {
    let recipient = norm_name(recipient);
    let names = [
        Some(sdk.id.as_str()),
        Some(sdk.name.as_str()),
        sdk.vendor.as_deref(),
        decl.map(|d| d.name.as_str()),
        decl.map(|d| d.vendor.as_str()),
    ];
    names
        .into_iter()
        .flatten()
        .map(norm_name)
        .any(|n| !n.is_empty() && recipient.contains(&n))
}
