//! SDK and packer detection: the built-in table, the shared 1,050-SDK file
//! loaded in place, the Bugly demo APK of the corpus, an SDK seen only in
//! referenced classes, and packers from each kind of sign they leave.

use std::collections::BTreeSet;
use std::path::PathBuf;

use shelfgate_contract::types::SdkMatch;
use shelfgate_inspect::dex::{ClassSet, DexIndex};
use shelfgate_inspect::sdk::{detect_packers, SdkTable};
use shelfgate_inspect::zip::Archive;
use shelfgate_inspect::{native, Limits};

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../../shared");

fn shared(path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(SHARED).join(path);
    if p.exists() {
        Some(p)
    } else {
        println!("SKIPPED: ../shared not found");
        None
    }
}

/// The catalogue's `type` values (Appendix B and the brief).
const CATEGORIES: &[&str] = &[
    "ads",
    "analytics",
    "push",
    "crash",
    "location",
    "payment",
    "login",
    "share",
    "risk_control",
    "device_id",
    "biometric",
    "ocr",
    "webview",
    "attribution",
    "hotfix",
];

/// Appendix B's seed table.
const APPENDIX_B: &[&str] = &[
    "umeng",
    "jpush",
    "getui",
    "bugly",
    "gdt",
    "pangle",
    "baidu_ads",
    "kuaishou_ads",
    "sigmob",
    "mintegral",
    "baidu_loc",
    "amap",
    "tencent_map",
    "wechat",
    "qq_connect",
    "weibo",
    "alipay",
    "sharesdk",
    "talkingdata",
    "sensorsdata",
    "growingio",
    "x5",
    "msa_oaid",
    "shumei",
    "tongdun",
    "hms_push",
    "mi_push",
    "oppo_push",
    "vivo_push",
    "firebase",
    "admob",
    "facebook",
    "appsflyer",
    "adjust",
    "play_billing",
];

fn find<'a>(matches: &'a [SdkMatch], id: &str) -> &'a SdkMatch {
    matches
        .iter()
        .find(|m| m.id == id)
        .unwrap_or_else(|| panic!("{id} not detected in {:?}", ids(matches)))
}

fn ids(matches: &[SdkMatch]) -> Vec<&str> {
    matches.iter().map(|m| m.id.as_str()).collect()
}

fn evidence(m: &SdkMatch) -> Vec<(&str, &str)> {
    m.evidence
        .iter()
        .map(|e| (e.kind.as_str(), e.value.as_str()))
        .collect()
}

#[test]
fn builtin_table_is_well_formed() {
    let table = SdkTable::builtin();
    let sdks = table.signatures();
    let ids: Vec<&str> = sdks.iter().map(|s| s.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "ids are sorted and distinct");
    for id in APPENDIX_B {
        assert!(ids.contains(id), "Appendix B SDK {id} missing");
    }
    for sdk in sdks {
        assert!(
            !(sdk.code_signature_prefixes.is_empty()
                && sdk.component_classes.is_empty()
                && sdk.native_libs.is_empty()
                && sdk.native_lib_regexes.is_empty()),
            "{} has no signature",
            sdk.id
        );
        assert!(!sdk.categories.is_empty(), "{} has no category", sdk.id);
        for c in &sdk.categories {
            assert!(CATEGORIES.contains(&c.as_str()), "{}: category {c}", sdk.id);
        }
        assert!(sdk.vendor.is_some(), "{} has no vendor", sdk.id);
    }
    println!("built-in table: {} SDKs", sdks.len());
}

#[test]
fn shared_signature_file_loads_in_place() {
    let Some(path) = shared("sdk-signatures/sdk_signatures.json") else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    let table = SdkTable::from_json(&bytes).unwrap();
    assert_eq!(table.signatures().len(), 1050);

    let mut merged = SdkTable::builtin();
    let builtin = merged.signatures().len();
    merged.merge(table).unwrap();
    assert_eq!(merged.signatures().len(), builtin + 1050);

    // A later record with the same id replaces the earlier one.
    let fix = br#"{"schema_version":1,"sdks":[{"id":"bugly","name":"Bugly (fixed)","code_signature_prefixes":["com.tencent.bugly."]}]}"#;
    merged.merge(SdkTable::from_json(fix).unwrap()).unwrap();
    assert_eq!(merged.signatures().len(), builtin + 1050);
    let bugly = merged
        .signatures()
        .iter()
        .find(|s| s.id == "bugly")
        .unwrap();
    assert_eq!(bugly.name, "Bugly (fixed)");
}

#[test]
fn bugly_demo_shows_tencent_bugly_with_evidence() {
    let Some(apk) = shared("corpus/apk/bugly-app-release.apk") else {
        return;
    };
    let reference: serde_json::Value = serde_json::from_slice(
        &std::fs::read(shared("corpus/apk/reference/bugly-app-release.apk.json").unwrap()).unwrap(),
    )
    .unwrap();
    let components: Vec<String> = reference["androguard"]["components"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|list| list.as_array().unwrap().iter())
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();

    let limits = Limits::default();
    let bytes = std::fs::read(apk).unwrap();
    let archive = Archive::parse(&bytes, &limits).unwrap();
    let mut index = DexIndex::new();
    assert!(index.add_loaded(&archive, &bytes, &limits).is_empty());
    native::payloads(&archive, &bytes, &limits, &mut index).unwrap();
    let (facts, classes) = index.finish();
    let (_, libs) = native::libraries(&archive);
    let lib_names: Vec<&str> = libs.iter().map(|l| l.name.as_str()).collect();

    let table = SdkTable::builtin();
    let found = table.detect(
        &classes,
        components.iter().map(String::as_str),
        lib_names.iter().copied(),
    );
    for m in &found {
        println!("{} {:?} {:?}", m.id, m.categories, evidence(m));
    }
    let bugly = find(&found, "bugly");
    assert_eq!(bugly.name, "Tencent Bugly");
    assert_eq!(bugly.vendor.as_deref(), Some("Tencent"));
    assert_eq!(bugly.categories, ["crash"]);
    let ev = evidence(bugly);
    assert_eq!(ev.first(), Some(&("class-prefix", "com.tencent.bugly.")));
    let (kind, example) = ev[1];
    assert_eq!(kind, "class");
    assert!(example.starts_with("com.tencent.bugly.") && classes.is_defined(example));
    assert!(ev.contains(&("component", "com.tencent.bugly.beta.ui.BetaActivity")));
    assert_eq!(find(&found, "tinker").categories, ["hotfix"]);
    assert!(
        !ids(&found).contains(&"umeng"),
        "no Umeng code in the Bugly demo"
    );

    for r in &facts.api_refs {
        println!("api ref {} {} {:?}", r.key, r.method, r.callers);
    }
    // Bugly reads ANDROID_ID and the SIM serial; the support library's
    // `Settings.Secure.getString` of another setting is not counted.
    let callers = |key: &str| -> Vec<&str> {
        facts
            .api_refs
            .iter()
            .filter(|r| r.key == key)
            .flat_map(|r| r.callers.iter().map(String::as_str))
            .collect()
    };
    for key in [
        "device-id.android-id",
        "device-id.sim-serial",
        "device-id.serial",
    ] {
        let found = callers(key);
        assert!(!found.is_empty(), "{key} not found");
        assert!(
            found.iter().all(|c| c.starts_with("com.tencent.bugly.")),
            "{key}: {found:?}"
        );
    }

    if let Some(path) = shared("sdk-signatures/sdk_signatures.json") {
        let large = SdkTable::from_json(&std::fs::read(path).unwrap()).unwrap();
        let found = large.detect(
            &classes,
            components.iter().map(String::as_str),
            lib_names.iter().copied(),
        );
        println!("shared table: {:?}", ids(&found));
        let bugly = find(&found, "libchecker-0048");
        assert!(evidence(bugly).contains(&("component", "com.tencent.bugly.beta.ui.BetaActivity")));
        find(&found, "exodus-190");
    }
}

#[test]
fn an_sdk_only_referenced_is_still_detected() {
    let classes = ClassSet::from_names(
        ["com.app.Main"],
        ["com.umeng.analytics.MobclickAgent", "android.app.Activity"],
    );
    let found = SdkTable::builtin().detect(&classes, [], []);
    assert_eq!(ids(&found), ["umeng"]);
    assert_eq!(
        evidence(&found[0]),
        [
            ("class-prefix", "com.umeng."),
            ("referenced-class", "com.umeng.analytics.MobclickAgent")
        ]
    );
}

#[test]
fn components_and_native_libraries_are_evidence() {
    let classes = ClassSet::from_names([], []);
    let found = SdkTable::builtin().detect(
        &classes,
        ["com.igexin.sdk.PushService", "com.app.Main"],
        ["libjcore219.so", "libc++_shared.so"],
    );
    assert_eq!(ids(&found), ["getui", "jpush"]);
    assert_eq!(
        evidence(&found[0]),
        [("component", "com.igexin.sdk.PushService")]
    );
    assert_eq!(evidence(&found[1]), [("native-lib", "libjcore219.so")]);
}

#[test]
fn packers_are_detected_from_each_sign() {
    let none: [&str; 0] = [];
    let stub = ClassSet::from_names(["com.stub.StubApp", "com.app.Main"], []);
    assert_eq!(detect_packers(&stub, None, none, none), ["qihoo-jiagu"]);

    let empty = ClassSet::from_names([], []);
    assert_eq!(
        detect_packers(
            &empty,
            Some("com.secneo.apkwrapper.ApplicationWrapper"),
            none,
            none
        ),
        ["bangcle"]
    );
    assert_eq!(
        detect_packers(&empty, None, ["libshella-2.10.1.so"], none),
        ["tencent-legu"]
    );
    assert_eq!(
        detect_packers(
            &empty,
            None,
            none,
            [
                "assets/ijiami.dat",
                "assets/libjiagu_x86.so",
                "res/raw/a.png"
            ]
        ),
        ["ijiami", "qihoo-jiagu"]
    );

    let app = ClassSet::from_names(["com.app.Main", "com.shellfish.App"], ["com.stub.Other"]);
    let found: BTreeSet<String> = detect_packers(
        &app,
        Some("com.app.App"),
        ["libnative-lib.so", "libshell.so"],
        ["assets/data.json"],
    )
    .into_iter()
    .collect();
    assert!(found.is_empty(), "false positives: {found:?}");
}
