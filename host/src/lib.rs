//! shelfgate: the upload gatekeeper for app stores.
//!
//! The data flow, one module per step:
//! upload → [`inspect`](shelfgate_inspect) (facts) → [`engine`] +
//! [`evaluate`] (policies) → [`verdict`] → store / recheck.

pub mod cases;
pub mod cli;
pub mod clock;
pub mod context;
pub mod engine;
pub mod evaluate;
pub mod feed;
pub mod listing;
pub mod metrics;
pub mod policy_set;
pub mod policy_test;
pub mod populate;
pub mod recheck;
pub mod report;
pub mod server;
pub mod service;
pub mod upload;
pub mod verdict;
