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

/// (field, kind, value) of one piece of evidence.
type Evidence = (String, String, String);
/// (entity, verdict, evidence) of one finding.
type Found = (String, String, Vec<Evidence>);

/// `audit --format json` of one file of `corpus/bin/`: the verdict and the findings.
fn audit_bin(dir: &std::path::Path, name: &str) -> (String, Vec<Found>) {
    let out = assert_cmd::Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["audit", "-q", "--format", "json", "--fail-on", "never"])
        .arg(dir.join("bin").join(name))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let evidence = f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_string(),
                        e["kind"].as_str().unwrap().to_string(),
                        e["value"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            (
                f["entity"].as_str().unwrap().to_string(),
                f["verdict"].as_str().unwrap().to_string(),
                evidence,
            )
        })
        .collect();
    (report["verdict"].as_str().unwrap().to_string(), findings)
}

fn finding<'f>(findings: &'f [Found], entity: &str) -> &'f Found {
    findings
        .iter()
        .find(|f| f.0 == entity)
        .unwrap_or_else(|| panic!("no finding for {entity}: {findings:?}"))
}

fn has(evidence: &[Evidence], field: &str, kind: &str, value: &str) -> bool {
    evidence.iter().any(|e| e.0 == field && e.1 == kind && e.2 == value)
}

/// `audit --format json` of `path`.
fn audit_json(path: &std::path::Path) -> Value {
    let out = assert_cmd::Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["audit", "-q", "--format", "json", "--fail-on", "never"])
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The direct finding (no path) for `entity` on the component named `name`.
fn direct<'r>(report: &'r Value, name: &str, entity: &str) -> &'r Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["entity"] == entity && f["path"].as_array().is_none_or(|p| p.is_empty()))
        .find(|f| f["component"]["name"] == name)
        .unwrap_or_else(|| panic!("no finding for {entity} on {name}: {report:#}"))
}

const UPSTREAM_HUAWEI: &str =
    "upstream Linux module (intree=Y): authored by Huawei Technologies Co., Ltd.'s staff, not Huawei Technologies Co., Ltd.'s product";

#[test]
fn debian_upstream_modules_by_huawei_staff_are_review_not_excluded() {
    let Some(dir) = corpus() else { return };
    // hns3 (MODULE_AUTHOR "Huawei Tech. Co., Ltd.", intree=Y, vermagic 6.1.0-50-arm64)
    let (verdict, findings) = audit_bin(&dir, "arm64-hns3.ko");
    assert_eq!(verdict, "review");
    let huawei = finding(&findings, "huawei");
    assert_eq!(huawei.1, "review");
    assert!(
        has(
            &huawei.2,
            "module-author",
            "built-or-signed-by",
            "Huawei Tech. Co., Ltd."
        ),
        "{huawei:?}"
    );
    assert!(has(&huawei.2, "hardware-id", "mentions", "pci:19e5"), "{huawei:?}");
    let report = audit_json(&dir.join("bin/arm64-hns3.ko"));
    let f = direct(&report, "arm64-hns3.ko", "huawei");
    assert_eq!(f["notes"], serde_json::json!([UPSTREAM_HUAWEI]));
    assert_eq!(f["evidence"][0]["strength"], "medium", "{f:#}");

    // hnae: written by HiSilicon staff, the same
    let (verdict, findings) = audit_bin(&dir, "arm64-hnae.ko");
    assert_eq!(verdict, "review");
    let hisilicon = finding(&findings, "hisilicon");
    assert_eq!(hisilicon.1, "review");
    assert!(
        has(&hisilicon.2, "module-author", "built-or-signed-by", "Hisilicon, Inc."),
        "{hisilicon:?}"
    );
}

/// A target holding copies of corpus files at the given places.
fn target_of(dir: &std::path::Path, files: &[(&str, &str)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for (from, to) in files {
        let to = root.path().join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(dir.join("bin").join(from), to).unwrap();
    }
    root
}

#[test]
fn an_upstream_module_beside_the_vendors_device_tree_is_excluded() {
    let Some(dir) = corpus() else { return };
    let root = target_of(
        &dir,
        &[
            ("arm64-hns3.ko", "lib/modules/6.1.0-50-arm64/kernel/hns3.ko"),
            ("hi3798cv200-poplar.dtb", "boot/dtb"),
        ],
    );
    let report = audit_json(root.path());
    assert_eq!(report["verdict"], "excluded");
    let f = direct(&report, "hns3.ko", "huawei");
    assert_eq!(f["verdict"], "excluded", "{f:#}");
    let note = f["notes"][0].as_str().unwrap();
    assert!(
        note.starts_with(
            "upstream Linux module (intree=Y), but huawei's hardware or build is present in this target: \
             dt-compatible `hisilicon,hi3798cv200-poplar` at "
        ) && note.contains("boot/dtb"),
        "{note}"
    );
}

#[test]
fn debians_kernel_package_carrying_huawei_modules_is_review() {
    let Some(dir) = corpus() else { return };
    // The kernel package owns both the module and the HiSilicon board's device tree (a
    // distribution kernel ships one for every board it supports): neither is this device's.
    let pkg = "linux-image-6.1.0-50-arm64";
    let module = "/lib/modules/6.1.0-50-arm64/kernel/drivers/net/ethernet/hisilicon/hns3/hns3.ko";
    let dtb = "/usr/lib/linux-image-6.1.0-50-arm64/hisilicon/hi3798cv200-poplar.dtb";
    let root = target_of(
        &dir,
        &[("arm64-hns3.ko", &module[1..]), ("hi3798cv200-poplar.dtb", &dtb[1..])],
    );
    let info = root.path().join("var/lib/dpkg/info");
    std::fs::create_dir_all(&info).unwrap();
    std::fs::write(
        root.path().join("var/lib/dpkg/status"),
        format!(
            "Package: {pkg}\nStatus: install ok installed\nArchitecture: arm64\nSource: linux-signed-arm64 (6.1.176+1)\n\
             Version: 6.1.176-1\nMaintainer: Debian Kernel Team <debian-kernel@lists.debian.org>\n\
             Description: Linux 6.1 for 64-bit ARMv8 machines (signed)\n\n"
        ),
    )
    .unwrap();
    std::fs::write(info.join(format!("{pkg}.list")), format!("{module}\n{dtb}\n")).unwrap();
    let report = audit_json(root.path());
    assert_eq!(report["verdict"], "review", "{report:#}");
    let note =
        "distribution package maintained by the distribution: {v}'s code contributed upstream, not {v}'s product";
    let f = direct(&report, pkg, "huawei");
    assert_eq!(f["verdict"], "review");
    assert_eq!(
        f["notes"],
        serde_json::json!([note.replace("{v}", "Huawei Technologies Co., Ltd.")])
    );
    let f = direct(&report, pkg, "hisilicon");
    assert_eq!(f["verdict"], "review");
    assert_eq!(f["evidence"][0]["field"], "dt-compatible");
}

#[test]
fn a_generic_modem_driver_listing_huawei_and_zte_ids_is_only_a_mention() {
    let Some(dir) = corpus() else { return };
    let (verdict, findings) = audit_bin(&dir, "amd64-option.ko");
    assert_eq!(verdict, "clear");
    for (entity, v, evidence) in &findings {
        assert_eq!(v, "mention", "{entity}: {evidence:?}");
    }
    assert!(has(
        &finding(&findings, "huawei").2,
        "hardware-id",
        "mentions",
        "usb:12d1"
    ));
    assert!(has(&finding(&findings, "zte").2, "hardware-id", "mentions", "usb:19d2"));
}

#[test]
fn a_hisilicon_device_tree_is_built_by_huawei_via_hisilicon() {
    let Some(dir) = corpus() else { return };
    let (verdict, findings) = audit_bin(&dir, "hi3798cv200-poplar.dtb");
    assert_eq!(verdict, "excluded");
    let hisilicon = finding(&findings, "hisilicon");
    assert_eq!(hisilicon.1, "excluded");
    assert!(
        has(
            &hisilicon.2,
            "dt-compatible",
            "built-or-signed-by",
            "hisilicon,hi3798cv200"
        ),
        "{hisilicon:?}"
    );
}

#[test]
fn a_debian_signed_bootloader_shows_its_signer_and_is_clean() {
    let Some(dir) = corpus() else { return };
    let (verdict, findings) = audit_bin(&dir, "grubx64.efi.signed");
    assert_eq!(verdict, "clear", "{findings:?}");
    let out = assert_cmd::Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["inventory", "-q", "--format", "json"])
        .arg(dir.join("bin/grubx64.efi.signed"))
        .output()
        .unwrap();
    let inv: Value = serde_json::from_slice(&out.stdout).unwrap();
    let root = &inv["components"][0];
    let signer = root["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["value"]["name"] == "signer-subject")
        .map(|p| p["value"]["value"].as_str().unwrap().to_string());
    assert!(
        signer
            .as_deref()
            .is_some_and(|s| s.contains("Debian Secure Boot Signer 2022 - grub2")),
        "{signer:?}"
    );
}
