//! Reading the targets named on the command line into one inventory: shared by every subcommand
//! that takes inputs. Unreadable inputs are reported (one line each) and kept in the inventory's
//! error list; the rest is still read.

use crate::progress::WalkProgress;
use clap::{Args as ClapArgs, ValueEnum};
use std::path::{Path, PathBuf};
use vendorscan::analyse::assemble::assemble;
use vendorscan::analyse::Analyser;
use vendorscan::firmware;
use vendorscan::model::{InputError, Inventory};
use vendorscan::report::text::escape;
use vendorscan::sbom::{self, Limits, SbomError};

/// How a target is read. A plain path is auto-detected; a scheme prefix (as Grype's `sbom:`)
/// says what the user means, so a vendor's SBOM that is not one fails instead of being walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// A directory is walked; a file is read as an SBOM when its content is one, else walked as
    /// an image.
    Auto,
    /// `sbom:PATH`: must be an SBOM.
    Sbom,
    /// `dir:PATH` or `image:PATH`: walked, whatever it holds.
    Walk,
}

pub fn parse_target(arg: &Path) -> (Scheme, PathBuf) {
    if let Some(s) = arg.to_str() {
        for (prefix, scheme) in [
            ("sbom:", Scheme::Sbom),
            ("dir:", Scheme::Walk),
            ("image:", Scheme::Walk),
        ] {
            if let Some(rest) = s.strip_prefix(prefix) {
                return (scheme, PathBuf::from(rest));
            }
        }
    }
    (Scheme::Auto, arg.to_path_buf())
}

/// How directories and images are read: within these limits, each file through the analyser.
pub struct Walking<'a> {
    pub limits: firmware::Limits,
    pub scope: firmware::Scope,
    pub analyser: &'a dyn Analyser,
}

/// Reads every target: an SBOM into its document, a directory or image walked into one (see
/// [`Scheme`] for how a target is told apart).
pub fn read(targets: &[PathBuf], limits: &Limits, walking: &Walking<'_>, quiet: bool) -> Inventory {
    let mut inventory = Inventory::default();
    for arg in targets {
        let (scheme, path) = parse_target(arg);
        let walk_it = match scheme {
            Scheme::Walk => true,
            Scheme::Auto if path.is_dir() => true,
            // Not even the start of an SBOM: walked without being read as one first.
            Scheme::Auto if path.is_file() && !sbom::could_be_sbom(&path).unwrap_or(true) => true,
            Scheme::Auto | Scheme::Sbom => match sbom::read_path(&path, limits) {
                Ok(part) => {
                    inventory.add(part);
                    false
                }
                // Not an SBOM at all: under auto-detection that makes it an image.
                Err(SbomError::UnknownFormat { .. } | SbomError::Empty { .. }) if scheme == Scheme::Auto => true,
                Err(e) => {
                    fail(&mut inventory, &path, &e.to_string());
                    false
                }
            },
        };
        if walk_it {
            let progress = WalkProgress::new(quiet);
            let walked = firmware::walk_scoped(&path, &walking.limits, &walking.scope, &progress, walking.analyser);
            progress.finish();
            match walked {
                Ok(mut walked) => {
                    let display = path.display().to_string();
                    inventory.add(assemble(&display, path.is_dir(), &mut walked));
                    inventory.files.extend(walked.files);
                    inventory.containers.extend(walked.containers);
                    inventory.skipped.extend(walked.skipped);
                    inventory.warnings.extend(walked.warnings);
                }
                Err(e) => fail(&mut inventory, &path, &e.to_string()),
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

fn fail(inventory: &mut Inventory, path: &Path, message: &str) {
    eprintln!("error: {}", escape(message));
    inventory.errors.push(InputError {
        file: path.display().to_string(),
        message: message.to_string(),
    });
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
    /// Paths not to enter in directories walked (repeatable). GLOB is matched against the path
    /// relative to the target, a leading `/` or `./` dropped: `/proc`, `./usr/share/doc/**`,
    /// `**/*.pyc`. `*` does not match `/`, `**` matches any number of directories, and a pattern
    /// ending in `/**` excludes the directory itself. Excluded paths are listed as skipped.
    /// Members inside images are not excluded (yet).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<firmware::Exclude>,
}

impl WalkArgs {
    /// Walking within these limits, each file through `analyser`.
    pub fn walking<'a>(&self, analyser: &'a dyn Analyser) -> Walking<'a> {
        Walking {
            limits: self.limits(),
            scope: firmware::Scope {
                exclude: self.exclude.clone(),
            },
            analyser,
        }
    }

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

/// The current UTC time as RFC 3339, to the second.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since 1970 as `YYYY-MM-DDThh:mm:ssZ` (the proleptic Gregorian calendar, by Howard
/// Hinnant's days-to-civil algorithm).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let s = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::rfc3339(1_795_833_296), "2026-11-28T02:34:56Z");
    }
}
