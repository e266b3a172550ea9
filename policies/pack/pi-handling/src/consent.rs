//! PI-CONSENT-002: no PI-collecting SDK starts before consent.
//!
//! The ordering of consent and SDK start is runtime. Statically the rule
//! sees what starts with the process: content providers an SDK merges into
//! the manifest (its own `*InitProvider` and the like, but not a
//! `FileProvider`, which starts nothing; or an `androidx.startup`
//! initializer in SDK code) and SDK receivers woken at boot. Such an SDK,
//! and every analytics/ads/push SDK, needs `initialised_after_consent`
//! in the listing; the app as a whole attests `no_collection_before_consent`.

use shelfgate_pack_data::sdk_types::has_any_type;
use shelfgate_policy_sdk::attribution::{sdk_of_class, sdk_of_component};
use shelfgate_policy_sdk::manifest::component_path;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{ComponentKind, SdkMatch};

use crate::input::{sdk_label, Handling as _, Input, COLLECTING_TYPES};

pub const RULE: Rule = Rule {
    id: "PI-CONSENT-002",
    refs: &["ID-METHOD-2019 III.1", "MIIT-2020-164 issue 1", "GB/T 41391 §6.4"],
    remediation: "Start PI-collecting SDKs only after the user agrees to the privacy policy: use each SDK's delayed-initialisation or consent mode (or remove its auto-start provider / boot receiver), declare third_party_sdks[].initialised_after_consent for each, and attest no_collection_before_consent.",
};

/// SDK types that collect from their first call, so a delayed start must be
/// declared even when nothing in the manifest starts them.
const EAGER_TYPES: &[&str] = &["analytics", "ads", "push"];

const BOOT_ACTIONS: &[&str] = &[
    "android.intent.action.BOOT_COMPLETED",
    "android.intent.action.LOCKED_BOOT_COMPLETED",
    "android.intent.action.QUICKBOOT_POWERON",
];

const STARTUP_PROVIDER: &str = "androidx.startup.InitializationProvider";

/// A manifest entry that starts an SDK without the app calling it.
struct AutoStart<'s> {
    sdk: &'s SdkMatch,
    path: String,
    what: String,
}

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let autos = auto_starts(input);
    for sdk in input.sdks_of(COLLECTING_TYPES) {
        let starts: Vec<&AutoStart> = autos.iter().filter(|a| a.sdk.id == sdk.id).collect();
        if starts.is_empty() && !has_any_type(&sdk.categories, EAGER_TYPES) {
            continue;
        }
        let decl = input.sdk_decl(sdk);
        if decl.is_some_and(|d| d.initialised_after_consent) {
            continue;
        }
        if decl.is_none() && starts.is_empty() {
            // An undeclared SDK that nothing starts: PI-SHARE-010 asks for
            // its declaration, which then carries the consent flag.
            continue;
        }
        let (en, zh) = match (decl, starts.first()) {
            (Some(_), Some(a)) => (
                format!("{} starts with the app ({}) and is not declared as initialised after consent.", sdk_label(sdk), a.what),
                format!("{} 随应用进程自动启动（{}），且未声明在用户同意隐私政策后初始化。", sdk_label(sdk), a.what),
            ),
            (Some(_), None) => (
                format!("{} collects data from its first call and is declared as initialised before consent.", sdk_label(sdk)),
                format!("{} 初始化即收集信息，上架信息声明其在用户同意隐私政策前初始化。", sdk_label(sdk)),
            ),
            (None, Some(a)) => (
                format!("{} starts with the app ({}) and the listing does not declare it, let alone its consent mode.", sdk_label(sdk), a.what),
                format!("{} 随应用进程自动启动（{}），上架信息未声明该 SDK 及其初始化时机。", sdk_label(sdk), a.what),
            ),
            (None, None) => continue,
        };
        let mut f = RULE.rectify(input.context).en(en).zh(zh).sdk(&sdk.id);
        for a in &starts {
            f = f.evidence(EvidenceSource::Manifest, a.path.clone(), json::str(&a.what));
        }
        let decl_path = format!(
            "third_party_sdks[{}].initialised_after_consent",
            decl.map_or(sdk.id.as_str(), |d| d.id.as_str())
        );
        f = f.evidence(
            EvidenceSource::Listing,
            decl_path,
            decl.map_or_else(json::null, |d| json::bool(d.initialised_after_consent)),
        );
        out.push(f.expected("initialised_after_consent = true").build());
    }

    let collects = input.sdks_of(COLLECTING_TYPES).next().is_some()
        || input.usable_permissions().any(|p| {
            shelfgate_pack_data::permission(&p.name)
                .is_some_and(|info| info.class == shelfgate_pack_data::PermissionClass::Runtime)
        });
    if collects && !input.attested("no_collection_before_consent") {
        out.push(
            RULE.rectify(input.context)
                .en("The app collects personal information but the developer has not attested that nothing is collected before the user consents.")
                .zh("应用收集个人信息，但开发者未声明在用户同意隐私政策前不收集个人信息。")
                .evidence(
                    EvidenceSource::Listing,
                    "attestations[no_collection_before_consent]",
                    input.attestation_value("no_collection_before_consent"),
                )
                .expected("attestation no_collection_before_consent = true")
                .build(),
        );
    }
}

/// Providers and boot receivers/services that belong to detected SDKs.
fn auto_starts<'s>(input: &'s Input) -> Vec<AutoStart<'s>> {
    let mut found = Vec::new();
    for c in input.components() {
        if !c.enabled {
            continue;
        }
        match c.kind {
            ComponentKind::Provider if c.name == STARTUP_PROVIDER => {
                // androidx.startup runs each initializer named in its
                // meta-data at process start.
                for m in &c.meta_data {
                    if let Some(sdk) = sdk_of_class(&input.sdks(), &m.name) {
                        found.push(AutoStart {
                            sdk,
                            path: format!(
                                "{}/meta-data[@name='{}']",
                                component_path("provider", &c.name),
                                m.name
                            ),
                            what: format!("androidx.startup initializer {}", m.name),
                        });
                    }
                }
            }
            // A FileProvider only serves files; its creation starts nothing.
            ComponentKind::Provider if c.name.to_ascii_lowercase().ends_with("fileprovider") => {}
            ComponentKind::Provider => {
                if let Some(sdk) = sdk_of_component(&input.sdks(), &c.name) {
                    let authorities = c.authorities.join(";");
                    found.push(AutoStart {
                        sdk,
                        path: component_path("provider", &c.name),
                        what: format!("provider {} ({authorities})", c.name),
                    });
                }
            }
            ComponentKind::Receiver | ComponentKind::Service => {
                let boot = c
                    .intent_actions
                    .iter()
                    .find(|a| BOOT_ACTIONS.contains(&a.as_str()));
                if let (Some(action), Some(sdk)) = (boot, sdk_of_component(&input.sdks(), &c.name))
                {
                    let kind = if c.kind == ComponentKind::Receiver {
                        "receiver"
                    } else {
                        "service"
                    };
                    found.push(AutoStart {
                        sdk,
                        path: component_path(kind, &c.name),
                        what: format!("{kind} {} on {action}", c.name),
                    });
                }
            }
            ComponentKind::Activity | ComponentKind::ActivityAlias => {}
        }
    }
    found
}
