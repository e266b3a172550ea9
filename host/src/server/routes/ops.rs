//! Operations: liveness, readiness, metrics and the OpenAPI document.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::server::{openapi, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(document))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, `ready` or `unavailable`.
    pub status: String,
    /// The active policy set (readiness only).
    pub policy_set: Option<String>,
    /// Why the service is ready but not as configured: e.g. the active
    /// bundle expired and the built-in pack serves in its place.
    pub degraded: Option<String>,
}

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Alive", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        policy_set: None,
        degraded: None,
    })
}

/// Ready for uploads: a policy set is active and the store answers. An
/// expired bundle replaced by the built-in pack leaves the service ready
/// (every instance would expire at once; taking them all out of rotation
/// would stop uploads) but `degraded` says so.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "Not ready", body = Health),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let service = state.service();
    let set = service.policies().current();
    let ready = !set.policies.is_empty() && service.ready().await;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let degraded = service.policies().status().expired.map(|e| {
        format!(
            "policy set `{}` expired at {}; `{}` serves until a valid bundle is activated",
            e.set_id, e.expires_at, e.serving
        )
    });
    let body = Health {
        status: if ready { "ready" } else { "unavailable" }.into(),
        policy_set: Some(set.id.clone()),
        degraded,
    };
    (status, Json(body)).into_response()
}

/// Prometheus metrics, all named `shelfgate_*`.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = state.service().metrics().render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn document() -> Json<serde_json::Value> {
    Json(openapi::document().clone())
}
