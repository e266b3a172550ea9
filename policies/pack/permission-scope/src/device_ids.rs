//! PI-SCOPE-007: device identifiers and never-necessary sensitive
//! permissions.
//!
//! No category needs contacts, call log, SMS, phone state and the like
//! (`permissions_never_implied_by_any_category`), so each needs a described
//! feature. Non-changeable device identifiers (GB/T 41391 Annex F) read
//! through the framework APIs below need a declared device_id item with
//! purpose and frequency, from whoever's code reads them (app or SDK).

use shelfgate_pack_data::never_implied;
use shelfgate_policy_sdk::attribution::caller_groups;
use shelfgate_policy_sdk::manifest::permission_path;
use shelfgate_policy_sdk::prelude::*;

use crate::input::{owner_names, Input, Scope as _};

pub const RULE: Rule = Rule {
    id: "PI-SCOPE-007",
    refs: &[
        "MIIT-2019-337 item 2",
        "MIIT-2020-164 issue 2",
        "GB/T 41391 Annex E",
        "GB/T 41391 Annex F",
        "CAC-2021-14",
    ],
    remediation: "Do not read IMEI/IMSI/serial/MAC or contacts, call log and SMS unless a declared feature needs them: remove the calls (or the SDK making them) or use resettable identifiers (OAID/Android ID); bind each such permission to a described feature, and declare device_id collection with its purpose and frequency.",
};

/// Annex F identifiers: non-changeable, never necessary. (`android-id` is
/// resettable, and its key matches every `Settings.Secure` read.)
const DEVICE_ID_KEYS: &[&str] = &[
    "device-id.imei",
    "device-id.imsi",
    "device-id.sim-serial",
    "device-id.phone-number",
    "device-id.serial",
    "device-id.mac",
];

const PRIVILEGED_PHONE_STATE: &str = "android.permission.READ_PRIVILEGED_PHONE_STATE";

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    for perm in input.usable_permissions() {
        if perm.name == PRIVILEGED_PHONE_STATE {
            out.push(
                RULE.rectify(input.context)
                    .en(format!(
                        "{PRIVILEGED_PHONE_STATE} is granted only to system apps; remove it."
                    ))
                    .zh(format!("{PRIVILEGED_PHONE_STATE} 仅授予系统应用，请删除。"))
                    .evidence(
                        EvidenceSource::Manifest,
                        permission_path(&perm.name),
                        json::bool(true),
                    )
                    .expected("no READ_PRIVILEGED_PHONE_STATE in a third-party app")
                    .maybe_sdk(input.declared_sdk(&perm.name))
                    .build(),
            );
            continue;
        }
        if !never_implied(&perm.name) {
            continue;
        }
        let entry = input.declaration(&perm.name);
        if entry.is_some_and(|e| input.features_described(&e.feature_ids)) {
            continue;
        }
        out.push(
            RULE.rectify(input.context)
                .en(format!(
                    "{} is necessary in no app category and no described feature justifies it.",
                    perm.name
                ))
                .zh(format!(
                    "{} 不属于任何类别应用的必要权限，且未关联已说明的功能。",
                    perm.name
                ))
                .evidence(
                    EvidenceSource::Manifest,
                    permission_path(&perm.name),
                    json::bool(true),
                )
                .evidence(
                    EvidenceSource::Listing,
                    format!("permissions[{}].feature_ids", perm.name),
                    entry.map_or_else(json::null, |e| {
                        json::strs(e.feature_ids.iter().map(String::as_str))
                    }),
                )
                .expected("feature_ids naming features described in app.features")
                .maybe_sdk(input.declared_sdk(&perm.name))
                .confidence(Confidence::Secondary)
                .build(),
        );
    }

    // Device-identifier reads, grouped by whose code makes them.
    let mut owners: Vec<(Option<String>, Vec<String>, Vec<String>)> = Vec::new();
    for r in input.api_refs() {
        if !DEVICE_ID_KEYS.contains(&r.key.as_str()) {
            continue;
        }
        for (owner, callers) in caller_groups(&input.sdks(), &r.callers) {
            let slot = match owners.iter().position(|(o, _, _)| *o == owner) {
                Some(i) => i,
                None => {
                    owners.push((owner, Vec::new(), Vec::new()));
                    owners.len() - 1
                }
            };
            if let Some((_, methods, all_callers)) = owners.get_mut(slot) {
                if !methods.contains(&r.method) {
                    methods.push(r.method.clone());
                }
                for c in callers {
                    if !all_callers.contains(&c) {
                        all_callers.push(c);
                    }
                }
            }
        }
    }
    for (owner, methods, callers) in owners {
        let sdk = owner.as_deref().and_then(|id| input.sdk(id));
        let declared = input.collected_by(sdk).any(|d| {
            d.pi_type == "device_id"
                && !d.purpose.trim().is_empty()
                && d.frequency.as_deref().is_some_and(|f| !f.trim().is_empty())
        });
        if declared {
            continue;
        }
        let (who, who_zh, by) = owner_names(sdk);
        out.push(
            RULE.rectify(input.context)
                .en(format!("{who} reads non-changeable device identifiers ({}) without a declared device_id item with purpose and frequency.", methods.join(", ")))
                .zh(format!("{who_zh} 读取不可变更的设备唯一标识符（{}），但未声明 device_id 的收集目的和频率。", methods.join("、")))
                .evidence(EvidenceSource::Dex, "api_refs[device-id].methods", json::strs(methods.iter().map(String::as_str)))
                .evidence(EvidenceSource::Dex, "api_refs[device-id].callers", json::strs(callers.iter().map(String::as_str)))
                .evidence(EvidenceSource::Listing, format!("data_collection[pi_type=device_id,collected_by={by}].frequency"), json::null())
                .expected(format!("no such calls, or a device_id item collected_by {by} with purpose and frequency"))
                .maybe_sdk(owner)
                .build(),
        );
    }
}
