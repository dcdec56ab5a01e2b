//! SBOMs shipped inside an image (`*.cdx.json`, `*.spdx.json`, `bom.json`, `.dist-info/sboms/*`):
//! read with the same SBOM readers as a top-level SBOM, and their components handed on as
//! package records, so what a vendor declared about a part is evidence about that part.

use super::{Analyser, FileView};
use crate::model::{Facts, Origin, PackageParty, PackageRecord};

/// The largest embedded SBOM read; larger files are left to a top-level `audit` of the file.
const MAX_SBOM: usize = 64 << 20;

pub struct EmbeddedSbom;

/// Whether a file's name says it is an SBOM. Content decides afterwards: a file named so that
/// is not one is skipped quietly.
fn named_like_sbom(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    path.contains(".dist-info/sboms/")
        || [
            ".cdx.json",
            ".cdx.xml",
            ".spdx.json",
            ".spdx",
            ".spdx.yaml",
            ".spdx.yml",
            ".bom.json",
            ".bom.xml",
        ]
        .iter()
        .any(|s| name.ends_with(s))
        || matches!(name.as_str(), "bom.json" | "bom.xml" | "sbom.json" | "cyclonedx.json")
}

impl Analyser for EmbeddedSbom {
    fn analyse(&self, file: &FileView<'_>, facts: &mut Facts) {
        if file.bytes.len() > MAX_SBOM
            || !named_like_sbom(file.inner_path())
            || !crate::sbom::sniff::could_be(file.bytes)
        {
            return;
        }
        let limits = crate::sbom::Limits {
            max_bytes: MAX_SBOM as u64,
        };
        let Ok(part) = crate::sbom::read_bytes(file.path, file.bytes.to_vec(), &limits) else {
            return;
        };
        for c in part.components.iter().filter(|c| c.origin == Origin::Component) {
            let purl = c.purls.first().map(|p| p.value.as_str().to_string());
            let ecosystem = c.purls.first().map_or("generic", |p| match p.value.ty() {
                "deb" => "deb",
                "apk" => "apk",
                "pypi" => "pypi",
                "npm" => "npm",
                "maven" => "maven",
                "opkg" => "opkg",
                _ => "generic",
            });
            let parties = c
                .parties
                .iter()
                .filter_map(|p| {
                    let name = p.who.name.as_deref().map(str::to_string);
                    let value = match (name, p.who.emails.first()) {
                        (Some(n), Some(e)) => format!("{n} <{e}>"),
                        (Some(n), None) => n,
                        (None, Some(e)) => e.to_string(),
                        (None, None) => return None,
                    };
                    Some(PackageParty {
                        role: p.role,
                        // the SBOM's own field is its role (`supplier`, `author`, …)
                        field: p.role.as_str(),
                        value,
                        line: match p.at {
                            crate::model::Location::Line { line } => Some(line),
                            _ => None,
                        },
                    })
                })
                .collect();
            facts.packages.push(PackageRecord {
                ecosystem,
                name: c.name.to_string(),
                version: c.version.as_deref().map(str::to_string),
                purl,
                parties,
                licenses: c.licenses.iter().map(|l| l.to_string()).collect(),
                description: c.details().description.as_deref().map(str::to_string),
                urls: c.details().references.iter().map(|r| r.value.url.to_string()).collect(),
                line: None,
                files: Vec::new(),
                source: None,
                ..PackageRecord::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::detect::Kind;

    #[test]
    fn components_of_an_embedded_cyclonedx_become_packages() {
        let bom = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
            {"type":"library","name":"hilink-sdk","version":"2.1",
             "supplier":{"name":"Huawei Technologies Co., Ltd."},
             "purl":"pkg:generic/hilink-sdk@2.1"}]}"#;
        let mut facts = Facts::default();
        EmbeddedSbom.analyse(
            &FileView::new("fw.bin!/usr/share/sbom/app.cdx.json", bom, Kind::Text),
            &mut facts,
        );
        assert_eq!(facts.packages.len(), 1);
        let p = &facts.packages[0];
        assert_eq!((p.name.as_str(), p.version.as_deref()), ("hilink-sdk", Some("2.1")));
        assert_eq!(p.purl.as_deref(), Some("pkg:generic/hilink-sdk@2.1"));
        assert_eq!(p.parties[0].role, crate::model::Role::Supplier);
        assert_eq!(p.parties[0].value, "Huawei Technologies Co., Ltd.");
        // Not named like an SBOM: not read.
        let mut facts = Facts::default();
        EmbeddedSbom.analyse(&FileView::new("fw.bin!/etc/config.json", bom, Kind::Text), &mut facts);
        assert!(facts.packages.is_empty());
    }
}
