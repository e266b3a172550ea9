//! Helpers over the SDK's [`Snapshot`], which reads the host lazily and
//! at most once per evaluation.

use shelfgate_pack_data::sdk_types::has_any_type;
use shelfgate_policy_sdk::attribution::{declaration_of, names_sdk};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{DataItem, SdkMatch};

/// SDK types whose operators collect device or usage data as soon as the
/// SDK runs (Appendix B types; rules 002, 003).
pub const COLLECTING_TYPES: &[&str] = &[
    "ads",
    "analytics",
    "push",
    "crash",
    "attribution",
    "location",
    "risk_control",
    "device_id",
    "biometric",
    "ocr",
];

/// What the rules of this module read: the shared snapshot.
pub type Input<'a> = Snapshot<'a>;

/// What this module derives from the snapshot.
pub trait Handling {
    /// Detected SDKs of any of `types`.
    fn sdks_of<'s>(&'s self, types: &'s [&'s str]) -> impl Iterator<Item = &'s SdkMatch>;
    /// Data items the listing says `sdk` collects.
    fn collected_by<'s>(&'s self, sdk: &'s SdkMatch) -> impl Iterator<Item = &'s DataItem>;
    /// The SDK a listing says declared a permission: its `declared_by`, or
    /// an SDK entry listing the permission.
    fn permission_sdk(&self, permission: &str) -> Option<String>;
}

impl Handling for Snapshot<'_> {
    fn sdks_of<'s>(&'s self, types: &'s [&'s str]) -> impl Iterator<Item = &'s SdkMatch> {
        self.sdks()
            .iter()
            .filter(move |s| has_any_type(&s.categories, types))
    }

    fn collected_by<'s>(&'s self, sdk: &'s SdkMatch) -> impl Iterator<Item = &'s DataItem> {
        let decl = self.sdk_decl(sdk);
        self.data_collection()
            .iter()
            .filter(move |d| names_sdk(&d.collected_by, sdk, decl))
    }

    fn permission_sdk(&self, permission: &str) -> Option<String> {
        if let Some(id) = self.declared_sdk(permission) {
            return Some(id.to_string());
        }
        let decl = self
            .sdk_decls()
            .iter()
            .find(|d| d.permissions.iter().any(|p| p == permission))?;
        let detected = self
            .sdks()
            .iter()
            .find(|s| declaration_of(s, std::slice::from_ref(decl)).is_some());
        Some(detected.map_or_else(|| decl.id.clone(), |s| s.id.clone()))
    }
}

/// The SDK id in a `collected_by` / `declared_by` value (`sdk:<id>`).
pub fn sdk_in(value: &str) -> Option<&str> {
    value.strip_prefix("sdk:").filter(|id| !id.is_empty())
}

/// A human name for an SDK in messages: `Pangle (pangle)`.
pub fn sdk_label(sdk: &SdkMatch) -> String {
    format!("{} ({})", sdk.name, sdk.id)
}
