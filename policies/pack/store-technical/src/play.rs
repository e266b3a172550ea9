//! What the Play and Android-14 rules derive from the SDK's [`Snapshot`]
//! (which reads the host on first use, once per evaluation).

use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{Component, ComponentKind};

/// What the rules of this module read: the shared snapshot.
pub type Input<'a> = Snapshot<'a>;

/// What the Play and Android-14 rules derive from the snapshot.
pub trait Play {
    /// Play approved a declaration for `permission`.
    fn approved(&self, permission: &str) -> bool;
    /// The SDK the listing says brought `permission` in.
    fn declaring_sdk(&self, permission: &str) -> Option<String>;
    /// The listing's disclosure of `permission`, when it states a purpose.
    fn disclosed(&self, permission: &str) -> bool;
    fn services(&self) -> impl Iterator<Item = &Component>;
    /// The bundled SDK a component belongs to.
    fn sdk_of(&self, component: &str) -> Option<String>;
    fn category_is(&self, words: &[&str]) -> bool;
    /// The `google_play.permission_declarations` evidence for `permission`.
    fn declaration_json(&self, permission: &str) -> String;
}

impl Play for Snapshot<'_> {
    fn approved(&self, permission: &str) -> bool {
        self.google_play().as_ref().is_some_and(|gp| {
            gp.permission_declarations
                .iter()
                .any(|d| d.permission == permission && d.approved)
        })
    }

    fn declaring_sdk(&self, permission: &str) -> Option<String> {
        self.declared_sdk(permission).map(str::to_string)
    }

    fn disclosed(&self, permission: &str) -> bool {
        self.declared().iter().any(|d| {
            d.name == permission
                && (!d.purpose_zh.trim().is_empty()
                    || d.purpose_en
                        .as_deref()
                        .is_some_and(|p| !p.trim().is_empty()))
        })
    }

    fn services(&self) -> impl Iterator<Item = &Component> {
        self.components()
            .iter()
            .filter(|c| c.kind == ComponentKind::Service)
    }

    fn sdk_of(&self, component: &str) -> Option<String> {
        attribution::sdk_of_component(self.sdks(), component).map(|s| s.id.clone())
    }

    fn category_is(&self, words: &[&str]) -> bool {
        text::find_any(&self.app().store_category, words).is_some()
    }

    fn declaration_json(&self, permission: &str) -> String {
        self.google_play()
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
