//! `POST /v1/checks`: a verdict for an APK and its listing, nothing stored
//! but the audit log.

use std::borrow::Cow;
use std::time::Duration;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use shelfgate_contract::json;
use shelfgate_contract::types::Verdict;
use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::openapi::RefOr;

use super::{accept_async, json_response, wants_async};
use crate::metrics::Stage;
use crate::server::error::{request_id, ApiError, Result};
use crate::server::extract::{self, UploadForm};
use crate::server::AppState;
use crate::service::Evaluated;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/checks", post(check))
}

/// Check an APK and its listing.
///
/// The body is `multipart/form-data` with the fields `apk` (the APK file)
/// and `listing` (JSON, schema `shelfgate.listing/1`), and optionally
/// `callback_url`. The answer is the verdict exactly as
/// `shelfgate check --format json` prints it; the headers
/// `shelfgate-decision`, `shelfgate-policy-set` and `shelfgate-cache`
/// summarise it, and `server-timing` gives the inspection and evaluation
/// times. Identical inputs judged by the same set today are answered
/// from the stored verdict.
#[utoipa::path(
    post,
    path = "/v1/checks",
    tag = "checks",
    params(("prefer" = Option<String>, Header, description = "`respond-async`: answer 202 with a job to poll")),
    responses(
        (status = 200, description = "The verdict", body = VerdictJson),
        (status = 202, description = "Accepted: poll the job at `Location`", body = crate::server::jobs::JobView),
        (status = 400, description = "Malformed APK or multipart body", body = ApiError, content_type = "application/problem+json"),
        (status = 408, description = "The upload was not received in time", body = ApiError, content_type = "application/problem+json"),
        (status = 413, description = "The upload is too large", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "The listing is invalid; `problems` lists every problem with its JSON path", body = ApiError, content_type = "application/problem+json"),
        (status = 503, description = "Overloaded; retry after `Retry-After` seconds", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn check(
    State(state): State<AppState>,
    headers: HeaderMap,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<Response> {
    let _in_flight = state.service().metrics().in_flight();
    let form = extract::upload(&state, &headers, multipart).await?;
    if wants_async(&state, &headers, &form) {
        return accept_async(&state, "check", form, None).await;
    }
    let evaluated = run(&state, &form).await?;
    Ok(VerdictJson::from(evaluated).into_response())
}

/// The verdict, once its audit entry is written: a check the log does
/// not show is never answered.
pub(crate) async fn run(state: &AppState, form: &UploadForm) -> Result<Evaluated> {
    let service = state.service();
    let evaluated = service.evaluate(&form.apk, &form.listing).await?;
    service
        .audit_check(&request_id().unwrap_or_default(), &evaluated)
        .await?;
    service
        .metrics()
        .verdict("check", &evaluated.verdict, evaluated.cached);
    Ok(evaluated)
}

/// A verdict response: the contract's JSON form, pretty-printed as the CLI
/// prints it, with summary headers.
pub struct VerdictJson {
    verdict: Verdict,
    cached: bool,
    work: Vec<(Stage, Duration)>,
}

impl From<Evaluated> for VerdictJson {
    fn from(e: Evaluated) -> VerdictJson {
        VerdictJson {
            verdict: e.verdict,
            cached: e.cached,
            work: e.work,
        }
    }
}

impl IntoResponse for VerdictJson {
    fn into_response(self) -> Response {
        let mut response = json_response(StatusCode::OK, json::to_string_pretty(&self.verdict));
        let headers = response.headers_mut();
        let decision = json::to_value(&self.verdict.decision);
        if let Some(Ok(v)) = decision.as_str().map(HeaderValue::from_str) {
            headers.insert("shelfgate-decision", v);
        }
        if let Ok(v) = HeaderValue::from_str(&self.verdict.policy_set_id) {
            headers.insert("shelfgate-policy-set", v);
        }
        // Server-Timing (W3C): inspection and evaluation themselves, so a
        // client can tell them from the service's own overhead.
        let timing: Vec<String> = self
            .work
            .iter()
            .map(|(stage, took)| format!("{};dur={:.3}", stage.name(), took.as_secs_f64() * 1e3))
            .collect();
        if let Ok(v) = HeaderValue::from_str(&timing.join(", ")) {
            if !timing.is_empty() {
                headers.insert("server-timing", v);
            }
        }
        headers.insert(
            "shelfgate-cache",
            HeaderValue::from_static(if self.cached { "hit" } else { "miss" }),
        );
        response
    }
}

/// Named `Verdict` in the OpenAPI document, where the contract's JSON
/// Schema replaces this placeholder (see `server::openapi`).
impl utoipa::PartialSchema for VerdictJson {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new().into()
    }
}

impl utoipa::ToSchema for VerdictJson {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Verdict")
    }
}
