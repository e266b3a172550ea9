//! The integration test binary: one binary, topic modules, one shared
//! engine and artifact set (as wasmtime's `tests/all`).

mod support;

mod cases;
mod cli;
mod contract;
mod engine;
mod evaluate;
mod examples;
mod pack;
mod recheck;
mod resources;
mod server;
