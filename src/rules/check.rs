//! Consistency checks over a loaded rule set: what `rules check` reports and what makes `load`
//! refuse a rule folder. Each error points at the file and line of the definition at fault.

use super::load::{Origin, RuleError, RuleSet};
use super::normalise;
use super::schema::{Confidence, Source};
use std::collections::{HashMap, HashSet};

/// The evidence fields the engine produces; a grade for any other field is a typo.
pub const KNOWN_FIELDS: &[&str] = &[
    "supplier",
    "manufacturer",
    "author",
    "publisher",
    "originator",
    "provider",
    "copyright-holder",
    // A copyright statement in the product's own web UI (its web root): about the device.
    "web-ui-copyright",
    // A file in the entity's own update or flash format (identifiers.firmware_formats).
    "firmware-format",
    "party-domain",
    "purl",
    "cpe-vendor",
    "sha256",
    "reference-url",
    "component-name",
    "sbom-creator",
    // Produced by the firmware analysers (`src/analyse/`); graded here so the rule semantics for
    // "module author is Huawei" against "driver lists Huawei USB ids" live in one place.
    "module-author",
    "cert-subject",
    "cert-embedded",
    "pe-company",
    "dt-compatible",
    "dt-node-compatible",
    "hardware-id",
    "oui",
    "string",
    // A container image's own labels and annotations (`src/image/`), on its product root.
    "image-vendor",
    "image-authors",
    "image-url",
    "image-title",
    "image-base-name",
];

fn err(origin: &Origin, line: usize, message: String) -> RuleError {
    RuleError {
        file: origin.file.clone(),
        line: Some(line),
        column: None,
        message,
    }
}

fn is_slug(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.ends_with('-')
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The host of an http(s) URL, lowercased, without port or user.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Why a source is not accepted, when its URL is on a host `sources.toml` lists (or a subdomain).
fn unaccepted(set: &RuleSet, source: &Source) -> Option<String> {
    let host = host_of(source.url.as_deref()?)?;
    let h = set.unaccepted_hosts.iter().find(|h| {
        let listed = h.host.to_ascii_lowercase();
        host == listed || host.ends_with(&format!(".{listed}"))
    })?;
    Some(format!(
        "source `{}` is on {}, which {}:{} does not accept as a source ({}); cite the original",
        source.title, h.host, h.origin.file, h.origin.line, h.why
    ))
}

pub fn check(set: &mut RuleSet) {
    let mut errors = Vec::new();
    let ids: HashSet<&str> = set.entities.iter().map(|e| e.id.as_str()).collect();
    // Firmware format name → the entity that first defined it.
    let mut formats: HashMap<&str, &str> = HashMap::new();
    for e in &set.entities {
        let at = |m: String| err(&e.origin, e.origin.line, m);
        if !is_slug(&e.id) {
            errors.push(at(format!("entity id `{}` is not a lowercase slug ([a-z0-9-])", e.id)));
        }
        if e.sources.is_empty() {
            errors.push(at(format!("entity `{}` cites no source", e.id)));
        }
        match (&e.parent, e.relation) {
            (Some(p), _) if !ids.contains(p.as_str()) => errors.push(err(
                &e.origin,
                e.parent_line.unwrap_or(e.origin.line),
                format!("entity `{}` names parent `{p}`, which no rule pack defines", e.id),
            )),
            (Some(_), None) => errors.push(at(format!(
                "entity `{}` has a parent but no relation (subsidiary, affiliate, brand or unit)",
                e.id
            ))),
            (None, Some(_)) => errors.push(at(format!("entity `{}` has a relation but no parent", e.id))),
            _ => {}
        }
        match (&e.parent, e.parent_sources.is_empty()) {
            (Some(p), true) => errors.push(err(
                &e.origin,
                e.parent_line.unwrap_or(e.origin.line),
                format!(
                    "entity `{}`: the link to parent `{p}` cites no source (parent_sources: a filing, regulator, \
                     the company's own statement or established press)",
                    e.id
                ),
            )),
            (None, false) => errors.push(at(format!("entity `{}` has parent_sources but no parent", e.id))),
            _ => {}
        }
        for s in e.sources.iter().chain(&e.parent_sources) {
            if let Some(m) = unaccepted(set, s) {
                errors.push(at(format!("entity `{}`: {m}", e.id)));
            }
        }
        if e.confidence == Confidence::Low && e.note.is_none() {
            errors.push(at(format!(
                "entity `{}` has low confidence but no note saying why",
                e.id
            )));
        }
        if let (Some(s), Some(u)) = (e.since, e.until) {
            if s.first_day() > u.last_day() {
                errors.push(at(format!("entity `{}`: since {s} is after until {u}", e.id)));
            }
        }
        for name in std::iter::once(&e.name)
            .chain(&e.aliases)
            .chain(&e.identifiers.cert_orgs)
        {
            if normalise::core(name).is_empty() {
                errors.push(at(format!(
                    "entity `{}`: name `{name}` is only corporate suffixes and would match nothing",
                    e.id
                )));
            }
        }
        let ids = &e.identifiers;
        for d in &ids.domains {
            if d.starts_with('.') || !d.contains('.') || d.chars().any(|c| c.is_ascii_uppercase() || c.is_whitespace())
            {
                errors.push(at(format!(
                    "entity `{}`: `{d}` is not a lowercase registered domain",
                    e.id
                )));
            }
        }
        for id in ids.usb_vendor_ids.iter().chain(&ids.pci_vendor_ids) {
            if !is_hex(id, 4) {
                errors.push(at(format!(
                    "entity `{}`: vendor id `{id}` is not 4 lowercase hex digits",
                    e.id
                )));
            }
        }
        for h in &ids.sha256 {
            if !is_hex(h, 64) {
                errors.push(at(format!("entity `{}`: `{h}` is not a lowercase SHA-256", e.id)));
            }
        }
        for (i, f) in ids.firmware_formats.iter().enumerate() {
            let line = e.format_lines.get(i).copied().unwrap_or(e.origin.line);
            let name = f.name.as_ref();
            let mut at = |m: String| errors.push(err(&e.origin, line, format!("entity `{}`: {m}", e.id)));
            if !is_slug(name) {
                at(format!(
                    "firmware format name `{name}` is not a lowercase slug ([a-z0-9-])"
                ));
            }
            if f.magic.is_empty() {
                at(format!("firmware format `{name}` has no magic (offset and hex bytes)"));
            }
            if f.sources.is_empty() {
                at(format!("firmware format `{name}` cites no source for its layout"));
            }
            let end = f
                .magic
                .iter()
                .map(|m| m.offset + m.hex.0.len() as u64)
                .max()
                .unwrap_or(0);
            if f.min_size.is_some_and(|min| min < end) {
                at(format!(
                    "firmware format `{name}`: min_size is less than the end of its magic ({end})"
                ));
            }
            if let Some(other) = formats.insert(name, e.id.as_str()) {
                at(format!("firmware format `{name}` is already the format of `{other}`"));
            }
        }
        for p in &ids.purls {
            if super::index::PurlPattern::parse(p).is_none() {
                errors.push(at(format!(
                    "entity `{}`: purl pattern `{p}` must be pkg:TYPE/NAMESPACE[/…][*]",
                    e.id
                )));
            }
        }
    }
    // Parent chains must end: a cycle would make lineage endless.
    let parent: HashMap<&str, &str> = set
        .entities
        .iter()
        .filter_map(|e| e.parent.as_deref().map(|p| (e.id.as_str(), p)))
        .collect();
    let mut reported: HashSet<&str> = HashSet::new();
    for e in &set.entities {
        let mut seen = vec![e.id.as_str()];
        let mut cur = e.id.as_str();
        while let Some(&p) = parent.get(cur) {
            if seen.contains(&p) {
                if reported.insert(e.id.as_str()) && seen[0] == p {
                    seen.push(p);
                    errors.push(err(
                        &e.origin,
                        e.origin.line,
                        format!("parent cycle: {}", seen.join(" → ")),
                    ));
                }
                break;
            }
            seen.push(p);
            cur = p;
        }
    }
    for p in &set.policies {
        if !is_slug(&p.id) {
            errors.push(err(
                &p.origin,
                p.origin.line,
                format!("policy id `{}` is not a lowercase slug", p.id),
            ));
        }
        if p.sources.is_empty() {
            errors.push(err(
                &p.origin,
                p.origin.line,
                format!("policy `{}` cites no source", p.id),
            ));
        }
        for s in &p.sources {
            if let Some(m) = unaccepted(set, s) {
                errors.push(err(&p.origin, p.origin.line, format!("policy `{}`: {m}", p.id)));
            }
        }
        if p.entries.is_empty() {
            errors.push(err(
                &p.origin,
                p.origin.line,
                format!("policy `{}` has no [[policy.entry]]", p.id),
            ));
        }
        for entry in &p.entries {
            for (id, line) in entry.entities.iter().zip(&entry.lines) {
                if !ids.contains(id.as_str()) {
                    errors.push(err(
                        &p.origin,
                        *line,
                        format!("policy `{}` names entity `{id}`, which no rule pack defines", p.id),
                    ));
                }
            }
        }
    }
    for (field, (_, origin)) in &set.grades {
        if !KNOWN_FIELDS.contains(&field.as_str()) {
            errors.push(err(
                origin,
                origin.line,
                format!("unknown evidence field `{field}`; known: {}", KNOWN_FIELDS.join(", ")),
            ));
        }
    }
    for field in KNOWN_FIELDS {
        if !set.grades.contains_key(*field) {
            errors.push(RuleError {
                file: "grading.toml".to_string(),
                line: None,
                column: None,
                message: format!("no grade for evidence field `{field}`"),
            });
        }
    }
    for r in &set.registrants {
        if !ids.contains(r.entity.as_str()) {
            errors.push(err(
                &r.origin,
                r.origin.line,
                format!("OUI registrant `{}` maps to unknown entity `{}`", r.name, r.entity),
            ));
        }
        for a in &r.assignments {
            if !(matches!(a.len(), 6 | 7 | 9) && a.bytes().all(|b| b.is_ascii_hexdigit())) {
                errors.push(err(
                    &r.origin,
                    r.origin.line,
                    format!("OUI assignment `{a}` is not 6, 7 or 9 hex digits"),
                ));
            }
        }
    }
    set.errors.extend(errors);
}
