//! Command-line interface.
//!
//! Results go to stdout (text for people, `--format json` for programs),
//! messages to stderr. Exit codes are part of the public interface:
//! 0 pass (or success), 10 rectify, 20 reject, 2 usage error, 3 unreadable
//! or malformed input, 1 anything else.

mod args;
mod bundle;
mod cases;
mod check;
mod dev;
mod output;
mod policy;
mod recheck;
mod report;
mod serve;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Unreadable or malformed input (exit 3).
    pub fn input(message: impl Into<String>) -> Failure {
        Failure {
            code: 3,
            message: message.into(),
        }
    }

    /// Anything else (exit 1).
    pub fn other(message: impl Into<String>) -> Failure {
        Failure {
            code: 1,
            message: message.into(),
        }
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Failure {
        Failure::other(format!("{e:#}"))
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;

pub const EXIT_PASS: u8 = 0;
pub const EXIT_RECTIFY: u8 = 10;
pub const EXIT_REJECT: u8 = 20;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with exit 0, usage
            // errors to stderr with exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            eprintln!("shelfgate: error: {}", f.message.replace('\n', " "));
            ExitCode::from(f.code)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Check(a) => check::check(a),
        Command::Inspect(a) => check::inspect_cmd(a),
        Command::Policy(p) => policy::run(p),
        Command::Serve(a) => serve::serve(a),
        Command::Recheck(a) => recheck::recheck(a),
        Command::Cases(a) => cases::cases(a),
        Command::Report(a) => report::report(a),
        Command::Dev(d) => dev::run(d),
        Command::Schema(s) => {
            let schema = shelfgate_contract::json::json_schema(
                &s.r#type,
                &format!("https://shelfgate.dev/schema/{}.json", s.r#type),
            )
            .ok_or_else(|| Failure {
                code: 2,
                message: format!("the contract has no type `{}`", s.r#type),
            })?;
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).unwrap_or_default()
            );
            Ok(EXIT_PASS)
        }
    }
}
