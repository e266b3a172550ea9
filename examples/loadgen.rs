//! A load generator for `shelfgate serve`: upload-to-verdict latency over
//! loopback, from a process of its own.
//!
//! ```sh
//! cargo run --release -- serve --data /tmp/bench-data &
//! cargo run --release --example loadgen -- --apk APP.apk --listing LISTING.json \
//!     --concurrency 16 --requests 400
//! ```
//!
//! Every request is a `POST /v1/checks` (nothing is stored, so no verdict
//! cache answers). It prints the failures, the p50/p99 latency, and the
//! p50/p99 of what the service adds on top of inspection and evaluation:
//! the latency minus the `server-timing` the service reports for them.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use reqwest::multipart::{Form, Part};

#[derive(Debug, Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    #[arg(long)]
    apk: PathBuf,
    #[arg(long)]
    listing: PathBuf,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Requests measured.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Requests sent first and not measured.
    #[arg(long, default_value_t = 10)]
    warmup: usize,
}

struct Sample {
    latency: Duration,
    overhead: Duration,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let apk = Arc::new(std::fs::read(&args.apk)?);
    let listing = Arc::new(std::fs::read_to_string(&args.listing)?);
    let url = format!("{}/v1/checks", args.url);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    for _ in 0..args.warmup {
        check(&client, &url, &apk, &listing).await?;
    }

    let next = Arc::new(AtomicUsize::new(0));
    let samples = Arc::new(Mutex::new(Vec::with_capacity(args.requests)));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.concurrency.max(1) {
        let (client, url, apk, listing) =
            (client.clone(), url.clone(), apk.clone(), listing.clone());
        let (next, samples, failures, total) = (
            next.clone(),
            samples.clone(),
            failures.clone(),
            args.requests,
        );
        workers.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < total {
                match check(&client, &url, &apk, &listing).await {
                    Ok(s) => samples.lock().unwrap_or_else(|e| e.into_inner()).push(s),
                    Err(e) => failures
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(e.to_string()),
                }
            }
        }));
    }
    for w in workers {
        w.await?;
    }
    let wall = start.elapsed();
    let samples = std::mem::take(&mut *samples.lock().unwrap_or_else(|e| e.into_inner()));
    let failures = failures.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut latency: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    let mut overhead: Vec<Duration> = samples.iter().map(|s| s.overhead).collect();
    println!(
        "apk {} ({} bytes), concurrency {}, {} requests in {:.2} s ({:.1}/s), {} failed",
        args.apk.display(),
        apk.len(),
        args.concurrency,
        samples.len() + failures.len(),
        wall.as_secs_f64(),
        samples.len() as f64 / wall.as_secs_f64(),
        failures.len()
    );
    println!(
        "latency   p50 {:>9.2} ms   p99 {:>9.2} ms",
        ms(percentile(&mut latency, 0.50)),
        ms(percentile(&mut latency, 0.99))
    );
    println!(
        "overhead  p50 {:>9.2} ms   p99 {:>9.2} ms   (latency minus inspection and evaluation)",
        ms(percentile(&mut overhead, 0.50)),
        ms(percentile(&mut overhead, 0.99))
    );
    for f in failures.iter().take(5) {
        println!("failure: {f}");
    }
    Ok(())
}

async fn check(
    client: &reqwest::Client,
    url: &str,
    apk: &[u8],
    listing: &str,
) -> anyhow::Result<Sample> {
    let form = Form::new()
        .part("apk", Part::bytes(apk.to_vec()).file_name("app.apk"))
        .part(
            "listing",
            Part::text(listing.to_owned()).mime_str("application/json")?,
        );
    let start = Instant::now();
    let response = client.post(url).multipart(form).send().await?;
    let status = response.status();
    let timing = response
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .map(work)
        .unwrap_or_default();
    let body = response.bytes().await?;
    let latency = start.elapsed();
    if !status.is_success() {
        anyhow::bail!("{status}: {}", String::from_utf8_lossy(&body));
    }
    Ok(Sample {
        latency,
        overhead: latency.saturating_sub(timing),
    })
}

/// The sum of the `dur` values of a Server-Timing header, in ms.
fn work(header: &str) -> Duration {
    let ms: f64 = header
        .split(',')
        .filter_map(|metric| {
            metric
                .split(';')
                .find_map(|p| p.trim().strip_prefix("dur="))
                .and_then(|d| d.parse::<f64>().ok())
        })
        .sum();
    Duration::from_secs_f64(ms.max(0.0) / 1e3)
}

fn percentile(values: &mut [Duration], q: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    values.sort();
    let at = ((values.len() - 1) as f64 * q).round() as usize;
    values.get(at).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
