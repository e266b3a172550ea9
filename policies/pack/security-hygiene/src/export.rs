//! SEC-EXPORT-047: components other apps can reach without permission.
//!
//! From targetSdk 31 a component with an intent filter must say whether it
//! is exported, or the install fails (hard reject). An exported service,
//! receiver or provider without a permission (or guarded only by a
//! `normal` custom permission any app may request) is open to every app
//! on the device: rectify. A provider's `readPermission` and
//! `writePermission` (contract 0.1.2) guard each direction in place of its
//! `permission`, so a provider is open when either direction is, or when a
//! `<path-permission>` hands a path to a normal-level permission. A
//! provider that grants URI permissions from a FileProvider paths file with
//! `<root-path>` can hand out any file on the device the app can read:
//! rectify. Receivers that listen only for broadcasts the system alone may
//! send are not reachable that way. Components of a bundled SDK name that
//! SDK.

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{
    Component, ComponentKind, DeclaredPermission, PathPermission, ProviderAccess,
};

pub const RULE: Rule = Rule {
    id: "SEC-EXPORT-047",
    refs: &["AOSP", "OWASP MASTG-PLATFORM"],
    remediation: "Declare android:exported on every component with an intent filter; set exported=\"false\" unless other apps must reach the component, and protect the ones that must with a signature-level permission.",
};

/// Android 12: components with intent filters must set `android:exported`.
const EXPLICIT_EXPORT_TARGET: u32 = 31;

/// Broadcasts only the system may send (`<protected-broadcast>` in the
/// platform manifest).
const PROTECTED_BROADCASTS: &[&str] = &[
    "android.intent.action.ACTION_POWER_CONNECTED",
    "android.intent.action.ACTION_POWER_DISCONNECTED",
    "android.intent.action.ACTION_SHUTDOWN",
    "android.intent.action.AIRPLANE_MODE",
    "android.intent.action.BATTERY_CHANGED",
    "android.intent.action.BATTERY_LOW",
    "android.intent.action.BATTERY_OKAY",
    "android.intent.action.BOOT_COMPLETED",
    "android.intent.action.DATE_CHANGED",
    "android.intent.action.HEADSET_PLUG",
    "android.intent.action.LOCALE_CHANGED",
    "android.intent.action.LOCKED_BOOT_COMPLETED",
    "android.intent.action.MY_PACKAGE_REPLACED",
    "android.intent.action.NEW_OUTGOING_CALL",
    "android.intent.action.PACKAGE_ADDED",
    "android.intent.action.PACKAGE_CHANGED",
    "android.intent.action.PACKAGE_FULLY_REMOVED",
    "android.intent.action.PACKAGE_REMOVED",
    "android.intent.action.PACKAGE_REPLACED",
    "android.intent.action.PHONE_STATE",
    "android.intent.action.SCREEN_OFF",
    "android.intent.action.SCREEN_ON",
    "android.intent.action.TIMEZONE_CHANGED",
    "android.intent.action.TIME_SET",
    "android.intent.action.USER_PRESENT",
    "android.net.conn.CONNECTIVITY_CHANGE",
    "android.net.wifi.STATE_CHANGE",
    "android.net.wifi.WIFI_STATE_CHANGED",
    "android.provider.Telephony.SMS_DELIVER",
    "android.provider.Telephony.SMS_RECEIVED",
    "android.provider.Telephony.WAP_PUSH_DELIVER",
    "android.provider.Telephony.WAP_PUSH_RECEIVED",
];

pub fn check(s: &Snapshot, out: &mut Vec<Finding>) {
    let target = s.identity().target_sdk;
    let components = s.components();
    if components.is_empty() {
        return;
    }
    let declared = s.facts.declared_permissions();
    let sdks = s.sdks();
    let access = s.facts.provider_access();
    for c in components {
        let access = access
            .iter()
            .find(|a| c.kind == ComponentKind::Provider && a.provider == c.name);
        let kind = manifest::kind_name(c.kind);
        let path = manifest::component_path(kind, &c.name);
        let sdk = attribution::sdk_of_component(sdks, &c.name).map(|s| s.id.clone());
        let needs_attr = target >= EXPLICIT_EXPORT_TARGET
            && !c.intent_filters.is_empty()
            && c.exported_attr.is_none()
            && c.kind != ComponentKind::Provider;
        let finding = if needs_attr {
            RULE.reject()
                .en(format!(
                    "{kind} {} has an intent filter but no android:exported attribute; with targetSdkVersion {target} the APK fails to install on Android 12+.",
                    c.name
                ))
                .zh(format!(
                    "{kind} {} 含有 intent-filter 但未声明 android:exported，targetSdkVersion 为 {target} 时在 Android 12 及以上无法安装。",
                    c.name
                ))
                .evidence(EvidenceSource::Manifest, format!("{path}@exported"), json::null())
                .evidence(EvidenceSource::Manifest, format!("{path}/intent-filter/action"), json::strs(c.intent_actions.iter().map(String::as_str)))
                .evidence(EvidenceSource::Manifest, "uses-sdk@targetSdkVersion", json::num(target))
                .expected("android:exported=\"true\" or \"false\" on every component with an intent filter")
        } else if reachable_unprotected(c, access, &declared) {
            let guard = c.permission.as_deref();
            RULE.rectify(s.context)
                .en(format!(
                    "Exported {kind} {} is not protected by a permission{}: any app on the device can {}.",
                    c.name,
                    guard.map(|p| format!(" (its permission {p} is normal-level)")).unwrap_or_default(),
                    reach_en(c.kind)
                ))
                .zh(format!(
                    "导出的 {kind} {} 未受权限保护{}，设备上任何应用均可{}。",
                    c.name,
                    guard.map(|p| format!("（权限 {p} 为 normal 级别）")).unwrap_or_default(),
                    reach_zh(c.kind)
                ))
                .evidence(EvidenceSource::Manifest, format!("{path}@exported"), json::bool(true))
                .evidence(EvidenceSource::Manifest, format!("{path}@permission"), json::opt_str(guard))
                .expected("exported=\"false\", or a signature-level permission")
        } else {
            continue;
        };
        // The open directions of a provider, when its read/write
        // permissions are known.
        let finding = match access.map(|a| open_directions(c, a, &declared)) {
            Some(open) if !needs_attr && !open.is_empty() => finding.evidence(
                EvidenceSource::Manifest,
                format!("{path}@readPermission|writePermission"),
                json::strs(open.iter().copied()),
            ),
            _ => finding,
        };
        let finding = match sdk {
            Some(id) => finding.sdk(id),
            None => finding,
        };
        out.push(finding.build());
    }
    check_root_paths(s, out);
}

/// Exported, enabled, and guarded by nothing another app must be granted.
/// A provider's read and write permissions guard each direction; either
/// one left open is enough.
fn reachable_unprotected(
    c: &Component,
    access: Option<&ProviderAccess>,
    declared: &[DeclaredPermission],
) -> bool {
    if !c.exported || !c.enabled {
        return false;
    }
    if !matches!(
        c.kind,
        ComponentKind::Service | ComponentKind::Receiver | ComponentKind::Provider
    ) {
        return false;
    }
    if c.kind == ComponentKind::Receiver
        && !c.intent_actions.is_empty()
        && c.intent_actions
            .iter()
            .all(|a| PROTECTED_BROADCASTS.contains(&a.as_str()))
    {
        return false;
    }
    match access {
        Some(a) => !open_directions(c, a, declared).is_empty(),
        None => weak(c.permission.as_deref(), declared),
    }
}

/// Which of a provider's directions (`read`, `write`) no strong permission
/// guards.
fn open_directions(
    c: &Component,
    a: &ProviderAccess,
    declared: &[DeclaredPermission],
) -> Vec<&'static str> {
    let base = c.permission.as_deref();
    // A `<path-permission>` grants its path to holders of its permission
    // on top of the provider's: a normal-level one opens that path.
    let path_opens = |pick: fn(&PathPermission) -> Option<&str>| {
        a.path_permissions
            .iter()
            .filter_map(pick)
            .any(|p| weak(Some(p), declared))
    };
    let mut open = Vec::new();
    if weak(a.read_permission.as_deref().or(base), declared)
        || path_opens(|p| p.read_permission.as_deref())
    {
        open.push("read");
    }
    if weak(a.write_permission.as_deref().or(base), declared)
        || path_opens(|p| p.write_permission.as_deref())
    {
        open.push("write");
    }
    open
}

/// No permission, or one this app defines at `normal` level. A permission
/// this app defines protects only as well as its level; one defined
/// elsewhere (the platform's, a partner's) is assumed to.
fn weak(permission: Option<&str>, declared: &[DeclaredPermission]) -> bool {
    match permission {
        None => true,
        Some(p) => declared.iter().find(|d| d.name == p).is_some_and(|d| {
            d.protection_level.as_deref().is_none_or(|level| {
                level
                    .split('|')
                    .next()
                    .is_some_and(|base| base.trim() == "normal")
            })
        }),
    }
}

/// Providers granting URI permissions over a FileProvider paths file that
/// shares `<root-path>`: the whole device file system the app can read.
fn check_root_paths(s: &Snapshot, out: &mut Vec<Finding>) {
    let paths = s.facts.file_provider_paths();
    for p in &paths {
        let Some(root) = p.entries.iter().find(|e| e.kind == "root-path") else {
            continue;
        };
        let grants = s.components().iter().any(|c| {
            c.kind == ComponentKind::Provider && c.name == p.provider && c.grant_uri_permissions
        });
        if !grants {
            continue;
        }
        let sdk = attribution::sdk_of_component(s.sdks(), &p.provider).map(|s| s.id.clone());
        let path = manifest::component_path("provider", &p.provider);
        out.push(
            RULE.rectify(s.context)
                .en(format!(
                    "FileProvider {} shares <root-path> (name \"{}\", path \"{}\") in {}: a granted URI can expose any file the app can read, not only its own.",
                    p.provider, root.name, root.path, p.path
                ))
                .zh(format!(
                    "FileProvider {} 在 {} 中共享 <root-path>（name “{}”，path “{}”），授予的 URI 可暴露应用可读取的任意文件。",
                    p.provider, p.path, root.name, root.path
                ))
                .evidence(EvidenceSource::Manifest, format!("{path}@grantUriPermissions"), json::bool(true))
                .evidence(EvidenceSource::Manifest, format!("{}/root-path[@name='{}']", p.path, root.name), json::str(&root.path))
                .expected("only the app's own directories (files-path, cache-path, external-files-path) in FileProvider paths")
                .maybe_sdk(sdk)
                .build(),
        );
    }
}

fn reach_en(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Provider => "query or modify its data",
        ComponentKind::Service => "start or bind to it",
        _ => "send it intents",
    }
}

fn reach_zh(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Provider => "读取或修改其数据",
        ComponentKind::Service => "启动或绑定该服务",
        _ => "向其发送 Intent",
    }
}
