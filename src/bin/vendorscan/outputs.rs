//! `audit --format` and `--output`: which reports one run writes, and where. `--format FMT`
//! (`-f`) names one report; `--output FMT=FILE` (`-o`, repeatable) adds one per format, as
//! syft's `-o fmt=file` does; a plain `--output FILE` still takes the `--format` report, and `-`
//! is standard output. Every file is created before any input is read, so an unwritable one
//! fails at once (exit 2), not after a long walk.
//!
//! A new format is one more [`Format`] variant and its arm in [`Output::write`].

use crate::inputs::{self, Color};
use anyhow::{anyhow, bail, Context};
use clap::ValueEnum;
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use vendorscan::report::summary::Run;
use vendorscan::report::{audit_json, audit_table, html, markdown, sarif, write_cyclonedx_reconciled, ToolInfo};

/// The reports `audit` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// The terminal table (docs/report-format.md).
    Table,
    /// The JSON report, a public interface (docs/report-format.md).
    Json,
    /// A pull-request comment (docs/reports.md).
    Markdown,
    /// One self-contained HTML file to read, print and file (docs/reports.md).
    Html,
    /// SARIF 2.1.0 for code scanning (docs/reports.md).
    Sarif,
    /// The audited inventory as CycloneDX 1.6 JSON, findings on their components (docs/reports.md).
    Cyclonedx,
}

/// Where one report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    Stdout,
    File(PathBuf),
}

/// One report to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub format: Format,
    pub dest: Dest,
}

/// The reports one run writes: each `--output FMT=FILE`, and the `--format` report (to the plain
/// `--output FILE`, or standard output) unless only `FMT=FILE` outputs were asked for.
pub fn plan(format: Option<Format>, outputs: &[OsString]) -> anyhow::Result<Vec<Output>> {
    let dest = |s: &std::ffi::OsStr| {
        if s == "-" {
            Dest::Stdout
        } else {
            Dest::File(PathBuf::from(s))
        }
    };
    let mut plain: Option<Dest> = None;
    let mut planned = Vec::new();
    for o in outputs {
        match split(o)? {
            Some((format, file)) => planned.push(Output {
                format,
                dest: dest(file.as_ref()),
            }),
            None if plain.is_some() => {
                bail!("--output FILE given twice; for several reports write --output FMT=FILE for each")
            }
            None => plain = Some(dest(o)),
        }
    }
    if format.is_some() || plain.is_some() || planned.is_empty() {
        planned.insert(
            0,
            Output {
                format: format.unwrap_or(Format::Table),
                dest: plain.unwrap_or(Dest::Stdout),
            },
        );
    }
    for (i, a) in planned.iter().enumerate() {
        if planned[..i].iter().any(|b| b.dest == a.dest) {
            match &a.dest {
                Dest::Stdout => bail!("two reports to standard output; give one of them a file"),
                Dest::File(p) => bail!("{}: two reports to the same file", p.display()),
            }
        }
    }
    Ok(planned)
}

/// `FMT=FILE` → the format and the file; a value whose part before `=` is not a plain word
/// (`./a=b`, `/tmp/x=1`) or that has no `=` is a file name.
pub fn split(value: &OsString) -> anyhow::Result<Option<(Format, OsString)>> {
    let Some(s) = value.to_str() else {
        return Ok(None);
    };
    let Some((name, file)) = s.split_once('=') else {
        return Ok(None);
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Ok(None);
    }
    let format = Format::from_str(name, false).map_err(|_| {
        let known: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        anyhow!("--output {s}: unknown format `{name}`; known: {}", known.join(", "))
    })?;
    if file.is_empty() {
        bail!("--output {s}: no file after `=` (`-` is standard output)");
    }
    Ok(Some((format, OsString::from(file))))
}

/// An output opened for writing.
pub struct Opened {
    output: Output,
    out: Box<dyn Write>,
}

/// Creates every file now, before the walk.
pub fn open(planned: Vec<Output>) -> anyhow::Result<Vec<Opened>> {
    planned
        .into_iter()
        .map(|output| {
            let out: Box<dyn Write> = match &output.dest {
                Dest::Stdout => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
                Dest::File(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p).with_context(|| format!("{}: cannot create", p.display()))?,
                )),
            };
            Ok(Opened { output, out })
        })
        .collect()
}

/// How the table looks (`-v`, `--color`); `-v` also adds mentions to SARIF.
pub struct TableStyle {
    pub verbose: bool,
    pub color: Color,
}

impl Opened {
    /// Writes the report; a reader that went away (`| head`) ends it quietly.
    pub fn write(mut self, run: &Run<'_>, table: &TableStyle) -> anyhow::Result<()> {
        let out = &mut self.out;
        let written = match self.output.format {
            Format::Table => {
                let file = match &self.output.dest {
                    Dest::File(p) => Some(p),
                    Dest::Stdout => None,
                };
                let look = inputs::look(table.color, file);
                out.write_all(audit_table::render(run.inventory, run.audit, run.rules, table.verbose, look).as_bytes())
            }
            Format::Json => audit_json::write(run.inventory, run.audit, &run.rules.packs, run.timestamp, out),
            Format::Markdown => markdown::write(run, out),
            Format::Html => html::write(run, out),
            Format::Sarif => sarif::write(run, table.verbose, out),
            Format::Cyclonedx => write_cyclonedx_reconciled(
                run.inventory,
                &run.audit.findings,
                run.audit.reconciliation.as_ref(),
                &ToolInfo::THIS,
                run.timestamp,
                out,
            ),
        }
        .and_then(|()| out.flush());
        let what = match &self.output.dest {
            Dest::Stdout => "report".to_string(),
            Dest::File(p) => format!("report to {}", p.display()),
        };
        inputs::finish_output(written, &what)
    }
}

/// `--timestamp`: the time of [`now_or_source_date_epoch`], when asked for.
pub fn timestamp(asked: bool) -> anyhow::Result<Option<String>> {
    asked.then(now_or_source_date_epoch).transpose()
}

/// SOURCE_DATE_EPOCH when set (reproducible-builds.org's convention: seconds since 1970; a
/// malformed value is an error, as the specification asks, not silently now), else now.
pub fn now_or_source_date_epoch() -> anyhow::Result<String> {
    match std::env::var_os("SOURCE_DATE_EPOCH") {
        Some(value) if !value.is_empty() => match value.to_str().and_then(|s| s.parse::<u64>().ok()) {
            Some(secs) => Ok(inputs::rfc3339(secs)),
            None => bail!(
                "SOURCE_DATE_EPOCH `{}` is not a number of seconds since 1970",
                value.to_string_lossy()
            ),
        },
        _ => Ok(inputs::now_rfc3339()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(format: Option<Format>, outputs: &[&str]) -> anyhow::Result<Vec<Output>> {
        plan(format, &outputs.iter().map(OsString::from).collect::<Vec<_>>())
    }

    fn to(format: Format, dest: &str) -> Output {
        Output {
            format,
            dest: if dest == "-" {
                Dest::Stdout
            } else {
                Dest::File(dest.into())
            },
        }
    }

    #[test]
    fn outputs_are_planned_as_syft_does() {
        use Format::*;
        assert_eq!(plan_of(None, &[]).unwrap(), vec![to(Table, "-")]);
        assert_eq!(plan_of(Some(Json), &[]).unwrap(), vec![to(Json, "-")]);
        // a plain file takes the --format report, as before
        assert_eq!(plan_of(Some(Json), &["r.json"]).unwrap(), vec![to(Json, "r.json")]);
        assert_eq!(plan_of(None, &["out.txt"]).unwrap(), vec![to(Table, "out.txt")]);
        // FMT=FILE only: nothing on standard output
        assert_eq!(
            plan_of(None, &["html=r.html", "json=r.json", "markdown=-"]).unwrap(),
            vec![to(Html, "r.html"), to(Json, "r.json"), to(Markdown, "-")]
        );
        // with --format, its report goes to standard output as well
        assert_eq!(
            plan_of(Some(Table), &["json=r.json"]).unwrap(),
            vec![to(Table, "-"), to(Json, "r.json")]
        );
        // a path whose part before `=` is not a word is a file
        assert_eq!(plan_of(None, &["./a=b"]).unwrap(), vec![to(Table, "./a=b")]);
    }

    #[test]
    fn bad_outputs_are_refused() {
        let err = |f: Option<Format>, o: &[&str]| plan_of(f, o).unwrap_err().to_string();
        assert_eq!(
            err(None, &["spdx=vs.spdx"]),
            "--output spdx=vs.spdx: unknown format `spdx`; known: table, json, markdown, html, sarif, cyclonedx"
        );
        assert!(err(None, &["json="]).contains("no file after `=`"));
        assert!(err(None, &["a.txt", "b.txt"]).contains("given twice"));
        assert!(err(Some(Format::Json), &["markdown=-"]).contains("two reports to standard output"));
        assert!(err(None, &["json=r", "html=r"]).contains("r: two reports to the same file"));
    }
}
