//! The real-rootfs tier: a Debian root filesystem built by ../shared/scripts/make-rootfs.sh
//! (about 11,700 files) lists the same files and hashes as a directory, SquashFS, cpio.gz,
//! tar.gz and ext4, and gives the same SBOM in each and as an OCI image. Runs when
//! `VENDORSCAN_ROOTFS` names that script's output folder.

// the benches' writer of a one-layer OCI image layout (tar, flate2, sha2: no image tool needed)
#[path = "../benches/support/oci.rs"]
mod oci;

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
    assert_eq!(
        bash["purl"],
        "pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64&distro=debian-12"
    );
    assert_eq!(bash["cpe"], "cpe:2.3:a:gnu:bash:5.2.15:*:*:*:*:*:*:*");
    // usrmerge: dpkg lists /bin/bash, /bin/ls, /lib/…/libc.so.6; the files lie under /usr
    let nested = |pkg: &str| -> Vec<String> {
        let p = packages.iter().find(|p| p["name"] == pkg).unwrap();
        p["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| c["evidence"]["occurrences"].as_array().into_iter().flatten())
            .map(|o| o["location"].as_str().unwrap().to_string())
            .collect()
    };
    let root = dir.join("rootfs").display().to_string();
    assert!(nested("bash").contains(&format!("{root}/usr/bin/bash")));
    assert!(nested("coreutils").contains(&format!("{root}/usr/bin/ls")));
    assert!(nested("libc6").contains(&format!("{root}/usr/lib/x86_64-linux-gnu/libc.so.6")));
    let licensed = packages.iter().filter(|p| p["licenses"].is_array()).count();
    assert!(licensed >= 87, "{licensed} packages with licences");
    let os: Vec<&&Value> = all.iter().filter(|c| c["type"] == "operating-system").collect();
    assert_eq!(os.len(), 1);
    assert_eq!(
        (&os[0]["name"], &os[0]["version"]),
        (&Value::from("debian"), &Value::from("12"))
    );
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

/// What an SPDX SBOM of the rootfs says, with the target's own name and hash left out: packages
/// (name, version, supplier, licence, references, purpose), files (path inside the image,
/// checksums) and relationships by those names.
type Said = (
    std::collections::BTreeSet<String>,
    std::collections::BTreeSet<String>,
    std::collections::BTreeSet<String>,
);

fn spdx_said(target: &str, inner: &str) -> Said {
    let out = assert_cmd::Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["sbom", "-q", "--no-timestamp", "--format", "spdx-json", target])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{target}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let root = doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["relationshipType"] == "DESCRIBES")
        .unwrap()["relatedSpdxElement"]
        .as_str()
        .unwrap()
        .to_string();
    let mut names = std::collections::HashMap::new();
    let mut packages = std::collections::BTreeSet::new();
    for p in doc["packages"].as_array().unwrap() {
        let id = p["SPDXID"].as_str().unwrap().to_string();
        if id == root {
            names.insert(id, "ROOT".to_string());
            continue;
        }
        let refs: Vec<&str> = p["externalRefs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| r["referenceLocator"].as_str().unwrap())
            .collect();
        let name = format!("{} {}", p["name"], p["versionInfo"]);
        packages.insert(format!(
            "{name} {} {} {refs:?} {}",
            p["supplier"], p["licenseDeclared"], p["primaryPackagePurpose"]
        ));
        names.insert(id, name);
    }
    let mut files = std::collections::BTreeSet::new();
    for f in doc["files"].as_array().unwrap() {
        let file_name = f["fileName"].as_str().unwrap();
        let path = match file_name.strip_prefix(&format!("./{inner}")) {
            Some(rest) => format!("./{rest}"),
            None => file_name.to_string(),
        };
        files.insert(format!("{path} {}", f["checksums"]));
        names.insert(f["SPDXID"].as_str().unwrap().to_string(), path);
    }
    let relationships = doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let name = |k: &str| names.get(r[k].as_str().unwrap()).cloned().unwrap_or_default();
            format!(
                "{} {} {}",
                name("spdxElementId"),
                r["relationshipType"],
                name("relatedSpdxElement")
            )
        })
        .collect();
    (packages, files, relationships)
}

/// The SBOM of the rootfs is the same whichever way it is packed: directory, SquashFS, cpio.gz,
/// tar.gz, ext4 and an OCI image of one layer (modulo the target's own name and hash).
#[test]
fn every_packing_of_the_rootfs_gives_the_same_sbom() {
    let Some(dir) = rootfs() else { return };
    let d = dir.display().to_string();
    let layout = tempfile::tempdir().unwrap();
    oci::write_layout(&dir.join("rootfs"), layout.path());
    let image = format!("oci-dir:{}", layout.path().display());
    let base = spdx_said(&format!("{d}/rootfs"), "");
    assert_eq!(base.0.len(), 89, "88 packages and the operating system");
    assert!(base
        .2
        .iter()
        .any(|r| r.starts_with("\"bash\" \"5.2.15-2+b13\" \"DEPENDS_ON\" \"libc6\"")));
    for (image, inner) in [
        ("rootfs.squashfs", ""),
        ("rootfs.cpio.gz", "gzip!/"),
        ("rootfs.tar.gz", "gzip!/"),
        ("rootfs.ext4", ""),
        (image.as_str(), ""),
    ] {
        let target = if image.starts_with("oci-dir:") {
            image.to_string()
        } else {
            format!("{d}/{image}")
        };
        let other = spdx_said(&target, inner);
        assert_eq!(other.0, base.0, "{image}: packages");
        let missing: Vec<&String> = base.1.difference(&other.1).take(5).collect();
        let extra: Vec<&String> = other.1.difference(&base.1).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{image}: files {missing:?} {extra:?}"
        );
        let missing: Vec<&String> = base.2.difference(&other.2).take(5).collect();
        let extra: Vec<&String> = other.2.difference(&base.2).take(5).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{image}: relationships {missing:?} {extra:?}"
        );
    }
}
