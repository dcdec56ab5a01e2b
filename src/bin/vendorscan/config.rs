//! `vendorscan.toml`: the settings a project keeps beside its firmware or SBOMs, so that every
//! run — a developer's, CI's, a pre-commit hook's — audits the same way (docs/configuration.md).
//!
//! The file is `--config FILE` (or `VENDORSCAN_CONFIG`), else `vendorscan.toml` in the working
//! directory when there is one; `--no-config` ignores both. Each setting is taken from, in order:
//! the command line, its `VENDORSCAN_*` environment variable (clap's `env`), the file, the
//! default. clap's [`ArgMatches::value_source`] tells what the user set, so a flag left at its
//! default never hides the file's value.
//!
//! Unknown keys and wrong types are errors at `file:line:column` (serde's `deny_unknown_fields`
//! and the toml crate's spans), exit 2. Relative paths in the file (waivers, rules folders,
//! output files) are relative to the file's folder, joined as written, never made absolute, so
//! a report that names the waivers file does not name the machine.
//!
//! A subcommand takes what applies to it in its `configure`, one line per setting, with the
//! argument's clap id: a new setting is one field here, one line there, one line in [`starter`].

use crate::audit::FailOn;
use crate::inputs::Color;
use crate::outputs::Format;
use crate::size::ByteSize;
use anyhow::{bail, Context};
use clap::parser::ValueSource;
use clap::ArgMatches;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use toml::Spanned;
use vendorscan::firmware;

/// The file's name in the working directory.
pub const FILE_NAME: &str = "vendorscan.toml";

/// A configuration file is small; more than this is not one.
const MAX_BYTES: u64 = 1 << 20;

/// What `vendorscan.toml` may say. Every key is optional; an absent key leaves the setting to
/// the environment or the default.
#[derive(Debug, Default, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct File {
    /// `--policy`, each id.
    pub policies: Option<Vec<String>>,
    /// `--fail-on`.
    pub fail_on: Option<FailOn>,
    /// `--allow-incomplete`.
    pub allow_incomplete: Option<bool>,
    /// `--min-supplier-coverage`.
    pub min_supplier_coverage: Option<f64>,
    /// `--waivers`.
    pub waivers: Option<PathBuf>,
    /// `--rules`, each folder.
    pub rules: Option<Vec<PathBuf>>,
    /// `--exclude`, each glob (relative to the target, not to this file); checked by [`parse`].
    pub exclude: Option<Vec<Spanned<String>>>,
    /// `--format`.
    pub format: Option<Format>,
    /// `--output`, each `FMT=FILE` (or a plain FILE for the `format` report); checked by
    /// [`parse`].
    pub outputs: Option<Vec<Spanned<String>>>,
    /// `--color`.
    pub color: Option<Color>,
    /// The bounds on reading: `[limits]`.
    #[serde(default)]
    pub limits: Limits,
}

/// `[limits]`: `--max-bytes` and the walking limits.
#[derive(Debug, Default, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    pub max_bytes: Option<ByteSize>,
    pub max_total_bytes: Option<ByteSize>,
    pub max_member_bytes: Option<ByteSize>,
    pub max_ratio: Option<u64>,
    pub max_depth: Option<usize>,
    pub max_entries: Option<u64>,
}

/// A file read, its relative paths resolved (the default: no file, every setting from the
/// command line, the environment or the defaults).
#[derive(Debug, Default)]
pub struct Config {
    pub file: File,
}

/// `--config FILE` / `VENDORSCAN_CONFIG` / `--no-config`, global to every subcommand.
#[derive(clap::Args, Debug, Default)]
pub struct ConfigArgs {
    /// Settings from this TOML file (docs/configuration.md) [default: vendorscan.toml in the
    /// working directory, if there is one]. Flags and VENDORSCAN_* variables override it.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "VENDORSCAN_CONFIG",
        help_heading = "Configuration"
    )]
    pub config: Option<PathBuf>,
    /// Read no configuration file: not vendorscan.toml in the working directory, nor
    /// `--config`'s or VENDORSCAN_CONFIG's.
    #[arg(long, global = true, help_heading = "Configuration")]
    pub no_config: bool,
}

impl ConfigArgs {
    /// The configuration these flags name: `--config`'s file (which must exist), or
    /// `vendorscan.toml` in the working directory if there is one, or none.
    pub fn load(&self) -> anyhow::Result<Config> {
        if self.no_config {
            return Ok(Config::default());
        }
        match &self.config {
            Some(path) => Config::read(path),
            None => {
                let path = Path::new(FILE_NAME);
                if path.is_file() {
                    Config::read(path)
                } else {
                    Ok(Config::default())
                }
            }
        }
    }
}

impl Config {
    /// Reads and checks `path`; relative paths in it are made relative to its folder.
    pub fn read(path: &Path) -> anyhow::Result<Config> {
        let file = std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
        let mut text = String::new();
        file.take(MAX_BYTES + 1)
            .read_to_string(&mut text)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        if text.len() as u64 > MAX_BYTES {
            bail!(
                "{}: larger than {} — not a configuration file",
                path.display(),
                ByteSize(MAX_BYTES)
            );
        }
        let file = parse(&text).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
        Ok(Config {
            file: file.resolved(path.parent().unwrap_or(Path::new(""))),
        })
    }

    /// The settings, applied to the arguments of one (sub)command.
    pub fn layer<'a>(&'a self, matches: &'a ArgMatches) -> Layer<'a> {
        Layer {
            matches,
            file: &self.file,
        }
    }
}

/// Parses a file's text and checks the values serde takes as plain strings; the error is
/// `line:column: message`.
fn parse(text: &str) -> Result<File, String> {
    let at = |offset: usize, message: &str| {
        let (line, column) = line_column(text, offset);
        format!("{line}:{column}: {}", message.trim_end())
    };
    let file: File = toml::from_str(text).map_err(|e| at(e.span().map_or(0, |s| s.start), e.message()))?;
    for glob in file.exclude.iter().flatten() {
        if let Err(e) = glob.get_ref().parse::<firmware::Exclude>() {
            return Err(at(glob.span().start, &format!("exclude `{}`: {e}", glob.get_ref())));
        }
    }
    for output in file.outputs.iter().flatten() {
        if let Err(e) = crate::outputs::split(&OsString::from(output.get_ref())) {
            return Err(at(output.span().start, &format!("{e:#}")));
        }
    }
    Ok(file)
}

/// The 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

impl File {
    /// The paths joined to `base`, the file's folder (as written: `sub/vendorscan.toml` makes
    /// `waivers.toml` into `sub/waivers.toml`).
    fn resolved(mut self, base: &Path) -> File {
        let join = |p: &Path| if p.is_relative() { base.join(p) } else { p.to_path_buf() };
        self.waivers = self.waivers.as_deref().map(join);
        self.rules = self.rules.map(|r| r.iter().map(|p| join(p)).collect());
        self.outputs = self.outputs.map(|outputs| {
            outputs
                .into_iter()
                .map(|spanned| {
                    let span = spanned.span();
                    let s = spanned.into_inner();
                    // `FMT=FILE` as `--output` tells it (a path with `=` in it may be a plain FILE)
                    let named = matches!(crate::outputs::split(&s.clone().into()), Ok(Some(_)));
                    let (format, file) = match s.split_once('=') {
                        Some((format, file)) if named => (Some(format), file),
                        _ => (None, s.as_str()),
                    };
                    let file = if file == "-" {
                        file.to_string()
                    } else {
                        join(Path::new(file)).to_string_lossy().into_owned()
                    };
                    Spanned::new(span, format.map_or(file.clone(), |f| format!("{f}={file}")))
                })
                .collect()
        });
        self
    }
}

/// One subcommand's arguments and the file: [`Layer::set`] takes the file's value for each
/// setting the user did not give on the command line or in its environment variable.
pub struct Layer<'a> {
    matches: &'a ArgMatches,
    file: &'a File,
}

impl Layer<'_> {
    /// Whether the argument `id` was given on the command line or by its environment variable.
    fn given(&self, id: &str) -> bool {
        matches!(
            self.matches.value_source(id),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        )
    }

    /// Sets `slot` (the argument `id`) from the file, unless the user gave it.
    pub fn set<T>(&self, id: &str, slot: &mut T, from_file: impl FnOnce(&File) -> Option<T>) {
        if !self.given(id) {
            if let Some(value) = from_file(self.file) {
                *slot = value;
            }
        }
    }
}

/// `vendorscan init`'s file: every key, commented out, with its default.
pub fn starter() -> String {
    let walk = firmware::Limits::default();
    let sbom = vendorscan::sbom::Limits::default();
    let pack = vendorscan::rules::load::bundled_pack();
    let default_policies: Vec<String> = vendorscan::rules::load(&[])
        .map(|set| {
            set.policies
                .iter()
                .filter(|p| p.default)
                .map(|p| format!("{:?}", p.id))
                .collect()
        })
        .unwrap_or_default();
    format!(
        r#"# vendorscan.toml — settings for `vendorscan` in this folder (docs/configuration.md).
# Every key is optional and shown commented out with its default. A flag on the command line
# wins over its VENDORSCAN_* environment variable, which wins over this file. Relative paths
# here are relative to this file's folder.
# Written by vendorscan {version} (rules {pack_id} {pack_version}).

# Policies to apply (--policy, VENDORSCAN_POLICY). Default: every policy the rule packs mark
# as default; `vendorscan rules list` shows them.
# policies = [{policies}]

# The verdict at which `audit` exits 1: "excluded", "review" or "never"
# (--fail-on, VENDORSCAN_FAIL_ON).
# fail-on = "excluded"

# Exit as the findings say even when part of a target could not be examined, instead of 2.
# The report still says incomplete (--allow-incomplete, VENDORSCAN_ALLOW_INCOMPLETE).
# allow-incomplete = false

# Exit 1 when fewer than this percentage of the packages name a supplier (0 to 100;
# --min-supplier-coverage, VENDORSCAN_MIN_SUPPLIER_COVERAGE). Default: 0, no such gate.
# min-supplier-coverage = 0.0

# Waivers file (--waivers, VENDORSCAN_WAIVERS). Default: none.
# waivers = "waivers.toml"

# Folders of your own rules, layered over the bundled pack; later wins (--rules).
# rules = []

# Paths not to enter, relative to each target and to the root of each archive or filesystem
# inside it (--exclude). Excluded paths are listed as skipped, never incomplete.
# exclude = []

# The report on standard output: "table", "json", "markdown", "html", "sarif" or "cyclonedx"
# (--format, VENDORSCAN_FORMAT).
# format = "table"

# Reports to write, as `--output FMT=FILE` (-o). With outputs and no `format`, nothing is
# printed on standard output; "-" is standard output.
# outputs = []
# outputs = ["sarif=vendorscan.sarif", "html=vendorscan.html", "json=vendorscan.json"]

# Colour in the table: "auto" (on a terminal, unless NO_COLOR is set), "always" or "never"
# (--color, VENDORSCAN_COLOR).
# color = "auto"

[limits]
# Sizes are bytes, or a number with K, M, G or T (powers of 1024): "512M", "1G", "64KiB".
# The most bytes one SBOM may take, after decompression (--max-bytes, VENDORSCAN_MAX_BYTES).
# max-bytes = "{max_bytes}"
# Bytes unpacked from one target, at most (--max-total-bytes, VENDORSCAN_MAX_TOTAL_BYTES).
# max-total-bytes = "{max_total_bytes}"
# Bytes of one member or decompressed stream, held in memory while analysed
# (--max-member-bytes, VENDORSCAN_MAX_MEMBER_BYTES).
# max-member-bytes = "{max_member_bytes}"
# Expansion ratio of one decompression, at most (--max-ratio, VENDORSCAN_MAX_RATIO).
# max-ratio = {max_ratio}
# Containers nested inside containers, at most (--max-depth, VENDORSCAN_MAX_DEPTH).
# max-depth = {max_depth}
# Files and members in one target, at most (--max-entries, VENDORSCAN_MAX_ENTRIES).
# max-entries = {max_entries}
"#,
        version = env!("CARGO_PKG_VERSION"),
        pack_id = pack.id,
        pack_version = pack.version,
        policies = default_policies.join(", "),
        max_bytes = ByteSize(sbom.max_bytes),
        max_total_bytes = ByteSize(walk.max_total_bytes),
        max_member_bytes = ByteSize(walk.max_member_bytes),
        max_ratio = walk.max_ratio,
        max_depth = walk.max_depth,
        max_entries = walk.max_entries,
    )
}

/// `vendorscan init [FILE]`.
#[derive(clap::Args)]
pub struct InitArgs {
    /// Where to write the file.
    #[arg(default_value = FILE_NAME, value_name = "FILE")]
    path: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    force: bool,
}

/// Writes the starter file; an existing one is kept unless `--force`.
pub fn init(args: InitArgs) -> anyhow::Result<std::process::ExitCode> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if args.force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let shown = args.path.display();
    let mut file = match options.open(&args.path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{shown}: already exists; --force overwrites it")
        }
        other => other.with_context(|| format!("{shown}: cannot create"))?,
    };
    file.write_all(starter().as_bytes())
        .and_then(|()| file.flush())
        .with_context(|| format!("{shown}: cannot write"))?;
    eprintln!("wrote {shown}: every setting commented out with its default");
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_read() {
        let file = parse(
            r#"
policies = ["ndaa-889"]
fail-on = "review"
allow-incomplete = true
min-supplier-coverage = 75
waivers = "w.toml"
rules = ["my-rules", "/abs/rules"]
exclude = ["/proc", "usr/share/doc/**"]
format = "json"
outputs = ["sarif=out/vs.sarif", "html=-", "plain.txt"]
color = "never"

[limits]
max-bytes = "512M"
max-total-bytes = 1073741824
max-member-bytes = "64KiB"
max-ratio = 50
max-depth = 3
max-entries = 1000
"#,
        )
        .unwrap()
        .resolved(Path::new("conf"));
        assert_eq!(file.policies, Some(vec!["ndaa-889".to_string()]));
        assert_eq!(file.fail_on, Some(FailOn::Review));
        assert_eq!(file.allow_incomplete, Some(true));
        assert_eq!(file.min_supplier_coverage, Some(75.0));
        assert_eq!(file.waivers, Some(PathBuf::from("conf/w.toml")));
        assert_eq!(
            file.rules,
            Some(vec![PathBuf::from("conf/my-rules"), PathBuf::from("/abs/rules")])
        );
        let globs: Vec<&str> = file.exclude.iter().flatten().map(|g| g.get_ref().as_str()).collect();
        assert_eq!(globs, ["/proc", "usr/share/doc/**"]);
        assert_eq!(file.format, Some(Format::Json));
        let outputs: Vec<&str> = file.outputs.iter().flatten().map(|o| o.get_ref().as_str()).collect();
        assert_eq!(outputs, ["sarif=conf/out/vs.sarif", "html=-", "conf/plain.txt"]);
        assert_eq!(file.color, Some(Color::Never));
        assert_eq!(
            file.limits,
            Limits {
                max_bytes: Some(ByteSize(512 << 20)),
                max_total_bytes: Some(ByteSize(1 << 30)),
                max_member_bytes: Some(ByteSize(64 << 10)),
                max_ratio: Some(50),
                max_depth: Some(3),
                max_entries: Some(1000),
            }
        );
    }

    #[test]
    fn a_file_in_the_working_directory_keeps_its_paths_as_written() {
        let file = parse("waivers = \"w.toml\"\noutputs = [\"json=r.json\"]\n")
            .unwrap()
            .resolved(Path::new(""));
        assert_eq!(file.waivers, Some(PathBuf::from("w.toml")));
        assert_eq!(file.outputs, Some(vec![Spanned::new(0..0, "json=r.json".to_string())]));
    }

    #[test]
    fn mistakes_are_placed_at_line_and_column() {
        let cases = [
            (
                "fail-on = \"review\"\nfail_on = \"never\"\n",
                "2:1: unknown field `fail_on`",
            ),
            (
                "[limits]\nmax-bytes = \"1G\"\nmax-byte = 3\n",
                "3:1: unknown field `max-byte`",
            ),
            (
                "fail-on = \"sometimes\"\n",
                "1:11: unknown variant `sometimes`, expected one of",
            ),
            (
                "allow-incomplete = \"yes\"\n",
                "1:20: invalid type: string \"yes\", expected a boolean",
            ),
            (
                "policies = \"ndaa-889\"\n",
                "1:12: invalid type: string \"ndaa-889\", expected a sequence",
            ),
            (
                "[limits]\nmax-depth = -1\n",
                "2:13: invalid value: integer `-1`, expected usize",
            ),
            (
                "[limits]\nmax-member-bytes = \"lots\"\n",
                "2:20: `lots` is not a byte size",
            ),
            (
                "outputs = [\"json=a\", \"pdf=r.pdf\"]\n",
                "1:22: --output pdf=r.pdf: unknown format `pdf`",
            ),
            (
                "exclude = [\".\"]\n",
                "1:12: exclude `.`: not a valid pattern: matches no path",
            ),
            ("format = \"json\"\nformat = \"html\"\n", "2:1: duplicate key"),
            ("  # ä comment\n  \"ä\" = 1\n", "2:3: unknown field `ä`"),
            ("fail-on = [\n", "1:12: unclosed array"),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.starts_with(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn the_starter_file_names_every_key_with_its_default() {
        let starter = starter();
        let uncommented: String = starter
            .lines()
            .filter(|l| !l.starts_with("# outputs = [\"sarif"))
            .map(|l| l.strip_prefix("# ").filter(|l| l.contains(" = ")).unwrap_or(l))
            .fold(String::new(), |text, l| text + l + "\n");
        let file = parse(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
        // every key of File, and of [limits], is in the starter file
        let keys = |value: toml::Value| -> Vec<String> {
            let table = value.as_table().unwrap().clone();
            let mut keys: Vec<String> = table.keys().cloned().collect();
            if let Some(limits) = table.get("limits").and_then(|l| l.as_table()) {
                keys.extend(limits.keys().map(|k| format!("limits.{k}")));
            }
            keys.sort();
            keys
        };
        let written = keys(toml::Value::try_from(&file).unwrap());
        let all = File {
            policies: Some(vec![]),
            fail_on: Some(FailOn::Never),
            allow_incomplete: Some(false),
            min_supplier_coverage: Some(0.0),
            waivers: Some(PathBuf::new()),
            rules: Some(vec![]),
            exclude: Some(vec![]),
            format: Some(Format::Table),
            outputs: Some(vec![]),
            color: Some(Color::Auto),
            limits: Limits {
                max_bytes: Some(ByteSize(0)),
                max_total_bytes: Some(ByteSize(0)),
                max_member_bytes: Some(ByteSize(0)),
                max_ratio: Some(0),
                max_depth: Some(0),
                max_entries: Some(0),
            },
        };
        assert_eq!(written, keys(toml::Value::try_from(&all).unwrap()));
        // and each default is the one the command line has
        let walk = firmware::Limits::default();
        assert_eq!(
            file.limits,
            Limits {
                max_bytes: Some(ByteSize(vendorscan::sbom::Limits::default().max_bytes)),
                max_total_bytes: Some(ByteSize(walk.max_total_bytes)),
                max_member_bytes: Some(ByteSize(walk.max_member_bytes)),
                max_ratio: Some(walk.max_ratio),
                max_depth: Some(walk.max_depth),
                max_entries: Some(walk.max_entries),
            }
        );
        assert_eq!(file.fail_on, Some(FailOn::Excluded));
        assert_eq!(file.allow_incomplete, Some(false));
        assert_eq!(file.format, Some(Format::Table));
        assert_eq!(file.color, Some(Color::Auto));
        assert_eq!(
            file.policies,
            Some(vec!["fcc-covered-list".into(), "japan-2018".into(), "ndaa-889".into()])
        );
    }

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("a\nbc", 3), (2, 2));
        assert_eq!(line_column("ää\nx", 4), (1, 3));
        assert_eq!(line_column("x", 99), (1, 2));
    }
}
