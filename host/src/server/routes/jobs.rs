//! `GET /v1/jobs/{id}`: an asynchronous check or submission.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::server::error::{ApiError, Result};
use crate::server::jobs::JobView;
use crate::server::{AppState, POLL_AFTER};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/jobs/{id}", get(job))
}

/// A job: pending (poll again after `Retry-After`), done with the result,
/// or failed with its problem document.
#[utoipa::path(get, path = "/v1/jobs/{id}", tag = "checks",
    params(("id" = String, Path, description = "The job id from `Location`")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 404, description = "Unknown or expired job", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn job(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response> {
    let view = state
        .jobs()
        .get(&id)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .ok_or_else(|| ApiError::NotFound(format!("job `{id}`")))?;
    let pending = view.status == "pending";
    let mut response = Json(view).into_response();
    if pending {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(POLL_AFTER.as_secs()));
    }
    Ok(response)
}
