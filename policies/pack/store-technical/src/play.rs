//! The facts the Play and Android-14 rules share, fetched from the host
//! once per evaluation.

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{
    Component, ComponentKind, GooglePlay, PermissionDecl, SdkMatch, UsesPermission,
};

pub struct Input {
    pub target_sdk: u32,
    /// Requested permissions Android can grant on a supported device.
    pub permissions: Vec<UsesPermission>,
    pub components: Vec<Component>,
    pub sdks: Vec<SdkMatch>,
    /// `listing.permissions`.
    pub declared: Vec<PermissionDecl>,
    pub google_play: Option<GooglePlay>,
    pub store_category: String,
    pub cn: bool,
    pub play: bool,
}

impl Input {
    pub fn gather(facts: &Facts, listing: &Listing, context: &Context) -> Input {
        let id = facts.identity();
        Input {
            target_sdk: id.target_sdk,
            permissions: facts
                .permissions()
                .into_iter()
                .filter(|p| manifest::usable(p, id.min_sdk))
                .collect(),
            components: facts.components(),
            sdks: facts.sdks(),
            declared: listing.permissions(),
            google_play: listing.google_play(),
            store_category: listing.app().store_category,
            cn: market::in_cn(context),
            play: market::targets_play(context),
        }
    }

    pub fn requests(&self, name: &str) -> bool {
        self.permissions.iter().any(|p| p.name == name)
    }

    /// Play approved a declaration for `permission`.
    pub fn approved(&self, permission: &str) -> bool {
        self.google_play.as_ref().is_some_and(|gp| {
            gp.permission_declarations
                .iter()
                .any(|d| d.permission == permission && d.approved)
        })
    }

    /// The SDK the listing says brought `permission` in.
    pub fn declaring_sdk(&self, permission: &str) -> Option<String> {
        self.declared
            .iter()
            .find(|d| d.name == permission)
            .and_then(attribution::declared_sdk)
            .map(str::to_string)
    }

    /// The listing's disclosure of `permission`, when it states a purpose.
    pub fn disclosed(&self, permission: &str) -> bool {
        self.declared.iter().any(|d| {
            d.name == permission
                && (!d.purpose_zh.trim().is_empty()
                    || d.purpose_en
                        .as_deref()
                        .is_some_and(|p| !p.trim().is_empty()))
        })
    }

    pub fn services(&self) -> impl Iterator<Item = &Component> {
        self.components
            .iter()
            .filter(|c| c.kind == ComponentKind::Service)
    }

    /// The bundled SDK a component belongs to.
    pub fn sdk_of(&self, component: &str) -> Option<String> {
        attribution::sdk_of_component(&self.sdks, component).map(|s| s.id.clone())
    }

    pub fn category_is(&self, words: &[&str]) -> bool {
        text::find_any(&self.store_category, words).is_some()
    }

    /// The `google_play.permission_declarations` evidence for `permission`.
    pub fn declaration_json(&self, permission: &str) -> String {
        self.google_play
            .as_ref()
            .and_then(|gp| {
                gp.permission_declarations
                    .iter()
                    .find(|d| d.permission == permission)
            })
            .map(|d| json::bool(d.approved))
            .unwrap_or_else(json::null)
    }
}

/// The component has an intent filter for `action`.
pub fn handles(c: &Component, action: &str) -> bool {
    c.intent_filters
        .iter()
        .any(|f| f.actions.iter().any(|a| a == action))
}

/// The catalogue's evidence path for a Play declaration.
pub fn declaration_path(permission: &str) -> String {
    format!("google_play.permission_declarations[{permission}].approved")
}
