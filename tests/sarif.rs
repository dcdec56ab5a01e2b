//! `audit -o sarif=… -o cyclonedx=…` (docs/reports.md): SARIF 2.1.0 results that match the JSON
//! report's findings, validated against the SARIF 2.1.0 schema (scripts/validate-sarif.py), and
//! the audited CycloneDX 1.6 SBOM validated like the `sbom` output (VENDORSCAN_VALIDATOR).

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn audit(dir: &Path, input: &str) {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .current_dir(ROOT)
        .args(["audit", "-q", input])
        .arg("-o")
        .arg(format!("json={}", dir.join("r.json").display()))
        .arg("-o")
        .arg(format!("sarif={}", dir.join("r.sarif").display()))
        .arg("-o")
        .arg(format!("cyclonedx={}", dir.join("r.cdx.json").display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

fn load(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

/// Runs scripts/validate-sarif.py: the SARIF 2.1.0 schema the SARIF SDK ships
/// (VENDORSCAN_SARIF_SCHEMA) with the jsonschema package in the validators' venv
/// (VENDORSCAN_VALIDATOR), and GitHub's upload limits. `None` when .ci/run's tools are not set.
fn sarif_validator(file: &Path) -> Option<std::process::Output> {
    let (Ok(python), Ok(schema)) = (
        std::env::var("VENDORSCAN_VALIDATOR"),
        std::env::var("VENDORSCAN_SARIF_SCHEMA"),
    ) else {
        eprintln!("skipped: VENDORSCAN_VALIDATOR or VENDORSCAN_SARIF_SCHEMA is not set (.ci/run sets them)");
        return None;
    };
    Some(
        std::process::Command::new(python)
            .arg(Path::new(ROOT).join("scripts/validate-sarif.py"))
            .arg(schema)
            .arg(file)
            .output()
            .unwrap(),
    )
}

fn validate_sarif(file: &Path) {
    if let Some(out) = sarif_validator(file) {
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_validator_rejects_what_is_not_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.sarif");
    std::fs::write(
        &bad,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"level":"bogus","message":{"text":"a"}}]}]}"#,
    )
    .unwrap();
    if let Some(out) = sarif_validator(&bad) {
        assert!(!out.status.success());
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("'bogus' is not one of"), "{said}");
    }
}

fn validate_cyclonedx(file: &Path) {
    let Ok(python) = std::env::var("VENDORSCAN_VALIDATOR") else {
        eprintln!("skipped: VENDORSCAN_VALIDATOR is not set (.ci/run sets it)");
        return;
    };
    let out = std::process::Command::new(python)
        .arg(Path::new(ROOT).join("scripts/validate-cyclonedx.py"))
        .arg(file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn the_firmware_audit_as_sarif_and_annotated_cyclonedx() {
    let dir = tempfile::tempdir().unwrap();
    audit(dir.path(), "fixtures/firmware/out/router-flash.bin");
    let json = load(dir.path(), "r.json");
    let sarif = load(dir.path(), "r.sarif");
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "fcc-covered-list/dahua",
            "fcc-covered-list/hikvision",
            "fcc-covered-list/hisilicon",
            "fcc-covered-list/huawei",
            "fcc-covered-list/hytera",
            "fcc-covered-list/zte"
        ]
    );
    assert_eq!(
        run["tool"]["driver"]["properties"]["rulePacks"][0]["sha256"],
        json["rules"]["packs"][0]["sha256"]
    );
    let flagged: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] != "mention")
        .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), flagged.len());
    assert_eq!(results.len(), 12);
    for r in results {
        let f = flagged
            .iter()
            .find(|f| f["id"] == r["partialFingerprints"]["vendorscan/v1"])
            .unwrap();
        let level = if f["verdict"] == "excluded" { "error" } else { "warning" };
        assert_eq!(r["level"], level, "{r}");
    }
    let module = results
        .iter()
        .find(|r| r["partialFingerprints"]["vendorscan/v1"] == "VS-d3f05a7a9e445b1b")
        .unwrap();
    assert_eq!(module["ruleId"], "fcc-covered-list/hisilicon");
    let physical = &module["locations"][0]["physicalLocation"];
    assert_eq!(
        physical["artifactLocation"]["uri"],
        "fixtures/firmware/out/router-flash.bin!/0x4003:squashfs!/lib/modules/5.10.0/hi_wifi.ko"
    );
    assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert!(physical["region"]["byteOffset"].as_u64().is_some(), "{physical}");
    assert!(module["message"]["text"]
        .as_str()
        .unwrap()
        .contains("module-author = HiSilicon Technologies"));
    validate_sarif(&dir.path().join("r.sarif"));

    let cdx = load(dir.path(), "r.cdx.json");
    validate_cyclonedx(&dir.path().join("r.cdx.json"));
    let annotation = cdx["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["bom-ref"] == "vendorscan-finding:VS-d3f05a7a9e445b1b")
        .unwrap();
    let subject = annotation["subjects"][0].as_str().unwrap();
    assert_eq!(annotation["annotator"]["component"]["name"], "vendorscan");
    fn find<'a>(c: &'a Value, r: &str) -> Option<&'a Value> {
        if c["bom-ref"] == r {
            return Some(c);
        }
        c["components"].as_array()?.iter().find_map(|x| find(x, r))
    }
    let ko = cdx["components"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| find(c, subject))
        .unwrap();
    assert_eq!(ko["name"], "hi_wifi.ko");
    let props: Vec<(&str, &str)> = ko["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
        .filter(|(n, _)| !n.starts_with("vendorscan:evidence:"))
        .collect();
    for want in [
        ("vendorscan:verdict", "excluded"),
        ("vendorscan:entity", "hisilicon"),
        ("vendorscan:policies", "fcc-covered-list,japan-2018,ndaa-889"),
        ("vendorscan:evidence-kind", "built-or-signed-by"),
        ("vendorscan:finding-id", "VS-d3f05a7a9e445b1b"),
    ] {
        assert!(props.contains(&want), "{want:?} not in {props:?}");
    }
}

#[test]
fn the_sbom_audit_as_sarif_points_into_the_sbom() {
    let dir = tempfile::tempdir().unwrap();
    audit(dir.path(), "fixtures/audit/router.cdx.json");
    let json = load(dir.path(), "r.json");
    let sarif = load(dir.path(), "r.sarif");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let flagged = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] != "mention")
        .count();
    assert_eq!(results.len(), flagged);
    let purl = results
        .iter()
        .find(|r| r["partialFingerprints"]["vendorscan/v1"] == "VS-437add1085bc09c6")
        .unwrap();
    assert_eq!(purl["ruleId"], "fcc-covered-list/huawei");
    assert_eq!(purl["level"], "error");
    assert_eq!(
        purl["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/audit/router.cdx.json"
    );
    assert_eq!(
        purl["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "/components/3/purl"
    );
    validate_sarif(&dir.path().join("r.sarif"));
    validate_cyclonedx(&dir.path().join("r.cdx.json"));
}
