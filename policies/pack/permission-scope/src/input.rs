//! Helpers over the SDK's [`Snapshot`], which reads the host lazily and
//! at most once per evaluation.

use shelfgate_pack_data::{category, Category};
use shelfgate_policy_sdk::attribution::{declaration_of, names_sdk};
use shelfgate_policy_sdk::prelude::*;
use shelfgate_policy_sdk::types::{DataItem, SdkMatch};

/// What the rules of this module read: the shared snapshot.
pub type Input<'a> = Snapshot<'a>;

/// What this module derives from the snapshot.
pub trait Scope {
    /// The necessary-PI category (CAC-2021-14) the listing names, for the
    /// CN market only: the provisions are Chinese law.
    fn category(&self) -> Option<&'static Category>;
    /// Whether the category implies `permission` (false without a category).
    fn implied(&self, permission: &str) -> bool;
    /// Whether a declared feature id names an optional feature.
    fn optional_feature(&self, id: &str) -> bool;
    /// Whether every feature id names a described feature, and there is one.
    fn features_described(&self, ids: &[String]) -> bool;
    /// Data items collected by `owner` (`None`: the app itself).
    fn collected_by<'s>(
        &'s self,
        owner: Option<&'s SdkMatch>,
    ) -> impl Iterator<Item = &'s DataItem>;
    /// How sure the category data behind a finding is.
    fn category_confidence(&self) -> Confidence;
}

impl Scope for Snapshot<'_> {
    fn category(&self) -> Option<&'static Category> {
        if !self.cn() {
            return None;
        }
        self.app()
            .necessary_pi_category_id
            .and_then(|id| category(u32::from(id)))
    }

    fn implied(&self, permission: &str) -> bool {
        self.category()
            .is_some_and(|c| c.implied_permissions.contains(&permission))
    }

    fn optional_feature(&self, id: &str) -> bool {
        self.app().features.iter().any(|f| f.id == id && f.optional)
    }

    fn features_described(&self, ids: &[String]) -> bool {
        !ids.is_empty()
            && ids
                .iter()
                .all(|id| self.app().features.iter().any(|f| &f.id == id))
    }

    fn collected_by<'s>(
        &'s self,
        owner: Option<&'s SdkMatch>,
    ) -> impl Iterator<Item = &'s DataItem> {
        let decl = owner.and_then(|s| declaration_of(s, self.sdk_decls()));
        self.data_collection().iter().filter(move |d| match owner {
            Some(s) => names_sdk(&d.collected_by, s, decl),
            None => d.collected_by == "app",
        })
    }

    fn category_confidence(&self) -> Confidence {
        match self.category().map(|c| c.confidence) {
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
