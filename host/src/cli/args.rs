//! Every command and flag, in one place.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "shelfgate",
    version,
    about = "Upload gatekeeper for app stores: APK facts, sandboxed policies, verdicts"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check an APK and its store listing; print the verdict.
    ///
    /// Exit codes: 0 pass, 10 rectify, 20 reject, 2 usage error, 3 unreadable or malformed input.
    Check(CheckArgs),
    /// Inspect an APK and print its facts.
    ///
    /// Exit codes: 0 success, 3 malformed or unreadable input.
    Inspect(InspectArgs),
    /// Work with policies: list, test, bench.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print the JSON Schema of a contract type (e.g. `listing`).
    Schema(SchemaArgs),
    /// Run the HTTP service: checks, submissions, hot-loaded signed policies.
    ///
    /// With no flags it listens on 127.0.0.1:8080, serves the built-in
    /// policy pack and keeps its store under ./shelfgate-data.
    Serve(ServeArgs),
    /// Re-evaluate the stored catalogue (never the APKs) against the active
    /// set, or a candidate set in shadow; print the diff.
    ///
    /// Exit codes: 0 no app newly rejected or asked to rectify, 10 some
    /// newly asked to rectify, 20 some newly rejected, 1 error, 2 usage.
    Recheck(RecheckArgs),
    /// List rectification cases by state; apply due deadlines with --sweep.
    Cases(CasesArgs),
    /// The campaign report: apps tested, asked to rectify, notified, removed.
    Report(ReportArgs),
    /// Developer tools.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Which policies to run.
#[derive(Debug, Args)]
pub struct PolicySource {
    /// Load `.wasm` policy components from DIR (or one file) instead of the built-in pack.
    #[arg(long = "policies", value_name = "DIR")]
    pub policies: Vec<PathBuf>,
    /// With --policies: keep the built-in pack too.
    #[arg(long)]
    pub with_builtin: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The APK to check.
    pub apk: PathBuf,
    /// The store listing (JSON, schema `shelfgate.listing/1`).
    #[arg(long, value_name = "LISTING.json")]
    pub listing: PathBuf,
    #[command(flatten)]
    pub source: PolicySource,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Evaluation date (YYYY-MM-DD); today by default.
    #[arg(long)]
    pub date: Option<String>,
    /// Platform configuration (JSON): target-SDK floors, deadlines, settings.
    #[arg(long, value_name = "CONFIG.json")]
    pub config: Option<PathBuf>,
    /// SDK signature table to add to the built-in one (same JSON format).
    #[arg(long, value_name = "FILE")]
    pub sdk_table: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The APK to inspect.
    pub apk: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Only the manifest (the facts `aapt dump badging` gives).
    #[arg(long)]
    pub manifest_only: bool,
    /// SDK signature table to add to the built-in one.
    #[arg(long, value_name = "FILE")]
    pub sdk_table: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List the active policies: id, version, digest, mode and rule ids.
    List(ListArgs),
    /// Run test cases against policies, as `opa test` does.
    Test(TestArgs),
    /// Measure p50/p99 per policy and for the whole set.
    Bench(BenchArgs),
    /// Make an Ed25519 key pair for signing policy bundles.
    Keygen(KeygenArgs),
    /// Assemble an unsigned bundle directory: modules, fixtures, manifest.
    Bundle(BundleArgs),
    /// Sign a bundle directory: the archive a feed serves, or a signed directory.
    Sign(SignArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub source: PolicySource,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// A component or core module, a directory of them, `builtin`, or `builtin:<module>`.
    pub module_or_dir: String,
    /// Directory of `*.json` cases (merge patches over the nearest `_base.json`).
    pub cases_dir: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// A component, a directory of them, `builtin` (default), or `builtin:<module>`.
    #[arg(default_value = "builtin")]
    pub module_or_dir: String,
    /// A case file whose input is evaluated (default: the pack's clean base).
    #[arg(long)]
    pub case: Option<PathBuf>,
    /// Evaluations per policy.
    #[arg(long, default_value_t = 2000)]
    pub iterations: u32,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// WIT type name: `listing`, `apk-facts`, `verdict`, `evaluation-context`, ...
    #[arg(default_value = "listing")]
    pub r#type: String,
}

/// The store and its platform configuration.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The data directory (the store of `shelfgate serve`).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Platform configuration (JSON): target-SDK floors, deadlines, settings.
    #[arg(long, value_name = "CONFIG.json")]
    pub config: Option<PathBuf>,
    /// Case rules (JSON): rectify and notice working days, holidays.
    #[arg(long, value_name = "CASES.json")]
    pub cases_config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RecheckArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// `all`, `listed`, `shelved`, `removed`, `package:NAME`, `sdk:ID` or `category:NAME`.
    #[arg(long, default_value = "all")]
    pub scope: String,
    /// Shadow run against this set: a signed bundle (directory or archive,
    /// verified with --trusted-keys) or `.wasm` components. Changes nothing stored.
    #[arg(long, value_name = "BUNDLE_OR_DIR")]
    pub candidate: Option<PathBuf>,
    /// Trusted keys file, for a candidate bundle and the stored last good set.
    #[arg(long, value_name = "FILE")]
    pub trusted_keys: Option<PathBuf>,
    /// Re-evaluate every policy for every app.
    #[arg(long)]
    pub full: bool,
    /// Continue an interrupted run from its checkpoint (a shadow run needs
    /// its --candidate again).
    #[arg(long, value_name = "RUN_ID", conflicts_with_all = ["scope", "full"])]
    pub resume: Option<String>,
    /// Write the diff report here: CSV if the name ends in `.csv`, else JSON lines.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// Apps evaluated at once (0: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Apps per checkpoint.
    #[arg(long, default_value_t = 512)]
    pub batch: usize,
}

#[derive(Debug, Args)]
pub struct CasesArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Only cases in this state: rectify, notified, removed, closed.
    #[arg(long)]
    pub state: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// First move every case that is due: missed deadlines, newer verdicts.
    #[arg(long)]
    pub sweep: bool,
    /// Record that the developer refused to rectify case ID: the app is removed.
    #[arg(long, value_name = "ID")]
    pub refuse: Option<i64>,
    /// Why, with --refuse.
    #[arg(long, default_value = "refused by the developer")]
    pub reason: String,
    /// Include each case's transitions.
    #[arg(long)]
    pub history: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Html,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The data directory.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Fill a store with a synthetic catalogue drawn from the corpus's distributions.
    Populate(PopulateArgs),
}

#[derive(Debug, Args)]
pub struct PopulateArgs {
    /// Apps to generate.
    #[arg(long)]
    pub apps: u64,
    /// The data directory to fill.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// APKs whose permission, SDK and target-SDK frequencies seed the draw;
    /// a built-in table is used when absent.
    #[arg(long, value_name = "DIR", default_value = "../shared/corpus/apk")]
    pub corpus: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Data directory: the store, uploads in progress, the compile cache.
    #[arg(long, value_name = "DIR", default_value = "shelfgate-data")]
    pub data: PathBuf,
    /// A trusted-keys file (`shelfgate policy keygen` writes one); repeatable.
    /// Without one, only the built-in pack can serve.
    #[arg(long = "trusted-key", value_name = "FILE")]
    pub trusted_keys: Vec<PathBuf>,
    /// File holding the admin bearer token (else the SHELFGATE_ADMIN_TOKEN
    /// environment variable; without either the admin API is disabled).
    #[arg(long, value_name = "FILE")]
    pub admin_token_file: Option<PathBuf>,
    /// A signed bundle directory to load and watch; a changed file means a reload.
    #[arg(long, value_name = "DIR")]
    pub policy_dir: Option<PathBuf>,
    /// A regulator feed: an HTTPS URL serving a bundle archive, polled with ETags.
    #[arg(long, value_name = "URL")]
    pub feed_url: Option<String>,
    /// How often the feed is polled while it answers.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = humantime::parse_duration)]
    pub feed_interval: Duration,
    /// Platform configuration (JSON): target-SDK floors, deadlines, settings.
    #[arg(long, value_name = "CONFIG.json")]
    pub config: Option<PathBuf>,
    /// SDK signature table to add to the built-in one.
    #[arg(long, value_name = "FILE")]
    pub sdk_table: Vec<PathBuf>,
    /// Largest APK accepted (bytes); larger uploads get 413.
    #[arg(long, value_name = "BYTES", default_value_t = 512 << 20)]
    pub max_apk_bytes: u64,
    /// Uploads in flight at once; beyond it requests get 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 64)]
    pub max_in_flight: usize,
    /// APKs larger than this are checked asynchronously (202 and a job); 0 never.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub async_above: u64,
    /// Keep uploaded APK bytes in the store (recheck needs only the facts).
    #[arg(long)]
    pub keep_apks: bool,
    /// Only send verdict callbacks to URLs starting with PREFIX; repeatable.
    /// Without it, callbacks go only to https URLs of public addresses; a
    /// prefix also admits http, loopback and private hosts under it.
    #[arg(long = "callback-allow", value_name = "PREFIX")]
    pub callback_allow: Vec<String>,
    /// An upload that sends nothing for this long is answered 408.
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = humantime::parse_duration)]
    pub upload_idle: Duration,
    /// After the first 10 s, an upload slower than this many bytes per
    /// second on average is answered 408 (0: no minimum).
    #[arg(long, value_name = "BYTES", default_value_t = 16384)]
    pub upload_min_rate: u64,
}

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the signing key (secret; created with mode 0600).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Where to write the trusted-keys file platforms install (public).
    #[arg(long, value_name = "FILE")]
    pub trusted: PathBuf,
}

#[derive(Debug, Args)]
pub struct BundleArgs {
    /// Directory to write the unsigned bundle into (must be empty or absent).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Directory of `ID.wasm` policy components; the file stem is the policy id.
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "builtin",
        conflicts_with = "builtin"
    )]
    pub modules: Option<PathBuf>,
    /// Bundle the built-in pack (or `--only` some of its modules).
    #[arg(long)]
    pub builtin: bool,
    /// With --builtin: only these modules; repeatable.
    #[arg(long, value_name = "ID", requires = "builtin")]
    pub only: Vec<String>,
    /// Directory of `NAME.json` fixtures the bundle must pass before activation.
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Also turn the `shelfgate policy test` cases in DIR into fixtures
    /// (cases that expect policy errors are left out); repeatable.
    #[arg(long, value_name = "DIR")]
    pub fixtures_from_cases: Vec<PathBuf>,
    /// The bundle's name, stable across revisions (e.g. `cn-miit-2025`).
    #[arg(long)]
    pub id: String,
    /// Must grow with every publication of the same id.
    #[arg(long)]
    pub revision: u64,
    /// Start of validity, RFC 3339 (default: now).
    #[arg(long, value_name = "TIME")]
    pub not_before: Option<String>,
    /// Validity from `not_before`.
    #[arg(long, value_name = "DURATION", default_value = "90days", value_parser = humantime::parse_duration)]
    pub valid_for: Duration,
    /// Enforcement mode of every module: enforce, warn, shadow.
    #[arg(long, default_value = "enforce")]
    pub mode: String,
    /// Failure mode of every module: fail_closed, fail_reject, fail_open.
    #[arg(long, default_value = "fail_closed")]
    pub failure_mode: String,
    /// Per-module override, `ID=MODE` or `ID=MODE:FAILURE`; repeatable.
    #[arg(long = "module", value_name = "ID=MODE[:FAILURE]")]
    pub module_modes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The bundle directory (`shelfgate policy bundle` output).
    pub dir: PathBuf,
    /// The signing key file.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Write the archive (one JSON document, what a feed serves and
    /// `PUT /v1/policies` takes).
    #[arg(long, value_name = "FILE", required_unless_present = "out_dir")]
    pub out: Option<PathBuf>,
    /// Write the signed directory form (for --policy-dir) into DIR, which
    /// must be empty or absent.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}
