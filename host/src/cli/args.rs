//! Every command and flag, in one place.

use std::path::PathBuf;

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
