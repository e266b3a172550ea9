//! A store backend calling shelfgate over HTTP on each upload.
//!
//! Start the service, then submit a corpus APK with its listing:
//!
//! ```sh
//! cargo run --release -- serve &
//! cargo run --example store_backend -- [APP.apk [LISTING.json [URL]]]
//! ```
//!
//! What a backend has to get right, shown here: an `Idempotency-Key` per
//! upload so a retry never records twice; 503 answered by waiting
//! `Retry-After` and retrying; 202 answered by polling the job; 422 and 400
//! as clear answers to relay to the developer; then acting on the
//! decision.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;

const DEFAULT_APK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/corpus/apk/fdroid-urzip.apk"
);
const DEFAULT_LISTING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/listing-example.json"
);
const ATTEMPTS: u32 = 5;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    let apk = PathBuf::from(args.next().unwrap_or_else(|| DEFAULT_APK.into()));
    let listing = PathBuf::from(args.next().unwrap_or_else(|| DEFAULT_LISTING.into()));
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let apk_bytes = std::fs::read(&apk).with_context(|| format!("reading `{}`", apk.display()))?;
    let listing_text = std::fs::read_to_string(&listing)
        .with_context(|| format!("reading `{}`", listing.display()))?;

    let client = reqwest::Client::new();
    // One key per upload, reused by every retry of it.
    let key = format!("upload-{}", uuid::Uuid::new_v4());
    let mut attempt = 0;
    let response = loop {
        attempt += 1;
        let form = Form::new()
            .part("apk", Part::bytes(apk_bytes.clone()).file_name("app.apk"))
            .part(
                "listing",
                Part::text(listing_text.clone()).mime_str("application/json")?,
            );
        let sent = client
            .post(format!("{base}/v1/submissions"))
            .header("idempotency-key", &key)
            .multipart(form)
            .send()
            .await;
        match sent {
            Ok(r) if r.status() == StatusCode::SERVICE_UNAVAILABLE && attempt < ATTEMPTS => {
                let wait = retry_after(&r).unwrap_or(Duration::from_secs(1));
                eprintln!("shelfgate is busy; retrying in {wait:?}");
                tokio::time::sleep(wait).await;
            }
            Ok(r) => break r,
            Err(e) if attempt < ATTEMPTS => {
                eprintln!("upload failed ({e}); retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e).context(format!("cannot reach shelfgate at {base}")),
        }
    };

    let submission = match response.status() {
        StatusCode::CREATED => response.json::<Value>().await?,
        StatusCode::ACCEPTED => {
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .context("202 without a Location")?
                .to_owned();
            poll(&client, &format!("{base}{location}")).await?
        }
        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => {
            let problem: Value = response.json().await?;
            println!("refused: {}", problem["detail"].as_str().unwrap_or(""));
            for p in problem["problems"].as_array().into_iter().flatten() {
                println!(
                    "  {}: {}",
                    p["path"].as_str().unwrap_or(""),
                    p["message"].as_str().unwrap_or("")
                );
            }
            // A malformed APK is a clear answer too: treat it as a reject.
            return Ok(ExitCode::from(20));
        }
        other => bail!("shelfgate answered {other}: {}", response.text().await?),
    };

    let verdict = &submission["verdict"];
    let package = submission["package"].as_str().unwrap_or("?");
    let code = match verdict["decision"].as_str() {
        Some("pass") => {
            println!("{package}: publish");
            0
        }
        Some("rectify") => {
            println!(
                "{package}: publish, and open a rectification ticket due in {} working days",
                verdict["deadline_working_days"]
            );
            10
        }
        Some("reject") => {
            println!("{package}: keep off the shelf");
            20
        }
        other => bail!("unexpected decision {other:?}"),
    };
    for f in verdict["findings"].as_array().into_iter().flatten() {
        if f["counted"] == true {
            let finding = &f["finding"];
            println!(
                "  [{}] {} {}",
                finding["decision"].as_str().unwrap_or(""),
                finding["rule_id"].as_str().unwrap_or(""),
                finding["message_en"].as_str().unwrap_or("")
            );
        }
    }
    println!(
        "submission {} judged by policy set {}",
        submission["id"].as_str().unwrap_or("?"),
        verdict["policy_set_id"].as_str().unwrap_or("?")
    );
    Ok(ExitCode::from(code))
}

/// Polls an asynchronous job until it finishes.
async fn poll(client: &reqwest::Client, url: &str) -> anyhow::Result<Value> {
    loop {
        let response = client.get(url).send().await?;
        let wait = retry_after(&response).unwrap_or(Duration::from_secs(1));
        let job: Value = response.json().await?;
        match job["status"].as_str() {
            Some("done") => return Ok(job["result"].clone()),
            Some("failed") => bail!("the check failed: {}", job["problem"]["detail"]),
            _ => tokio::time::sleep(wait).await,
        }
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let secs = response
        .headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs))
}
