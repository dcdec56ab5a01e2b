//! Formats recognised and not unpacked, and damaged filesystems, end to end through the CLI
//! (fixtures/firmware/out/recognised and out/damaged-fs, made by fixtures/firmware/make.sh):
//! nothing that could not be examined may pass without a warning that says what and where.

use assert_cmd::Command;
use serde_json::Value;

const OUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out");

fn inventory(path: &str) -> Value {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["inventory", "--format", "json", path])
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "killed by a signal");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// (path, type, unpacked, damaged) of every container.
fn containers(json: &Value) -> Vec<(String, String, bool, bool)> {
    json.get("containers")
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .map(|c| {
                    (
                        c["path"].as_str().unwrap().to_string(),
                        c["type"].as_str().unwrap().to_string(),
                        c["unpacked"].as_bool().unwrap(),
                        c["damaged"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `code file: message` of every warning.
fn warnings(json: &Value) -> Vec<String> {
    json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            format!(
                "{} {}: {}",
                w["code"].as_str().unwrap(),
                w["file"].as_str().unwrap(),
                w["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Paths of the files listed, with `prefix` removed (those outside it left out).
fn files(json: &Value, prefix: &str) -> Vec<String> {
    json.get("files")
        .and_then(Value::as_array)
        .map(|all| {
            all.iter()
                .filter_map(|f| f["path"].as_str().unwrap().strip_prefix(prefix).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Every recognised fixture: (file, container type, how the warning names it). (UBI, UBIFS,
/// JFFS2, CramFS, romfs and EROFS, read since issue 14, are in tests/flash.rs and flash_fs.rs; 7z
/// in tests/compress_formats.rs.)
const RECOGNISED: &[(&str, &str, &str)] = &[("lzma.squashfs", "squashfs", "squashfs with lzma compression")];

#[test]
fn every_recognised_format_is_a_container_not_unpacked_with_a_warning() {
    for &(name, kind, description) in RECOGNISED {
        let path = format!("{OUT}/recognised/{name}");
        let json = inventory(&path);
        assert_eq!(
            containers(&json),
            [(path.clone(), kind.to_string(), false, false)],
            "{name}"
        );
        assert_eq!(
            warnings(&json),
            [format!("not-unpacked {path}: recognised {description}, not unpacked")],
            "{name}"
        );
        // the image itself is still listed and hashed as a file
        assert_eq!(files(&json, &path), [""], "{name}");
    }
}

/// Deterministic junk (xorshift), standing in for the rest of a flash dump.
fn junk(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn a_recognised_format_inside_a_flash_dump_is_carved_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    // those whose signature is strong enough to be trusted at any offset
    for (i, &(name, kind, description)) in RECOGNISED
        .iter()
        .filter(|r| !matches!(r.1, "ubifs" | "jffs2" | "compress"))
        .enumerate()
    {
        let image = std::fs::read(format!("{OUT}/recognised/{name}")).unwrap();
        let mut dump = junk(i as u64 + 1, 0x2000);
        dump.extend_from_slice(&image);
        dump.extend(junk(i as u64 + 100, 0x400));
        let path = dir.path().join(format!("{name}.flash")).display().to_string();
        std::fs::write(&path, &dump).unwrap();
        let json = inventory(&path);
        let at = format!("{path}!/0x2000:{kind}");
        assert_eq!(
            containers(&json),
            [(at.clone(), kind.to_string(), false, false)],
            "{name}"
        );
        assert_eq!(
            warnings(&json),
            [format!("not-unpacked {at}: recognised {description}, not unpacked")],
            "{name}"
        );
    }
}

#[test]
fn a_squashfs_directory_table_of_garbage_is_corrupt_not_empty() {
    let path = format!("{OUT}/damaged-fs/squashfs-directory.squashfs");
    let json = inventory(&path);
    assert_eq!(containers(&json), [(path.clone(), "squashfs".to_string(), true, true)]);
    // the root's entries do not parse: nothing is listed, and that is said with the place
    assert_eq!(files(&json, &path), Vec::<String>::new());
    assert_eq!(
        warnings(&json),
        [format!(
            "corrupt {path}: squashfs is corrupt: directory table at 0x965: its entries reach 1 of \
             the 5 inodes; the other 4 are not listed"
        )]
    );
}

#[test]
fn a_squashfs_inode_table_of_garbage_is_corrupt_at_its_offset() {
    let path = format!("{OUT}/damaged-fs/squashfs-inode.squashfs");
    let json = inventory(&path);
    assert_eq!(containers(&json), [(path.clone(), "squashfs".to_string(), true, true)]);
    let warnings = warnings(&json);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!("corrupt {path}: squashfs is corrupt: inode table at 0x8b7: ")),
        "{warnings:?}"
    );
}

#[test]
fn a_squashfs_file_whose_data_does_not_decompress_is_damaged_and_the_others_are_read() {
    let path = format!("{OUT}/damaged-fs/squashfs-data.squashfs");
    let json = inventory(&path);
    assert_eq!(containers(&json), [(path.clone(), "squashfs".to_string(), true, true)]);
    assert_eq!(files(&json, &path), ["!/etc/passwd", "!/hello.txt"]);
    assert_eq!(
        warnings(&json),
        [format!(
            "corrupt {path}!/big.txt: damaged member: data blocks at byte 0x60 cannot be read: it does \
             not decompress"
        )]
    );
}

#[test]
fn a_bit_flipped_ext4_reports_the_directory_and_the_inode_and_lists_the_rest() {
    let path = format!("{OUT}/damaged-fs/rootfs-flipped.ext4");
    let json = inventory(&path);
    assert_eq!(containers(&json), [(path.clone(), "ext".to_string(), true, true)]);
    assert_eq!(
        files(&json, &path),
        [
            "!/lib/firmware/radio.bin",
            "!/usr/bin/app",
            "!/usr/bin/app-hard",
            "!/usr/lib/libfoo.so",
            "!/usr/lib/libfoo.so.1",
        ]
    );
    assert_eq!(
        warnings(&json),
        [
            format!(
                "corrupt {path}!/etc: damaged member: directory cannot be read to its end: corrupt \
                 filesystem: directory block in inode 12 has an invalid checksum"
            ),
            format!(
                "corrupt {path}!/www/index.html: damaged member: inode cannot be read: corrupt \
                 filesystem: invalid checksum for inode 28"
            ),
        ]
    );
}

#[test]
fn a_truncated_ext4_is_corrupt_at_the_read_past_its_end() {
    let path = format!("{OUT}/damaged-fs/rootfs-truncated.ext4");
    let json = inventory(&path);
    assert_eq!(containers(&json), [(path.clone(), "ext".to_string(), true, true)]);
    assert_eq!(
        warnings(&json),
        [format!(
            "corrupt {path}: ext is corrupt: root directory (inode 2): io error: read of 32768 bytes \
             at 38912 past the end of the image"
        )]
    );
}

#[test]
fn a_truncated_iso_reports_each_file_cut_off_and_lists_the_rest() {
    let path = format!("{OUT}/damaged-fs/rockridge-truncated.iso");
    let json = inventory(&path);
    assert_eq!(containers(&json), [(path.clone(), "iso9660".to_string(), true, true)]);
    assert_eq!(
        files(&json, &path),
        ["!/firmware/a-rather-long-file-name-for-rock-ridge.txt", "!/latest"]
    );
    assert_eq!(
        warnings(&json),
        [
            format!(
                "corrupt {path}!/a/b/c/d/e/f/g/h/deep.txt: damaged member: contents (17 bytes at byte \
                 102400) lie past the end of the image"
            ),
            format!(
                "corrupt {path}!/firmware/radio.bin: damaged member: contents (19 bytes at byte 98304) \
                 lie past the end of the image"
            ),
            format!(
                "corrupt {path}!/readme.txt: damaged member: contents (14 bytes at byte 100352) lie \
                 past the end of the image"
            ),
        ]
    );
}

#[test]
fn a_broken_iso_directory_record_is_corrupt_at_its_byte() {
    let path = format!("{OUT}/damaged-fs/rockridge-flipped.iso");
    let json = inventory(&path);
    assert_eq!(containers(&json), [(path.clone(), "iso9660".to_string(), true, true)]);
    // the records before the broken one are read
    assert_eq!(files(&json, &path), ["!/a/b/c/d/e/f/g/h/deep.txt"]);
    assert_eq!(
        warnings(&json),
        [format!(
            "corrupt {path}: iso9660 is corrupt: directory /: malformed record at byte 39242 (offset \
             330 of the directory); the rest of the directory is not read"
        )]
    );
}
