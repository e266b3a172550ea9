//! Reading requests: the multipart upload and the admin bearer token.

use std::time::{Duration, Instant};

use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{FromRequestParts, Multipart};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use reqwest::Url;

use super::error::{ApiError, Result};
use super::AppState;
use crate::metrics::Stage;
use crate::upload::{ApkFile, ApkWriter, ListingUpload, UploadError};

/// The longest `callback_url` accepted.
const MAX_CALLBACK_URL: usize = 2048;

/// A received upload: `apk` and `listing` fields, and an optional
/// `callback_url` for an asynchronous answer.
pub struct UploadForm {
    pub apk: ApkFile,
    pub listing: ListingUpload,
    pub callback_url: Option<Url>,
}

/// Streams the multipart body: the APK to a temporary file, the small
/// fields into memory, each under its limit, all within the upload timeout
/// and at a minimum pace ([`Pace`]).
pub async fn upload(
    state: &AppState,
    headers: &HeaderMap,
    multipart: std::result::Result<Multipart, MultipartRejection>,
) -> Result<UploadForm> {
    let service = state.service();
    let config = service.config();
    let limit = config.max_apk_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let body_limit = limit.saturating_add(crate::listing::MAX_LISTING_BYTES as u64 + (64 << 10));
    if declared.is_some_and(|n| n > body_limit) {
        return Err(ApiError::TooLarge {
            what: "the request body".into(),
            limit: body_limit,
        });
    }
    let mut multipart = multipart.map_err(|e| ApiError::BadRequest {
        code: "invalid_multipart",
        detail: format!(
            "expected a multipart/form-data body with `apk` and `listing` fields: {}",
            e.body_text()
        ),
    })?;
    let start = Instant::now();
    let timeout = config.timeouts.upload;
    let mut pace = Pace {
        start,
        received: 0,
        idle: config.timeouts.upload_idle,
        min_rate: config.timeouts.upload_min_rate,
        grace: config.timeouts.upload_grace,
    };
    let pace = &mut pace;
    let received = tokio::time::timeout(timeout, async {
        let mut apk = None;
        let mut listing = None;
        let mut callback = None;
        while let Some(field) = pace
            .wait(multipart.next_field())
            .await?
            .map_err(|e| multipart_error(e, body_limit))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "apk" if apk.is_none() => {
                    apk = Some(stream_apk(field, state, limit, body_limit, pace).await?);
                }
                "listing" if listing.is_none() => {
                    let bytes = read_small(field, crate::listing::MAX_LISTING_BYTES, "the listing", body_limit, pace).await?;
                    listing = Some(bytes);
                }
                "callback_url" if callback.is_none() => {
                    let bytes = read_small(field, MAX_CALLBACK_URL, "`callback_url`", body_limit, pace).await?;
                    callback = Some(bytes);
                }
                "apk" | "listing" | "callback_url" => {
                    return Err(ApiError::BadRequest {
                        code: "invalid_multipart",
                        detail: format!("the field `{name}` appears twice"),
                    })
                }
                other => {
                    return Err(ApiError::BadRequest {
                        code: "invalid_multipart",
                        detail: format!(
                            "unknown field `{other}`: expected `apk`, `listing` and optionally `callback_url`"
                        ),
                    })
                }
            }
        }
        Ok::<_, ApiError>((apk, listing, callback))
    })
    .await
    .map_err(|_| ApiError::UploadTimeout(timeout))??;
    let (apk, listing, callback) = received;
    let missing = |field: &str| ApiError::BadRequest {
        code: "missing_field",
        detail: format!("the multipart body has no `{field}` field"),
    };
    let apk = apk.ok_or_else(|| missing("apk"))?;
    let listing = listing.ok_or_else(|| missing("listing"))?;
    let callback_url = callback
        .map(|bytes| {
            let text = String::from_utf8(bytes).map_err(|_| ApiError::BadRequest {
                code: "invalid_callback_url",
                detail: "`callback_url` is not UTF-8".into(),
            })?;
            state
                .http()
                .callbacks
                .check(text.trim())
                .map_err(|detail| ApiError::BadRequest {
                    code: "invalid_callback_url",
                    detail,
                })
        })
        .transpose()?;
    // Validation walks the whole document: a few ms for a large listing.
    let listing = tokio::task::spawn_blocking(move || ListingUpload::parse(listing))
        .await
        .map_err(|e| ApiError::Internal(format!("listing validation task: {e}")))??;
    service.metrics().stage(Stage::Upload, start.elapsed());
    Ok(UploadForm {
        apk,
        listing,
        callback_url,
    })
}

async fn stream_apk(
    mut field: Field<'_>,
    state: &AppState,
    limit: u64,
    body_limit: u64,
    pace: &mut Pace,
) -> Result<ApkFile> {
    let mut writer = ApkWriter::create(state.service().uploads_dir(), limit)?;
    while let Some(chunk) = pace
        .wait(field.chunk())
        .await?
        .map_err(|e| multipart_error(e, body_limit))?
    {
        pace.received(chunk.len())?;
        writer.write(&chunk).await?;
    }
    if writer.size() == 0 {
        return Err(ApiError::MalformedApk("the `apk` field is empty".into()));
    }
    Ok(writer.finish().await?)
}

async fn read_small(
    mut field: Field<'_>,
    limit: usize,
    what: &'static str,
    body_limit: u64,
    pace: &mut Pace,
) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = pace
        .wait(field.chunk())
        .await?
        .map_err(|e| multipart_error(e, body_limit))?
    {
        pace.received(chunk.len())?;
        if bytes.len().saturating_add(chunk.len()) > limit {
            return Err(UploadError::TooLarge {
                what,
                limit: limit as u64,
            }
            .into());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The minimum pace of an upload: something every `idle`, and after
/// `grace`, `min_rate` bytes per second on average. A client that trickles
/// (slow loris) is answered 408 instead of holding an upload slot, a temp
/// file and a connection for the whole upload timeout.
struct Pace {
    start: Instant,
    received: u64,
    idle: Duration,
    min_rate: u64,
    grace: Duration,
}

impl Pace {
    async fn wait<T>(&self, next: impl std::future::Future<Output = T>) -> Result<T> {
        tokio::time::timeout(self.idle, next).await.map_err(|_| {
            ApiError::UploadTooSlow(format!(
                "the upload sent nothing for {} s after {} bytes; it must keep sending",
                self.idle.as_secs_f64(),
                self.received
            ))
        })
    }

    fn received(&mut self, n: usize) -> Result<()> {
        self.received = self
            .received
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        let elapsed = self.start.elapsed();
        if elapsed <= self.grace || self.min_rate == 0 {
            return Ok(());
        }
        let rate = self.received as f64 / elapsed.as_secs_f64();
        if rate < self.min_rate as f64 {
            return Err(ApiError::UploadTooSlow(format!(
                "the upload arrived at {rate:.0} bytes/s on average over {:.1} s, under the minimum of {} bytes/s",
                elapsed.as_secs_f64(),
                self.min_rate
            )));
        }
        Ok(())
    }
}

fn multipart_error(e: MultipartError, body_limit: u64) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::TooLarge {
            what: "the request body".into(),
            limit: body_limit,
        }
    } else {
        ApiError::BadRequest {
            code: "invalid_multipart",
            detail: format!("the multipart body is malformed: {}", e.body_text()),
        }
    }
}

/// A handler argument that admits only the admin bearer token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::Unauthorized);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        match &state.http().admin_token {
            Some(admin) if admin.matches(token.trim()) => Ok(Admin),
            _ => Err(ApiError::Forbidden),
        }
    }
}
