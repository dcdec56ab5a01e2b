//! The compression and archive formats read last — lzip, Unix compress (.Z), lzop, SquashFS with
//! LZ4 and LZO blocks, 7z — end to end through the CLI (fixtures/firmware/out/compress, made from
//! fixtures/firmware/flash-root by make-compress.sh with the real Debian tools): each lists the same
//! files with the same hashes as the directory; the planted HiSilicon module is found in each; a
//! copy cut short (built here) is `incomplete`, says where, and keeps what decoded before the cut;
//! and a byte flipped anywhere never panics. For 7z also: members out by their virtual paths
//! (`ls`, `extract`), an encrypted archive and a PPMd one `incomplete` naming each member, a block
//! over `--max-ratio`, a 7z carved from a dump, and mutated or truncated archives read through the
//! library under an allocator that measures them (never a panic, never more memory than the
//! reader's documented bound).

mod common;

use assert_cmd::Command;
use common::{inventory, listing, run, warnings, FW};
use serde_json::Value;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

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
    ("tree.7z", "7z", "!/"),
    ("tree.solid.7z", "7z", "!/"),
    ("tree.deflate.7z", "7z", "!/"),
    ("tree.bzip2.7z", "7z", "!/"),
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
        // its checksum checked, so nothing of it is kept; and in SquashFS and 7z, whose tables
        // are at the end: a cut image has no directory left to list
        if kind == "lzop" || kind == "squashfs" || kind == "7z" {
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

const C: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out/compress");

#[test]
fn a_7z_holds_empty_files_and_links_and_skips_directories() {
    let path = format!("{C}/small.7z");
    let json = inventory(&path);
    assert_eq!(warnings(&json, ""), Vec::<String>::new());
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let listed: Vec<(String, String, String)> = listing(&json, &format!("{path}!/"))
        .into_iter()
        .map(|(p, _, sha, link)| (p, sha, link))
        .collect();
    let data = listed.iter().find(|f| f.0 == "sub/data.txt").unwrap().1.clone();
    assert_eq!(
        listed,
        [
            ("empty.txt".to_string(), empty.to_string(), String::new()),
            ("link".to_string(), String::new(), "sub/data.txt".to_string()),
            ("sub/data.txt".to_string(), data, String::new()),
        ]
    );
}

#[test]
fn a_7z_member_comes_out_by_its_virtual_path() {
    let dir = std::path::Path::new(C);
    let vs = |args: &[&str]| {
        Command::cargo_bin("vendorscan")
            .unwrap()
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap()
    };
    let out = vs(&["ls", "--format", "json", "tree.solid.7z"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let module = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["path"] == format!("tree.solid.7z!/{MODULE}"))
        .unwrap_or_else(|| panic!("{listed}"));
    let out = vs(&[
        "extract",
        "tree.solid.7z",
        &format!("tree.solid.7z!/{MODULE}"),
        "-o",
        "-",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let original = std::fs::read(format!("{FW}/flash-root/{MODULE}")).unwrap();
    assert_eq!(out.stdout, original);
    assert_eq!(module["size"].as_u64(), Some(original.len() as u64));
}

#[test]
fn an_encrypted_7z_is_incomplete_and_names_each_member() {
    let expected = tree();
    for (image, reason) in [
        ("tree.enc.7z", "not unpacked: encrypted (7z AES-256); not decrypted"),
        (
            "tree.ppmd.7z",
            "not unpacked: compressed with PPMD (7z method id 030401), which this reader does not decode",
        ),
    ] {
        let path = format!("{C}/{image}");
        let (code, json) = run(&["audit", "--format", "json", &path]);
        assert_eq!((code, json["verdict"].as_str()), (2, Some("incomplete")), "{image}");
        assert!(!json["containers"][0]["damaged"].as_bool().unwrap_or(false), "{image}");
        // every regular file is named unread; the links, which 7-Zip stores unencrypted only
        // when they hold no data, are not files
        let files: Vec<String> = expected
            .iter()
            .filter(|f| f.3.is_empty())
            .map(|f| format!("not-unpacked !/{}: {reason}", f.0))
            .collect();
        let warned = warnings(&json, &path);
        for file in &files {
            assert!(warned.contains(file), "{image}: {file} not in {warned:?}");
        }
        assert!(
            warned.iter().all(|w| w.starts_with("not-unpacked ")),
            "{image}: {warned:?}"
        );
    }
}

#[test]
fn a_7z_block_over_the_ratio_is_a_limit_and_its_neighbour_is_read() {
    let path = format!("{C}/zeros.7z");
    let (code, json) = run(&["audit", "--format", "json", &path]);
    assert_eq!((code, json["verdict"].as_str()), (2, Some("incomplete")));
    let warned = warnings(&json, &path);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].starts_with("limit-exceeded !/zeros.bin: member of 1048576 bytes from ")
            && warned[0].ends_with("compressed is over the --max-ratio limit (1000); not read"),
        "{warned:?}"
    );
    assert_eq!(
        listing(&inventory(&path), &format!("{path}!/"))
            .iter()
            .map(|f| f.0.as_str())
            .collect::<Vec<_>>(),
        ["note.txt"]
    );
    let (code, json) = run(&["audit", "--format", "json", "--max-ratio", "100000", &path]);
    assert_eq!((code, json["verdict"].as_str()), (0, Some("clear")), "{json}");
}

#[test]
fn a_7z_inside_a_dump_is_carved_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut dump: Vec<u8> = (0..0x2000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    dump.extend(std::fs::read(format!("{C}/tree.solid.7z")).unwrap());
    dump.extend((0..0x400u32).map(|i| (i.wrapping_mul(40503) >> 8) as u8));
    let path = dir.path().join("flash.bin").display().to_string();
    std::fs::write(&path, &dump).unwrap();
    let json = inventory(&path);
    assert_eq!(warnings(&json, ""), Vec::<String>::new());
    assert_eq!(listing(&json, &format!("{path}!/0x2000:7z!/")), tree());
}

/// Bytes allocated and not yet freed on this thread, and the most there were: the 7z reader runs
/// on the test's own thread (one decoder thread, no rayon), so its peak is measured alone.
struct Measured;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Measured {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|live| {
            let now = live.get() + layout.size();
            live.set(now);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        });
        // SAFETY: the layout is the caller's, passed on unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE.try_with(|live| live.set(live.get().saturating_sub(layout.size())));
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static MEASURED: Measured = Measured;

/// Reads `bytes` as a 7z with a 1 MiB member limit: what it handed over, and the peak bytes
/// allocated meanwhile above what was live before.
fn read_7z(bytes: &[u8]) -> (usize, usize) {
    use std::ops::ControlFlow;
    use vendorscan::firmware::containers::{sevenz, Member};
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let mut members = 0;
    let _ = sevenz::read(bytes, 1 << 20, 1000, &mut |m: Member<'_>| {
        members += 1;
        drop(m);
        ControlFlow::Continue(())
    });
    (members, PEAK.with(Cell::get) - base)
}

mod mutated {
    use super::*;
    use proptest::prelude::*;

    fn fixture(i: usize) -> Vec<u8> {
        let name = ["small.7z", "tree.solid.7z", "tree.7z", "zeros.7z", "tree.enc.7z"][i];
        std::fs::read(format!("{C}/{name}")).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Flipped bytes anywhere, more often in the header at the end, and cuts: never a panic
        /// (the reader catches the crate's own), and never more memory than the documented bound
        /// (about 150 bytes for each byte of header read, the header being at most
        /// `header_cap` bytes, plus the member limit twice over).
        #[test]
        fn mutated_and_truncated_7z_never_panic_nor_allocate_beyond_the_bound(
            which in 0usize..5,
            flips in proptest::collection::vec((any::<bool>(), any::<usize>(), 1u8..=255), 0..6),
            cut in proptest::option::of(any::<usize>()),
        ) {
            let mut bytes = fixture(which);
            let len = bytes.len();
            for (from_end, at, xor) in flips {
                let at = if from_end { len - 1 - at % len.min(300) } else { at % len };
                bytes[at] ^= xor;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut % (len + 1));
            }
            let (_, peak) = read_7z(&bytes);
            let bound = 150 * vendorscan::firmware::containers::sevenz::header_cap(bytes.len() as u64) as usize
                + (2 << 20);
            prop_assert!(peak <= bound, "peak {peak} over {bound}");
        }
    }

    #[test]
    fn an_intact_archive_is_read_within_the_bound_too() {
        let (members, peak) = read_7z(&fixture(1));
        assert_eq!(members, 14);
        assert!(peak < 8 << 20, "{peak}");
    }
}
