//! What the module reads from the host, fetched once per evaluation and
//! shared by the rules (each host call copies data into the guest).

use shelfgate_policy_sdk::attribution::declared_sdk;
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{
    AppInfo, BehaviourDeclarations, Component, ComponentKind, PermissionDecl, SdkMatch,
    UsesPermission,
};
use shelfgate_policy_sdk::Identity;

pub struct Input<'a> {
    pub facts: &'a Facts,
    pub listing: &'a Listing,
    pub context: &'a Context,
    pub identity: Identity,
    pub permissions: Vec<UsesPermission>,
    pub components: Vec<Component>,
    pub sdks: Vec<SdkMatch>,
    pub declared: Vec<PermissionDecl>,
    pub app: AppInfo,
    pub behaviour: BehaviourDeclarations,
}

impl<'a> Input<'a> {
    pub fn read(facts: &'a Facts, listing: &'a Listing, context: &'a Context) -> Self {
        Input {
            facts,
            listing,
            context,
            identity: facts.identity(),
            permissions: facts.permissions(),
            components: facts.components(),
            sdks: facts.sdks(),
            declared: listing.permissions(),
            app: listing.app(),
            behaviour: listing.behaviour_declarations(),
        }
    }

    /// Whether the app requests `name` for some device it supports.
    pub fn requests(&self, name: &str) -> bool {
        let min_sdk = self.identity.min_sdk;
        self.permissions
            .iter()
            .any(|p| p.name == name && shelfgate_policy_sdk::manifest::usable(p, min_sdk))
    }

    /// The listing entry for a permission.
    pub fn declaration(&self, permission: &str) -> Option<&PermissionDecl> {
        self.declared.iter().find(|d| d.name == permission)
    }

    /// The SDK the listing says declared a permission.
    pub fn permission_sdk(&self, permission: &str) -> Option<&str> {
        self.declaration(permission).and_then(declared_sdk)
    }

    /// The detected SDK with this id.
    pub fn sdk(&self, id: &str) -> Option<&SdkMatch> {
        self.sdks.iter().find(|s| s.id == id)
    }
}

/// Who is responsible, in messages: `Pangle (pangle) ` or `The app `.
pub fn owner_label(input: &Input, sdk: Option<&str>) -> (String, String) {
    match sdk {
        Some(id) => {
            let name = input.sdk(id).map_or(id, |s| s.name.as_str());
            (format!("{name} ({id})"), format!("{name}（{id}）"))
        }
        None => ("The app".to_string(), "应用".to_string()),
    }
}

/// The manifest element name of a component kind.
pub fn kind_name(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Activity => "activity",
        ComponentKind::ActivityAlias => "activity-alias",
        ComponentKind::Service => "service",
        ComponentKind::Receiver => "receiver",
        ComponentKind::Provider => "provider",
    }
}
