//! One module per resource, each with its `router()`.

pub mod apps;
pub mod cases;
pub mod checks;
pub mod jobs;
pub mod ops;
pub mod policies;
pub mod rechecks;
pub mod submissions;

use std::future::Future;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use reqwest::Url;
use serde_json::Value;
use tracing::{info_span, Instrument as _};

use super::error::{request_id, with_request_id, ApiError, Result};
use super::extract::UploadForm;
use super::{AppState, POLL_AFTER};

/// Whether an upload is answered with a job rather than a verdict: the
/// client asked (`Prefer: respond-async`, RFC 7240, or a callback), or the
/// APK is above the configured size.
fn wants_async(state: &AppState, headers: &HeaderMap, form: &UploadForm) -> bool {
    let prefer = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("respond-async"));
    prefer
        || form.callback_url.is_some()
        || state.http().async_above.is_some_and(|n| form.apk.size > n)
}

/// Runs `work` as a background job and answers 202 with its location.
fn accept_async<F>(state: &AppState, kind: &str, callback: Option<Url>, work: F) -> Result<Response>
where
    F: Future<Output = Result<Value>> + Send + 'static,
{
    let job = state.jobs().create(kind).ok_or_else(|| {
        state.service().metrics().shed("job_limit");
        ApiError::Overloaded {
            reason: "too many asynchronous jobs pending",
        }
    })?;
    let jobs = state.jobs().clone();
    let id = job.id.clone();
    let rid = request_id().unwrap_or_default();
    let span = info_span!("job", job = %id, request_id = %rid);
    tokio::spawn(
        with_request_id(rid, async move {
            let outcome = work.await.map_err(|e| {
                // Logs an internal cause, as a response would.
                let problem = e.problem();
                drop(e.into_response());
                problem
            });
            if let Some(view) = jobs.finish(&id, outcome) {
                if let Some(url) = callback {
                    jobs.deliver(url, view).await;
                }
            }
        })
        .instrument(span),
    );
    let location = format!("/v1/jobs/{}", job.id);
    let mut response = (StatusCode::ACCEPTED, axum::Json(job)).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, v);
    }
    headers.insert(header::RETRY_AFTER, HeaderValue::from(POLL_AFTER.as_secs()));
    Ok(response)
}

/// A JSON body as bytes already rendered.
fn json_response(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    let mut response = (status, body.into()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
