//! Reading requests: the multipart upload and the admin bearer token.

use std::time::Instant;

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
/// fields into memory, each under its limit, all within the upload timeout.
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
    let received = tokio::time::timeout(timeout, async {
        let mut apk = None;
        let mut listing = None;
        let mut callback = None;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| multipart_error(e, body_limit))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                "apk" if apk.is_none() => {
                    apk = Some(stream_apk(field, state, limit, body_limit).await?);
                }
                "listing" if listing.is_none() => {
                    let bytes = read_small(field, crate::listing::MAX_LISTING_BYTES, "the listing", body_limit).await?;
                    listing = Some(bytes);
                }
                "callback_url" if callback.is_none() => {
                    let bytes = read_small(field, MAX_CALLBACK_URL, "`callback_url`", body_limit).await?;
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
) -> Result<ApkFile> {
    let mut writer = ApkWriter::create(state.service().uploads_dir(), limit)?;
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_error(e, body_limit))?
    {
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
) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_error(e, body_limit))?
    {
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
