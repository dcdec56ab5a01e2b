//! `vendorscan inventory <SBOM>...`: read SBOMs, print what they list.

use crate::inputs::{self, OutputFormat, WalkArgs};
use crate::size::ByteSize;
use clap::Args as ClapArgs;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::report::{inventory_json, inventory_table};
use vendorscan::sbom::Limits;

#[derive(ClapArgs)]
pub struct Args {
    /// SBOMs (CycloneDX JSON/XML, SPDX JSON/YAML/tag-value/3.0 JSON-LD, optionally gzipped),
    /// directories and images. `sbom:PATH` insists on an SBOM; `dir:PATH`, `file:PATH` or
    /// `image:PATH` walks; `-` reads an SBOM from standard input; `oci-dir:PATH`,
    /// `oci-archive:FILE` and `docker-archive:FILE` read container images (also auto-detected).
    /// `registry:REF` pulls an image from a registry, streamed (`ghcr.io/acme/app:1.2`).
    #[arg(required = true, value_name = "TARGET")]
    inputs: Vec<OsString>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
    /// Write the output to this file instead of standard output (`-`: standard output).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The most bytes one SBOM may take, after decompression.
    #[arg(long, value_name = "BYTES", env = "VENDORSCAN_MAX_BYTES", default_value_t = ByteSize(Limits::default().max_bytes))]
    max_bytes: ByteSize,
    /// Do not print warnings on standard error (they stay in the JSON output).
    #[arg(long, short)]
    quiet: bool,
    /// Treat warnings as errors: exit 2 when any input was read only in part.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    walk: WalkArgs,
}

impl Args {
    /// The settings of `vendorscan.toml` that apply here and that the user did not give.
    pub fn configure(&mut self, c: &crate::config::Layer<'_>) {
        c.set("max_bytes", &mut self.max_bytes, |f| f.limits.max_bytes);
        self.walk.configure(c);
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let limits = Limits {
        max_bytes: args.max_bytes.0,
    };
    let mut out = inputs::output(&args.output)?;
    let analysers = vendorscan::analyse::standard();
    let inventory = inputs::read(&args.inputs, &limits, &args.walk.walking(&analysers), args.quiet);
    inputs::finish_output(
        match args.format {
            OutputFormat::Json => inventory_json::write(&inventory, &mut out),
            OutputFormat::Table => out.write_all(inventory_table::render(&inventory).as_bytes()),
        }
        .and_then(|()| out.flush()),
        "output",
    )?;
    let partial = args.strict && !inventory.warnings.is_empty();
    Ok(if inventory.errors.is_empty() && !partial {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_BAD_INPUT)
    })
}
