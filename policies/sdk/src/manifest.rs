//! Small facts about manifest entries that several rules need the same way.

use crate::types::{ComponentKind, UsesPermission};

/// Whether Android can grant `perm` on some device the app supports: a
/// `maxSdkVersion` below the app's minimum SDK means never.
pub fn usable(perm: &UsesPermission, min_sdk: u32) -> bool {
    perm.max_sdk.is_none_or(|max| max >= min_sdk)
}

/// The catalogue's evidence path for a requested permission.
pub fn permission_path(name: &str) -> String {
    format!("uses-permission[@name='{name}']")
}

/// The manifest element name of a component kind (`activity-alias`).
pub fn kind_name(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Activity => "activity",
        ComponentKind::ActivityAlias => "activity-alias",
        ComponentKind::Service => "service",
        ComponentKind::Receiver => "receiver",
        ComponentKind::Provider => "provider",
    }
}

/// The catalogue's evidence path for a component.
pub fn component_path(kind: &str, name: &str) -> String {
    format!("{kind}[@name='{name}']")
}
