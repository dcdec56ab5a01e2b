//! Debian's `usr/share/doc/<package>/copyright`: the licences of the package it sits in.
//!
//! A machine-readable file (copyright-format 1.0, "DEP-5": a first paragraph with `Format:`
//! naming the specification) gives each `Files:` paragraph's `License:` short name, and the
//! header's; each distinct name is kept, mapped to SPDX where certain (`analyse::licence`). A
//! free-form file names its licences in prose, which is not guessed at: the package gets one
//! `LicenseRef-sha256-<first 16 hex digits>` naming the text by its SHA-256.

use sha2::{Digest, Sha256};

use super::common::cap;
use super::control::{Blank, Paragraphs};
use crate::analyse::licence;
use crate::model::{Facts, PackageLicenses};

/// Licence names taken from one file at most.
const MAX_NAMES: usize = 256;

/// The package a copyright file belongs to: its directory under `usr/share/doc`.
pub(super) fn package_of(dir: &str) -> Option<&str> {
    let (parent, name) = dir.rsplit_once('/').unwrap_or(("", dir));
    let under_doc = parent == "usr/share/doc" || parent.ends_with("/usr/share/doc");
    (under_doc && !name.is_empty() && !name.starts_with('.')).then_some(name)
}

pub(super) fn copyright(package: &str, text: &str, facts: &mut Facts) {
    let licenses = match dep5(text) {
        Some(names) => names,
        None => vec![free_form(text)],
    };
    if !licenses.is_empty() {
        facts.package_licenses.push(PackageLicenses {
            ecosystem: "deb",
            package: cap(package),
            licenses,
        });
    }
}

/// The licence names of a DEP-5 file, normalised; `None` when the file is not one.
fn dep5(text: &str) -> Option<Vec<String>> {
    let mut paragraphs = Paragraphs::new(text, Blank::Whitespace);
    let header = paragraphs.next()?;
    let format = header.value("Format")?;
    if !(format.contains("copyright-format") || format.contains("dep5") || format.contains("dep-5")) {
        return None;
    }
    let mut names: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        let name = name.trim();
        if name.is_empty() || names.len() >= MAX_NAMES {
            return;
        }
        let n = licence::normalise(&cap(name));
        if !names.contains(&n) {
            names.push(n);
        }
    };
    if let Some(l) = header.value("License") {
        add(l);
    }
    for p in paragraphs {
        if p.field("Files").is_some() {
            if let Some(l) = p.value("License") {
                add(l);
            }
        }
    }
    Some(names)
}

/// A free-form file's licence: a reference naming its text by hash.
fn free_form(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("LicenseRef-sha256-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep5_names_are_collected_and_mapped() {
        let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: bash\n\nFiles: *\nCopyright: 1987-2022 Free Software Foundation, Inc.\nLicense: GPL-3+\n\nFiles: lib/readline/*\nLicense: GPL-3+\n\nFiles: examples/loadables/*\nLicense: BSD-4-clause-UC\n\nLicense: GPL-3+\n This program is free software.\n";
        let mut facts = Facts::default();
        copyright("bash", text, &mut facts);
        assert_eq!(
            facts.package_licenses,
            [PackageLicenses {
                ecosystem: "deb",
                package: "bash".into(),
                licenses: vec!["GPL-3.0-or-later".into(), "BSD-4-clause-UC".into()],
            }]
        );
    }

    #[test]
    fn free_form_is_a_reference_by_hash() {
        let mut facts = Facts::default();
        copyright("x", "This is x, written by someone.\nIt is GPL.\n", &mut facts);
        let l = &facts.package_licenses[0].licenses;
        assert_eq!(l.len(), 1);
        assert!(l[0].starts_with("LicenseRef-sha256-") && l[0].len() == "LicenseRef-sha256-".len() + 16);
        assert_eq!(package_of("root/usr/share/doc/bash"), Some("bash"));
        assert_eq!(package_of("/usr/share/doc/bash"), Some("bash"));
        assert_eq!(package_of("/usr/share/bash"), None);
    }
}
