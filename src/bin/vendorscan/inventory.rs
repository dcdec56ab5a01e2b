//! `vendorscan inventory <SBOM>...`: read SBOMs, print what they list.

use crate::inputs::{self, OutputFormat, Scheme};
use anyhow::Context;
use clap::Args as ClapArgs;
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::firmware;
use vendorscan::report::{inventory_json, inventory_table};
use vendorscan::sbom::Limits;

#[derive(ClapArgs)]
pub struct Args {
    /// SBOMs (CycloneDX JSON/XML, SPDX JSON/YAML/tag-value/3.0 JSON-LD, optionally gzipped),
    /// directories and images. `sbom:PATH` insists on an SBOM; `dir:PATH` or `image:PATH` walks.
    #[arg(required = true, value_name = "TARGET")]
    inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
    /// Write the output to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The most bytes one SBOM may take, after decompression.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_bytes)]
    max_bytes: u64,
    /// Do not print warnings on standard error (they stay in the JSON output).
    #[arg(long, short)]
    quiet: bool,
    /// Treat warnings as errors: exit 2 when any input was read only in part.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    walk: WalkArgs,
}

/// Bounds on walking directories and images; each has a safe default.
#[derive(ClapArgs)]
pub struct WalkArgs {
    /// Containers nested inside containers, at most.
    #[arg(long, value_name = "N", default_value_t = firmware::Limits::default().max_depth)]
    max_depth: usize,
    /// Bytes unpacked from one target, at most.
    #[arg(long, value_name = "BYTES", default_value_t = firmware::Limits::default().max_total_bytes)]
    max_total_bytes: u64,
    /// Bytes of one member or decompressed stream, at most (it is held in memory).
    #[arg(long, value_name = "BYTES", default_value_t = firmware::Limits::default().max_member_bytes)]
    max_member_bytes: u64,
    /// Expansion ratio of one decompression, at most.
    #[arg(long, value_name = "N", default_value_t = firmware::Limits::default().max_ratio)]
    max_ratio: u64,
    /// Files and members in one target, at most.
    #[arg(long, value_name = "N", default_value_t = firmware::Limits::default().max_entries)]
    max_entries: u64,
}

impl WalkArgs {
    fn limits(&self) -> firmware::Limits {
        firmware::Limits {
            max_depth: self.max_depth,
            max_total_bytes: self.max_total_bytes,
            max_member_bytes: self.max_member_bytes,
            max_ratio: self.max_ratio,
            max_entries: self.max_entries,
            ..firmware::Limits::default()
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let limits = Limits {
        max_bytes: args.max_bytes,
    };
    let inventory = inputs::read(
        &args.inputs,
        Scheme::Auto,
        &limits,
        Some(&args.walk.limits()),
        args.quiet,
    );
    let mut out = inputs::output(&args.output)?;
    match args.format {
        OutputFormat::Json => inventory_json::write(&inventory, &mut out),
        OutputFormat::Table => out.write_all(inventory_table::render(&inventory).as_bytes()),
    }
    .and_then(|()| out.flush())
    .context("cannot write the output")?;
    let partial = args.strict && !inventory.warnings.is_empty();
    Ok(if inventory.errors.is_empty() && !partial {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_BAD_INPUT)
    })
}
