//! The one error type of the HTTP API, as RFC 9457 problem details.
//!
//! Every failure, from an extractor's rejection to a store outage, leaves
//! as `application/problem+json` with `type`, `title`, `status`, `detail`,
//! `instance` (the request id, which is also in the logs and the
//! `x-request-id` header) and a stable `code` that clients branch on, as
//! OPA's error codes. Internal causes are logged with the request id and
//! never echoed: a client learns that something failed, not how.

use std::future::Future;
use std::time::Duration;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use shelfgate_contract::json::Problems;
use shelfgate_store::StoreError;
use tracing::error;

use crate::listing::ListingError;
use crate::service::ServiceError;
use crate::upload::UploadError;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `f` with `id` as the request id that errors report.
pub async fn with_request_id<F: Future>(id: String, f: F) -> F::Output {
    REQUEST_ID.scope(id, f).await
}

/// The id of the request being handled, if any.
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Seconds a client is asked to wait after a 503.
pub const RETRY_AFTER_SECS: u64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{what} is larger than the limit of {limit} bytes")]
    TooLarge { what: String, limit: u64 },
    #[error("the listing is invalid: {0}")]
    InvalidListing(Problems),
    #[error("the APK cannot be inspected: {0}")]
    MalformedApk(String),
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("this call needs the admin bearer token")]
    Unauthorized,
    #[error("the bearer token is not the admin token")]
    Forbidden,
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    IdempotencyKeyReused(String),
    #[error("the policy bundle was refused: {message}")]
    BundleRejected {
        reason: &'static str,
        message: String,
    },
    #[error("the service is at capacity ({reason}); retry after {RETRY_AFTER_SECS} s")]
    Overloaded { reason: &'static str },
    #[error("the upload was not received within {0:?}")]
    UploadTimeout(Duration),
    /// Too slow, or silent too long: a slot is not held for a trickle.
    #[error("{0}")]
    UploadTooSlow(String),
    /// The cause is logged, never sent.
    #[error("internal error")]
    Internal(String),
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::InvalidListing(_)
            | ApiError::IdempotencyKeyReused(_)
            | ApiError::BundleRejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::MalformedApk(_) | ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::UploadTimeout(_) | ApiError::UploadTooSlow(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::TooLarge { .. } => "payload_too_large",
            ApiError::InvalidListing(_) => "invalid_listing",
            ApiError::MalformedApk(_) => "malformed_apk",
            ApiError::BadRequest { code, .. } => code,
            ApiError::Unauthorized => "unauthorized",
            ApiError::Forbidden => "forbidden",
            ApiError::NotFound(_) => "resource_not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::IdempotencyKeyReused(_) => "idempotency_key_reused",
            ApiError::BundleRejected { .. } => "bundle_rejected",
            ApiError::Overloaded { .. } => "overloaded",
            ApiError::UploadTimeout(_) => "upload_timeout",
            ApiError::UploadTooSlow(_) => "upload_too_slow",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ApiError::TooLarge { .. } => "Upload too large",
            ApiError::InvalidListing(_) => "Invalid listing",
            ApiError::MalformedApk(_) => "Malformed APK",
            ApiError::BadRequest { .. } => "Bad request",
            ApiError::Unauthorized => "Unauthorized",
            ApiError::Forbidden => "Forbidden",
            ApiError::NotFound(_) => "Not found",
            ApiError::Conflict(_) => "Conflict",
            ApiError::IdempotencyKeyReused(_) => "Idempotency key reused",
            ApiError::BundleRejected { .. } => "Policy bundle refused",
            ApiError::Overloaded { .. } => "Service overloaded",
            ApiError::UploadTimeout(_) => "Upload timed out",
            ApiError::UploadTooSlow(_) => "Upload too slow",
            ApiError::Internal(_) => "Internal error",
        }
    }

    /// The problem document.
    pub fn problem(&self) -> Value {
        let instance = request_id().unwrap_or_default();
        let detail = match self {
            ApiError::Internal(_) => {
                format!("an internal error occurred; quote request id `{instance}` to the operator")
            }
            other => other.to_string(),
        };
        let mut body = json!({
            "type": format!("https://shelfgate.dev/problems/{}", self.code()),
            "title": self.title(),
            "status": self.status().as_u16(),
            "detail": detail,
            "instance": instance,
            "code": self.code(),
        });
        match self {
            ApiError::InvalidListing(problems) => {
                body["problems"] = json!(problems.0);
            }
            ApiError::BundleRejected { reason, .. } => {
                body["reason"] = json!(reason);
            }
            _ => {}
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            error!(request_id = request_id().as_deref().unwrap_or(""), cause = %cause, "internal error");
        }
        let status = self.status();
        let mut response = (status, self.problem().to_string()).into_response();
        let headers = response.headers_mut();
        if matches!(
            self,
            ApiError::UploadTimeout(_) | ApiError::UploadTooSlow(_)
        ) {
            // The rest of the body is not read: the connection cannot carry
            // another request.
            headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match self {
            ApiError::Overloaded { .. } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            }
            ApiError::Unauthorized => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"shelfgate-admin\""),
                );
            }
            _ => {}
        }
        response
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        match e {
            ServiceError::MalformedApk(e) => ApiError::MalformedApk(e.to_string()),
            ServiceError::Timeout { .. } => ApiError::Overloaded {
                reason: "a stage timed out",
            },
            ServiceError::Store(e) => e.into(),
            ServiceError::Audit(cause) => ApiError::Internal(format!("audit log: {cause}")),
            ServiceError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict(what) => ApiError::Conflict(what),
            other => ApiError::Internal(format!("store: {other}")),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(e: UploadError) -> ApiError {
        match e {
            UploadError::TooLarge { what, limit } => ApiError::TooLarge {
                what: what.to_owned(),
                limit,
            },
            UploadError::Listing(ListingError::Invalid(problems)) => {
                ApiError::InvalidListing(problems)
            }
            UploadError::Listing(ListingError::TooLarge) => ApiError::TooLarge {
                what: "the listing".into(),
                limit: crate::listing::MAX_LISTING_BYTES as u64,
            },
            UploadError::Listing(other) => ApiError::Internal(other.to_string()),
            UploadError::Io(e) => ApiError::Internal(format!("writing the upload: {e}")),
        }
    }
}

/// Named `Problem` in the OpenAPI document.
impl utoipa::PartialSchema for ApiError {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
        let text = |description: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(description))
        };
        ObjectBuilder::new()
            .description(Some("RFC 9457 problem details"))
            .property("type", text("URI of the problem type"))
            .property("title", text("Short summary of the problem type"))
            .property("status", ObjectBuilder::new().schema_type(Type::Integer))
            .property("detail", text("What went wrong with this request"))
            .property("instance", text("The request id, also in the `x-request-id` header and the logs"))
            .property(
                "code",
                text("Stable code: `invalid_listing`, `malformed_apk`, `payload_too_large`, `overloaded`, ..."),
            )
            .property(
                "problems",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .property("path", text("JSONPath of the offending value"))
                        .property("message", text("What is wrong with it")),
                ),
            )
            .property("reason", text("For `bundle_rejected`: why, e.g. `bundle_tampered_file`"))
            .required("type")
            .required("title")
            .required("status")
            .required("detail")
            .required("instance")
            .required("code")
            .into()
    }
}

impl utoipa::ToSchema for ApiError {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Problem")
    }
}
