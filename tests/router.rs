//! `vendorscan audit` on the router fixture (fixtures/firmware/make.sh): a raw flash dump whose
//! carved SquashFS root carries one planted part per kind of firmware evidence. Each planted
//! vendor must be reported with the right evidence kind, and nothing else may be flagged: the
//! generic modem driver that lists Huawei and ZTE device ids stays a mention.

use assert_cmd::Command;
use serde_json::Value;

const FLASH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out/router-flash.bin");

fn audit() -> (i32, Value) {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["audit", "-q", "--format", "json", FLASH])
        .output()
        .unwrap();
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap())
}

/// Findings with direct evidence as (component, entity, verdict, strongest evidence: field,
/// kind, value).
fn direct(report: &Value) -> Vec<(String, String, String, String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["evidence"].as_array().is_some_and(|e| !e.is_empty()))
        .map(|f| {
            let e = &f["evidence"][0];
            let s = |v: &Value| v.as_str().unwrap().to_string();
            (
                s(&f["component"]["name"]),
                s(&f["entity"]),
                s(&f["verdict"]),
                s(&e["field"]),
                s(&e["kind"]),
                s(&e["value"]),
            )
        })
        .collect()
}

fn row(
    c: &str,
    entity: &str,
    verdict: &str,
    field: &str,
    kind: &str,
    value: &str,
) -> (String, String, String, String, String, String) {
    (
        c.into(),
        entity.into(),
        verdict.into(),
        field.into(),
        kind.into(),
        value.into(),
    )
}

#[test]
fn every_planted_vendor_is_found_with_the_right_evidence_and_nothing_else() {
    let (code, report) = audit();
    assert_eq!(code, 1, "an excluded part fails the audit");
    assert_eq!(report["verdict"], "excluded");
    assert_eq!(report["targets"][0]["kind"], "image");
    let mut found = direct(&report);
    found.sort();
    let mut want = vec![
        // the flash dump's own strings name the SoC vendor of its device tree, and it contains
        // that device tree: one finding, excluded through the path
        row(
            "router-flash.bin",
            "hisilicon",
            "excluded",
            "string",
            "mentions",
            "hisilicon",
        ),
        // opkg database: a package supplied by Huawei
        row(
            "hilink",
            "huawei",
            "excluded",
            "supplier",
            "declares",
            "Huawei Technologies Co., Ltd.",
        ),
        // the device tree: a HiSilicon SoC
        row(
            "0x3001:fdt",
            "hisilicon",
            "excluded",
            "dt-compatible",
            "built-or-signed-by",
            "hisilicon,hi3798cv200",
        ),
        // a certificate store holding a Hytera CA: present, did not sign anything
        row(
            "certs.bin",
            "hytera",
            "review",
            "cert-embedded",
            "mentions",
            "Hytera Communications Corporation Limited",
        ),
        // a kernel module written by HiSilicon
        row(
            "hi_wifi.ko",
            "hisilicon",
            "excluded",
            "module-author",
            "built-or-signed-by",
            "HiSilicon Technologies Co., Ltd.",
        ),
        // the generic modem driver: device ids only, a mention
        row(
            "usb_modem.ko",
            "huawei",
            "mention",
            "hardware-id",
            "mentions",
            "usb:12d1",
        ),
        row("usb_modem.ko", "zte", "mention", "hardware-id", "mentions", "usb:19d2"),
        // the opkg status file itself names Huawei (as the maintainer): a string
        row(
            "status",
            "huawei",
            "mention",
            "string",
            "mentions",
            "Huawei Technologies Co., Ltd.",
        ),
        // a Windows client: signed by Dahua, version resource naming Hikvision
        row(
            "camclient.exe",
            "dahua",
            "excluded",
            "cert-subject",
            "built-or-signed-by",
            "Zhejiang Dahua Technology Co., Ltd.",
        ),
        row(
            "camclient.exe",
            "hikvision",
            "review",
            "pe-company",
            "built-or-signed-by",
            "Hangzhou Hikvision Digital Technology Co., Ltd.",
        ),
        // the product's own web UI footer: a ZTE copyright speaks for the device (rules/grading.toml
        // `web-ui-copyright`); the page itself keeps the name among its strings
        row(
            "router-flash.bin",
            "zte",
            "excluded",
            "web-ui-copyright",
            "built-or-signed-by",
            "ZTE Corporation.",
        ),
        row("index.html", "zte", "mention", "string", "mentions", "ZTE Corporation"),
    ];
    want.sort();
    assert_eq!(found, want);
}

#[test]
fn evidence_is_located_in_the_file_inside_the_image() {
    let (_, report) = audit();
    let module = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["component"]["name"] == "hi_wifi.ko")
        .unwrap();
    let at = &module["evidence"][0]["location"];
    assert_eq!(at["file"], FLASH);
    assert_eq!(
        at["path"],
        format!("{FLASH}!/0x4003:squashfs!/lib/modules/5.10.0/hi_wifi.ko")
    );
    assert_eq!(at["place"], ".modinfo author");
    assert!(at["offset"].as_u64().unwrap() > 0);
    // the package's evidence is its database record; the file it owns is listed under it
    let hilink = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["component"]["name"] == "hilink")
        .unwrap();
    let at = &hilink["evidence"][0]["location"];
    assert_eq!(at["path"], format!("{FLASH}!/0x4003:squashfs!/usr/lib/opkg/status"));
    assert_eq!(at["place"], "Maintainer, line 13");
}

#[test]
fn the_product_is_marked_through_the_parts_it_contains() {
    let (_, report) = audit();
    let mut product: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["path"].is_null())
        .map(|f| {
            let path: Vec<&str> = f["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            (
                f["entity"].as_str().unwrap().to_string(),
                f["verdict"].as_str().unwrap().to_string(),
                path.join(" → "),
            )
        })
        .collect();
    product.sort();
    let row = |e: &str, v: &str, p: &str| (e.to_string(), v.to_string(), format!("router-flash.bin → {p}"));
    // one per entity, through the first part that carries it; mentions do not travel
    assert_eq!(
        product,
        [
            row("dahua", "excluded", "camclient.exe"),
            row("hikvision", "review", "camclient.exe"),
            row("hisilicon", "excluded", "0x3001:fdt"),
            row("huawei", "excluded", "hilink"),
            row("hytera", "review", "certs.bin"),
        ]
    );
}

/// `vendorscan sbom` writes what was found; reading it back gives the same packages, suppliers
/// and files, and (when `VENDORSCAN_VALIDATOR` names a Python with cyclonedx-python-lib and
/// spdx-tools) the official validators accept it.
#[test]
fn the_sbom_of_the_router_reads_back_and_validates() {
    let walked = Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["inventory", "-q", "--format", "json", FLASH])
        .output()
        .unwrap();
    let walked: Value = serde_json::from_slice(&walked.stdout).unwrap();
    let regular = walked["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["sha256"].is_string() && f["path"] != FLASH)
        .count();
    // and every container that is a file of its own (the update bundle in the squashfs): those
    // the walk gives a SHA-1
    let file_paths: Vec<&Value> = walked["files"].as_array().unwrap().iter().map(|f| &f["path"]).collect();
    let container_files = walked["containers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["sha1"].is_string() && !file_paths.contains(&&c["path"]))
        .count();
    assert!(container_files > 0);
    let regular = regular + container_files;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (format, ext) in [
        ("cyclonedx-json", "cdx.json"),
        ("cyclonedx-xml", "cdx.xml"),
        ("spdx-json", "spdx.json"),
    ] {
        let path = dir.path().join(format!("router.{ext}"));
        Command::cargo_bin("vendorscan")
            .unwrap()
            .args(["sbom", "-q", "--no-timestamp", "--format", format, "-o"])
            .arg(&path)
            .arg(FLASH)
            .assert()
            .success();
        let out = Command::cargo_bin("vendorscan")
            .unwrap()
            .args(["inventory", "-q", "--format", "json"])
            .arg(format!("sbom:{}", path.display()))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let inv: Value = serde_json::from_slice(&out.stdout).unwrap();
        let components = inv["components"].as_array().unwrap();
        let hilink = components.iter().find(|c| c["name"] == "hilink").unwrap();
        assert_eq!(hilink["version"], "2.3.0-1", "{format}");
        assert_eq!(
            hilink["purls"][0]["value"]["purl"],
            "pkg:opkg/hilink@2.3.0-1?arch=mipsel_24kc"
        );
        let supplier = hilink["parties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "supplier")
            .unwrap();
        assert_eq!(supplier["name"], "Huawei Technologies Co., Ltd.", "{format}");
        // SPDX lists files in `files`, by their path in the image, without a version
        let module = components
            .iter()
            .find(|c| c["name"] == "hi_wifi.ko" || c["name"] == "./0x4003:squashfs!/lib/modules/5.10.0/hi_wifi.ko")
            .unwrap();
        if format != "spdx-json" {
            assert_eq!(module["version"], "1.2.0", "{format}");
        }
        assert_eq!(module["hashes"][0]["alg"], "SHA-256");
        // every regular file of the image is listed, and every container that is a file
        let files_listed = components
            .iter()
            .filter(|c| c["type"] == "file" || c["origin"] == "file")
            .count();
        assert_eq!(files_listed, regular, "{format}");
        files.push(path);
    }
    // The written SBOM is itself audited to the same verdict.
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["audit", "-q", "--format", "json"])
        .arg(&files[0])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["verdict"], "excluded");
    let Some(python) = std::env::var_os("VENDORSCAN_VALIDATOR") else {
        eprintln!("VENDORSCAN_VALIDATOR is not set; schema validation skipped");
        return;
    };
    let out = std::process::Command::new(python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/validate-cyclonedx.py"))
        .args(&files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
