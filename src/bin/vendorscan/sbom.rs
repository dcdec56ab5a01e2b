//! `vendorscan sbom <TARGET>...`: the SBOM a vendor did not deliver — what was found in images
//! and directories (and what SBOMs given as targets list), written as CycloneDX 1.6 (JSON or XML)
//! or SPDX 2.3 JSON.

use crate::inputs::{self, WalkArgs};
use crate::size::ByteSize;
use anyhow::Context;
use clap::{Args as ClapArgs, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::analyse::select;
use vendorscan::report::{self, ToolInfo};
use vendorscan::sbom::Limits;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    CyclonedxJson,
    CyclonedxXml,
    SpdxJson,
}

/// Which file components the SBOM lists.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileSelection {
    /// Every file found.
    All,
    /// Files a package's file list names.
    Owned,
    /// None: packages, the operating system and the product only.
    None,
}

#[derive(ClapArgs)]
pub struct Args {
    /// Firmware images, directories and SBOMs. `sbom:PATH` insists on an SBOM; `dir:PATH`,
    /// `file:PATH` or `image:PATH` walks; `-` reads an SBOM from standard input; `oci-dir:PATH`,
    /// `oci-archive:FILE` and `docker-archive:FILE` read container images (also auto-detected).
    /// `registry:REF` pulls an image from a registry, streamed (`ghcr.io/acme/app:1.2`).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<OsString>,
    /// A folder of your own rules, layered over the bundled pack (repeatable; later wins). The
    /// rules' names, domains and OUIs are what the strings of files are scanned for, as in
    /// `audit`, so the SBOM keeps every mention an audit of the same target would find.
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "cyclonedx-json")]
    format: SbomFormat,
    /// Write the SBOM to this file instead of standard output (`-`: standard output).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Leave the creation time out (CycloneDX) or write the fixed 1970-01-01 (SPDX, which
    /// requires one), so the same input gives byte-identical output. `SOURCE_DATE_EPOCH`, when
    /// set, is used as the creation time instead of now.
    #[arg(long)]
    no_timestamp: bool,
    /// The most bytes one SBOM target may take, after decompression.
    #[arg(long, value_name = "BYTES", env = "VENDORSCAN_MAX_BYTES", default_value_t = ByteSize(Limits::default().max_bytes))]
    max_bytes: ByteSize,
    /// Do not print warnings on standard error.
    #[arg(long, short)]
    quiet: bool,
    /// Exit 0 even when part of a target could not be examined (a damaged or unreadable part,
    /// a limit reached, a format not unpacked); the SBOM then lists only what was read.
    #[arg(long, env = "VENDORSCAN_ALLOW_INCOMPLETE", value_parser = clap::builder::BoolishValueParser::new())]
    allow_incomplete: bool,
    /// Which files to list as components of their own (as syft's cataloguer options keep an
    /// SBOM small): every file, only those a package owns, or none.
    #[arg(long, value_enum, default_value = "all")]
    files: FileSelection,
    /// The product's version, which no file states (NTIA asks every component for one).
    #[arg(long, value_name = "VERSION")]
    source_version: Option<String>,
    /// The product's supplier, which no file states (NTIA asks every component for one).
    #[arg(long, value_name = "NAME")]
    source_supplier: Option<String>,
    #[command(flatten)]
    walk: WalkArgs,
}

impl Args {
    /// The settings of `vendorscan.toml` that apply here and that the user did not give.
    pub fn configure(&mut self, c: &crate::config::Layer<'_>) {
        c.set("rules", &mut self.rules, |f| f.rules.clone());
        c.set("allow_incomplete", &mut self.allow_incomplete, |f| f.allow_incomplete);
        c.set("max_bytes", &mut self.max_bytes, |f| f.limits.max_bytes);
        self.walk.configure(c);
    }
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let limits = Limits {
        max_bytes: args.max_bytes.0,
    };
    let rules = vendorscan::rules::load(&args.rules).map_err(|e| anyhow::anyhow!("{e}"))?;
    let index = vendorscan::rules::Index::new(&rules);
    let analysers = vendorscan::pipeline::audit_analysers(&rules, &index)
        .context("cannot build the indicator scan from the rules")?;
    let timestamp = crate::outputs::timestamp(!args.no_timestamp)?;
    let mut out = inputs::output(&args.output)?;
    let mut inventory = inputs::read(&args.targets, &limits, &args.walk.walking(&analysers), args.quiet);
    let keep = match args.files {
        FileSelection::All => select::Files::All,
        FileSelection::Owned => select::Files::Owned,
        FileSelection::None => select::Files::None,
    };
    select::files(&mut inventory, keep);
    select::source(
        &mut inventory,
        args.source_version.as_deref(),
        args.source_supplier.as_deref(),
    );
    let tool = ToolInfo::THIS;
    let written = match args.format {
        SbomFormat::CyclonedxJson => {
            report::write_cyclonedx_json(&inventory, &tool, None, timestamp.as_deref(), &mut out)
        }
        SbomFormat::CyclonedxXml => {
            report::write_cyclonedx_xml(&inventory, &tool, None, timestamp.as_deref(), &mut out)
        }
        SbomFormat::SpdxJson => report::write_spdx_json(&inventory, &tool, timestamp.as_deref(), &mut out),
    }
    .and_then(|()| out.flush());
    inputs::finish_output(written, "SBOM")?;
    let complete = vendorscan::model::Coverage::measure(&inventory).complete;
    Ok(if inventory.errors.is_empty() && (complete || args.allow_incomplete) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_BAD_INPUT)
    })
}
