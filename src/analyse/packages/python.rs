//! Installed Python distributions: core metadata (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO`
//! or a `*.egg-info` file) and a wheel install's file list (`*.dist-info/RECORD`).
//!
//! Core metadata is e-mail headers; only the header block (up to the first empty line) is
//! read, the long description after it is not. Roles: `Author`/`Author-email` are the authors;
//! `Maintainer`/`Maintainer-email` are the supplier — the core metadata specification meant the
//! field for a project maintained by someone other than its original author, who then looks
//! after and releases it: what a supplier is, as dpkg's `Maintainer` is.

use super::common::{
    add_license, add_party, add_url, cap, join_normalised, nonempty, purl, record, split_last, MAX_JOINED_BYTES,
    MAX_PATHS,
};
use super::control::{Blank, Paragraphs};
use crate::model::{Facts, Ownership, Role};

/// What setuptools writes for a field never set; not a value.
const UNSET: &str = "UNKNOWN";

/// Whether a file holds core metadata: its first header is `Metadata-Version` (a `*.egg-info`
/// file could be anything its name says).
pub(super) fn looks_like_metadata(bytes: &[u8]) -> bool {
    bytes.starts_with(b"Metadata-Version:")
}

/// The name normalised as the purl-spec pypi definition and PEP 503 say: lower case, every
/// run of `-`, `_` and `.` one `-`.
pub(super) fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push('-');
            }
            in_run = true;
        } else {
            out.extend(c.to_lowercase());
            in_run = false;
        }
    }
    out
}

/// The addresses of an RFC 5322 address list (`"Jane Doe" <jane@x.org>, Other <o@y>`), each as
/// written less the quotes around its display name: commas inside quotes, angle brackets or
/// parentheses do not split.
pub(super) fn addresses(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut quoted, mut angle, mut paren) = (false, false, 0u32);
    let mut chars = list.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
                continue;
            }
            '"' => {
                quoted = !quoted;
                continue;
            }
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            '(' if !quoted => paren = paren.saturating_add(1),
            ')' if !quoted => paren = paren.saturating_sub(1),
            ',' if !quoted && !angle && paren == 0 => {
                if let Some(a) = nonempty(&current) {
                    out.push(cap(a));
                }
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if let Some(a) = nonempty(&current) {
        out.push(cap(a));
    }
    out
}

fn set(value: &str) -> Option<&str> {
    nonempty(value).filter(|v| *v != UNSET)
}

/// The record of a core metadata file; nothing without a `Name`.
pub(super) fn metadata(text: &str, facts: &mut Facts) {
    let Some(p) = Paragraphs::new(text, Blank::Empty).next() else {
        return;
    };
    let Some(name) = p.value("Name").and_then(set) else {
        return;
    };
    let version = p.value("Version").and_then(set);
    let mut r = record("pypi", name, version, Some(p.line));
    r.purl = purl("pypi", None, &normalise(name), version, None);
    for (field, role, emails) in [
        ("Author", Role::Author, false),
        ("Author-email", Role::Author, true),
        ("Maintainer", Role::Supplier, false),
        ("Maintainer-email", Role::Supplier, true),
    ] {
        for f in p.all(field) {
            let Some(value) = set(f.first) else { continue };
            if emails {
                for a in addresses(value) {
                    add_party(&mut r, role, field, &a, Some(f.line));
                }
            } else {
                add_party(&mut r, role, field, value, Some(f.line));
            }
        }
    }
    if let Some(home) = p.value("Home-page").and_then(set) {
        add_url(&mut r, home);
    }
    // `Project-URL: Label, https://...`
    for f in p.all("Project-URL") {
        let url = f.first.split_once(',').map_or(f.first, |(_, u)| u);
        add_url(&mut r, url);
    }
    licenses(&p, &mut r);
    r.description = p.value("Summary").and_then(set).map(cap);
    // `Requires-Dist: name[extra] (>=1); marker`: a requirement with an environment marker
    // holds only where the marker is true, which depends on the interpreter and the extras
    // asked for; those are left out rather than guessed.
    for f in p.all("Requires-Dist").take(super::common::MAX_RELATIONS) {
        if f.first.contains(';') {
            continue;
        }
        let name = f
            .first
            .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
            .next()
            .unwrap_or("");
        if !name.is_empty() {
            r.depends.push(vec![cap(name)]);
        }
    }
    facts.packages.push(r);
}

/// `License-Expression` (SPDX, metadata 2.4) when present; else a one-line `License` (older
/// tools put the whole licence text there, which names no licence); else the licences the
/// trove classifiers name (`License :: OSI Approved :: MIT License` → `MIT License`).
fn licenses(p: &super::control::Paragraph<'_>, r: &mut crate::model::PackageRecord) {
    if let Some(e) = p.value("License-Expression") {
        add_license(r, e);
        return;
    }
    if let Some(f) = p.field("License") {
        if f.more.trim().is_empty() {
            if let Some(l) = set(f.first) {
                add_license(r, l);
                return;
            }
        }
    }
    for f in p.all("Classifier") {
        if let Some(rest) = f.first.strip_prefix("License ::") {
            if let Some(last) = rest.rsplit("::").next() {
                add_license(r, last);
            }
        }
    }
}

/// The first column of a `RECORD` line (CSV: a path with a comma or quote is quoted, `""`
/// inside quotes is one quote).
fn first_column(line: &str) -> Option<String> {
    let Some(rest) = line.strip_prefix('"') else {
        return line.split(',').next().and_then(nonempty).map(str::to_owned);
    };
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                out.push('"');
            } else {
                return (!out.is_empty()).then_some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

/// A wheel's `RECORD`: the files the distribution installed, relative to the directory that
/// holds the `.dist-info` (site-packages), made into paths of the filesystem by joining them to
/// that directory as `inner_path` names it. The owner is the distribution's name as the
/// `.dist-info` directory spells it (`typing_extensions` for `typing_extensions-4.15.0.dist-info`;
/// compare with [`normalise`]).
pub(super) fn record_file(inner_path: &str, text: &str, facts: &mut Facts) {
    let (dist_info, _) = split_last(inner_path);
    let (site, dir_name) = split_last(dist_info);
    let Some(stem) = dir_name.strip_suffix(".dist-info") else {
        return;
    };
    let package = stem.split_once('-').map_or(stem, |(n, _)| n);
    if package.is_empty() {
        return;
    }
    let mut joined = 0usize;
    let files: Vec<String> = text
        .lines()
        .filter_map(first_column)
        .take(MAX_PATHS)
        .map(|rel| cap(&join_normalised(site, &rel)))
        .take_while(|path| {
            joined += path.len();
            joined <= MAX_JOINED_BYTES
        })
        .collect();
    if !files.is_empty() {
        facts.owns.push(Ownership {
            package: cap(package),
            files,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_names() {
        assert_eq!(normalise("Foo.Bar__baz-_-Qux"), "foo-bar-baz-qux");
        assert_eq!(normalise("charset_normalizer"), "charset-normalizer");
    }

    #[test]
    fn splits_address_lists() {
        assert_eq!(
            addresses(r#""Jane Doe" <jane@x.org>, Other <o@y>"#),
            ["Jane Doe <jane@x.org>", "Other <o@y>"]
        );
        assert_eq!(
            addresses(r#""Doe, Jane" <j@x>,, bare@x.org"#),
            ["Doe, Jane <j@x>", "bare@x.org"]
        );
        assert_eq!(addresses(r#""A \"B\" C" <a@b>"#), [r#"A "B" C <a@b>"#]);
        assert_eq!(addresses(" , "), Vec::<String>::new());
    }

    #[test]
    fn csv_first_column() {
        assert_eq!(first_column("a/b.py,sha256=x,12").as_deref(), Some("a/b.py"));
        assert_eq!(first_column(r#""a,""b"".py",,"#).as_deref(), Some(r#"a,"b".py"#));
        assert_eq!(first_column(r#""unterminated"#), None);
        assert_eq!(first_column(",,"), None);
    }

    #[test]
    fn licence_falls_back_to_classifiers_and_skips_unknown() {
        let mut facts = Facts::default();
        metadata(
            "Metadata-Version: 2.1\nName: x\nVersion: 1\nAuthor: UNKNOWN\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n",
            &mut facts,
        );
        let r = &facts.packages[0];
        assert!(r.parties.is_empty());
        assert_eq!(r.licenses, ["MIT License"]);
    }
}
