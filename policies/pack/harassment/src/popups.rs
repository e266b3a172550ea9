//! HARASS-POPUP-019: splash and pop-up ads, "shake to jump", overlays.
//!
//! What can put ads or windows in front of the user: an ads SDK (splash,
//! interstitial), an accelerometer listener inside one (shake-to-open),
//! the overlay permission, and full-screen intents in an app that is
//! neither a calling nor an alarm app. Any of them needs
//! `behaviour_declarations.popups`; ads need a close button, shake-to-open
//! its sensitivity, and the overlay a described feature. Pop-up frequency
//! is runtime.

use shelfgate_pack_data::sdk_types::has_type;
use shelfgate_policy_sdk::attribution::caller_groups;
use shelfgate_policy_sdk::manifest::permission_path;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::SdkMatch;

use crate::input::Input;

pub const RULE: Rule = Rule {
    id: "HARASS-POPUP-019",
    refs: &["MIIT-2023-26", "MIIT 2021 splash-screen review"],
    remediation: "Declare pop-up behaviour in behaviour_declarations.popups (splash ads, interstitials, shake-to-open and its sensitivity, close button); give every ad a clear close button, keep shake-to-open off or at low sensitivity, and request the overlay or full-screen-intent permission only for a feature that needs it.",
};

const OVERLAY: &str = "android.permission.SYSTEM_ALERT_WINDOW";
const FULL_SCREEN: &str = "android.permission.USE_FULL_SCREEN_INTENT";
/// Packages under an ads SDK whose names show the ad formats.
const AD_FORMAT_WORDS: &[&str] = &["splash", "interstitial"];
/// Packages looked at per SDK prefix.
const PACKAGE_SAMPLE: u32 = 256;
/// Ad-format packages quoted as evidence.
const FORMAT_EVIDENCE: usize = 4;

/// Components that make an app a calling or alarm app, by the permission
/// that binds them or the action they handle.
const CALL_OR_ALARM_PERMISSIONS: &[&str] = &[
    "android.permission.BIND_INCALL_SERVICE",
    "android.permission.BIND_TELECOM_CONNECTION_SERVICE",
];
const CALL_OR_ALARM_ACTIONS: &[&str] = &[
    "android.telecom.InCallService",
    "android.telecom.ConnectionService",
    "android.intent.action.SET_ALARM",
    "android.intent.action.SHOW_ALARMS",
];

struct AdSdk<'s> {
    sdk: &'s SdkMatch,
    formats: Vec<String>,
    shake_callers: Vec<String>,
}

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let ads = ad_sdks(input);
    let overlay = input.requests(OVERLAY);
    let full_screen = input.requests(FULL_SCREEN) && !calls_or_alarms(input);
    let Some(popups) = input.behaviour().popups.as_ref() else {
        for ad in &ads {
            let mut f = RULE
                .rectify(input.context)
                .en(format!("{} ({}) can show splash and interstitial ads, but the listing declares no pop-up behaviour.", ad.sdk.name, ad.sdk.id))
                .zh(format!("{}（{}）可展示开屏和插屏广告，但上架信息未声明弹窗行为。", ad.sdk.name, ad.sdk.id))
                .evidence(EvidenceSource::Sdk, format!("sdks[{}]", ad.sdk.id), json::str(&ad.sdk.name));
            if !ad.formats.is_empty() {
                f = f.evidence(
                    EvidenceSource::Dex,
                    format!("packages[{}]", ad.sdk.id),
                    json::strs(ad.formats.iter().map(String::as_str)),
                );
            }
            if !ad.shake_callers.is_empty() {
                f = f.evidence(
                    EvidenceSource::Dex,
                    "api_refs[sensor.accelerometer].callers",
                    json::strs(ad.shake_callers.iter().map(String::as_str)),
                );
            }
            out.push(
                f.evidence(
                    EvidenceSource::Listing,
                    "behaviour_declarations.popups",
                    json::null(),
                )
                .expected("behaviour_declarations.popups")
                .sdk(&ad.sdk.id)
                .build(),
            );
        }
        let mut own: Vec<&str> = Vec::new();
        if overlay {
            own.push(OVERLAY);
        }
        if full_screen {
            own.push(FULL_SCREEN);
        }
        if !own.is_empty() {
            let mut f = RULE
                .rectify(input.context)
                .en(format!("The app can show windows over other apps or full-screen alerts ({}), but the listing declares no pop-up behaviour.", own.join(", ")))
                .zh(format!("应用可在其他应用上层或以全屏方式弹出窗口（{}），但上架信息未声明弹窗行为。", own.join("、")));
            for p in own {
                f = f.evidence(
                    EvidenceSource::Manifest,
                    permission_path(p),
                    json::bool(true),
                );
            }
            out.push(
                f.evidence(
                    EvidenceSource::Listing,
                    "behaviour_declarations.popups",
                    json::null(),
                )
                .expected("behaviour_declarations.popups")
                .build(),
            );
        }
        if overlay {
            overlay_feature(input, out);
        }
        return;
    };

    // One ads SDK carries the attribution; several share it.
    let only_ad = match ads.as_slice() {
        [one] => Some(one.sdk.id.as_str()),
        _ => None,
    };
    let config = popups
        .shake_sensitivity_config
        .as_deref()
        .map(str::trim)
        .unwrap_or_default();
    if popups.shake_to_open && config.is_empty() {
        let shaker = ads
            .iter()
            .find(|a| !a.shake_callers.is_empty())
            .map(|a| a.sdk.id.as_str())
            .or(only_ad);
        out.push(
            RULE.rectify(input.context)
                .en("Shake-to-open is declared without its sensitivity setting; over-sensitive shaking opens ads by accident.")
                .zh("声明了摇一摇跳转，但未说明其灵敏度设置；过高的灵敏度会导致误触跳转。")
                .evidence(EvidenceSource::Listing, "behaviour_declarations.popups.shake_to_open", json::bool(true))
                .evidence(EvidenceSource::Listing, "behaviour_declarations.popups.shake_sensitivity_config", json::opt_str(popups.shake_sensitivity_config.as_deref()))
                .expected("shake_sensitivity_config describing a low-sensitivity setting, or shake_to_open = false")
                .maybe_sdk(shaker)
                .build(),
        );
    }
    if (popups.splash_ad || popups.interstitial) && !popups.close_button {
        out.push(
            RULE.rectify(input.context)
                .en("Splash or interstitial ads are declared without a clear close button.")
                .zh("声明了开屏或插屏广告，但未提供明显的关闭按钮。")
                .evidence(
                    EvidenceSource::Listing,
                    "behaviour_declarations.popups.splash_ad",
                    json::bool(popups.splash_ad),
                )
                .evidence(
                    EvidenceSource::Listing,
                    "behaviour_declarations.popups.interstitial",
                    json::bool(popups.interstitial),
                )
                .evidence(
                    EvidenceSource::Listing,
                    "behaviour_declarations.popups.close_button",
                    json::bool(false),
                )
                .expected("close_button = true")
                .maybe_sdk(only_ad)
                .build(),
        );
    }
    if overlay {
        overlay_feature(input, out);
    }
}

/// The overlay permission must serve a described feature.
fn overlay_feature(input: &Input, out: &mut Vec<Finding>) {
    let entry = input.declaration(OVERLAY);
    let described = entry.is_some_and(|e| {
        !e.feature_ids.is_empty()
            && e.feature_ids
                .iter()
                .all(|id| input.app().features.iter().any(|f| &f.id == id))
    });
    if described {
        return;
    }
    out.push(
        RULE.rectify(input.context)
            .en(format!("{OVERLAY} is requested, but no described feature of the app draws over other apps."))
            .zh(format!("应用申请 {OVERLAY}，但未说明需要悬浮窗的功能。"))
            .evidence(EvidenceSource::Manifest, permission_path(OVERLAY), json::bool(true))
            .evidence(
                EvidenceSource::Listing,
                format!("permissions[{OVERLAY}].feature_ids"),
                entry.map_or_else(json::null, |e| json::strs(e.feature_ids.iter().map(String::as_str))),
            )
            .expected("a feature in app.features that needs the overlay, or no overlay permission")
            .maybe_sdk(input.declared_sdk(OVERLAY))
            .build(),
    );
}

/// Ads SDKs with their ad-format packages and accelerometer callers.
fn ad_sdks<'s>(input: &'s Input) -> Vec<AdSdk<'s>> {
    let shake = input.facts.api_ref("sensor.accelerometer");
    let shake_groups = shake
        .as_ref()
        .map(|r| caller_groups(&input.sdks(), &r.callers))
        .unwrap_or_default();
    input
        .sdks()
        .iter()
        .filter(|s| has_type(&s.categories, "ads"))
        .map(|sdk| {
            let mut formats = Vec::new();
            for e in sdk.evidence.iter().filter(|e| e.kind == "class-prefix") {
                for p in input.facts.packages_with_prefix(&e.value, PACKAGE_SAMPLE) {
                    let lower = p.to_ascii_lowercase();
                    if formats.len() < FORMAT_EVIDENCE
                        && AD_FORMAT_WORDS.iter().any(|w| lower.contains(w))
                    {
                        formats.push(p);
                    }
                }
            }
            let shake_callers = shake_groups
                .iter()
                .filter(|(owner, _)| owner.as_deref() == Some(sdk.id.as_str()))
                .flat_map(|(_, callers)| callers.iter().cloned())
                .collect();
            AdSdk {
                sdk,
                formats,
                shake_callers,
            }
        })
        .collect()
}

/// Whether the app is a calling or alarm app (full-screen intents allowed).
fn calls_or_alarms(input: &Input) -> bool {
    input.components().iter().any(|c| {
        c.permission
            .as_deref()
            .is_some_and(|p| CALL_OR_ALARM_PERMISSIONS.contains(&p))
            || c.intent_actions
                .iter()
                .any(|a| CALL_OR_ALARM_ACTIONS.contains(&a.as_str()))
    })
}
