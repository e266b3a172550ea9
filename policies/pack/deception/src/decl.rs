//! DECEIVE-DECL-028: declared data practices against detected capabilities.
//!
//! Each capability (a permission, a sensitive API reference, a bundled SDK
//! of some type) collects a kind of data (`shelfgate_pack_data::data_safety`).
//! The CN collected-PI list (`data_collection[]`, and the SDK's own
//! `third_party_sdks[].pi_types`) and, for Google Play, the Data safety form
//! (`google_play.data_safety.collected[]`) must declare it; a type left out
//! is declared "not collected", a contradiction: rectify. SDK collection
//! counts as the app's (GP-DS) and names the SDK; in the CN list an SDK's
//! data is declared by the entries it collects (`collected_by: sdk:<id>`)
//! or its own `pi_types`, the app's by any entry.
//!
//! A contradiction that persists after a rectify order is refused. The
//! context carries the platform's own orders only as regulator notices, so
//! "after an order" means a notice for this package whose issues name this
//! rule.

use shelfgate_pack_data::data_safety::{data_type, norm_type, DataType, Trigger, CAPABILITIES};
use shelfgate_pack_data::sdk_types;
use shelfgate_policy_sdk::prelude::*;

pub const RULE: Rule = Rule {
    id: "DECEIVE-DECL-028",
    refs: &["GP-DS", "MIIT-2021-SVC", "ID-METHOD-2019 III.9"],
    remediation: "Declare every kind of data the app and its SDKs collect: in the collected-PI list (data_collection, with the SDK's pi_types) for the CN market and in the Play Data safety form, or remove the permission, call or SDK that collects it.",
};

/// A capability missing from the CN list and/or from Data safety.
type Gap<'a> = (&'a Seen, bool, bool);

/// One capability seen, with what it collects and who owns it.
struct Seen {
    data: &'static DataType,
    owner: Option<String>,
    play_only: bool,
    source: EvidenceSource,
    path: String,
    value: String,
}

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let (cn, play) = (s.cn(), s.play());
    if !cn && !play {
        return;
    }
    let seen = capabilities(s);
    if seen.is_empty() {
        return;
    }

    let items = || s.data_collection();
    let sdks = s.sdks();
    let safety: Option<Vec<String>> = if play {
        s.google_play().as_ref().map(|gp| {
            gp.data_safety
                .collected
                .iter()
                .map(|d| norm_type(&d.type_))
                .collect()
        })
    } else {
        None
    };
    let covers = |list: &[String], data: &DataType| {
        list.iter().any(|t| data.covered_by.contains(&t.as_str()))
    };
    // What the CN list declares for an owner: any entry for the app's own
    // capabilities; for an SDK's, the entries it collects and its own
    // `third_party_sdks[].pi_types`.
    let cn_declared = |owner: &Option<String>| -> Vec<String> {
        let Some(id) = owner else {
            return items().iter().map(|d| norm_type(&d.pi_type)).collect();
        };
        let decls = s.sdk_decls();
        let detected = sdks.iter().find(|sdk| &sdk.id == id);
        let decl = match detected {
            Some(sdk) => attribution::declaration_of(sdk, decls),
            None => decls.iter().find(|d| &d.id == id),
        };
        let by_sdk = |collector: &str| match detected {
            Some(sdk) => attribution::names_sdk(collector, sdk, decl),
            None => collector.strip_prefix("sdk:") == Some(id.as_str()),
        };
        let mut types: Vec<String> = items()
            .iter()
            .filter(|d| by_sdk(&d.collected_by))
            .map(|d| norm_type(&d.pi_type))
            .collect();
        types.extend(
            decl.iter()
                .flat_map(|d| d.pi_types.iter().map(|t| norm_type(t))),
        );
        types
    };

    // What the CN list declares, per owner, worked out once each.
    let mut declared: Vec<(&Option<String>, Vec<String>)> = Vec::new();
    // Contradictions, grouped by owner in first-seen order.
    let mut groups: Vec<(Option<String>, Vec<Gap>)> = Vec::new();
    for cap in &seen {
        let cn_missing = cn && !cap.play_only && {
            let i = match declared.iter().position(|(o, _)| **o == cap.owner) {
                Some(i) => i,
                None => {
                    declared.push((&cap.owner, cn_declared(&cap.owner)));
                    declared.len() - 1
                }
            };
            declared
                .get(i)
                .is_none_or(|(_, list)| !covers(list, cap.data))
        };
        let play_missing = play && !safety.as_deref().is_some_and(|list| covers(list, cap.data));
        if !cn_missing && !play_missing {
            continue;
        }
        match groups.iter_mut().find(|(o, _)| *o == cap.owner) {
            Some((_, list)) => list.push((cap, cn_missing, play_missing)),
            None => groups.push((cap.owner.clone(), vec![(cap, cn_missing, play_missing)])),
        }
    }
    if groups.is_empty() {
        return;
    }

    let package = &s.identity().package;
    let order = s
        .regulator_notices()
        .iter()
        .find(|n| n.package == *package && n.issues.iter().any(|i| i == RULE.id));

    for (owner, items) in groups {
        let mut types_en: Vec<String> = Vec::new();
        let mut types_zh: Vec<String> = Vec::new();
        for (cap, cn_missing, play_missing) in &items {
            let wher = match (cn_missing, play_missing) {
                (true, true) => (
                    "collected-PI list and Data safety",
                    "个人信息收集清单及 Data safety",
                ),
                (true, false) => ("collected-PI list", "个人信息收集清单"),
                _ => ("Data safety", "Data safety"),
            };
            let en = format!("{} (missing from {})", cap.data.en, wher.0);
            if !types_en.contains(&en) {
                types_en.push(en);
                types_zh.push(format!("{}（{}中缺失）", cap.data.zh, wher.1));
            }
        }
        let (who_en, who_zh) = crate::who(owner.as_deref());
        let f = match &order {
            Some(notice) => RULE
                .reject()
                .en(format!(
                    "{who_en} collects data the listing declares as not collected, again after rectification order {}: {}.",
                    notice.id,
                    types_en.join("; ")
                ))
                .zh(format!(
                    "整改通知 {} 之后，{who_zh}仍收集上架信息声明未收集的数据：{}。",
                    notice.id,
                    types_zh.join("；")
                ))
                .evidence(EvidenceSource::Context, format!("regulator_notices[{}].issues", notice.id), json::strs(notice.issues.iter().map(String::as_str))),
            None => RULE
                .rectify(s.context)
                .en(format!(
                    "{who_en} can collect data the listing declares as not collected: {}.",
                    types_en.join("; ")
                ))
                .zh(format!("{who_zh}可收集上架信息中声明未收集的数据：{}。", types_zh.join("；"))),
        };
        let mut f = f.expected("every collected data type declared (data_collection / google_play.data_safety.collected)");
        for (cap, cn_missing, play_missing) in &items {
            f = f.evidence(cap.source, cap.path.clone(), cap.value.clone());
            if *cn_missing {
                f = f.evidence(
                    EvidenceSource::Listing,
                    format!("data_collection[{}]", cap.data.key),
                    json::null(),
                );
            }
            if *play_missing {
                f = f.evidence(
                    EvidenceSource::Listing,
                    format!("google_play.data_safety.collected[{}]", cap.data.key),
                    json::null(),
                );
            }
        }
        out.push(f.maybe_sdk(owner).build());
    }
}

/// Every capability of the table the APK has.
fn capabilities(s: &Snapshot) -> Vec<Seen> {
    let mut seen = Vec::new();
    for cap in CAPABILITIES {
        let Some(data) = data_type(cap.data) else {
            continue;
        };
        match cap.trigger {
            Trigger::Permission(name) => {
                if !s.requests(name) {
                    continue;
                }
                let owner = s.declared_sdk(name).map(str::to_string);
                seen.push(Seen {
                    data,
                    owner,
                    play_only: cap.play_only,
                    source: EvidenceSource::Manifest,
                    path: manifest::permission_path(name),
                    value: json::bool(true),
                });
            }
            Trigger::Api(key) => {
                if !s.references(key) {
                    continue;
                }
                let callers = s.callers(key);
                for (owner, classes) in attribution::caller_groups(s.sdks(), &callers) {
                    seen.push(Seen {
                        data,
                        owner,
                        play_only: cap.play_only,
                        source: EvidenceSource::Dex,
                        path: format!("api_refs[{key}].callers"),
                        value: json::strs(classes.iter().map(String::as_str)),
                    });
                }
            }
            Trigger::SdkType(ty) => {
                for sdk in s
                    .sdks()
                    .iter()
                    .filter(|s| sdk_types::has_type(&s.categories, ty))
                {
                    seen.push(Seen {
                        data,
                        owner: Some(sdk.id.clone()),
                        play_only: cap.play_only,
                        source: EvidenceSource::Sdk,
                        path: format!("sdk.detected[{}].categories", sdk.id),
                        value: json::strs(sdk.categories.iter().map(String::as_str)),
                    });
                }
            }
        }
    }
    seen
}
