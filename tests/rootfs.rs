//! The real-rootfs tier: a Debian root filesystem built by ../shared/scripts/make-rootfs.sh
//! (about 11,700 files) lists the same files and hashes as a directory, SquashFS, cpio.gz,
//! tar.gz and ext4. Runs when `VENDORSCAN_ROOTFS` names that script's output folder.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn rootfs() -> Option<PathBuf> {
    match std::env::var_os("VENDORSCAN_ROOTFS").map(PathBuf::from) {
        Some(dir) if dir.join("rootfs").is_dir() => Some(dir),
        _ => {
            eprintln!("VENDORSCAN_ROOTFS unset or without rootfs/: real-rootfs tier skipped");
            None
        }
    }
}

/// path inside the target → (type, sha256, link)
fn listing(target: &str, prefix: &str) -> BTreeMap<String, (String, String, String)> {
    let out = assert_cmd::Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["inventory", "-q", "--format", "json", target])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{target}");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["warnings"], serde_json::json!([]), "{target}");
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (
                s("path")[prefix.len()..].to_string(),
                (s("type"), s("sha256"), s("link")),
            )
        })
        .collect()
}

#[test]
fn every_image_of_the_rootfs_lists_the_same_files_and_hashes() {
    let Some(dir) = rootfs() else { return };
    let d = dir.display().to_string();
    let base = listing(&format!("{d}/rootfs"), &format!("{d}/rootfs/"));
    assert!(base.len() > 5000, "{} files", base.len());
    assert!(base.contains_key("var/lib/dpkg/status"));
    for (image, inner) in [
        ("rootfs.squashfs", "!/"),
        ("rootfs.cpio.gz", "!gzip!/"),
        ("rootfs.tar.gz", "!gzip!/"),
        ("rootfs.ext4", "!/"),
    ] {
        let target = format!("{d}/{image}");
        let other = listing(&target, &format!("{target}{inner}"));
        assert_eq!(other.len(), base.len(), "{image}");
        let differ: Vec<&String> = base.keys().filter(|k| other.get(*k) != base.get(*k)).take(5).collect();
        assert!(differ.is_empty(), "{image}: {differ:?}");
    }
}

/// `vendorscan sbom` of the rootfs directory lists its 88 Debian packages with their maintainers
/// as suppliers, and its files; the official validators accept it (when `VENDORSCAN_VALIDATOR`
/// is set).
#[test]
fn the_sbom_of_the_rootfs_lists_its_packages_with_their_maintainers() {
    let Some(dir) = rootfs() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out_path = tmp.path().join("rootfs.cdx.json");
    assert_cmd::Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["sbom", "-q", "--no-timestamp", "-o"])
        .arg(&out_path)
        .arg(dir.join("rootfs"))
        .assert()
        .success();
    let bom: Value = serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    let mut all = Vec::new();
    let mut stack: Vec<&Value> = bom["components"].as_array().unwrap().iter().collect();
    while let Some(c) = stack.pop() {
        all.push(c);
        stack.extend(c["components"].as_array().into_iter().flatten());
    }
    let packages: Vec<&&Value> = all.iter().filter(|c| c["type"] == "library").collect();
    assert_eq!(packages.len(), 88);
    for p in &packages {
        let purl = p["purl"].as_str().unwrap();
        assert!(purl.starts_with("pkg:deb/debian/"), "{purl}");
        assert!(p["supplier"]["name"].is_string(), "{purl} has no supplier");
    }
    let bash = packages.iter().find(|p| p["name"] == "bash").unwrap();
    assert_eq!(bash["supplier"]["name"], "Matthias Klose");
    assert_eq!(bash["supplier"]["contact"][0]["email"], "doko@debian.org");
    let files = all.iter().filter(|c| c["type"] == "file").count();
    assert!(files > 10_000, "{files} files");
    if let Some(python) = std::env::var_os("VENDORSCAN_VALIDATOR") {
        let out = std::process::Command::new(python)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/validate-cyclonedx.py"))
            .arg(&out_path)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    }
}
