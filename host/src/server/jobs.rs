//! Asynchronous checks: a job to poll, and an optional callback.
//!
//! A large APK (or a request with `Prefer: respond-async` or a
//! `callback_url`) is answered `202 Accepted` with `Location:
//! /v1/jobs/{id}` once the upload is on disk; inspection and evaluation
//! then run in the background. The job ends with the body the synchronous
//! call would have returned, or its problem document. With a
//! `callback_url`, the finished job is also POSTed there, retried with
//! exponential backoff until the receiver answers 2xx.
//!
//! Jobs live in memory: a restart forgets pending jobs (their uploads are
//! gone too); a submission's verdict is in the store regardless. Finished
//! jobs are kept for [`KEEP_FINISHED`], and at most `max_jobs` are pending.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::Url;
use serde::Serialize;
use serde_json::Value;
use tracing::{info, warn};
use utoipa::ToSchema;

use crate::feed::rfc3339;
use crate::metrics::Metrics;

/// How long a finished job can still be polled.
pub const KEEP_FINISHED: Duration = Duration::from_secs(3600);
/// Finished jobs kept at most, oldest forgotten first.
const MAX_FINISHED: usize = 10_000;

/// Where verdict callbacks may go, and how hard to try.
#[derive(Debug, Clone)]
pub struct CallbackPolicy {
    /// URL prefixes a callback must start with; empty allows any http(s) URL.
    pub allow: Vec<String>,
    pub attempts: u32,
    pub first_backoff: Duration,
    pub timeout: Duration,
}

impl Default for CallbackPolicy {
    fn default() -> Self {
        CallbackPolicy {
            allow: Vec::new(),
            attempts: 6,
            first_backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}

impl CallbackPolicy {
    /// The URL, if it is one callbacks may go to.
    pub fn check(&self, text: &str) -> Result<Url, String> {
        let url = Url::parse(text).map_err(|e| format!("`callback_url` is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("`callback_url` must be an http or https URL".into());
        }
        if !self.allow.is_empty() && !self.allow.iter().any(|p| url.as_str().starts_with(p)) {
            return Err("`callback_url` is not under an allowed prefix".into());
        }
        Ok(url)
    }
}

/// A job as `GET /v1/jobs/{id}` and callbacks show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    /// `check` or `submission`.
    pub kind: String,
    /// `pending`, `done` or `failed`.
    pub status: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// When done: the body the synchronous call returns (a verdict for a
    /// check, a submission for a submission).
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    /// When failed: the problem document.
    #[schema(value_type = Option<Object>)]
    pub problem: Option<Value>,
}

struct Job {
    view: JobView,
    finished: Option<Instant>,
}

pub struct Jobs {
    jobs: Mutex<HashMap<String, Job>>,
    max_pending: usize,
    client: reqwest::Client,
    callbacks: CallbackPolicy,
    metrics: Arc<Metrics>,
}

impl Jobs {
    pub fn new(
        max_pending: usize,
        callbacks: CallbackPolicy,
        metrics: Arc<Metrics>,
    ) -> reqwest::Result<Jobs> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("shelfgate/", env!("CARGO_PKG_VERSION")))
            .timeout(callbacks.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Jobs {
            jobs: Mutex::new(HashMap::new()),
            max_pending,
            client,
            callbacks,
            metrics,
        })
    }

    /// A new pending job, or `None` when too many are pending.
    pub fn create(&self, kind: &str) -> Option<JobView> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        forget_old(&mut jobs);
        let pending = jobs.values().filter(|j| j.finished.is_none()).count();
        if pending >= self.max_pending {
            return None;
        }
        let view = JobView {
            id: format!("job_{}", uuid::Uuid::new_v4().simple()),
            kind: kind.to_owned(),
            status: "pending".into(),
            created_at: rfc3339(SystemTime::now()),
            finished_at: None,
            result: None,
            problem: None,
        };
        jobs.insert(
            view.id.clone(),
            Job {
                view: view.clone(),
                finished: None,
            },
        );
        Some(view)
    }

    /// Ends a job with its result or its problem document.
    pub fn finish(&self, id: &str, outcome: Result<Value, Value>) -> Option<JobView> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let job = jobs.get_mut(id)?;
        job.finished = Some(Instant::now());
        job.view.finished_at = Some(rfc3339(SystemTime::now()));
        match outcome {
            Ok(result) => {
                job.view.status = "done".into();
                job.view.result = Some(result);
            }
            Err(problem) => {
                job.view.status = "failed".into();
                job.view.problem = Some(problem);
            }
        }
        Some(job.view.clone())
    }

    pub fn get(&self, id: &str) -> Option<JobView> {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.get(id).map(|j| j.view.clone())
    }

    /// POSTs the finished job to `url` until a 2xx answer or the attempts
    /// run out. A 4xx other than 408 and 429 is final: the receiver
    /// refuses, and asking again would not change its mind.
    pub async fn deliver(&self, url: Url, job: JobView) {
        let body = serde_json::to_vec(&job).unwrap_or_default();
        let mut backoff = self.callbacks.first_backoff;
        for attempt in 1..=self.callbacks.attempts.max(1) {
            let sent = self
                .client
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("shelfgate-job", job.id.as_str())
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => {
                    self.metrics.callback("delivered");
                    info!(job = %job.id, attempt, "verdict callback delivered");
                    return;
                }
                Ok(r)
                    if r.status().is_client_error()
                        && !matches!(r.status().as_u16(), 408 | 429) =>
                {
                    self.metrics.callback("refused");
                    warn!(job = %job.id, status = r.status().as_u16(), "verdict callback refused by the receiver");
                    return;
                }
                Ok(r) => {
                    warn!(job = %job.id, attempt, status = r.status().as_u16(), "verdict callback failed")
                }
                Err(e) => warn!(job = %job.id, attempt, error = %e, "verdict callback failed"),
            }
            self.metrics.callback("retried");
            tokio::time::sleep(backoff).await;
            backoff = backoff.saturating_mul(2);
        }
        self.metrics.callback("abandoned");
        warn!(job = %job.id, "verdict callback abandoned after every attempt");
    }
}

fn forget_old(jobs: &mut HashMap<String, Job>) {
    jobs.retain(|_, j| j.finished.is_none_or(|t| t.elapsed() < KEEP_FINISHED));
    let finished = jobs.values().filter(|j| j.finished.is_some()).count();
    if finished > MAX_FINISHED {
        let mut by_age: Vec<(Instant, String)> = jobs
            .iter()
            .filter_map(|(id, j)| j.finished.map(|t| (t, id.clone())))
            .collect();
        by_age.sort();
        for (_, id) in by_age.into_iter().take(finished - MAX_FINISHED) {
            jobs.remove(&id);
        }
    }
}
