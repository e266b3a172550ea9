//! Harassment and obstacles (catalogue area 2): self-start and associated
//! start, pop-ups, obstructed uninstall, account deletion and auto-renewal.
//! (The permission-request rules of area 2 live with permission scope.)
//!
//! One file per rule; `input` fetches what they share once per evaluation.

mod account;
mod associated;
mod autostart;
mod hidden_icon;
mod input;
mod popups;
mod renewal;
mod uninstall;

use shelfgate_policy_sdk::prelude::*;

use input::Input;

struct Harassment;

impl Policy for Harassment {
    fn metadata() -> PolicyMetadata {
        let rules = [
            autostart::RULE,
            popups::RULE,
            uninstall::RULE,
            account::RULE,
            renewal::RULE,
        ];
        PolicyMetadata {
            id: "harassment".into(),
            version: "0.2.0".into(),
            title: "Harassment and obstacles".into(),
            rules: rules.iter().map(|r| r.id.to_string()).collect(),
            reads: ["manifest", "res", "dex", "sdk", "listing", "context"]
                .map(String::from)
                .to_vec(),
            data_sources: shelfgate_policy_sdk::source::data_sources(&[
                shelfgate_pack_data::sdk_types::WAKE_ACTIONS_SOURCE,
                shelfgate_pack_data::listing_text::SOURCE,
            ]),
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let input = Input::new(facts, listing, context);
        let mut findings = Vec::new();
        autostart::check(&input, &mut findings);
        popups::check(&input, &mut findings);
        uninstall::check(&input, &mut findings);
        account::check(&input, &mut findings);
        renewal::check(&input, &mut findings);
        associated::check(facts, listing, context, &mut findings);
        hidden_icon::check(facts, &mut findings);
        findings
    }
}

shelfgate_policy_sdk::export_policy!(Harassment);
