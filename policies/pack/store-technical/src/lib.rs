//! Store technical requirements (catalogue area 5).

use shelfgate_policy_sdk::prelude::*;

struct StoreTechnical;

const TSDK_035: Rule = Rule {
    id: "TECH-TSDK-035",
    refs: &["TAF-API-2019", "TAF-API-2023"],
    remediation: "Raise targetSdkVersion to at least the floor the Chinese stores enforce and re-test runtime permission flows.",
};

impl Policy for StoreTechnical {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "store-technical".into(),
            version: "0.1.0".into(),
            title: "Store technical requirements".into(),
            rules: vec![TSDK_035.id.into()],
            reads: vec!["manifest".into(), "context".into()],
            data_sources: vec![],
        }
    }

    fn evaluate(facts: &Facts, _listing: &Listing, context: &Context) -> Vec<Finding> {
        let mut findings = Vec::new();
        let id = facts.identity();
        if context.markets().iter().any(|m| m == "CN") {
            let floor = context.cn_target_sdk_floor();
            if id.target_sdk < floor {
                findings.push(
                    TSDK_035
                        .reject()
                        .en(format!(
                            "targetSdkVersion {} is below the Chinese stores' floor of {floor}.",
                            id.target_sdk
                        ))
                        .zh(format!("targetSdkVersion 为 {}，低于国内应用商店要求的 {floor}。", id.target_sdk))
                        .evidence(EvidenceSource::Manifest, "uses-sdk@targetSdkVersion", json::num(id.target_sdk))
                        .evidence(EvidenceSource::Context, "cn_target_sdk_floor", json::num(floor))
                        .expected(format!("targetSdkVersion >= {floor}"))
                        .build(),
                );
            }
        }
        findings
    }
}

shelfgate_policy_sdk::export_policy!(StoreTechnical);
