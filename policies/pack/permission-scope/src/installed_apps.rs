//! PI-SCOPE-009: the installed-app list.
//!
//! MIIT-2019-337 names the list of installed apps among data shared
//! without consent. The ways to read it: `QUERY_ALL_PACKAGES`, the CN OEM
//! permission `GET_INSTALLED_APPS`, a `<queries>` intent for every
//! launchable app (`MAIN`), and `PackageManager.getInstalled*` calls. Each
//! needs an `installed_apps` data item with a purpose (SDK calls under the
//! SDK's own `collected_by`). Google Play allows `QUERY_ALL_PACKAGES` only
//! for a few core uses or with an approved declaration.

use shelfgate_pack_data::listing_text::installed_apps_core;
use shelfgate_policy_sdk::attribution::caller_groups;
use shelfgate_policy_sdk::manifest::permission_path;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{DataItem, SdkMatch};

use crate::input::{owner_names, Input, Scope as _};

pub const RULE: Rule = Rule {
    id: "PI-SCOPE-009",
    refs: &[
        "MIIT-2019-337 item 3",
        "GP-PERM QUERY_ALL_PACKAGES",
        "T/TAF 108-2022",
    ],
    remediation: "Read the list of installed apps only when the core function needs it: query the specific packages you interact with (<queries><package>), remove broad queries and SDK app-list collection, and declare any remaining collection as an installed_apps data item with its purpose (and, for Google Play, an approved QUERY_ALL_PACKAGES declaration).",
};

const QUERY_ALL: &str = "android.permission.QUERY_ALL_PACKAGES";
const GET_INSTALLED: &str = "com.android.permission.GET_INSTALLED_APPS";
const MAIN: &str = "android.intent.action.MAIN";

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let mut app_signals: Vec<(EvidenceSource, String, String)> = Vec::new();
    for p in [QUERY_ALL, GET_INSTALLED] {
        if input.requests(p) {
            app_signals.push((
                EvidenceSource::Manifest,
                permission_path(p),
                json::bool(true),
            ));
        }
    }
    if input
        .facts
        .queries()
        .intents
        .iter()
        .any(|i| i.actions.iter().any(|a| a == MAIN))
    {
        app_signals.push((
            EvidenceSource::Manifest,
            "queries/intent/action[@name='android.intent.action.MAIN']".into(),
            json::bool(true),
        ));
    }
    let mut sdk_signals: Vec<(&SdkMatch, Vec<String>)> = Vec::new();
    if let Some(r) = input.facts.api_ref("installed-apps") {
        for (owner, callers) in caller_groups(&input.sdks(), &r.callers) {
            match owner.as_deref().and_then(|id| input.sdk(id)) {
                Some(sdk) => sdk_signals.push((sdk, callers)),
                None => app_signals.push((
                    EvidenceSource::Dex,
                    "api_refs[installed-apps].callers".into(),
                    json::strs(callers.iter().map(String::as_str)),
                )),
            }
        }
    }

    if input.play() && input.requests(QUERY_ALL) && !play_allows(input) {
        out.push(
            RULE.reject()
                .en(format!("{QUERY_ALL} is requested for Google Play, the app's category is not one of the permitted core uses and no approved declaration covers it."))
                .zh(format!("面向 Google Play 的应用申请 {QUERY_ALL}，其类别不属于允许的核心用途，且无已批准的权限声明。"))
                .evidence(EvidenceSource::Manifest, permission_path(QUERY_ALL), json::bool(true))
                .evidence(EvidenceSource::Listing, "app.store_category", json::str(&input.app().store_category))
                .evidence(EvidenceSource::Listing, format!("google_play.permission_declarations[{QUERY_ALL}].approved"), json::null())
                .expected("a permitted core use (browser, antivirus, file manager, device search, app store) or an approved declaration")
                .maybe_sdk(input.declared_sdk(QUERY_ALL))
                .build(),
        );
        return;
    }

    // Manifest signals and the app's own calls are covered by any
    // installed_apps item; an SDK's calls by one it collects.
    let listed = |d: &DataItem| d.pi_type == "installed_apps" && !d.purpose.trim().is_empty();
    let declared = |owner: Option<&SdkMatch>| match owner {
        Some(_) => input.collected_by(owner).any(listed),
        None => input.data_collection().iter().any(listed),
    };
    if !app_signals.is_empty() && !declared(None) {
        let mut f = RULE
            .rectify(input.context)
            .en("The app can read the list of installed apps, but no installed_apps data item with a purpose is declared.")
            .zh("应用可读取已安装应用列表，但收集信息清单未声明 installed_apps 及其目的。");
        for (source, path, value) in app_signals {
            f = f.evidence(source, path, value);
        }
        out.push(
            f.evidence(
                EvidenceSource::Listing,
                "data_collection[pi_type=installed_apps]",
                json::null(),
            )
            .expected("an installed_apps data item with its purpose")
            .build(),
        );
    }
    for (sdk, callers) in sdk_signals {
        if declared(Some(sdk)) {
            continue;
        }
        let (who, who_zh, by) = owner_names(Some(sdk));
        out.push(
            RULE.rectify(input.context)
                .en(format!("{who} reads the list of installed apps, but no installed_apps item collected_by {by} is declared."))
                .zh(format!("{who_zh} 读取已安装应用列表，但收集信息清单未声明其收集（collected_by {by}）。"))
                .evidence(EvidenceSource::Dex, "api_refs[installed-apps].callers", json::strs(callers.iter().map(String::as_str)))
                .evidence(EvidenceSource::Listing, format!("data_collection[pi_type=installed_apps,collected_by={by}]"), json::null())
                .expected(format!("an installed_apps item collected_by {by} with its purpose, or the collection turned off"))
                .sdk(&sdk.id)
                .build(),
        );
    }
}

/// Google Play's permitted core uses, or an approved declaration.
fn play_allows(input: &Input) -> bool {
    let category = input.app().necessary_pi_category_id.map(u32::from);
    installed_apps_core(category, &input.app().store_category)
        || input.google_play().as_ref().is_some_and(|g| {
            g.permission_declarations
                .iter()
                .any(|d| d.permission == QUERY_ALL && d.approved)
        })
}
