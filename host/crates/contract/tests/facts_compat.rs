//! Facts stored before contract 0.1.2 still decode, and the 0.1.2 facts
//! keep their new fields through the JSON form.

use serde_json::Value;
use shelfgate_contract::json;
use shelfgate_contract::types::ApkFacts;

/// The pack's base facts: the JSON form as 0.1.1 wrote it (no 0.1.2 field).
fn facts_0_1_1() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../policies/pack/_base.json"
    );
    let text = std::fs::read_to_string(path).expect("policies/pack/_base.json");
    let base: Value = serde_json::from_str(&text).expect("base JSON");
    let facts = base["facts"].clone();
    for key in [
        "provider_access",
        "properties",
        "resources",
        "component_labels",
    ] {
        assert!(facts.get(key).is_none(), "_base.json already has `{key}`");
    }
    assert!(facts["dex"].get("foreign_components").is_none());
    facts
}

#[test]
fn facts_without_the_0_1_2_fields_decode() {
    let facts: ApkFacts = json::from_value(&facts_0_1_1()).expect("0.1.1 facts decode");
    assert!(facts.provider_access.is_none());
    assert!(facts.properties.is_none());
    assert!(facts.resources.is_none());
    assert!(facts.component_labels.is_none());
    assert!(facts.dex.foreign_components.is_none());
    // serde's own form (what bindgen derives), without the new fields,
    // decodes too.
    let mut serde_form = serde_json::to_value(&facts).expect("serialize");
    for key in [
        "provider_access",
        "properties",
        "resources",
        "component_labels",
    ] {
        serde_form.as_object_mut().expect("object").remove(key);
    }
    serde_form["dex"]
        .as_object_mut()
        .expect("dex")
        .remove("foreign_components");
    let direct: ApkFacts = serde_json::from_value(serde_form).expect("serde decode");
    assert_eq!(direct, facts);
}

#[test]
fn the_0_1_2_fields_round_trip() {
    let mut value = facts_0_1_1();
    value["dex"]["foreign_components"] = serde_json::json!(["com.other.push.PushService"]);
    value["properties"] = serde_json::json!([{
        "owner": "com.example.haowei.Sync",
        "name": "android.app.PROPERTY_SPECIAL_USE_FGS_SUBTYPE",
        "value": "note sync", "resource": null
    }]);
    value["resources"] = serde_json::json!({
        "accessibility_configs": [],
        "file_provider_paths": [{
            "provider": "androidx.core.content.FileProvider",
            "path": "res/xml/file_paths.xml",
            "entries": [{"kind": "root-path", "name": "root", "path": ""}]
        }],
        "backup_rules": [{
            "kind": "data-extraction-rules", "path": "res/xml/x.xml",
            "rules": [{"section": "cloud-backup", "include": false, "domain": "database", "path": "."}]
        }],
        "launcher_icons": []
    });
    value["component_labels"] = serde_json::json!([{
        "component": "com.example.haowei.Main", "label": "\u{200B}",
        "labels": {"": "\u{200B}", "en": " "}
    }]);
    let facts: ApkFacts = json::from_value(&value).expect("0.1.2 facts decode");
    let labels = facts.component_labels.as_ref().expect("component labels");
    assert_eq!(labels[0].labels.len(), 2);
    let res = facts.resources.as_ref().expect("resources");
    assert_eq!(res.file_provider_paths[0].entries[0].kind, "root-path");
    assert!(!res.backup_rules[0].rules[0].include);
    assert_eq!(
        facts.dex.foreign_components.as_deref(),
        Some(&["com.other.push.PushService".to_owned()][..])
    );
    let again: ApkFacts = json::from_value(&json::to_value(&facts)).expect("round trip");
    assert_eq!(again, facts);
    // A wrong type in a new field is reported with its path.
    value["resources"]["backup_rules"][0]["rules"][0]["include"] = "no".into();
    let problems = json::from_value::<ApkFacts>(&value).unwrap_err();
    assert_eq!(
        problems.0[0].path,
        "$.resources.backup_rules[0].rules[0].include"
    );
}
