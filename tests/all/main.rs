//! The integration test binary: one binary, topic modules, one shared
//! engine and artifact set (as wasmtime's `tests/all`).

mod support;

mod contract;
mod engine;
mod evaluate;
