//! `vendorscan cache info|clear`: where the results cache is, what it holds, and removing it.

use anyhow::{anyhow, Context};
use clap::{Args as ClapArgs, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use vendorscan::cache::{self, Cache};

#[derive(ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
    /// The results cache's folder [default: $VENDORSCAN_CACHE_DIR, else vendorscan in the
    /// user's cache directory].
    #[arg(long, value_name = "DIR", global = true)]
    cache_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// The cache's location, size on disk and entries.
    Info,
    /// Remove the cache.
    Clear,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = args
        .cache_dir
        .or_else(cache::default_dir)
        .context("no cache directory is known here; give --cache-dir")?;
    match args.command {
        Command::Info => {
            let info = Cache::info(&dir).map_err(|e| anyhow!("{e}"))?;
            println!("location: {}", info.path.display());
            println!("size: {} bytes on disk", info.file_bytes);
            println!(
                "entries: {} ({} file facts, {} bytes; {} walks, {} bytes)",
                info.facts.entries + info.walks.entries,
                info.facts.entries,
                info.facts.bytes,
                info.walks.entries,
                info.walks.bytes
            );
        }
        Command::Clear => {
            let removed = Cache::clear(&dir).map_err(|e| anyhow!("{e}"))?;
            if removed.is_empty() {
                println!("no cache in {}", dir.display());
            }
            for p in removed {
                println!("removed {}", p.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
