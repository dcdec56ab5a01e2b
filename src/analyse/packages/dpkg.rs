//! dpkg's database: `var/lib/dpkg/status` (a paragraph per package dpkg knows, installed or
//! not) and distroless images' `var/lib/dpkg/status.d/<name>` (one control paragraph per file,
//! for packages unpacked without dpkg).
//!
//! The purl namespace is the vendor (purl-spec deb definition): `debian`, unless the paragraph
//! has an `Origin` field naming another (dpkg copies it from the package's control file; it
//! is the distribution the package comes from). The status database does not otherwise say
//! which distribution it belongs to — that is in `etc/os-release`, another file, which an
//! analyser seeing one file at a time cannot read; an Ubuntu system's packages therefore get
//! `pkg:deb/debian/...` unless they carry `Origin: Ubuntu`.

use super::common::{add_party, add_url, cap, purl, record, MAX_RECORDS, MAX_RELATIONS};
use super::control::{relations, whole, Blank, Paragraph, Paragraphs};
use crate::model::{Facts, PackageRecord, Role};

const DEFAULT_VENDOR: &str = "debian";

/// Every installed package of a status database.
pub(super) fn status(text: &str, facts: &mut Facts) {
    records(text, false, facts);
}

/// A `status.d` file: its paragraph, installed unless a `Status` says otherwise.
pub(super) fn status_d(text: &str, facts: &mut Facts) {
    records(text, true, facts);
}

fn records(text: &str, status_missing_means_installed: bool, facts: &mut Facts) {
    for p in Paragraphs::new(text, Blank::Whitespace).take(MAX_RECORDS) {
        if p.installed(status_missing_means_installed) {
            facts.packages.extend(package(&p));
        }
    }
}

/// A vendor name usable as a purl namespace: one token of letters, digits, `.` and `-`.
fn vendor(origin: &str) -> Option<String> {
    let ok = origin.len() <= 64
        && origin
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    ok.then(|| origin.to_ascii_lowercase())
}

/// The record for one paragraph; `None` without a `Package` name.
fn package(p: &Paragraph<'_>) -> Option<PackageRecord> {
    let name = p.value("Package")?;
    let version = p.value("Version");
    let arch = p.value("Architecture");
    let namespace = p
        .value("Origin")
        .and_then(vendor)
        .unwrap_or_else(|| DEFAULT_VENDOR.to_owned());
    let mut r = record("deb", name, version, Some(p.line));
    r.purl = purl("deb", Some(&namespace), name, version, arch);
    if let Some(f) = p.field("Maintainer") {
        add_party(&mut r, Role::Supplier, "Maintainer", f.first, Some(f.line));
    }
    // A derivative's maintainer replaces the Debian one and keeps it here: who the package
    // originally came from.
    if let Some(f) = p.field("Original-Maintainer") {
        add_party(&mut r, Role::Originator, "Original-Maintainer", f.first, Some(f.line));
    }
    if let Some(url) = p.value("Homepage") {
        add_url(&mut r, url);
    }
    r.description = p.value("Description").map(cap);
    r.source = p.value("Source").map(cap);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PackageParty;

    #[test]
    fn origin_and_original_maintainer() {
        let text = "Package: zlib1g\nStatus: install ok installed\nMaintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>\nArchitecture: amd64\nOrigin: Ubuntu\nSource: zlib\nVersion: 1:1.2.11.dfsg-2ubuntu9.2\nOriginal-Maintainer: Mark Brown <broonie@debian.org>\n";
        let mut facts = Facts::default();
        status(text, &mut facts);
        let r = &facts.packages[0];
        assert_eq!(
            r.purl.as_deref(),
            Some("pkg:deb/ubuntu/zlib1g@1:1.2.11.dfsg-2ubuntu9.2?arch=amd64")
        );
        assert_eq!(r.source.as_deref(), Some("zlib"));
        assert_eq!(
            r.parties,
            vec![
                PackageParty {
                    role: Role::Supplier,
                    field: "Maintainer",
                    value: "Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>".into(),
                    line: Some(3),
                },
                PackageParty {
                    role: Role::Originator,
                    field: "Original-Maintainer",
                    value: "Mark Brown <broonie@debian.org>".into(),
                    line: Some(8),
                },
            ]
        );
    }

    #[test]
    fn odd_origin_falls_back_to_debian() {
        let mut facts = Facts::default();
        status_d("Package: a\nVersion: 1\nOrigin: Some Vendor\n", &mut facts);
        assert_eq!(facts.packages[0].purl.as_deref(), Some("pkg:deb/debian/a@1"));
    }
}
