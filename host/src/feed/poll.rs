//! The regulator feed: one URL polled with conditional requests.
//!
//! Each poll sends the ETag of the last bundle that activated as
//! `If-None-Match` (or, to a server without ETags, its `Last-Modified` as
//! `If-Modified-Since`), so an unchanged feed costs a 304 and no body. A new
//! bundle is read under the bundle size limit and handed to the
//! [`Activator`]. On a refused bundle the old ETag is kept (as OPA does),
//! so the feed is asked again and a fixed bundle is picked up; errors back
//! off exponentially up to a ceiling, with jitter so that a fleet of
//! instances does not poll in step.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use reqwest::{StatusCode, Url};
use tokio::sync::watch;
use tracing::{debug, warn};

use super::{rfc3339, Activator, Source};

/// The feed to poll and how often.
#[derive(Debug, Clone)]
pub struct FeedSource {
    pub url: Url,
    pub interval: Duration,
    pub max_backoff: Duration,
}

/// Parses a feed URL: HTTPS, or plain HTTP to a loopback address (tests,
/// a sidecar). The signature protects the content either way; TLS keeps a
/// network attacker from withholding updates unnoticed.
pub fn parse_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "feed `{text}` must use https (plain http is accepted only on loopback)"
        )),
        other => Err(format!("feed `{text}` has unsupported scheme `{other}`")),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What identifies the version a poll already has.
#[derive(Debug, Clone, Default)]
struct Validators {
    etag: Option<String>,
    last_modified: Option<String>,
}

enum Fetched {
    NotModified,
    Bundle {
        bytes: Vec<u8>,
        validators: Validators,
    },
}

/// Polls until `shutdown` turns true; `etag` is the one persisted with the
/// set restored at start-up, if it came from this feed.
pub async fn run(
    activator: Arc<Activator>,
    client: reqwest::Client,
    feed: FeedSource,
    etag: Option<String>,
    max_bytes: u64,
    mut shutdown: watch::Receiver<bool>,
) {
    let source = Source::Feed(feed.url.to_string());
    activator.update_feed(|s| {
        s.url = feed.url.to_string();
        s.etag = etag.clone();
    });
    let mut have = Validators {
        etag,
        last_modified: None,
    };
    let mut failures: u32 = 0;
    loop {
        let response = match fetch(&client, &feed.url, &have, max_bytes).await {
            Ok(Fetched::NotModified) => {
                failures = 0;
                "304".to_string()
            }
            Ok(Fetched::Bundle { bytes, validators }) => {
                let (a, source, etag) =
                    (activator.clone(), source.clone(), validators.etag.clone());
                let result = tokio::task::spawn_blocking(move || {
                    a.activate(&bytes, &source, etag.as_deref()).map(|_| ())
                })
                .await;
                match result {
                    Ok(Ok(())) => {
                        failures = 0;
                        have = validators;
                        "200".to_string()
                    }
                    Ok(Err(e)) => {
                        failures = failures.saturating_add(1);
                        format!("200, refused: {}", e.code())
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        warn!(error = %e, "feed activation task failed");
                        "200, activation failed".to_string()
                    }
                }
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                debug!(url = %feed.url, error = %e, "feed poll failed");
                e
            }
        };
        activator.update_feed(|s| {
            s.etag = have.etag.clone();
            s.last_poll_at = Some(rfc3339(SystemTime::now()));
            s.last_response = Some(response);
            s.consecutive_failures = failures;
        });
        let delay = backoff(feed.interval, feed.max_backoff, failures);
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

async fn fetch(
    client: &reqwest::Client,
    url: &Url,
    have: &Validators,
    max_bytes: u64,
) -> Result<Fetched, String> {
    let mut request = client.get(url.clone());
    if let Some(etag) = &have.etag {
        request = request.header(IF_NONE_MATCH, etag);
    } else if let Some(date) = &have.last_modified {
        request = request.header(IF_MODIFIED_SINCE, date);
    }
    let mut response = request
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    match response.status() {
        StatusCode::NOT_MODIFIED => return Ok(Fetched::NotModified),
        StatusCode::OK => {}
        other => return Err(format!("feed answered {other}")),
    }
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(format!("feed bundle is larger than {max_bytes} bytes"));
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let validators = Validators {
        etag: header(ETAG),
        last_modified: header(LAST_MODIFIED),
    };
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading the feed body: {e}"))?
    {
        let total = bytes.len().saturating_add(chunk.len());
        if u64::try_from(total).unwrap_or(u64::MAX) > max_bytes {
            return Err(format!("feed bundle is larger than {max_bytes} bytes"));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Fetched::Bundle { bytes, validators })
}

/// The delay before the next poll: the interval while all is well, then
/// doubling per consecutive failure up to `max`, plus up to 10% jitter.
fn backoff(interval: Duration, max: Duration, failures: u32) -> Duration {
    let base = if failures == 0 {
        interval
    } else {
        let factor = 1u32.checked_shl(failures.min(16)).unwrap_or(u32::MAX);
        interval.saturating_mul(factor).min(max.max(interval))
    };
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let jitter_range = base.as_millis() / 10;
    let jitter = if jitter_range == 0 {
        0
    } else {
        u128::from(nanos) % jitter_range
    };
    base + Duration::from_millis(u64::try_from(jitter).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let i = Duration::from_secs(2);
        let max = Duration::from_secs(60);
        let at = |f| backoff(i, max, f);
        assert!(at(0) >= i && at(0) < i + Duration::from_millis(201));
        assert!(at(1) >= Duration::from_secs(4));
        assert!(at(3) >= Duration::from_secs(16));
        assert!(at(10) >= max && at(10) <= max + Duration::from_secs(6));
        assert!(at(u32::MAX) <= max + Duration::from_secs(6));
    }

    #[test]
    fn feed_urls_must_be_https_off_loopback() {
        assert!(parse_url("https://regulator.example/feed.json").is_ok());
        assert!(parse_url("http://127.0.0.1:8080/feed").is_ok());
        assert!(parse_url("http://localhost/feed").is_ok());
        assert!(parse_url("http://[::1]:9/feed").is_ok());
        assert!(parse_url("http://regulator.example/feed").is_err());
        assert!(parse_url("file:///etc/passwd").is_err());
    }
}
