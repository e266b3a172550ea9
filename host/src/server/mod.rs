//! The HTTP API: only HTTP. Everything it serves comes from the
//! [`Service`] (uploads, verdicts, the store) and the policy
//! [`Activator`](crate::feed::Activator).
//!
//! Layers, outermost first: a request id (accepted from `x-request-id` or
//! made up) set on the logging span, on every problem document and on the
//! response; panic recovery into a 500 problem; then per route group, for
//! uploads only, a body limit and a concurrency limit shared by every
//! upload route with load shedding, so that beyond the limit a request is
//! answered 503 with `Retry-After` at once instead of queueing without
//! bound.

pub mod error;
pub(crate) mod extract;
pub mod jobs;
mod openapi;
mod routes;

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::error_handling::HandleErrorLayer;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;
use tokio::sync::Semaphore;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::{BoxError, ServiceBuilder};
use tower_http::catch_panic::CatchPanicLayer;
use tracing::{info, info_span, Instrument as _};

pub use error::ApiError;
use jobs::{CallbackPolicy, Jobs};
use shelfgate_store::{CallbackState, JobRecord, JobStatus};
use tracing::warn;

use crate::service::Service;

/// The admin bearer token, kept only as its sha256.
#[derive(Clone)]
pub struct AdminToken([u8; 32]);

impl AdminToken {
    pub fn new(token: &str) -> AdminToken {
        AdminToken(Sha256::digest(token.trim().as_bytes()).into())
    }

    /// Constant time: comparing fixed-size digests leaks neither the
    /// token's length nor the position of the first difference.
    pub fn matches(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        digest.ct_eq(&self.0).into()
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(..)")
    }
}

/// What the HTTP layer adds to the service.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// `None` disables the admin API (every admin call answers 403).
    pub admin_token: Option<AdminToken>,
    /// Uploads received, inspected or evaluated at once; more are shed.
    pub max_in_flight: usize,
    /// APKs larger than this are checked asynchronously (202 + a job).
    pub async_above: Option<u64>,
    /// Asynchronous jobs pending at once; more are shed.
    pub max_jobs: usize,
    pub callbacks: CallbackPolicy,
    /// How long a client may take to send a request's headers; the body
    /// has its own pace ([`StageTimeouts`](crate::service::StageTimeouts)).
    pub header_read_timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            admin_token: None,
            max_in_flight: 64,
            async_above: Some(64 << 20),
            max_jobs: 256,
            callbacks: CallbackPolicy::default(),
            header_read_timeout: Duration::from_secs(30),
        }
    }
}

/// The state every handler gets: cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    service: Arc<Service>,
    http: HttpConfig,
    jobs: Arc<Jobs>,
    uploads: Arc<Semaphore>,
}

impl AppState {
    pub fn new(service: Arc<Service>, http: HttpConfig) -> anyhow::Result<AppState> {
        let jobs = Arc::new(Jobs::new(
            service.store().clone(),
            &service.config().data_dir,
            http.max_jobs,
            http.callbacks.clone(),
            service.metrics().clone(),
        )?);
        Ok(AppState {
            inner: Arc::new(Inner {
                uploads: Arc::new(Semaphore::new(http.max_in_flight.max(1))),
                service,
                http,
                jobs,
            }),
        })
    }

    pub fn service(&self) -> &Arc<Service> {
        &self.inner.service
    }

    pub fn http(&self) -> &HttpConfig {
        &self.inner.http
    }

    pub fn jobs(&self) -> &Arc<Jobs> {
        &self.inner.jobs
    }

    /// Takes up what a previous process left: pending jobs run again from
    /// their kept upload (or fail with `job_interrupted` when it is gone or
    /// altered), and undelivered callbacks are delivered. Returns how many
    /// jobs were resumed.
    pub async fn resume_jobs(&self) -> anyhow::Result<usize> {
        let mut resumed = 0;
        for job in self.jobs().unfinished().await? {
            let callback = job
                .callback_url
                .as_deref()
                .and_then(|u| reqwest::Url::parse(u).ok());
            match job.status {
                JobStatus::Pending => match self.restore_form(&job).await {
                    Ok(form) => {
                        info!(job = %job.id, kind = %job.kind, "resuming a job left by a restart");
                        let callback = callback.filter(|_| job.callback_state.is_some());
                        routes::spawn_job(
                            self,
                            job.id.clone(),
                            job.kind.clone(),
                            form,
                            job.idempotency_key.clone(),
                            callback,
                        );
                        resumed += 1;
                    }
                    Err(why) => {
                        warn!(job = %job.id, reason = %why, "a job left by a restart cannot be resumed");
                        let problem = jobs::interrupted(&job.id, &why);
                        let jobs = self.jobs().clone();
                        let view = jobs.finish(&job.id, Err(problem)).await;
                        if let (Some(view), Some(url)) = (view, callback) {
                            tokio::spawn(async move { jobs.deliver(url, view).await });
                        }
                    }
                },
                JobStatus::Done | JobStatus::Failed => {
                    if job.callback_state == Some(CallbackState::Pending) {
                        if let (Some(view), Some(url)) = (self.jobs().get(&job.id).await?, callback)
                        {
                            let jobs = self.jobs().clone();
                            tokio::spawn(async move { jobs.deliver(url, view).await });
                        }
                    }
                }
            }
        }
        Ok(resumed)
    }

    /// The upload of a pending job, checked against what was recorded.
    async fn restore_form(&self, job: &JobRecord) -> Result<extract::UploadForm, String> {
        let path = self.jobs().upload_path(&job.id);
        let (size, sha) = (job.apk_size, job.apk_sha256.clone());
        let listing = job.listing.clone();
        tokio::task::spawn_blocking(move || {
            let file =
                std::fs::File::open(&path).map_err(|e| format!("its upload is gone ({e})"))?;
            // Removed with the ApkFile whatever happens next.
            let kept = tempfile::TempPath::try_from_path(&path)
                .map_err(|e| format!("its upload path is unusable ({e})"))?;
            let mut reader = std::io::BufReader::new(file);
            let mut hasher = Sha256::new();
            let read = std::io::copy(&mut reader, &mut hasher)
                .map_err(|e| format!("its upload cannot be read ({e})"))?;
            let digest = crate::engine::hex(&hasher.finalize());
            if read != size || digest != sha {
                return Err("its upload was altered".to_owned());
            }
            let listing = crate::upload::ListingUpload::parse(listing)
                .map_err(|e| format!("its listing no longer parses ({e})"))?;
            Ok(extract::UploadForm {
                apk: crate::upload::ApkFile {
                    path: kept,
                    size,
                    sha256: sha,
                },
                listing,
                callback_url: None,
            })
        })
        .await
        .map_err(|e| format!("the resume task failed ({e})"))?
    }
}

/// The whole API.
pub fn app(state: AppState) -> Router {
    let service = state.service();
    let metrics = service.metrics().clone();
    // The multipart body: the APK, the listing and a few small fields.
    let upload_limit = service
        .config()
        .max_apk_bytes
        .saturating_add(crate::listing::MAX_LISTING_BYTES as u64)
        .saturating_add(64 << 10);
    let uploads = Router::new()
        .merge(routes::checks::router())
        .merge(routes::submissions::upload_router())
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(move |err: BoxError| {
                    let metrics = metrics.clone();
                    async move { shed(err, &metrics) }
                }))
                .load_shed()
                .layer(GlobalConcurrencyLimitLayer::with_semaphore(
                    state.inner.uploads.clone(),
                )),
        )
        .layer(DefaultBodyLimit::max(
            usize::try_from(upload_limit).unwrap_or(usize::MAX),
        ));
    let bundle_limit = service.config().bundle_limits.max_bundle_bytes;
    let policies = routes::policies::router().layer(DefaultBodyLimit::max(
        usize::try_from(bundle_limit).unwrap_or(usize::MAX),
    ));
    Router::new()
        .merge(uploads)
        .merge(policies)
        .merge(routes::submissions::router())
        .merge(routes::apps::router())
        .merge(routes::rechecks::router())
        .merge(routes::cases::router())
        .merge(routes::jobs::router())
        .merge(routes::ops::router())
        .fallback(|| async { ApiError::NotFound("this resource".into()) })
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| {
                ApiError::Internal("a handler panicked".into()).into_response()
            },
        ))
        .layer(middleware::from_fn(request_scope))
        .with_state(state)
}

/// Serves `app(state)` on `listener` until `shutdown` completes; requests
/// in flight then finish. Jobs a previous process left are taken up first.
///
/// The accept loop is axum's, spelled out to give hyper a timer: without
/// one its header read timeout never fires, and a client that sends half
/// a request head holds its connection for ever.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    match state.resume_jobs().await {
        Ok(0) => {}
        Ok(n) => info!(jobs = n, "resumed pending jobs"),
        Err(e) => warn!(error = %e, "taking up the jobs of the previous run failed"),
    }
    let header_timeout = state.http().header_read_timeout;
    let app = app(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors and the like: pause, not spin.
                    warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        // HTTP/1.1 only: what store backends and load balancers speak.
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

fn shed(err: BoxError, metrics: &crate::metrics::Metrics) -> ApiError {
    if err.is::<tower::load_shed::error::Overloaded>() {
        metrics.shed("in_flight_limit");
        ApiError::Overloaded {
            reason: "too many uploads in flight",
        }
    } else {
        ApiError::Internal(format!("middleware: {err}"))
    }
}

/// Gives the request an id, a span, and a log line when it completes.
async fn request_scope(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_request_id(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let span = info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path());
    let start = Instant::now();
    let mut response = error::with_request_id(id.clone(), next.run(request))
        .instrument(span.clone())
        .await;
    span.in_scope(|| {
        info!(
            status = response.status().as_u16(),
            micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
            "request done"
        )
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// A client-chosen request id is used only if it is short and plain.
fn is_request_id(v: &str) -> bool {
    (1..=64).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// How long a client should wait before polling a pending job again.
pub(crate) const POLL_AFTER: Duration = Duration::from_secs(1);
