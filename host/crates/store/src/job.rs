//! Asynchronous jobs as the store keeps them (see migration 0004).

use std::time::SystemTime;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Pending,
    Done,
    Failed,
}

impl JobStatus {
    pub fn name(self) -> &'static str {
        match self {
            JobStatus::Pending => "pending",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<JobStatus> {
        [JobStatus::Pending, JobStatus::Done, JobStatus::Failed]
            .into_iter()
            .find(|s| s.name() == text)
    }
}

/// Where a job's verdict callback stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackState {
    /// Not delivered yet: a restart delivers it again.
    Pending,
    Delivered,
    /// The receiver answered a final 4xx.
    Refused,
    /// Every attempt failed.
    Abandoned,
}

impl CallbackState {
    pub fn name(self) -> &'static str {
        match self {
            CallbackState::Pending => "pending",
            CallbackState::Delivered => "delivered",
            CallbackState::Refused => "refused",
            CallbackState::Abandoned => "abandoned",
        }
    }

    pub fn parse(text: &str) -> Option<CallbackState> {
        [
            CallbackState::Pending,
            CallbackState::Delivered,
            CallbackState::Refused,
            CallbackState::Abandoned,
        ]
        .into_iter()
        .find(|s| s.name() == text)
    }
}

/// A job recorded before it is acknowledged, with what it needs to run
/// again after a restart.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub id: &'a str,
    /// `check` or `submission`.
    pub kind: &'a str,
    pub created_at: SystemTime,
    pub apk_sha256: &'a str,
    pub apk_size: u64,
    /// The listing as received.
    pub listing: &'a [u8],
    pub callback_url: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct JobRecord {
    pub id: String,
    pub kind: String,
    pub status: JobStatus,
    pub created_at: SystemTime,
    pub finished_at: Option<SystemTime>,
    pub apk_sha256: String,
    pub apk_size: u64,
    pub listing: Vec<u8>,
    pub callback_url: Option<String>,
    pub callback_state: Option<CallbackState>,
    pub idempotency_key: Option<String>,
    /// The result when done, the problem document when failed.
    pub outcome: Option<Value>,
}
