//! `vendorscan sbom` keeps what the audit saw: for every image and directory fixture, and the
//! real binaries in ../shared/corpus/bin/ (when that folder exists; `VENDORSCAN_CORPUS` points
//! elsewhere), auditing the target and auditing the SBOM written from it give the same findings —
//! the same (component, entity, verdict), and for the binary analysers' evidence the same field,
//! grade, value and place in the image — in CycloneDX JSON, CycloneDX XML and SPDX JSON.
//!
//! And the SBOM of a target named by a relative path is the same bytes from any working
//! directory: no host path leaks into it.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const FORMATS: [&str; 3] = ["cyclonedx-json", "cyclonedx-xml", "spdx-json"];

/// The evidence fields the binary analysers give: each must come back with its place in the
/// image (parties read from a package database come back placed in the SBOM's own field).
const ANALYSER_FIELDS: [&str; 10] = [
    "module-author",
    "cert-subject",
    "cert-embedded",
    "pe-company",
    "dt-compatible",
    "dt-node-compatible",
    "hardware-id",
    "oui",
    "string",
    "copyright-holder",
];

fn vendorscan(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "vendorscan {args:?} exited {code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// (component, entity, verdict) of every finding, and every piece of evidence as (component,
/// entity, verdict, field, kind, strength, value, place in the image for the analysers' fields).
type Findings = (BTreeSet<[String; 3]>, BTreeSet<Vec<String>>);

fn audit(target: &str) -> Findings {
    let report = vendorscan(
        Path::new(ROOT),
        &["audit", "-q", "--allow-incomplete", "--format", "json", target],
    );
    let report: Value = serde_json::from_slice(&report).unwrap();
    let mut triples = BTreeSet::new();
    let mut evidence = BTreeSet::new();
    for f in report["findings"].as_array().unwrap() {
        let c = &f["component"];
        // SPDX names a file by its path below the target (`./lib/modules/5.10.0/hi_wifi.ko`),
        // the image's inventory by its file name: compared by the file name.
        let name = c["name"].as_str().unwrap();
        let name = if name.starts_with("./") {
            name.rsplit('/').next().unwrap()
        } else {
            name
        };
        let component = match c["version"].as_str() {
            Some(v) => format!("{name} {v}"),
            None => name.to_string(),
        };
        let triple = [
            component,
            f["entity"].as_str().unwrap().to_string(),
            f["verdict"].as_str().unwrap().to_string(),
        ];
        for e in f["evidence"].as_array().unwrap() {
            let field = e["field"].as_str().unwrap();
            let mut item: Vec<String> = triple.to_vec();
            for key in ["field", "kind", "strength", "value"] {
                item.push(e[key].as_str().unwrap_or_default().to_string());
            }
            if ANALYSER_FIELDS.contains(&field) {
                let mut at = e["location"].clone();
                // The file the finding was read from: the image, then the SBOM.
                at.as_object_mut().unwrap().remove("file");
                item.push(at.to_string());
            }
            evidence.insert(item);
        }
        triples.insert(triple);
    }
    (triples, evidence)
}

fn files_in(dir: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(Path::new(ROOT).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Every image and directory fixture, and the corpus binaries.
fn targets() -> Vec<String> {
    let mut out = Vec::new();
    for dir in [
        "fixtures/firmware/out",
        "fixtures/firmware/out/recognised",
        "fixtures/firmware/out/damaged",
        "fixtures/firmware/out/damaged-fs",
        "fixtures/firmware/boot/out",
        "fixtures/analyse/sig",
        "fixtures/analyse/dtb",
        "fixtures/analyse/elf",
        "fixtures/analyse/macho",
    ] {
        out.extend(files_in(dir));
    }
    for dir in [
        "fixtures/firmware/router-root",
        "fixtures/analyse/packages/rootfs",
        "fixtures/analyse/packages/jar",
    ] {
        out.push(format!("dir:{ROOT}/{dir}"));
    }
    let corpus = std::env::var_os("VENDORSCAN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(ROOT).join("../shared/corpus"));
    if corpus.join("bin").is_dir() {
        out.extend(files_in(&corpus.join("bin").to_string_lossy()));
    } else {
        eprintln!("corpus not found at {}: real binaries skipped", corpus.display());
    }
    out
}

/// Audits the target, and each SBOM written from it; the number of findings.
fn compare(target: &str, tmp: &Path) -> usize {
    let expected = audit(target);
    // A target with nothing to find proves nothing here (and each run costs seconds).
    if expected.0.is_empty() {
        return 0;
    }
    for format in FORMATS {
        let sbom = tmp.join(format!("out.{format}"));
        let sbom = sbom.to_str().unwrap();
        vendorscan(
            Path::new(ROOT),
            &[
                "sbom",
                "-q",
                "--allow-incomplete",
                "--no-timestamp",
                "--format",
                format,
                "-o",
                sbom,
                target,
            ],
        );
        let found = audit(&format!("sbom:{sbom}"));
        assert_eq!(
            found.0, expected.0,
            "{target} as {format}: (component, entity, verdict)"
        );
        let missing: Vec<_> = expected.1.difference(&found.1).collect();
        let extra: Vec<_> = found.1.difference(&expected.1).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{target} as {format}: evidence\nmissing {missing:#?}\nextra {extra:#?}"
        );
    }
    expected.0.len()
}

#[test]
fn auditing_the_sbom_finds_what_auditing_the_image_finds() {
    let targets = targets();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(4);
    let with_findings: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let targets = &targets;
                scope.spawn(move || {
                    let tmp = tempfile::tempdir().unwrap();
                    targets
                        .iter()
                        .skip(t)
                        .step_by(threads)
                        .filter(|target| compare(target, tmp.path()) > 0)
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert!(with_findings >= 30, "only {with_findings} targets with findings");
}

#[test]
fn the_router_image_keeps_its_findings_in_every_format() {
    let image = format!("{ROOT}/fixtures/firmware/out/router-flash.bin");
    let (triples, evidence) = audit(&image);
    for (component, entity, verdict) in [
        ("hi_wifi.ko 1.2.0", "hisilicon", "excluded"),
        ("camclient.exe 1.2", "dahua", "excluded"),
        ("camclient.exe 1.2", "hikvision", "review"),
        ("0x3001:fdt", "hisilicon", "excluded"),
        ("certs.bin", "hytera", "review"),
        ("router-flash.bin", "zte", "excluded"),
        ("usb_modem.ko", "huawei", "mention"),
        ("usb_modem.ko", "zte", "mention"),
        ("hilink 2.3.0-1", "huawei", "excluded"),
    ] {
        assert!(
            triples.contains(&[component, entity, verdict].map(String::from)),
            "{component} {entity} {verdict}: {triples:#?}"
        );
    }
    let module_author = evidence
        .iter()
        .find(|e| e[3] == "module-author")
        .expect("the module author");
    assert_eq!(
        module_author[4..],
        [
            "built-or-signed-by",
            "strong",
            "HiSilicon Technologies Co., Ltd.",
            r#"{"offset":86,"path":"PATH!/0x4003:squashfs!/lib/modules/5.10.0/hi_wifi.ko","place":".modinfo author"}"#
        ]
        .map(|s| s.replace("PATH", &image))
    );

    // Where the formats have a field for who made the file, it is there too.
    let tmp = tempfile::tempdir().unwrap();
    let write = |format: &str| -> Value {
        let path = tmp.path().join(format);
        vendorscan(
            Path::new(ROOT),
            &["sbom", "-q", "--format", format, "-o", path.to_str().unwrap(), &image],
        );
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    };
    let cdx = write("cyclonedx-json");
    let component = |name: &str| {
        cdx["components"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| std::iter::once(c).chain(c["components"].as_array().into_iter().flatten()))
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let ko = component("hi_wifi.ko");
    assert_eq!(ko["authors"][0]["name"], "HiSilicon Technologies Co., Ltd.");
    let exe = component("camclient.exe");
    assert_eq!(exe["publisher"], "Zhejiang Dahua Technology Co., Ltd.");
    assert_eq!(
        exe["manufacturer"]["name"],
        "Hangzhou Hikvision Digital Technology Co., Ltd."
    );
    // the product's own web UI footer is evidence about the device: on the product itself
    let root = &cdx["metadata"]["component"];
    assert!(
        root["properties"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "vendorscan:evidence:web-ui-copyright"
                && p["value"]
                    == format!(
                        "ZTE Corporation. @ {image}!/0x4003:squashfs!/www/index.html @0x4d (copyright statement)"
                    )),
        "{root}"
    );
    let properties: Vec<(&str, &str)> = ko["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .collect();
    let expected = format!(
        "HiSilicon Technologies Co., Ltd. @ {image}!/0x4003:squashfs!/lib/modules/5.10.0/hi_wifi.ko @0x56 (.modinfo author)"
    );
    assert!(
        properties.contains(&("vendorscan:evidence:module-author:author", expected.as_str())),
        "{properties:#?}"
    );

    let spdx = write("spdx-json");
    let package = |name: &str| {
        spdx["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    // Walked files are SPDX files (named by their path below the target), which have no
    // supplier or originator field: who made them is in their evidence annotations.
    let file = |name: &str| {
        spdx["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["fileName"].as_str().unwrap().ends_with(&format!("/{name}")))
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let comments = |f: &Value| -> Vec<String> {
        f["annotations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["comment"].as_str().unwrap().to_string())
            .collect()
    };
    let ko = file("hi_wifi.ko");
    assert_eq!(ko["fileName"], "./0x4003:squashfs!/lib/modules/5.10.0/hi_wifi.ko");
    assert_eq!(ko["comment"], "version 1.2.0");
    assert!(comments(&ko).contains(&format!("vendorscan:evidence:module-author: {expected}")));
    let exe = comments(&file("camclient.exe"));
    assert!(exe.contains(&format!(
        "vendorscan:evidence:cert-subject: Zhejiang Dahua Technology Co., Ltd. @ {image}!/0x4003:squashfs!/www/camclient.exe @0x8b2 (authenticode signer)"
    )), "{exe:#?}");
    assert!(exe.contains(&format!(
        "vendorscan:evidence:pe-company: Hangzhou Hikvision Digital Technology Co., Ltd. @ {image}!/0x4003:squashfs!/www/camclient.exe @0x510 (VS_VERSIONINFO CompanyName)"
    )), "{exe:#?}");
    let root = package("router-flash.bin");
    assert!(
        root["annotations"].as_array().unwrap().iter().any(|a| a["comment"]
            == format!("vendorscan:evidence:web-ui-copyright: ZTE Corporation. @ {image}!/0x4003:squashfs!/www/index.html @0x4d (copyright statement)")),
        "{root}"
    );
    let modem = comments(&file("usb_modem.ko"));
    let hardware_id = format!(
        "vendorscan:evidence:hardware-id: usb:12d1 @ {image}!/0x4003:squashfs!/lib/modules/5.10.0/usb_modem.ko @0xab (.modinfo alias)"
    );
    assert!(modem.contains(&hardware_id), "{modem:#?}");
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn a_relative_path_gives_the_same_bytes_from_any_directory() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let b_deeper = b.path().join("some/where/else");
    for dir in [a.path(), b_deeper.as_path()] {
        std::fs::create_dir_all(dir.join("fx")).unwrap();
        std::fs::copy(
            Path::new(ROOT).join("fixtures/firmware/out/router-flash.bin"),
            dir.join("fx/router-flash.bin"),
        )
        .unwrap();
        copy_tree(
            &Path::new(ROOT).join("fixtures/firmware/router-root"),
            &dir.join("fx/router-root"),
        );
    }
    for target in ["fx/router-flash.bin", "fx/router-root", "./fx/router-root/"] {
        for format in FORMATS {
            let args = ["sbom", "-q", "--no-timestamp", "--format", format, target];
            let first = vendorscan(a.path(), &args);
            let second = vendorscan(&b_deeper, &args);
            assert!(
                first == second,
                "{target} as {format} differs between working directories"
            );
            let text = String::from_utf8(first).unwrap();
            for host in [a.path(), b.path(), Path::new(ROOT)] {
                assert!(
                    !text.contains(host.to_str().unwrap()),
                    "{target} as {format} names {}",
                    host.display()
                );
            }
            assert!(
                text.contains("fx/router-"),
                "{target} as {format}: paths appear as given"
            );
        }
    }
}
