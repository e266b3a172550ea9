//! DECEIVE-INSTALL-023: installing other apps silently or by force.
//!
//! - `INSTALL_PACKAGES` is a privileged permission no store app can hold;
//!   asking for it is a red flag: reject.
//! - An APK hidden in the package (assets, raw resources) that the listing
//!   does not declare is a bundled install or an undeclared plugin: reject.
//!   The listing declares plugin APKs through
//!   `behaviour_declarations.dynamic_code_loading` (used, with a purpose);
//!   there is no other field for them.
//! - `REQUEST_INSTALL_PACKAGES` lets the app ask to install packages. In
//!   the CN market it needs a declared self-update
//!   (`behaviour_declarations.self_update.uses_request_install_packages`)
//!   or an app-store / browser / file-manager category: rectify. Google Play
//!   wants an approved declaration: reject without one.
//!
//! `PackageInstaller` references and the listing's `declared_by` name the
//! SDK responsible (ad SDKs ship download-and-install managers).

use shelfgate_pack_data::lexicon::INSTALLER_CATEGORY_WORDS;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{Payload, SdkMatch};

pub const RULE: Rule = Rule {
    id: "DECEIVE-INSTALL-023",
    refs: &["MIIT-2020-164 issue 7", "MIIT-2023-26", "GP-PERM REQUEST_INSTALL_PACKAGES"],
    remediation: "Install nothing without the user's explicit action: remove INSTALL_PACKAGES and bundled APKs (declare plugins under behaviour_declarations.dynamic_code_loading), and keep REQUEST_INSTALL_PACKAGES only for a declared self-update or an app-store/browser/file-manager function (Google Play: only with an approved declaration).",
};

const INSTALL: &str = "android.permission.INSTALL_PACKAGES";
const REQUEST_INSTALL: &str = "android.permission.REQUEST_INSTALL_PACKAGES";

/// CAC-2021-14 categories whose core function installs apps: browsers (32)
/// and app stores (37).
const INSTALLER_CATEGORIES: &[u8] = &[32, 37];

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    if s.requests(INSTALL) {
        out.push(
            RULE.reject()
                .en("The app requests INSTALL_PACKAGES, a privileged permission that lets system apps install packages silently; store apps cannot hold it.")
                .zh("应用申请了 INSTALL_PACKAGES 权限，该系统级权限可静默安装应用，第三方应用不得申请。")
                .evidence(EvidenceSource::Manifest, manifest::permission_path(INSTALL), json::bool(true))
                .expected("no INSTALL_PACKAGES")
                .maybe_sdk(s.declared_sdk(INSTALL))
                .build(),
        );
    }

    let apks: Vec<&Payload> = s.payloads().iter().filter(|p| is_apk(p)).collect();
    let behaviour = || s.behaviour();
    let plugins_declared = || {
        behaviour()
            .dynamic_code_loading
            .as_ref()
            .is_some_and(|d| d.used && d.purpose.as_deref().is_some_and(|p| !p.trim().is_empty()))
    };
    if !apks.is_empty() && !plugins_declared() {
        for (sdk, group) in by_owner(s.sdks(), &apks) {
            out.push(
                RULE.reject()
                    .en(format!(
                        "The package hides other APKs ({}) that the listing does not declare: bundling apps for installation, or loading them as plugins, needs a declaration.",
                        group.join(", ")
                    ))
                    .zh(format!(
                        "安装包内嵌其他 APK（{}），上架信息未作声明：捆绑安装或作为插件加载均须声明。",
                        group.join("、")
                    ))
                    .evidence(EvidenceSource::Container, "payloads[kind='apk'].path", json::strs(group.iter().copied()))
                    .evidence(
                        EvidenceSource::Listing,
                        "behaviour_declarations.dynamic_code_loading",
                        json::opt_str(behaviour().dynamic_code_loading.as_ref().map(|d| if d.used { "used" } else { "not used" })),
                    )
                    .expected("no embedded APKs, or plugins declared under behaviour_declarations.dynamic_code_loading with a purpose")
                    .maybe_sdk(sdk)
                    .build(),
            );
        }
    }

    if !s.requests(REQUEST_INSTALL) {
        return;
    }
    let sdk = s
        .declared_sdk(REQUEST_INSTALL)
        .map(str::to_string)
        .or_else(|| installer_sdk(s));
    if s.play() {
        let approved = s.google_play().as_ref().and_then(|gp| {
            gp.permission_declarations
                .iter()
                .find(|d| d.permission == REQUEST_INSTALL)
                .map(|d| d.approved)
        });
        if approved != Some(true) {
            out.push(
                RULE.reject()
                    .en("REQUEST_INSTALL_PACKAGES on Google Play needs an approved declaration for a core function of sending, receiving or installing apps; the listing has none.")
                    .zh("在 Google Play 上使用 REQUEST_INSTALL_PACKAGES 须就发送、接收或安装应用的核心功能提交并获批权限声明，上架信息中没有获批的声明。")
                    .evidence(EvidenceSource::Manifest, manifest::permission_path(REQUEST_INSTALL), json::bool(true))
                    .evidence(
                        EvidenceSource::Listing,
                        format!("google_play.permission_declarations[{REQUEST_INSTALL}].approved"),
                        approved.map(json::bool).unwrap_or_else(json::null),
                    )
                    .expected("an approved Play declaration, or no REQUEST_INSTALL_PACKAGES")
                    .maybe_sdk(sdk)
                    .build(),
            );
            return;
        }
    }
    if s.cn() {
        let self_update = behaviour()
            .self_update
            .as_ref()
            .is_some_and(|s| s.uses_request_install_packages);
        let app = s.app();
        let installer = app
            .necessary_pi_category_id
            .is_some_and(|c| INSTALLER_CATEGORIES.contains(&c))
            || text::find_any(&app.store_category, INSTALLER_CATEGORY_WORDS).is_some();
        if !self_update && !installer {
            out.push(
                RULE.rectify(s.context)
                    .en(format!(
                        "The app can ask to install other packages (REQUEST_INSTALL_PACKAGES) but declares no self-update that uses it, and \"{}\" is not an app-store, browser or file-manager category.",
                        app.store_category
                    ))
                    .zh(format!(
                        "应用申请了安装其他应用的权限（REQUEST_INSTALL_PACKAGES），但未声明使用该权限的自更新，商店分类“{}”也不属于应用商店、浏览器或文件管理类。",
                        app.store_category
                    ))
                    .evidence(EvidenceSource::Manifest, manifest::permission_path(REQUEST_INSTALL), json::bool(true))
                    .evidence(
                        EvidenceSource::Listing,
                        "behaviour_declarations.self_update.uses_request_install_packages",
                        behaviour()
                            .self_update
                            .as_ref()
                            .map(|s| json::bool(s.uses_request_install_packages))
                            .unwrap_or_else(json::null),
                    )
                    .evidence(EvidenceSource::Listing, "app.store_category", json::str(&app.store_category))
                    .expected("self_update declared with uses_request_install_packages=true, or an installer category")
                    .maybe_sdk(sdk)
                    .build(),
            );
        }
    }
}

/// An embedded APK: the host classified it so, or could not open it but it
/// is named `.apk`.
fn is_apk(p: &Payload) -> bool {
    p.kind == "apk" || p.path.to_ascii_lowercase().ends_with(".apk")
}

/// Payload paths grouped by the SDK whose `asset` evidence names them.
fn by_owner<'a>(sdks: &[SdkMatch], apks: &[&'a Payload]) -> Vec<(Option<String>, Vec<&'a str>)> {
    let mut groups: Vec<(Option<String>, Vec<&'a str>)> = Vec::new();
    for p in apks {
        let owner = sdks
            .iter()
            .find(|s| {
                s.evidence
                    .iter()
                    .any(|e| e.kind == "asset" && e.value == p.path)
            })
            .map(|s| s.id.clone());
        match groups.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, list)) => list.push(p.path.as_str()),
            None => groups.push((owner, vec![p.path.as_str()])),
        }
    }
    groups
}

/// The SDK whose code alone drives `PackageInstaller`.
fn installer_sdk(s: &Snapshot) -> Option<String> {
    let callers = s.callers("package-installer");
    match attribution::callers_by_sdk(s.sdks(), &callers).as_slice() {
        [(Some(id), _)] => Some(id.clone()),
        _ => None,
    }
}
