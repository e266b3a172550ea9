//! HARASS-PERM-016: the install-time bundle of permissions.
//!
//! An app targeting API 22 or lower gets every dangerous permission as one
//! all-or-nothing grant at install: the user cannot refuse one and keep the
//! app (ID-METHOD-2019 IV.6). `<uses-permission-sdk-23>` entries are no
//! exception: on the devices that see them the legacy app still gets them
//! at install. Hard reject.

use shelfgate_pack_data::{permission, PermissionClass};
use shelfgate_policy_sdk::prelude::*;

use crate::input::Input;

pub const RULE: Rule = Rule {
    id: "HARASS-PERM-016",
    refs: &[
        "ID-METHOD-2019 IV.6",
        "MIIT-2019-337 items 5/7",
        "AOSP runtime permissions",
    ],
    remediation: "Target API 23 or higher (in practice the store floor) so that each dangerous permission is requested at run time and can be refused on its own.",
};

/// The last API level with install-time grants of dangerous permissions.
const LAST_INSTALL_TIME_API: u32 = 22;

pub fn check(input: &Input, out: &mut Vec<Finding>) {
    let target = input.identity().target_sdk;
    if target > LAST_INSTALL_TIME_API {
        return;
    }
    let dangerous: Vec<&str> = input
        .usable_permissions()
        .filter(|p| permission(&p.name).is_some_and(|i| i.class == PermissionClass::Runtime))
        .map(|p| p.name.as_str())
        .collect();
    if dangerous.is_empty() {
        return;
    }
    out.push(
        RULE.reject()
            .en(format!("targetSdkVersion {target} grants all {} dangerous permissions at install as one bundle the user cannot refuse piecemeal.", dangerous.len()))
            .zh(format!("targetSdkVersion 为 {target}，{} 项危险权限在安装时一次性授予，用户无法逐项拒绝。", dangerous.len()))
            .evidence(EvidenceSource::Manifest, "uses-sdk@targetSdkVersion", json::num(target))
            .evidence(EvidenceSource::Manifest, "uses-permission", json::strs(dangerous))
            .expected(format!("targetSdkVersion > {LAST_INSTALL_TIME_API}"))
            .build(),
    );
}
