//! How a manifest spells the values it shares with the contract.
//!
//! Modes and decisions are the WIT's own enums, written in the contract's
//! JSON form (`enforce`, `fail_closed`, `rectify`; the WIT's `fail-closed`
//! is read too), so a manifest, a verdict and the policy API agree on one
//! spelling. Times are RFC 3339 in UTC with whole seconds.

/// A contract type in its JSON form, through `shelfgate_contract::json`.
pub(crate) mod wit {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::Value;
    use shelfgate_contract::json::{self, WitType};

    pub fn serialize<T: WitType, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        json::to_value(value).serialize(s)
    }

    pub fn deserialize<'de, T: WitType, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let value = Value::deserialize(d)?;
        json::from_value(&value).map_err(serde::de::Error::custom)
    }
}

pub(crate) mod rfc3339 {
    use std::time::SystemTime;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_rfc3339_seconds(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(d)?;
        humantime::parse_rfc3339(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{text}` is not an RFC 3339 UTC time like 2025-01-01T00:00:00Z: {e}"
            ))
        })
    }
}
