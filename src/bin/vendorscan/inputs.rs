//! Reading the targets named on the command line: a thin layer over [`vendorscan::source`],
//! which resolves them; this module prints what could not be read (one line each) and the
//! warnings, and opens the output.

use crate::progress::WalkProgress;
use crate::size::ByteSize;
use clap::{Args as ClapArgs, ValueEnum};
use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;
use vendorscan::analyse::Analyser;
use vendorscan::firmware;
use vendorscan::model::Inventory;
use vendorscan::report::text::escape;
use vendorscan::sbom::Limits;
use vendorscan::source::{self, Options, Target};

/// How directories and images are read: within these limits, each file through the analyser.
pub struct Walking<'a> {
    pub limits: firmware::Limits,
    pub scope: firmware::Scope,
    pub analyser: &'a dyn Analyser,
    /// `--platform`: the image picked from a multi-platform index.
    pub platform: Option<vendorscan::image::Platform>,
    /// `--registry-user`, `--insecure-registry` and the auth files, for `registry:` targets.
    pub registry: source::registry::Settings,
    /// Where results are cached (`None`: `--no-cache`).
    pub cache: Option<(PathBuf, u64)>,
}

/// Reads every target (see [`vendorscan::source`] for how a target is told apart), printing
/// each input that could not be read and, unless `quiet`, the warnings.
pub fn read(targets: &[OsString], limits: &Limits, walking: &Walking<'_>, quiet: bool) -> Inventory {
    let targets: Vec<Target> = targets.iter().map(|t| Target::from_os(t)).collect();
    let progress = WalkProgress::new(quiet);
    let cache = walking
        .cache
        .as_ref()
        .map(|(dir, max)| vendorscan::cache::Cache::new(dir, *max));
    let inventory = source::read(
        &targets,
        &Options {
            sbom_limits: *limits,
            walk_limits: walking.limits,
            scope: walking.scope.clone(),
            analyser: walking.analyser,
            progress: &progress,
            platform: walking.platform.clone(),
            registry: walking.registry.clone(),
            cache: cache.as_ref(),
        },
    );
    progress.finish();
    if let Some(cache) = &cache {
        cache.finish();
        // one line, and the run's results are as without the cache
        if let Some(problem) = cache.problem().filter(|_| !quiet) {
            eprintln!("warning: {}", escape(&problem));
        }
    }
    for e in &inventory.errors {
        eprintln!("error: {}", escape(&e.message));
    }
    if !quiet {
        for w in &inventory.warnings {
            eprintln!("warning: {}", escape(&w.to_string()));
        }
    }
    inventory
}

/// Where a report goes: standard output, or a file when `--output` names one (`-` is standard
/// output). The file is created before any input is read, so an unwritable path fails at once
/// rather than after a long walk.
pub fn output(path: &Option<PathBuf>) -> anyhow::Result<Box<dyn Write>> {
    use anyhow::Context;
    Ok(match path {
        Some(p) if p.as_os_str() != "-" => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("{}: cannot create", p.display()))?,
        )),
        _ => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// Writes a report; a reader that went away (`| head`) ends the run quietly, as other
/// command-line tools do, rather than with an error line.
pub fn finish_output(result: std::io::Result<()>, what: &str) -> anyhow::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| anyhow::anyhow!("cannot write the {what}: {e}")),
    }
}

/// `--color`: when the table's verdicts are coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Color {
    /// On a terminal, unless the NO_COLOR environment variable is set (no-color.org).
    Auto,
    Always,
    Never,
}

/// How the table is laid out: colour and width for a terminal; whole paths and no escape codes
/// for a file or a pipe.
pub fn look(color: Color, output: Option<&PathBuf>) -> vendorscan::report::audit_table::Look {
    let to_stdout = output.is_none_or(|p| p.as_os_str() == "-");
    let terminal = to_stdout && console::Term::stdout().is_term();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    vendorscan::report::audit_table::Look {
        color: match color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => terminal && !no_color,
        },
        width: terminal
            .then(|| console::Term::stdout().size_checked().map(|(_, w)| usize::from(w)))
            .flatten(),
    }
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
    #[arg(long, value_name = "N", env = "VENDORSCAN_MAX_DEPTH", default_value_t = firmware::Limits::default().max_depth)]
    max_depth: usize,
    /// Bytes unpacked from one target, at most (`64G`, `512M`: powers of 1024).
    #[arg(long, value_name = "BYTES", env = "VENDORSCAN_MAX_TOTAL_BYTES",
          default_value_t = ByteSize(firmware::Limits::default().max_total_bytes))]
    max_total_bytes: ByteSize,
    /// Bytes of one member or decompressed stream, at most (it is held in memory).
    #[arg(long, value_name = "BYTES", env = "VENDORSCAN_MAX_MEMBER_BYTES",
          default_value_t = ByteSize(firmware::Limits::default().max_member_bytes))]
    max_member_bytes: ByteSize,
    /// Expansion ratio of one decompression, at most.
    #[arg(long, value_name = "N", env = "VENDORSCAN_MAX_RATIO", default_value_t = firmware::Limits::default().max_ratio)]
    max_ratio: u64,
    /// Files and members in one target, at most.
    #[arg(long, value_name = "N", env = "VENDORSCAN_MAX_ENTRIES", default_value_t = firmware::Limits::default().max_entries)]
    max_entries: u64,
    /// Paths not to enter (repeatable). GLOB is matched against the path relative to the
    /// target — and, inside an image, relative to the root of each archive or filesystem — a
    /// leading `/` or `./` dropped: `/proc`, `./usr/share/doc/**`, `**/*.pyc`. `*` does not
    /// match `/`, `**` matches any number of directories, and a pattern ending in `/**` excludes
    /// the directory itself. Excluded paths are listed as skipped, and never make a verdict
    /// incomplete.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<firmware::Exclude>,
    /// The image to take from a multi-platform container image index, as os/arch[/variant]
    /// (`linux/arm64/v8`). Default: this machine's platform, or the only image the index holds.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", value_parser = vendorscan::image::Platform::parse)]
    platform: Option<vendorscan::image::Platform>,
    /// Log in to registries (`registry:REF` targets) as USER. Without `:PASSWORD`, the password
    /// is read from the environment variable VENDORSCAN_REGISTRY_PASSWORD, so that it need not
    /// be on the command line. Without this option, credentials come from the file named by
    /// REGISTRY_AUTH_FILE, then from ~/.docker/config.json (credential helpers are not run).
    #[arg(long, value_name = "USER[:PASSWORD]", value_parser = registry_user)]
    registry_user: Option<source::registry::auth::Credentials>,
    /// Speak plain HTTP to this registry (HOST, or HOST:PORT for one port; repeatable).
    /// Loopback registries (127.0.0.0/8, ::1, localhost) are spoken to over HTTP anyway;
    /// every other registry over HTTPS.
    #[arg(long, value_name = "HOST[:PORT]")]
    insecure_registry: Vec<String>,
    #[command(flatten)]
    pub cache: CacheArgs,
}

fn registry_user(arg: &str) -> Result<source::registry::auth::Credentials, String> {
    let env = std::env::var(source::registry::auth::PASSWORD_VAR).ok();
    source::registry::auth::Credentials::from_arg(arg, env)
}

/// Where walk results are cached (docs: README, "The results cache").
#[derive(ClapArgs)]
pub struct CacheArgs {
    /// The results cache's folder [default: $VENDORSCAN_CACHE_DIR, else vendorscan in the
    /// user's cache directory, e.g. ~/.cache/vendorscan].
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Neither read nor write the results cache: every file is walked and analysed.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// The results cache's size, at most: the least recently used results go first (units as
    /// for the limits: 512M, 2G, 1GiB — powers of 1024).
    #[arg(long, value_name = "SIZE", default_value = "2GiB")]
    pub cache_max_size: crate::size::ByteSize,
}

impl CacheArgs {
    /// The cache's folder, unless `--no-cache` (or no cache directory is known).
    pub fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            return None;
        }
        self.cache_dir.clone().or_else(vendorscan::cache::default_dir)
    }
}

impl WalkArgs {
    /// The limits and exclusions of `vendorscan.toml` that the user did not give otherwise.
    pub fn configure(&mut self, c: &crate::config::Layer<'_>) {
        c.set("max_depth", &mut self.max_depth, |f| f.limits.max_depth);
        c.set("max_total_bytes", &mut self.max_total_bytes, |f| {
            f.limits.max_total_bytes
        });
        c.set("max_member_bytes", &mut self.max_member_bytes, |f| {
            f.limits.max_member_bytes
        });
        c.set("max_ratio", &mut self.max_ratio, |f| f.limits.max_ratio);
        c.set("max_entries", &mut self.max_entries, |f| f.limits.max_entries);
        // (each pattern was checked as the file was read)
        c.set("exclude", &mut self.exclude, |f| {
            f.exclude
                .as_ref()
                .map(|e| e.iter().filter_map(|g| g.get_ref().parse().ok()).collect())
        });
    }

    /// Walking within these limits, each file through `analyser`.
    pub fn walking<'a>(&self, analyser: &'a dyn Analyser) -> Walking<'a> {
        Walking {
            limits: self.limits(),
            scope: firmware::Scope {
                exclude: self.exclude.clone(),
            },
            analyser,
            platform: self.platform.clone(),
            registry: source::registry::Settings {
                user: self.registry_user.clone(),
                insecure: self.insecure_registry.clone(),
                ..source::registry::Settings::default()
            },
            cache: self.cache.dir().map(|d| (d, self.cache.cache_max_size.0)),
        }
    }

    fn limits(&self) -> firmware::Limits {
        firmware::Limits {
            max_depth: self.max_depth,
            max_total_bytes: self.max_total_bytes.0,
            max_member_bytes: self.max_member_bytes.0,
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

/// Seconds since 1970 as `YYYY-MM-DDThh:mm:ssZ`.
pub fn rfc3339(secs: u64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    i64::try_from(secs)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
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
