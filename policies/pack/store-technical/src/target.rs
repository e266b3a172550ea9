//! TECH-TSDK-035 and TECH-TSDK-036: the targetSdkVersion floors.
//!
//! The floors are platform configuration (`cn_target_sdk_floor`,
//! `play_target_floor` in the context), never constants here: the CN
//! conventions (TAF-API-2019: 26, TAF-API-2023: 30) and Play's yearly step
//! move. Play sets Wear OS, Android TV and Automotive one level below
//! phones; a platform overrides those through settings.

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::UsesFeature;

use crate::play::Input;

pub const CN_RULE: Rule = Rule {
    id: "TECH-TSDK-035",
    refs: &["TAF-API-2019", "TAF-API-2023"],
    remediation: "Raise targetSdkVersion to at least the floor the Chinese stores enforce and re-test runtime permission flows.",
};

pub const PLAY_RULE: Rule = Rule {
    id: "TECH-TSDK-036",
    refs: &["GP-TARGET"],
    remediation: "Raise targetSdkVersion to Google Play's current target API level and adapt to that Android version's behaviour changes.",
};

/// Form factors Play gives a lower floor, by the feature that marks an APK
/// as built for them.
const FORM_FACTORS: &[(&str, &str, &str)] = &[
    ("android.hardware.type.watch", "wear", "Wear OS"),
    ("android.software.leanback", "tv", "Android TV"),
    (
        "android.hardware.type.automotive",
        "automotive",
        "Android Automotive",
    ),
];

pub fn check(input: &Input, context: &Context, out: &mut Vec<Finding>) {
    let target = input.identity().target_sdk;
    if market::in_cn(context) {
        let floor = context.cn_target_sdk_floor();
        if target < floor {
            out.push(
                CN_RULE
                    .reject()
                    .en(format!(
                        "targetSdkVersion {target} is below the Chinese stores' floor of {floor}."
                    ))
                    .zh(format!(
                        "targetSdkVersion 为 {target}，低于国内应用商店要求的 {floor}。"
                    ))
                    .evidence(
                        EvidenceSource::Manifest,
                        "uses-sdk@targetSdkVersion",
                        json::num(target),
                    )
                    .evidence(
                        EvidenceSource::Context,
                        "cn_target_sdk_floor",
                        json::num(floor),
                    )
                    .expected(format!("targetSdkVersion >= {floor}"))
                    .build(),
            );
        }
    }
    if market::targets_play(context) {
        let (floor, form, key) = play_floor(&input.facts.features(), context);
        if target < floor {
            out.push(
                PLAY_RULE
                    .reject()
                    .en(format!(
                        "targetSdkVersion {target} is below Google Play's target API level {floor}{}: Play refuses new apps and updates below it.",
                        form.map(|f| format!(" for {f}")).unwrap_or_default()
                    ))
                    .zh(format!(
                        "targetSdkVersion 为 {target}，低于 Google Play {}要求的目标 API 级别 {floor}，Play 不接受低于该级别的新应用和更新。",
                        form.map(|f| format!("对 {f} ")).unwrap_or_default()
                    ))
                    .evidence(EvidenceSource::Manifest, "uses-sdk@targetSdkVersion", json::num(target))
                    .evidence(EvidenceSource::Context, key, json::num(floor))
                    .expected(format!("targetSdkVersion >= {floor}"))
                    .build(),
            );
        }
    }
}

/// Play's floor for this APK, the form factor it applies to, and the
/// context key it came from.
fn play_floor(features: &[UsesFeature], context: &Context) -> (u32, Option<&'static str>, String) {
    let phone = context.play_target_floor();
    for (feature, key, name) in FORM_FACTORS {
        if features.iter().any(|f| f.name == *feature && f.required) {
            let key = format!("play_target_floor.{key}");
            let floor = context
                .setting(&key)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(phone.saturating_sub(1));
            return (floor, Some(name), key);
        }
    }
    (phone, None, "play_target_floor".into())
}
