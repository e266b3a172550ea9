//! SDK disclosure (catalogue area 1, illegal use and sharing): the SDK
//! inventory with the regulators' blocklist, and the sharing that SDK
//! roles imply.

mod inventory;
mod sharing;
mod versions;

use shelfgate_policy_sdk::prelude::*;

struct SdkDisclosure;

impl Policy for SdkDisclosure {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "sdk-disclosure".into(),
            version: "0.1.1".into(),
            title: "SDK disclosure".into(),
            rules: vec![inventory::RULE.id.into(), sharing::RULE.id.into()],
            reads: ["sdk", "listing", "context"].map(String::from).to_vec(),
            data_sources: shelfgate_policy_sdk::source::data_sources(&[
                shelfgate_pack_data::sdk_types::SOURCE,
                shelfgate_pack_data::listing_text::SOURCE,
            ]),
        }
    }

    fn evaluate(facts: &Facts, listing: &Listing, context: &Context) -> Vec<Finding> {
        let s = Snapshot::new(facts, listing, context);
        if s.sdks().is_empty() {
            return Vec::new();
        }
        let mut findings = Vec::new();
        inventory::check(&s, &mut findings);
        sharing::check(&s, &mut findings);
        findings
    }
}

shelfgate_policy_sdk::export_policy!(SdkDisclosure);
