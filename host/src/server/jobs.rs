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
//! Jobs are durable: the job is recorded in the store (with its listing,
//! callback and idempotency key) and its upload moved under `DATA/jobs/`
//! before the 202 is sent. A restart resumes every pending job whose upload
//! is intact and fails the others with `job_interrupted`, and delivers
//! again the callbacks that were not delivered; a finished job's result
//! stays pollable for [`KEEP_FINISHED`].
//!
//! Callbacks go only where they are safe by default: `https` URLs whose
//! host resolves to public addresses (not loopback, private, link-local,
//! shared or otherwise special ranges), checked again at delivery and the
//! connection pinned to the checked address, so a DNS answer cannot
//! redirect a verdict into the platform's own network. `--callback-allow`
//! prefixes lift that for the URLs they name, and then only those.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::Url;
use serde::Serialize;
use serde_json::{json, Value};
use shelfgate_store::{CallbackState, JobRecord, JobStatus, NewJob, Store, StoreError};
use tracing::{info, warn};
use utoipa::ToSchema;

use crate::clock::rfc3339;
use crate::metrics::Metrics;
use crate::upload::ApkFile;

/// How long a finished job can still be polled.
pub const KEEP_FINISHED: Duration = Duration::from_secs(24 * 3600);
/// Jobs taken up again at start-up at most.
const RESUME_LIMIT: usize = 100_000;

/// Where verdict callbacks may go, and how hard to try.
#[derive(Debug, Clone)]
pub struct CallbackPolicy {
    /// URL prefixes a callback must start with. Empty: any `https` URL to
    /// a public address. A prefix also admits `http`, loopback and private
    /// addresses for the URLs under it.
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
    /// The URL, if it is one callbacks may go to. A host name is checked
    /// again, resolved, at delivery.
    pub fn check(&self, text: &str) -> Result<Url, String> {
        let url = Url::parse(text).map_err(|e| format!("`callback_url` is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("`callback_url` must be an http or https URL".into());
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("`callback_url` must not carry credentials".into());
        }
        if !self.allow.is_empty() {
            return if self.explicitly_allowed(&url) {
                Ok(url)
            } else {
                Err("`callback_url` is not under an allowed prefix (`--callback-allow`)".into())
            };
        }
        if url.scheme() != "https" {
            return Err(
                "`callback_url` must be https (other schemes only under a `--callback-allow` prefix)"
                    .into(),
            );
        }
        match host_of(&url) {
            Some(Host::Ip(ip)) => public_ip(ip)?,
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_owned();
                let local = name == "localhost"
                    || [".localhost", ".local", ".internal", ".home.arpa"]
                        .iter()
                        .any(|s| name.ends_with(s))
                    || !name.contains('.');
                if local {
                    return Err(format!(
                        "`callback_url` names the local host name `{name}`; callbacks go to public hosts unless allowed by `--callback-allow`"
                    ));
                }
            }
            None => return Err("`callback_url` has no host".into()),
        }
        Ok(url)
    }

    fn explicitly_allowed(&self, url: &Url) -> bool {
        self.allow.iter().any(|p| url.as_str().starts_with(p))
    }
}

enum Host {
    Ip(IpAddr),
    Domain(String),
}

fn host_of(url: &Url) -> Option<Host> {
    let host = url.host_str()?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    Some(match bare.parse::<IpAddr>() {
        Ok(ip) => Host::Ip(ip),
        Err(_) => Host::Domain(host.to_ascii_lowercase()),
    })
}

/// Refuses addresses that lead into the platform's own network.
fn public_ip(ip: IpAddr) -> Result<(), String> {
    let special = match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_ip(IpAddr::V4(v4));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link-local
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
        }
    };
    if special {
        Err(format!(
            "`callback_url` leads to {ip}, a loopback, private, link-local or reserved address; allow it with `--callback-allow`"
        ))
    } else {
        Ok(())
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
    /// `pending`, `delivered`, `refused` or `abandoned`, with a callback.
    pub callback: Option<String>,
}

impl JobView {
    fn of(job: &JobRecord) -> JobView {
        let (result, problem) = match job.status {
            JobStatus::Done => (job.outcome.clone(), None),
            JobStatus::Failed => (None, job.outcome.clone()),
            JobStatus::Pending => (None, None),
        };
        JobView {
            id: job.id.clone(),
            kind: job.kind.clone(),
            status: job.status.name().into(),
            created_at: rfc3339(job.created_at),
            finished_at: job.finished_at.map(rfc3339),
            result,
            problem,
            callback: job.callback_state.map(|s| s.name().into()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("too many asynchronous jobs pending")]
    Full,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("keeping the upload of job `{id}`: {source}")]
    Io { id: String, source: std::io::Error },
    #[error("the job task failed: {0}")]
    Task(String),
}

/// What a new job needs besides its upload.
pub struct JobRequest<'a> {
    pub kind: &'a str,
    pub listing: &'a [u8],
    pub callback_url: Option<&'a Url>,
    pub idempotency_key: Option<&'a str>,
}

pub struct Jobs {
    store: Arc<dyn Store>,
    /// Uploads of pending jobs, kept until the job ends.
    dir: PathBuf,
    pending: AtomicUsize,
    max_pending: usize,
    /// When settled jobs were last forgotten (at most once per hour).
    last_purge: std::sync::Mutex<std::time::Instant>,
    callbacks: CallbackPolicy,
    metrics: Arc<Metrics>,
}

impl Jobs {
    pub fn new(
        store: Arc<dyn Store>,
        data_dir: &Path,
        max_pending: usize,
        callbacks: CallbackPolicy,
        metrics: Arc<Metrics>,
    ) -> Result<Jobs, JobError> {
        let dir = data_dir.join("jobs");
        std::fs::create_dir_all(&dir).map_err(|source| JobError::Io {
            id: String::new(),
            source,
        })?;
        let pending = usize::try_from(store.pending_job_count()?).unwrap_or(usize::MAX);
        Ok(Jobs {
            store,
            dir,
            pending: AtomicUsize::new(pending),
            max_pending,
            last_purge: std::sync::Mutex::new(std::time::Instant::now()),
            callbacks,
            metrics,
        })
    }

    pub fn callbacks(&self) -> &CallbackPolicy {
        &self.callbacks
    }

    /// Where a pending job's upload is kept.
    pub fn upload_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.apk"))
    }

    /// Records a new pending job and moves its upload next to it; the
    /// returned [`ApkFile`] is the kept upload, removed when it drops.
    pub async fn create(
        &self,
        request: JobRequest<'_>,
        apk: ApkFile,
    ) -> Result<(JobView, ApkFile), JobError> {
        if self.pending.fetch_add(1, Ordering::AcqRel) >= self.max_pending {
            self.pending.fetch_sub(1, Ordering::AcqRel);
            return Err(JobError::Full);
        }
        let created = self.create_counted(request, apk).await;
        if created.is_err() {
            self.pending.fetch_sub(1, Ordering::AcqRel);
        }
        created
    }

    async fn create_counted(
        &self,
        request: JobRequest<'_>,
        apk: ApkFile,
    ) -> Result<(JobView, ApkFile), JobError> {
        let id = format!("job_{}", uuid::Uuid::new_v4().simple());
        let kept = self.upload_path(&id);
        let ApkFile { path, size, sha256 } = apk;
        path.persist(&kept).map_err(|e| JobError::Io {
            id: id.clone(),
            source: e.error,
        })?;
        let path = tempfile::TempPath::try_from_path(&kept).map_err(|source| JobError::Io {
            id: id.clone(),
            source,
        })?;
        let apk = ApkFile { path, size, sha256 };
        let created_at = SystemTime::now();
        let store = self.store.clone();
        let (job_id, kind, listing, callback, key, sha) = (
            id.clone(),
            request.kind.to_owned(),
            request.listing.to_vec(),
            request.callback_url.map(|u| u.to_string()),
            request.idempotency_key.map(str::to_owned),
            apk.sha256.clone(),
        );
        tokio::task::spawn_blocking(move || {
            store.create_job(&NewJob {
                id: &job_id,
                kind: &kind,
                created_at,
                apk_sha256: &sha,
                apk_size: size,
                listing: &listing,
                callback_url: callback.as_deref(),
                idempotency_key: key.as_deref(),
            })
        })
        .await
        .map_err(|e| JobError::Task(e.to_string()))??;
        let view = JobView {
            id,
            kind: request.kind.to_owned(),
            status: "pending".into(),
            created_at: rfc3339(created_at),
            finished_at: None,
            result: None,
            problem: None,
            callback: request.callback_url.map(|_| "pending".into()),
        };
        Ok((view, apk))
    }

    /// Ends a job with its result or its problem document, durably.
    pub async fn finish(&self, id: &str, outcome: Result<Value, Value>) -> Option<JobView> {
        let (status, value) = match outcome {
            Ok(v) => (JobStatus::Done, v),
            Err(p) => (JobStatus::Failed, p),
        };
        let store = self.store.clone();
        let job_id = id.to_owned();
        let purge = self.purge_due();
        let finished = tokio::task::spawn_blocking(move || {
            let finished = store.finish_job(&job_id, status, &value, SystemTime::now());
            if let Some(before) = purge {
                if let Err(e) = store.purge_jobs(before) {
                    warn!(error = %e, "forgetting old jobs failed");
                }
            }
            finished
        })
        .await;
        match finished {
            Ok(Ok(record)) => {
                self.pending.fetch_sub(1, Ordering::AcqRel);
                Some(JobView::of(&record))
            }
            Ok(Err(e)) => {
                warn!(job = %id, error = %e, "recording the end of a job failed");
                None
            }
            Err(e) => {
                warn!(job = %id, error = %e, "recording the end of a job failed");
                None
            }
        }
    }

    /// The cut-off to forget settled jobs before, once an hour.
    fn purge_due(&self) -> Option<SystemTime> {
        let mut last = self
            .last_purge
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if last.elapsed() < Duration::from_secs(3600) {
            return None;
        }
        *last = std::time::Instant::now();
        SystemTime::now().checked_sub(KEEP_FINISHED)
    }

    pub async fn get(&self, id: &str) -> Result<Option<JobView>, JobError> {
        let store = self.store.clone();
        let id = id.to_owned();
        let job = tokio::task::spawn_blocking(move || store.job(&id))
            .await
            .map_err(|e| JobError::Task(e.to_string()))??;
        Ok(job.map(|j| JobView::of(&j)))
    }

    /// Jobs a restart must take up, and forgets jobs settled long ago.
    pub async fn unfinished(&self) -> Result<Vec<JobRecord>, JobError> {
        let store = self.store.clone();
        let jobs = tokio::task::spawn_blocking(move || {
            if let Some(before) = SystemTime::now().checked_sub(KEEP_FINISHED) {
                store.purge_jobs(before)?;
            }
            store.unfinished_jobs(RESUME_LIMIT)
        })
        .await
        .map_err(|e| JobError::Task(e.to_string()))??;
        // Uploads left by jobs that are no longer pending (or were never
        // recorded: the process died between the move and the insert).
        let pending: std::collections::HashSet<PathBuf> = jobs
            .iter()
            .filter(|j| j.status == JobStatus::Pending)
            .map(|j| self.upload_path(&j.id))
            .collect();
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                if !pending.contains(&entry.path()) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(jobs)
    }

    /// POSTs the finished job to `url` until a 2xx answer or the attempts
    /// run out, and records how it ended. A 4xx other than 408 and 429 is
    /// final: the receiver refuses, and asking again would not change its
    /// mind.
    pub async fn deliver(&self, url: Url, job: JobView) {
        let state = self.try_deliver(&url, &job).await;
        let store = self.store.clone();
        let id = job.id.clone();
        match tokio::task::spawn_blocking(move || store.set_job_callback(&id, state)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => warn!(job = %job.id, error = %e, "recording the callback outcome failed"),
            Err(e) => warn!(job = %job.id, error = %e, "recording the callback outcome failed"),
        }
    }

    async fn try_deliver(&self, url: &Url, job: &JobView) -> CallbackState {
        let client = match self.client_for(url).await {
            Ok(c) => c,
            Err(reason) => {
                self.metrics.callback("refused_target");
                warn!(job = %job.id, %reason, "verdict callback not sent");
                return CallbackState::Refused;
            }
        };
        let body = serde_json::to_vec(job).unwrap_or_default();
        let mut backoff = self.callbacks.first_backoff;
        for attempt in 1..=self.callbacks.attempts.max(1) {
            let sent = client
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
                    return CallbackState::Delivered;
                }
                Ok(r)
                    if r.status().is_client_error()
                        && !matches!(r.status().as_u16(), 408 | 429) =>
                {
                    self.metrics.callback("refused");
                    warn!(job = %job.id, status = r.status().as_u16(), "verdict callback refused by the receiver");
                    return CallbackState::Refused;
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
        CallbackState::Abandoned
    }

    /// A client for one delivery. Unless the URL is explicitly allowed,
    /// its host is resolved now, every address must be public, and the
    /// connection is pinned to them (no second, different DNS answer).
    async fn client_for(&self, url: &Url) -> Result<reqwest::Client, String> {
        // Checked again: a job resumed after a restart may meet a new policy.
        self.callbacks.check(url.as_str())?;
        let builder = reqwest::Client::builder()
            .user_agent(concat!("shelfgate/", env!("CARGO_PKG_VERSION")))
            .timeout(self.callbacks.timeout)
            .redirect(reqwest::redirect::Policy::none());
        let builder = match host_of(url) {
            Some(Host::Domain(name)) if !self.callbacks.explicitly_allowed(url) => {
                let port = url.port_or_known_default().unwrap_or(443);
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), port))
                    .await
                    .map_err(|e| format!("resolving `{name}`: {e}"))?
                    .collect();
                if addrs.is_empty() {
                    return Err(format!("`{name}` resolves to no address"));
                }
                for addr in &addrs {
                    public_ip(addr.ip())?;
                }
                builder.resolve_to_addrs(&name, &addrs)
            }
            _ => builder,
        };
        builder.build().map_err(|e| e.to_string())
    }
}

/// The problem document of a job a restart could not resume.
pub fn interrupted(id: &str, why: &str) -> Value {
    json!({
        "type": "https://shelfgate.dev/problems/job_interrupted",
        "title": "Job interrupted",
        "status": 503,
        "detail": format!("the service restarted before job `{id}` finished and {why}; submit the upload again"),
        "code": "job_interrupted",
        "instance": id,
    })
}
