//! DECEIVE-PI-025: rewards for ID numbers or biometrics (MIIT-2020-164
//! issue 8), CN market.
//!
//! - A sentence of the listing text (description, basic function, feature
//!   names and descriptions) that offers a reward together with real-name
//!   verification or biometrics: rectify.
//! - Confirmed: the listing's own `data_collection` gives a reward as the
//!   purpose of collecting biometrics or ID data, or the text pairs rewards
//!   with biometrics and a biometric SDK is bundled: reject.
//! - A biometric or OCR SDK in an app whose necessary-PI category needs no
//!   ID document (CAC-2021-14): rectify, naming the SDK.
//!
//! Screenshot text (OCR by the host) is not among the facts.

use shelfgate_pack_data::identity::category_needs_id;
use shelfgate_pack_data::lexicon::{BIOMETRIC_WORDS, ID_WORDS, REWARD_WORDS};
use shelfgate_pack_data::sdk_types;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::text::Folded;
use shelfgate_policy_sdk::types::AppInfo;

pub const RULE: Rule = Rule {
    id: "DECEIVE-PI-025",
    refs: &["MIIT-2020-164 issue 8", "PIPL Art. 28-29"],
    remediation: "Do not tie points, red packets, coupons or other rewards to giving an ID number, face or other biometrics; collect them only where the service needs them, with separate consent, and remove biometric/OCR SDKs the basic function does not need.",
};

/// `data_collection` types that are ID data or biometrics.
const ID_OR_BIOMETRIC_TYPES: &[&str] = &[
    "biometric_face",
    "biometric_voice",
    "id_document_copy",
    "real_name_identity",
];

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    if !s.cn() {
        return;
    }
    let app = s.app();
    let sdks = s.sdks();
    let biometric_sdk = sdks
        .iter()
        .find(|s| sdk_types::has_type(&s.categories, "biometric"));

    for item in s.data_collection() {
        if !ID_OR_BIOMETRIC_TYPES.contains(&item.pi_type.as_str()) {
            continue;
        }
        if let Some(reward) = text::find_any(&item.purpose, REWARD_WORDS) {
            out.push(
                RULE.reject()
                    .en(format!(
                        "The listing collects {} for the purpose \"{}\": a reward (\"{reward}\") is offered in exchange for ID or biometric data.",
                        item.pi_type, item.purpose
                    ))
                    .zh(format!(
                        "上架信息以“{}”为目的收集 {}，以奖励（“{reward}”）换取身份或生物识别信息。",
                        item.purpose, item.pi_type
                    ))
                    .evidence(
                        EvidenceSource::Listing,
                        format!("data_collection[{}].purpose", item.pi_type),
                        json::str(&item.purpose),
                    )
                    .expected("ID and biometric data collected only for a service need, never for rewards")
                    .maybe_sdk(item.collected_by.strip_prefix("sdk:"))
                    .build(),
            );
        }
    }

    for (field, sentence) in sentences(app) {
        let folded = Folded::new(sentence);
        let Some(reward) = folded.find_any(REWARD_WORDS) else {
            continue;
        };
        let bio = folded.find_any(BIOMETRIC_WORDS);
        let id = folded.find_any(ID_WORDS);
        let Some(asked) = bio.or(id) else { continue };
        let confirmed = bio.is_some() && biometric_sdk.is_some();
        let f = if confirmed {
            RULE.reject().en(format!(
                "The listing offers a reward (\"{reward}\") for biometrics (\"{asked}\") and the app bundles a biometric SDK: \"{sentence}\"."
            ))
            .zh(format!("上架信息以奖励（“{reward}”）诱导用户提供生物识别信息（“{asked}”），且应用集成了生物识别 SDK：“{sentence}”。"))
        } else {
            RULE.rectify(s.context)
                .en(format!(
                    "The listing ties a reward (\"{reward}\") to ID or biometric data (\"{asked}\"): \"{sentence}\"."
                ))
                .zh(format!("上架信息将奖励（“{reward}”）与身份或生物识别信息（“{asked}”）挂钩：“{sentence}”。"))
        };
        let mut f = f
            .evidence(EvidenceSource::Listing, field.path(), json::str(sentence))
            .expected("no reward offered for ID numbers or biometrics");
        if confirmed {
            if let Some(sdk) = biometric_sdk {
                f = f
                    .evidence(
                        EvidenceSource::Sdk,
                        format!("sdk.detected[{}]", sdk.id),
                        json::str(&sdk.name),
                    )
                    .sdk(sdk.id.clone());
            }
        }
        out.push(f.build());
    }

    let needs_id = app
        .necessary_pi_category_id
        .is_some_and(|c| category_needs_id(u32::from(c)));
    if needs_id {
        return;
    }
    for sdk in sdks
        .iter()
        .filter(|s| sdk_types::has_any_type(&s.categories, &["biometric", "ocr"]))
    {
        out.push(
            RULE.rectify(s.context)
                .en(format!(
                    "{} (biometric/ID recognition SDK) is bundled although the app's category{} needs no ID document for its basic function.",
                    sdk.name,
                    category_text(app.necessary_pi_category_id)
                ))
                .zh(format!(
                    "应用集成了生物识别/证件识别 SDK {}，但其类别{}的基本功能无需证件信息。",
                    sdk.name,
                    category_text(app.necessary_pi_category_id)
                ))
                .evidence(EvidenceSource::Sdk, format!("sdk.detected[{}].categories", sdk.id), json::strs(sdk.categories.iter().map(String::as_str)))
                .evidence(
                    EvidenceSource::Listing,
                    "app.necessary_pi_category_id",
                    app.necessary_pi_category_id.map(json::num).unwrap_or_else(json::null),
                )
                .expected("biometric/OCR SDKs only where the service needs ID verification")
                .sdk(sdk.id.clone())
                .build(),
        );
    }
}

fn category_text(id: Option<u8>) -> String {
    match id.and_then(|c| shelfgate_pack_data::category(u32::from(c))) {
        Some(c) => format!(" {} ({})", c.id, c.name_zh),
        None => " (none declared)".into(),
    }
}

/// Which listing field a sentence comes from; its evidence path is
/// spelled only when a finding needs it.
#[derive(Clone, Copy)]
enum Field<'a> {
    Description,
    BasicFunction,
    FeatureName(&'a str),
    FeatureDescription(&'a str),
}

impl Field<'_> {
    fn path(self) -> String {
        match self {
            Field::Description => "app.description".into(),
            Field::BasicFunction => "app.basic_function".into(),
            Field::FeatureName(id) => format!("app.features[{id}].name"),
            Field::FeatureDescription(id) => format!("app.features[{id}].description"),
        }
    }
}

/// The listing's free-text sentences, with the field each comes from.
fn sentences(app: &AppInfo) -> impl Iterator<Item = (Field<'_>, &str)> {
    let fields = [
        (Field::Description, app.description.as_str()),
        (Field::BasicFunction, app.basic_function.as_str()),
    ]
    .into_iter()
    .chain(app.features.iter().flat_map(|f| {
        [
            (Field::FeatureName(&f.id), f.name.as_str()),
            (Field::FeatureDescription(&f.id), f.description.as_str()),
        ]
    }));
    fields.flat_map(|(field, text)| {
        text.split(['。', '！', '？', '；', '!', '?', ';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(move |s| (field, s))
    })
}
