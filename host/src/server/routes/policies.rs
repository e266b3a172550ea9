//! The active policy set, its activation status, and the admin upload of
//! a signed bundle.

use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::json;
use shelfgate_contract::json as contract_json;
use shelfgate_store::AuditEntry;
use utoipa::ToSchema;

use crate::feed::{Activation, ActivationError, BundleInfo, Source, Status};
use crate::server::error::{request_id, ApiError, Result};
use crate::server::extract::Admin;
use crate::server::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/policies", get(active).put(activate))
        .route("/v1/policies/status", get(status))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyView {
    pub id: String,
    pub version: String,
    pub title: String,
    /// sha256 of the component.
    pub digest: String,
    /// `enforce`, `warn` or `shadow`.
    pub mode: String,
    /// `fail_closed`, `fail_reject` or `fail_open`.
    pub failure_mode: String,
    pub rules: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PolicySetView {
    pub id: String,
    pub digest: String,
    /// `builtin`, `dir:PATH`, `admin` or `feed:URL`.
    pub source: String,
    /// The signed bundle it came in, if any.
    pub bundle: Option<BundleInfo>,
    pub policies: Vec<PolicyView>,
}

/// The active policy set.
#[utoipa::path(get, path = "/v1/policies", tag = "policies",
    responses((status = 200, description = "The active set", body = PolicySetView)))]
pub async fn active(State(state): State<AppState>) -> Json<PolicySetView> {
    let policies = state.service().policies();
    let set = policies.current();
    let status = policies.status();
    // The status is updated just after the swap: use its bundle only if
    // it describes the set read.
    let bundle = (status.active.set_digest == set.digest && status.active.set_id == set.id)
        .then_some(status.active.bundle)
        .flatten();
    let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    Json(PolicySetView {
        id: set.id.clone(),
        digest: set.digest.clone(),
        source: set.source.clone(),
        bundle,
        policies: set
            .policies
            .iter()
            .map(|p| PolicyView {
                id: p.id().to_owned(),
                version: p.loaded.metadata.version.clone(),
                title: p.loaded.metadata.title.clone(),
                digest: p.loaded.digest.clone(),
                mode: text(contract_json::to_value(&p.mode)),
                failure_mode: text(contract_json::to_value(&p.failure)),
                rules: p.loaded.metadata.rules.clone(),
            })
            .collect(),
    })
}

/// The active revision, the last successful load and the last error.
#[utoipa::path(get, path = "/v1/policies/status", tag = "policies",
    responses((status = 200, description = "Activation status", body = Status)))]
pub async fn status(State(state): State<AppState>) -> Json<Status> {
    Json(state.service().policies().status())
}

/// Activate a signed policy bundle (admin).
///
/// The body is a bundle archive (`shelfgate policy sign` writes one). It
/// is verified (signature by a trusted key, validity window, digests),
/// compiled, checked to import only the contract and tested with its own
/// fixtures before the swap; on any failure the active set keeps serving.
#[utoipa::path(put, path = "/v1/policies", tag = "policies",
    request_body(content = Vec<u8>, content_type = "application/json", description = "A bundle archive"),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Activated (or already active)", body = Activation),
        (status = 401, description = "No bearer token", body = ApiError, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin token", body = ApiError, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the bundle limit", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Refused; `reason` says why", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn activate(
    State(state): State<AppState>,
    _admin: Admin,
    body: Bytes,
) -> Result<Json<Activation>> {
    let service = state.service().clone();
    let policies = service.policies().clone();
    let size = body.len();
    let result =
        tokio::task::spawn_blocking(move || policies.activate(&body, &Source::Admin, None))
            .await
            .map_err(|e| ApiError::Internal(format!("activation task: {e}")))?;
    let detail = match &result {
        Ok(a) => {
            json!({"outcome": "activated", "set_id": a.set_id, "set_digest": a.set_digest, "bundle": a.bundle})
        }
        Err(e) => json!({"outcome": "refused", "reason": e.code(), "message": e.to_string()}),
    };
    service
        .audit(AuditEntry {
            at: SystemTime::now(),
            actor: "admin".into(),
            action: "policy.activate".into(),
            target: Some(format!("{size} bytes")),
            detail: json!({"request_id": request_id(), "result": detail}),
        })
        .await?;
    match result {
        Ok(activation) => Ok(Json(activation)),
        Err(e @ (ActivationError::Store(_) | ActivationError::Internal(_))) => {
            Err(ApiError::Internal(e.to_string()))
        }
        Err(e) => Err(ApiError::BundleRejected {
            reason: e.code(),
            message: e.to_string(),
        }),
    }
}
