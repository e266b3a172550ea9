//! SEC-WEBVIEW-048: WebView bridges and settings that let web content reach
//! the app.
//!
//! - `addJavascriptInterface` on devices below API 17 lets any page call
//!   any public method through reflection (CVE-2012-6636);
//! - `setAllowFileAccessFromFileURLs` / `setAllowUniversalAccessFromFileURLs`
//!   let a `file://` page read local files or any origin. The argument is
//!   not among the facts, so every call is reported for the developer to
//!   confirm it passes `false`;
//! - an exported activity that opens links (`VIEW` deep links) and enables
//!   JavaScript in its own code loads intent-supplied URLs with script.
//!
//! Findings name the SDK whose classes make the call.

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{Component, ComponentKind};

pub const RULE: Rule = Rule {
    id: "SEC-WEBVIEW-048",
    refs: &["GP-PERM JavaScript Interface remediation", "AOSP"],
    remediation: "Raise minSdkVersion to 17+ before using addJavascriptInterface (and annotate exposed methods with @JavascriptInterface); keep file-URL access off; in activities opened by links, load only allow-listed HTTPS origins and keep JavaScript off for other content.",
};

/// `addJavascriptInterface` is reflective-call safe from API 17.
const SAFE_BRIDGE_API: u32 = 17;

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let refs = s.api_refs();
    if refs.is_empty() {
        return;
    }
    let sdks = s.sdks();
    let min_sdk = s.identity().min_sdk;
    if min_sdk < SAFE_BRIDGE_API {
        for r in refs.iter().filter(|r| r.key == "webview.js-bridge") {
            for (sdk, classes) in attribution::caller_groups(sdks, &r.callers) {
                out.push(
                    RULE.rectify(s.context)
                        .en(format!(
                            "{} calls addJavascriptInterface{} while minSdkVersion is {min_sdk}: on Android below 4.2 any page can run arbitrary code through the bridge.",
                            who_en(&sdk),
                            list(&classes)
                        ))
                        .zh(format!(
                            "{}调用 addJavascriptInterface{}，而 minSdkVersion 为 {min_sdk}：Android 4.2 以下任何网页都可通过该接口执行任意代码。",
                            who_zh(&sdk),
                            list(&classes)
                        ))
                        .evidence(EvidenceSource::Dex, "api_refs[webview.js-bridge].callers", json::strs(classes.iter().map(String::as_str)))
                        .evidence(EvidenceSource::Manifest, "uses-sdk@minSdkVersion", json::num(min_sdk))
                        .expected("minSdkVersion >= 17, or no JavaScript interface")
                        .maybe_sdk(sdk)
                        .build(),
                );
            }
        }
    }
    for r in refs.iter().filter(|r| r.key == "webview.file-access") {
        let setter = r
            .method
            .rsplit("->")
            .next()
            .unwrap_or(&r.method)
            .to_string();
        for (sdk, classes) in attribution::caller_groups(sdks, &r.callers) {
            out.push(
                RULE.rectify(s.context)
                    .en(format!(
                        "{} calls WebSettings.{setter}{}: if it passes true, file:// pages can read local files or any origin. Confirm it is false or remove the call.",
                        who_en(&sdk),
                        list(&classes)
                    ))
                    .zh(format!(
                        "{}调用 WebSettings.{setter}{}：若参数为 true，file:// 页面可读取本地文件或任意来源。请确认参数为 false 或删除该调用。",
                        who_zh(&sdk),
                        list(&classes)
                    ))
                    .evidence(EvidenceSource::Dex, "api_refs[webview.file-access].method", json::str(&r.method))
                    .evidence(EvidenceSource::Dex, "api_refs[webview.file-access].callers", json::strs(classes.iter().map(String::as_str)))
                    .expected("file-URL access left at its default (false)")
                    .maybe_sdk(sdk)
                    .build(),
            );
        }
    }
    let js_callers: Vec<&str> = refs
        .iter()
        .filter(|r| r.key == "webview.javascript")
        .flat_map(|r| r.callers.iter().map(String::as_str))
        .collect();
    if js_callers.is_empty() {
        return;
    }
    for c in s.components().iter().filter(|c| opens_links(c)) {
        if !js_callers.contains(&c.name.as_str()) {
            continue;
        }
        let sdk = attribution::sdk_of_component(sdks, &c.name).map(|s| s.id.clone());
        let schemes: Vec<&str> = c
            .intent_filters
            .iter()
            .filter(|f| f.actions.iter().any(|a| a == "android.intent.action.VIEW"))
            .flat_map(|f| f.schemes.iter().map(String::as_str))
            .collect();
        out.push(
            RULE.rectify(s.context)
                .en(format!(
                    "Exported activity {} opens links ({}) and enables JavaScript in its WebView: a crafted link can run script with the app's bridges and cookies.",
                    c.name,
                    schemes.join(", ")
                ))
                .zh(format!(
                    "导出的 Activity {} 可通过链接（{}）打开，并在 WebView 中启用 JavaScript：恶意链接可借助应用的接口和 Cookie 执行脚本。",
                    c.name,
                    schemes.join("、")
                ))
                .evidence(
                    EvidenceSource::Manifest,
                    format!("activity[@name='{}']/intent-filter/data@scheme", c.name),
                    json::strs(schemes.iter().copied()),
                )
                .evidence(EvidenceSource::Dex, "api_refs[webview.javascript].callers", json::str(&c.name))
                .expected("deep-link activities load only allow-listed HTTPS origins")
                .maybe_sdk(sdk)
                .build(),
        );
    }
}

/// An exported, enabled activity with a `VIEW` filter that takes data.
fn opens_links(c: &Component) -> bool {
    matches!(
        c.kind,
        ComponentKind::Activity | ComponentKind::ActivityAlias
    ) && c.exported
        && c.enabled
        && c.intent_filters.iter().any(|f| {
            f.actions.iter().any(|a| a == "android.intent.action.VIEW") && !f.schemes.is_empty()
        })
}

fn who_en(sdk: &Option<String>) -> String {
    sdk.as_deref()
        .map(|s| format!("SDK {s}"))
        .unwrap_or_else(|| "App code".into())
}

fn who_zh(sdk: &Option<String>) -> String {
    sdk.as_deref()
        .map(|s| format!("SDK {s} 的代码"))
        .unwrap_or_else(|| "应用代码".into())
}

fn list(classes: &[String]) -> String {
    if classes.is_empty() {
        String::new()
    } else {
        format!(" ({})", classes.join(", "))
    }
}
