//! The `shelfgate` command: parse, run, exit with a code a CI script can
//! branch on.

use std::process::ExitCode;

fn main() -> ExitCode {
    shelfgate::cli::main()
}
