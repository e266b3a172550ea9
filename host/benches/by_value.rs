//! Records by value: the bench-only `bench-by-value-module` world of
//! wit/shelfgate.wit, bound with the contract's own types, run under the
//! engine's sandbox. Used by `benches/engine.rs` and by the test that checks
//! it agrees with the resource design (`tests/all/engine.rs`).

use shelfgate::engine::{BenchState, Engine, EvalInput};
use shelfgate_contract::types::Finding;
use wasmtime::component::{Component, Linker};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "bench-by-value-module",
        with: { "shelfgate:policy/types": shelfgate_contract::types },
    });
}

pub struct Policy {
    pre: bindings::BenchByValueModulePre<BenchState>,
}

impl Policy {
    pub fn load(engine: &Engine) -> Policy {
        let (wasm, _) = engine.bench_store();
        let component = Component::new(
            wasm,
            shelfgate_policy_artifacts::test_programs::BENCH_NOTICE_004_BY_VALUE,
        )
        .expect("component");
        let linker = Linker::new(wasm);
        let pre = linker
            .instantiate_pre(&component)
            .and_then(bindings::BenchByValueModulePre::new)
            .expect("pre-instantiate");
        Policy { pre }
    }

    /// A fresh store and instance, the records copied in, the call, the
    /// drop: what `Engine::evaluate` does, facts by value.
    pub fn evaluate(&self, engine: &Engine, input: &EvalInput) -> Vec<Finding> {
        let (_, mut store) = engine.bench_store();
        let instance = self.pre.instantiate(&mut store).expect("instantiate");
        instance
            .shelfgate_policy_bench_by_value()
            .call_evaluate(&mut store, &input.facts, &input.listing, &input.context)
            .expect("evaluate")
    }
}
