//! Permission scope (catalogue area 1, beyond-scope collection, and area
//! 2, permission harassment): category necessity, no-PI categories,
//! device identifiers, background collection, the installed-app list and
//! excessive or bundled permission requests.
//!
//! One file per rule; `input` fetches what they share once per evaluation.

mod background;
mod device_ids;
mod excessive;
mod input;
mod install_time;
mod installed_apps;
mod necessity;
mod no_pi;

use shelfgate_policy_sdk::prelude::*;

use input::Input;

struct PermissionScope;

impl Policy for PermissionScope {
    fn metadata() -> PolicyMetadata {
        let rules = [
            necessity::RULE,
            no_pi::RULE,
            device_ids::RULE,
            background::RULE,
            installed_apps::RULE,
            install_time::RULE,
            excessive::RULE,
        ];
        PolicyMetadata {
            id: "permission-scope".into(),
            version: "0.1.0".into(),
            title: "Permission scope".into(),
            rules: rules.iter().map(|r| r.id.to_string()).collect(),
            reads: ["manifest", "dex", "sdk", "listing", "context"]
                .map(String::from)
                .to_vec(),
            data_sources: shelfgate_policy_sdk::source::data_sources(&[
                shelfgate_pack_data::CATEGORIES_SOURCE,
                shelfgate_pack_data::PERMISSIONS_SOURCE,
                shelfgate_pack_data::pi::SOURCE,
                shelfgate_pack_data::listing_text::SOURCE,
            ]),
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let input = Input::new(facts, listing, context);
        let mut findings = Vec::new();
        necessity::check(&input, &mut findings);
        no_pi::check(&input, &mut findings);
        device_ids::check(&input, &mut findings);
        background::check(&input, &mut findings);
        installed_apps::check(&input, &mut findings);
        install_time::check(&input, &mut findings);
        excessive::check(&input, &mut findings);
        findings
    }
}

shelfgate_policy_sdk::export_policy!(PermissionScope);
