//! HARASS-START-018: self-start and associated start of other apps.
//!
//! Statically visible: receivers woken at boot (and, for apps targeting
//! below API 26, on unlock, package changes and connectivity changes, which
//! later versions no longer deliver to manifest receivers), services that
//! push SDKs export for mutual wake-up between apps, a dummy account
//! authenticator with a sync adapter in an app without accounts (a
//! keep-alive trick), and the battery-optimisation exemption request. Each
//! needs `behaviour_declarations.auto_start`; waking other apps needs its
//! `associated_start_targets`. Frequency is runtime. Code that names other
//! apps' components is checked in [`crate::associated`].

use shelfgate_pack_data::sdk_types::alliance_wake_action;
use shelfgate_policy_sdk::attribution::sdk_of_component;
use shelfgate_policy_sdk::manifest::{component_path, kind_name, permission_path};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{AutoStart, Component, ComponentKind};

use crate::input::{owner_label, Input};

pub const RULE: Rule = Rule {
    id: "HARASS-START-018",
    refs: &["MIIT-2020-164 issue 6", "MIIT-2023-26"],
    remediation: "Start in the background or wake other apps only in a reasonable scenario the user agreed to: remove boot receivers, mutual wake-up services and keep-alive tricks you do not need (or disable them in the SDK), and declare the rest in behaviour_declarations.auto_start with purpose, frequency and the apps you start.",
};

const BOOT_PERMISSION: &str = "android.permission.RECEIVE_BOOT_COMPLETED";
const BOOT_ACTIONS: &[&str] = &[
    "android.intent.action.BOOT_COMPLETED",
    "android.intent.action.LOCKED_BOOT_COMPLETED",
    "android.intent.action.QUICKBOOT_POWERON",
    "com.htc.intent.action.QUICKBOOT_POWERON",
];
/// Implicit broadcasts manifest receivers stop getting at API 26.
const LEGACY_ACTIONS: &[&str] = &[
    "android.intent.action.USER_PRESENT",
    "android.intent.action.PACKAGE_ADDED",
    "android.intent.action.PACKAGE_REPLACED",
    "android.net.conn.CONNECTIVITY_CHANGE",
];
const LEGACY_BEFORE_API: u32 = 26;
const AUTHENTICATOR: &str = "android.accounts.AccountAuthenticator";
const SYNC_ADAPTER: &str = "android.content.SyncAdapter";
const BATTERY_EXEMPTION: &str = "android.permission.REQUEST_IGNORE_BATTERY_OPTIMIZATIONS";

/// An owner's mutual wake-up entries: (component path, action).
type WakeEntries = (Option<String>, Vec<(String, String)>);

/// Self-start evidence of one owner (the app, or an SDK).
struct Owner {
    sdk: Option<String>,
    boot: bool,
    evidence: Vec<(EvidenceSource, String, String)>,
}

/// Add a trigger to its owner's evidence.
fn note(
    owners: &mut Vec<Owner>,
    sdk: Option<String>,
    boot: bool,
    evidence: (EvidenceSource, String, String),
) {
    match owners.iter_mut().find(|o| o.sdk == sdk) {
        Some(o) => {
            o.boot |= boot;
            o.evidence.push(evidence);
        }
        None => owners.push(Owner {
            sdk,
            boot,
            evidence: vec![evidence],
        }),
    }
}

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let declared = input.behaviour().auto_start.as_ref();
    let boot_allowed = input.requests(BOOT_PERMISSION);
    let legacy = input.identity().target_sdk < LEGACY_BEFORE_API;
    let live = |c: &&Component| c.enabled;

    // Self-start triggers, by owner.
    let mut owners: Vec<Owner> = Vec::new();
    for c in input
        .components()
        .iter()
        .filter(live)
        .filter(|c| c.kind == ComponentKind::Receiver)
    {
        for action in &c.intent_actions {
            let boot = boot_allowed && BOOT_ACTIONS.contains(&action.as_str());
            let woken = legacy && LEGACY_ACTIONS.contains(&action.as_str());
            if !boot && !woken {
                continue;
            }
            let sdk = sdk_of_component(&input.sdks(), &c.name).map(|s| s.id.clone());
            let path = component_path("receiver", &c.name);
            note(
                &mut owners,
                sdk,
                boot,
                (EvidenceSource::Manifest, path, json::str(action)),
            );
        }
    }
    if input.requests(BATTERY_EXEMPTION) {
        let sdk = input.declared_sdk(BATTERY_EXEMPTION).map(String::from);
        let path = permission_path(BATTERY_EXEMPTION);
        note(
            &mut owners,
            sdk,
            false,
            (EvidenceSource::Manifest, path, json::bool(true)),
        );
    }
    for o in owners {
        let problem = match declared {
            None => Some((
                "can start itself in the background, but the listing declares no auto-start behaviour",
                "具备自启动能力，但上架信息未声明自启动行为",
                "behaviour_declarations.auto_start",
            )),
            Some(a) if o.boot && !a.on_boot => Some((
                "starts itself at boot, but the listing declares no start at boot",
                "会在开机时自启动，但上架信息声明不开机自启动",
                "behaviour_declarations.auto_start.on_boot",
            )),
            Some(a) if a.purpose.trim().is_empty() || a.frequency.trim().is_empty() => Some((
                "can start itself in the background, but the listing gives no purpose or frequency for it",
                "具备自启动能力，但上架信息未说明自启动的目的和频率",
                "behaviour_declarations.auto_start.purpose",
            )),
            Some(_) => None,
        };
        let Some((en, zh, path)) = problem else {
            continue;
        };
        let (who, who_zh) = owner_label(input, o.sdk.as_deref());
        let mut f = RULE
            .rectify(input.context)
            .en(format!("{who} {en}."))
            .zh(format!("{who_zh}{zh}。"));
        for (source, p, value) in o.evidence {
            f = f.evidence(source, p, value);
        }
        out.push(
            f.evidence(
                EvidenceSource::Listing,
                path,
                declared_value(declared, path),
            )
            .expected(
                "auto_start declared with on_boot, purpose and frequency matching the manifest",
            )
            .maybe_sdk(o.sdk)
            .build(),
        );
    }

    // Mutual wake-up services and receivers exported by push SDKs.
    let mut wake: Vec<WakeEntries> = Vec::new();
    for c in input
        .components()
        .iter()
        .filter(live)
        .filter(|c| c.exported)
    {
        if !matches!(c.kind, ComponentKind::Service | ComponentKind::Receiver) {
            continue;
        }
        for action in &c.intent_actions {
            if alliance_wake_action(action).is_none() {
                continue;
            }
            let sdk = sdk_of_component(&input.sdks(), &c.name).map(|s| s.id.clone());
            let item = (component_path(kind_name(c.kind), &c.name), action.clone());
            match wake.iter_mut().find(|(s, _)| *s == sdk) {
                Some((_, items)) => items.push(item),
                None => wake.push((sdk, vec![item])),
            }
        }
    }
    let targets_declared = declared.is_some_and(|a| !a.associated_start_targets.is_empty());
    if !targets_declared {
        for (sdk, items) in wake {
            let (who, who_zh) = owner_label(input, sdk.as_deref());
            let mut f = RULE
                .rectify(input.context)
                .en(format!("{who} exports a mutual wake-up entry that lets other apps start this one and is used to start them, but the listing declares no associated start."))
                .zh(format!("{who_zh}导出了用于应用间相互唤醒的组件，但上架信息未声明关联启动。"));
            for (path, action) in items {
                f = f.evidence(EvidenceSource::Manifest, path, json::str(&action));
            }
            out.push(
                f.evidence(
                    EvidenceSource::Listing,
                    "behaviour_declarations.auto_start.associated_start_targets",
                    declared_value(
                        declared,
                        "behaviour_declarations.auto_start.associated_start_targets",
                    ),
                )
                .expected(
                    "the wake-up entry removed or disabled, or associated_start_targets declared",
                )
                .maybe_sdk(sdk)
                .confidence(Confidence::Memory)
                .build(),
            );
        }
    }

    // A sync adapter with an account authenticator, in an app without accounts.
    if !input.app().has_accounts {
        let with = |action: &str| {
            input.components().iter().filter(live).find(|c| {
                c.kind == ComponentKind::Service && c.intent_actions.iter().any(|a| a == action)
            })
        };
        if let (Some(auth), Some(sync)) = (with(AUTHENTICATOR), with(SYNC_ADAPTER)) {
            let sdk = sdk_of_component(&input.sdks(), &sync.name).map(|s| s.id.clone());
            let (who, who_zh) = owner_label(input, sdk.as_deref());
            out.push(
                RULE.rectify(input.context)
                    .en(format!("{who} registers an account authenticator and a sync adapter although the app has no accounts: a keep-alive pattern that restarts the process."))
                    .zh(format!("{who_zh}在应用无账号体系的情况下注册账号认证服务和同步适配器，属于保活行为。"))
                    .evidence(EvidenceSource::Manifest, component_path("service", &auth.name), json::str(AUTHENTICATOR))
                    .evidence(EvidenceSource::Manifest, component_path("service", &sync.name), json::str(SYNC_ADAPTER))
                    .evidence(EvidenceSource::Listing, "app.has_accounts", json::bool(false))
                    .expected("no account sync used to keep the process alive")
                    .maybe_sdk(sdk)
                    .build(),
            );
        }
    }
}

/// The declared auto-start value at `path`, as evidence.
fn declared_value(declared: Option<&AutoStart>, path: &str) -> String {
    let Some(a) = declared else {
        return json::null();
    };
    match path.rsplit('.').next() {
        Some("on_boot") => json::bool(a.on_boot),
        Some("purpose") => json::str(&a.purpose),
        Some("associated_start_targets") => {
            json::strs(a.associated_start_targets.iter().map(String::as_str))
        }
        _ => json::str("declared"),
    }
}
