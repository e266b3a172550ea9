//! SEC-CLEARTEXT-046: cleartext traffic and TLS that checks nothing.
//!
//! Code that trusts every certificate, accepts every host name or proceeds
//! past WebView SSL errors hands the connection to anyone on the path:
//! reject. A configuration that permits cleartext everywhere or trusts
//! user-installed CAs in release builds exposes PI in transit (GB/T 35273):
//! rectify. When a Network Security Config exists, Android 7+ ignores
//! `usesCleartextTraffic`; cleartext is on by default below targetSdk 28.
//! An app without the INTERNET permission opens no socket, so what its
//! configuration permits carries no traffic. Code findings name the SDK
//! whose classes make the call.

use shelfgate_policy_sdk::prelude::*;

pub const RULE: Rule = Rule {
    id: "SEC-CLEARTEXT-046",
    refs: &["AOSP", "GB/T 35273 §6.3"],
    remediation: "Use HTTPS with the platform's default certificate and host-name checks; set cleartextTrafficPermitted=\"false\" in the Network Security Config base-config (list only the domains that truly need HTTP), and trust user CAs only inside <debug-overrides>.",
};

/// Below this target SDK cleartext is permitted by default.
const CLEARTEXT_OFF_BY_DEFAULT: u32 = 28;

/// Code that disables a TLS check, and what it means.
const TLS_BYPASSES: &[(&str, &str, &str)] = &[
    (
        "tls.trust-all",
        "an X509TrustManager whose checkServerTrusted accepts every certificate",
        "X509TrustManager.checkServerTrusted 不做任何校验，信任所有证书",
    ),
    (
        "tls.hostname-verifier-all",
        "a HostnameVerifier that accepts every host name",
        "HostnameVerifier 对任意主机名返回 true",
    ),
    (
        "webview.ssl-proceed",
        "WebViewClient.onReceivedSslError calling SslErrorHandler.proceed()",
        "WebViewClient.onReceivedSslError 中调用 SslErrorHandler.proceed() 忽略证书错误",
    ),
];

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    tls_bypasses(s, out);
    configuration(s, out);
}

fn tls_bypasses(s: &Snapshot, out: &mut Vec<Finding>) {
    let refs = s.api_refs();
    if refs.is_empty() {
        return;
    }
    let sdks = s.sdks();
    for (key, en, zh) in TLS_BYPASSES {
        let callers: Vec<String> = refs
            .iter()
            .filter(|r| r.key == *key)
            .flat_map(|r| r.callers.iter().cloned())
            .collect();
        let methods: Vec<&str> = refs
            .iter()
            .filter(|r| r.key == *key)
            .map(|r| r.method.as_str())
            .collect();
        if methods.is_empty() {
            continue;
        }
        for (sdk, classes) in attribution::caller_groups(sdks, &callers) {
            let who = sdk
                .as_deref()
                .map(|s| format!("SDK {s}"))
                .unwrap_or_else(|| "App code".into());
            let f = RULE
                .reject()
                .en(format!(
                    "{who} contains {en}{}: TLS offers no protection against interception.",
                    list(&classes)
                ))
                .zh(format!(
                    "{}存在{zh}{}，TLS 无法防止中间人攻击。",
                    who_zh(sdk.as_deref()),
                    list(&classes)
                ))
                .evidence(
                    EvidenceSource::Dex,
                    format!("api_refs[{key}].method"),
                    json::strs(methods.iter().copied()),
                )
                .evidence(
                    EvidenceSource::Dex,
                    format!("api_refs[{key}].callers"),
                    json::strs(classes.iter().map(String::as_str)),
                )
                .expected("platform default certificate and host-name verification")
                .maybe_sdk(sdk);
            out.push(f.build());
        }
    }
}

fn list(classes: &[String]) -> String {
    if classes.is_empty() {
        String::new()
    } else {
        format!(" ({})", classes.join(", "))
    }
}

fn who_zh(sdk: Option<&str>) -> String {
    sdk.map(|s| format!("SDK {s} 中"))
        .unwrap_or_else(|| "应用代码中".into())
}

fn configuration(s: &Snapshot, out: &mut Vec<Finding>) {
    if !s.facts.has_permission("android.permission.INTERNET") {
        return;
    }
    let app = s.application();
    let target = s.identity().target_sdk;
    let default_on = target < CLEARTEXT_OFF_BY_DEFAULT;
    match &app.network_security {
        Some(nsc) => {
            let permitted = nsc.cleartext_permitted.unwrap_or(default_on);
            if permitted {
                let f = RULE
                    .rectify(s.context)
                    .en(match nsc.cleartext_permitted {
                        Some(_) => "The Network Security Config base-config permits cleartext HTTP for every domain.".to_string(),
                        None => format!("The Network Security Config does not set cleartextTrafficPermitted and targetSdkVersion {target} defaults it to true: cleartext HTTP is allowed for every domain."),
                    })
                    .zh("网络安全配置（Network Security Config）的 base-config 允许所有域名使用明文 HTTP。")
                    .evidence(
                        EvidenceSource::Manifest,
                        "network_security_config/base-config@cleartextTrafficPermitted",
                        nsc.cleartext_permitted.map(json::bool).unwrap_or_else(json::null),
                    )
                    .evidence(EvidenceSource::Manifest, "uses-sdk@targetSdkVersion", json::num(target))
                    .expected("cleartextTrafficPermitted=\"false\" in base-config");
                out.push(f.build());
            }
            if nsc.trusts_user_certs {
                out.push(
                    RULE.rectify(s.context)
                        .en("The release Network Security Config trusts user-installed CA certificates: anyone who can install a CA on the device can read the app's TLS traffic.")
                        .zh("发布版网络安全配置信任用户安装的 CA 证书，可被用于解密应用的 TLS 流量。")
                        .evidence(EvidenceSource::Manifest, "network_security_config/trust-anchors/certificates@src='user'", json::bool(true))
                        .expected("user CAs trusted only inside <debug-overrides>")
                        .build(),
                );
            }
            if nsc.has_debug_overrides && !app.debuggable {
                out.push(
                    RULE.rectify(s.context)
                        .en("The release build ships a <debug-overrides> Network Security Config section; keep debug trust settings out of release builds.")
                        .zh("发布版包含网络安全配置的 <debug-overrides> 段，调试用信任配置不应随发布版提供。")
                        .evidence(EvidenceSource::Manifest, "network_security_config/debug-overrides", json::bool(true))
                        .expected("no <debug-overrides> in the release configuration")
                        .build(),
                );
            }
        }
        None => {
            let attr = app.uses_cleartext_traffic;
            if attr.unwrap_or(default_on) {
                out.push(
                    RULE.rectify(s.context)
                        .en(match attr {
                            Some(_) => "android:usesCleartextTraffic=\"true\" allows cleartext HTTP for every domain.".to_string(),
                            None => format!("targetSdkVersion {target} without a Network Security Config allows cleartext HTTP for every domain."),
                        })
                        .zh("应用允许所有域名使用明文 HTTP（usesCleartextTraffic 或低于 28 的 targetSdkVersion 默认允许）。")
                        .evidence(
                            EvidenceSource::Manifest,
                            "application@usesCleartextTraffic",
                            attr.map(json::bool).unwrap_or_else(json::null),
                        )
                        .evidence(EvidenceSource::Manifest, "uses-sdk@targetSdkVersion", json::num(target))
                        .evidence(EvidenceSource::Manifest, "application@networkSecurityConfig", json::opt_str(app.network_security_config.as_deref()))
                        .expected("usesCleartextTraffic=\"false\" or a Network Security Config that forbids cleartext")
                        .build(),
                );
            }
        }
    }
}
