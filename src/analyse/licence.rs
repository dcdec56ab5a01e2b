//! Licence names as package databases write them → SPDX licence expressions, only where the
//! mapping is certain. A name that is already an SPDX expression (checked with the `spdx` crate,
//! strict: listed, case-sensitive, not deprecated) is kept; a name in [`CERTAIN`] is replaced;
//! a DEP-5 expression (`GPL-2+ or Artistic-2.0`) is mapped term by term when every term maps;
//! anything else is kept as written, and the SBOM writers declare it as a `LicenseRef-`.
//!
//! The table's sources: the DEP-5 short names (Debian copyright-format 1.0, "License
//! specification", whose `+` means "or any later version"), the SPDX licence list's deprecated
//! identifiers (`GPL-2.0` is `GPL-2.0-only`, `GPL-2.0+` is `GPL-2.0-or-later`), and the PyPI
//! trove classifiers that name one licence version. Names that do not say which version or
//! which variant (`GPL`, `BSD`, `Artistic`, `GPLv2` without "or later", `Apache Software
//! License`) are not in it.

/// Name as written (compared ASCII case-insensitively) → SPDX identifier.
const CERTAIN: &[(&str, &str)] = &[
    // DEP-5 short names
    ("Expat", "MIT"),
    ("GPL-1", "GPL-1.0-only"),
    ("GPL-1+", "GPL-1.0-or-later"),
    ("GPL-2", "GPL-2.0-only"),
    ("GPL-2+", "GPL-2.0-or-later"),
    ("GPL-3", "GPL-3.0-only"),
    ("GPL-3+", "GPL-3.0-or-later"),
    ("LGPL-2", "LGPL-2.0-only"),
    ("LGPL-2+", "LGPL-2.0-or-later"),
    ("LGPL-2.1", "LGPL-2.1-only"),
    ("LGPL-2.1+", "LGPL-2.1-or-later"),
    ("LGPL-3", "LGPL-3.0-only"),
    ("LGPL-3+", "LGPL-3.0-or-later"),
    ("AGPL-3", "AGPL-3.0-only"),
    ("AGPL-3+", "AGPL-3.0-or-later"),
    ("GFDL-1.2", "GFDL-1.2-only"),
    ("GFDL-1.2+", "GFDL-1.2-or-later"),
    ("GFDL-1.3", "GFDL-1.3-only"),
    ("GFDL-1.3+", "GFDL-1.3-or-later"),
    ("BSD-2-clause", "BSD-2-Clause"),
    ("BSD-3-clause", "BSD-3-Clause"),
    ("BSD-4-clause", "BSD-4-Clause"),
    ("Apache-2", "Apache-2.0"),
    ("MPL-1.1", "MPL-1.1"),
    ("MPL-2.0", "MPL-2.0"),
    ("Zope-2.1", "ZPL-2.1"),
    ("PSF-2", "PSF-2.0"),
    ("CC0", "CC0-1.0"),
    ("ISC", "ISC"),
    ("Zlib", "Zlib"),
    ("Artistic-2.0", "Artistic-2.0"),
    // SPDX deprecated identifiers
    ("GPL-1.0", "GPL-1.0-only"),
    ("GPL-1.0+", "GPL-1.0-or-later"),
    ("GPL-2.0", "GPL-2.0-only"),
    ("GPL-2.0+", "GPL-2.0-or-later"),
    ("GPL-3.0", "GPL-3.0-only"),
    ("GPL-3.0+", "GPL-3.0-or-later"),
    ("LGPL-2.0", "LGPL-2.0-only"),
    ("LGPL-2.0+", "LGPL-2.0-or-later"),
    ("LGPL-2.1+", "LGPL-2.1-or-later"),
    ("LGPL-3.0", "LGPL-3.0-only"),
    ("LGPL-3.0+", "LGPL-3.0-or-later"),
    ("AGPL-3.0", "AGPL-3.0-only"),
    // PyPI trove classifiers (`License :: OSI Approved :: …`), the part after the last `::`
    ("MIT License", "MIT"),
    ("ISC License (ISCL)", "ISC"),
    ("Mozilla Public License 2.0 (MPL 2.0)", "MPL-2.0"),
    ("Apache License 2.0", "Apache-2.0"),
    ("Apache License, Version 2.0", "Apache-2.0"),
    ("GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"),
    ("GNU General Public License v3 or later (GPLv3+)", "GPL-3.0-or-later"),
    ("GNU General Public License v3 (GPLv3)", "GPL-3.0-only"),
    (
        "GNU Lesser General Public License v3 or later (LGPLv3+)",
        "LGPL-3.0-or-later",
    ),
    (
        "GNU Affero General Public License v3 or later (AGPLv3+)",
        "AGPL-3.0-or-later",
    ),
    ("The Unlicense (Unlicense)", "Unlicense"),
    ("Zero-Clause BSD (0BSD)", "0BSD"),
];

/// The SPDX expression for a licence name, when certain.
pub fn spdx(name: &str) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    if let Some((_, id)) = CERTAIN.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        return Some((*id).to_owned());
    }
    if is_expression(name) {
        return Some(name.to_owned());
    }
    dep5_expression(name)
}

/// `name` normalised where certain, else as written.
pub fn normalise(name: &str) -> String {
    spdx(name).unwrap_or_else(|| name.trim().to_owned())
}

fn is_expression(text: &str) -> bool {
    !text.contains("LicenseRef-") && !text.contains("DocumentRef-") && spdx::Expression::parse(text).is_ok()
}

/// A DEP-5 expression of short names joined by `or`, `and` and `,` (DEP-5: "`,` … has lower
/// precedence than `and`"; mixing them is rare, so only one kind of operator is mapped), each
/// term through [`CERTAIN`] or the SPDX list. `with … exception` terms are not mapped.
fn dep5_expression(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    if lower.contains(" with ") || lower.contains('(') {
        return None;
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let ors = words.iter().filter(|w| w.eq_ignore_ascii_case("or")).count();
    let ands = words.iter().filter(|w| w.eq_ignore_ascii_case("and")).count();
    let op = match (ors, ands) {
        (0, 0) => return None,
        (_, 0) => "OR",
        (0, _) => "AND",
        _ => return None,
    };
    let sep = op.to_ascii_lowercase();
    let mut terms = Vec::new();
    for group in words.split(|w| w.eq_ignore_ascii_case(&sep)) {
        let term = group.join(" ");
        let term = term.trim_end_matches(',');
        let mapped = CERTAIN
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(term))
            .map(|(_, id)| (*id).to_owned())
            .or_else(|| (!term.contains(' ') && is_expression(term)).then(|| term.to_owned()))?;
        terms.push(mapped);
    }
    let joined = terms.join(&format!(" {op} "));
    is_expression(&joined).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certain_names_map_and_others_stay() {
        assert_eq!(spdx("Expat").as_deref(), Some("MIT"));
        assert_eq!(spdx("GPL-2+").as_deref(), Some("GPL-2.0-or-later"));
        assert_eq!(spdx("gpl-3+").as_deref(), Some("GPL-3.0-or-later"));
        assert_eq!(spdx("GPL-2.0").as_deref(), Some("GPL-2.0-only"));
        assert_eq!(spdx("Apache-2.0 OR MIT").as_deref(), Some("Apache-2.0 OR MIT"));
        assert_eq!(spdx("MIT License").as_deref(), Some("MIT"));
        assert_eq!(
            spdx("GPL-2+ or Artistic-2.0").as_deref(),
            Some("GPL-2.0-or-later OR Artistic-2.0")
        );
        assert_eq!(
            spdx("GPL-3+ and BSD-3-clause").as_deref(),
            Some("GPL-3.0-or-later AND BSD-3-Clause")
        );
        for unsure in [
            "GPL",
            "BSD",
            "Artistic",
            "GPLv2",
            "public-domain",
            "GPL-2+ with OpenSSL exception",
            "GPL-1+ or Artistic",
        ] {
            assert_eq!(spdx(unsure), None, "{unsure}");
        }
        assert_eq!(normalise(" Artistic "), "Artistic");
        assert_eq!(spdx("LicenseRef-x"), None);
    }
}
