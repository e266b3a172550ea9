//! Distribution platforms' own duties (catalogue area 4; MIIT-2020-164
//! issue types 9-10): what a store must be able to display, the app filing,
//! the developer's verified identity, sector licences, update integrity and
//! regulators' notices.
//!
//! | rule | file |
//! |---|---|
//! | PLAT-DISPLAY-029 mandatory display fields | [`display`] |
//! | PLAT-FILING-030 app filing bound to this binary | [`filing`] |
//! | PLAT-DEVID-031 developer real identity | [`devid`] |
//! | PLAT-LICENCE-032 sector licences | [`licence`] |
//! | PLAT-UPDATE-033 update integrity and change notice | [`update`] |
//! | PLAT-NOTICE-034 apps named in regulator notices | [`notice`] |
//!
//! Market gating: filing, social-credit codes and sector licences are CN
//! duties and apply when the context's markets contain `CN`.
//!
//! Settings read: none besides the per-rule deadlines through
//! `context.deadline_for`. Regulator notices and the previous accepted
//! version come from the context (`regulator_notices`, `previous`).

use shelfgate_policy_sdk::prelude::*;

mod devid;
mod display;
mod filing;
mod licence;
mod notice;
mod parties;
mod update;

struct PlatformDuties;

impl Policy for PlatformDuties {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "platform-duties".into(),
            version: "0.1.0".into(),
            title: "Distribution platform duties".into(),
            rules: [
                display::RULE,
                filing::RULE,
                devid::RULE,
                licence::RULE,
                update::RULE,
                notice::RULE,
            ]
            .iter()
            .map(|r| r.id.to_string())
            .collect(),
            reads: [
                "manifest", "sdk", "signing", "listing", "context", "history",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            data_sources: shelfgate_policy_sdk::source::data_sources(&[
                shelfgate_pack_data::identity::FILING_SOURCE,
                shelfgate_pack_data::licences::SOURCE,
                devid::SOURCE,
            ]),
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let parties = Snapshot::new(facts, listing, context);
        let cn = parties.cn();
        display::check(&parties, cn, &mut out);
        if cn {
            filing::check(&parties, facts, &mut out);
        }
        devid::check(&parties, context, cn, &mut out);
        if cn {
            licence::check(&parties, listing, context, &mut out);
        }
        update::check(&parties, context, &mut out);
        notice::check(&parties, context, &mut out);
        out
    }
}

shelfgate_policy_sdk::export_policy!(PlatformDuties);
