//! The real-input tier: every SBOM in ../shared/corpus/sbom/ (files real tools emitted, which
//! nobody on the project wrote) must ingest without error, with the component counts the corpus
//! README lists and the parties the files really name. Runs when that folder exists (CI has it);
//! `VENDORSCAN_CORPUS` points elsewhere.

use serde_json::Value;
use std::path::PathBuf;
use vendorscan::model::{Format, Inventory, Role};
use vendorscan::sbom::{self, Limits};

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("VENDORSCAN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus")));
    if dir.join("sbom").is_dir() {
        Some(dir)
    } else {
        eprintln!("corpus not found at {}: real-input tier skipped", dir.display());
        None
    }
}

/// (file, format, spec version, components the README lists)
const EXPECTED: &[(&str, Format, &str, usize)] = &[
    ("cdxgen-npm-cdxgen-12.8.4.cdx.json", Format::CycloneDX, "1.6", 199),
    ("cyclonedx-py-env-scancode-venv.cdx.json", Format::CycloneDX, "1.6", 83),
    ("cyclonedx-py-env-scancode-venv.cdx.xml", Format::CycloneDX, "1.5", 83),
    ("trivy-rootfs-bookworm.cdx.json", Format::CycloneDX, "1.5", 89),
    ("trivy-rootfs-bookworm.spdx.json", Format::Spdx, "SPDX-2.3", 90),
    ("trivy-rootfs-bookworm.spdx", Format::Spdx, "SPDX-2.3", 90),
    (
        "scancode-arm64-hisilicon-ethernet-ko.cdx.json",
        Format::CycloneDX,
        "1.3",
        0,
    ),
    ("scancode-arm64-hisilicon-ethernet-ko.spdx", Format::Spdx, "SPDX-2.2", 1),
    ("pip-26.3-vendor-bom.cdx.json", Format::CycloneDX, "1.4", 19),
    ("pydantic-core-2.50.5.cdx.json", Format::CycloneDX, "1.5", 101),
    ("cdxgen-plugins-cdxui-2.5.1.cdx.json", Format::CycloneDX, "1.7", 120),
    ("ntia-conformance-checker-6.0.0.spdx3.json", Format::Spdx, "3.0.1", 12),
];

fn read(dir: &std::path::Path, name: &str) -> Inventory {
    let part = sbom::read_path(&dir.join("sbom").join(name), &Limits::default())
        .unwrap_or_else(|e| panic!("{name} must ingest: {e}"));
    let mut inv = Inventory::default();
    inv.add(part);
    inv
}

#[test]
fn every_corpus_sbom_ingests_with_the_listed_counts() {
    let Some(dir) = corpus() else { return };
    let mut listed: Vec<String> = std::fs::read_dir(dir.join("sbom"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    let mut expected: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    expected.sort();
    assert_eq!(listed, expected, "the corpus changed: update EXPECTED from its README");
    for &(name, format, spec, count) in EXPECTED {
        let inv = read(&dir, name);
        let doc = &inv.documents[0];
        assert_eq!(doc.format, format, "{name}");
        assert_eq!(doc.spec_version.as_deref(), Some(spec), "{name}");
        assert_eq!(doc.component_count, count, "{name}");
    }
}

#[test]
fn trivy_debian_packages_name_their_maintainers_as_suppliers() {
    let Some(dir) = corpus() else { return };
    for name in [
        "trivy-rootfs-bookworm.cdx.json",
        "trivy-rootfs-bookworm.spdx.json",
        "trivy-rootfs-bookworm.spdx",
    ] {
        let inv = read(&dir, name);
        let base_files = inv
            .components
            .iter()
            .find(|c| c.name == "base-files")
            .unwrap_or_else(|| panic!("{name}: base-files"));
        let suppliers: Vec<&str> = base_files
            .parties_in(Role::Supplier)
            .filter_map(|p| p.who.name.as_deref())
            .collect();
        assert_eq!(suppliers, ["Santiago Vila"], "{name}");
        let purl = &base_files.purls[0].value;
        assert_eq!((purl.ty(), purl.namespace()), ("deb", Some("debian")), "{name}");
    }
}

#[test]
fn scancode_spdx_keeps_the_huawei_copyright_on_its_files() {
    let Some(dir) = corpus() else { return };
    let inv = read(&dir, "scancode-arm64-hisilicon-ethernet-ko.spdx");
    let holders: Vec<&str> = inv
        .components
        .iter()
        .flat_map(|c| c.parties_in(Role::CopyrightHolder))
        .filter_map(|p| p.who.name.as_deref())
        .collect();
    assert!(holders.contains(&"Huawei Corporation"), "{holders:?}");
}

#[test]
fn schema_invalid_scancode_cyclonedx_ingests_with_a_warning() {
    let Some(dir) = corpus() else { return };
    let inv = read(&dir, "scancode-arm64-hisilicon-ethernet-ko.cdx.json");
    assert!(!inv.warnings.is_empty(), "the [] property value must be reported");
}

#[test]
fn the_cli_reads_the_whole_corpus_in_one_run() {
    let Some(dir) = corpus() else { return };
    let files: Vec<PathBuf> = EXPECTED.iter().map(|e| dir.join("sbom").join(e.0)).collect();
    let out = assert_cmd::Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["inventory", "--quiet", "--format", "json"])
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["documents"].as_array().unwrap().len(), EXPECTED.len());
    assert!(json["errors"].as_array().unwrap().is_empty());
    let counted: u64 = json["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["component_count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, EXPECTED.iter().map(|e| e.3 as u64).sum::<u64>());
}
