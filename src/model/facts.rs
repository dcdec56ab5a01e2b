//! What the binary analysers found in one walked file: graded evidence about who built, signed
//! or wrote it, descriptive properties, and the package-database records it holds. Analysers
//! write these; the assembly turns them into components; the rule engine grades the evidence.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

/// Everything the analysers found in one file. Empty for most files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    /// Values the rule engine grades, by field name (`rules/grading.toml`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Fact>,
    /// Descriptive facts that identify the file but say nothing about a vendor: architecture,
    /// soname, build-id, needed libraries, kernel version, module description, licence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<FileProperty>,
    /// Packages a package database or manifest in this file lists.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<PackageRecord>,
    /// Files a package owns, as a file list in this file gives them (dpkg `info/*.list`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owns: Vec<Ownership>,
    /// Licences a file states for a package it does not itself describe (Debian
    /// `usr/share/doc/<package>/copyright`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub package_licenses: Vec<PackageLicenses>,
    /// The operating system an `os-release` file names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<OsRelease>,
}

impl Facts {
    pub fn is_empty(&self) -> bool {
        self.evidence.is_empty()
            && self.properties.is_empty()
            && self.packages.is_empty()
            && self.owns.is_empty()
            && self.package_licenses.is_empty()
            && self.os.is_none()
    }

    /// Adds a graded value found at `offset` (bytes into the file) in the named place.
    pub fn evidence(&mut self, field: &'static str, value: impl Into<String>, offset: Option<u64>, place: &str) {
        self.evidence.push(Fact {
            field,
            value: value.into(),
            offset,
            place: place.into(),
        });
    }

    /// Adds a descriptive property.
    pub fn property(&mut self, name: &'static str, value: impl Into<String>) {
        self.properties.push(FileProperty {
            name,
            value: value.into(),
        });
    }
}

/// One graded value: `field` names a `[[grade]]` in `rules/grading.toml` (`module-author`,
/// `cert-subject`, `pe-company`, `dt-compatible`, `hardware-id`, `oui`, `string`,
/// `copyright-holder`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    #[serde(deserialize_with = "super::intern::static_str")]
    pub field: super::intern::StaticStr,
    /// As found, e.g. `Huawei Technologies Co., Ltd.`, `hisilicon,hi3798cv200`, `usb:12d1`,
    /// `pci:19e5`, `00:e0:fc`.
    pub value: String,
    /// Byte offset in the file, where the value has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The place in the file's own structure: `.modinfo author`, `VS_VERSIONINFO CompanyName`,
    /// `authenticode signer`, `/compatible`.
    pub place: CompactString,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileProperty {
    #[serde(deserialize_with = "super::intern::static_str")]
    pub name: super::intern::StaticStr,
    pub value: String,
}

/// A package as a database or manifest lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PackageRecord {
    /// The purl type it belongs to: `deb`, `opkg`, `apk`, `pypi`, `npm`, `maven`.
    #[serde(deserialize_with = "super::intern::static_str")]
    pub ecosystem: super::intern::StaticStr,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Built with the packageurl crate; `None` when the record lacks a name to build it from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Who supplied, wrote or published it, as written (`Name <mail>` kept whole).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<PackageParty>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Homepage or repository URL.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<String>,
    /// The source package it was built from, as written (dpkg `Source`, opkg `SourceName` or
    /// `Source`, apk `o:` origin): binary packages of one source share a supplier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// 1-based line of the record in the database file, where it is line-oriented.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Files the record itself lists (apk `F:`/`R:`, opkg has none), as absolute paths in the
    /// root filesystem the database belongs to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// What it needs installed: each entry a list of alternatives (dpkg `a | b`), each a
    /// package or virtual-package name, versions and architectures left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends: Vec<Vec<String>>,
    /// Virtual packages (dpkg `Provides`), sonames and commands (apk `p:`) it provides.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub provides: Vec<String>,
}

/// Licences stated for a package by a file of its own (`usr/share/doc/<package>/copyright`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageLicenses {
    /// The purl type of the package: `deb`.
    #[serde(deserialize_with = "super::intern::static_str")]
    pub ecosystem: super::intern::StaticStr,
    pub package: String,
    /// SPDX expressions where the mapping is certain, else the names as written or a
    /// `LicenseRef-` naming the text by its hash.
    pub licenses: Vec<String>,
}

/// `etc/os-release` / `usr/lib/os-release` (systemd's os-release(5)): the fields that identify
/// the operating system.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OsRelease {
    /// `ID`: `debian`, `alpine`, `openwrt`.
    pub id: String,
    /// `ID_LIKE`, split on white space.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_url: Option<String>,
    /// `VENDOR_NAME` (systemd 254).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_name: Option<String>,
    /// Whether it was `etc/os-release`, which takes precedence over `usr/lib/os-release`.
    pub in_etc: bool,
}

/// A party of a package record; `role` is the model's role name (`supplier`, `author`,
/// `publisher`, `manufacturer`), `field` the database's own field (`Maintainer`, `Author-email`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageParty {
    pub role: super::Role,
    #[serde(deserialize_with = "super::intern::static_str")]
    pub field: super::intern::StaticStr,
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

/// The files a named package owns, as absolute paths inside its root filesystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    pub package: String,
    pub files: Vec<String>,
}
