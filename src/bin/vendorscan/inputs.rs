//! Reading the targets named on the command line into one inventory: shared by every subcommand
//! that takes inputs. Unreadable inputs are reported (one line each) and kept in the inventory's
//! error list; the rest is still read.

use clap::ValueEnum;
use std::path::PathBuf;
use vendorscan::model::{InputError, Inventory};
use vendorscan::report::text::escape;
use vendorscan::sbom::{self, Limits};

pub fn read(inputs: &[PathBuf], limits: &Limits, quiet: bool) -> Inventory {
    let mut inventory = Inventory::default();
    for path in inputs {
        match sbom::read_path(path, limits) {
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
    if !quiet {
        for w in &inventory.warnings {
            eprintln!("warning: {}", escape(&w.to_string()));
        }
    }
    inventory
}

/// Standard output, or a file when `--output` names one.
pub fn output(path: &Option<PathBuf>) -> anyhow::Result<Box<dyn std::io::Write>> {
    use anyhow::Context;
    Ok(match path {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("{}: cannot create", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// `--format` of the commands that print for people or for programs.
#[derive(Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}
