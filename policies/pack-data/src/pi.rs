//! What personal information a permission or an API reference collects,
//! in the listing's `pi_type` vocabulary (catalogue §3), and which types
//! are sensitive.
//!
//! Built from `policies/data/pi-types.json` (our own mapping) and the PI
//! items of `necessary-pi-scope.json`. The first type of a mapping is the
//! one a finding asks the developer to declare; any of them covers it.

use shelfgate_policy_sdk::{Confidence, Source};

/// The PI-type tables of this module (our own, from memory).
pub const SOURCE: Source = Source::new("pi-types", "1", Confidence::Memory);

/// A `pi_type` value a listing may use.
#[derive(Debug)]
pub struct PiType {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    /// Sensitive PI (PIPL Art. 28): needs separate consent.
    pub sensitive: bool,
}

/// The `pi_type` entry for `key`, generic or a necessary-PI item.
pub fn pi_type(key: &str) -> Option<&'static PiType> {
    let i = crate::PI_TYPES.binary_search_by(|t| t.key.cmp(key)).ok()?;
    crate::PI_TYPES.get(i)
}

/// The `pi_type` values that declare what `permission` collects; empty
/// when it collects nothing by itself (`CALL_PHONE`, `POST_NOTIFICATIONS`).
pub fn permission_pi_types(permission: &str) -> &'static [&'static str] {
    lookup(crate::PERMISSION_PI_TYPES, permission)
}

/// The `pi_type` values that declare what a dex API reference (by its
/// catalogue key, e.g. `device-id.imei`) collects.
pub fn api_pi_types(key: &str) -> &'static [&'static str] {
    lookup(crate::API_PI_TYPES, key)
}

/// Whether `key` is a biometric type (never necessary in any category).
pub fn is_biometric(key: &str) -> bool {
    crate::BIOMETRIC_PI_TYPES.binary_search(&key).is_ok()
}

fn lookup(
    table: &'static [(&'static str, &'static [&'static str])],
    key: &str,
) -> &'static [&'static str] {
    table
        .binary_search_by(|(k, _)| (*k).cmp(key))
        .ok()
        .and_then(|i| table.get(i))
        .map_or(&[], |(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mappings() {
        assert_eq!(
            permission_pi_types("android.permission.CAMERA").first(),
            Some(&"camera_capture")
        );
        assert!(permission_pi_types("android.permission.POST_NOTIFICATIONS").is_empty());
        assert_eq!(api_pi_types("device-id.imei"), &["device_id"]);
        assert!(pi_type("precise_location").is_some_and(|t| t.sensitive));
        assert!(pi_type("real_name_identity").is_some_and(|t| t.sensitive));
        assert!(pi_type("registered_mobile_number").is_some_and(|t| !t.sensitive));
        assert!(is_biometric("biometric_face"));
    }
}
