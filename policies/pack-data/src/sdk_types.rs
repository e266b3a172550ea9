//! SDK categories in the catalogue's type vocabulary (Appendix B), and
//! other SDK tables the rules consult (`policies/data/sdk-types.json`).
//!
//! Detected SDKs carry categories from whichever signature table matched
//! them: the catalogue's own types or Exodus-style tags. Rules ask in one
//! vocabulary through [`sdk_type`] / [`has_type`].

use shelfgate_policy_sdk::{Confidence, Source};

/// The category-to-type mapping of this module (`policies/data/sdk-types.json`).
pub const SOURCE: Source = Source::new("sdk-types", "1", Confidence::Secondary);

/// [`alliance_wake_action`]'s part of the same file, which is from memory.
pub const WAKE_ACTIONS_SOURCE: Source = Source::new("sdk-types", "1", Confidence::Memory);

/// The catalogue type of an SDK category tag (`advertisement` -> `ads`).
pub fn sdk_type(tag: &str) -> Option<&'static str> {
    // Compared as normalised on the fly: rules ask this for every category
    // of every SDK, and a key string per question was most of its cost.
    let key = || {
        tag.trim().chars().map(|c| {
            if c == ' ' || c == '-' {
                '_'
            } else {
                c.to_ascii_lowercase()
            }
        })
    };
    let table = crate::SDK_CATEGORY_TYPES;
    let i = table.binary_search_by(|(k, _)| k.chars().cmp(key())).ok()?;
    table.get(i).map(|(_, t)| *t)
}

/// Whether any of `categories` maps to catalogue type `ty`.
pub fn has_type(categories: &[String], ty: &str) -> bool {
    categories.iter().any(|c| sdk_type(c) == Some(ty))
}

/// Whether any of `categories` maps to one of `types`.
pub fn has_any_type(categories: &[String], types: &[&str]) -> bool {
    categories
        .iter()
        .any(|c| sdk_type(c).is_some_and(|t| types.contains(&t)))
}

/// Code prefixes of in-app billing libraries.
pub fn iap_code_prefixes() -> &'static [&'static str] {
    crate::IAP_CODE_PREFIXES
}

/// The push SDK known to export `action` for mutual wake-up between apps
/// (data from memory: findings built on it carry confidence `memory`).
pub fn alliance_wake_action(action: &str) -> Option<&'static str> {
    let table = crate::ALLIANCE_WAKE_ACTIONS;
    let i = table.binary_search_by(|(a, _)| (*a).cmp(action)).ok()?;
    table.get(i).map(|(_, sdk)| *sdk)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_vocabularies() {
        assert_eq!(sdk_type("Advertisement"), Some("ads"));
        assert_eq!(sdk_type("crash reporting"), Some("crash"));
        assert_eq!(sdk_type("identification"), Some("device_id"));
        assert_eq!(sdk_type("risk_control"), Some("risk_control"));
        assert_eq!(sdk_type("unheard-of"), None);
        assert_eq!(
            alliance_wake_action("cn.jpush.android.intent.DaemonService"),
            Some("JPush")
        );
    }
}
