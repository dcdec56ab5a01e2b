//! The compression and archive formats read last — lzip, Unix compress (.Z), lzop, SquashFS with
//! LZ4 and LZO blocks, 7z — end to end through the CLI (fixtures/firmware/out/compress, made from
//! fixtures/firmware/flash-root by make-compress.sh with the real Debian tools): each lists the same
//! files with the same hashes as the directory; the planted HiSilicon module is found in each; a
//! copy cut short (built here) is `incomplete`, says where, and keeps what decoded before the cut;
//! and a byte flipped anywhere never panics.

use assert_cmd::Command;
use serde_json::Value;

const FW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware");

fn run(args: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("vendorscan").unwrap().args(args).output().unwrap();
    let code = out.status.code().expect("killed by a signal");
    assert_ne!(code, 101, "{args:?} panicked: {}", String::from_utf8_lossy(&out.stderr));
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (code, json)
}

fn inventory(path: &str) -> Value {
    run(&["inventory", "--format", "json", path]).1
}

/// (path below `prefix`, type, sha256, link target) of every file listed below `prefix`.
fn listing(json: &Value, prefix: &str) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = json
        .get("files")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|f| {
            let path = f["path"].as_str()?.strip_prefix(prefix)?;
            Some((
                path.to_string(),
                f["type"].as_str().unwrap_or("").to_string(),
                f["sha256"].as_str().unwrap_or("").to_string(),
                f["link"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect();
    out.sort();
    out
}

/// `code file: message` of every warning, with `strip` taken out of the file names.
fn warnings(json: &Value, strip: &str) -> Vec<String> {
    let mut out: Vec<String> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{} {}: {}",
                w["code"].as_str().unwrap(),
                w["file"].as_str().unwrap().replace(strip, ""),
                w["message"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

/// The source tree, as the walker lists it (tests/flash.rs checks its names).
fn tree() -> Vec<(String, String, String, String)> {
    let root = format!("{FW}/flash-root");
    let listed = listing(&inventory(&root), &format!("{root}/"));
    assert_eq!(listed.len(), 14, "{listed:?}");
    listed
}

/// Every fixture, its container type, and where the tree is inside it.
const IMAGES: &[(&str, &str, &str)] = &[
    ("tree.tar.lz", "lzip", "!lzip!/"),
    ("tree.multi.tar.lz", "lzip", "!lzip!/"),
    ("tree.tar.Z", "compress", "!compress!/"),
    ("tree.b12.tar.Z", "compress", "!compress!/"),
    ("tree.tar.lzo", "lzop", "!lzop!/"),
    ("tree.crc32.tar.lzo", "lzop", "!lzop!/"),
    ("tree.lz4.squashfs", "squashfs", "!/"),
    ("tree.lzo.squashfs", "squashfs", "!/"),
];

const MODULE: &str = "lib/modules/5.10.0/hi_wifi.ko";

#[test]
fn every_format_lists_the_trees_files_and_hashes() {
    let expected = tree();
    for &(image, kind, inner) in IMAGES {
        let path = format!("{FW}/out/compress/{image}");
        let json = inventory(&path);
        assert_eq!(warnings(&json, ""), Vec::<String>::new(), "{image}");
        assert_eq!(listing(&json, &format!("{path}{inner}")), expected, "{image}");
        assert_eq!(json["containers"][0]["type"].as_str(), Some(kind), "{image}");
        assert!(!json["containers"][0]["damaged"].as_bool().unwrap_or(false), "{image}");
    }
}

#[test]
fn the_planted_vendor_module_is_found_in_every_format() {
    for &(image, _, inner) in IMAGES {
        let path = format!("{FW}/out/compress/{image}");
        let (code, json) = run(&["audit", "--format", "json", &path]);
        assert_eq!((code, json["verdict"].as_str()), (1, Some("excluded")), "{image}");
        let module = format!("{path}{inner}{MODULE}");
        assert!(
            json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["entity"] == "hisilicon" && f["component"]["location"]["path"].as_str() == Some(&module)),
            "{image}: no HiSilicon finding at {module}"
        );
    }
}

#[test]
fn a_copy_cut_short_is_incomplete_says_where_and_keeps_what_decoded() {
    let expected = tree();
    let dir = tempfile::tempdir().unwrap();
    for &(image, kind, inner) in IMAGES {
        let bytes = std::fs::read(format!("{FW}/out/compress/{image}")).unwrap();
        let cut = dir.path().join(image).display().to_string();
        std::fs::write(&cut, &bytes[..bytes.len() * 3 / 4]).unwrap();
        let (code, json) = run(&["audit", "--format", "json", &cut]);
        assert_ne!(json["verdict"].as_str(), Some("clear"), "{image}");
        assert_ne!(code, 0, "{image}");
        assert_eq!(json["coverage"]["complete"].as_bool(), Some(false), "{image}");
        let warned = warnings(&json, &cut);
        assert!(
            warned.iter().any(|w| w.starts_with("corrupt ") && w.contains(kind)),
            "{image}: {warned:?}"
        );
        // the first files of the tree decoded before the cut, with their hashes — except in lzop,
        // whose 256 KiB blocks hold this whole tar in one: a block cut short cannot be decoded nor
        // its checksum checked, so nothing of it is kept; and in SquashFS, whose tables are at the
        // end: a cut image has no directory left to list
        if kind == "lzop" || kind == "squashfs" {
            continue;
        }
        let kept = listing(&inventory(&cut), &format!("{cut}{inner}"));
        let passwd = expected.iter().find(|f| f.0 == "etc/passwd").unwrap();
        assert!(kept.contains(passwd), "{image}: {kept:?}");
        assert!(kept.len() < expected.len(), "{image}: {kept:?}");
    }
}

#[test]
fn a_flipped_byte_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    for &(image, ..) in IMAGES {
        let bytes = std::fs::read(format!("{FW}/out/compress/{image}")).unwrap();
        let flipped = dir.path().join(image).display().to_string();
        for k in 1..8 {
            let mut copy = bytes.clone();
            let at = copy.len() * k / 8;
            copy[at] ^= 0x55;
            std::fs::write(&flipped, &copy).unwrap();
            let (code, json) = run(&["audit", "--format", "json", &flipped]);
            assert!(matches!(code, 0..=3), "{image} at {at}: exit {code}");
            assert!(json["verdict"].is_string(), "{image} at {at}");
        }
    }
}
