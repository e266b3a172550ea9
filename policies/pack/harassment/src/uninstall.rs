//! HARASS-UNINSTALL-020: obstructing uninstall or hiding the app.
//!
//! A blank name (empty, whitespace or invisible characters), no launcher
//! entry while the app is not a widget, keyboard, accessibility service,
//! wallpaper or the like, a launcher entry disabled by default (the icon
//! appears only when the app decides), and device administration outside
//! device-management apps all keep users from finding or removing the app.
//! Reject: obstructive by design. A transparent launcher icon is checked in
//! [`crate::hidden_icon`] from the measured icons (contract 0.1.2). A
//! launcher activity's own label (0.1.2; an alias without one shows its
//! target's) is the name under its icon, so it is held to the same test.

use shelfgate_pack_data::listing_text::device_admin_category;
use shelfgate_policy_sdk::attribution::sdk_of_component;
use shelfgate_policy_sdk::manifest::{component_path, kind_name};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{Component, ComponentKind, ComponentLabel};

use crate::input::Input;

pub const RULE: Rule = Rule {
    id: "HARASS-UNINSTALL-020",
    refs: &["MIIT-2023-26"],
    remediation: "Give the app a visible name and a launcher entry that is enabled from install, and ask for device administration only in a device-management, security or parental-control app that the user enables knowingly.",
};

const MAIN: &str = "android.intent.action.MAIN";
const LAUNCHER_CATEGORIES: &[&str] = &[
    "android.intent.category.LAUNCHER",
    "android.intent.category.LEANBACK_LAUNCHER",
];
/// Apps that legitimately live without a launcher icon, by the permission
/// that binds their entry point.
const HEADLESS_PERMISSIONS: &[&str] = &[
    "android.permission.BIND_INPUT_METHOD",
    "android.permission.BIND_ACCESSIBILITY_SERVICE",
    "android.permission.BIND_WALLPAPER",
    "android.permission.BIND_DREAM_SERVICE",
    "android.permission.BIND_AUTOFILL_SERVICE",
    "android.permission.BIND_TV_INPUT",
    "android.permission.BIND_CREDENTIAL_PROVIDER_SERVICE",
    "android.permission.BIND_QUICK_SETTINGS_TILE",
];
/// ... or by what their entry point handles (widgets, home screens).
const HEADLESS_ACTIONS: &[&str] = &["android.appwidget.action.APPWIDGET_UPDATE"];
const HOME_CATEGORY: &str = "android.intent.category.HOME";
const DEVICE_ADMIN_PERMISSION: &str = "android.permission.BIND_DEVICE_ADMIN";
const DEVICE_ADMIN_ACTION: &str = "android.app.action.DEVICE_ADMIN_ENABLED";

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let application = input.application();
    if let Some(label) = application.label.as_deref().filter(|l| blank(l)) {
        out.push(blank_label("application@label", label));
    }
    for l in application
        .labels
        .iter()
        .filter(|l| !l.locale.is_empty() && blank(&l.value))
    {
        out.push(blank_label(
            &format!("application@label[{}]", l.locale),
            &l.value,
        ));
    }

    let launchers: Vec<&Component> = input.components().iter().filter(|c| launcher(c)).collect();
    let labels = input.facts.component_labels();
    for c in &launchers {
        let Some(own) = own_label(&labels, c) else {
            continue;
        };
        let path = format!("{}@label", component_path(kind_name(c.kind), &c.name));
        for l in own.labels.iter().filter(|l| blank(&l.value)) {
            let path = match l.locale.as_str() {
                "" => path.clone(),
                locale => format!("{path}[{locale}]"),
            };
            out.push(blank_label(&path, &l.value));
        }
        // A label given as plain text has no localized entries.
        if let (true, Some(label)) = (own.labels.is_empty(), own.label.as_deref()) {
            if blank(label) {
                out.push(blank_label(&path, label));
            }
        }
    }
    if !launchers.iter().any(|c| c.enabled) {
        let hidden: Vec<&&Component> = launchers.iter().filter(|c| !c.enabled).collect();
        if let Some(first) = hidden.first() {
            let mut f = RULE
                .reject()
                .en(format!("The app's launcher entry {} is disabled at install, so its icon is hidden until the app enables it.", first.name))
                .zh(format!("应用的启动入口 {} 在安装时被禁用，图标被隐藏，直到应用自行启用。", first.name));
            for c in &hidden {
                f = f.evidence(
                    EvidenceSource::Manifest,
                    format!("{}@enabled", component_path(kind_name(c.kind), &c.name)),
                    json::bool(false),
                );
            }
            out.push(f.expected("a launcher entry enabled from install").build());
        } else if !headless(input) {
            out.push(
                RULE.reject()
                    .en("The app has no launcher entry and is not a widget, keyboard, accessibility service, wallpaper or home screen: users cannot find it to open or uninstall it.")
                    .zh("应用没有桌面启动入口，且不属于小部件、输入法、无障碍服务、壁纸或桌面类应用，用户无法找到并打开或卸载。")
                    .evidence(EvidenceSource::Manifest, "activity/intent-filter[action=MAIN][category=LAUNCHER]", json::null())
                    .expected("an enabled activity with MAIN/LAUNCHER")
                    .build(),
            );
        }
    }

    let category = input.app().necessary_pi_category_id.map(u32::from);
    if device_admin_category(category, &input.app().store_category) {
        return;
    }
    for c in input
        .components()
        .iter()
        .filter(|c| c.enabled && c.kind == ComponentKind::Receiver)
    {
        let admin = c.permission.as_deref() == Some(DEVICE_ADMIN_PERMISSION)
            || c.intent_actions.iter().any(|a| a == DEVICE_ADMIN_ACTION);
        if !admin {
            continue;
        }
        out.push(
            RULE.reject()
                .en(format!("{} is a device administrator, which blocks uninstalling while active, in a {} app that does not manage devices.", c.name, input.app().store_category))
                .zh(format!("{} 为设备管理器组件（激活后无法直接卸载），而应用（{}）并非设备管理类应用。", c.name, input.app().store_category))
                .evidence(EvidenceSource::Manifest, component_path("receiver", &c.name), json::opt_str(c.permission.as_deref()))
                .evidence(EvidenceSource::Listing, "app.store_category", json::str(&input.app().store_category))
                .expected("device administration only in device-management, security or parental-control apps")
                .maybe_sdk(sdk_of_component(&input.sdks(), &c.name).map(|s| s.id.clone()))
                .build(),
        );
    }
}

fn blank_label(path: &str, label: &str) -> Finding {
    RULE.reject()
        .en("The app's name is blank or made of invisible characters, so users cannot recognise it to uninstall it.")
        .zh("应用名称为空或由不可见字符组成，用户无法识别并卸载。")
        .evidence(EvidenceSource::Manifest, path, json::str(label))
        .expected("a visible app name")
        .build()
}

/// Empty, or only whitespace and invisible characters.
fn blank(label: &str) -> bool {
    label.chars().all(|c| {
        c.is_whitespace()
            || matches!(
                c,
                '\u{200B}'..='\u{200F}'
                    | '\u{2060}'..='\u{2064}'
                    | '\u{FEFF}'
                    | '\u{00AD}'
                    | '\u{034F}'
                    | '\u{115F}'
                    | '\u{1160}'
                    | '\u{180E}'
                    | '\u{2800}'
                    | '\u{3164}'
                    | '\u{FFA0}'
            )
    })
}

/// The label the launcher shows under `c`'s icon when it is not the app's:
/// its own, or for an alias without one, its target activity's.
fn own_label<'l>(labels: &'l [ComponentLabel], c: &Component) -> Option<&'l ComponentLabel> {
    let of = |name: &str| labels.iter().find(|l| l.component == name);
    of(&c.name).or_else(|| {
        (c.kind == ComponentKind::ActivityAlias)
            .then_some(c.target_activity.as_deref())
            .flatten()
            .and_then(of)
    })
}

/// An activity (or alias) the launcher shows.
fn launcher(c: &Component) -> bool {
    matches!(
        c.kind,
        ComponentKind::Activity | ComponentKind::ActivityAlias
    ) && c.intent_filters.iter().any(|f| {
        f.actions.iter().any(|a| a == MAIN)
            && f.categories
                .iter()
                .any(|k| LAUNCHER_CATEGORIES.contains(&k.as_str()))
    })
}

/// Whether the app is of a kind that needs no launcher entry.
fn headless(input: &Input) -> bool {
    input.components().iter().filter(|c| c.enabled).any(|c| {
        c.permission
            .as_deref()
            .is_some_and(|p| HEADLESS_PERMISSIONS.contains(&p))
            || c.intent_actions
                .iter()
                .any(|a| HEADLESS_ACTIONS.contains(&a.as_str()))
            || c.intent_filters
                .iter()
                .any(|f| f.categories.iter().any(|k| k == HOME_CATEGORY))
    })
}
