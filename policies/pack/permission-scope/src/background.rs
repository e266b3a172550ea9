//! PI-SCOPE-008: no silent or background collection without a declared
//! basic-function need.
//!
//! Background location, background body sensors and foreground services
//! of type location/microphone/camera collect while the user is not
//! looking; each needs a `data_collection` item of its kind marked
//! `processed_in_background`. Periodic work (repeating alarms, job
//! services) inside analytics and ads SDKs is background collection by the
//! SDK. Background location is never needed by a category whose necessary
//! information implies no location at all. The frequency itself is runtime.

use shelfgate_pack_data::pi::permission_pi_types;
use shelfgate_policy_sdk::attribution::{caller_groups, sdk_of_component};
use shelfgate_policy_sdk::manifest::{component_path, permission_path};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{ComponentKind, SdkMatch};

use crate::input::{sdk_label, Input, Scope as _};

pub const RULE: Rule = Rule {
    id: "PI-SCOPE-008",
    refs: &[
        "MIIT-2020-164 issue 2",
        "GB/T 41391 §6.5",
        "GP-PERM background location",
    ],
    remediation: "Collect in the background only what a declared function needs: declare each background collection as a data_collection item with processed_in_background = true and its frequency, drop background location where the category needs no location, and turn off periodic collection in analytics and ads SDKs.",
};

const BACKGROUND_LOCATION: &str = "android.permission.ACCESS_BACKGROUND_LOCATION";

/// A kind of background collection: its name, the permissions and
/// foreground-service type that enable it, and the permission whose PI
/// types declare it.
struct Kind {
    name: &'static str,
    zh: &'static str,
    permissions: &'static [&'static str],
    fgs_type: Option<&'static str>,
    pi_of: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        name: "location",
        zh: "位置",
        permissions: &[
            BACKGROUND_LOCATION,
            "android.permission.FOREGROUND_SERVICE_LOCATION",
        ],
        fgs_type: Some("location"),
        pi_of: "android.permission.ACCESS_COARSE_LOCATION",
    },
    Kind {
        name: "body sensors",
        zh: "身体传感器",
        permissions: &["android.permission.BODY_SENSORS_BACKGROUND"],
        fgs_type: None,
        pi_of: "android.permission.BODY_SENSORS",
    },
    Kind {
        name: "microphone",
        zh: "麦克风",
        permissions: &["android.permission.FOREGROUND_SERVICE_MICROPHONE"],
        fgs_type: Some("microphone"),
        pi_of: "android.permission.RECORD_AUDIO",
    },
    Kind {
        name: "camera",
        zh: "相机",
        permissions: &["android.permission.FOREGROUND_SERVICE_CAMERA"],
        fgs_type: Some("camera"),
        pi_of: "android.permission.CAMERA",
    },
];

const PERIODIC_SDK_TYPES: &[&str] = &["analytics", "ads"];

const JOB_SERVICE_PERMISSION: &str = "android.permission.BIND_JOB_SERVICE";

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let components = input.components();
    if input.requests(BACKGROUND_LOCATION) {
        if let Some(cat) = input.category() {
            let locates = cat
                .implied_permissions
                .iter()
                .any(|p| p.contains("LOCATION"));
            if !locates {
                out.push(
                    RULE.rectify(input.context)
                        .en(format!("{BACKGROUND_LOCATION} is requested, but the necessary information of category {} ({}) includes no location.", cat.id, cat.name_en))
                        .zh(format!("应用申请 {BACKGROUND_LOCATION}，但第 {} 类（{}）的必要个人信息不含位置信息。", cat.id, cat.name_zh))
                        .evidence(EvidenceSource::Manifest, permission_path(BACKGROUND_LOCATION), json::bool(true))
                        .evidence(EvidenceSource::Listing, "app.necessary_pi_category_id", json::num(cat.id))
                        .expected("no background location for this category")
                        .maybe_sdk(input.declared_sdk(BACKGROUND_LOCATION))
                        .confidence(input.category_confidence())
                        .build(),
                );
            }
        }
    }

    for kind in KINDS {
        let mut seen: Vec<(String, String)> = kind
            .permissions
            .iter()
            .filter(|p| input.requests(p))
            .map(|p| (permission_path(p), json::bool(true)))
            .collect();
        if let Some(ty) = kind.fgs_type {
            for c in components
                .iter()
                .filter(|c| c.kind == ComponentKind::Service && c.enabled)
            {
                let types = c.foreground_service_type.as_deref().unwrap_or_default();
                if types.split('|').any(|t| t.trim() == ty) {
                    seen.push((
                        format!(
                            "{}@foregroundServiceType",
                            component_path("service", &c.name)
                        ),
                        json::str(types),
                    ));
                }
            }
        }
        if seen.is_empty() {
            continue;
        }
        let accepted = permission_pi_types(kind.pi_of);
        let declared = input
            .data_collection()
            .iter()
            .any(|d| d.processed_in_background && accepted.contains(&d.pi_type.as_str()));
        if declared {
            continue;
        }
        let mut f = RULE
            .rectify(input.context)
            .en(format!("The app can collect {} in the background, but no data_collection item of that kind is declared processed in the background.", kind.name))
            .zh(format!("应用可在后台收集{}信息，但收集信息清单未声明相应的后台处理。", kind.zh));
        for (path, value) in seen {
            f = f.evidence(EvidenceSource::Manifest, path, value);
        }
        out.push(
            f.evidence(
                EvidenceSource::Listing,
                format!(
                    "data_collection[pi_type={}].processed_in_background",
                    accepted.first().copied().unwrap_or_default()
                ),
                json::null(),
            )
            .expected(format!(
                "a data_collection item with pi_type {} and processed_in_background = true",
                accepted.join(" or ")
            ))
            .build(),
        );
    }

    // Periodic work inside analytics and ads SDKs.
    let mut periodic: Periodic = Vec::new();
    if let Some(r) = input.facts.api_ref("alarm.repeating") {
        for (owner, callers) in caller_groups(&input.sdks(), &r.callers) {
            let Some(sdk) = owner.as_deref().and_then(|id| input.sdk(id)) else {
                continue;
            };
            if shelfgate_pack_data::sdk_types::has_any_type(&sdk.categories, PERIODIC_SDK_TYPES) {
                note(
                    &mut periodic,
                    sdk,
                    (
                        EvidenceSource::Dex,
                        "api_refs[alarm.repeating].callers".to_string(),
                        json::strs(callers.iter().map(String::as_str)),
                    ),
                );
            }
        }
    }
    for c in components {
        if c.kind != ComponentKind::Service
            || !c.enabled
            || c.permission.as_deref() != Some(JOB_SERVICE_PERMISSION)
        {
            continue;
        }
        if let Some(sdk) = sdk_of_component(&input.sdks(), &c.name) {
            if shelfgate_pack_data::sdk_types::has_any_type(&sdk.categories, PERIODIC_SDK_TYPES) {
                note(
                    &mut periodic,
                    sdk,
                    (
                        EvidenceSource::Manifest,
                        component_path("service", &c.name),
                        json::str(JOB_SERVICE_PERMISSION),
                    ),
                );
            }
        }
    }
    for (sdk, evidence) in periodic {
        if input
            .collected_by(Some(sdk))
            .any(|d| d.processed_in_background)
        {
            continue;
        }
        let mut f = RULE
            .rectify(input.context)
            .en(format!("{} schedules periodic background work, but nothing it collects is declared processed in the background.", sdk_label(sdk)))
            .zh(format!("{} 会定时在后台运行，但收集信息清单未声明其后台收集。", sdk_label(sdk)));
        for (source, path, value) in evidence {
            f = f.evidence(source, path, value);
        }
        out.push(
            f.evidence(EvidenceSource::Listing, format!("data_collection[collected_by=sdk:{}].processed_in_background", sdk.id), json::null())
                .expected(format!("a data_collection item collected_by sdk:{} with processed_in_background = true and its frequency, or periodic collection turned off", sdk.id))
                .sdk(&sdk.id)
                .build(),
        );
    }
}

type Periodic<'s> = Vec<(&'s SdkMatch, Vec<(EvidenceSource, String, String)>)>;

/// Record one piece of periodic-work evidence under its SDK.
fn note<'s>(periodic: &mut Periodic<'s>, sdk: &'s SdkMatch, ev: (EvidenceSource, String, String)) {
    match periodic.iter_mut().find(|(s, _)| s.id == sdk.id) {
        Some((_, list)) => list.push(ev),
        None => periodic.push((sdk, vec![ev])),
    }
}
