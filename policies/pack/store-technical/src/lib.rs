//! Store technical requirements (catalogue area 5): the targetSdkVersion
//! floors of the Chinese stores and of Google Play, and Play's restricted
//! permissions and Android 14's foreground-service rules.
//!
//! | rule | file |
//! |---|---|
//! | TECH-TSDK-035 Chinese stores' targetSdkVersion floor | [`target`] |
//! | TECH-TSDK-036 Google Play target API level | [`target`] |
//! | TECH-PLAY-037 SMS and Call Log permissions | [`sms`] |
//! | TECH-PLAY-038 permissions needing a Play declaration | [`declared`] |
//! | TECH-PLAY-039 AccessibilityService use | [`accessibility`] |
//! | TECH-PLAY-040 exact alarms and full-screen intents | [`alarms`] |
//! | TECH-PLAY-041 foreground-service types | [`fgs`] |
//!
//! Market gating: Play parts apply when the context's target stores contain
//! `google_play`, CN parts when its markets contain `CN`.
//!
//! Settings read (`context.setting`): `play_target_floor.wear`,
//! `play_target_floor.tv`, `play_target_floor.automotive` (Play's floor for
//! those form factors; default one below `play_target_floor`, as GP-TARGET
//! sets it), and the per-rule deadlines through `context.deadline_for`.

use shelfgate_policy_sdk::prelude::*;

mod accessibility;
mod alarms;
mod declared;
mod fgs;
mod play;
mod sms;
mod target;

struct StoreTechnical;

impl Policy for StoreTechnical {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "store-technical".into(),
            version: "0.3.0".into(),
            title: "Store technical requirements".into(),
            rules: [
                target::CN_RULE,
                target::PLAY_RULE,
                sms::RULE,
                declared::RULE,
                accessibility::RULE,
                alarms::RULE,
                fgs::RULE,
            ]
            .iter()
            .map(|r| r.id.to_string())
            .collect(),
            reads: ["manifest", "res", "dex", "sdk", "listing", "context"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            data_sources: shelfgate_policy_sdk::source::data_sources(&[
                shelfgate_pack_data::play::SOURCE,
            ]),
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let input = play::Input::new(facts, listing, context);
        target::check(&input, context, &mut out);
        sms::check(&input, &mut out);
        declared::check(&input, &mut out);
        accessibility::check(&input, facts, context, &mut out);
        alarms::check(&input, facts, context, &mut out);
        fgs::check(&input, facts, &mut out);
        out
    }
}

shelfgate_policy_sdk::export_policy!(StoreTechnical);
