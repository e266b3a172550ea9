//! The guest SDK: write a shelfgate policy in plain Rust.
//!
//! A policy is a type implementing [`Policy`] (the contract's exported
//! interface), exported with [`export_policy!`]:
//!
//! ```ignore
//! use shelfgate_policy_sdk::prelude::*;
//!
//! struct Debuggable;
//!
//! const RULE: Rule = Rule {
//!     id: "SEC-DEBUG-042",
//!     refs: &["AOSP"],
//!     remediation: "Build a release variant.",
//! };
//!
//! impl Policy for Debuggable {
//!     fn metadata() -> PolicyMetadata { /* ... */ }
//!     fn evaluate(facts: &Facts, _: &Listing, _: &Context) -> Vec<Finding> {
//!         let app = facts.application();
//!         if app.debuggable {
//!             return vec![RULE
//!                 .finding(Decision::Reject)
//!                 .en("The build is debuggable.")
//!                 .zh("应用为可调试版本。")
//!                 .evidence(EvidenceSource::Manifest, "application@debuggable", json::bool(true))
//!                 .build()];
//!         }
//!         vec![]
//!     }
//! }
//!
//! shelfgate_policy_sdk::export_policy!(Debuggable);
//! ```
//!
//! Policies get nothing but the contract: no clock (use `context.date()`),
//! no randomness, no filesystem or network. Every evaluation runs in a fresh
//! instance, so statics are rebuilt each call: keep tables `const`.

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "policy-module",
        pub_export_macro: true,
        export_macro_name: "__export_policy_module",
        default_bindings_module: "shelfgate_policy_sdk::bindings",
    });
}

#[doc(hidden)]
pub mod arena;
pub mod attribution;
pub mod manifest;
pub mod market;
pub mod snapshot;
pub mod source;
pub mod text;

pub use bindings::exports::shelfgate::policy::policy::Guest as Policy;
pub use bindings::shelfgate::policy::host::{Context, Facts, Identity, Listing, SigningSummary};
pub use bindings::shelfgate::policy::types;
pub use snapshot::Snapshot;
pub use source::Source;
pub use types::{
    Confidence, DataSource, Decision, Evidence, EvidenceSource, Finding, PolicyMetadata,
};

/// Export `$ty` (implementing [`Policy`]) as this component's policy.
///
/// This also makes [`arena::Arena`] the guest's allocator (growing memory is
/// the costly part of allocating in a fresh instance); write
/// `export_policy!(P, own_allocator)` to keep the standard one or your own.
#[macro_export]
macro_rules! export_policy {
    ($ty:ident) => {
        #[cfg(target_arch = "wasm32")]
        #[global_allocator]
        static __SHELFGATE_ARENA: $crate::arena::Arena = $crate::arena::Arena::new();
        $crate::export_policy!($ty, own_allocator);
    };
    ($ty:ident, own_allocator) => {
        $crate::bindings::__export_policy_module!($ty with_types_in $crate::bindings);
    };
}

/// Everything a policy usually needs.
pub mod prelude {
    pub use crate::{
        attribution, json, manifest, market, text, types, Confidence, Context, DataSource,
        Decision, Evidence, EvidenceSource, Facts, Finding, FindingBuilder, Listing, Policy,
        PolicyMetadata, Rule, Snapshot, Source,
    };
}

/// The catalogue entry behind a rule: what every finding of it carries.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Catalogue id, e.g. `TECH-TSDK-035`.
    pub id: &'static str,
    /// Regulation references (catalogue source keys with article).
    pub refs: &'static [&'static str],
    /// What the developer should do.
    pub remediation: &'static str,
}

impl Rule {
    /// Start a finding of this rule with the given decision.
    pub fn finding(&self, decision: Decision) -> FindingBuilder {
        FindingBuilder {
            finding: Finding {
                rule_id: self.id.to_string(),
                decision,
                message_zh: String::new(),
                message_en: String::new(),
                evidence: Vec::new(),
                expected: None,
                sdk_attribution: None,
                regulation_refs: self.refs.iter().map(|r| r.to_string()).collect(),
                remediation: self.remediation.to_string(),
                deadline_working_days: None,
                confidence: None,
            },
        }
    }

    /// A rectify finding carrying the deadline the platform set for this rule.
    pub fn rectify(&self, context: &Context) -> FindingBuilder {
        self.finding(Decision::Rectify)
            .deadline(context.deadline_for(self.id))
    }

    /// A reject finding.
    pub fn reject(&self) -> FindingBuilder {
        self.finding(Decision::Reject)
    }
}

/// Builds a [`Finding`] step by step.
#[derive(Debug, Clone)]
#[must_use = "call .build() to get the finding"]
pub struct FindingBuilder {
    finding: Finding,
}

impl FindingBuilder {
    /// The message in English.
    pub fn en(mut self, text: impl Into<String>) -> Self {
        self.finding.message_en = text.into();
        self
    }

    /// The message in Chinese.
    pub fn zh(mut self, text: impl Into<String>) -> Self {
        self.finding.message_zh = text.into();
        self
    }

    /// One piece of evidence; `value` is JSON text (see [`json`]).
    pub fn evidence(
        mut self,
        source: EvidenceSource,
        path: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.finding.evidence.push(Evidence {
            source,
            path: path.into(),
            value: value.into(),
        });
        self
    }

    /// What would have passed.
    pub fn expected(mut self, text: impl Into<String>) -> Self {
        self.finding.expected = Some(text.into());
        self
    }

    /// The bundled SDK that caused the finding (SDK operators are
    /// accountable in their own right).
    pub fn sdk(mut self, sdk_id: impl Into<String>) -> Self {
        self.finding.sdk_attribution = Some(sdk_id.into());
        self
    }

    /// [`sdk`](Self::sdk) when the cause is a bundled SDK, nothing when it
    /// is the app's own code.
    pub fn maybe_sdk(self, sdk_id: Option<impl Into<String>>) -> Self {
        match sdk_id {
            Some(id) => self.sdk(id),
            None => self,
        }
    }

    /// Replace the remediation text of the rule.
    pub fn remediation(mut self, text: impl Into<String>) -> Self {
        self.finding.remediation = text.into();
        self
    }

    /// Deadline in working days (rectify findings).
    pub fn deadline(mut self, working_days: u32) -> Self {
        self.finding.deadline_working_days = Some(working_days);
        self
    }

    /// How sure the data behind the finding is.
    pub fn confidence(mut self, confidence: Confidence) -> Self {
        self.finding.confidence = Some(confidence);
        self
    }

    pub fn build(self) -> Finding {
        self.finding
    }
}

/// JSON text for evidence values, without pulling serde into every guest.
pub mod json {
    pub fn null() -> String {
        "null".to_string()
    }

    pub fn bool(b: bool) -> String {
        if b { "true" } else { "false" }.to_string()
    }

    pub fn num(n: impl Into<i64>) -> String {
        format!("{}", n.into())
    }

    /// A JSON string literal.
    pub fn str(s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    /// A JSON string literal, or `null`.
    pub fn opt_str(s: Option<&str>) -> String {
        s.map(str).unwrap_or_else(null)
    }

    /// A JSON array of strings.
    pub fn strs<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
        let mut out = String::from("[");
        for (i, s) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&str(s));
        }
        out.push(']');
        out
    }
}
