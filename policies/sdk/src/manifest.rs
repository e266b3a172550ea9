//! Small facts about manifest entries that several rules need the same way.

use crate::types::UsesPermission;

/// Whether Android can grant `perm` on some device the app supports: a
/// `maxSdkVersion` below the app's minimum SDK means never.
pub fn usable(perm: &UsesPermission, min_sdk: u32) -> bool {
    perm.max_sdk.is_none_or(|max| max >= min_sdk)
}

/// The catalogue's evidence path for a requested permission.
pub fn permission_path(name: &str) -> String {
    format!("uses-permission[@name='{name}']")
}

/// The catalogue's evidence path for a component.
pub fn component_path(kind: &str, name: &str) -> String {
    format!("{kind}[@name='{name}']")
}
