//! PI-NOTICE-003: every collected item is listed with purpose, method and
//! scope, including what embedded SDKs collect.
//!
//! What the APK can collect comes from its permissions and device-ID /
//! app-list API references (`pi-types.json` says which `pi_type` covers
//! each) and from PI-collecting SDKs; each must appear in
//! `data_collection`, SDK calls and SDKs under their own `collected_by`.
//! Items typed in by the user are invisible here and rest on the listing.
//! For the CN market the "double list" (collected-PI list, third-party
//! sharing list) must be published.

use shelfgate_pack_data::pi::{api_pi_types, permission_pi_types, pi_type};
use shelfgate_policy_sdk::attribution::{caller_groups, names_sdk};
use shelfgate_policy_sdk::manifest::permission_path;
use shelfgate_policy_sdk::prelude::*;

use crate::input::{sdk_label, Handling as _, Input, COLLECTING_TYPES};

pub const RULE: Rule = Rule {
    id: "PI-NOTICE-003",
    refs: &[
        "ID-METHOD-2019 II.1",
        "MIIT-2021-SVC",
        "PIPL Art. 17",
        "GB/T 35273 §5.5",
    ],
    remediation: "List, one by one, every item of personal information the app and each embedded SDK collect in data_collection (pi_type, purpose, collected_by app or sdk:<id>, retention), and publish a collected-PI list and a third-party sharing list (privacy.collected_pi_list_url, privacy.third_party_sharing_list_url).",
};

/// The name of a pi_type in messages.
fn type_name(key: &str) -> (String, String) {
    pi_type(key).map_or_else(
        || (key.to_string(), key.to_string()),
        |t| (format!("{} ({key})", t.en), format!("{}（{key}）", t.zh)),
    )
}

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let perms: Vec<(&str, &[&str])> = input
        .usable_permissions()
        .map(|p| (p.name.as_str(), permission_pi_types(&p.name)))
        .filter(|(_, types)| !types.is_empty())
        .collect();
    let refs: Vec<_> = input
        .facts
        .api_refs()
        .into_iter()
        .filter(|r| !api_pi_types(&r.key).is_empty())
        .collect();
    let collecting: Vec<_> = input.sdks_of(COLLECTING_TYPES).collect();
    let capable = !perms.is_empty() || !refs.is_empty() || !collecting.is_empty();

    if capable && input.data_collection().is_empty() {
        let mut f = RULE
            .rectify(input.context)
            .en("The listing declares no collected personal information, but the app requests PI permissions, calls device-identifier APIs or bundles PI-collecting SDKs.")
            .zh("应用申请了收集个人信息的权限、调用设备标识符接口或集成了收集个人信息的 SDK，但上架信息未列出任何收集的个人信息。")
            .evidence(EvidenceSource::Listing, "data_collection", "[]");
        for (name, _) in &perms {
            f = f.evidence(
                EvidenceSource::Manifest,
                permission_path(name),
                json::bool(true),
            );
        }
        for r in &refs {
            f = f.evidence(
                EvidenceSource::Dex,
                format!("api_refs[{}]", r.key),
                json::str(&r.method),
            );
        }
        for sdk in &collecting {
            f = f.evidence(
                EvidenceSource::Sdk,
                format!("sdks[{}]", sdk.id),
                json::str(&sdk.name),
            );
        }
        out.push(
            f.expected("a data_collection item for every collected PI type")
                .build(),
        );
    } else {
        for (name, types) in &perms {
            if input
                .data_collection()
                .iter()
                .any(|d| types.contains(&d.pi_type.as_str()))
            {
                continue;
            }
            let want = types.first().copied().unwrap_or_default();
            let (en, zh) = type_name(want);
            let mut f = RULE
                .rectify(input.context)
                .en(format!(
                    "{name} collects {en}, which data_collection does not list."
                ))
                .zh(format!("{name} 可收集{zh}，但收集信息清单未列出。"))
                .evidence(
                    EvidenceSource::Manifest,
                    permission_path(name),
                    json::bool(true),
                )
                .evidence(
                    EvidenceSource::Listing,
                    format!("data_collection[pi_type={want}]"),
                    json::null(),
                )
                .expected(format!(
                    "a data_collection item with pi_type {}",
                    types.join(" or ")
                ));
            if let Some(sdk) = input.permission_sdk(name) {
                f = f.sdk(sdk);
            }
            out.push(f.build());
        }
        for r in &refs {
            let types = api_pi_types(&r.key);
            for (owner, callers) in caller_groups(&input.sdks(), &r.callers) {
                let sdk = owner
                    .as_deref()
                    .and_then(|id| input.sdks().iter().find(|s| s.id == id));
                let covered = input.data_collection().iter().any(|d| {
                    types.contains(&d.pi_type.as_str())
                        && match sdk {
                            Some(s) => names_sdk(&d.collected_by, s, input.sdk_decl(s)),
                            None => d.collected_by == "app",
                        }
                });
                if covered {
                    continue;
                }
                let want = types.first().copied().unwrap_or_default();
                let (en, zh) = type_name(want);
                let who = sdk.map_or_else(|| "the app's own code".to_string(), sdk_label);
                let who_zh = sdk.map_or_else(|| "应用自身代码".to_string(), sdk_label);
                let by = sdk.map_or_else(|| "app".to_string(), |s| format!("sdk:{}", s.id));
                let mut f = RULE
                    .rectify(input.context)
                    .en(format!("{who} calls {} and so collects {en}, which data_collection does not list for {by}.", r.method))
                    .zh(format!("{who_zh} 调用 {} 收集{zh}，但收集信息清单未列出（collected_by {by}）。", r.method))
                    .evidence(EvidenceSource::Dex, format!("api_refs[{}].callers", r.key), json::strs(callers.iter().map(String::as_str)))
                    .evidence(EvidenceSource::Listing, format!("data_collection[pi_type={want},collected_by={by}]"), json::null())
                    .expected(format!("a data_collection item with pi_type {want} and collected_by {by}"));
                if let Some(s) = sdk {
                    f = f.sdk(&s.id);
                }
                out.push(f.build());
            }
        }
        for sdk in &collecting {
            if input.collected_by(sdk).next().is_some() {
                continue;
            }
            out.push(
                RULE.rectify(input.context)
                    .en(format!("{} collects personal information, but data_collection lists nothing collected by it.", sdk_label(sdk)))
                    .zh(format!("{} 会收集个人信息，但收集信息清单未列出其收集的信息。", sdk_label(sdk)))
                    .evidence(EvidenceSource::Sdk, format!("sdks[{}]", sdk.id), json::strs(sdk.categories.iter().map(String::as_str)))
                    .evidence(EvidenceSource::Listing, format!("data_collection[collected_by=sdk:{}]", sdk.id), json::null())
                    .expected(format!("data_collection items with collected_by sdk:{}", sdk.id))
                    .sdk(&sdk.id)
                    .build(),
            );
        }
    }

    if !input.cn() {
        return;
    }
    let privacy = &input.privacy();
    let missing = |url: &Option<String>| url.as_deref().is_none_or(|u| u.trim().is_empty());
    if capable && missing(&privacy.collected_pi_list_url) {
        out.push(
            RULE.rectify(input.context)
                .en("No collected-PI list is published (privacy.collected_pi_list_url).")
                .zh("未提供已收集个人信息清单（privacy.collected_pi_list_url）。")
                .evidence(
                    EvidenceSource::Listing,
                    "privacy.collected_pi_list_url",
                    json::opt_str(privacy.collected_pi_list_url.as_deref()),
                )
                .expected("the URL of the collected-PI list")
                .build(),
        );
    }
    let shares = !input.sdks().is_empty()
        || input
            .data_collection()
            .iter()
            .any(|d| !d.shared_with.is_empty());
    if shares && missing(&privacy.third_party_sharing_list_url) {
        out.push(
            RULE.rectify(input.context)
                .en("The app embeds third-party SDKs or shares PI, but no third-party sharing list is published (privacy.third_party_sharing_list_url).")
                .zh("应用集成第三方 SDK 或向第三方共享个人信息，但未提供第三方信息共享清单（privacy.third_party_sharing_list_url）。")
                .evidence(EvidenceSource::Listing, "privacy.third_party_sharing_list_url", json::opt_str(privacy.third_party_sharing_list_url.as_deref()))
                .expected("the URL of the third-party sharing list")
                .build(),
        );
    }
}
