//! The OpenAPI 3.1 document, generated from the code.
//!
//! Paths, parameters and the API's own response types come from the
//! handlers' `#[utoipa::path]` annotations. The contract's types (verdict,
//! listing, facts) are not described twice: their JSON Schemas are
//! generated from the WIT by `shelfgate_contract::json::json_schema` and
//! put in place of the placeholders the handlers name, and the multipart
//! upload body refers to the listing's.

use std::sync::OnceLock;

use serde_json::{json, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::routes::{apps, cases, checks, jobs, ops, policies, rechecks, submissions};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "shelfgate",
        description = "Upload gatekeeper for app stores: an APK and its store listing in, a verdict (pass, rectify, reject) with reasons out."
    ),
    paths(
        checks::check,
        submissions::submit,
        submissions::submission,
        apps::app,
        jobs::job,
        policies::active,
        policies::status,
        policies::activate,
        rechecks::start,
        rechecks::run,
        rechecks::results,
        cases::cases,
        ops::healthz,
        ops::readyz,
        ops::metrics,
        ops::document,
    ),
    modifiers(&AdminToken),
    tags(
        (name = "checks", description = "Verdicts for uploads, stored nowhere but the audit log"),
        (name = "submissions", description = "Uploads kept with their verdict history"),
        (name = "policies", description = "The active policy set and signed bundles"),
        (name = "rechecks", description = "Rechecks of the stored catalogue under the active or a candidate set"),
        (name = "cases", description = "Rectification cases: rectify, notified (the public notice list), removed, closed"),
        (name = "operations", description = "Health, readiness, metrics"),
    )
)]
struct ApiDoc;

struct AdminToken;

impl Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Contract types by their name in the document and in the WIT.
const CONTRACT_SCHEMAS: &[(&str, &str)] = &[
    ("Verdict", "verdict"),
    ("Listing", "listing"),
    ("ApkFacts", "apk-facts"),
];

pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        for (name, wit) in CONTRACT_SCHEMAS {
            let id = format!("https://shelfgate.dev/schema/{wit}.json");
            if let Some(schema) = shelfgate_contract::json::json_schema(wit, &id) {
                doc["components"]["schemas"][*name] = schema;
            }
        }
        let upload = json!({
            "required": true,
            "content": {"multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["apk", "listing"],
                    "properties": {
                        "apk": {"type": "string", "format": "binary", "description": "The APK file"},
                        "listing": {"$ref": "#/components/schemas/Listing"},
                        "callback_url": {"type": "string", "format": "uri",
                            "description": "Answer asynchronously and POST the finished job here"}
                    }
                },
                "encoding": {"listing": {"contentType": "application/json"}}
            }}
        });
        for path in ["/v1/checks", "/v1/submissions"] {
            doc["paths"][path]["post"]["requestBody"] = upload.clone();
        }
        doc
    })
}
