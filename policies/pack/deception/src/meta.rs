//! DECEIVE-META-027: the listing describes this binary.
//!
//! - Identity: package, versionCode and versionName must equal the
//!   manifest's; a listing for another build is refused (hard).
//! - The app name must be the manifest label in some locale, or a declared
//!   localisation of it; the permission list must not name permissions the
//!   manifest lacks (stale lists); a payment SDK in a category that needs
//!   no PI while the listing says "no in-app purchases" misdescribes the
//!   app: rectify.
//! - Regulated business hidden behind another category (lending or
//!   gambling words in the text of an app not declared as such): reject.

use shelfgate_pack_data::lexicon::{GAMBLING_WORDS, LENDING_WORDS};
use shelfgate_pack_data::sdk_types;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::AppInfo;
use shelfgate_policy_sdk::Identity;

pub const RULE: Rule = Rule {
    id: "DECEIVE-META-027",
    refs: &["MIIT-2020-164 issue 9", "MIIT-2023-26"],
    remediation: "Describe the uploaded build truthfully: copy package name, versionCode and versionName from the APK, use the app's own label as its name, list only permissions the APK requests, and choose the store category of the app's real business (lending, payment and gambling are regulated).",
};

/// CAC-2021-14 categories that declare a financial business: online
/// payment (5), lending (12), investment (23), mobile banking (24).
const FINANCE_CATEGORIES: &[u8] = &[5, 12, 23, 24];

/// Store-category words that declare gambling-style games openly (Play's
/// Casino category of simulated gambling).
const CASINO_CATEGORY_WORDS: &[&str] = &["casino", "博彩", "彩票"];

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    identity(s.identity(), s.app(), out);
    label(s, out);
    stale_permissions(s, out);
    business(s, out);
}

fn identity(id: &Identity, app: &AppInfo, out: &mut Vec<Finding>) {
    let mut mismatch = |what_en: &str,
                        what_zh: &str,
                        listing_path: &str,
                        listed: String,
                        manifest_path: &str,
                        actual: String| {
        out.push(
            RULE.reject()
                .en(format!("The listing's {what_en} {listed} is not the APK's ({actual}): the listing describes another build."))
                .zh(format!("上架信息中的{what_zh} {listed} 与 APK 不符（{actual}），描述的不是本安装包。"))
                .evidence(EvidenceSource::Listing, listing_path, json::str(&listed))
                .evidence(EvidenceSource::Manifest, manifest_path, json::str(&actual))
                .expected(format!("{listing_path} equal to {manifest_path}"))
                .build(),
        );
    };
    if app.package_name.trim() != id.package {
        mismatch(
            "package name",
            "包名",
            "app.package_name",
            app.package_name.clone(),
            "manifest@package",
            id.package.clone(),
        );
    }
    if app.version_code != id.version_code {
        mismatch(
            "versionCode",
            "版本号（versionCode）",
            "app.version_code",
            app.version_code.to_string(),
            "manifest@versionCode",
            id.version_code.to_string(),
        );
    }
    if let Some(name) = id.version_name.as_deref() {
        if app.version_name.trim() != name.trim() {
            mismatch(
                "versionName",
                "版本名称（versionName）",
                "app.version_name",
                app.version_name.clone(),
                "manifest@versionName",
                name.to_string(),
            );
        }
    }
}

fn label(s: &Snapshot, out: &mut Vec<Finding>) {
    let app = s.app();
    let application = s.application();
    let mut labels: Vec<&str> = application
        .labels
        .iter()
        .map(|l| l.value.as_str())
        .collect();
    labels.extend(application.label.as_deref());
    // An unresolved reference says nothing about the name.
    labels.retain(|l| !l.trim().is_empty() && !l.starts_with('@'));
    if labels.is_empty() {
        return;
    }
    let names = crate::listed_names(app);
    if names
        .iter()
        .any(|n| labels.iter().any(|l| text::same_name(n, l)))
    {
        return;
    }
    out.push(
        RULE.rectify(s.context)
            .en(format!(
                "The listed name \"{}\" matches no label of the app ({}).",
                app.name,
                labels.join(", ")
            ))
            .zh(format!(
                "上架名称“{}”与应用自身名称（{}）不一致。",
                app.name,
                labels.join("、")
            ))
            .evidence(EvidenceSource::Listing, "app.name", json::str(&app.name))
            .evidence(
                EvidenceSource::Manifest,
                "application@label",
                json::strs(labels.iter().copied()),
            )
            .expected(
                "app.name (or a name_localised value) equal to the manifest label in some locale",
            )
            .build(),
    );
}

fn stale_permissions(s: &Snapshot, out: &mut Vec<Finding>) {
    let stale: Vec<&str> = s
        .declared()
        .iter()
        .map(|p| p.name.as_str())
        .filter(|name| !s.names_permission(name))
        .collect();
    if stale.is_empty() {
        return;
    }
    let mut f = RULE
        .rectify(s.context)
        .en(format!(
            "The listing's permission list names permissions the APK does not request: {}.",
            stale.join(", ")
        ))
        .zh(format!(
            "上架权限列表包含 APK 未申请的权限：{}。",
            stale.join("、")
        ))
        .expected("listing.permissions only for permissions in the manifest");
    for name in &stale {
        f = f
            .evidence(
                EvidenceSource::Listing,
                format!("permissions[{name}]"),
                json::bool(true),
            )
            .evidence(
                EvidenceSource::Manifest,
                manifest::permission_path(name),
                json::bool(false),
            );
    }
    out.push(f.build());
}

fn business(s: &Snapshot, out: &mut Vec<Finding>) {
    let app = s.app();
    let category = app.necessary_pi_category_id;
    let words = listing_text(app);
    let words = text::Folded::new(&words);
    if let Some(word) = words.find_any(GAMBLING_WORDS) {
        let declared =
            !s.cn() && text::find_any(&app.store_category, CASINO_CATEGORY_WORDS).is_some();
        if !declared {
            out.push(
                RULE.reject()
                    .en(format!(
                        "The listing text mentions gambling (\"{word}\") in an app listed as \"{}\": gambling is illegal in the mainland and regulated everywhere else.",
                        app.store_category
                    ))
                    .zh(format!("上架文字涉及赌博（“{word}”），而应用分类为“{}”：境内禁止赌博类业务。", app.store_category))
                    .evidence(EvidenceSource::Listing, "app.description", json::str(&app.description))
                    .evidence(EvidenceSource::Listing, "app.store_category", json::str(&app.store_category))
                    .expected("no gambling business")
                    .build(),
            );
        }
    }
    let finance = category.is_some_and(|c| FINANCE_CATEGORIES.contains(&c))
        || text::find_any(&app.store_category, LENDING_WORDS).is_some();
    if let Some(word) = words.find_any(LENDING_WORDS) {
        if !finance {
            out.push(
                RULE.reject()
                    .en(format!(
                        "The listing text offers lending (\"{word}\") but the app is listed as \"{}\" (necessary-PI category {}): a lending business may not hide behind another category.",
                        app.store_category,
                        category.map(|c| c.to_string()).unwrap_or_else(|| "none".into())
                    ))
                    .zh(format!(
                        "上架文字涉及借贷业务（“{word}”），但应用分类为“{}”：借贷业务不得以其他类别上架。",
                        app.store_category
                    ))
                    .evidence(EvidenceSource::Listing, "app.description", json::str(&app.description))
                    .evidence(EvidenceSource::Listing, "app.store_category", json::str(&app.store_category))
                    .evidence(
                        EvidenceSource::Listing,
                        "app.necessary_pi_category_id",
                        category.map(json::num).unwrap_or_else(json::null),
                    )
                    .expected("lending apps listed in the lending category (CAC-2021-14 category 12) with their licence")
                    .build(),
            );
        }
    }
    let no_pi_category = category
        .and_then(|c| shelfgate_pack_data::category(u32::from(c)))
        .is_some_and(|c| c.no_pi_required);
    let paid = app.contains_iap || app.subscriptions.as_ref().is_some_and(|s| !s.is_empty());
    if !no_pi_category || paid {
        return;
    }
    for sdk in s
        .sdks()
        .iter()
        .filter(|s| sdk_types::has_type(&s.categories, "payment"))
    {
        out.push(
            RULE.rectify(s.context)
                .en(format!(
                    "The app bundles the payment SDK {} but is listed in a category that needs no personal information (\"{}\") and declares no in-app purchases: the listing does not say what users pay for.",
                    sdk.name, app.store_category
                ))
                .zh(format!(
                    "应用集成了支付 SDK {}，但分类为无需个人信息的“{}”且声明不含应用内购买，上架信息未说明付费内容。",
                    sdk.name, app.store_category
                ))
                .evidence(EvidenceSource::Sdk, format!("sdk.detected[{}].categories", sdk.id), json::strs(sdk.categories.iter().map(String::as_str)))
                .evidence(EvidenceSource::Listing, "app.contains_iap", json::bool(app.contains_iap))
                .evidence(
                    EvidenceSource::Listing,
                    "app.necessary_pi_category_id",
                    category.map(json::num).unwrap_or_else(json::null),
                )
                .expected("contains_iap / subscriptions or a category that matches the paid business")
                .sdk(sdk.id.clone())
                .build(),
        );
    }
}

/// The listing's own words about what the app does.
fn listing_text(app: &AppInfo) -> String {
    let mut text = format!("{}\n{}\n{}", app.name, app.description, app.basic_function);
    for f in &app.features {
        text.push('\n');
        text.push_str(&f.name);
        text.push('\n');
        text.push_str(&f.description);
    }
    text
}
