//! `vendorscan extract` and `ls`: every member of every firmware fixture (fixtures/firmware/make.sh)
//! handed out by its virtual path with the SHA-256 the walk lists for it; a `!` in a member's
//! own name escaped so its path is unambiguous; the command line writes only the file asked
//! for and never overwrites one without --force.

use assert_cmd::Command;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use vendorscan::firmware::{self, Limits};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/firmware/out")
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn vendorscan(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("vendorscan")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_fixture_member_round_trips_by_its_virtual_path() {
    let limits = Limits::default();
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() > 15);
    let mut checked = 0;
    for fixture in &fixtures {
        let display = fixture.display().to_string();
        let walked = firmware::walk(fixture, &limits, &(), &()).unwrap();
        // every file with content, and every container the walk held (the target itself too)
        let members: Vec<(String, String)> = walked
            .files
            .iter()
            .filter_map(|f| Some((f.path.clone(), f.sha256.clone()?)))
            .chain(walked.containers.iter().map(|c| (c.path.clone(), c.sha256.clone())))
            .collect();
        for (path, expected) in members {
            let got = vendorscan::extract::members(fixture, &display, std::slice::from_ref(&path), &limits).unwrap();
            let bytes = got
                .found
                .get(&path)
                .unwrap_or_else(|| panic!("{path}: {}", got.why_missing(&path)));
            assert_eq!(sha256(bytes), expected, "{path}");
            // only what was asked for
            assert_eq!(got.found.len(), 1, "{path}");
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked}");
}

#[test]
fn a_focused_walk_reads_only_along_its_path() {
    let flash = fixtures().join("router-flash.bin");
    let display = flash.display().to_string();
    let wanted = format!("{display}!/0x4003:squashfs!/lib/modules/5.10.0/hi_wifi.ko");
    let got =
        vendorscan::extract::members(&flash, &display, std::slice::from_ref(&wanted), &Limits::default()).unwrap();
    assert_eq!(got.found.len(), 1);
    // nothing off the path was listed: not the kernel, not the device tree, no other file
    let files: Vec<&str> = got.walked.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(files, [display.as_str()]);
    let opened: Vec<&str> = got.walked.containers.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(opened, [format!("{display}!/0x4003:squashfs")]);
}

#[test]
fn a_bang_in_a_member_name_is_escaped_and_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in [("fw!/x.bin", &b"inside a name with a bang\n"[..]), ("fw", b"plain\n")] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        builder.append_data(&mut h, name, data).unwrap();
    }
    std::fs::write(tmp.path().join("bang.tar"), builder.into_inner().unwrap()).unwrap();
    let out = vendorscan(tmp.path(), &["ls", "--format", "json", "bang.tar"]);
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["bang.tar!/fw", "bang.tar!/fw\\x21/x.bin"]);
    let out = vendorscan(
        tmp.path(),
        &["extract", "bang.tar", "bang.tar!/fw\\x21/x.bin", "-o", "-"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, b"inside a name with a bang\n");
    // the default file name is the member's own, unescaped
    let out = vendorscan(tmp.path(), &["extract", "bang.tar", "!/fw\\x21/x.bin"]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(tmp.path().join("x.bin")).unwrap(),
        b"inside a name with a bang\n"
    );
}

#[test]
fn extract_writes_only_the_file_asked_for_and_overwrites_only_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let flash = fixtures().join("router-flash.bin");
    let flash = flash.to_str().unwrap();
    let module = "!/0x4003:squashfs!/lib/modules/5.10.0/hi_wifi.ko";
    let out = vendorscan(tmp.path(), &["extract", flash, module, "-o", "m.ko"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(written, ["m.ko"]);
    assert_eq!(
        sha256(&std::fs::read(tmp.path().join("m.ko")).unwrap()),
        "317e2efef9ecb3791681bd47293c913211dedde6c073d949704fa1eb13d8f0f0"
    );
    std::fs::write(tmp.path().join("m.ko"), b"mine").unwrap();
    let out = vendorscan(tmp.path(), &["extract", flash, module, "-o", "m.ko"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: m.ko: exists; --force overwrites it\n"
    );
    assert_eq!(std::fs::read(tmp.path().join("m.ko")).unwrap(), b"mine");
    let out = vendorscan(tmp.path(), &["extract", "--force", flash, module, "-o", "m.ko"]);
    assert!(out.status.success());
    assert_eq!(std::fs::read(tmp.path().join("m.ko")).unwrap().len(), 840);
    // a link, a missing member, a path of another target: each an error that says so
    let err = |args: &[&str]| {
        let out = vendorscan(tmp.path(), args);
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let tgz = fixtures().join("rootfs.tar.gz");
    let tgz = tgz.to_str().unwrap();
    assert!(err(&["extract", tgz, "!gzip!/usr/lib/libfoo.so", "-o", "x"])
        .ends_with("rootfs.tar.gz!gzip!/usr/lib/libfoo.so is a symlink to libfoo.so.1, not a file\n"));
    assert!(err(&["extract", tgz, "!gzip!/usr/bin/nope", "-o", "x"])
        .ends_with(&format!("no member {tgz}!gzip!/usr/bin/nope\n")));
    assert!(err(&["extract", tgz, "other.bin!/x", "-o", "x"]).contains("starts with"));
    assert!(!tmp.path().join("x").exists());
}

#[test]
fn ls_lists_a_containers_own_members() {
    let out = vendorscan(&fixtures(), &["ls", "router-flash.bin"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let paths: Vec<&str> = text.lines().map(|l| l.rsplit("  ").next().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "router-flash.bin!/0x200:uimage",
            "router-flash.bin!/0x3001:fdt",
            "router-flash.bin!/0x4003:squashfs"
        ]
    );
    let out = vendorscan(
        &fixtures(),
        &["ls", "--format", "json", "router-flash.bin", "!/0x200:uimage"],
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        listed,
        serde_json::json!([{"path": "router-flash.bin!/0x200:uimage!/Linux-5.10.0", "type": "gzip", "size": 72,
            "sha256": listed[0]["sha256"]}])
    );
    assert_eq!(listed[0]["sha256"].as_str().unwrap().len(), 64);
    let out = vendorscan(&fixtures(), &["ls", "router-flash.bin", "!/0x9:nothing"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn evidence_dir_holds_every_flagged_file_with_its_hash_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("evidence");
    let run = |args: &[&str]| vendorscan(&fixtures(), args);
    let out = run(&[
        "audit",
        "-q",
        "--evidence-dir",
        dir.to_str().unwrap(),
        "router-flash.bin",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let flash_sha = sha256(&std::fs::read(fixtures().join("router-flash.bin")).unwrap());
    assert_eq!(
        manifest["inputs"],
        serde_json::json!([{"path": "router-flash.bin", "sha256": flash_sha}])
    );
    let files = manifest["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        [
            "router-flash.bin",
            "router-flash.bin!/0x3001:fdt",
            "router-flash.bin!/0x4003:squashfs!/lib/firmware/certs.bin",
            "router-flash.bin!/0x4003:squashfs!/lib/modules/5.10.0/hi_wifi.ko",
            "router-flash.bin!/0x4003:squashfs!/usr/lib/opkg/status",
            "router-flash.bin!/0x4003:squashfs!/www/camclient.exe",
            "router-flash.bin!/0x4003:squashfs!/www/index.html",
        ]
    );
    // each copy is the file the walk hashed, and its chain leads back to the input's hash
    let walked = firmware::walk(&fixtures().join("router-flash.bin"), &Limits::default(), &(), &()).unwrap();
    for f in files {
        let copy = std::fs::read(dir.join(f["file"].as_str().unwrap())).unwrap();
        assert_eq!(sha256(&copy), f["sha256"].as_str().unwrap());
        assert_eq!(copy.len() as u64, f["size"].as_u64().unwrap());
        assert_eq!(
            f["chain"][0],
            serde_json::json!({"path": "router-flash.bin", "sha256": flash_sha})
        );
        assert!(!f["findings"].as_array().unwrap().is_empty());
    }
    let module = &files[3];
    let squashfs = walked
        .containers
        .iter()
        .find(|c| c.path.ends_with("!/0x4003:squashfs"))
        .unwrap();
    assert_eq!(module["chain"][1]["path"], "router-flash.bin!/0x4003:squashfs");
    assert_eq!(module["chain"][1]["sha256"], squashfs.sha256.as_str());
    assert_eq!(
        module["sha256"],
        "317e2efef9ecb3791681bd47293c913211dedde6c073d949704fa1eb13d8f0f0"
    );
    // the finding that flags it, with its evidence
    let id = module["findings"][0].as_str().unwrap();
    let finding = manifest["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap();
    assert_eq!(finding["entity"], "hisilicon");
    assert_eq!(finding["verdict"], "excluded");
    assert_eq!(finding["evidence"][0]["field"], "module-author");
    assert_eq!(finding["evidence"][0]["value"], "HiSilicon Technologies Co., Ltd.");
    assert!(manifest.get("missing").is_none());
    // nothing in the folder is overwritten
    std::fs::write(dir.join("manifest.json"), b"kept").unwrap();
    let out = run(&[
        "audit",
        "-q",
        "--evidence-dir",
        dir.to_str().unwrap(),
        "router-flash.bin",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(dir.join("manifest.json")).unwrap(), b"kept");
}

#[test]
fn evidence_dir_holds_the_reconciliation_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ev");
    let out = vendorscan(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reconcile/out"),
        &[
            "audit",
            "-q",
            "--evidence-dir",
            dir.to_str().unwrap(),
            "--declared",
            "device.cdx.json",
            "device.squashfs",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["declared"]["path"], "device.cdx.json");
    let kinds: Vec<(&str, Vec<&str>)> = manifest["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] != "vendor")
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["files"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("undeclared", vec!["device.squashfs!/lib/modules/5.10.0/hi_isp.ko"]),
            ("not-found", vec![]),
            ("hash-mismatch", vec!["device.squashfs!/usr/lib/libfoo.so.1"]),
            (
                "contradicted-supplier",
                vec!["device.squashfs!/lib/modules/5.10.0/hi_wifi.ko"]
            ),
        ]
    );
    let libfoo = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "device.squashfs!/usr/lib/libfoo.so.1")
        .unwrap();
    assert_eq!(
        libfoo["sha256"],
        "d5cf4abff7301f7dea64d93660f01bb656539ab7c5ab08a7635f70e7a349973b"
    );
}
