//! opkg's database (OpenWrt `usr/lib/opkg`, OpenEmbedded/Yocto `var/lib/opkg`): `status` (a
//! paragraph per package, with `Status`), and `info/<pkg>.control` (the package's control
//! paragraph as shipped, without `Status`). OpenWrt's status keeps little beyond name,
//! version, architecture and status; the maintainer, licence and source are in the control
//! files, so both are read.
//!
//! purl type `opkg`: it is not in the purl-spec's registered types (`purl-types-index.json`;
//! a definition is proposed in package-url/purl-spec PR #279). `generic` would lose the
//! ecosystem, and the packageurl crate builds any well-formed type, so `pkg:opkg/<name>@<version>?arch=<arch>`
//! is used — without a namespace, because the database does not say which distribution
//! (OpenWrt, a vendor SDK, Yocto) built it.

use super::common::{add_license, add_party, add_url, cap, purl, record, MAX_RECORDS, MAX_RELATIONS};
use super::control::{relations, whole, Blank, Paragraph, Paragraphs};
use crate::model::{Facts, PackageRecord, Role};

/// Every installed package of a status database.
pub(super) fn status(text: &str, facts: &mut Facts) {
    records(text, false, facts);
}

/// An `info/<pkg>.control` file: installed unless a `Status` says otherwise.
pub(super) fn control(text: &str, facts: &mut Facts) {
    records(text, true, facts);
}

fn records(text: &str, status_missing_means_installed: bool, facts: &mut Facts) {
    for p in Paragraphs::new(text, Blank::Whitespace).take(MAX_RECORDS) {
        if p.installed(status_missing_means_installed) {
            facts.packages.extend(package(&p));
        }
    }
}

fn package(p: &Paragraph<'_>) -> Option<PackageRecord> {
    let name = p.value("Package")?;
    let version = p.value("Version");
    let mut r = record("opkg", name, version, Some(p.line));
    r.purl = purl("opkg", None, name, version, p.value("Architecture"));
    if let Some(f) = p.field("Maintainer") {
        add_party(&mut r, Role::Supplier, "Maintainer", f.first, Some(f.line));
    }
    if let Some(l) = p.value("License") {
        add_license(&mut r, l);
    }
    for key in ["Homepage", "URL"] {
        if let Some(url) = p.value(key) {
            add_url(&mut r, url);
        }
    }
    r.description = p.value("Description").map(cap);
    // OpenWrt writes the source package's name as `SourceName` and its path in the build tree
    // (`package/utils/busybox`) as `Source`; other opkg builds write only `Source`.
    r.source = p.value("SourceName").or_else(|| p.value("Source")).map(cap);
    for key in ["Pre-Depends", "Depends"] {
        if let Some(f) = p.field(key) {
            r.depends.extend(relations(&whole(f), MAX_RELATIONS));
        }
    }
    if let Some(f) = p.field("Provides") {
        r.provides = relations(&whole(f), MAX_RELATIONS).into_iter().flatten().collect();
    }
    Some(r)
}
