//! The `vendorscan` command line. Subcommands live one per file; this file parses arguments,
//! layers `vendorscan.toml` under them (config.rs), and maps outcomes to exit codes: 0 clean, 1
//! findings at or over `--fail-on` (audit), 2 bad usage, a bad configuration file or unreadable
//! input.

mod audit;
mod cache_cmd;
mod config;
mod evidence;
mod extract;
mod inputs;
mod inventory;
mod ls;
mod outputs;
mod progress;
mod rules_cmd;
mod sbom;
mod size;

use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// One worked example per reader of the results, shown by `--help` and in the man page.
const EXAMPLES: &str = "\
Examples:

  A vendor self-certifying a delivery: audit the image and its SBOM, keep the report, and sign
  an attestation the buyer can verify (docs/attestation.md):

    vendorscan audit firmware.bin product.cdx.json -o json=audit.json -o html=audit.html \\
        --attest audit.intoto.json --sign-key vendor.pem

  A lab auditing a delivered device: the firmware image and the vendor's SBOM together, every
  piece of evidence with its place, review findings failing the check too:

    vendorscan audit -v --fail-on review flash-dump.bin vendor-sbom.spdx.json -o html=lab-report.html

  A CI gate: SARIF for code scanning, Markdown for the pull request, the table in the log;
  exit 1 on an excluded part, 2 when something could not be examined (examples/ci/):

    vendorscan audit build/image.bin -f table -o sarif=vendorscan.sarif -o markdown=vendorscan.md

Settings can live in vendorscan.toml (`vendorscan init` writes one; docs/configuration.md).";

/// What `-h` says instead of the examples.
const SEE_EXAMPLES: &str = "`--help` shows examples for vendors, labs and CI.";

#[derive(Parser)]
#[command(
    name = "vendorscan",
    about = "Audit SBOMs and firmware for parts traceable to excluded vendors",
    after_help = SEE_EXAMPLES,
    after_long_help = EXAMPLES
)]
struct Cli {
    #[command(flatten)]
    config: config::ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Mark what in SBOMs, images and directories is traceable to excluded vendors, with graded
    /// evidence.
    #[command(after_help = SEE_EXAMPLES, after_long_help = EXAMPLES)]
    Audit(audit::Args),
    /// List the components of SBOMs with every party that supplied, made, wrote or published them,
    /// and every file of directories and images.
    Inventory(inventory::Args),
    /// Write an SBOM of what images and directories hold (CycloneDX 1.6 JSON/XML, SPDX 2.3 JSON).
    Sbom(sbom::Args),
    /// List, show and check rule packs.
    Rules(rules_cmd::Args),
    /// Write a starter vendorscan.toml: every setting, commented out, with its default.
    Init(config::InitArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell) on standard output.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output: `vendorscan man | man -l -`.
    Man {
        /// A subcommand's page instead of the main one (`vendorscan man audit`).
        #[arg(value_name = "COMMAND")]
        subcommand: Option<String>,
    },
    /// Write one member of an image, addressed by the virtual path the reports print.
    Extract(extract::Args),
    /// List a container's members (or a target's) with their types, sizes and SHA-256.
    Ls(ls::Args),
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

/// The whole command line, as parsed and as completions and the man page describe it.
fn command() -> clap::Command {
    Cli::command().version(version())
}

fn main() -> ExitCode {
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    match run(cli, &matches) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<ExitCode> {
    // The subcommand's own matches, where value_source tells what the user gave.
    let sub = matches
        .subcommand()
        .map(|(_, m)| m)
        .expect("clap requires a subcommand");
    match cli.command {
        Command::Audit(mut args) => {
            args.configure(&cli.config.load()?.layer(sub));
            audit::run(args)
        }
        Command::Inventory(mut args) => {
            args.configure(&cli.config.load()?.layer(sub));
            inventory::run(args)
        }
        Command::Sbom(mut args) => {
            args.configure(&cli.config.load()?.layer(sub));
            sbom::run(args)
        }
        Command::Rules(mut args) => {
            if args.reads_config() {
                args.configure(&cli.config.load()?, sub);
            }
            rules_cmd::run(args)
        }
        Command::Init(args) => config::init(args),
        Command::Extract(args) => extract::run(args),
        Command::Ls(args) => ls::run(args),
        Command::Cache(args) => cache_cmd::run(args),
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics when its writer fails (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command(), "vendorscan", &mut script);
            let mut out = std::io::stdout().lock();
            inputs::finish_output(out.write_all(&script).and_then(|()| out.flush()), "completions")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { subcommand } => {
            let mut root = command();
            root.build();
            let page = match &subcommand {
                None => root,
                Some(name) => match root.find_subcommand(name) {
                    Some(sub) => sub.clone(),
                    None => {
                        let known: Vec<&str> = root.get_subcommands().map(|s| s.get_name()).collect();
                        anyhow::bail!("no command `{name}`; known: {}", known.join(", "))
                    }
                },
            };
            let mut out = std::io::stdout().lock();
            let written = clap_mangen::Man::new(page)
                .source(format!("vendorscan {}", env!("CARGO_PKG_VERSION")))
                .manual("vendorscan manual")
                .render(&mut out)
                .and_then(|()| out.flush());
            inputs::finish_output(written, "manual page")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        super::command().debug_assert();
    }
}
