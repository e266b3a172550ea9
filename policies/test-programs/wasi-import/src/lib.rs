//! Hostile guest: imports a WASI function. The host must refuse it at load
//! and name the import.

wit_bindgen::generate!({
    inline: r#"
        package test:wasi-import;
        world hostile {
            import wasi:cli/environment@0.2.0;
            include shelfgate:policy/policy-module@0.1.2;
        }
    "#,
    path: ["../../../wit", "wit/wasi-environment.wit"],
    world: "test:wasi-import/hostile",
    generate_all,
});

use exports::shelfgate::policy::policy::Guest;
use shelfgate::policy::host::{Context, Facts, Listing};
use shelfgate::policy::types::{Finding, PolicyMetadata};

struct P;

impl Guest for P {
    fn metadata() -> PolicyMetadata {
        PolicyMetadata {
            id: "test-wasi-import".into(),
            version: "0.0.1".into(),
            title: "Reads the environment".into(),
            rules: vec!["TEST-WASI".into()],
            reads: vec![],
            data_sources: vec![],
        }
    }

    fn evaluate(_: &Facts, _: &Listing, _: &Context) -> Vec<Finding> {
        let _ = wasi::cli::environment::get_environment();
        Vec::new()
    }
}

export!(P);
