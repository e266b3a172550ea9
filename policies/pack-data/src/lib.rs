//! The data the policy pack ships inside its modules.
//!
//! Built from `policies/data/` (our own tables: the 39 necessary-PI
//! categories of CAC-2021-14 and the Android permission classes) into
//! statics by `build.rs`, so a policy pays nothing to consult them.

/// How Android (and the stores) treat a permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermissionClass {
    /// `dangerous`: granted at run time by the user.
    Runtime,
    /// App-op / special access, granted in Settings.
    Special,
    /// Install-time but restricted by store policy.
    Restricted,
}

#[derive(Debug)]
pub struct Permission {
    pub name: &'static str,
    pub class: PermissionClass,
    pub group: Option<&'static str>,
    pub pi_collected: Option<&'static str>,
    pub cn_class: Option<&'static str>,
    pub added_api: u32,
}

/// One of the 39 app categories of the necessary-PI provisions.
#[derive(Debug)]
pub struct Category {
    pub id: u32,
    pub key: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// The basic function needs no personal information at all.
    pub no_pi_required: bool,
    pub necessary_pi: &'static [&'static str],
    pub implied_permissions: &'static [&'static str],
    /// `verified_excerpt` or `memory` (regulation-sources.md).
    pub confidence: &'static str,
}

use shelfgate_policy_sdk::{Confidence, Source};

include!(concat!(env!("OUT_DIR"), "/tables.rs"));

/// [`PERMISSIONS`]: `policies/data/android-permissions.json`, from the
/// Android API 35 reference.
pub const PERMISSIONS_SOURCE: Source =
    Source::new("android-permissions", "api-35", Confidence::Verified);

/// [`CATEGORIES`]: `policies/data/necessary-pi-scope.json` (CAC-2021-14).
pub const CATEGORIES_SOURCE: Source =
    Source::new("necessary-pi-scope", "1.0", Confidence::Secondary);

pub mod data_safety;
pub mod identity;
pub mod lexicon;
pub mod licences;
pub mod listing_text;
pub mod pi;
pub mod play;
pub mod sdk_types;
pub mod signing;

use pi::PiType;

include!(concat!(env!("OUT_DIR"), "/pi_tables.rs"));

/// The sensitive-permission entry for `name`, if it is runtime, special or
/// store-restricted.
pub fn permission(name: &str) -> Option<&'static Permission> {
    PERMISSIONS
        .binary_search_by(|p| p.name.cmp(name))
        .ok()
        .and_then(|i| PERMISSIONS.get(i))
}

/// The necessary-PI category with this id (1..=39).
pub fn category(id: u32) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.id == id)
}

/// Whether no category's necessary information implies this permission.
pub fn never_implied(name: &str) -> bool {
    NEVER_IMPLIED.binary_search(&name).is_ok()
}
