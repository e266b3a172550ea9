//! PLAT-DISPLAY-029: what a store must show before download.
//!
//! MIIT-2020-164 issue 9 and MIIT-2023-26: developer, functions, privacy
//! policy and permission list shown before download; MIIT-2023-FILING: the
//! filing number. The gate enforces the catalogue's minimum set. A missing
//! field means the listing page cannot be built: hard reject.
//!
//! Typed fields the schema already requires (`contains_iap`, booleans) are
//! present by construction; text fields must not be blank. The permission
//! and SDK lists must exist when the APK has sensitive permissions or SDKs;
//! whether each permission has a purpose is PI-NOTICE-004's question.

use shelfgate_pack_data::permission;
use shelfgate_policy_sdk::prelude::*;

use crate::parties::Parties;

pub const RULE: Rule = Rule {
    id: "PLAT-DISPLAY-029",
    refs: &["MIIT-2020-164 issue 9", "MIIT-2023-26", "MIIT-2023-FILING", "MIIT-2016-407"],
    remediation: "Complete the listing: app name, developer, version, update date, package size, description, privacy-policy URL, content rating, the permission list with purposes, and for the CN market the app filing number and the SDK list.",
};

pub fn check(parties: &Parties, cn: bool, out: &mut Vec<Finding>) {
    let (app, developer, privacy) = (parties.app(), parties.developer(), parties.privacy());
    let blank = |s: &str| s.trim().is_empty();

    // (path, label en, label zh, value seen)
    let mut missing: Vec<(&str, &str, &str, String)> = Vec::new();
    let mut text = |path: &'static str, en: &'static str, zh: &'static str, value: &str| {
        if blank(value) {
            missing.push((path, en, zh, json::str(value)));
        }
    };
    text("app.name", "app name", "应用名称", &app.name);
    text(
        "developer.name",
        "developer name",
        "开发者名称",
        &developer.name,
    );
    text("app.version_name", "version", "版本号", &app.version_name);
    text(
        "app.update_time",
        "update date",
        "更新日期",
        &app.update_time,
    );
    text(
        "app.description",
        "function description",
        "功能介绍",
        &app.description,
    );
    text(
        "privacy.policy_url",
        "privacy policy link",
        "隐私政策链接",
        &privacy.policy_url,
    );
    text(
        "app.content_rating",
        "age rating",
        "适用年龄分级",
        &app.content_rating,
    );
    if app.size_bytes == 0 {
        missing.push(("app.size_bytes", "package size", "安装包大小", json::num(0)));
    }
    if cn {
        let number = parties
            .filing()
            .as_ref()
            .map(|f| f.icp_app_filing_number.as_str());
        if number.is_none_or(blank) {
            missing.push((
                "filing.icp_app_filing_number",
                "app filing number",
                "App 备案号",
                json::opt_str(number),
            ));
        }
    }
    let sensitive = parties
        .usable_permissions()
        .any(|p| permission(&p.name).is_some());
    if sensitive && parties.declared().is_empty() {
        missing.push((
            "permissions",
            "permission list with purposes",
            "权限列表及用途",
            "[]".into(),
        ));
    }
    if cn && !parties.sdks().is_empty() && parties.sdk_decls().is_empty() {
        missing.push((
            "third_party_sdks",
            "SDK list",
            "第三方 SDK 列表",
            "[]".into(),
        ));
    }
    if missing.is_empty() {
        return;
    }
    let en: Vec<&str> = missing.iter().map(|m| m.1).collect();
    let zh: Vec<&str> = missing.iter().map(|m| m.2).collect();
    let mut f = RULE
        .reject()
        .en(format!(
            "The listing lacks what the store must display before download: {}.",
            en.join(", ")
        ))
        .zh(format!(
            "上架信息缺少下载前必须展示的内容：{}。",
            zh.join("、")
        ))
        .expected("every mandatory display field present and non-empty");
    for (path, _, _, value) in missing {
        f = f.evidence(EvidenceSource::Listing, path, value);
    }
    out.push(f.build());
}
