//! One module per resource, each with its `router()`.

pub mod apps;
pub mod cases;
pub mod checks;
pub mod jobs;
pub mod ops;
pub mod policies;
pub mod rechecks;
pub mod submissions;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use reqwest::Url;
use serde_json::Value;
use tracing::{info_span, Instrument as _};

use super::error::{request_id, with_request_id, ApiError, Result};
use super::extract::UploadForm;
use super::jobs::{JobError, JobRequest};
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

/// What an upload asks for: the same work whether it is answered now or
/// by a job, and again when a restart resumes the job.
pub(crate) async fn run_work(
    state: &AppState,
    kind: &str,
    form: &UploadForm,
    key: Option<String>,
) -> Result<Value> {
    match kind {
        "check" => {
            let evaluated = checks::run(state, form).await?;
            Ok(shelfgate_contract::json::to_value(&evaluated.verdict))
        }
        "submission" => {
            let fingerprint = submissions::fingerprint(form);
            let (_, body) = submissions::run(state, form, key, fingerprint).await?;
            serde_json::from_slice(&body).map_err(|e| ApiError::Internal(e.to_string()))
        }
        other => Err(ApiError::Internal(format!("unknown job kind `{other}`"))),
    }
}

/// Records the upload as a durable job, runs it in the background and
/// answers 202 with its location.
async fn accept_async(
    state: &AppState,
    kind: &str,
    form: UploadForm,
    key: Option<String>,
) -> Result<Response> {
    let UploadForm {
        apk,
        listing,
        callback_url,
    } = form;
    let created = state
        .jobs()
        .create(
            JobRequest {
                kind,
                listing: &listing.bytes,
                callback_url: callback_url.as_ref(),
                idempotency_key: key.as_deref(),
            },
            apk,
        )
        .await;
    let (job, apk) = match created {
        Ok(created) => created,
        Err(JobError::Full) => {
            state.service().metrics().shed("job_limit");
            return Err(ApiError::Overloaded {
                reason: "too many asynchronous jobs pending",
            });
        }
        Err(e) => return Err(ApiError::Internal(e.to_string())),
    };
    let form = UploadForm {
        apk,
        listing,
        callback_url: None,
    };
    spawn_job(
        state,
        job.id.clone(),
        kind.to_owned(),
        form,
        key,
        callback_url,
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

/// Runs a recorded job to its end, then delivers its callback.
pub(crate) fn spawn_job(
    state: &AppState,
    id: String,
    kind: String,
    form: UploadForm,
    key: Option<String>,
    callback: Option<Url>,
) {
    let state = state.clone();
    let rid = request_id().unwrap_or_else(|| id.clone());
    let span = info_span!("job", job = %id, request_id = %rid);
    tokio::spawn(
        with_request_id(rid, async move {
            let outcome = run_work(&state, &kind, &form, key).await.map_err(|e| {
                // Logs an internal cause, as a response would.
                let problem = e.problem();
                drop(e.into_response());
                problem
            });
            // The kept upload is removed once the outcome is known.
            drop(form);
            let jobs = state.jobs();
            if let Some(view) = jobs.finish(&id, outcome).await {
                if let Some(url) = callback {
                    jobs.deliver(url, view).await;
                }
            }
        })
        .instrument(span),
    );
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
