//! TECH-PLAY-037: SMS and Call Log permissions on Google Play.
//!
//! Play grants these groups only to the default SMS, Phone or Assistant
//! handler, or to an approved exception declared in Play Console. A default
//! handler shows in its manifest: an SMS app receives `SMS_DELIVER` guarded
//! by `BROADCAST_SMS` and handles `SENDTO sms:`; a phone app handles `DIAL`
//! or binds an `InCallService`; an assistant binds a voice-interaction
//! service. In the CN market these permissions are judged by the
//! necessity rules (PI-SCOPE-005/007), not here.

use shelfgate_pack_data::play::{CALL_LOG_PERMISSIONS, SMS_PERMISSIONS};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::ComponentKind;

use crate::play::{declaration_path, handles, Input, Play as _};

pub const RULE: Rule = Rule {
    id: "TECH-PLAY-037",
    refs: &["GP-PERM SMS and Call Log permissions"],
    remediation: "Remove the SMS / Call Log permissions (use the SMS Retriever or SMS User Consent API for one-time codes), or make the app a default SMS / Phone / Assistant handler, or obtain an approved exception through the Play Console Permissions Declaration Form.",
};

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    if !input.play() {
        return;
    }
    let sms_handler = is_sms_handler(input);
    let call_handler = is_phone_handler(input) || is_assistant(input);
    for (group, names, handler, role_en, role_zh) in [
        (
            "SMS",
            SMS_PERMISSIONS,
            sms_handler,
            "default SMS handler",
            "默认短信应用",
        ),
        (
            "Call Log",
            CALL_LOG_PERMISSIONS,
            call_handler,
            "default Phone or Assistant handler",
            "默认电话或助理应用",
        ),
    ] {
        for name in names.iter().filter(|n| input.requests(n)) {
            if handler || input.approved(name) {
                continue;
            }
            out.push(
                RULE.reject()
                    .en(format!(
                        "{name} ({group} group) is restricted on Google Play to the {role_en} or an approved exception; the app is neither and has no approved declaration."
                    ))
                    .zh(format!(
                        "{name}（{group} 权限组）在 Google Play 仅限{role_zh}或经批准的例外使用；本应用既不是{role_zh}，也没有获批的权限声明。"
                    ))
                    .evidence(EvidenceSource::Manifest, manifest::permission_path(name), json::bool(true))
                    .evidence(EvidenceSource::Listing, declaration_path(name), input.declaration_json(name))
                    .expected(format!("the app is the {role_en}, or Play approved a declaration for {name}"))
                    .maybe_sdk(input.declaring_sdk(name))
                    .build(),
            );
        }
    }
}

fn is_sms_handler(input: &Input) -> bool {
    let delivers = input.components().iter().any(|c| {
        c.kind == ComponentKind::Receiver
            && handles(c, "android.provider.Telephony.SMS_DELIVER")
            && c.permission.as_deref() == Some("android.permission.BROADCAST_SMS")
    });
    let composes = input.components().iter().any(|c| {
        matches!(
            c.kind,
            ComponentKind::Activity | ComponentKind::ActivityAlias
        ) && c.intent_filters.iter().any(|f| {
            f.actions
                .iter()
                .any(|a| a == "android.intent.action.SENDTO")
                && f.schemes.iter().any(|s| s == "sms" || s == "smsto")
        })
    });
    delivers && composes
}

fn is_phone_handler(input: &Input) -> bool {
    input.components().iter().any(|c| {
        (matches!(
            c.kind,
            ComponentKind::Activity | ComponentKind::ActivityAlias
        ) && handles(c, "android.intent.action.DIAL"))
            || (c.kind == ComponentKind::Service
                && c.permission.as_deref() == Some("android.permission.BIND_INCALL_SERVICE"))
    })
}

fn is_assistant(input: &Input) -> bool {
    input
        .services()
        .any(|c| c.permission.as_deref() == Some("android.permission.BIND_VOICE_INTERACTION"))
}
