//! DECEIVE-DYNCODE-024: code the review never saw.
//!
//! Class loaders over files, `System.load` of a path, hot-fix SDKs, packers
//! and hidden dex/jar/encrypted payloads all run code that is not the code
//! reviewed. Packers and plugins are allowed but must be declared
//! (`behaviour_declarations.dynamic_code_loading` with `used` and a
//! purpose): undeclared -> rectify. Google Play forbids code fetched from
//! outside Play; hot-fix SDKs exist to fetch patches from their vendor's
//! servers, and a loader next to URLs of `.dex`/`.jar`/`.apk`/`.so` files
//! in the dex strings fetches code too, so on Play both are refused
//! whatever the declaration.
//!
//! Findings are grouped by the SDK whose classes or files are responsible.
//! Embedded APKs are judged by DECEIVE-INSTALL-023.

use shelfgate_pack_data::sdk_types;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::SdkMatch;

pub const RULE: Rule = Rule {
    id: "DECEIVE-DYNCODE-024",
    refs: &["GP Device and Network Abuse", "MIIT-2020-164 issue 10", "CN platform review practice"],
    remediation: "Ship all code in the reviewed APK. Declare any class loading, native loading, packer or plugin under behaviour_declarations.dynamic_code_loading with its purpose; for Google Play remove hot-fix frameworks that download patches and update only through Play.",
};

/// Support libraries whose class loading installs the APK's own secondary
/// dex files (legacy multidex): reviewed code, nothing to declare.
const OWN_DEX_LOADERS: &[&str] = &["android.support.multidex.", "androidx.multidex."];

/// What runs code from outside the reviewed dex, attributed to its owner.
struct Source {
    owner: Option<String>,
    /// Fetches code from the network: refused on Google Play.
    fetches: bool,
    en: String,
    zh: String,
    evidence: (EvidenceSource, String, String),
}

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let sdks = s.sdks();
    let mut sources: Vec<Source> = Vec::new();
    for (key, en, zh) in [
        (
            "dynamic-code.class-loader",
            "loads classes through a dex class loader",
            "通过 Dex 类加载器加载类",
        ),
        (
            "dynamic-code.native-load",
            "loads native code from a file path (System.load)",
            "通过文件路径加载本地代码（System.load）",
        ),
    ] {
        if !s.references(key) {
            continue;
        }
        // Callers the host sampled, less the support libraries that load
        // the APK's own secondary dex; a reference without sampled callers
        // still counts, as the app's.
        let sampled: Vec<&String> = s.refs(key).flat_map(|r| r.callers.iter()).collect();
        let callers: Vec<String> = sampled
            .iter()
            .filter(|c| !OWN_DEX_LOADERS.iter().any(|p| c.starts_with(p)))
            .map(|c| c.to_string())
            .collect();
        if !sampled.is_empty() && callers.is_empty() {
            continue;
        }
        for (owner, classes) in attribution::caller_groups(sdks, &callers) {
            sources.push(Source {
                owner,
                fetches: false,
                en: format!("{en}{}", called_from_en(&classes)),
                zh: format!("{zh}{}", called_from_zh(&classes)),
                evidence: (
                    EvidenceSource::Dex,
                    format!("api_refs[{key}].callers"),
                    json::strs(classes.iter().map(String::as_str)),
                ),
            });
        }
    }
    for sdk in sdks
        .iter()
        .filter(|s| sdk_types::has_type(&s.categories, "hotfix"))
    {
        sources.push(Source {
            owner: Some(sdk.id.clone()),
            fetches: true,
            en: format!(
                "bundles the hot-fix framework {} that patches code at run time",
                sdk.name
            ),
            zh: format!("集成了运行时修补代码的热修复框架 {}", sdk.name),
            evidence: (
                EvidenceSource::Sdk,
                format!("sdk.detected[{}].categories", sdk.id),
                json::strs(sdk.categories.iter().map(String::as_str)),
            ),
        });
    }
    // A loader plus URLs of code files: code fetched from the network.
    if !sources.is_empty() {
        let urls: Vec<&str> = s
            .urls()
            .iter()
            .map(String::as_str)
            .filter(|u| is_code_url(u))
            .collect();
        if !urls.is_empty() {
            sources.push(Source {
                owner: None,
                fetches: true,
                en: format!("references code files to download ({})", urls.join(", ")),
                zh: format!("引用可下载的代码文件（{}）", urls.join("、")),
                evidence: (
                    EvidenceSource::Dex,
                    "dex.urls".into(),
                    json::strs(urls.iter().copied()),
                ),
            });
        }
    }
    let packers = s.packers();
    if !packers.is_empty() {
        sources.push(Source {
            owner: None,
            fetches: false,
            en: format!(
                "is wrapped by a packer ({}) that decrypts and loads the real code at run time",
                packers.join(", ")
            ),
            zh: format!(
                "使用加固壳（{}），运行时解密并加载真实代码",
                packers.join("、")
            ),
            evidence: (
                EvidenceSource::Native,
                "packers".into(),
                json::strs(packers.iter().map(String::as_str)),
            ),
        });
    }
    let mut hidden: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for p in s
        .payloads()
        .iter()
        .filter(|p| p.kind != "apk" && !p.path.to_ascii_lowercase().ends_with(".apk"))
    {
        let owner = sdk_of_asset(sdks, &p.path);
        let item = format!("{} ({})", p.path, p.kind);
        match hidden.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, items)) => items.push(item),
            None => hidden.push((owner, vec![item])),
        }
    }
    for (owner, items) in hidden {
        sources.push(Source {
            owner,
            fetches: false,
            en: format!("carries code outside classes*.dex: {}", items.join(", ")),
            zh: format!("在 classes*.dex 之外携带代码：{}", items.join("、")),
            evidence: (
                EvidenceSource::Container,
                "payloads[].path".into(),
                json::strs(items.iter().map(String::as_str)),
            ),
        });
    }
    if sources.is_empty() {
        return;
    }

    let declaration = s.behaviour().dynamic_code_loading.as_ref();
    let declared = declaration
        .is_some_and(|d| d.used && d.purpose.as_deref().is_some_and(|p| !p.trim().is_empty()));
    let declared_json = match declaration {
        Some(d) => format!(
            "{{\"used\":{},\"purpose\":{}}}",
            json::bool(d.used),
            json::opt_str(d.purpose.as_deref())
        ),
        None => json::null(),
    };
    let play = s.play();

    // One finding per owner, in the order the owners first appear.
    let mut owners: Vec<Option<String>> = Vec::new();
    for s in &sources {
        if !owners.contains(&s.owner) {
            owners.push(s.owner.clone());
        }
    }
    for owner in owners {
        let group: Vec<&Source> = sources.iter().filter(|s| s.owner == owner).collect();
        let fetched_on_play = play && group.iter().any(|s| s.fetches);
        if declared && !fetched_on_play {
            continue;
        }
        let (who_en, who_zh) = crate::who(owner.as_deref());
        let what_en: Vec<&str> = group.iter().map(|s| s.en.as_str()).collect();
        let what_zh: Vec<&str> = group.iter().map(|s| s.zh.as_str()).collect();
        let mut f = if fetched_on_play {
            RULE.reject()
                .en(format!(
                    "{who_en} {}: Google Play forbids code downloaded from outside Play.",
                    what_en.join("; ")
                ))
                .zh(format!(
                    "{who_zh}{}：Google Play 禁止从 Play 以外下载代码。",
                    what_zh.join("；")
                ))
                .expected(
                    "no code fetched from outside Play (hot-fix frameworks, downloaded dex/jar/so)",
                )
        } else {
            RULE.rectify(s.context)
                .en(format!(
                    "{who_en} {}, but the listing does not declare dynamic code loading with its purpose.",
                    what_en.join("; ")
                ))
                .zh(format!("{who_zh}{}，但上架信息未声明动态加载代码及其用途。", what_zh.join("；")))
                .expected("behaviour_declarations.dynamic_code_loading = {used: true, purpose}")
        };
        for s in &group {
            let (source, path, value) = &s.evidence;
            f = f.evidence(*source, path.clone(), value.clone());
        }
        f = f.evidence(
            EvidenceSource::Listing,
            "behaviour_declarations.dynamic_code_loading",
            declared_json.clone(),
        );
        out.push(f.maybe_sdk(owner).build());
    }
}

/// A URL whose path names a dex, jar, APK or native library.
fn is_code_url(url: &str) -> bool {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    [".dex", ".jar", ".apk", ".so"]
        .iter()
        .any(|ext| path.ends_with(ext))
}

/// The SDK whose `asset` evidence names `path`.
fn sdk_of_asset(sdks: &[SdkMatch], path: &str) -> Option<String> {
    sdks.iter()
        .find(|s| {
            s.evidence
                .iter()
                .any(|e| e.kind == "asset" && e.value == path)
        })
        .map(|s| s.id.clone())
}

fn called_from_en(classes: &[String]) -> String {
    if classes.is_empty() {
        String::new()
    } else {
        format!(" (called from {})", classes.join(", "))
    }
}

fn called_from_zh(classes: &[String]) -> String {
    if classes.is_empty() {
        String::new()
    } else {
        format!("（调用方 {}）", classes.join("、"))
    }
}
