//! TECH-PLAY-041: foreground-service types (Android 14, targetSdk 34+).
//!
//! A service started in the foreground must declare `foregroundServiceType`
//! and hold each type's `FOREGROUND_SERVICE_*` permission, or
//! `startForeground` throws and the app crashes: hard reject. Play also
//! wants each type declared in Play Console with its use case.
//!
//! "Started in the foreground" is read from the dex: the service class is
//! among the callers of `Service.startForeground`. A `specialUse` service
//! must name its use in a `<property>` `PROPERTY_SPECIAL_USE_FGS_SUBTYPE`,
//! which Play reviews: without it, reject for Play. Facts stored before
//! contract 0.1.2 carry no properties (`facts.properties()` is none), and
//! then nothing is inferred.

use shelfgate_pack_data::play::fgs_type;
use shelfgate_policy_sdk::prelude::*;

use crate::play::{Input, Play as _};

pub const RULE: Rule = Rule {
    id: "TECH-PLAY-041",
    refs: &["AOSP Android 14 foreground service types", "GP-PERM Foreground service requirements"],
    remediation: "Give every foreground service android:foregroundServiceType, request FOREGROUND_SERVICE and the matching FOREGROUND_SERVICE_<TYPE> permission, and declare each type with its use case and video in Play Console.",
};

/// Android 14: types and their permissions are enforced from this target.
const TYPES_REQUIRED_TARGET: u32 = 34;
const FOREGROUND_SERVICE: &str = "android.permission.FOREGROUND_SERVICE";
const SPECIAL_USE_SUBTYPE: &str = "android.app.PROPERTY_SPECIAL_USE_FGS_SUBTYPE";

pub fn check(input: &Input, facts: &Facts, out: &mut Vec<Finding>) {
    if input.identity().target_sdk < TYPES_REQUIRED_TARGET {
        return;
    }
    let starters = facts
        .api_ref("service.start-foreground")
        .map(|r| r.callers)
        .unwrap_or_default();
    let declared_types: Vec<String> = input
        .google_play()
        .as_ref()
        .map(|gp| {
            gp.foreground_service_declarations
                .iter()
                .map(|d| norm(&d.type_))
                .collect()
        })
        .unwrap_or_default();
    let special_use = |c: &&shelfgate_policy_sdk::types::Component| {
        c.foreground_service_type
            .as_deref()
            .is_some_and(|t| t.split('|').any(|t| t.trim() == "specialUse"))
    };
    // Fetched only when a Play app has a specialUse service.
    let properties = if input.play() && input.services().any(|c| special_use(&c)) {
        facts.properties()
    } else {
        None
    };
    for service in input.services() {
        let path = format!("service[@name='{}']", service.name);
        if let Some(props) = properties.as_ref().filter(|_| special_use(&service)) {
            let subtype = props
                .iter()
                .find(|p| p.owner == service.name && p.name == SPECIAL_USE_SUBTYPE)
                .and_then(|p| p.value.as_deref().or(p.resource.as_deref()))
                .filter(|v| !v.trim().is_empty());
            if subtype.is_none() {
                out.push(
                    RULE.reject()
                        .en(format!(
                            "Service {} has foregroundServiceType specialUse but no <property android:name=\"{SPECIAL_USE_SUBTYPE}\"> naming its use, which Google Play reviews.",
                            service.name
                        ))
                        .zh(format!(
                            "服务 {} 的 foregroundServiceType 为 specialUse，但未通过 <property android:name=\"{SPECIAL_USE_SUBTYPE}\"> 说明其用途，Google Play 审核需要该说明。",
                            service.name
                        ))
                        .evidence(EvidenceSource::Manifest, format!("{path}@foregroundServiceType"), json::str("specialUse"))
                        .evidence(EvidenceSource::Manifest, format!("{path}/property[@name='{SPECIAL_USE_SUBTYPE}']"), json::null())
                        .expected("a PROPERTY_SPECIAL_USE_FGS_SUBTYPE property with the use case")
                        .maybe_sdk(input.sdk_of(&service.name))
                        .build(),
                );
            }
        }
        let sdk = input.sdk_of(&service.name);
        let types: Vec<&str> = service
            .foreground_service_type
            .as_deref()
            .unwrap_or("")
            .split('|')
            .map(str::trim)
            .filter(|t| !t.is_empty() && *t != "none")
            .collect();
        if types.is_empty() {
            if starters.contains(&service.name) {
                out.push(
                    RULE.reject()
                        .en(format!(
                            "Service {} calls startForeground but declares no foregroundServiceType: with targetSdkVersion {} it crashes on Android 14+.",
                            service.name, input.identity().target_sdk
                        ))
                        .zh(format!(
                            "服务 {} 调用 startForeground 但未声明 foregroundServiceType，targetSdkVersion 为 {} 时在 Android 14 及以上会崩溃。",
                            service.name, input.identity().target_sdk
                        ))
                        .evidence(EvidenceSource::Manifest, format!("{path}@foregroundServiceType"), json::null())
                        .evidence(EvidenceSource::Dex, "api_refs[service.start-foreground].callers", json::str(&service.name))
                        .expected("android:foregroundServiceType on every foreground service")
                        .maybe_sdk(sdk.clone())
                        .build(),
                );
            }
            continue;
        }
        let mut needed: Vec<&str> = Vec::new();
        if !input.requests(FOREGROUND_SERVICE) {
            needed.push(FOREGROUND_SERVICE);
        }
        needed.extend(
            types
                .iter()
                .filter_map(|t| fgs_type(t).and_then(|f| f.permission))
                .filter(|p| !input.requests(p)),
        );
        for permission in needed {
            out.push(
                RULE.reject()
                    .en(format!(
                        "Service {} has foregroundServiceType {} but the app does not request {permission}: startForeground throws a SecurityException on Android 14+.",
                        service.name,
                        types.join("|")
                    ))
                    .zh(format!(
                        "服务 {} 的 foregroundServiceType 为 {}，但应用未申请 {permission}，在 Android 14 及以上 startForeground 会抛出 SecurityException。",
                        service.name,
                        types.join("|")
                    ))
                    .evidence(EvidenceSource::Manifest, format!("{path}@foregroundServiceType"), json::str(&types.join("|")))
                    .evidence(EvidenceSource::Manifest, manifest::permission_path(permission), json::bool(false))
                    .expected(format!("uses-permission {permission}"))
                    .maybe_sdk(sdk.clone())
                    .build(),
            );
        }
        if input.play() {
            let missing: Vec<&str> = types
                .iter()
                .copied()
                .filter(|t| *t != "shortService" && !declared_types.contains(&norm(t)))
                .collect();
            if !missing.is_empty() {
                out.push(
                    RULE.reject()
                        .en(format!(
                            "Foreground-service type(s) {} of {} are not declared for Google Play (use case and video).",
                            missing.join(", "),
                            service.name
                        ))
                        .zh(format!(
                            "服务 {} 的前台服务类型 {} 未在 Google Play 中声明（用途说明和视频）。",
                            service.name,
                            missing.join("、")
                        ))
                        .evidence(EvidenceSource::Manifest, format!("{path}@foregroundServiceType"), json::str(&types.join("|")))
                        .evidence(
                            EvidenceSource::Listing,
                            "google_play.foreground_service_declarations[].type",
                            json::strs(input.google_play().iter().flat_map(|gp| gp.foreground_service_declarations.iter().map(|d| d.type_.as_str()))),
                        )
                        .expected("a Play foreground-service declaration for each type")
                        .maybe_sdk(sdk)
                        .build(),
                );
            }
        }
    }
}

/// `dataSync`, `data_sync` and `DATA_SYNC` are the same type.
fn norm(t: &str) -> String {
    t.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}
