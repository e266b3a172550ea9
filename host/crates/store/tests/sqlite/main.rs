//! The SQLite store, through the `Store` trait the service and recheck use.

mod cases;
mod content;
mod decoded;
mod durability;
mod jobs;
mod migrations;
mod policy;
mod recheck;
mod support;
mod verdicts;
