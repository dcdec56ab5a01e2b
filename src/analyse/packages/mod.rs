//! Package databases and manifests in a root filesystem → [`PackageRecord`]s (a package, its
//! version, purl, parties, licences, URLs) and [`Ownership`]s (the files a package owns).
//!
//! [`Packages`] picks the format from the file's path inside its filesystem — matched on whole
//! trailing path components, so it works for an image member (`/usr/lib/opkg/status`) and for a
//! file below a directory target (`rootfs/usr/lib/opkg/status`) alike — and then hands the bytes
//! to that format's parser, which checks the content. Every parser is tolerant: lines it cannot
//! read are skipped, it never fails, and its work is bounded (records per file, bytes per value,
//! paths per list; see `common`).
//!
//! | path | format | module |
//! |---|---|---|
//! | `var/lib/dpkg/status`, `var/lib/dpkg/status.d/<pkg>` | dpkg database, distroless | `dpkg` |
//! | `var/lib/dpkg/info/<pkg>[:<arch>].list` | dpkg file list | `filelist` |
//! | `{usr,var}/lib/opkg/status`, `…/info/<pkg>.control` | opkg database | `opkg` |
//! | `{usr,var}/lib/opkg/info/<pkg>.list` | opkg file list | `filelist` |
//! | `lib/apk/db/installed` | Alpine apk database | `apk` |
//! | `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, `*.egg-info` | Python core metadata | `python` |
//! | `*.dist-info/RECORD` | Python wheel file list | `python` |
//! | `node_modules/[@scope/]<name>/package.json` | npm manifest | `npm` |
//! | `META-INF/MANIFEST.MF`, `META-INF/maven/<g>/<a>/pom.properties` | Java archive | `java` |
//! | `usr/share/doc/<package>/copyright` | Debian copyright file (licences) | `deb_copyright` |
//!
//! [`PackageRecord`]: crate::model::PackageRecord
//! [`Ownership`]: crate::model::Ownership

mod apk;
mod common;
mod control;
mod deb_copyright;
mod dpkg;
mod filelist;
mod java;
mod npm;
mod opkg;
mod python;

use crate::analyse::{Analyser, FileView};
use crate::model::Facts;
pub(crate) use common::join_normalised;
use common::{has_suffix, split_last};

/// The package-database analyser.
#[derive(Debug, Clone, Copy, Default)]
pub struct Packages;

/// What a file is, by its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `var/lib/dpkg/status`
    DpkgStatus,
    /// `var/lib/dpkg/status.d/<pkg>` (distroless)
    DpkgStatusD,
    /// `var/lib/dpkg/info/<pkg>[:<arch>].list`
    DpkgList,
    /// `{usr,var}/lib/opkg/status`
    OpkgStatus,
    /// `{usr,var}/lib/opkg/info/<pkg>.control`
    OpkgControl,
    /// `{usr,var}/lib/opkg/info/<pkg>.list`
    OpkgList,
    /// `lib/apk/db/installed`
    ApkInstalled,
    /// `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`
    PythonMetadata,
    /// A `*.egg-info` file (distutils installs one file, not a directory): core metadata when
    /// its content says so.
    PythonEggInfoFile,
    /// `*.dist-info/RECORD`
    PythonRecord,
    /// `node_modules/[@scope/]<name>/package.json`
    NpmPackage,
    /// `META-INF/MANIFEST.MF`
    JavaManifest,
    /// `META-INF/maven/<groupId>/<artifactId>/pom.properties`
    PomProperties,
    /// `usr/share/doc/<package>/copyright` (Debian)
    DebCopyright,
}

/// Where opkg keeps its database: OpenWrt's `usr/lib/opkg`, opkg's default `var/lib/opkg`.
const OPKG_ROOTS: [&str; 2] = ["usr/lib/opkg", "var/lib/opkg"];

impl Format {
    /// The format a path inside a filesystem names, if any.
    pub fn of(path: &str) -> Option<Format> {
        let (dir, name) = split_last(path);
        let (_, dir_name) = split_last(dir);
        if has_suffix(path, "var/lib/dpkg/status") {
            return Some(Format::DpkgStatus);
        }
        if has_suffix(dir, "var/lib/dpkg/status.d") && !name.starts_with('.') && !name.ends_with(".md5sums") {
            return Some(Format::DpkgStatusD);
        }
        if has_suffix(dir, "var/lib/dpkg/info") && filelist::package_of(name).is_some() {
            return Some(Format::DpkgList);
        }
        for root in OPKG_ROOTS {
            if has_suffix(dir, root) && name == "status" {
                return Some(Format::OpkgStatus);
            }
            if dir.strip_suffix("/info").is_some_and(|d| has_suffix(d, root)) {
                if name.strip_suffix(".control").is_some_and(|n| !n.is_empty()) {
                    return Some(Format::OpkgControl);
                }
                if filelist::package_of(name).is_some() {
                    return Some(Format::OpkgList);
                }
            }
        }
        if name == "copyright" && deb_copyright::package_of(dir).is_some() {
            return Some(Format::DebCopyright);
        }
        if has_suffix(path, "lib/apk/db/installed") {
            return Some(Format::ApkInstalled);
        }
        let dist_info = dir_name.len() > ".dist-info".len() && dir_name.ends_with(".dist-info");
        let egg_info = dir_name.len() > ".egg-info".len() && dir_name.ends_with(".egg-info");
        match name {
            "METADATA" if dist_info => return Some(Format::PythonMetadata),
            "PKG-INFO" if egg_info => return Some(Format::PythonMetadata),
            "RECORD" if dist_info => return Some(Format::PythonRecord),
            "package.json" if is_node_module(dir) => return Some(Format::NpmPackage),
            "pom.properties" if is_maven_dir(dir) => return Some(Format::PomProperties),
            _ => {}
        }
        if name.len() > ".egg-info".len() && name.ends_with(".egg-info") {
            return Some(Format::PythonEggInfoFile);
        }
        if name.eq_ignore_ascii_case("MANIFEST.MF") && dir_name.eq_ignore_ascii_case("META-INF") {
            return Some(Format::JavaManifest);
        }
        None
    }
}

/// `…/node_modules/<name>` or `…/node_modules/@scope/<name>`: an installed package's directory.
fn is_node_module(dir: &str) -> bool {
    let (parent, name) = split_last(dir);
    if name.is_empty() || name.starts_with(['.', '@']) {
        return false;
    }
    let (grandparent, parent_name) = split_last(parent);
    if parent_name == "node_modules" {
        return true;
    }
    parent_name.len() > 1 && parent_name.starts_with('@') && split_last(grandparent).1 == "node_modules"
}

/// `…/META-INF/maven/<groupId>/<artifactId>`.
fn is_maven_dir(dir: &str) -> bool {
    let (group_dir, artifact) = split_last(dir);
    let (maven, group) = split_last(group_dir);
    !artifact.is_empty() && !group.is_empty() && has_suffix(maven, "META-INF/maven")
}

impl Analyser for Packages {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        let path = file.inner_path();
        let Some(format) = Format::of(path) else {
            return;
        };
        let bytes = file.bytes;
        // Text formats are read as UTF-8, invalid bytes replaced (a Latin-1 maintainer name
        // stays readable around the replacement); the replacement copies only such files.
        let text = || String::from_utf8_lossy(bytes);
        let (_, name) = split_last(path);
        match format {
            Format::DpkgStatus => dpkg::status(&text(), facts),
            Format::DpkgStatusD => dpkg::status_d(&text(), facts),
            Format::OpkgStatus => opkg::status(&text(), facts),
            Format::OpkgControl => opkg::control(&text(), facts),
            Format::DpkgList | Format::OpkgList => {
                if let Some(package) = filelist::package_of(name) {
                    filelist::ownership(package, &text(), facts);
                }
            }
            Format::ApkInstalled => apk::installed(&text(), facts),
            Format::PythonMetadata => python::metadata(&text(), facts),
            Format::PythonEggInfoFile => {
                if python::looks_like_metadata(bytes) {
                    python::metadata(&text(), facts);
                }
            }
            Format::PythonRecord => python::record_file(path, &text(), facts),
            Format::NpmPackage => npm::package_json(bytes, facts),
            Format::JavaManifest => java::manifest(bytes, facts),
            Format::PomProperties => java::pom_properties(&text(), facts),
            Format::DebCopyright => {
                if let Some(package) = deb_copyright::package_of(split_last(path).0) {
                    deb_copyright::copyright(package, &text(), facts);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
