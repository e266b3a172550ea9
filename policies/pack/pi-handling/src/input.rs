//! What the module reads from the host, fetched once per evaluation and
//! shared by the rules (each host call copies data into the guest).

use shelfgate_pack_data::sdk_types::has_any_type;
use shelfgate_policy_sdk::attribution::{declaration_of, names_sdk};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{
    AppInfo, DataItem, PermissionDecl, Privacy, SdkDecl, SdkMatch, UsesPermission,
};
use shelfgate_policy_sdk::Identity;

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

pub struct Input<'a> {
    pub facts: &'a Facts,
    pub listing: &'a Listing,
    pub context: &'a Context,
    pub identity: Identity,
    pub permissions: Vec<UsesPermission>,
    pub sdks: Vec<SdkMatch>,
    pub declared: Vec<PermissionDecl>,
    pub data: Vec<DataItem>,
    pub sdk_decls: Vec<SdkDecl>,
    pub app: AppInfo,
    pub privacy: Privacy,
    pub cn: bool,
    pub play: bool,
}

impl<'a> Input<'a> {
    pub fn read(facts: &'a Facts, listing: &'a Listing, context: &'a Context) -> Self {
        Input {
            facts,
            listing,
            context,
            identity: facts.identity(),
            permissions: facts.permissions(),
            sdks: facts.sdks(),
            declared: listing.permissions(),
            data: listing.data_collection(),
            sdk_decls: listing.third_party_sdks(),
            app: listing.app(),
            privacy: listing.privacy(),
            cn: shelfgate_policy_sdk::market::in_cn(context),
            play: shelfgate_policy_sdk::market::targets_play(context),
        }
    }

    /// Requested permissions that some supported device can grant.
    pub fn usable_permissions(&self) -> impl Iterator<Item = &UsesPermission> {
        let min_sdk = self.identity.min_sdk;
        self.permissions
            .iter()
            .filter(move |p| shelfgate_policy_sdk::manifest::usable(p, min_sdk))
    }

    /// The listing entry for a permission.
    pub fn declaration(&self, permission: &str) -> Option<&PermissionDecl> {
        self.declared.iter().find(|d| d.name == permission)
    }

    /// Detected SDKs of any of `types`.
    pub fn sdks_of<'s>(&'s self, types: &'s [&'s str]) -> impl Iterator<Item = &'s SdkMatch> {
        self.sdks
            .iter()
            .filter(move |s| has_any_type(&s.categories, types))
    }

    /// The listing entry of a detected SDK.
    pub fn sdk_decl(&self, sdk: &SdkMatch) -> Option<&SdkDecl> {
        declaration_of(sdk, &self.sdk_decls)
    }

    /// Data items the listing says `sdk` collects.
    pub fn collected_by<'s>(&'s self, sdk: &'s SdkMatch) -> impl Iterator<Item = &'s DataItem> {
        let decl = self.sdk_decl(sdk);
        self.data
            .iter()
            .filter(move |d| names_sdk(&d.collected_by, sdk, decl))
    }

    /// The SDK a listing says declared a permission: its `declared_by`, or
    /// an SDK entry listing the permission.
    pub fn permission_sdk(&self, permission: &str) -> Option<String> {
        if let Some(id) = self
            .declaration(permission)
            .and_then(shelfgate_policy_sdk::attribution::declared_sdk)
        {
            return Some(id.to_string());
        }
        let decl = self
            .sdk_decls
            .iter()
            .find(|d| d.permissions.iter().any(|p| p == permission))?;
        let detected = self
            .sdks
            .iter()
            .find(|s| declaration_of(s, std::slice::from_ref(decl)).is_some());
        Some(detected.map_or_else(|| decl.id.clone(), |s| s.id.clone()))
    }

    /// Whether the listing attests `id` as true.
    pub fn attested(&self, id: &str) -> bool {
        self.listing.attestation(id) == Some(true)
    }

    /// The attestation's value as evidence (`null` when absent).
    pub fn attestation_value(&self, id: &str) -> String {
        self.listing
            .attestation(id)
            .map_or_else(json::null, json::bool)
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
