//! A bundle's own test cases, run before the bundle may serve.
//!
//! A fixture is one JSON file: the facts, listing and evaluation context of
//! a case, and the decision and rule ids the bundle must produce for it.
//! Facts, listing and context stay JSON values here; the engine decodes them
//! with the contract's JSON form when it runs the fixture, so this crate
//! never keeps a second schema of them.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use shelfgate_contract::types::Decision;

use crate::forms;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// What the case is about, for the activation status when it fails.
    pub note: String,
    pub facts: Value,
    pub listing: Value,
    pub context: Value,
    pub want: Expected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    #[serde(with = "forms::wit")]
    pub decision: Decision,
    /// Rule ids of the counted findings, in any order.
    pub rules: Vec<String>,
}
