//! The flash filesystems the walker reads — CramFS (both byte orders), romfs, EROFS (plain,
//! chunked, LZ4 with compact and full indexes, LZMA) and YAFFS2 (2048+64, 4096+128 and 512+16 pages) —
//! end to end through the CLI on fixtures made by the real tools from the router's tree
//! (fixtures/firmware/make-fs.sh): each lists the same files with the same hashes as the tree
//! itself, finds the planted vendor parts, is carved out of a flash dump, and, cut or damaged,
//! is never `clear` and says where.

use assert_cmd::Command;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

const FW: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware");

/// Every image of the router's tree: (file under out/, container type).
const IMAGES: &[(&str, &str)] = &[
    ("router.le.cramfs", "cramfs"),
    ("router.be.cramfs", "cramfs"),
    ("flash-fs/router.padded.cramfs", "cramfs"),
    ("router.romfs", "romfs"),
    ("router.erofs", "erofs"),
    ("router.lz4.erofs", "erofs"),
    ("flash-fs/router.chunked.erofs", "erofs"),
    ("router.yaffs2", "yaffs2"),
    ("flash-fs/router.4k.yaffs2", "yaffs2"),
    ("flash-fs/router.kernel.yaffs2", "yaffs2"),
];

struct Run {
    code: i32,
    json: Value,
}

fn run(command: &str, path: &str) -> Run {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .args([command, "--format", "json", "-q", path])
        .output()
        .unwrap();
    Run {
        code: out.status.code().expect("killed by a signal"),
        json: serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{path}: {e}")),
    }
}

type Entry = (String, String, String, String);

/// (path inside the target, type, sha256, link) of every file under `prefix`.
fn listing(json: &Value, prefix: &str) -> BTreeSet<Entry> {
    json["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| {
            let inner = f["path"].as_str().unwrap().strip_prefix(prefix)?;
            Some((
                inner.to_string(),
                f["type"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap_or("").to_string(),
                f["link"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect()
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

/// (path, type, unpacked, damaged) of every container.
fn containers(json: &Value) -> Vec<(String, String, bool, bool)> {
    json["containers"]
        .as_array()
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|c| {
            (
                c["path"].as_str().unwrap().to_string(),
                c["type"].as_str().unwrap().to_string(),
                c["unpacked"].as_bool().unwrap(),
                c["damaged"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// The router's tree as the walker lists it from the directory, as members of an image: its
/// files, links and nested archives, and the two device nodes make-fs.sh adds (git cannot
/// store them in the committed tree).
fn tree() -> BTreeSet<Entry> {
    let root = format!("{FW}/router-root");
    let mut want: BTreeSet<Entry> = listing(&run("inventory", &root).json, &format!("{root}/"))
        .into_iter()
        .map(|(p, t, h, l)| (format!("!/{p}"), t, h, l))
        .collect();
    assert!(want.len() > 20, "router-root: run fixtures/firmware/make.sh");
    for node in ["dev/console", "dev/initctl"] {
        want.insert((format!("!/{node}"), "special".into(), String::new(), String::new()));
    }
    want
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn every_flash_image_lists_the_tree_with_the_same_hashes_and_links() {
    let want = tree();
    for &(name, kind) in IMAGES {
        let path = format!("{FW}/out/{name}");
        let run = run("inventory", &path);
        assert_eq!(run.code, 0, "{name}: {:?}", warnings(&run.json));
        assert_eq!(warnings(&run.json), Vec::<String>::new(), "{name}");
        let got = listing(&run.json, &path);
        let got: BTreeSet<Entry> = got.into_iter().filter(|e| !e.0.is_empty()).collect();
        assert_eq!(
            got.symmetric_difference(&want).collect::<Vec<_>>(),
            Vec::<&Entry>::new(),
            "{name}: files differ from the tree's"
        );
        assert!(
            containers(&run.json).contains(&(path.clone(), kind.to_string(), true, false)),
            "{name}: {:?}",
            containers(&run.json)
        );
    }
}

#[test]
fn the_planted_vendor_parts_are_found_inside_each_image() {
    for &(name, _) in IMAGES {
        let path = format!("{FW}/out/{name}");
        let run = run("audit", &path);
        assert_eq!(run.code, 1, "{name}");
        assert_eq!(run.json["verdict"], "excluded", "{name}");
        assert_eq!(run.json["coverage"]["complete"], true, "{name}");
        let excluded: BTreeSet<(String, String)> = run.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["verdict"] == "excluded")
            .filter_map(|f| {
                let at = f["component"]["location"]["path"].as_str()?;
                Some((f["entity"].as_str()?.to_string(), at.strip_prefix(&path)?.to_string()))
            })
            .collect();
        for (entity, member) in [
            ("hisilicon", "!/lib/modules/5.10.0/hi_wifi.ko"),
            ("dahua", "!/www/camclient.exe"),
            ("huawei", "!/usr/lib/opkg/status"),
        ] {
            assert!(
                excluded.contains(&(entity.to_string(), member.to_string())),
                "{name}: {entity} at {member} not found in {excluded:?}"
            );
        }
    }
}

/// What make-fs.sh writes into big.txt and mixed.bin.
fn lines(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| format!("{i:05} the quick brown fox jumps over the lazy dog\n").into_bytes())
        .collect()
}

/// big.lzma.erofs is written by make-erofs-lzma.py (Debian's mkfs.erofs has no LZMA; its layout
/// is checked by fsck.erofs on an LZ4 twin, its clusters by liblzma), from the same files.
#[test]
fn lz4_and_lzma_erofs_files_decode_through_compact_and_full_indexes() {
    let mut mixed: Vec<u8> = (0..400).flat_map(|i: u32| Sha256::digest(i.to_string())).collect();
    mixed.extend(lines(800));
    let want = BTreeSet::from([
        (
            "!/big.txt".to_string(),
            "text".to_string(),
            sha256_hex(&lines(3000)),
            String::new(),
        ),
        (
            "!/mixed.bin".to_string(),
            "data".to_string(),
            sha256_hex(&mixed),
            String::new(),
        ),
    ]);
    for name in ["big.lz4.erofs", "big.legacy.erofs", "big.lzma.erofs"] {
        let path = format!("{FW}/out/flash-fs/{name}");
        let run = run("inventory", &path);
        assert_eq!(warnings(&run.json), Vec::<String>::new(), "{name}");
        let got: BTreeSet<Entry> = listing(&run.json, &path)
            .into_iter()
            .filter(|e| !e.0.is_empty())
            .collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn yaffs2_takes_the_newest_chunks_and_leaves_deleted_objects_out() {
    let path = format!("{FW}/out/flash-fs/router.history.yaffs2");
    let run = run("inventory", &path);
    assert_eq!(warnings(&run.json), Vec::<String>::new());
    let got = listing(&run.json, &path);
    let passwd: Vec<&Entry> = got.iter().filter(|e| e.0 == "!/etc/passwd").collect();
    assert_eq!(passwd.len(), 1);
    assert_eq!(passwd[0].2, sha256_hex(b"root:x:0:0:root:/root:/bin/ash\n"));
    assert!(
        !got.iter().any(|e| e.0.starts_with("!/www/index.html")),
        "deleted file listed"
    );
    assert!(got.iter().any(|e| e.0 == "!/www/camclient.exe"));
}

#[test]
fn the_small_recognised_images_are_now_read() {
    let want = |path: &str| {
        BTreeSet::from([
            (
                format!("{path}!/etc/passwd"),
                sha256_hex(b"root:x:0:0:root:/root:/bin/sh\n"),
            ),
            (format!("{path}!/hello.txt"), sha256_hex(b"hello from a small image\n")),
        ])
    };
    for name in ["le.cramfs", "be.cramfs", "romfs.img", "erofs.img"] {
        let path = format!("{FW}/out/recognised/{name}");
        let run = run("inventory", &path);
        assert_eq!(warnings(&run.json), Vec::<String>::new(), "{name}");
        let got: BTreeSet<(String, String)> = run.json["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] != path.as_str())
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["sha256"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got, want(&path), "{name}");
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
fn each_image_inside_a_flash_dump_is_carved_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let want = tree();
    for (i, &(name, kind)) in IMAGES.iter().enumerate() {
        // a filesystem starts an erase block: 0x4200 is a whole number of 2048+64, 512+16 and
        // 4096+128 (and 16-byte) pages
        let offset = if name.contains("4k") { 0x2100 * 4 } else { 0x4200 };
        let image = std::fs::read(format!("{FW}/out/{name}")).unwrap();
        let mut dump = junk(i as u64 + 1, offset);
        dump.extend_from_slice(&image);
        dump.extend(junk(i as u64 + 100, 0x400));
        let path = dir.path().join("dump.bin").display().to_string();
        std::fs::write(&path, &dump).unwrap();
        let run = run("inventory", &path);
        let at = format!("{path}!/{offset:#x}:{kind}");
        assert!(
            containers(&run.json).contains(&(at.clone(), kind.to_string(), true, false)),
            "{name}: {:?} {:?}",
            containers(&run.json),
            warnings(&run.json)
        );
        let got: BTreeSet<Entry> = listing(&run.json, &at)
            .into_iter()
            .filter(|e| !e.0.is_empty())
            .collect();
        assert_eq!(got, want, "{name} carved at {offset:#x}");
        assert_eq!(warnings(&run.json), Vec::<String>::new(), "{name}");
    }
}

/// An audit of `bytes` written as `name`: never clear, coverage incomplete, exit 2 (or 1 when
/// an excluded part survived), and the warnings.
fn damaged(dir: &std::path::Path, name: &str, bytes: &[u8]) -> (String, Vec<String>) {
    let path = dir.join(name).display().to_string();
    std::fs::write(&path, bytes).unwrap();
    let run = run("audit", &path);
    assert_ne!(run.json["verdict"], "clear", "{name}");
    assert_eq!(run.json["coverage"]["complete"], false, "{name}");
    assert!(matches!(run.code, 1 | 2), "{name}: exit {}", run.code);
    (path, warnings(&run.json))
}

#[test]
fn a_cut_image_is_never_clear_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    for &(name, kind) in IMAGES {
        let image = std::fs::read(format!("{FW}/out/{name}")).unwrap();
        for k in 1..4 {
            let cut = image.len() * k / 4 + 5;
            let file = format!("cut-{k}-{}", name.replace('/', "-"));
            let (path, warnings) = damaged(dir.path(), &file, &image[..cut]);
            assert!(
                warnings.iter().any(|w| w.starts_with(&format!("corrupt {path}"))),
                "{name} cut at {cut}: {warnings:?}"
            );
            // the image says what it is and how it was cut
            let container = format!("corrupt {path}: {kind} is corrupt: ");
            assert!(
                warnings.iter().any(|w| w.starts_with(&container)
                    && (w.contains("cut short") || w.contains("past the end") || w.contains("not in the image"))),
                "{name} cut at {cut}: {warnings:?}"
            );
        }
    }
}

#[test]
fn damage_is_reported_at_its_place_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let read = |name: &str| std::fs::read(format!("{FW}/out/{name}")).unwrap();

    // CramFS: one byte of the image changed; the CRC-32 of the superblock catches it
    let mut image = read("router.le.cramfs");
    let last = image.len() - 1;
    image[last] ^= 0x55;
    let (path, warnings) = damaged(dir.path(), "crc.cramfs", &image);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!("corrupt {path}: cramfs is corrupt: image CRC-32 is ")),
        "{warnings:?}"
    );

    // CramFS: a superblock whose size is less than itself
    let mut image = read("router.le.cramfs");
    image[4..8].copy_from_slice(&10u32.to_le_bytes());
    let (path, warnings) = damaged(dir.path(), "size.cramfs", &image);
    assert_eq!(
        warnings,
        [format!(
            "corrupt {path}: cramfs is corrupt: the superblock says 10 bytes, less than itself"
        )]
    );

    // CramFS: hi_wifi.ko's first zlib block overwritten; the file is damaged, the others read
    let mut image = read("router.be.cramfs");
    let entry = image.windows(12).position(|w| w == b"hi_wifi.ko\0\0").unwrap() - 12;
    let offset = (u32::from_be_bytes(image[entry + 8..entry + 12].try_into().unwrap()) & 0x03ff_ffff) as usize * 4;
    let block = offset + 4; // one page: one pointer, then the block
    image[block..block + 16].fill(0xee);
    let (path, warnings) = damaged(dir.path(), "zlib.cramfs", &image);
    assert!(
        warnings.contains(&format!(
            "corrupt {path}!/lib/modules/5.10.0/hi_wifi.ko: damaged member: page 0: zlib block at byte {block} \
             does not inflate: corrupt deflate stream"
        )) || warnings.iter().any(|w| w.starts_with(&format!(
            "corrupt {path}!/lib/modules/5.10.0/hi_wifi.ko: damaged member: page 0: zlib block at byte {block}"
        ))),
        "{warnings:?}"
    );

    // romfs: hi_wifi.ko's header size changed; its checksum catches it, the rest is read
    let mut image = read("router.romfs");
    let header = image.windows(11).position(|w| w == b"hi_wifi.ko\0").unwrap() - 16;
    image[header + 11] ^= 1;
    let (path, warnings) = damaged(dir.path(), "header.romfs", &image);
    assert_eq!(
        warnings,
        [format!(
            "corrupt {path}!/lib/modules/5.10.0/hi_wifi.ko: damaged member: file header at byte {header}: \
             checksum does not match"
        )]
    );

    // romfs: a `next` pointer turned back on its own header: the loop is cut, said, not followed
    let mut image = read("router.romfs");
    let header = image.windows(12).position(|w| w == b"opkg.conf\0\0\0").unwrap() - 16;
    let next = u32::from_be_bytes(image[header..header + 4].try_into().unwrap());
    image[header..header + 4].copy_from_slice(&((header as u32) | (next & 15)).to_be_bytes());
    // keep the header's checksum: the word changed by d, the checksum word by -d
    let delta = (header as u32 | (next & 15)).wrapping_sub(next);
    let sum = u32::from_be_bytes(image[header + 12..header + 16].try_into().unwrap()).wrapping_sub(delta);
    image[header + 12..header + 16].copy_from_slice(&sum.to_be_bytes());
    let (path, warnings) = damaged(dir.path(), "loop.romfs", &image);
    assert!(
        warnings.contains(&format!(
            "corrupt {path}: romfs is corrupt: directory etc: the file header at byte {header} was already read \
             (a loop); the rest of the directory is not read"
        )),
        "{warnings:?}"
    );

    // EROFS: an LZ4 cluster of big.txt overwritten; that file is damaged, mixed.bin is read
    let mut image = read("flash-fs/big.lz4.erofs");
    image[12288..16384].fill(0xff);
    let (path, warnings) = damaged(dir.path(), "cluster.erofs", &image);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!(
            "corrupt {path}!/big.txt: damaged member: inode 40: LZ4 cluster at byte 12288 does not decode"
        )),
        "{warnings:?}"
    );

    // YAFFS2: the spare area of one of hi_wifi.ko's pages overwritten: the page is said to be
    // unreadable, the file to lack that chunk, and everything else is read
    let mut image = read("router.yaffs2");
    let page = 2048 + 64;
    let header = (0..image.len() / page)
        .find(|p| image[p * page + 10..p * page + 21] == *b"hi_wifi.ko\0")
        .unwrap();
    let data = (header + 1) * page;
    image[data + 2048..data + 2048 + 16].fill(0x5a);
    let (path, warnings) = damaged(dir.path(), "spare.yaffs2", &image);
    assert!(
        warnings.contains(&format!(
            "corrupt {path}: yaffs2 is corrupt: 1 page(s) from byte {data} hold no valid YAFFS2 tags in their \
             spare area; not read"
        )),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with(&format!(
            "corrupt {path}!/lib/modules/5.10.0/hi_wifi.ko: damaged member: object "
        )) && w.contains("data chunk 1 of 1 is not in the image")),
        "{warnings:?}"
    );
}

#[test]
fn yaffs2_is_recognised_only_by_its_structure() {
    let image = std::fs::read(format!("{FW}/out/router.yaffs2")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // the first chunk's header alone, its spare erased: no tags, no YAFFS2
    let mut lone = image[..2048].to_vec();
    lone.extend([0xffu8; 64]);
    lone.extend(&image[2112..2 * 2112]);
    let path = dir.path().join("lone").display().to_string();
    std::fs::write(&path, &lone).unwrap();
    let json = run("inventory", &path).json;
    assert!(containers(&json).is_empty(), "{:?}", containers(&json));
    // a zeroed second page: the first is not confirmed
    let mut broken = image[..2112].to_vec();
    broken.extend([0u8; 2112]);
    std::fs::write(&path, &broken).unwrap();
    let json = run("inventory", &path).json;
    assert!(containers(&json).is_empty(), "{:?}", containers(&json));
}

#[test]
fn the_hostile_corpus_images_once_not_unpacked_give_their_vendor_part() {
    let hostile = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hostile/not-unpacked");
    for name in ["image.cramfs", "image.erofs", "image.romfs"] {
        let path = format!("{hostile}/{name}");
        let run = run("audit", &path);
        assert_eq!(
            (run.code, &run.json["verdict"]),
            (1, &Value::from("excluded")),
            "{name}"
        );
        assert_eq!(run.json["coverage"]["complete"], true, "{name}");
        let found = run.json["findings"].as_array().unwrap().iter().any(|f| {
            f["verdict"] == "excluded"
                && f["entity"] == "dahua"
                && f["component"]["location"]["path"] == format!("{path}!/bin/camclient.exe").as_str()
        });
        assert!(found, "{name}: the Dahua-signed client was not found");
    }
}

#[test]
fn an_erofs_file_compressed_with_an_algorithm_not_decoded_is_not_unpacked_and_said_so() {
    // big.txt's map header (inode 40, 32-byte compact inode at byte 1280, the header 8-byte
    // aligned after it) says DEFLATE for its HEAD1 clusters: mkfs.erofs 1.5 cannot make one
    let mut image = std::fs::read(format!("{FW}/out/flash-fs/big.lz4.erofs")).unwrap();
    assert_eq!(image[1312 + 6], 0, "the header moved: run make-fs.sh's mkfs.erofs 1.5");
    image[1312 + 6] = 2;
    let dir = tempfile::tempdir().unwrap();
    let (path, warnings) = damaged(dir.path(), "deflate.erofs", &image);
    assert_eq!(
        warnings,
        [format!(
            "not-unpacked {path}!/big.txt: not unpacked: inode 40: compressed with DEFLATE \
             (algorithm 2), which this reader does not decode"
        )]
    );
    let json = run("inventory", &path).json;
    assert_eq!(containers(&json), [(path.clone(), "erofs".to_string(), true, false)]);
    assert!(listing(&json, &path).iter().any(|e| e.0 == "!/mixed.bin"));
    // LZMA in an image whose superblock configures no LZMA: the kernel refuses it, so damage
    image[1312 + 6] = 1;
    let (path, warnings) = damaged(dir.path(), "unconfigured.erofs", &image);
    assert_eq!(
        warnings,
        [format!(
            "corrupt {path}!/big.txt: damaged member: inode 40: LZMA cluster at byte 4096, but the \
             superblock has no compression configurations, so no LZMA one"
        )]
    );
}

#[test]
fn a_broken_lzma_cluster_is_one_damaged_file_and_the_other_is_read() {
    // big.lzma.erofs: block 0 the superblock, 1 the inodes, 2 the root directory, then big.txt's
    // first pcluster at byte 12288; left with one byte of stream (its properties), it cannot start
    let mut image = std::fs::read(format!("{FW}/out/flash-fs/big.lzma.erofs")).unwrap();
    image[12288..16383].fill(0);
    image[16383] = !0x5d;
    let dir = tempfile::tempdir().unwrap();
    let (path, warnings) = damaged(dir.path(), "lzma-cluster.erofs", &image);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(&format!(
            "corrupt {path}!/big.txt: damaged member: inode 1: LZMA cluster at byte 16383: cannot start \
             (properties byte 0x5d)"
        )),
        "{warnings:?}"
    );
    let json = run("inventory", &path).json;
    assert!(listing(&json, &path).iter().any(|e| e.0 == "!/mixed.bin"));
}
