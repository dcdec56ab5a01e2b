//! `vendorscan audit <TARGET>...`: the main job. Reads the targets, applies the rule packs and
//! policies, prints graded findings, and exits 0 (nothing reaches --fail-on), 1 (something
//! does) or 2 (bad usage or unreadable input).

use crate::inputs::{self, OutputFormat, WalkArgs};
use anyhow::{bail, Context};
use clap::{Args as ClapArgs, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::model::Overall;
use vendorscan::report::{audit_json, audit_table};
use vendorscan::rules::{self, AuditOptions, Date, Index};
use vendorscan::sbom::Limits;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Excluded,
    Review,
    Never,
}

#[derive(ClapArgs)]
pub struct Args {
    /// SBOMs (CycloneDX, SPDX; optionally gzipped), firmware images and directories.
    /// `sbom:PATH` insists on an SBOM; `dir:PATH` or `image:PATH` walks.
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<PathBuf>,
    /// A folder of your own rules, layered over the bundled pack (repeatable; later wins).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Apply only these policies (repeatable). Default: every policy marked `default`.
    #[arg(long = "policy", value_name = "ID")]
    policies: Vec<String>,
    /// Waivers file (TOML; see docs/report-format.md).
    #[arg(long, value_name = "FILE")]
    waivers: Option<PathBuf>,
    /// The verdict at which the exit code becomes 1.
    #[arg(long, value_enum, default_value = "excluded")]
    fail_on: FailOn,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Show mentions and every piece of evidence with its location (table format).
    #[arg(long, short)]
    verbose: bool,
    /// Add the current time to the JSON report (it is otherwise byte-for-byte reproducible).
    #[arg(long)]
    timestamp: bool,
    /// Judge waiver expiry as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", hide = true)]
    today: Option<String>,
    /// The most bytes one SBOM may take, after decompression.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_bytes)]
    max_bytes: u64,
    /// Do not print warnings on standard error (they stay in the JSON report).
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    walk: WalkArgs,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let rules = rules::load(&args.rules).map_err(|e| anyhow::anyhow!("{e}"))?;
    for id in &args.policies {
        if rules.policy(id).is_none() {
            let known: Vec<&str> = rules.policies.iter().map(|p| p.id.as_str()).collect();
            bail!("unknown policy `{id}`; known: {}", known.join(", "));
        }
    }
    let today = match &args.today {
        Some(d) => Date::parse(d).with_context(|| format!("--today: `{d}` is not YYYY-MM-DD"))?,
        None => Date::today(),
    };
    let waivers = match &args.waivers {
        Some(p) => rules::waiver::read(p).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Vec::new(),
    };
    let limits = Limits {
        max_bytes: args.max_bytes,
    };
    let index = Index::new(&rules);
    let analysers = vendorscan::pipeline::audit_analysers(&rules, &index)
        .context("cannot build the indicator scan from the rules")?;
    let inventory = inputs::read(&args.targets, &limits, &args.walk.walking(&analysers), args.quiet);
    let audit = rules::audit(
        &inventory,
        &rules,
        &index,
        &AuditOptions {
            policies: args.policies.clone(),
            waivers,
            waivers_file: args
                .waivers
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            today,
        },
    );
    if !args.quiet {
        for w in &audit.warnings {
            eprintln!("warning: {w}");
        }
    }
    let timestamp = args.timestamp.then(inputs::now_rfc3339);
    let mut out = inputs::output(&args.output)?;
    match args.format {
        OutputFormat::Json => audit_json::write(&inventory, &audit, &rules.packs, timestamp.as_deref(), &mut out),
        OutputFormat::Table => {
            out.write_all(audit_table::render(&inventory, &audit, &rules.packs, args.verbose).as_bytes())
        }
    }
    .and_then(|()| out.flush())
    .context("cannot write the report")?;
    if !inventory.errors.is_empty() {
        return Ok(ExitCode::from(crate::EXIT_BAD_INPUT));
    }
    let fails = match args.fail_on {
        FailOn::Excluded => audit.verdict >= Overall::Excluded,
        FailOn::Review => audit.verdict >= Overall::Review,
        FailOn::Never => false,
    };
    Ok(if fails { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
