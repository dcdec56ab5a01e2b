//! The flash filesystems cameras and routers ship — UBI, UBIFS, JFFS2 — end to end through the CLI
//! (fixtures/firmware/out/flash, made from fixtures/firmware/flash-root by make-flash.sh with
//! mtd-utils): each image lists the same files with the same hashes as the directory, links kept;
//! the planted HiSilicon module is found; a camera-style dump is carved at the UBI area's offset;
//! and damaged copies (built here: a byte flipped in a node, the image cut in half) are reported
//! with the place, never `clear`, never a panic.

mod common;

use common::{inventory, listing, run, warnings, FW};
use serde_json::Value;

/// (path with `strip` taken out, type, damaged) of every container.
fn containers(json: &Value, strip: &str) -> Vec<(String, String, bool)> {
    let mut out: Vec<_> = json
        .get("containers")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap().replace(strip, ""),
                c["type"].as_str().unwrap().to_string(),
                c["damaged"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    out.sort();
    out
}

/// The source tree, as the walker lists it.
fn tree() -> Vec<(String, String, String, String)> {
    let root = format!("{FW}/flash-root");
    let listed = listing(&inventory(&root), &format!("{root}/"));
    let summary: Vec<(&str, &str, &str)> = listed
        .iter()
        .map(|(p, t, _, l)| (p.as_str(), t.as_str(), l.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("etc/loop-a", "symlink", "loop-b"),
            ("etc/loop-b", "symlink", "loop-a"),
            ("etc/opkg.conf", "text", ""),
            ("etc/passwd", "text", ""),
            ("etc/shadow-link", "symlink", "/etc/shadow"),
            ("lib/firmware/calib.bin", "data", ""),
            ("lib/firmware/radio.bin", "data", ""),
            ("lib/modules/5.10.0/hi_wifi.ko", "elf", ""),
            ("usr/bin/app", "elf", ""),
            ("usr/bin/app-hard", "elf", ""),
            ("usr/lib/libfoo.so", "symlink", "libfoo.so.1"),
            ("usr/lib/libfoo.so.1", "elf", ""),
            ("usr/share/doc/notes.txt", "text", ""),
            ("www/index.html", "text", ""),
        ]
    );
    listed
}

/// Every flash image and where the tree is inside it.
const IMAGES: &[(&str, &str, &[&str])] = &[
    ("ubifs-lzo.img", "ubifs", &["!/"]),
    ("ubifs-zlib.img", "ubifs", &["!/"]),
    ("ubifs-zstd.img", "ubifs", &["!/"]),
    // the dynamic volume holds UBIFS, the static one SquashFS
    ("ubi.img", "ubi", &["!/rootfs!/", "!/firmware!/"]),
    ("le-8k.jffs2", "jffs2", &["!/"]),
    ("be-64k.jffs2", "jffs2", &["!/"]),
    ("lzo.jffs2", "jffs2", &["!/"]),
    ("rtime.jffs2", "jffs2", &["!/"]),
    ("lzma.jffs2", "jffs2", &["!/"]),
    ("deleted.jffs2", "jffs2", &["!/"]),
];

#[test]
fn every_flash_image_lists_the_trees_files_and_hashes() {
    let expected = tree();
    for &(image, kind, inners) in IMAGES {
        let path = format!("{FW}/out/flash/{image}");
        let json = inventory(&path);
        assert_eq!(warnings(&json, ""), Vec::<String>::new(), "{image}");
        for inner in inners {
            assert_eq!(listing(&json, &format!("{path}{inner}")), expected, "{image}{inner}");
        }
        assert_eq!(
            containers(&json, &path)[0],
            (String::new(), kind.to_string(), false),
            "{image}"
        );
    }
}

#[test]
fn the_ubi_volumes_are_members_named_by_the_volume_table() {
    let path = format!("{FW}/out/flash/ubi.img");
    let json = inventory(&path);
    assert_eq!(
        containers(&json, &path),
        [
            (String::new(), "ubi".to_string(), false),
            ("!/firmware".to_string(), "squashfs".to_string(), false),
            ("!/rootfs".to_string(), "ubifs".to_string(), false),
        ]
    );
    // the static volume is exactly the SquashFS image ubinize was given: its data_size bytes
    let squashfs = json["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "squashfs")
        .unwrap();
    let size = squashfs["size"].as_u64().unwrap();
    assert_eq!(size % 4096, 0, "mksquashfs pads to 4 KiB: {size}");
    let image = std::fs::read(&path).unwrap();
    assert_eq!(&image[..4], b"UBI#");
}

#[test]
fn the_generated_images_hold_what_they_say() {
    // lzma.jffs2: every data node is LZMA (compression 8); deleted.jffs2 ends in a directory entry
    // naming inode 0. Both are read as the tree (above); here their content is checked.
    let nodes = |image: &[u8]| {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos + 12 <= image.len() {
            if image[pos..pos + 2] != [0x85, 0x19] {
                pos += 4;
                continue;
            }
            let kind = u16::from_le_bytes([image[pos + 2], image[pos + 3]]);
            let len = u32::from_le_bytes(image[pos + 4..pos + 8].try_into().unwrap()) as usize;
            out.push((pos, kind, image[pos..pos + len].to_vec()));
            pos += len.div_ceil(4) * 4;
        }
        out
    };
    let lzma = std::fs::read(format!("{FW}/out/flash/lzma.jffs2")).unwrap();
    let compressions: std::collections::BTreeSet<u8> = nodes(&lzma)
        .iter()
        .filter(|(_, kind, node)| *kind == 0xe002 && node.len() > 68)
        .map(|(_, _, node)| node[56])
        .collect();
    assert_eq!(compressions, [8].into());

    let deleted = std::fs::read(format!("{FW}/out/flash/deleted.jffs2")).unwrap();
    let all = nodes(&deleted);
    let (_, kind, last) = all.last().unwrap();
    assert_eq!((*kind, &last[40..]), (0xe001, &b"deleted.conf"[..]));
    assert_eq!(&last[20..24], &[0, 0, 0, 0], "inode 0");
}

#[test]
fn a_deleted_jffs2_entry_hides_the_file_and_without_it_the_file_is_there() {
    let path = format!("{FW}/out/flash/deleted.jffs2");
    let image = std::fs::read(&path).unwrap();
    let listed = listing(&inventory(&path), &format!("{path}!/"));
    assert!(!listed.iter().any(|f| f.0 == "etc/deleted.conf"));
    // the image without its last node (the deletion: a 40-byte header and the 12-byte name)
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before.jffs2").display().to_string();
    std::fs::write(&before, &image[..image.len() - 52]).unwrap();
    let json = inventory(&before);
    assert_eq!(warnings(&json, ""), Vec::<String>::new());
    let file = listing(&json, &format!("{before}!/"))
        .into_iter()
        .find(|f| f.0 == "etc/deleted.conf")
        .expect("etc/deleted.conf before its deletion");
    assert_eq!(file.2, sha256(b"deleted later\n"));
}

fn sha256(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_planted_vendor_module_is_found_in_every_image() {
    for &(image, _, inners) in IMAGES {
        let path = format!("{FW}/out/flash/{image}");
        let (code, json) = run(&["audit", "--format", "json", &path]);
        assert_eq!((code, json["verdict"].as_str()), (1, Some("excluded")), "{image}");
        for inner in inners {
            let module = format!("{path}{inner}lib/modules/5.10.0/hi_wifi.ko");
            assert!(
                json["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["entity"] == "hisilicon"
                        && f["component"]["location"]["path"].as_str() == Some(module.as_str())),
                "{image}: no HiSilicon finding at {module}"
            );
        }
    }
}

#[test]
fn a_camera_dump_is_carved_at_the_ubi_area_and_audited() {
    let path = format!("{FW}/out/flash/camera-flash.bin");
    let json = inventory(&path);
    assert_eq!(warnings(&json, ""), Vec::<String>::new());
    assert_eq!(
        containers(&json, &path),
        [
            ("!/0x20000:ubi".to_string(), "ubi".to_string(), false),
            ("!/0x20000:ubi!/firmware".to_string(), "squashfs".to_string(), false),
            ("!/0x20000:ubi!/rootfs".to_string(), "ubifs".to_string(), false),
            ("!/0x4000:uimage".to_string(), "uimage".to_string(), false),
            ("!/0x4000:uimage!/Linux-4.9.37".to_string(), "gzip".to_string(), false),
        ]
    );
    let expected = tree();
    assert_eq!(listing(&json, &format!("{path}!/0x20000:ubi!/rootfs!/")), expected);
    assert_eq!(listing(&json, &format!("{path}!/0x20000:ubi!/firmware!/")), expected);
    let (code, audit) = run(&["audit", "--format", "json", &path]);
    assert_eq!((code, audit["verdict"].as_str()), (1, Some("excluded")));
    assert_eq!(audit["coverage"]["complete"], true);
    let module = format!("{path}!/0x20000:ubi!/rootfs!/lib/modules/5.10.0/hi_wifi.ko");
    assert!(audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["entity"] == "hisilicon" && f["component"]["location"]["path"].as_str() == Some(module.as_str())));
}

/// Writes `image` under `name` in `dir`, and returns its path.
fn write(dir: &tempfile::TempDir, name: &str, image: &[u8]) -> String {
    let path = dir.path().join(name).display().to_string();
    std::fs::write(&path, image).unwrap();
    path
}

/// The offset of `needle` in `hay` (it must be there).
fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("the bytes are in the image")
}

/// A damaged copy must not read as clear: the audit says incomplete (or excluded, when the module
/// survived), exit 2, coverage incomplete.
fn never_clear(path: &str) {
    let (code, json) = run(&["audit", "--format", "json", path]);
    assert_eq!(code, 2, "{path}: exit code");
    assert_eq!(json["coverage"]["complete"], false, "{path}");
    assert_ne!(json["verdict"], "clear", "{path}");
}

#[test]
fn a_flipped_byte_in_a_jffs2_data_node_is_placed_and_the_rest_read() {
    let radio = std::fs::read(format!("{FW}/flash-root/lib/firmware/radio.bin")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // with 8 KiB erase blocks radio.bin's 4 KiB are split over two nodes (a node never crosses
    // an erase block), so the file is still listed, from the other node; with 64 KiB it is one
    // node, and the file is lost
    for (image, rest, listed_files) in [
        ("le-8k.jffs2", "; the file is read without that node", 14),
        ("be-64k.jffs2", "", 13),
    ] {
        let mut bytes = std::fs::read(format!("{FW}/out/flash/{image}")).unwrap();
        // radio.bin is random: stored uncompressed, right after its 68-byte node header
        let data = find(&bytes, &radio[..64]);
        bytes[data + 100] ^= 1;
        let path = write(&dir, image, &bytes);
        let json = inventory(&path);
        let node = data - 68;
        assert_eq!(
            warnings(&json, &path),
            [
                format!(
                    "corrupt !/lib/firmware/radio.bin: damaged member: inode node at 0x{node:x}: bad data CRC{rest}"
                ),
                format!("corrupt : jffs2 is corrupt: inode node at 0x{node:x} (inode 14): bad data CRC; dropped"),
            ],
            "{image}"
        );
        let listed = listing(&json, &format!("{path}!/"));
        assert_eq!(listed.len(), listed_files, "{image}");
        assert!(!listed.contains(&tree()[6]), "{image}: radio.bin as it was");
        assert_eq!(containers(&json, &path), [(String::new(), "jffs2".to_string(), true)]);
        never_clear(&path);
    }
}

#[test]
fn a_flipped_byte_in_a_ubifs_data_node_is_placed_and_the_rest_read() {
    let radio = std::fs::read(format!("{FW}/flash-root/lib/firmware/radio.bin")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(format!("{FW}/out/flash/ubifs-lzo.img")).unwrap();
    // radio.bin does not compress: its data node holds it as it is, after a 48-byte header
    let data = find(&bytes, &radio[..64]);
    bytes[data + 100] ^= 1;
    let path = write(&dir, "flipped.ubifs", &bytes);
    let json = inventory(&path);
    let node = data - 48;
    let at = format!("LEB {} offset 0x{:x}", node / 15360, node % 15360);
    assert_eq!(
        warnings(&json, &path),
        [
            format!(
                "corrupt !/lib/firmware/radio.bin: damaged member: leaf node at {at}: bad CRC; read without that node"
            ),
            format!("corrupt : ubifs is corrupt: leaf node at {at}: bad CRC"),
        ]
    );
    let listed = listing(&json, &format!("{path}!/"));
    assert_eq!(listed.len(), 14);
    // the file is listed with the block it lost read as a hole: not the source's hash
    let expected = tree();
    let differ: Vec<&String> = listed
        .iter()
        .zip(&expected)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| &a.0)
        .collect();
    assert_eq!(differ, ["lib/firmware/radio.bin"]);
    never_clear(&path);
}

#[test]
fn a_bad_data_crc_in_a_static_ubi_volume_is_placed() {
    // the static volume holds the SquashFS; its first LEB's data CRC covers the superblock
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = std::fs::read(format!("{FW}/out/flash/ubi.img")).unwrap();
    let sb = find(&bytes, b"hsqs");
    bytes[sb + 60] ^= 0x40;
    let path = write(&dir, "flipped.ubi", &bytes);
    let json = inventory(&path);
    let peb = sb / 16384;
    let w = warnings(&json, &path);
    assert!(
        w.contains(&format!(
            "corrupt !/firmware: damaged member: LEB 0 in PEB {peb} at 0x{sb:x}: bad data CRC (or cut short); read as it is"
        )),
        "{w:#?}"
    );
    never_clear(&path);
}

#[test]
fn a_flash_image_cut_in_half_is_incomplete_with_the_place() {
    let dir = tempfile::tempdir().unwrap();
    for &(image, kind, _) in IMAGES {
        let bytes = std::fs::read(format!("{FW}/out/flash/{image}")).unwrap();
        let path = write(&dir, image, &bytes[..bytes.len() / 2]);
        let json = inventory(&path);
        let w = warnings(&json, &path);
        assert!(
            w.iter()
                .any(|w| w.starts_with("corrupt ") && w.contains(" is corrupt: ")),
            "{image}: {w:#?}"
        );
        assert_eq!(containers(&json, &path)[0].1, kind, "{image}");
        assert!(containers(&json, &path).iter().any(|c| c.2), "{image}: nothing damaged");
        never_clear(&path);
    }
    // the places, for one of each
    let cut = |image: &str| {
        let bytes = std::fs::read(format!("{FW}/out/flash/{image}")).unwrap();
        let path = write(&dir, image, &bytes[..bytes.len() / 2]);
        warnings(&inventory(&path), &path)
    };
    assert_eq!(
        cut("ubi.img"),
        [
            "corrupt !/rootfs: damaged member: LEB 6 in PEB 8 is cut short by the end of the image",
            "corrupt !/rootfs: ubifs is corrupt: index node at LEB 13 offset 0x600: no node there",
            "corrupt : ubi is corrupt: the volume table reserves 17 PEBs of 16384 bytes, the image holds 9: \
             it is cut short (and 1 more problem)",
        ]
    );
}

#[test]
fn a_flash_image_cut_anywhere_is_incomplete_or_lost_nothing() {
    // as tests/truncation.rs does for the other containers: 8 evenly spaced cuts of each image
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for &(image, _, _) in IMAGES.iter().chain([&("camera-flash.bin", "", &[][..])]) {
        let source = format!("{FW}/out/flash/{image}");
        let bytes = std::fs::read(&source).unwrap();
        let intact = listing(&inventory(&source), &source);
        for k in 1..=8u64 {
            let cut = (bytes.len() as u64 * k / 9) as usize;
            let path = write(&dir, image, &bytes[..cut]);
            let json = inventory(&path);
            // a cut before the dump's UBI area leaves nothing of it to recognise (its signature
            // is gone): what it held is not expected
            let expected: Vec<_> = intact
                .iter()
                .filter(|f| !f.0.is_empty() && (cut >= 0x20000 + 64 || !f.0.starts_with("!/0x20000:ubi")))
                .cloned()
                .collect();
            let mut found = listing(&json, &path);
            // the dump itself, listed as a file: its hash is the cut's
            found.retain(|f| !f.0.is_empty());
            if warnings(&json, "").is_empty() && found != expected {
                failures.push(format!("{image} cut at {cut}: no warning, yet files were lost"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_images_once_only_recognised_are_read() {
    // fixtures/firmware/make.sh's two-file images (a 15 KiB-LEB UBIFS, the same in a dynamic UBI
    // volume, JFFS2 both byte orders), listed `not unpacked` before issue 14
    let passwd = sha256(b"root:x:0:0:root:/root:/bin/sh\n");
    let hello = sha256(b"hello from a small image\n");
    for (image, inner) in [
        ("ubi.img", "!/rootfs!/"),
        ("ubifs.img", "!/"),
        ("le.jffs2", "!/"),
        ("be.jffs2", "!/"),
    ] {
        let path = format!("{FW}/out/recognised/{image}");
        let json = inventory(&path);
        assert_eq!(warnings(&json, ""), Vec::<String>::new(), "{image}");
        let listed: Vec<(String, String)> = listing(&json, &format!("{path}{inner}"))
            .into_iter()
            .map(|f| (f.0, f.2))
            .collect();
        assert_eq!(
            listed,
            [
                ("etc/passwd".to_string(), passwd.clone()),
                ("hello.txt".to_string(), hello.clone())
            ],
            "{image}"
        );
    }
    // fixtures/hostile's (a static UBI volume holding an uncompressed UBIFS; JFFS2 with no clean
    // markers): the Dahua-signed client inside is found, and nothing is left unread
    let hostile = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hostile/not-unpacked");
    for (image, inner) in [("image.jffs2", "!/"), ("image.ubi", "!/rootfs!/")] {
        let path = format!("{hostile}/{image}");
        let (code, json) = run(&["audit", "--format", "json", &path]);
        assert_eq!(
            (code, json["coverage"]["complete"].as_bool()),
            (1, Some(true)),
            "{image}"
        );
        let client = format!("{path}{inner}bin/camclient.exe");
        assert!(
            json["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["entity"] == "dahua"
                    && f["verdict"] == "excluded"
                    && f["component"]["location"]["path"].as_str() == Some(client.as_str())),
            "{image}: no Dahua finding at {client}"
        );
    }
}

#[test]
fn a_damaged_first_header_does_not_hide_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let expected = tree();
    // UBI: the first erase-counter header's CRC broken; the geometry comes from the next one
    let mut ubi = std::fs::read(format!("{FW}/out/flash/ubi.img")).unwrap();
    ubi[10] ^= 1;
    let path = write(&dir, "ubi.img", &ubi);
    let json = inventory(&path);
    assert_eq!(
        warnings(&json, &path),
        ["corrupt : ubi is corrupt: erase-counter header at 0x0: bad CRC"]
    );
    assert_eq!(listing(&json, &format!("{path}!/rootfs!/")), expected);
    never_clear(&path);
    // JFFS2: the first node (a clean marker) with its length changed, so the image no longer
    // starts with a sound node: it is carved from the next one, and every file is still read
    let mut jffs2 = std::fs::read(format!("{FW}/out/flash/le-8k.jffs2")).unwrap();
    assert_eq!(&jffs2[..8], b"\x85\x19\x03\x20\x0c\x00\x00\x00");
    jffs2[4] = 0x0b;
    let path = write(&dir, "le-8k.jffs2", &jffs2);
    let json = inventory(&path);
    assert_eq!(
        containers(&json, &path),
        [("!/0xc:jffs2".to_string(), "jffs2".to_string(), false)]
    );
    assert_eq!(listing(&json, &format!("{path}!/0xc:jffs2!/")), expected);
}
