//! Damaged archives (fixtures/firmware/out/damaged, made by fixtures/firmware/make.sh): every
//! piece of damage is one warning with its code, its place and its reason, and the intact
//! members beside it — among them a vendor file, lib/modules/hisi_vendor.ko — are still listed.

use assert_cmd::Command;
use serde_json::Value;
use std::time::{Duration, Instant};

const DAMAGED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out/damaged");

/// sha256 of the vendor file and of etc/first.txt, as make.sh writes them.
const VENDOR_SHA: &str = "2e42a1cd6df254fe1db5f830eb1e68e5933e76f131688d9776f634ce1f4a1cc4";
const FIRST_SHA: &str = "ca5a2de4d7cf5e7ebba39da17f22258ce141c3594e5ccce8ecb94ef6c2ed7b51";

fn inventory(args: &[&str]) -> Value {
    let out = Command::cargo_bin("vendorscan")
        .unwrap()
        .args(["inventory", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "killed by a signal");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// (path below the archive, sha256) of every file listed.
fn files(json: &Value, archive: &str) -> Vec<(String, String)> {
    let prefix = format!("{archive}!/");
    json["files"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            (
                path.strip_prefix(&prefix).unwrap_or(path).to_string(),
                f["sha256"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// (code, place, message) of every warning.
fn warnings(json: &Value) -> Vec<(String, String, String)> {
    json["warnings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap().to_string(),
                w["file"].as_str().unwrap().to_string(),
                w["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The archive's own container entry says damaged.
fn container_damaged(json: &Value, archive: &str) -> bool {
    json["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == archive)
        .and_then(|c| c["damaged"].as_bool())
        .unwrap_or(false)
}

fn pair(path: &str, sha: &str) -> (String, String) {
    (path.to_string(), sha.to_string())
}

/// One warning, checked: its code, where it is attached, and the start of its reason.
#[track_caller]
fn assert_warning(json: &Value, code: &str, place: &str, starts: &str) {
    let all = warnings(json);
    assert_eq!(all.len(), 1, "{all:#?}");
    let (c, p, m) = &all[0];
    assert_eq!((c.as_str(), p.as_str()), (code, place), "{m}");
    assert!(m.starts_with(starts), "{m}\ndoes not start with\n{starts}");
}

#[test]
fn zip_a_bad_crc_is_one_member_and_the_vendor_file_after_it_is_still_read() {
    let zip = format!("{DAMAGED}/bad-crc.zip");
    let json = inventory(&[&zip]);
    assert_eq!(
        files(&json, &zip),
        [
            pair("etc/first.txt", FIRST_SHA),
            pair("lib/modules/hisi_vendor.ko", VENDOR_SHA)
        ]
    );
    assert_warning(
        &json,
        "corrupt",
        &format!("{zip}!/etc/damaged.txt"),
        "damaged member: Stored data at bytes 106..162: Invalid checksum",
    );
    assert!(container_damaged(&json, &zip));
}

#[test]
fn zip_without_its_central_directory_is_read_from_its_local_headers() {
    let zip = format!("{DAMAGED}/truncated.zip");
    let json = inventory(&[&zip]);
    assert_eq!(
        files(&json, &zip),
        [
            pair("etc/first.txt", FIRST_SHA),
            pair("lib/modules/hisi_vendor.ko", VENDOR_SHA)
        ]
    );
    let all = warnings(&json);
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!((all[0].0.as_str(), all[0].1.as_str()), ("corrupt", zip.as_str()));
    assert!(
        all[0].2.starts_with("zip is corrupt: no usable central directory (")
            && all[0].2.contains("3 members found through their local headers"),
        "{}",
        all[0].2
    );
    assert_eq!(
        all[1],
        (
            "corrupt".to_string(),
            format!("{zip}!/etc/big.bin"),
            "damaged member: data (bytes 207..3207) runs past the end of the archive (1207 bytes)".to_string()
        )
    );
    assert!(container_damaged(&json, &zip));
}

#[test]
fn zip_entries_sharing_one_body_stop_at_the_first_overlap() {
    let zip = format!("{DAMAGED}/overlap.zip");
    let json = inventory(&[&zip]);
    let listed = files(&json, &zip);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[1], pair("lib/modules/hisi_vendor.ko", VENDOR_SHA));
    // the first entry on the shared body is read once (zeros.bin's 256 KiB of zeros)
    assert_eq!(listed[0].0, "bomb/00.bin");
    assert_warning(
        &json,
        "corrupt",
        &format!("{zip}!/bomb/01.bin"),
        "damaged member: overlapping entries: member 2's data (bytes 105..415) overlaps member 1's \
         (bytes 105..415); a body read more than once is a zip bomb, the remaining 7 entries are not read",
    );
}

/// A zip of `entries` central-directory entries that all point at one local header and its
/// deflate body (1 MiB of sixteen-symbol noise, well within the ratio limit): the shape that
/// decodes the body once per entry, 50 GB for 50,000 entries.
fn shared_body_bomb(entries: u16) -> Vec<u8> {
    use std::io::Write;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let plain: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state & 0x0f) as u8
        })
        .collect();
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&plain).unwrap();
    let body = encoder.finish().unwrap();
    let mut crc = flate2::Crc::new();
    crc.update(&plain);
    let (crc, csize, usize_) = (crc.sum(), body.len() as u32, plain.len() as u32);
    let mut z = Vec::new();
    let name = b"kernel.bin";
    // local header: signature, version, flags, method 8, time, date, crc, sizes, name, extra
    z.extend_from_slice(b"PK\x03\x04");
    for v in [20u16, 0, 8, 0, 0x21] {
        z.extend_from_slice(&v.to_le_bytes());
    }
    for v in [crc, csize, usize_] {
        z.extend_from_slice(&v.to_le_bytes());
    }
    z.extend_from_slice(&(name.len() as u16).to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z.extend_from_slice(name);
    z.extend_from_slice(&body);
    let cd_start = z.len() as u32;
    for i in 0..entries {
        let name = format!("f{i:05}");
        z.extend_from_slice(b"PK\x01\x02");
        for v in [20u16, 20, 0, 8, 0, 0x21] {
            z.extend_from_slice(&v.to_le_bytes());
        }
        for v in [crc, csize, usize_] {
            z.extend_from_slice(&v.to_le_bytes());
        }
        for v in [name.len() as u16, 0, 0, 0, 0] {
            z.extend_from_slice(&v.to_le_bytes());
        }
        z.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        z.extend_from_slice(&0u32.to_le_bytes()); // local header offset: the same for all
        z.extend_from_slice(name.as_bytes());
    }
    let cd_size = z.len() as u32 - cd_start;
    z.extend_from_slice(b"PK\x05\x06");
    for v in [0u16, 0, entries, entries] {
        z.extend_from_slice(&v.to_le_bytes());
    }
    z.extend_from_slice(&cd_size.to_le_bytes());
    z.extend_from_slice(&cd_start.to_le_bytes());
    z.extend_from_slice(&0u16.to_le_bytes());
    z
}

#[test]
fn a_fifty_thousand_entry_overlapping_bomb_ends_in_seconds_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.zip");
    std::fs::write(&path, shared_body_bomb(50_000)).unwrap();
    let zip = path.to_str().unwrap();
    let started = Instant::now();
    let json = inventory(&[zip]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // the body is read once, under the first entry's name
    let listed = files(&json, zip);
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].0, "f00000");
    assert_warning(
        &json,
        "corrupt",
        &format!("{zip}!/f00001"),
        "damaged member: overlapping entries: member 1's data (bytes 0..",
    );
    let message = &warnings(&json)[0].2;
    assert!(
        message.ends_with("the remaining 49999 entries are not read"),
        "{message}"
    );
}

#[test]
fn zip_an_over_ratio_member_names_the_ratio_limit() {
    let zip = format!("{DAMAGED}/ratio.zip");
    let json = inventory(&["--max-ratio", "10", &zip]);
    assert_eq!(files(&json, &zip), [pair("lib/modules/hisi_vendor.ko", VENDOR_SHA)]);
    assert_warning(
        &json,
        "limit-exceeded",
        &format!("{zip}!/zeros.bin"),
        "member of 262144 bytes from 271 compressed is over the --max-ratio limit (10); not read",
    );
    // under the member limit instead, it is that limit that is named
    let json = inventory(&["--max-member-bytes", "100000", &zip]);
    assert_warning(
        &json,
        "limit-exceeded",
        &format!("{zip}!/zeros.bin"),
        "member of 262144 bytes is over the --max-member-bytes limit (100000); not read",
    );
}

#[test]
fn tar_cut_inside_a_member_names_it_and_the_byte() {
    let tar = format!("{DAMAGED}/truncated-data.tar");
    let json = inventory(&[&tar]);
    assert_eq!(
        files(&json, &tar),
        [
            pair("etc/first.txt", FIRST_SHA),
            pair("lib/modules/hisi_vendor.ko", VENDOR_SHA)
        ]
    );
    assert_warning(
        &json,
        "corrupt",
        &format!("{tar}!/etc/big.bin"),
        "damaged member: the archive ends at byte 3560, inside this member's 3000 bytes of data (from byte 2560)",
    );
    assert!(container_damaged(&json, &tar));
}

#[test]
fn tar_cut_inside_a_header_or_at_a_member_boundary_is_reported() {
    for (name, place, reason) in [
        (
            "truncated-header.tar",
            "",
            "tar is corrupt: the archive ends at byte 2248, inside the header that begins at byte 2048",
        ),
        (
            "no-end.tar",
            "",
            "tar is corrupt: the archive ends at byte 2048 without its end-of-archive block",
        ),
    ] {
        let tar = format!("{DAMAGED}/{name}");
        let json = inventory(&[&tar]);
        assert_eq!(
            files(&json, &tar),
            [
                pair("etc/first.txt", FIRST_SHA),
                pair("lib/modules/hisi_vendor.ko", VENDOR_SHA)
            ],
            "{name}"
        );
        assert_warning(&json, "corrupt", &format!("{tar}{place}"), reason);
        assert!(container_damaged(&json, &tar), "{name}");
    }
}

#[test]
fn tar_a_bad_header_checksum_is_reported_and_reading_resumes_after_it() {
    let tar = format!("{DAMAGED}/bad-checksum.tar");
    let json = inventory(&[&tar]);
    assert_eq!(
        files(&json, &tar),
        [
            pair("etc/first.txt", FIRST_SHA),
            pair("lib/modules/hisi_vendor.ko", VENDOR_SHA)
        ]
    );
    assert_warning(
        &json,
        "corrupt",
        &format!("{tar}!/etc/damaged.txt"),
        "damaged member: damaged header at byte 1024 (archive header checksum mismatch); read on from \
         the next valid header, at byte 2048",
    );
}

#[test]
fn cpio_a_size_past_the_end_is_reported_and_the_next_member_found() {
    let cpio = format!("{DAMAGED}/liar.cpio");
    let json = inventory(&[&cpio]);
    assert_eq!(
        files(&json, &cpio),
        [
            pair("etc/first.txt", FIRST_SHA),
            pair("lib/modules/hisi_vendor.ko", VENDOR_SHA)
        ]
    );
    assert_warning(
        &json,
        "corrupt",
        &format!("{cpio}!/etc/damaged.txt"),
        "damaged member: declares 4294967040 bytes of data at byte 272, but the archive ends 752 bytes later",
    );
    assert!(container_damaged(&json, &cpio));
}

#[test]
fn cpio_truncated_names_the_member_and_the_byte() {
    let cpio = format!("{DAMAGED}/truncated.cpio");
    let json = inventory(&[&cpio]);
    assert_eq!(
        files(&json, &cpio),
        [
            pair("etc/first.txt", FIRST_SHA),
            pair("lib/modules/hisi_vendor.ko", VENDOR_SHA)
        ]
    );
    assert_warning(
        &json,
        "corrupt",
        &format!("{cpio}!/etc/big.bin"),
        "damaged member: declares 3000 bytes of data at byte 460, but the archive ends 998 bytes later",
    );
}

#[test]
fn ar_truncated_names_the_member_and_the_byte() {
    let ar = format!("{DAMAGED}/truncated.a");
    let json = inventory(&[&ar]);
    assert_eq!(
        files(&json, &ar),
        [pair("first.txt", FIRST_SHA), pair("hisi_vendor.ko", VENDOR_SHA)]
    );
    assert_warning(
        &json,
        "corrupt",
        &format!("{ar}!/big.bin"),
        "damaged member: declares 3000 bytes of data at byte 256, but the archive ends 1000 bytes later",
    );
    assert!(container_damaged(&json, &ar));
}

#[test]
fn no_damaged_fixture_gives_a_warning_without_a_reason() {
    for entry in std::fs::read_dir(DAMAGED).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("ratio.zip") {
            continue; // intact: over the ratio only under a lower --max-ratio
        }
        let json = inventory(&[path.to_str().unwrap()]);
        let all = warnings(&json);
        assert!(!all.is_empty(), "{}: no warning", path.display());
        for (_, _, message) in all {
            let reason = message.rsplit_once(": ").map_or(message.as_str(), |(_, r)| r);
            assert!(!reason.trim().is_empty(), "{}: {message}", path.display());
        }
    }
}
