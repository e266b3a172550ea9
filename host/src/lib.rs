//! shelfgate: the upload gatekeeper for app stores.
//!
//! The data flow, one module per step:
//! upload → [`inspect`](shelfgate_inspect) (facts) → [`engine`] +
//! [`evaluate`] (policies) → [`verdict`] → store / recheck.

pub mod context;
pub mod engine;
pub mod evaluate;
pub mod policy_set;
pub mod verdict;
