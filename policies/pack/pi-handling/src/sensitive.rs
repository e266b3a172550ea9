//! PI-SENSITIVE-013: sensitive PI and biometrics need separate consent and
//! necessity.
//!
//! An item is sensitive when the listing says so or its `pi_type` is
//! sensitive (`pi-types.json`, the necessary-PI items). Face/liveness and
//! OCR SDKs collect biometrics or identity documents, so the listing must
//! carry such an item. No category of CAC-2021-14 needs biometrics for
//! its basic function.

use shelfgate_pack_data::pi::{is_biometric, pi_type};
use shelfgate_pack_data::sdk_types::has_type;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::DataItem;

use crate::input::{sdk_in, sdk_label, Input};

pub const RULE: Rule = Rule {
    id: "PI-SENSITIVE-013",
    refs: &[
        "PIPL Art. 28",
        "PIPL Art. 29",
        "GB/T 35273 §5.4",
        "GB/T 41391 §6.3",
        "MIIT-2019-337 item 2",
    ],
    remediation: "Collect sensitive personal information only for a specific purpose and with the user's separate consent: declare each such item with sensitive = true and separate_consent = true, and never make biometrics a condition of the basic function.",
};

fn sensitive(d: &DataItem) -> bool {
    d.sensitive || pi_type(&d.pi_type).is_some_and(|t| t.sensitive)
}

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    for (i, d) in input.data_collection().iter().enumerate() {
        let sdk = sdk_in(&d.collected_by);
        if sensitive(d) && !d.separate_consent {
            let mut f = RULE
                .rectify(input.context)
                .en(format!("{} is sensitive personal information but is collected without separate consent.", d.pi_type))
                .zh(format!("{} 属于敏感个人信息，但未取得用户单独同意。", d.pi_type))
                .evidence(EvidenceSource::Listing, format!("data_collection[{i}].pi_type"), json::str(&d.pi_type))
                .evidence(EvidenceSource::Listing, format!("data_collection[{i}].sensitive"), json::bool(d.sensitive))
                .evidence(EvidenceSource::Listing, format!("data_collection[{i}].separate_consent"), json::bool(false))
                .expected("separate_consent = true");
            if let Some(id) = sdk {
                f = f.sdk(id);
            }
            out.push(f.build());
        }
        if is_biometric(&d.pi_type) && d.necessary {
            let mut f = RULE
                .rectify(input.context)
                .en(format!("{} is declared necessary for the basic function; biometrics are necessary in none of the 39 app categories.", d.pi_type))
                .zh(format!("{} 被声明为基本功能所必需，而生物识别信息不属于任何一类应用的必要个人信息。", d.pi_type))
                .evidence(EvidenceSource::Listing, format!("data_collection[{i}].necessary"), json::bool(true))
                .expected("necessary = false, with an alternative to biometric verification")
                .confidence(Confidence::Secondary);
            if let Some(id) = sdk {
                f = f.sdk(id);
            }
            out.push(f.build());
        }
    }
    for sdk in input.sdks() {
        let biometric = has_type(&sdk.categories, "biometric");
        let ocr = has_type(&sdk.categories, "ocr");
        if !biometric && !ocr {
            continue;
        }
        let declared = input.data_collection().iter().any(|d| {
            if biometric {
                is_biometric(&d.pi_type)
            } else {
                sensitive(d)
            }
        });
        if declared {
            continue;
        }
        let (what_en, what_zh, path, want) = if biometric {
            (
                "face or other biometric data",
                "人脸等生物识别信息",
                "data_collection[pi_type=biometric_face]",
                "a biometric_face (or biometric_voice) item",
            )
        } else {
            (
                "identity documents",
                "身份证件等敏感信息",
                "data_collection[sensitive=true]",
                "a sensitive item for the recognised documents (e.g. id_document_copy)",
            )
        };
        out.push(
            RULE.rectify(input.context)
                .en(format!(
                    "{} processes {what_en}, but data_collection declares no such sensitive item.",
                    sdk_label(sdk)
                ))
                .zh(format!(
                    "{} 处理{what_zh}，但收集信息清单未声明相应的敏感个人信息。",
                    sdk_label(sdk)
                ))
                .evidence(
                    EvidenceSource::Sdk,
                    format!("sdks[{}]", sdk.id),
                    json::strs(sdk.categories.iter().map(String::as_str)),
                )
                .evidence(EvidenceSource::Listing, path, json::null())
                .expected(format!(
                    "{want} with sensitive = true and separate_consent = true"
                ))
                .sdk(&sdk.id)
                .build(),
        );
    }
}
