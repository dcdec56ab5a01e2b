//! The `vendorscan` command line. Subcommands live one per file; this file parses arguments and
//! maps outcomes to exit codes: 0 clean, 1 findings at or over `--fail-on` (audit), 2 bad usage
//! or unreadable input.

mod inventory;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "vendorscan",
    version,
    about = "Audit SBOMs and firmware for parts traceable to excluded vendors"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the components of SBOMs with every party that supplied, made, wrote or published them.
    Inventory(inventory::Args),
}

/// Exit status for input that could not be read, as for bad usage.
pub const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Inventory(args) => inventory::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
