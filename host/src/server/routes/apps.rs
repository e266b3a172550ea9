//! `GET /v1/apps/{package}`: an app's state and its verdict history.

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shelfgate_contract::json;
use shelfgate_store::{AppStatus, StoreError, VerdictEntry, VerdictOrigin};
use utoipa::{IntoParams, ToSchema};

use crate::feed::rfc3339;
use crate::server::error::{ApiError, Result};
use crate::server::AppState;

/// History entries per page at most.
const MAX_PAGE: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/apps/{package}", get(app))
}

/// One verdict of a package's history (the full verdict is in its
/// submission, or the app's `verdict` for the latest).
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub seq: i64,
    /// `submission` or `recheck`.
    pub origin: String,
    /// The submission id or recheck run id.
    pub origin_id: String,
    pub decision: String,
    pub policy_set_id: String,
    pub policy_set_digest: String,
    pub apk_sha256: String,
    pub listing_sha256: String,
    pub recorded_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppView {
    pub package: String,
    /// `listed`, `shelved` or `removed`.
    pub status: String,
    pub submission_id: String,
    pub category: Option<String>,
    pub sdk_ids: Vec<String>,
    pub updated_at: String,
    /// The latest verdict in full.
    #[schema(value_type = Object)]
    pub verdict: Value,
    /// Oldest first, from just after `after`.
    pub history: Vec<HistoryEntry>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct Page {
    /// Return history entries after this `seq`.
    pub after: Option<i64>,
    /// Entries per page (default 100, at most 1000).
    pub limit: Option<usize>,
}

/// An app's current state, latest verdict and verdict history.
#[utoipa::path(
    get,
    path = "/v1/apps/{package}",
    tag = "submissions",
    params(("package" = String, Path, description = "The Android package name"), Page),
    responses(
        (status = 200, description = "The app", body = AppView),
        (status = 404, description = "No submission for this package", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn app(
    State(state): State<AppState>,
    Path(package): Path<String>,
    Query(page): Query<Page>,
) -> Result<Json<AppView>> {
    let limit = page.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let (app, history) = state
        .service()
        .app(&package, page.after, limit.saturating_add(1))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("app `{package}`")))?;
    let more = history.len() > limit;
    let history: Vec<HistoryEntry> = history.iter().take(limit).map(entry).collect();
    let next_after = if more {
        history.last().map(|e| e.seq)
    } else {
        None
    };
    let verdict = app.verdict.verdict.decode().map_err(StoreError::from)?;
    Ok(Json(AppView {
        package: app.package,
        status: status_name(app.status).into(),
        submission_id: app.submission_id,
        category: app.category,
        sdk_ids: app.sdk_ids,
        updated_at: rfc3339(app.updated_at),
        verdict: json::to_value(&verdict),
        history,
        next_after,
    }))
}

fn entry(e: &VerdictEntry) -> HistoryEntry {
    let (origin, origin_id) = match &e.origin {
        VerdictOrigin::Submission(id) => ("submission", id.clone()),
        VerdictOrigin::Recheck(id) => ("recheck", id.clone()),
    };
    HistoryEntry {
        seq: e.seq,
        origin: origin.into(),
        origin_id,
        decision: json::to_value(&e.decision)
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        policy_set_id: e.policy_set_id.clone(),
        policy_set_digest: e.policy_set_digest.clone(),
        apk_sha256: e.apk_sha256.clone(),
        listing_sha256: e.listing_sha256.clone(),
        recorded_at: rfc3339(e.recorded_at),
    }
}

fn status_name(s: AppStatus) -> &'static str {
    match s {
        AppStatus::Listed => "listed",
        AppStatus::Shelved => "shelved",
        AppStatus::Removed => "removed",
    }
}
