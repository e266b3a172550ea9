//! Personal-information handling (catalogue area 1): the privacy policy,
//! consent before collection, the itemised collection notice, permission
//! purposes, personalisation opt-out, sensitive PI, children and users'
//! rights.
//!
//! One file per rule; `input` fetches what they share once per evaluation.

mod collected;
mod consent;
mod input;
mod minor;
mod policy;
mod purpose;
mod push;
mod rights;
mod sensitive;

use shelfgate_policy_sdk::prelude::*;

use input::Input;

struct PiHandling;

impl Policy for PiHandling {
    fn metadata() -> PolicyMetadata {
        let rules = [
            policy::RULE,
            consent::RULE,
            collected::RULE,
            purpose::RULE,
            push::RULE,
            sensitive::RULE,
            minor::RULE,
            rights::RULE,
        ];
        PolicyMetadata {
            id: "pi-handling".into(),
            version: "0.2.0".into(),
            title: "Personal-information handling".into(),
            rules: rules.iter().map(|r| r.id.to_string()).collect(),
            reads: ["manifest", "dex", "sdk", "listing", "context"]
                .map(String::from)
                .to_vec(),
            data_sources: shelfgate_policy_sdk::source::data_sources(&[
                shelfgate_pack_data::PERMISSIONS_SOURCE,
                shelfgate_pack_data::pi::SOURCE,
                shelfgate_pack_data::sdk_types::SOURCE,
                shelfgate_pack_data::listing_text::SOURCE,
            ]),
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let input = Input::new(facts, listing, context);
        let mut findings = Vec::new();
        policy::check(&input, &mut findings);
        consent::check(&input, &mut findings);
        collected::check(&input, &mut findings);
        purpose::check(&input, &mut findings);
        push::check(&input, &mut findings);
        sensitive::check(&input, &mut findings);
        minor::check(&input, &mut findings);
        rights::check(&input, &mut findings);
        findings
    }
}

shelfgate_policy_sdk::export_policy!(PiHandling);
