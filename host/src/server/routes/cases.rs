//! `GET /v1/cases`: the rectification cases by state (the public notice
//! list is `?state=notified`).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::cases::{case_json, parse_state};
use crate::server::error::{ApiError, Result};
use crate::server::AppState;

/// Cases per page at most.
const MAX_PAGE: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/cases", get(cases))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CasesQuery {
    /// `rectify`, `notified`, `removed` or `closed`.
    pub state: Option<String>,
    /// Cases after this id.
    pub after: Option<i64>,
    pub limit: Option<usize>,
    /// Include each case's transitions.
    #[serde(default)]
    pub history: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasesPage {
    /// Each case: id, package, state, deadlines, times, and with
    /// `history` its transitions.
    #[schema(value_type = Vec<Object>)]
    pub cases: Vec<Value>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// Rectification cases, by id; `?state=notified` is the public notice
/// list.
#[utoipa::path(get, path = "/v1/cases", tag = "cases",
    params(CasesQuery),
    responses(
        (status = 200, description = "A page of cases", body = CasesPage),
        (status = 400, description = "Invalid `state`", body = ApiError, content_type = "application/problem+json"),
    )
)]
pub async fn cases(
    State(state): State<AppState>,
    Query(q): Query<CasesQuery>,
) -> Result<Json<CasesPage>> {
    let wanted = match q.state.as_deref() {
        Some(s) => Some(parse_state(s).ok_or_else(|| ApiError::BadRequest {
            code: "invalid_parameter",
            detail: format!("state `{s}` is none of rectify, notified, removed, closed"),
        })?),
        None => None,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, MAX_PAGE);
    let store = state.service().store().clone();
    tokio::task::spawn_blocking(move || {
        let page = store.cases(wanted, q.after, limit)?;
        let next_after = (page.len() == limit)
            .then(|| page.last().map(|c| c.id))
            .flatten();
        let cases = page
            .iter()
            .map(|c| case_json(store.as_ref(), c, q.history))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Json(CasesPage { cases, next_after }))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}
