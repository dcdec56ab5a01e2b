//! Determinism (issue 13): one `audit` of the router image writes every format and a signed
//! attestation at once, and each output is byte-identical across runs — without `--timestamp`,
//! and with `--timestamp` when SOURCE_DATE_EPOCH fixes the time — whatever the working
//! directory, with no trace of the machine's paths. The attestation is signed with the fixed
//! Ed25519 key in fixtures/keys/ (Ed25519 signatures are deterministic).

use assert_cmd::Command;
use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;

const FLASH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out/router-flash.bin");
const KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/keys/ed25519.pem");

/// Every report `audit` writes, by the name of its file.
const FORMATS: [&str; 6] = ["table", "json", "sarif", "markdown", "html", "cyclonedx"];

/// SOURCE_DATE_EPOCH for the stamped runs, and the time it is.
const EPOCH: &str = "1795833296";
const EPOCH_TIME: &str = "2026-11-28T02:34:56Z";

/// Audits the router image copied into a fresh folder, from `cwd` (relative to that folder,
/// created), the image named by `target` (relative to `cwd`), every format and the attestation
/// written into `out/`; returns each output's bytes by file name, and the folder's path.
fn audit(cwd: &str, target: &str, extra: &[&str], epoch: Option<&str>) -> (BTreeMap<String, Vec<u8>>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(FLASH, dir.path().join("router-flash.bin")).unwrap();
    let cwd = dir.path().join(cwd);
    std::fs::create_dir_all(cwd.join("out")).unwrap();
    let mut cmd = Command::cargo_bin("vendorscan").unwrap();
    cmd.current_dir(&cwd)
        .env_remove("VENDORSCAN_CONFIG")
        .args(["audit", "-q", "--no-config"]);
    for f in FORMATS {
        cmd.args(["-o", &format!("{f}=out/report.{f}")]);
    }
    cmd.args(["--attest", "out/audit.intoto.json", "--sign-key", KEY])
        .args(extra);
    match epoch {
        Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
        None => cmd.env_remove("SOURCE_DATE_EPOCH"),
    };
    let out = cmd.arg(target).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "every report went to its file");
    let outputs = std::fs::read_dir(cwd.join("out"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().into_string().unwrap(), std::fs::read(e.path()).unwrap())
        })
        .collect();
    (outputs, dir.path().display().to_string())
}

fn text(outputs: &BTreeMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(outputs[name].clone()).unwrap()
}

/// The in-toto statement inside the DSSE envelope.
fn statement(envelope: &[u8]) -> Value {
    let envelope: Value = serde_json::from_slice(envelope).unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    assert_eq!(envelope["signatures"].as_array().unwrap().len(), 1, "signed");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope["payload"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

/// Asserts two runs wrote the same files, byte for byte, naming each that differs.
fn assert_identical(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let differ: Vec<&String> = a.keys().filter(|k| a[*k] != b[*k]).collect();
    assert!(differ.is_empty(), "{what}: {differ:?} differ between runs");
}

#[test]
fn one_run_writes_every_format_and_a_signed_attestation() {
    let (outputs, _) = audit(".", "router-flash.bin", &[], None);
    let mut names: Vec<&str> = outputs.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "audit.intoto.json",
            "report.cyclonedx",
            "report.html",
            "report.json",
            "report.markdown",
            "report.sarif",
            "report.table"
        ]
    );
    // each is its format, and all say the same: excluded, 12 findings
    let json: Value = serde_json::from_slice(&outputs["report.json"]).unwrap();
    assert_eq!(json["verdict"], "excluded");
    assert!(text(&outputs, "report.table").contains("verdict: excluded (12 findings under"));
    assert!(text(&outputs, "report.markdown").starts_with("## vendorscan: **excluded** — 12 findings"));
    assert!(text(&outputs, "report.html").starts_with("<!DOCTYPE html>"));
    let sarif: Value = serde_json::from_slice(&outputs["report.sarif"]).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 12);
    let bom: Value = serde_json::from_slice(&outputs["report.cyclonedx"]).unwrap();
    assert_eq!(
        (bom["bomFormat"].as_str(), bom["specVersion"].as_str()),
        (Some("CycloneDX"), Some("1.6"))
    );
    let statement = statement(&outputs["audit.intoto.json"]);
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(statement["predicate"]["verdict"], "excluded");
    // the subject is the image, by the SHA-256 of its bytes
    let digest = {
        use sha2::Digest;
        hex(&sha2::Sha256::digest(std::fs::read(FLASH).unwrap()))
    };
    assert_eq!(statement["subject"][0]["name"], "router-flash.bin");
    assert_eq!(statement["subject"][0]["digest"]["sha256"], digest.as_str());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn every_output_is_byte_identical_across_runs_and_working_directories() {
    // no --timestamp: no time anywhere, SOURCE_DATE_EPOCH or not
    let (a, dir_a) = audit(".", "router-flash.bin", &[], None);
    let (b, dir_b) = audit(".", "router-flash.bin", &[], None);
    assert_identical(&a, &b, "two runs");
    let (c, _) = audit(".", "router-flash.bin", &[], Some(EPOCH));
    assert_identical(&a, &c, "SOURCE_DATE_EPOCH without --timestamp");
    // From elsewhere, the image named from there: the reports name the target as it was given,
    // and find the same things, by the same stable ids.
    let (d, dir_d) = audit("deeper/down", "../../router-flash.bin", &[], None);
    let findings = |outputs: &BTreeMap<String, Vec<u8>>| {
        let json: Value = serde_json::from_slice(&outputs["report.json"]).unwrap();
        let ids: Vec<(String, String)> = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_string(),
                    f["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (json["verdict"].clone(), json["targets"][0]["path"].clone(), ids)
    };
    let (verdict_a, path_a, ids_a) = findings(&a);
    let (verdict_d, path_d, ids_d) = findings(&d);
    assert_eq!((verdict_a, path_a.as_str()), (verdict_d, Some("router-flash.bin")));
    assert_eq!(path_d, "../../router-flash.bin");
    assert_eq!(ids_a, ids_d);
    assert_eq!(ids_a.len(), 16, "{ids_a:?}");
    let (sa, sd) = (statement(&a["audit.intoto.json"]), statement(&d["audit.intoto.json"]));
    assert_eq!(sa["subject"][0]["digest"], sd["subject"][0]["digest"]);
    for (outputs, dir) in [(&a, &dir_a), (&b, &dir_b), (&d, &dir_d)] {
        for (name, bytes) in outputs.iter() {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains(dir.as_str()), "{name} names the machine's folder {dir}");
            assert!(
                !text.contains(env!("CARGO_MANIFEST_DIR")),
                "{name} names the source tree"
            );
        }
        let json: Value = serde_json::from_slice(&outputs["report.json"]).unwrap();
        assert!(json.get("timestamp").is_none());
    }
    for (name, bytes) in &c {
        assert!(!String::from_utf8_lossy(bytes).contains(EPOCH_TIME), "{name}");
    }
}

#[test]
fn with_source_date_epoch_the_timestamp_is_fixed() {
    let (a, _) = audit(".", "router-flash.bin", &["--timestamp"], Some(EPOCH));
    let (b, _) = audit(".", "router-flash.bin", &["--timestamp"], Some(EPOCH));
    assert_identical(&a, &b, "--timestamp with SOURCE_DATE_EPOCH");
    // each format that holds a time holds that one
    let json: Value = serde_json::from_slice(&a["report.json"]).unwrap();
    assert_eq!(json["timestamp"], EPOCH_TIME);
    let sarif: Value = serde_json::from_slice(&a["report.sarif"]).unwrap();
    assert_eq!(sarif["runs"][0]["invocations"][0]["endTimeUtc"], EPOCH_TIME);
    let bom: Value = serde_json::from_slice(&a["report.cyclonedx"]).unwrap();
    assert_eq!(bom["metadata"]["timestamp"], EPOCH_TIME);
    assert_eq!(statement(&a["audit.intoto.json"])["predicate"]["timestamp"], EPOCH_TIME);
    for name in ["report.markdown", "report.html"] {
        assert!(text(&a, name).contains(EPOCH_TIME), "{name}");
    }
    // the same run without --timestamp differs only by the time
    let (plain, _) = audit(".", "router-flash.bin", &[], Some(EPOCH));
    assert_eq!(a["report.table"], plain["report.table"]);
    let mut stamped: Value = serde_json::from_slice(&a["report.json"]).unwrap();
    stamped.as_object_mut().unwrap().remove("timestamp");
    assert_eq!(stamped, serde_json::from_slice::<Value>(&plain["report.json"]).unwrap());
}

#[test]
fn a_malformed_source_date_epoch_is_an_error_before_anything_is_written() {
    // reproducible-builds.org: a malformed SOURCE_DATE_EPOCH should fail, not become "now".
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args([
            "audit",
            "--no-config",
            "--timestamp",
            "-o",
            "json=r.json",
            "--attest",
            "a.json",
            FLASH,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: SOURCE_DATE_EPOCH `yesterday` is not a number of seconds since 1970\n"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file created");
    // without --timestamp it is not read at all
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["audit", "-q", "--no-config", "-o", "json=r.json", FLASH])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
