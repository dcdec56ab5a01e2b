//! `vendorscan audit --declared SBOM TARGET` (docs/reconciliation.md) on the fixture pair of
//! fixtures/reconcile/make.sh: a device image and its vendor's SBOM, which differ in one planted
//! way per kind — each reported, with the exact component, place and verdict, in every report
//! format; and the real Debian rootfs against the SBOM syft wrote of it (when
//! VENDORSCAN_ROOTFS names the output of ../shared/scripts/make-rootfs.sh).

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reconcile/out")
}

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .current_dir(dir())
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["audit", "-q", "--format", "json"];
    all.extend_from_slice(args);
    let (code, out) = run(&all);
    (code, serde_json::from_str(&out).unwrap())
}

const PAIR: [&str; 3] = ["--declared", "device.cdx.json", "device.squashfs"];

/// (kind, verdict, name, path or "", matched by or "", entity or "").
fn kinds(report: &Value) -> Vec<(String, String, String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    report["reconciliation"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                s(&d["kind"]),
                s(&d["verdict"]),
                s(&d["name"]),
                s(&d["path"]),
                s(&d["matched_by"]),
                s(&d["entity"]),
            )
        })
        .collect()
}

#[test]
fn the_four_kinds_on_the_fixture_pair() {
    let (code, report) = json(&PAIR);
    assert_eq!(code, 1, "an excluded contradiction fails the run");
    let t = |a: &str, b: &str, c: &str, d: &str, e: &str, f: &str| {
        (a.into(), b.into(), c.into(), d.into(), e.into(), f.into())
    };
    assert_eq!(
        kinds(&report),
        vec![
            t(
                "undeclared",
                "excluded",
                "hi_isp.ko",
                "device.squashfs!/lib/modules/5.10.0/hi_isp.ko",
                "",
                "huawei"
            ),
            t("not-found", "review", "openssl", "", "", ""),
            t(
                "hash-mismatch",
                "review",
                "libfoo.so.1",
                "device.squashfs!/usr/lib/libfoo.so.1",
                "path",
                ""
            ),
            t(
                "contradicted-supplier",
                "excluded",
                "hi_wifi.ko",
                "device.squashfs!/lib/modules/5.10.0/hi_wifi.ko",
                "hash",
                "hisilicon"
            ),
        ]
    );
    let r = &report["reconciliation"];
    assert_eq!(
        r["summary"],
        serde_json::json!({"declared": 9, "observed": 9, "matched": 8, "undeclared": 1, "not_found": 1,
            "hash_mismatch": 1, "contradicted_supplier": 1})
    );
    assert_eq!(r["declared"]["path"], "device.cdx.json");
    let f = r["findings"].as_array().unwrap();
    // the planted module: its author is the evidence
    assert_eq!(f[0]["evidence"][0]["field"], "module-author");
    assert_eq!(f[0]["evidence"][0]["value"], "Huawei Technologies Co., Ltd.");
    assert_eq!(f[0]["observed"]["version"], "3.1.0");
    // the absent component is named by where the SBOM declares it
    assert_eq!(f[1]["declared"]["purl"], "pkg:generic/openssl@3.0.13");
    assert_eq!(f[1]["declared"]["at"]["pointer"], "/components/8");
    // the two hashes
    assert_eq!(
        f[2]["detail"],
        "declared SHA-256 42cd8cb45c64c3400055982a7bb1efec23a7184aea92602e0c5e45c714ab4daa, \
         found d5cf4abff7301f7dea64d93660f01bb656539ab7c5ab08a7635f70e7a349973b"
    );
    assert_eq!(
        f[2]["sha256"],
        "d5cf4abff7301f7dea64d93660f01bb656539ab7c5ab08a7635f70e7a349973b"
    );
    // the declared supplier against the module's author
    assert_eq!(
        f[3]["detail"],
        "declared supplier \"Acme Corp\"; the files say hisilicon (module-author \"HiSilicon Technologies Co., Ltd.\")"
    );
    assert_eq!(f[3]["evidence"][0]["kind"], "built-or-signed-by");
    // every id is a stable finding id, distinct from the others
    let mut ids: Vec<&str> = f.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert!(ids.iter().all(|i| i.len() == 19 && i.starts_with("VS-")));
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 4);
    // which match won, per pair
    let by: Vec<(String, String)> = r["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["declared"]["name"].as_str().unwrap().to_string(),
                m["by"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let by: Vec<(&str, &str)> = by.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(
        by,
        [
            ("busybox", "purl"),
            ("hilink", "name-version"),
            ("app", "hash"),
            ("app-hard", "hash"),
            ("libfoo.so.1", "path"),
            ("hi_wifi.ko", "hash"),
            ("usb_modem.ko", "hash"),
            ("camclient.exe", "hash"),
        ]
    );
    // same input, same report
    assert_eq!(json(&PAIR).1, report);
}

#[test]
fn without_the_declaration_there_is_no_reconciliation() {
    let (_, report) = json(&["device.squashfs"]);
    assert!(report.get("reconciliation").is_none());
}

#[test]
fn undeclared_parts_are_review_unless_the_evidence_makes_them_more() {
    // An SBOM declaring only the absent component: everything observed is undeclared — review,
    // except the parts the rule engine found excluded (a module by HiSilicon, one by Huawei, a
    // client signed by Dahua, a package supplied by Huawei), which keep that verdict.
    let bom: Value = serde_json::from_str(&std::fs::read_to_string(dir().join("device.cdx.json")).unwrap()).unwrap();
    let mut only_missing = bom.clone();
    only_missing["components"] = serde_json::json!([bom["components"][8]]);
    let tmp = tempfile::tempdir().unwrap();
    let declared = tmp.path().join("missing.cdx.json");
    std::fs::write(&declared, serde_json::to_vec(&only_missing).unwrap()).unwrap();
    let (_, report) = json(&["--declared", declared.to_str().unwrap(), "device.squashfs"]);
    let r = &report["reconciliation"];
    assert_eq!(r["summary"]["declared"], 1);
    assert_eq!(r["summary"]["matched"], 0);
    assert_eq!(r["summary"]["undeclared"], 9);
    assert_eq!(r["summary"]["not_found"], 1);
    let undeclared: Vec<(&str, &str)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "undeclared")
        .map(|d| (d["name"].as_str().unwrap(), d["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        undeclared,
        [
            ("app", "review"),
            ("app-hard", "review"),
            ("busybox", "review"),
            ("camclient.exe", "excluded"),
            ("hi_isp.ko", "excluded"),
            ("hi_wifi.ko", "excluded"),
            ("hilink", "excluded"),
            ("libfoo.so.1", "review"),
            ("usb_modem.ko", "review"),
        ]
    );
}

#[test]
fn an_unreadable_declaration_is_an_error() {
    let (code, _) = run(&["audit", "-q", "--declared", "device.squashfs", "device.squashfs"]);
    assert_eq!(code, 2);
}

#[test]
fn every_report_format_carries_the_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let out = |name: &str| tmp.path().join(name);
    let outputs = [
        format!("table={}", out("t.txt").display()),
        format!("sarif={}", out("r.sarif").display()),
        format!("markdown={}", out("r.md").display()),
        format!("html={}", out("r.html").display()),
        format!("cyclonedx={}", out("r.cdx.json").display()),
    ];
    let mut args = vec!["audit", "-q"];
    for o in &outputs {
        args.extend(["-o", o.as_str()]);
    }
    args.extend(PAIR);
    let (code, _) = run(&args);
    assert_eq!(code, 1);
    let read = |name: &str| std::fs::read_to_string(out(name)).unwrap();
    let summary =
        "declared 9, observed 9, matched 8, undeclared 1, not found 1, hash mismatch 1, contradicted supplier 1";
    let table = read("t.txt");
    assert!(table.contains(&format!("reconciliation: {summary}\n")), "{table}");
    assert!(table.contains("undeclared             excluded  device.squashfs!/lib/modules/5.10.0/hi_isp.ko"));
    assert!(table.contains("not-found              review    openssl 3.0.13"));
    let md = read("r.md");
    assert!(md.contains(&format!("**Summary**: {summary}.")));
    assert!(md.contains("| contradicted-supplier | excluded | `device.squashfs!/lib/modules/5.10.0/hi_wifi.ko` |"));
    let html = read("r.html");
    assert!(html.contains(&format!("<p id=\"reconcile-summary\">{summary}</p>")));
    assert!(html.contains("data-kind=\"hash-mismatch\""));
    let sarif: Value = serde_json::from_str(&read("r.sarif")).unwrap();
    let results: Vec<(&str, &str)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"].as_str().unwrap().starts_with("reconcile/"))
        .map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [
            ("reconcile/undeclared", "error"),
            ("reconcile/not-found", "warning"),
            ("reconcile/hash-mismatch", "warning"),
            ("reconcile/contradicted-supplier", "error"),
        ]
    );
    // the official validators accept both, when .ci/run has set them up
    if let Ok(python) = std::env::var("VENDORSCAN_VALIDATOR") {
        let root = env!("CARGO_MANIFEST_DIR");
        let mut checks = vec![vec![
            format!("{root}/scripts/validate-cyclonedx.py"),
            out("r.cdx.json").display().to_string(),
        ]];
        if let Ok(schema) = std::env::var("VENDORSCAN_SARIF_SCHEMA") {
            checks.push(vec![
                format!("{root}/scripts/validate-sarif.py"),
                schema,
                out("r.sarif").display().to_string(),
            ]);
        }
        for args in checks {
            let check = std::process::Command::new(&python).args(&args).output().unwrap();
            assert!(
                check.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&check.stdout)
            );
        }
    }
    let cdx: Value = serde_json::from_str(&read("r.cdx.json")).unwrap();
    let notes: Vec<&str> = cdx["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["bom-ref"].as_str().unwrap().starts_with("vendorscan-reconciliation:"))
        .map(|a| a["text"].as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 4);
    assert!(
        notes[1].contains("not-found against device.cdx.json: openssl"),
        "{}",
        notes[1]
    );
}

/// The real Debian rootfs against the SBOM syft wrote of it (fixtures/reconcile/make.sh; the
/// syft version in out/debian-rootfs.syft.txt). Each difference is explained in
/// docs/reconciliation.md.
#[test]
fn the_debian_rootfs_against_syft() {
    let Some(root) = std::env::var_os("VENDORSCAN_ROOTFS") else {
        eprintln!("VENDORSCAN_ROOTFS not set: skipped");
        return;
    };
    let rootfs = Path::new(&root).join("rootfs");
    let sbom = dir().join("debian-rootfs.syft.cdx.json.gz");
    let (_, report) = json(&[
        "--allow-incomplete",
        "--declared",
        sbom.to_str().unwrap(),
        rootfs.to_str().unwrap(),
    ]);
    let r = &report["reconciliation"];
    let summary = &r["summary"];
    eprintln!("{summary}");
    let findings = r["findings"].as_array().unwrap();
    // every package dpkg lists, syft declares, and each is tied by its purl
    assert_eq!(
        summary["matched"],
        summary["declared"].as_u64().unwrap() - 1,
        "{summary}"
    );
    assert!(summary["matched"].as_u64().unwrap() >= 80, "{summary}");
    assert!(r["matches"].as_array().unwrap().iter().all(|m| m["by"] == "purl"));
    // syft's operating-system component is the one declared part with no component here
    let not_found: Vec<&str> = findings
        .iter()
        .filter(|d| d["kind"] == "not-found")
        .map(|d| d["declared"]["ref"].as_str().unwrap())
        .collect();
    assert_eq!(not_found, ["os:debian@12"]);
    // nothing installed is undeclared: what is, lies in the .deb files of apt's cache, which
    // syft does not open (docs/reconciliation.md)
    let outside: Vec<&str> = findings
        .iter()
        .filter(|d| d["kind"] == "undeclared")
        .map(|d| d["path"].as_str().unwrap())
        .filter(|p| !(p.contains("/var/cache/apt/archives/") && p.contains(".deb!/data.tar.")))
        .collect();
    assert_eq!(outside, Vec::<&str>::new());
    assert_eq!(summary["hash_mismatch"], 0);
    assert_eq!(summary["contradicted_supplier"], 0);
}
