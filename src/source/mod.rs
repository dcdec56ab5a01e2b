//! Sources: what the user named — an SBOM, a directory, a firmware image, standard input — resolved
//! into one [`Inventory`]. Every command (and any Rust caller) resolves targets this one way.
//!
//! A target is written as syft and grype write theirs: `sbom:PATH` insists on an SBOM, `dir:PATH`
//! walks a directory, `file:PATH` or `image:PATH` walks a firmware image whatever it holds, and
//! `-` reads an SBOM from standard input. A plain path is auto-detected: a directory is walked; a
//! file is read as an SBOM when its content starts like one, else walked as an image. A file
//! that starts like an SBOM but does not parse is an error, never walked as an opaque blob.
//!
//! Nothing here prints: inputs that cannot be read are kept in [`Inventory::errors`] (one line
//! each, naming the file), and the rest is still read.
//!
//! ```
//! use vendorscan::source::{self, Options, Target};
//!
//! let analysers = vendorscan::analyse::standard();
//! let options = Options::new(&analysers);
//! let targets = [Target::parse("fixtures/sbom/cyclonedx/router-1.6.cdx.json")];
//! let inventory = source::read(&targets, &options);
//! assert!(inventory.errors.is_empty());
//! assert_eq!(inventory.documents.len(), 1);
//! assert!(inventory.components.iter().any(|c| c.name == "huaweicloud-sdk-core"));
//! ```

mod container;
pub mod registry;

use crate::analyse::assemble::assemble;
use crate::analyse::Analyser;
use crate::firmware;
use crate::model::{InputError, Inventory};
use crate::sbom::{self, SbomError};
use std::io::Read;
use std::path::{Path, PathBuf};

/// How a target is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// A directory is walked; a file is read as an SBOM when its content is one, else walked.
    Auto,
    /// `sbom:PATH`: must be an SBOM.
    Sbom,
    /// `dir:PATH`: a directory, walked.
    Dir,
    /// `file:PATH` or `image:PATH`: a firmware image or any file, walked whatever it holds.
    Image,
    /// `-`: an SBOM on standard input.
    Stdin,
    /// `oci-dir:PATH`: an OCI image layout directory (auto-detected by its `oci-layout`).
    OciDir,
    /// `oci-archive:FILE`: an OCI image layout as a tar (auto-detected).
    OciArchive,
    /// `docker-archive:FILE`: `docker save` output (auto-detected).
    DockerArchive,
    /// `registry:REF`: a container image pulled from a registry (see [`registry`]).
    Registry,
}

/// One target as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub scheme: Scheme,
    pub path: PathBuf,
}

impl Target {
    /// Splits a scheme prefix off a target as written. A path that merely contains a colon
    /// (`./a:b`) stays a path: only the known schemes are prefixes.
    pub fn parse(arg: &str) -> Target {
        if arg == "-" {
            return Target {
                scheme: Scheme::Stdin,
                path: PathBuf::from("-"),
            };
        }
        for (prefix, scheme) in [
            ("sbom:", Scheme::Sbom),
            ("dir:", Scheme::Dir),
            ("file:", Scheme::Image),
            ("image:", Scheme::Image),
            ("oci-dir:", Scheme::OciDir),
            ("oci-archive:", Scheme::OciArchive),
            ("docker-archive:", Scheme::DockerArchive),
            ("registry:", Scheme::Registry),
        ] {
            if let Some(rest) = arg.strip_prefix(prefix) {
                return Target {
                    scheme,
                    path: PathBuf::from(rest),
                };
            }
        }
        Target {
            scheme: Scheme::Auto,
            path: PathBuf::from(arg),
        }
    }

    /// As [`Target::parse`], for a path that may not be UTF-8 (then it has no scheme).
    pub fn from_os(arg: &std::ffi::OsStr) -> Target {
        match arg.to_str() {
            Some(s) => Target::parse(s),
            None => Target {
                scheme: Scheme::Auto,
                path: PathBuf::from(arg),
            },
        }
    }

    /// The name reports give the target.
    pub fn display(&self) -> String {
        match self.scheme {
            Scheme::Stdin => "<stdin>".to_string(),
            _ => self.path.display().to_string(),
        }
    }
}

/// How targets are read: SBOMs within `sbom_limits`, directories and images within
/// `walk_limits`, each walked file through `analyser`.
pub struct Options<'a> {
    pub sbom_limits: sbom::Limits,
    pub walk_limits: firmware::Limits,
    /// What walks leave out on purpose (`--exclude`).
    pub scope: firmware::Scope,
    pub analyser: &'a dyn Analyser,
    pub progress: &'a dyn firmware::Progress,
    /// The platform picked from a multi-platform image index (`--platform`); `None`: the
    /// machine's own, or the only image the index holds.
    pub platform: Option<crate::image::Platform>,
    /// Credentials and plain-HTTP registries for `registry:` targets.
    pub registry: registry::Settings,
    /// The results cache walks go through (`None`: every file walked and analysed).
    pub cache: Option<&'a crate::cache::Cache>,
}

impl<'a> Options<'a> {
    /// Default limits, no progress shown.
    pub fn new(analyser: &'a dyn Analyser) -> Self {
        Options {
            sbom_limits: sbom::Limits::default(),
            walk_limits: firmware::Limits::default(),
            scope: firmware::Scope::default(),
            analyser,
            progress: &(),
            platform: None,
            registry: registry::Settings::default(),
            cache: None,
        }
    }
}

/// Reads every target into one inventory, in order.
pub fn read(targets: &[Target], options: &Options<'_>) -> Inventory {
    let mut inventory = Inventory::default();
    for target in targets {
        read_one(target, options, &mut inventory);
    }
    inventory
}

/// How a file target is read once its scheme and content are known.
enum Plan {
    Sbom,
    Walk,
}

fn read_one(target: &Target, options: &Options<'_>, inventory: &mut Inventory) {
    let path = &target.path;
    let image = match target.scheme {
        Scheme::Auto => container::detect(path),
        _ => None,
    };
    let plan = match target.scheme {
        Scheme::Stdin => {
            read_stdin(options, inventory);
            return;
        }
        Scheme::Registry => {
            read_registry(target, options, inventory);
            return;
        }
        Scheme::Dir if !path.is_dir() => {
            return fail(inventory, target, format!("{}: not a directory", path.display()));
        }
        Scheme::Dir => Plan::Walk,
        Scheme::OciDir | Scheme::OciArchive | Scheme::DockerArchive => {
            return container::read(target, options, inventory);
        }
        // a directory or tar holding a container image
        Scheme::Auto if image.is_some() => {
            let image = Target {
                scheme: image.unwrap_or(Scheme::Auto),
                path: path.clone(),
            };
            return container::read(&image, options, inventory);
        }
        Scheme::Image | Scheme::Auto if path.is_dir() => Plan::Walk,
        // A pipe (`audit <(vendorscan sbom fw.bin)`) can be read once, as it streams: an SBOM.
        Scheme::Sbom | Scheme::Auto if is_fifo(path) => {
            read_stream(target, std::fs::File::open(path), options, inventory);
            return;
        }
        Scheme::Sbom => Plan::Sbom,
        Scheme::Image | Scheme::Auto => {
            // An empty file holds nothing to examine: never a clear result.
            match std::fs::metadata(path) {
                Ok(m) if m.is_file() && m.len() == 0 => {
                    return fail(
                        inventory,
                        target,
                        format!("{}: file is empty; nothing to examine", path.display()),
                    );
                }
                Err(e) => return fail(inventory, target, format!("{}: cannot read: {e}", path.display())),
                Ok(_) => {}
            }
            match target.scheme {
                Scheme::Image => Plan::Walk,
                // Not even the start of an SBOM: walked without being read as one first.
                _ if !sbom::could_be_sbom(path).unwrap_or(true) => Plan::Walk,
                _ => Plan::Sbom,
            }
        }
    };
    if let Plan::Sbom = plan {
        match sbom::read_path(path, &options.sbom_limits) {
            Ok(mut part) => {
                part.document.size = std::fs::metadata(path).map_or(0, |m| m.len());
                inventory.add(part);
                return;
            }
            // Nothing like an SBOM: under auto-detection that makes it an image.
            // (An empty or white-space-only file is an error: it holds nothing to examine.)
            Err(SbomError::UnknownFormat { .. }) if target.scheme == Scheme::Auto => {}
            Err(e) => return fail(inventory, target, e.to_string()),
        }
    }
    walk(path, options, inventory, target);
}

fn walk(path: &Path, options: &Options<'_>, inventory: &mut Inventory, target: &Target) {
    match crate::cache::walk(path, options) {
        Ok(mut walked) => {
            inventory.add(assemble(&target.display(), path.is_dir(), &mut walked));
            inventory.files.append(&mut walked.files);
            inventory.containers.append(&mut walked.containers);
            inventory.skipped.append(&mut walked.skipped);
            inventory.warnings.append(&mut walked.warnings);
        }
        Err(e) => fail(inventory, target, e.to_string()),
    }
}

/// A container image pulled from a registry: resolved, then audited as every image is.
fn read_registry(target: &Target, options: &Options<'_>, inventory: &mut Inventory) {
    match registry::open(&target.path.to_string_lossy(), options) {
        Ok((remote, image)) => crate::image::read_into(&image, &remote, options, inventory),
        Err(e) => fail(inventory, target, e.to_string()),
    }
}

/// An SBOM on standard input.
fn read_stdin(options: &Options<'_>, inventory: &mut Inventory) {
    let target = Target::parse("-");
    read_stream(&target, Ok(std::io::stdin().lock()), options, inventory);
}

/// An SBOM read as it streams (standard input, a pipe), through the size limit.
fn read_stream(target: &Target, reader: std::io::Result<impl Read>, options: &Options<'_>, inventory: &mut Inventory) {
    let name = target.display();
    let reader = match reader {
        Ok(r) => r,
        Err(e) => return fail(inventory, target, format!("{name}: cannot read: {e}")),
    };
    let mut counted = Counted { inner: reader, n: 0 };
    match sbom::read_reader(&name, &mut counted, &options.sbom_limits) {
        Ok(mut part) => {
            part.document.size = counted.n;
            inventory.add(part);
        }
        Err(e) => fail(inventory, target, e.to_string()),
    }
}

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

#[cfg(not(unix))]
fn is_fifo(_: &Path) -> bool {
    false
}

/// A reader that counts the bytes read through it.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let got = self.inner.read(buf)?;
        self.n += got as u64;
        Ok(got)
    }
}

fn fail(inventory: &mut Inventory, target: &Target, message: String) {
    inventory.errors.push(InputError {
        file: target.display(),
        message,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_split_off_and_plain_paths_kept() {
        let t = |s: &str| {
            let t = Target::parse(s);
            (t.scheme, t.path.display().to_string())
        };
        assert_eq!(t("sbom:a.json"), (Scheme::Sbom, "a.json".into()));
        assert_eq!(t("dir:/srv/root"), (Scheme::Dir, "/srv/root".into()));
        assert_eq!(t("file:fw.bin"), (Scheme::Image, "fw.bin".into()));
        assert_eq!(t("image:fw.bin"), (Scheme::Image, "fw.bin".into()));
        assert_eq!(t("-"), (Scheme::Stdin, "-".into()));
        assert_eq!(t("./a:b"), (Scheme::Auto, "./a:b".into()));
        assert_eq!(t("fw.bin"), (Scheme::Auto, "fw.bin".into()));
    }

    #[test]
    fn an_unreadable_or_empty_target_is_an_error_not_a_document() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.json");
        std::fs::write(&empty, b"").unwrap();
        let analysers = crate::analyse::standard();
        let options = Options::new(&analysers);
        let targets = [
            Target::parse("/nonexistent/sbom.cdx.json"),
            Target::parse(empty.to_str().unwrap()),
            Target::parse("dir:/nonexistent"),
        ];
        let inv = read(&targets, &options);
        assert!(inv.documents.is_empty());
        let messages: Vec<&str> = inv.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(
            messages[0].starts_with("/nonexistent/sbom.cdx.json: cannot read: "),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].ends_with("empty.json: file is empty; nothing to examine"),
            "{}",
            messages[1]
        );
        assert_eq!(messages[2], "/nonexistent: not a directory");
    }
}
