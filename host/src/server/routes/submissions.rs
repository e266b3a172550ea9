//! `POST /v1/submissions` and `GET /v1/submissions/{id}`: checks that are
//! kept, with facts, listing, verdict and the app's new state.
//!
//! An `Idempotency-Key` makes a retried submission safe: the response is
//! saved in the same transaction as the submission, and the same key with
//! the same APK and listing gets it again, byte for byte; with other
//! inputs, a 422.

use std::time::SystemTime;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use shelfgate_contract::json;
use shelfgate_contract::types::Decision;
use shelfgate_store::{IdempotentResponse, StoreError};
use utoipa::{IntoParams, ToSchema};

use super::{accept_async, json_response, wants_async};
use crate::engine::hex;
use crate::feed::rfc3339;
use crate::server::error::{ApiError, Result};
use crate::server::extract::{self, UploadForm};
use crate::server::AppState;
use crate::service::{NewRecord, ServiceError};

pub fn upload_router() -> Router<AppState> {
    Router::new().route("/v1/submissions", post(submit))
}

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/submissions/{id}", get(submission))
}

/// A stored submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionView {
    pub id: String,
    pub package: String,
    /// The app's state after this submission: `listed` or `shelved`.
    pub status: Option<String>,
    pub received_at: String,
    /// Position in the package's verdict history.
    pub verdict_seq: Option<i64>,
    /// Answered from the stored verdict of identical inputs.
    pub cached: Option<bool>,
    /// The verdict, as `POST /v1/checks` returns it.
    #[schema(value_type = Object)]
    pub verdict: Value,
    /// With `?include=facts`.
    #[schema(value_type = Option<Object>)]
    pub facts: Option<Value>,
    /// With `?include=listing`: the listing as received.
    #[schema(value_type = Option<Object>)]
    pub listing: Option<Value>,
    /// The package's state and verdict history.
    pub app_url: String,
}

/// Submit an APK and its listing: checked as `POST /v1/checks`, then the
/// facts, listing, submission, verdict and app state are stored.
#[utoipa::path(
    post,
    path = "/v1/submissions",
    tag = "submissions",
    params(
        ("idempotency-key" = Option<String>, Header, description = "Makes a retry safe: the same key and inputs get the first response again"),
        ("prefer" = Option<String>, Header, description = "`respond-async`: answer 202 with a job to poll"),
    ),
    responses(
        (status = 201, description = "Stored; `Location` names the submission", body = SubmissionView),
        (status = 202, description = "Accepted: poll the job at `Location`", body = crate::server::jobs::JobView),
        (status = 400, description = "Malformed APK or multipart body", body = ApiError, content_type = "application/problem+json"),
        (status = 413, description = "The upload is too large", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Invalid listing, or an idempotency key reused for other inputs", body = ApiError, content_type = "application/problem+json"),
        (status = 503, description = "Overloaded; retry after `Retry-After` seconds", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    let _in_flight = state.service().metrics().in_flight();
    let key = idempotency_key(&headers)?;
    let form = extract::upload(&state, &headers, multipart).await?;
    let fingerprint = fingerprint(&form);
    if let Some(key) = &key {
        if let Some(saved) = saved_response(&state, key, &fingerprint).await? {
            return Ok(replay(saved));
        }
    }
    if wants_async(&state, &headers, &form) {
        return accept_async(&state, "submission", form, key).await;
    }
    let (status, body) = run(&state, &form, key, fingerprint).await?;
    let mut response = json_response(status, body.clone());
    let id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned));
    if let Some(Ok(v)) = id.map(|id| HeaderValue::from_str(&format!("/v1/submissions/{id}"))) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// Evaluates and records; returns the status and body saved for replays.
pub(crate) async fn run(
    state: &AppState,
    form: &UploadForm,
    key: Option<String>,
    fingerprint: String,
) -> Result<(StatusCode, Vec<u8>)> {
    let service = state.service();
    let evaluated = service.evaluate(&form.apk, &form.listing).await?;
    let id = format!("sub_{}", uuid::Uuid::new_v4().simple());
    let received_at = SystemTime::now();
    let view = SubmissionView {
        id: id.clone(),
        package: evaluated.package.clone(),
        status: Some(
            if evaluated.verdict.decision == Decision::Reject {
                "shelved"
            } else {
                "listed"
            }
            .into(),
        ),
        received_at: rfc3339(received_at),
        verdict_seq: None,
        cached: Some(evaluated.cached),
        verdict: json::to_value(&evaluated.verdict),
        facts: None,
        listing: None,
        app_url: format!("/v1/apps/{}", evaluated.package),
    };
    let body = serde_json::to_vec_pretty(&view).map_err(|e| ApiError::Internal(e.to_string()))?;
    let idempotency = key.as_ref().map(|key| IdempotentResponse {
        key: key.clone(),
        fingerprint: fingerprint.clone(),
        status: StatusCode::CREATED.as_u16(),
        content_type: "application/json".into(),
        body: body.clone(),
        created_at: received_at,
    });
    let recorded = service
        .record(NewRecord {
            id: &id,
            apk: &form.apk,
            listing: &form.listing,
            evaluated: &evaluated,
            received_at,
            idempotency,
        })
        .await;
    match recorded {
        Ok((_, case)) => {
            if let Some(case) = case {
                tracing::info!(package = %case.package, case = case.id, state = crate::cases::state_name(case.state), "the submission moved its case");
            }
            service
                .metrics()
                .verdict("submission", &evaluated.verdict, evaluated.cached);
            Ok((StatusCode::CREATED, body))
        }
        // A concurrent retry with the same key was recorded first.
        Err(ServiceError::Store(StoreError::Conflict(_))) if key.is_some() => {
            let key = key.unwrap_or_default();
            match saved_response(state, &key, &fingerprint).await? {
                Some(saved) => Ok((
                    StatusCode::from_u16(saved.status).unwrap_or(StatusCode::CREATED),
                    saved.body,
                )),
                None => Err(ApiError::Internal(format!(
                    "idempotency key `{key}` conflicted but has no saved response"
                ))),
            }
        }
        Err(e) => Err(e.into()),
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| ApiError::BadRequest {
            code: "invalid_idempotency_key",
            detail: "`Idempotency-Key` must be 1 to 255 visible ASCII characters".into(),
        })?;
    Ok(Some(key.to_owned()))
}

/// What makes two requests the same for an idempotency key.
pub(crate) fn fingerprint(form: &UploadForm) -> String {
    let mut h = Sha256::new();
    h.update(b"submission\0");
    h.update(form.apk.sha256.as_bytes());
    h.update([0]);
    h.update(form.listing.sha256.as_bytes());
    hex(&h.finalize())
}

async fn saved_response(
    state: &AppState,
    key: &str,
    fingerprint: &str,
) -> Result<Option<IdempotentResponse>> {
    match state.service().idempotent_response(key, fingerprint).await {
        Ok(saved) => Ok(saved),
        Err(ServiceError::Store(StoreError::Conflict(detail))) => {
            Err(ApiError::IdempotencyKeyReused(detail))
        }
        Err(e) => Err(e.into()),
    }
}

fn replay(saved: IdempotentResponse) -> Response {
    let status = StatusCode::from_u16(saved.status).unwrap_or(StatusCode::OK);
    let mut response = (status, saved.body).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&saved.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct Include {
    /// Comma-separated: `facts`, `listing`.
    pub include: Option<String>,
}

/// A stored submission and its verdict.
#[utoipa::path(
    get,
    path = "/v1/submissions/{id}",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission id"), Include),
    responses(
        (status = 200, description = "The submission", body = SubmissionView),
        (status = 404, description = "No such submission", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn submission(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(include): Query<Include>,
) -> Result<Json<SubmissionView>> {
    let service = state.service();
    let record = service
        .submission(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("submission `{id}`")))?;
    let wanted = |what: &str| {
        include
            .include
            .as_deref()
            .is_some_and(|list| list.split(',').any(|i| i.trim() == what))
    };
    let entry = &record.verdict;
    let verdict = entry.verdict.decode().map_err(StoreError::from)?;
    let facts = if wanted("facts") {
        service
            .facts(&entry.apk_sha256)
            .await?
            .map(|f| json::to_value(&f))
    } else {
        None
    };
    let listing = if wanted("listing") {
        service
            .listing(&entry.listing_sha256)
            .await?
            .map(|l| json::to_value(&l))
    } else {
        None
    };
    Ok(Json(SubmissionView {
        app_url: format!("/v1/apps/{}", record.package),
        id: record.id,
        package: record.package,
        status: None,
        received_at: rfc3339(record.received_at),
        verdict_seq: Some(entry.seq),
        cached: None,
        verdict: json::to_value(&verdict),
        facts,
        listing,
    }))
}
