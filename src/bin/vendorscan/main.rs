//! The `vendorscan` command line. Subcommands live one per file; this file parses arguments and
//! maps outcomes to exit codes: 0 clean, 1 findings at or over `--fail-on` (audit), 2 bad usage
//! or unreadable input.

mod audit;
mod cache_cmd;
mod inputs;
mod inventory;
mod outputs;
mod progress;
mod rules_cmd;
mod sbom;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "vendorscan",
    about = "Audit SBOMs and firmware for parts traceable to excluded vendors"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Mark what in SBOMs, images and directories is traceable to excluded vendors, with graded
    /// evidence.
    Audit(audit::Args),
    /// List the components of SBOMs with every party that supplied, made, wrote or published them,
    /// and every file of directories and images.
    Inventory(inventory::Args),
    /// Write an SBOM of what images and directories hold (CycloneDX 1.6 JSON/XML, SPDX 2.3 JSON).
    Sbom(sbom::Args),
    /// List, show and check rule packs.
    Rules(rules_cmd::Args),
    /// Show or clear the results cache.
    Cache(cache_cmd::Args),
}

/// Exit status for input that could not be read, as for bad usage.
pub const EXIT_BAD_INPUT: u8 = 2;

/// `--version`: the tool's version and the exact rules compiled in, as a report names them.
fn version() -> &'static str {
    let pack = vendorscan::rules::load::bundled_pack();
    let text = format!(
        "{} (rules {} {} sha256:{})",
        env!("CARGO_PKG_VERSION"),
        pack.id,
        pack.version,
        pack.sha256
    );
    // Once per process, for clap, which wants a 'static string here.
    Box::leak(text.into_boxed_str())
}

fn main() -> ExitCode {
    let parsed = Cli::command()
        .version(version())
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Audit(args) => audit::run(args),
        Command::Inventory(args) => inventory::run(args),
        Command::Sbom(args) => sbom::run(args),
        Command::Rules(args) => rules_cmd::run(args),
        Command::Cache(args) => cache_cmd::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
