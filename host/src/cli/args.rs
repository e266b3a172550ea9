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
