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
        let sdks = facts.sdks();
        if sdks.is_empty() {
            return Vec::new();
        }
        let decls = listing.third_party_sdks();
        let data = listing.data_collection();
        let mut findings = Vec::new();
        inventory::check(&sdks, &decls, context, &mut findings);
        sharing::check(&sdks, &decls, &data, listing, context, &mut findings);
        findings
    }
}

shelfgate_policy_sdk::export_policy!(SdkDisclosure);
