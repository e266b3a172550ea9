//! The JSON form of the contract's types.

use serde_json::json;
use shelfgate_contract::json;
use shelfgate_contract::types::{Decision, Listing};

use crate::support::{facts, fixture, listing};

#[test]
fn catalogue_example_listing_is_valid() {
    let l = listing();
    assert_eq!(l.app.package_name, "com.example.haowei");
    assert_eq!(l.permissions.len(), 3);
}

#[test]
fn facts_round_trip_through_json() {
    let f = facts();
    let text = json::to_string(&f);
    let back: shelfgate_contract::types::ApkFacts = json::from_str(&text).unwrap();
    assert_eq!(f, back);
    assert!(text.contains("\"kind\":\"activity\""), "{text}");
    assert!(text.contains("\"labels\":{\"\":\"好味外卖\"}"), "{text}");
}

#[test]
fn listing_validation_reports_every_problem() {
    let mut doc: serde_json::Value =
        serde_json::from_str(&fixture("listing-example.json")).unwrap();
    doc["schema"] = json!("shelfgate.listing/9");
    doc["app"]["necessary_pi_category_id"] = json!(40);
    doc["app"]["has_accounts"] = json!("yes");
    doc["permissions"][1]["requested_when"] = json!("sometimes");
    doc["developer"].as_object_mut().unwrap().remove("name");
    doc["unknown_extra"] = json!({"kept": true});
    let err = json::from_value::<Listing>(&doc).unwrap_err();
    let paths: Vec<&str> = err.0.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "$.schema",
            "$.app.necessary_pi_category_id",
            "$.app.has_accounts",
            "$.developer.name",
            "$.permissions[1].requested_when",
        ],
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("expected one of on_feature_use, first_launch, install"),
        "{err}"
    );
    assert!(
        err.to_string().contains("40 is out of range 1..=39"),
        "{err}"
    );
}

#[test]
fn optional_fields_may_be_absent() {
    let mut doc: serde_json::Value =
        serde_json::from_str(&fixture("listing-example.json")).unwrap();
    doc.as_object_mut().unwrap().remove("licences");
    doc["app"]
        .as_object_mut()
        .unwrap()
        .remove("necessary_pi_category_id");
    let l: Listing = json::from_value(&doc).unwrap();
    assert!(l.licences.is_none());
    assert!(l.app.necessary_pi_category_id.is_none());
}

#[test]
fn listing_schema_is_generated_from_the_wit() {
    let schema =
        json::json_schema("listing", "https://shelfgate.dev/schema/listing-1.json").unwrap();
    assert_eq!(
        schema["properties"]["schema"]["const"],
        "shelfgate.listing/1"
    );
    let defs = &schema["$defs"];
    assert_eq!(
        defs["permission-decl"]["properties"]["requested_when"]["$ref"],
        "#/$defs/requested-when"
    );
    assert_eq!(
        defs["requested-when"]["enum"],
        json!(["on_feature_use", "first_launch", "install"])
    );
    let _ = Decision::Pass;
}
