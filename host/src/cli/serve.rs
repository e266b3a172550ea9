//! `shelfgate serve`: flags → service configuration → a tokio runtime
//! serving the API until SIGINT or SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use shelfgate_bundle::TrustedKeys;
use tokio::sync::watch;
use tracing::{info, warn};

use super::args::ServeArgs;
use super::{Failure, Result, EXIT_PASS};
use crate::context::PlatformConfig;
use crate::feed::poll::{parse_url, FeedSource};
use crate::server::jobs::CallbackPolicy;
use crate::server::{self, AdminToken, AppState, HttpConfig};
use crate::service::{Service, ServiceConfig};

/// The longest a failing feed waits between polls.
const FEED_MAX_BACKOFF: Duration = Duration::from_secs(300);

pub fn serve(args: ServeArgs) -> Result<u8> {
    init_logging();
    let (config, http) = configure(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("shelfgate-http")
        .build()
        .map_err(|e| Failure::other(format!("starting the runtime: {e}")))?;
    runtime.block_on(run(args, config, http))?;
    Ok(EXIT_PASS)
}

async fn run(args: ServeArgs, config: ServiceConfig, http: HttpConfig) -> Result<()> {
    let service = tokio::task::spawn_blocking(move || Service::open(config))
        .await
        .map_err(|e| Failure::other(format!("opening the service: {e}")))?
        .map_err(|e| Failure::other(format!("opening `{}`: {e:#}", args.data.display())))?;
    let service = Arc::new(service);
    let (stop, stopped) = watch::channel(false);
    let tasks = service.start_background(stopped);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| Failure::other(format!("cannot listen on {}: {e}", args.listen)))?;
    let set = service.policies().current();
    info!(
        listen = %args.listen,
        data = %args.data.display(),
        policy_set = %set.id,
        "shelfgate is serving"
    );
    let state = AppState::new(service, http).map_err(Failure::from)?;
    server::serve(listener, state, shutdown_signal())
        .await
        .map_err(|e| Failure::other(format!("serving: {e}")))?;
    let _ = stop.send(true);
    for task in tasks {
        let _ = task.await;
    }
    info!("stopped");
    Ok(())
}

fn configure(args: &ServeArgs) -> Result<(ServiceConfig, HttpConfig)> {
    let mut config = ServiceConfig::new(&args.data);
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::input(format!("cannot read config `{}`: {e}", path.display())))?;
        config.platform = serde_json::from_str::<PlatformConfig>(&text)
            .map_err(|e| Failure::input(format!("config `{}` is invalid: {e}", path.display())))?;
    }
    if !args.sdk_table.is_empty() {
        config.sdk_table = Some(super::check::sdk_table(&args.sdk_table)?);
    }
    let mut trusted = TrustedKeys::default();
    for path in &args.trusted_keys {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::input(format!(
                "cannot read trusted keys `{}`: {e}",
                path.display()
            ))
        })?;
        let keys = TrustedKeys::from_text(&text)
            .map_err(|e| Failure::input(format!("`{}`: {e}", path.display())))?;
        for id in keys.ids() {
            if let Some(key) = keys.get(id.as_str()) {
                trusted.insert(*key);
            }
        }
    }
    if trusted.is_empty() && (args.feed_url.is_some() || args.policy_dir.is_some()) {
        warn!("no --trusted-key given: every bundle will be refused as untrusted");
    }
    config.trusted_keys = trusted;
    config.policy_dir = args.policy_dir.clone();
    config.feed = args
        .feed_url
        .as_deref()
        .map(|url| {
            parse_url(url).map(|url| FeedSource {
                url,
                interval: args.feed_interval,
                max_backoff: FEED_MAX_BACKOFF.max(args.feed_interval),
            })
        })
        .transpose()
        .map_err(|message| Failure { code: 2, message })?;
    config.max_apk_bytes = args.max_apk_bytes;
    config.timeouts.upload_idle = args.upload_idle;
    config.timeouts.upload_min_rate = args.upload_min_rate;
    config.keep_apks = args.keep_apks;

    let token = match &args.admin_token_file {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
            Failure::input(format!("cannot read admin token `{}`: {e}", path.display()))
        })?),
        None => std::env::var("SHELFGATE_ADMIN_TOKEN").ok(),
    };
    let admin_token = match token.as_deref().map(str::trim) {
        Some("") => return Err(Failure::input("the admin token is empty")),
        Some(t) => Some(AdminToken::new(t)),
        None => {
            info!("no admin token: PUT /v1/policies is disabled");
            None
        }
    };
    let http = HttpConfig {
        admin_token,
        max_in_flight: args.max_in_flight.max(1),
        async_above: (args.async_above > 0).then_some(args.async_above),
        callbacks: CallbackPolicy {
            allow: args.callback_allow.clone(),
            ..CallbackPolicy::default()
        },
        ..HttpConfig::default()
    };
    Ok((config, http))
}

/// Logs to stderr, filtered by `RUST_LOG` (default: info).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    info!("shutting down: finishing requests in flight");
}
