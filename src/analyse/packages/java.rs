//! Java archives' own descriptions, found as members of a jar (or an exploded one):
//! `META-INF/MANIFEST.MF` (JAR File Specification; OSGi bundle headers) and Maven's
//! `META-INF/maven/<groupId>/<artifactId>/pom.properties`.
//!
//! A manifest names a component (`Bundle-SymbolicName` or `Implementation-Title`) and its
//! vendors, but no Maven group, so its record has no purl; the `pom.properties` of the same jar,
//! when present, gives the `pkg:maven` purl. `Implementation-Vendor` and `Bundle-Vendor` are the
//! supplier. `Specification-Vendor` is who wrote the specification the jar implements (Oracle
//! for a servlet API that GlassFish built), so it is taken as the supplier only when the
//! manifest names no other vendor.

use super::common::{add_license, add_party, add_url, cap, line_number, nonempty, purl, record, MAX_FIELD};
use crate::model::{Facts, Role};

/// Headers kept from a manifest's main section; real ones have a few dozen.
const MAX_HEADERS: usize = 1024;

/// One header of the main section, its value joined from its continuation lines.
struct Header<'a> {
    name: &'a [u8],
    value: Vec<u8>,
    line: u32,
}

/// The lines of `bytes` with their 0-based index; a line ends at LF, CR LF or a lone CR (all
/// three are manifest line ends).
fn manifest_lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut pos = 0;
    let mut index = 0;
    std::iter::from_fn(move || {
        if pos >= bytes.len() {
            return None;
        }
        let rest = &bytes[pos..];
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        let mut next = pos + end;
        match rest.get(end) {
            Some(b'\r') => {
                next += 1;
                if bytes.get(next) == Some(&b'\n') {
                    next += 1;
                }
            }
            Some(_) => next += 1,
            None => {}
        }
        pos = next;
        let item = (index, line);
        index += 1;
        Some(item)
    })
}

/// The main section's headers: up to the first empty line; a line starting with one space
/// continues the previous header's value (joined as bytes, so a character split across lines
/// is whole again).
fn main_section(bytes: &[u8]) -> Vec<Header<'_>> {
    let mut headers: Vec<Header<'_>> = Vec::new();
    for (i, line) in manifest_lines(bytes) {
        if line.is_empty() {
            break;
        }
        if let Some(more) = line.strip_prefix(b" ") {
            if let Some(h) = headers.last_mut() {
                let room = MAX_FIELD.saturating_sub(h.value.len());
                h.value.extend_from_slice(&more[..more.len().min(room)]);
            }
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let name = &line[..colon];
        if name.is_empty()
            || name.len() > 70
            || !name
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        {
            continue;
        }
        if headers.len() >= MAX_HEADERS {
            break;
        }
        let value = &line[colon + 1..];
        let value = value.strip_prefix(b" ").unwrap_or(value);
        headers.push(Header {
            name,
            value: value[..value.len().min(MAX_FIELD)].to_vec(),
            line: line_number(i),
        });
    }
    headers
}

/// The record of a manifest's main section; nothing unless it names the component.
pub(super) fn manifest(bytes: &[u8], facts: &mut Facts) {
    let headers = main_section(bytes);
    let get = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|h| (String::from_utf8_lossy(&h.value).trim().to_owned(), h.line))
            .filter(|(v, _)| !v.is_empty())
    };
    // `Bundle-SymbolicName: org.example.x;singleton:=true` — the name is before the directives.
    let symbolic =
        get("Bundle-SymbolicName").and_then(|(v, _)| v.split(';').next().and_then(nonempty).map(str::to_owned));
    let title = get("Implementation-Title").map(|(v, _)| v);
    let (name, version) = match (&symbolic, &title) {
        (Some(s), _) => (s, get("Bundle-Version").or_else(|| get("Implementation-Version"))),
        (None, Some(t)) => (t, get("Implementation-Version").or_else(|| get("Bundle-Version"))),
        (None, None) => return,
    };
    let first_line = headers.first().map(|h| h.line);
    let mut r = record("maven", name, version.as_ref().map(|(v, _)| v.as_str()), first_line);
    let mut vendors = 0;
    for field in ["Implementation-Vendor", "Bundle-Vendor"] {
        if let Some((v, line)) = get(field) {
            add_party(&mut r, Role::Supplier, field, &v, Some(line));
            vendors += 1;
        }
    }
    if vendors == 0 {
        if let Some((v, line)) = get("Specification-Vendor") {
            add_party(&mut r, Role::Supplier, "Specification-Vendor", &v, Some(line));
        }
    }
    for field in ["Bundle-DocURL", "Implementation-URL"] {
        if let Some((v, _)) = get(field) {
            add_url(&mut r, &v);
        }
    }
    // `Bundle-License: url-or-name;description=...;link=..., another` (the OSGi core header).
    if let Some((v, _)) = get("Bundle-License") {
        for l in v.split(',').filter_map(|l| l.split(';').next()) {
            if l.trim() != "<<EXTERNAL>>" {
                add_license(&mut r, l);
            }
        }
    }
    r.description = get("Bundle-Name")
        .map(|(v, _)| v)
        .into_iter()
        .chain(title.clone())
        .find(|v| v != name)
        .map(|v| cap(&v));
    facts.packages.push(r);
}

/// The record of a `pom.properties`: `groupId`, `artifactId`, `version` as Java properties
/// (`key=value`, `key: value` or `key value`; `#` and `!` comments). Nothing without an
/// `artifactId`.
pub(super) fn pom_properties(text: &str, facts: &mut Facts) {
    let (mut group, mut artifact, mut version) = (None, None, None);
    let mut first = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with(['#', '!']) {
            continue;
        }
        first.get_or_insert(line_number(i));
        let split = line.find(['=', ':', ' ', '\t']).unwrap_or(line.len());
        let (key, rest) = line.split_at(split);
        let value = rest.trim_start_matches([' ', '\t']);
        let value = value.strip_prefix(['=', ':']).unwrap_or(value).trim();
        match key {
            "groupId" => group = nonempty(value),
            "artifactId" => artifact = nonempty(value),
            "version" => version = nonempty(value),
            _ => {}
        }
    }
    let Some(artifact) = artifact else {
        return;
    };
    let mut r = record("maven", artifact, version, first);
    r.purl = group.and_then(|g| purl("maven", Some(g), artifact, version, None));
    facts.packages.push(r);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends() {
        let lines: Vec<_> = manifest_lines(b"a\r\nb\rc\nd").map(|(i, l)| (i, l.to_vec())).collect();
        assert_eq!(
            lines,
            [
                (0, b"a".to_vec()),
                (1, b"b".to_vec()),
                (2, b"c".to_vec()),
                (3, b"d".to_vec())
            ]
        );
        let lines: Vec<_> = manifest_lines(b"a\n\nb").map(|(_, l)| l.to_vec()).collect();
        assert_eq!(lines, [b"a".to_vec(), b"".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn continuation_rejoins_split_characters() {
        // "é" is C3 A9, split across the continuation
        let mut facts = Facts::default();
        manifest(
            b"Implementation-Title: caf\xC3\r\n \xA9\r\nBundle-Vendor: V\r\n\r\nName: x\r\n",
            &mut facts,
        );
        let r = &facts.packages[0];
        assert_eq!(r.name, "café");
        assert_eq!(r.parties[0].line, Some(3));
    }

    #[test]
    fn symbolic_name_directives_and_spec_vendor_fallback() {
        let mut facts = Facts::default();
        manifest(
            b"Manifest-Version: 1.0\nBundle-SymbolicName: org.x.y;singleton:=true\nBundle-Version: 2.0\nSpecification-Vendor: S\nBundle-License: <<EXTERNAL>>\n",
            &mut facts,
        );
        let r = &facts.packages[0];
        assert_eq!((r.name.as_str(), r.version.as_deref()), ("org.x.y", Some("2.0")));
        assert_eq!(
            (r.parties[0].field, r.parties[0].value.as_str()),
            ("Specification-Vendor", "S")
        );
        assert!(r.licenses.is_empty());
    }

    #[test]
    fn no_name_no_record() {
        let mut facts = Facts::default();
        manifest(b"Manifest-Version: 1.0\nImplementation-Vendor: V\n", &mut facts);
        pom_properties("#only a comment\ngroupId=g\n", &mut facts);
        assert!(facts.packages.is_empty());
    }

    #[test]
    fn properties_separators() {
        let mut facts = Facts::default();
        pom_properties("groupId : org.g\nartifactId  art\nversion=1\n", &mut facts);
        assert_eq!(facts.packages[0].purl.as_deref(), Some("pkg:maven/org.g/art@1"));
    }
}
