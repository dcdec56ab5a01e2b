//! `vendorscan audit <TARGET>...`: the main job. Reads the targets, applies the rule packs and
//! policies, prints graded findings and coverage, and exits 0 (clear), 1 (a finding at or over
//! --fail-on, or supplier coverage under --min-supplier-coverage) or 2 (bad usage, unreadable
//! input, or an incomplete run — unless --allow-incomplete).

use crate::config::Layer;
use crate::inputs::{self, WalkArgs};
use crate::outputs;
use crate::size::ByteSize;
use anyhow::{bail, Context};
use clap::{Args as ClapArgs, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::model::Overall;
use vendorscan::report::attest;
use vendorscan::rules::{self, AuditOptions, Date, Index};
use vendorscan::sbom::Limits;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    Excluded,
    Review,
    Never,
}

#[derive(ClapArgs)]
pub struct Args {
    /// SBOMs (CycloneDX, SPDX; optionally gzipped), firmware images and directories.
    /// `sbom:PATH` insists on an SBOM; `dir:PATH`, `file:PATH` or `image:PATH` walks; `-` reads
    /// an SBOM from standard input; `oci-dir:PATH`, `oci-archive:FILE` and `docker-archive:FILE`
    /// read container images (also auto-detected).
    /// `registry:REF` pulls an image from a registry, streamed (`ghcr.io/acme/app:1.2`).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<OsString>,
    /// A folder of your own rules, layered over the bundled pack (repeatable; later wins).
    #[arg(long = "rules", value_name = "DIR")]
    rules: Vec<PathBuf>,
    /// Apply only these policies (repeatable). Default: every policy marked `default`.
    #[arg(long = "policy", value_name = "ID", env = "VENDORSCAN_POLICY", value_delimiter = ',')]
    policies: Vec<String>,
    /// Waivers file (TOML; see docs/report-format.md).
    #[arg(long, value_name = "FILE", env = "VENDORSCAN_WAIVERS")]
    waivers: Option<PathBuf>,
    /// The verdict at which the exit code becomes 1.
    #[arg(long, value_enum, default_value = "excluded", env = "VENDORSCAN_FAIL_ON")]
    fail_on: FailOn,
    /// Exit 1 when fewer than this percentage of the packages name a supplier, manufacturer,
    /// author or originator (the NTIA minimum element; 0 to 100).
    #[arg(long, value_name = "PCT", value_parser = percent, env = "VENDORSCAN_MIN_SUPPLIER_COVERAGE")]
    min_supplier_coverage: Option<f64>,
    /// Let an incomplete run (a damaged or unreadable part, a limit reached, a format not
    /// unpacked) exit as its findings say, instead of 2. The report still says incomplete.
    #[arg(long, env = "VENDORSCAN_ALLOW_INCOMPLETE", value_parser = clap::builder::BoolishValueParser::new())]
    allow_incomplete: bool,
    /// The report on standard output (or in the `--output FILE`) [default: table].
    #[arg(long, short, value_enum, value_name = "FMT", env = "VENDORSCAN_FORMAT")]
    format: Option<crate::outputs::Format>,
    /// `FMT=FILE` writes that report to FILE (repeatable: `-o html=report.html -o json=r.json`);
    /// a plain FILE takes the `--format` report. `-` is standard output.
    #[arg(long, short, value_name = "[FMT=]FILE")]
    output: Vec<OsString>,
    /// Also write a signed attestation of the audit to FILE: an in-toto statement in a DSSE
    /// envelope (docs/attestation.md).
    #[arg(long, value_name = "FILE")]
    attest: Option<PathBuf>,
    /// Sign the attestation with this Ed25519 or ECDSA P-256 private key (PKCS#8 PEM, as
    /// `openssl genpkey` writes it). Without it the attestation is written unsigned.
    #[arg(long, value_name = "KEY.pem", requires = "attest")]
    sign_key: Option<PathBuf>,
    /// Show mentions and every piece of evidence with its location (table format).
    #[arg(long, short)]
    verbose: bool,
    /// Verdicts in colour: `auto` on a terminal unless NO_COLOR is set.
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        value_name = "WHEN",
        env = "VENDORSCAN_COLOR"
    )]
    color: crate::inputs::Color,
    /// Add the time (SOURCE_DATE_EPOCH if set, else now) to the JSON, Markdown and HTML reports
    /// (they are otherwise byte-for-byte reproducible).
    #[arg(long)]
    timestamp: bool,
    /// Judge waiver expiry as of this date (YYYY-MM-DD) instead of today.
    #[arg(long, value_name = "DATE", hide = true)]
    today: Option<String>,
    /// The most bytes one SBOM may take, after decompression (`512M`, `1G`: powers of 1024).
    #[arg(long, value_name = "BYTES", env = "VENDORSCAN_MAX_BYTES", default_value_t = ByteSize(Limits::default().max_bytes))]
    max_bytes: ByteSize,
    /// Do not print warnings on standard error (they stay in the JSON report).
    #[arg(long, short)]
    quiet: bool,
    /// Reconcile this SBOM — what the vendor declared (CycloneDX or SPDX, any version read) —
    /// with what the walk of the targets finds: undeclared, not found, hash mismatches and
    /// contradicted suppliers are reported as findings (docs/reconciliation.md).
    #[arg(long, value_name = "SBOM")]
    declared: Option<PathBuf>,
    /// Copy the flagged file of every finding (at review or above, and every reconciliation
    /// difference with a file) out of its image into DIR, beside a manifest.json with each
    /// file's virtual path, SHA-256, hash chain back to the input and the findings' evidence
    /// (bounded by --max-member-bytes; nothing in DIR is overwritten).
    #[arg(long, value_name = "DIR")]
    evidence_dir: Option<PathBuf>,
    #[command(flatten)]
    walk: WalkArgs,
}

impl Args {
    /// The settings of `vendorscan.toml` that the user did not give as flags or variables.
    pub fn configure(&mut self, c: &Layer<'_>) {
        c.set("rules", &mut self.rules, |f| f.rules.clone());
        c.set("policies", &mut self.policies, |f| f.policies.clone());
        c.set("waivers", &mut self.waivers, |f| f.waivers.clone().map(Some));
        c.set("fail_on", &mut self.fail_on, |f| f.fail_on);
        c.set("min_supplier_coverage", &mut self.min_supplier_coverage, |f| {
            f.min_supplier_coverage.map(Some)
        });
        c.set("allow_incomplete", &mut self.allow_incomplete, |f| f.allow_incomplete);
        c.set("format", &mut self.format, |f| f.format.map(Some));
        c.set("output", &mut self.output, |f| {
            f.outputs
                .as_ref()
                .map(|o| o.iter().map(|s| OsString::from(s.get_ref())).collect())
        });
        c.set("color", &mut self.color, |f| f.color);
        c.set("max_bytes", &mut self.max_bytes, |f| f.limits.max_bytes);
        self.walk.configure(c);
    }
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
        max_bytes: args.max_bytes.0,
    };
    let index = Index::new(&rules);
    let analysers = vendorscan::pipeline::audit_analysers(&rules, &index)
        .context("cannot build the indicator scan from the rules")?;
    // Before any file is created or input read: a bad SOURCE_DATE_EPOCH fails at once.
    let timestamp = outputs::timestamp(args.timestamp)?;
    let signer = args
        .sign_key
        .as_deref()
        .map(attest::Signer::from_pem_file)
        .transpose()?;
    let mut attestation = args
        .attest
        .as_ref()
        .map(|p| inputs::output(&Some(p.clone())))
        .transpose()?;
    let outputs = outputs::open(outputs::plan(args.format, &args.output)?)?;
    let inventory = inputs::read(&args.targets, &limits, &args.walk.walking(&analysers), args.quiet);
    let declared = args
        .declared
        .as_ref()
        .map(|p| read_declared(p, &limits, &args.walk.walking(&analysers)))
        .transpose()?;
    let mut audit = rules::audit(
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
    if let Some(declared) = &declared {
        let reconciliation = vendorscan::reconcile::reconcile(&vendorscan::reconcile::Inputs {
            declared,
            observed: &inventory,
            findings: &audit.findings,
            rules: &rules,
            index: &index,
        });
        vendorscan::reconcile::apply(&mut audit, &inventory, reconciliation);
    }
    if !args.quiet {
        for w in &audit.warnings {
            eprintln!("warning: {w}");
        }
    }
    let run = vendorscan::report::summary::Run {
        inventory: &inventory,
        audit: &audit,
        rules: &rules,
        waivers_file: args.waivers.as_deref().and_then(|p| p.to_str()),
        timestamp: timestamp.as_deref(),
    };
    let table = outputs::TableStyle {
        verbose: args.verbose,
        color: args.color,
    };
    for output in outputs {
        output.write(&run, &table)?;
    }
    if let Some(dir) = &args.evidence_dir {
        crate::evidence::write(dir, &inventory, &audit, &args.walk.walking(&analysers).limits)?;
    }
    if let Some(file) = &mut attestation {
        let written = attest::write(
            &inventory,
            &audit,
            &rules.packs,
            timestamp.as_deref(),
            signer.as_ref(),
            file,
        )
        .and_then(|w| file.flush().map(|()| w))
        .map_err(|e| anyhow::anyhow!("cannot write the attestation: {e}"))?;
        if signer.is_none() {
            eprintln!("note: the attestation is not signed (no --sign-key)");
        }
        if written.without_digest > 0 {
            eprintln!(
                "note: {} input(s) could not be read and are not subjects of the attestation",
                written.without_digest
            );
        }
    }
    let supplier_gate = args
        .min_supplier_coverage
        .filter(|&min| audit.coverage.supplier_percent() < min);
    if let Some(min) = supplier_gate {
        eprintln!(
            "error: {:.1}% of {} package(s) name a supplier, under --min-supplier-coverage {min}",
            audit.coverage.supplier_percent(),
            audit.coverage.packages
        );
    }
    Ok(ExitCode::from(exit_code(
        audit.findings_verdict,
        audit.coverage.complete || args.allow_incomplete,
        args.fail_on,
        supplier_gate.is_some(),
    )))
}

/// The declared SBOM of `--declared`, read as an SBOM whatever its name (never walked); one that
/// cannot be read ends the run, as a reconciliation against nothing would say everything is
/// undeclared.
fn read_declared(
    path: &std::path::Path,
    limits: &Limits,
    walking: &inputs::Walking<'_>,
) -> anyhow::Result<vendorscan::model::Inventory> {
    let mut target = OsString::from("sbom:");
    target.push(path.as_os_str());
    let inventory = inputs::read(&[target], limits, walking, true);
    if !inventory.errors.is_empty() || inventory.documents.is_empty() {
        bail!("--declared {}: cannot be read as an SBOM", path.display());
    }
    Ok(inventory)
}

/// The exit status: an incomplete run 2 whatever it found (unless `complete`, which
/// --allow-incomplete forces: then it exits as its findings say), so a gate never takes a run
/// that could not look everywhere for one that did; a finding at or over --fail-on 1; a failed
/// supplier gate 1; otherwise 0.
fn exit_code(findings: Overall, complete: bool, fail_on: FailOn, supplier_gate_failed: bool) -> u8 {
    let fails = match fail_on {
        FailOn::Excluded => findings >= Overall::Excluded,
        FailOn::Review => findings >= Overall::Review,
        FailOn::Never => false,
    };
    if !complete {
        crate::EXIT_BAD_INPUT
    } else {
        u8::from(fails || supplier_gate_failed)
    }
}

fn percent(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{s}` is not a percentage from 0 to 100")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_verdict_order() {
        use Overall::*;
        // (findings, complete, --fail-on, supplier gate failed) → exit status
        let cases = [
            (Clear, true, FailOn::Excluded, false, 0),
            (Clear, true, FailOn::Excluded, true, 1),
            (Review, true, FailOn::Excluded, false, 0),
            (Review, true, FailOn::Review, false, 1),
            (Clear, false, FailOn::Excluded, false, 2),
            (Review, false, FailOn::Review, false, 2),
            (Clear, false, FailOn::Never, false, 2),
            (Excluded, false, FailOn::Excluded, false, 2),
            (Excluded, true, FailOn::Excluded, false, 1),
            (Excluded, true, FailOn::Never, false, 0),
            (Excluded, false, FailOn::Never, false, 2),
        ];
        for (findings, complete, fail_on, gate, code) in cases {
            assert_eq!(
                exit_code(findings, complete, fail_on, gate),
                code,
                "{findings:?} {complete}"
            );
        }
    }
}
