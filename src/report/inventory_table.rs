//! The inventory as a table for people: one row per component with its parties.

use super::table::Table;
use super::text::escape;
use crate::model::{Component, Encoding, Format, Inventory, Origin};

/// Renders documents first (one line each), then the component table.
pub fn render(inventory: &Inventory) -> String {
    let mut out = String::new();
    for doc in &inventory.documents {
        if doc.format == Format::Image {
            out.push_str(&format!(
                "{}: walked, {} packages and files found\n",
                escape(&doc.path),
                doc.component_count
            ));
            continue;
        }
        let spec = doc.spec_version.as_deref().unwrap_or("unknown version");
        let tools: Vec<String> = doc
            .tools
            .iter()
            .map(|t| match &t.version {
                Some(v) => format!("{} {}", t.name, v),
                None => t.name.clone(),
            })
            .collect();
        out.push_str(&format!(
            "{}: {} {} ({}{}), {} components{}\n",
            escape(&doc.path),
            match doc.format {
                Format::CycloneDX => "CycloneDX",
                Format::Spdx => "SPDX",
                Format::Image => "walked",
            },
            escape(spec),
            encoding_name(doc.encoding),
            if doc.compressed { ", gzip" } else { "" },
            doc.component_count,
            if tools.is_empty() {
                String::new()
            } else {
                format!(", made by {}", escape(&tools.join(", ")))
            },
        ));
    }
    let mut table = Table::new(vec!["NAME", "VERSION", "KIND", "PURL", "PARTIES"]);
    for c in &inventory.components {
        table.row(vec![
            escape(&display_name(c)).into_owned(),
            escape(c.version.as_deref().unwrap_or("")).into_owned(),
            origin_label(c),
            escape(c.purls.first().map(|p| p.value.as_str()).unwrap_or("")).into_owned(),
            escape(&parties(c)).into_owned(),
        ]);
    }
    if !table.is_empty() {
        out.push('\n');
        out.push_str(&table.render());
    }
    if !inventory.files.is_empty() {
        let mut files = Table::new(vec!["PATH", "SIZE", "TYPE", "SHA-256"]);
        for f in &inventory.files {
            let hash = match (&f.sha256, &f.link) {
                (Some(h), _) => h.clone(),
                (None, Some(target)) => format!("-> {}", escape(target)),
                (None, None) => String::new(),
            };
            // a container image's file a later layer removed: shipped, not in the final filesystem
            let kind = match f.layer.as_ref().and_then(|l| l.removed.as_ref()) {
                Some(r) => format!("{} ({} in layer {})", f.kind, r.how.as_str(), r.index),
                None => f.kind.clone(),
            };
            files.row(vec![escape(&f.path).into_owned(), f.size.to_string(), kind, hash]);
        }
        out.push('\n');
        out.push_str(&files.render());
    }
    if !inventory.containers.is_empty() {
        out.push_str("\ncontainers:\n");
        for c in &inventory.containers {
            let state = if c.unpacked { "" } else { " (not unpacked)" };
            out.push_str(&format!("  {} {}{state}\n", c.kind, escape(&c.path)));
        }
    }
    out
}

/// The encoding as the JSON formats name it.
pub fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Json => "json",
        Encoding::Xml => "xml",
        Encoding::Yaml => "yaml",
        Encoding::TagValue => "tag-value",
        Encoding::JsonLd => "json-ld",
        Encoding::Binary => "files",
    }
}

fn display_name(c: &Component) -> String {
    match &c.details().group {
        Some(g) if !g.value.is_empty() => format!("{}/{}", g.value, c.name),
        _ => c.name.to_string(),
    }
}

fn origin_label(c: &Component) -> String {
    let kind = c.kind.as_deref().unwrap_or("");
    let origin = match c.origin {
        Origin::Metadata => "product",
        Origin::Component => "",
        Origin::Service => "service",
        Origin::Pedigree => "pedigree",
        Origin::File => "file",
        Origin::Snippet => "snippet",
    };
    match (origin.is_empty(), kind.is_empty()) {
        (true, _) => escape(kind).into_owned(),
        (false, true) => origin.to_string(),
        (false, false) => format!("{} ({})", escape(kind), origin),
    }
}

fn parties(c: &Component) -> String {
    let mut parts: Vec<String> = Vec::new();
    for p in &c.parties {
        let who = p
            .who
            .name
            .as_ref()
            .or_else(|| p.who.emails.first())
            .or_else(|| p.who.urls.first())
            .map_or("", |s| s.as_str());
        let entry = format!("{}: {}", p.role.as_str(), who);
        if !parts.contains(&entry) {
            parts.push(entry);
        }
    }
    parts.join("; ")
}
