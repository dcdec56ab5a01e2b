//! `vendorscan extract TARGET VPATH [-o FILE]`: one member of an image out, addressed by the
//! virtual path the inventory and the reports print, so a lab can open a flagged file in its
//! own tools. Only that file is written, and an existing one only with `--force`.

use crate::inputs::WalkArgs;
use anyhow::{bail, Context};
use clap::Args as ClapArgs;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(ClapArgs)]
pub struct Args {
    /// The image, archive or directory, as it was named when the path was printed.
    #[arg(value_name = "TARGET")]
    target: PathBuf,
    /// The member's virtual path (`fw.bin!/0x30000:squashfs!/lib/modules/6.1.0/hns3.ko`); one
    /// that starts with `!` is taken below TARGET.
    #[arg(value_name = "VPATH")]
    vpath: String,
    /// Where to write it (`-` is standard output). Default: the member's own name, in the
    /// current folder.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    walk: WalkArgs,
}

/// The virtual path as the walk names it: starting with the target as named.
pub fn full_path(display: &str, vpath: &str) -> anyhow::Result<String> {
    if vpath.starts_with('!') {
        return Ok(format!("{display}{vpath}"));
    }
    if vpath == display || vpath.strip_prefix(display).is_some_and(|r| r.starts_with(['!', '/'])) {
        return Ok(vpath.to_string());
    }
    bail!("{vpath}: a virtual path of {display} starts with `{display}` (or with `!`, below it)")
}

/// Creates `path` for writing: a new file, or with `force` any.
pub fn create(path: &std::path::Path, force: bool) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{}: exists; --force overwrites it", path.display())
        } else {
            anyhow::anyhow!("{}: cannot create: {e}", path.display())
        }
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let display = args.target.display().to_string();
    let wanted = full_path(&display, &args.vpath)?;
    let limits = args.walk.walking(&()).limits;
    let extraction = vendorscan::extract::members(&args.target, &display, std::slice::from_ref(&wanted), &limits)?;
    let Some(bytes) = extraction.found.get(&wanted) else {
        bail!("cannot extract: {}", extraction.why_missing(&wanted));
    };
    let output = args
        .output
        .unwrap_or_else(|| PathBuf::from(vendorscan::extract::file_name(&wanted)));
    if output.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        crate::inputs::finish_output(out.write_all(bytes).and_then(|()| out.flush()), "member")?;
    } else {
        let mut file = create(&output, args.force)?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("{}: cannot write", output.display()))?;
        eprintln!("{}: {} bytes from {wanted}", output.display(), bytes.len());
    }
    Ok(ExitCode::SUCCESS)
}
