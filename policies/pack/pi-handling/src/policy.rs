//! PI-POLICY-001: a privacy policy exists, is reachable and readable.
//!
//! No policy at all is a hard reject (a platform may not list the app);
//! everything else is fixable. The APK must carry the policy: a bundled
//! policy page (`assets/**/*privacy*`, `res/raw*/*privacy*`), or the policy
//! URL (or another URL on its host) among the dex strings. String
//! resources are not among the host's facts, so a URL kept only there is
//! missed. The first-run prompt and the tap count are runtime: the rule
//! checks their declarations (`in_app_path`, `privacy_prompt_on_first_run`).

use shelfgate_policy_sdk::prelude::*;

use crate::input::Input;

pub const RULE: Rule = Rule {
    id: "PI-POLICY-001",
    refs: &[
        "ID-METHOD-2019 I.1",
        "ID-METHOD-2019 I.3",
        "ID-METHOD-2019 I.4",
        "MIIT-2020-164 issue 9",
        "PIPL Art. 17",
    ],
    remediation: "Publish a privacy policy that sets out how the app and its SDKs collect and use personal information, at an HTTPS address and in Simplified Chinese for the CN market; link it inside the app within four taps of the main screen (declare privacy.in_app_path) and show it on first run (attest privacy_prompt_on_first_run).",
};

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let privacy = &input.privacy();
    let url = privacy.policy_url.trim();
    // The listing schema requires a well-formed URL; "no policy" is the
    // host fetching it and finding nothing.
    if let Some(text) = privacy.policy_text.as_deref() {
        if text.trim().is_empty() {
            out.push(
                RULE.reject()
                    .en(format!("The privacy policy at {url} is empty: the app has no privacy policy and may not be listed."))
                    .zh(format!("隐私政策（{url}）内容为空，视为无隐私政策，应用不得上架。"))
                    .evidence(EvidenceSource::Listing, "privacy.policy_url", json::str(url))
                    .evidence(EvidenceSource::Listing, "privacy.policy_text", json::str(text))
                    .expected("a policy text with the PI collection and use rules")
                    .build(),
            );
            return;
        }
    }
    if !url.to_ascii_lowercase().starts_with("https://") {
        out.push(
            RULE.rectify(input.context)
                .en(format!("The privacy policy address {url} is not HTTPS."))
                .zh(format!("隐私政策地址 {url} 未使用 HTTPS。"))
                .evidence(
                    EvidenceSource::Listing,
                    "privacy.policy_url",
                    json::str(url),
                )
                .expected("an https:// URL")
                .build(),
        );
    }
    if !in_apk(input, url) {
        let urls = input.urls();
        out.push(
            RULE.rectify(input.context)
                .en(format!(
                    "The APK neither bundles a privacy policy page nor contains a link to {url}."
                ))
                .zh(format!(
                    "安装包内既未内置隐私政策页面，也未包含隐私政策链接 {url}。"
                ))
                .evidence(
                    EvidenceSource::Listing,
                    "privacy.policy_url",
                    json::str(url),
                )
                .evidence(
                    EvidenceSource::Dex,
                    "urls",
                    json::strs(urls.iter().take(URL_EVIDENCE).map(String::as_str)),
                )
                .evidence(EvidenceSource::Container, "files[assets/**/*rivacy*]", "[]")
                .expected("the policy URL in the app's code or a bundled policy page")
                .build(),
        );
    }
    if input.cn() {
        let listed = privacy
            .policy_languages
            .iter()
            .any(|l| simplified_chinese(l));
        let text_has_chinese = privacy.policy_text.as_deref().is_none_or(has_han);
        if !listed || !text_has_chinese {
            let why_en = if listed {
                "its text contains no Chinese"
            } else {
                "zh-Hans is not among its languages"
            };
            let why_zh = if listed {
                "正文不含中文"
            } else {
                "语言列表不含简体中文"
            };
            out.push(
                RULE.rectify(input.context)
                    .en(format!(
                        "The privacy policy has no Simplified Chinese version for the CN market: {why_en}."
                    ))
                    .zh(format!("面向中国市场的隐私政策缺少简体中文版本：{why_zh}。"))
                    .evidence(
                        EvidenceSource::Listing,
                        "privacy.policy_languages",
                        json::strs(privacy.policy_languages.iter().map(String::as_str)),
                    )
                    .evidence(EvidenceSource::Context, "markets", json::strs(["CN"]))
                    .expected("policy_languages includes zh-Hans and the text is in Simplified Chinese")
                    .build(),
            );
        }
    }
    if privacy.in_app_path.trim().is_empty() {
        out.push(
            RULE.rectify(input.context)
                .en("The listing does not say where the privacy policy is found inside the app.")
                .zh("上架信息未说明应用内查看隐私政策的路径。")
                .evidence(
                    EvidenceSource::Listing,
                    "privacy.in_app_path",
                    json::str(&privacy.in_app_path),
                )
                .expected("a menu path of at most four taps from the main screen")
                .build(),
        );
    }
    if !input.attested("privacy_prompt_on_first_run") {
        out.push(
            RULE.rectify(input.context)
                .en("The developer has not attested that the privacy policy is shown on first run.")
                .zh("开发者未声明首次运行时以弹窗等方式提示用户阅读隐私政策。")
                .evidence(
                    EvidenceSource::Listing,
                    "attestations[privacy_prompt_on_first_run]",
                    input.attestation_value("privacy_prompt_on_first_run"),
                )
                .expected("attestation privacy_prompt_on_first_run = true")
                .build(),
        );
    }
}

/// Dex URLs quoted when none is the policy's.
const URL_EVIDENCE: usize = 5;

/// Bundled policy pages; `*rivacy*` catches `Privacy` and `privacy`.
const POLICY_FILES: &[&str] = &[
    "assets/**/*rivacy*",
    "res/raw*/*rivacy*",
    "assets/**/*yinsi*",
];

/// Whether the APK carries the policy page or a link to the policy's site.
fn in_apk(input: &Input, url: &str) -> bool {
    if POLICY_FILES
        .iter()
        .any(|glob| !input.facts.files_matching(glob, 1).is_empty())
    {
        return true;
    }
    let policy = bare(url);
    let host = policy.split('/').next().unwrap_or_default();
    input.urls().iter().any(|u| {
        let u = bare(u);
        u.starts_with(&policy) || (!host.is_empty() && u.split('/').next() == Some(host))
    })
}

/// A URL without scheme, `www.` and trailing slash, lower-cased.
fn bare(url: &str) -> String {
    let u = url.trim().to_ascii_lowercase();
    let u = u.split_once("://").map_or(u.as_str(), |(_, rest)| rest);
    u.trim_start_matches("www.")
        .trim_end_matches('/')
        .to_string()
}

/// `zh-Hans`, `zh-CN`, `zh` and the like; not the Traditional variants.
fn simplified_chinese(tag: &str) -> bool {
    let t = tag.trim().to_ascii_lowercase().replace('_', "-");
    (t == "zh" || t.starts_with("zh-"))
        && !["hant", "tw", "hk", "mo"]
            .iter()
            .any(|v| t.split('-').any(|part| part == *v))
}

fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}
