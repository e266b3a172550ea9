//! The shelfgate contract as Rust types.
//!
//! `wit/shelfgate.wit` is the single schema of facts, listing, context and
//! verdict. This crate runs wasmtime's `bindgen!` over it once, so every
//! other crate (inspection, engine, store, server) shares the same generated
//! types instead of keeping a hand-written copy that could drift.
//!
//! The generated types derive serde, but serde alone would spell enum cases
//! the Rust way (`OnFeatureUse`) and know nothing of the schema's ranges and
//! constants. [`json`] walks the WIT types to give them their JSON form
//! (`on_feature_use`), to validate listings with every problem reported, and
//! to publish the JSON Schema.

pub mod json;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../../wit",
        world: "policy-module",
        with: {
            "shelfgate:policy/host.facts": crate::FactsHandle,
            "shelfgate:policy/host.listing": crate::ListingHandle,
            "shelfgate:policy/host.context": crate::ContextHandle,
        },
        // Host methods may trap (e.g. facts asked for while a policy
        // describes itself): the guest then stops, the host never panics.
        imports: { default: trappable },
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

/// The policy's exported interface.
pub use bindings::exports::shelfgate::policy::policy as exports;
/// The host interface a policy imports (resources lent for one evaluation).
pub use bindings::shelfgate::policy::host;
/// Every data type of the contract (`interface types`).
pub use bindings::shelfgate::policy::types;
/// Bindings for instantiating and calling a policy component.
pub use bindings::{PolicyModule, PolicyModulePre};

/// The WIT source, embedded so the host can describe and check the contract.
pub const WIT: &str = include_str!("../../../../wit/shelfgate.wit");

/// The WIT package the host provides.
pub const PACKAGE: &str = "shelfgate:policy@0.1.2";

/// Host-side representation of the `facts` resource lent to a policy.
///
/// The data itself lives in the store's state; a handle only names it, since
/// each store evaluates exactly one upload.
#[derive(Debug)]
pub struct FactsHandle;

/// Host-side representation of the `listing` resource.
#[derive(Debug)]
pub struct ListingHandle;

/// Host-side representation of the `context` resource.
#[derive(Debug)]
pub struct ContextHandle;

#[cfg(test)]
mod tests {
    #[test]
    fn generated_types_exist() {
        let _ = std::mem::size_of::<super::types::ApkFacts>();
        let _ = std::mem::size_of::<super::types::Verdict>();
        let _ = std::mem::size_of::<super::types::Listing>();
    }
}
