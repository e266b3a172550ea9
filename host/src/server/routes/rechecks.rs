//! `POST /v1/rechecks`, `GET /v1/rechecks/{id}` and its results: rechecks
//! of the stored catalogue, run in the background.
//!
//! The run's progress lives in the store (committed with each batch), so
//! `GET` answers the same figures the CLI's progress bar shows, from any
//! instance, and a run left by a stopped server can be resumed. One run
//! against the active set at a time: two would race on the same verdicts.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shelfgate_store::{RecheckRun, RecheckStatus, Store};
use tracing::{info, warn};
use utoipa::{IntoParams, ToSchema};

use crate::cases::Lifecycle;
use crate::clock::{rfc3339, Clock};
use crate::recheck::diff::{line, parse_change, DiffLine};
use crate::recheck::{
    candidate, parse_scope, scope_text, Discard, Progress, RecheckRequest, Rechecker,
    RecheckerOptions,
};
use crate::server::error::{ApiError, Result};
use crate::server::extract::Admin;
use crate::server::AppState;

/// Results per page at most.
const MAX_PAGE: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/rechecks", post(start))
        .route("/v1/rechecks/{id}", get(run))
        .route("/v1/rechecks/{id}/results", get(results))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRecheck {
    /// `all`, `listed`, `shelved`, `removed`, `package:NAME`, `sdk:ID`,
    /// `category:NAME`.
    #[serde(default = "all")]
    pub scope: String,
    #[serde(default)]
    pub full: bool,
    /// A signed bundle archive to run in shadow instead of the active set.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub candidate: Option<Value>,
}

fn all() -> String {
    "all".into()
}

/// A run as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub id: String,
    pub scope: String,
    pub policy_set_id: String,
    pub policy_set_digest: String,
    pub candidate: bool,
    pub full: bool,
    /// `running`, `done`, `failed`, `cancelled`.
    #[schema(value_type = String)]
    pub status: &'static str,
    /// Apps done and to do, rate and estimated time left.
    #[schema(value_type = Object)]
    pub progress: Progress,
    pub unchanged: u64,
    pub newly_rejected: u64,
    pub newly_rectify: u64,
    pub newly_passing: u64,
    pub started_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

impl RunView {
    fn of(run: &RecheckRun) -> RunView {
        RunView {
            id: run.id.clone(),
            scope: scope_text(&run.scope),
            policy_set_id: run.policy_set_id.clone(),
            policy_set_digest: run.policy_set_digest.clone(),
            candidate: run.candidate,
            full: run.full,
            status: match run.status {
                RecheckStatus::Running => "running",
                RecheckStatus::Done => "done",
                RecheckStatus::Failed => "failed",
                RecheckStatus::Cancelled => "cancelled",
            },
            progress: Progress::of(run),
            unchanged: run.counts.unchanged,
            newly_rejected: run.counts.newly_rejected,
            newly_rectify: run.counts.newly_rectify,
            newly_passing: run.counts.newly_passing,
            started_at: rfc3339(run.started_at),
            updated_at: rfc3339(run.updated_at),
            finished_at: run.finished_at.map(rfc3339),
        }
    }
}

/// Recheck the stored catalogue (admin): against the active set, or a
/// candidate bundle in shadow. Runs in the background; poll `Location`.
#[utoipa::path(post, path = "/v1/rechecks", tag = "rechecks",
    request_body = StartRecheck,
    security(("admin_token" = [])),
    responses(
        (status = 202, description = "Started; poll the run at `Location`", body = RunView),
        (status = 400, description = "Invalid scope or candidate", body = ApiError, content_type = "application/problem+json"),
        (status = 401, description = "No bearer token", body = ApiError, content_type = "application/problem+json"),
        (status = 403, description = "Not the admin token", body = ApiError, content_type = "application/problem+json"),
        (status = 409, description = "A recheck against the active set is already running", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn start(
    State(state): State<AppState>,
    _admin: Admin,
    Json(body): Json<StartRecheck>,
) -> Result<Response> {
    let scope = parse_scope(&body.scope).map_err(|detail| ApiError::BadRequest {
        code: "invalid_parameter",
        detail,
    })?;
    let service = state.service().clone();
    let run = tokio::task::spawn_blocking(move || -> Result<RecheckRun> {
        let store = service.store().clone();
        let engine = service.evaluator().engine().clone();
        let set = match &body.candidate {
            Some(archive) => {
                let bytes =
                    serde_json::to_vec(archive).map_err(|e| ApiError::Internal(e.to_string()))?;
                Arc::new(
                    candidate::from_bundle(
                        &engine,
                        &bytes,
                        &service.config().trusted_keys,
                        &service.config().bundle_limits,
                        SystemTime::now(),
                        "candidate:api",
                    )
                    .map_err(|e| ApiError::BadRequest {
                        code: "invalid_candidate",
                        detail: e.to_string(),
                    })?,
                )
            }
            None => service.policies().current(),
        };
        let running = store.recheck_runs(Some(RecheckStatus::Running), 16)?;
        if body.candidate.is_none() && running.iter().any(|r| !r.candidate) {
            return Err(ApiError::Conflict(
                "a recheck against the active set is already running".into(),
            ));
        }
        // The service's clock and case rules: a submission and a recheck
        // open cases with the same deadlines.
        let clock: Arc<dyn Clock> = service.clock().clone();
        let lifecycle =
            Lifecycle::new(store.clone(), clock.clone(), service.config().cases.clone())
                .map_err(|e| ApiError::Internal(e.to_string()))?;
        let rechecker = Rechecker::new(
            store,
            engine,
            service.config().platform.clone(),
            clock,
            lifecycle,
            RecheckerOptions::default(),
        )
        .map_err(|e| ApiError::Internal(e.to_string()))?;
        let run = rechecker
            .start(
                &RecheckRequest {
                    scope,
                    candidate: body.candidate.is_some(),
                    full: body.full,
                },
                &set,
            )
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let id = run.id.clone();
        // Its own thread: a recheck is minutes of CPU, not a request.
        std::thread::Builder::new()
            .name("shelfgate-recheck".into())
            .spawn(move || match rechecker.run(&id, &set, &mut Discard) {
                Ok(summary) => {
                    if !summary.run.candidate {
                        if let Err(e) = rechecker.lifecycle().sweep() {
                            warn!(run = %id, error = %e, "the case sweep after a recheck failed");
                        }
                    }
                    info!(run = %id, done = summary.run.counts.done, "recheck finished");
                }
                Err(e) => warn!(run = %id, error = %e, "recheck failed"),
            })
            .map_err(|e| ApiError::Internal(format!("starting the recheck: {e}")))?;
        Ok(run)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let location = format!("/v1/rechecks/{}", run.id);
    let mut response = (StatusCode::ACCEPTED, Json(RunView::of(&run))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// A recheck run and its progress.
#[utoipa::path(get, path = "/v1/rechecks/{id}", tag = "rechecks",
    params(("id" = String, Path, description = "The run id from `Location`")),
    responses(
        (status = 200, description = "The run", body = RunView),
        (status = 404, description = "No such run", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn run(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<RunView>> {
    let store = state.service().store().clone();
    let found = tokio::task::spawn_blocking(move || store.recheck_run(&id).map(|r| (id, r)))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    match found {
        (_, Some(run)) => Ok(Json(RunView::of(&run))),
        (id, None) => Err(ApiError::NotFound(format!("recheck run `{id}`"))),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResultsQuery {
    /// `newly_rejected`, `newly_rectify`, `newly_passing` or `unchanged`.
    pub change: Option<String>,
    /// Results after this package.
    pub after: Option<String>,
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsPage {
    /// One diff line per app: previous and new decision, rules raised and
    /// resolved.
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<DiffLine>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<String>,
}

/// The results of a run, one per app in package order, optionally of
/// one kind of change.
#[utoipa::path(get, path = "/v1/rechecks/{id}/results", tag = "rechecks",
    params(("id" = String, Path, description = "The run id"), ResultsQuery),
    responses(
        (status = 200, description = "A page of results", body = ResultsPage),
        (status = 400, description = "Invalid `change`", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such run", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn results(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ResultsQuery>,
) -> Result<Json<ResultsPage>> {
    let change = match q.change.as_deref() {
        Some(c) => Some(parse_change(c).ok_or_else(|| ApiError::BadRequest {
            code: "invalid_parameter",
            detail: format!(
                "change `{c}` is none of newly_rejected, newly_rectify, newly_passing, unchanged"
            ),
        })?),
        None => None,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let store: Arc<dyn Store> = state.service().store().clone();
    tokio::task::spawn_blocking(move || {
        if store.recheck_run(&id)?.is_none() {
            return Err(ApiError::NotFound(format!("recheck run `{id}`")));
        }
        let entries = store.recheck_results(&id, q.after.as_deref(), limit, change)?;
        let next_after = (entries.len() == limit)
            .then(|| entries.last().map(|e| e.package.clone()))
            .flatten();
        let results = entries
            .iter()
            .map(|e| line(store.as_ref(), e).map_err(|e| ApiError::Internal(e.to_string())))
            .collect::<Result<Vec<_>>>()?;
        Ok(Json(ResultsPage {
            results,
            next_after,
        }))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}
