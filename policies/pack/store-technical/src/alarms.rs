//! TECH-PLAY-040: exact alarms and full-screen intents.
//!
//! `USE_EXACT_ALARM` is granted without asking, so Play allows it only to
//! alarm-clock, timer and calendar apps; `USE_FULL_SCREEN_INTENT` only to
//! calling and alarm apps (Android 14). Anything else is refused on Play and
//! asked to change elsewhere. `SCHEDULE_EXACT_ALARM` brought in by an ads or
//! analytics SDK wakes the device for the SDK's own schedule: rectify, naming
//! the SDK.

use shelfgate_pack_data::lexicon::ALARM_CATEGORY_WORDS;
use shelfgate_pack_data::sdk_types;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::ComponentKind;

use crate::play::{declaration_path, handles, Input, Play as _};

pub const RULE: Rule = Rule {
    id: "TECH-PLAY-040",
    refs: &["AOSP Android 14 exact alarms", "GP-PERM Exact alarm", "GP-PERM Full-screen intent"],
    remediation: "Use inexact alarms (WorkManager, setWindow) unless precise timing is the app's core function; keep USE_EXACT_ALARM for alarm, timer and calendar apps and USE_FULL_SCREEN_INTENT for calling and alarm apps; remove SCHEDULE_EXACT_ALARM merged in by SDKs (tools:node=\"remove\") or ask the SDK vendor for a version without it.",
};

const EXACT: &str = "android.permission.USE_EXACT_ALARM";
const FULL_SCREEN: &str = "android.permission.USE_FULL_SCREEN_INTENT";
const SCHEDULE: &str = "android.permission.SCHEDULE_EXACT_ALARM";

pub fn check(input: &Input, facts: &Facts, context: &Context, out: &mut Vec<Finding>) {
    let alarm_app = input.category_is(ALARM_CATEGORY_WORDS);
    let decide = || {
        if input.play() {
            RULE.reject()
        } else {
            RULE.rectify(context)
        }
    };
    if input.requests(EXACT) && !alarm_app && !input.approved(EXACT) {
        out.push(
            decide()
                .en(format!(
                    "USE_EXACT_ALARM is reserved for alarm-clock, timer and calendar apps; the store category \"{}\" is none of these.",
                    input.app().store_category
                ))
                .zh(format!(
                    "USE_EXACT_ALARM 仅限闹钟、计时器和日历类应用使用，商店分类“{}”不属于这些类别。",
                    input.app().store_category
                ))
                .evidence(EvidenceSource::Manifest, manifest::permission_path(EXACT), json::bool(true))
                .evidence(EvidenceSource::Listing, "app.store_category", json::str(&input.app().store_category))
                .evidence(EvidenceSource::Listing, declaration_path(EXACT), input.declaration_json(EXACT))
                .expected("an alarm, timer or calendar app, or SCHEDULE_EXACT_ALARM / inexact alarms")
                .maybe_sdk(input.declaring_sdk(EXACT))
                .build(),
        );
    }
    if input.requests(FULL_SCREEN) && !alarm_app && !calls(input) && !input.approved(FULL_SCREEN) {
        out.push(
            decide()
                .en("USE_FULL_SCREEN_INTENT is reserved for calling and alarm apps; the app has no calling capability and is not an alarm app.")
                .zh("USE_FULL_SCREEN_INTENT 仅限通话和闹钟类应用使用，本应用不具备通话能力，也不是闹钟类应用。")
                .evidence(EvidenceSource::Manifest, manifest::permission_path(FULL_SCREEN), json::bool(true))
                .evidence(EvidenceSource::Listing, "app.store_category", json::str(&input.app().store_category))
                .evidence(EvidenceSource::Listing, declaration_path(FULL_SCREEN), input.declaration_json(FULL_SCREEN))
                .expected("a calling or alarm app, or heads-up notifications instead")
                .maybe_sdk(input.declaring_sdk(FULL_SCREEN))
                .build(),
        );
    }
    if input.requests(SCHEDULE) {
        for sdk in schedulers(input, facts) {
            out.push(
                RULE.rectify(context)
                    .en(format!(
                        "SCHEDULE_EXACT_ALARM comes with the {sdk} SDK (ads/analytics): exact wake-ups for an SDK's own schedule drain the battery and are not a user-facing need."
                    ))
                    .zh(format!(
                        "SCHEDULE_EXACT_ALARM 由 {sdk} SDK（广告/统计类）引入，SDK 为自身目的精确唤醒设备，并非用户所需功能。"
                    ))
                    .evidence(EvidenceSource::Manifest, manifest::permission_path(SCHEDULE), json::bool(true))
                    .evidence(EvidenceSource::Sdk, "sdk.detected[].id", json::str(&sdk))
                    .expected("no exact-alarm permission for ads or analytics SDKs")
                    .sdk(sdk)
                    .build(),
            );
        }
    }
}

/// Ads and analytics SDKs that declare `SCHEDULE_EXACT_ALARM` in the
/// listing or make the exact-alarm calls.
fn schedulers(input: &Input, facts: &Facts) -> Vec<String> {
    let mut ids: Vec<String> = input.declaring_sdk(SCHEDULE).into_iter().collect();
    if let Some(r) = facts.api_ref("alarm.exact") {
        for (sdk, _) in attribution::callers_by_sdk(&input.sdks(), &r.callers) {
            if let Some(id) = sdk {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    ids.retain(|id| {
        input
            .sdks()
            .iter()
            .any(|s| s.id == *id && sdk_types::has_any_type(&s.categories, &["ads", "analytics"]))
    });
    ids
}

/// A telecom app: it places or manages calls through the platform.
fn calls(input: &Input) -> bool {
    input.requests("android.permission.MANAGE_OWN_CALLS")
        || input.components().iter().any(|c| {
            (c.kind == ComponentKind::Service
                && matches!(
                    c.permission.as_deref(),
                    Some(
                        "android.permission.BIND_TELECOM_CONNECTION_SERVICE"
                            | "android.permission.BIND_INCALL_SERVICE"
                    )
                ))
                || (c.kind == ComponentKind::Activity && handles(c, "android.intent.action.DIAL"))
        })
}
