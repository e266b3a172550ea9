//! What the module reads from the host, fetched once per evaluation and
//! shared by the rules (each host call copies data into the guest).

use shelfgate_pack_data::{category, Category};
use shelfgate_policy_sdk::attribution::{declaration_of, declared_sdk, names_sdk};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{
    AppInfo, DataItem, PermissionDecl, SdkDecl, SdkMatch, UsesPermission,
};
use shelfgate_policy_sdk::Identity;

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
    pub cn: bool,
    pub play: bool,
    /// The necessary-PI category (CAC-2021-14) the listing names, for the
    /// CN market only: the provisions are Chinese law.
    pub category: Option<&'static Category>,
}

impl<'a> Input<'a> {
    pub fn read(facts: &'a Facts, listing: &'a Listing, context: &'a Context) -> Self {
        let app = listing.app();
        let cn = shelfgate_policy_sdk::market::in_cn(context);
        let category = app
            .necessary_pi_category_id
            .filter(|_| cn)
            .and_then(|id| category(u32::from(id)));
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
            app,
            cn,
            play: shelfgate_policy_sdk::market::targets_play(context),
            category,
        }
    }

    /// Requested permissions that some supported device can grant.
    pub fn usable_permissions(&self) -> impl Iterator<Item = &UsesPermission> {
        let min_sdk = self.identity.min_sdk;
        self.permissions
            .iter()
            .filter(move |p| shelfgate_policy_sdk::manifest::usable(p, min_sdk))
    }

    /// Whether a usable request for `name` exists.
    pub fn requests(&self, name: &str) -> bool {
        self.usable_permissions().any(|p| p.name == name)
    }

    /// The listing entry for a permission.
    pub fn declaration(&self, permission: &str) -> Option<&PermissionDecl> {
        self.declared.iter().find(|d| d.name == permission)
    }

    /// The SDK the listing says declared a permission.
    pub fn permission_sdk(&self, permission: &str) -> Option<&str> {
        self.declaration(permission).and_then(declared_sdk)
    }

    /// Whether the category implies `permission` (false without a category).
    pub fn implied(&self, permission: &str) -> bool {
        self.category
            .is_some_and(|c| c.implied_permissions.contains(&permission))
    }

    /// Whether a declared feature id names an optional feature.
    pub fn optional_feature(&self, id: &str) -> bool {
        self.app.features.iter().any(|f| f.id == id && f.optional)
    }

    /// Whether every feature id names a described feature, and there is one.
    pub fn features_described(&self, ids: &[String]) -> bool {
        !ids.is_empty()
            && ids
                .iter()
                .all(|id| self.app.features.iter().any(|f| &f.id == id))
    }

    /// Data items collected by `owner` (`None`: the app itself).
    pub fn collected_by<'s>(
        &'s self,
        owner: Option<&'s SdkMatch>,
    ) -> impl Iterator<Item = &'s DataItem> {
        let decl = owner.and_then(|s| declaration_of(s, &self.sdk_decls));
        self.data.iter().filter(move |d| match owner {
            Some(s) => names_sdk(&d.collected_by, s, decl),
            None => d.collected_by == "app",
        })
    }

    /// The detected SDK with this id.
    pub fn sdk(&self, id: &str) -> Option<&SdkMatch> {
        self.sdks.iter().find(|s| s.id == id)
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

    /// How sure the category data behind a finding is.
    pub fn category_confidence(&self) -> Confidence {
        match self.category.map(|c| c.confidence) {
            Some("verified_excerpt") => Confidence::Secondary,
            _ => Confidence::Memory,
        }
    }
}

/// A human name for an SDK in messages: `Pangle (pangle)`.
pub fn sdk_label(sdk: &SdkMatch) -> String {
    format!("{} ({})", sdk.name, sdk.id)
}

/// Who collects, in messages and `collected_by` form.
pub fn owner_names(owner: Option<&SdkMatch>) -> (String, String, String) {
    match owner {
        Some(s) => (sdk_label(s), sdk_label(s), format!("sdk:{}", s.id)),
        None => (
            "the app's own code".to_string(),
            "应用自身代码".to_string(),
            "app".to_string(),
        ),
    }
}
