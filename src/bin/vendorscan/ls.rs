//! `vendorscan ls TARGET [VPATH]`: the members of a container (or of the target itself) with
//! their types, sizes and SHA-256, each by the virtual path `extract` takes. The walk goes only
//! into the container asked for.

use crate::extract::full_path;
use crate::inputs::{OutputFormat, WalkArgs};
use clap::Args as ClapArgs;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::report::text::escape;

#[derive(ClapArgs)]
pub struct Args {
    /// The image, archive or directory.
    #[arg(value_name = "TARGET")]
    target: PathBuf,
    /// The container to list, by its virtual path (default: TARGET itself).
    #[arg(value_name = "VPATH")]
    vpath: Option<String>,
    /// Everything below it, not only its own members.
    #[arg(long, short)]
    recursive: bool,
    #[arg(long, short, value_enum, default_value = "table", value_name = "FMT")]
    format: OutputFormat,
    #[command(flatten)]
    walk: WalkArgs,
}

#[derive(Serialize)]
struct Entry<'a> {
    path: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<&'a str>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let display = args.target.display().to_string();
    let container = match &args.vpath {
        Some(v) => full_path(&display, v)?,
        None => display.clone(),
    };
    let limits = args.walk.walking(&()).limits;
    let focus = vendorscan::firmware::Focus::below(&container);
    let walked = vendorscan::firmware::walk_focused(&args.target, &limits, &focus)?;
    let below = |path: &str| -> bool {
        let Some(rest) = path.strip_prefix(container.as_str()) else {
            return false;
        };
        let Some(inner) = rest.strip_prefix('!').or_else(|| rest.strip_prefix('/')) else {
            return false;
        };
        // a member of its own: no `!` after the one that enters the container
        args.recursive || !inner.contains('!')
    };
    let mut entries: Vec<Entry<'_>> = walked
        .files
        .iter()
        .filter(|f| below(&f.path))
        .map(|f| Entry {
            path: &f.path,
            kind: &f.kind,
            size: f.size,
            sha256: f.sha256.as_deref(),
            link: f.link.as_deref(),
        })
        .collect();
    for c in walked.containers.iter().filter(|c| below(&c.path)) {
        if !entries.iter().any(|e| e.path == c.path) {
            entries.push(Entry {
                path: &c.path,
                kind: &c.kind,
                size: c.size,
                sha256: Some(&c.sha256),
                link: None,
            });
        }
    }
    entries.sort_by(|a, b| a.path.cmp(b.path));
    for w in &walked.warnings {
        eprintln!("warning: {}", escape(&w.to_string()));
    }
    let known = entries.len();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = match args.format {
        OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &entries)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
        OutputFormat::Table => entries.iter().try_for_each(|e| {
            let what = match e.link {
                Some(to) => format!(" -> {}", escape(to)),
                None => String::new(),
            };
            writeln!(
                out,
                "{:<10} {:>10}  {:<64}  {}{what}",
                e.kind,
                e.size,
                e.sha256.unwrap_or("-"),
                escape(e.path)
            )
        }),
    }
    .and_then(|()| out.flush());
    crate::inputs::finish_output(written, "listing")?;
    let exists =
        walked.files.iter().any(|f| f.path == container) || walked.containers.iter().any(|c| c.path == container);
    if known == 0 && !exists {
        anyhow::bail!("{container}: no such container in {display}");
    }
    Ok(ExitCode::SUCCESS)
}
