//! `vendorscan inventory <SBOM>...`: read SBOMs, print what they list.

use anyhow::Context;
use clap::{Args as ClapArgs, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::model::{InputError, Inventory};
use vendorscan::report::{inventory_json, inventory_table, text::escape};
use vendorscan::sbom::{self, Limits};

#[derive(Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(ClapArgs)]
pub struct Args {
    /// SBOM files: CycloneDX JSON/XML, SPDX JSON/YAML/tag-value/3.0 JSON-LD, optionally gzipped.
    #[arg(required = true, value_name = "SBOM")]
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
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let limits = Limits {
        max_bytes: args.max_bytes,
    };
    let mut inventory = Inventory::default();
    for path in &args.inputs {
        match sbom::read_path(path, &limits) {
            Ok(part) => inventory.add(part),
            Err(e) => {
                eprintln!("error: {}", escape(&e.to_string()));
                inventory.errors.push(InputError {
                    file: path.display().to_string(),
                    message: e.to_string(),
                });
            }
        }
    }
    if !args.quiet {
        for w in &inventory.warnings {
            eprintln!("warning: {}", escape(&w.to_string()));
        }
    }
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("{}: cannot create", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        OutputFormat::Json => inventory_json::write(&inventory, &mut out),
        OutputFormat::Table => out.write_all(inventory_table::render(&inventory).as_bytes()),
    }
    .and_then(|()| out.flush())
    .context("cannot write the output")?;
    Ok(if inventory.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_BAD_INPUT)
    })
}
