//! Carving: finding containers embedded at any offset of a blob that is none of the known types
//! as a whole — a raw flash dump, a vendor update file — the way binwalk does, and walking each.
//!
//! Each signature is confirmed before it is trusted (a SquashFS superblock's version and size, a
//! uImage header's checksum, a gzip header's method and flags), and a confirmed region whose
//! extent is known is skipped past, so its contents are not carved a second time.

use super::detect::{is_cramfs, is_jffs2, is_lzip, Kind, EROFS_MAGIC};
use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::OnceLock;

/// A region found inside a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub offset: usize,
    pub kind: Kind,
    /// Bytes the region spans, when its header says; otherwise it runs to the blob's end and
    /// the reader finds its own end.
    pub len: Option<usize>,
}

/// Each signature, the type it starts, and how far into that type's header it lies (EROFS's
/// superblock magic is 1024 bytes in).
const SIGNATURES: &[(&[u8], Kind, usize)] = &[
    (b"hsqs", Kind::SquashFs, 0),
    (b"\x27\x05\x19\x56", Kind::UImage, 0),
    (b"\x1f\x8b\x08", Kind::Gzip, 0),
    (b"\xfd7zXZ\x00", Kind::Xz, 0),
    (b"\x28\xb5\x2f\xfd", Kind::Zstd, 0),
    (b"BZh", Kind::Bzip2, 0),
    (b"070701", Kind::Cpio, 0),
    (b"\xd0\x0d\xfe\xed", Kind::Fdt, 0),
    (b"PK\x03\x04", Kind::Zip, 0),
    // each confirmed by a checksum or a long signature
    (b"7z\xbc\xaf\x27\x1c", Kind::SevenZip, 0),
    (b"UBI#\x01", Kind::Ubi, 0),
    (b"Compressed ROMFS", Kind::CramFs, 16),
    (b"-rom1fs-", Kind::RomFs, 0),
    (EROFS_MAGIC, Kind::Erofs, 1024),
    (b"LZIP", Kind::Lzip, 0),
    (b"\x89LZO\x00\r\n\x1a\n", Kind::Lzop, 0),
    // JFFS2 nodes, either byte order: two bytes, each confirmed by the node header's CRC-32 (so a
    // JFFS2 image whose first node is damaged is still read from its next node)
    (b"\x85\x19", Kind::Jffs2, 0),
    (b"\x19\x85", Kind::Jffs2, 0),
    // YAFFS2 has no magic: an object header under the root (type 1-5, parent 1), confirmed by
    // its spare area's tags and the next chunk, at the start of a page
    (b"\x01\x00\x00\x00\x01\x00\x00\x00", Kind::Yaffs2, 0),
    (b"\x02\x00\x00\x00\x01\x00\x00\x00", Kind::Yaffs2, 0),
    (b"\x03\x00\x00\x00\x01\x00\x00\x00", Kind::Yaffs2, 0),
    (b"\x04\x00\x00\x00\x01\x00\x00\x00", Kind::Yaffs2, 0),
    (b"\x05\x00\x00\x00\x01\x00\x00\x00", Kind::Yaffs2, 0),
];

/// One automaton over every signature, built once: a blob is scanned in a single pass however
/// many signatures there are (it was one `memmem` pass per signature). Overlapping matches are
/// reported, so a signature starting inside another one's bytes is not missed.
fn automaton() -> &'static AhoCorasick {
    static AUTOMATON: OnceLock<AhoCorasick> = OnceLock::new();
    AUTOMATON.get_or_init(|| {
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(SIGNATURES.iter().map(|s| s.0))
            .unwrap_or_else(|e| unreachable!("the fixed signatures form an automaton: {e}"))
    })
}

/// Every confirmed region at an offset above zero, in order, none inside another.
pub fn carve(bytes: &[u8]) -> Vec<Region> {
    let mut regions = Vec::new();
    let mut next_free = 0usize;
    // Matches arrive ordered by their end; with signatures of different lengths a shorter one may
    // end first yet start later, so they are sorted by start before confirming.
    let mut hits: Vec<(usize, Kind)> = Vec::new();
    for m in automaton().find_overlapping_iter(bytes) {
        let (_, kind, into) = SIGNATURES[m.pattern().as_usize()];
        match m.start().checked_sub(into) {
            // a CramFS after a 512-byte boot sector counts its offsets from the sector's start
            Some(start)
                if kind == Kind::CramFs && start >= 512 && super::containers::cramfs::padded(&bytes[start..]) =>
            {
                hits.push((start - 512, kind));
            }
            // YAFFS2's patterns are common in data (arrays of small integers): only a confirmed
            // filesystem at a 16-byte boundary (every page size is a multiple) is kept
            Some(start) if kind == Kind::Yaffs2 => {
                let sound =
                    start > 0 && start.is_multiple_of(16) && super::containers::yaffs2::carved(bytes, start).is_some();
                if sound {
                    hits.push((start, kind));
                }
            }
            Some(start) if start > 0 => hits.push((start, kind)),
            _ => {}
        }
    }
    hits.sort_unstable_by_key(|h| h.0);
    for (offset, kind) in hits {
        if offset < next_free {
            continue;
        }
        let confirmed = match kind {
            Kind::Yaffs2 => super::containers::yaffs2::carved(bytes, offset).map(Some),
            _ => confirm(&bytes[offset..], kind),
        };
        if let Some(len) = confirmed {
            // A device tree with images is a FIT, and is named so in its path.
            let kind = match (kind, len) {
                (Kind::Fdt, Some(len))
                    if bytes
                        .get(offset..offset + len)
                        .is_some_and(super::containers::fit::is_fit) =>
                {
                    Kind::Fit
                }
                _ => kind,
            };
            regions.push(Region { offset, kind, len });
            next_free = match len {
                Some(len) => offset + len,
                // a stream with no stated length: nothing after it is carved
                None => bytes.len(),
            };
        }
    }
    regions
}

/// `Some(extent)` when the bytes really start a `kind`; the extent is `None` when unknown.
fn confirm(b: &[u8], kind: Kind) -> Option<Option<usize>> {
    let be32 = |at: usize| b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
    match kind {
        Kind::SquashFs => {
            // superblock: version 4.0 at 28, bytes_used (u64 LE) at 40
            let major = u16::from_le_bytes([*b.get(28)?, *b.get(29)?]);
            let used = u64::from_le_bytes(b.get(40..48)?.try_into().ok()?);
            (major == 4 && used >= 96 && used <= b.len() as u64).then_some(Some(used as usize))
        }
        Kind::UImage => {
            let header = b.get(..64)?;
            let mut zeroed = header.to_vec();
            zeroed[4..8].fill(0);
            let size = be32(12)? as usize;
            (crc32(&zeroed) == be32(4)? && 64 + size <= b.len()).then_some(Some(64 + size))
        }
        Kind::Fdt => {
            let total = be32(4)? as usize;
            let version = be32(20)?;
            if !((16..=17).contains(&version) && (40..=b.len()).contains(&total)) {
                return None;
            }
            // A FIT's external images lie after the tree: the region runs to the last of them.
            Some(Some(super::containers::fit::extent(b).unwrap_or(total)))
        }
        Kind::Gzip => {
            // method 8 (deflate) is in the signature; reserved flag bits must be clear
            let flags = *b.get(3)?;
            (flags & 0xe0 == 0).then_some(None)
        }
        Kind::Xz | Kind::Zstd | Kind::Zip => Some(None),
        Kind::Bzip2 => {
            let level = *b.get(3)?;
            (b"123456789".contains(&level) && b.get(4..10)? == b"\x31\x41\x59\x26\x53\x59").then_some(None)
        }
        Kind::Cpio => b.get(6..14)?.iter().all(u8::is_ascii_hexdigit).then_some(None),
        Kind::SevenZip => {
            // start header: the next header's offset and size (u64 LE each) and its CRC, under
            // their own CRC at byte 8
            let le = |at: usize| -> Option<u64> { Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?)) };
            let crc = u32::from_le_bytes(b.get(8..12)?.try_into().ok()?);
            let end = le(12)?.checked_add(le(20)?)?.checked_add(32)?;
            (crc32(b.get(12..32)?) == crc && end <= b.len() as u64).then_some(Some(end as usize))
        }
        Kind::Ubi => {
            // erase counter header: 64 bytes, CRC-32 (initial all ones, not inverted) at 60
            let h = b.get(..64)?;
            (crc32_raw(!0, &h[..60]) == be32(60)?).then_some(None)
        }
        Kind::CramFs => {
            // the superblock at 0, or at 512 after a boot sector
            let at = [0, 512].into_iter().find(|&at| is_cramfs(b, at))?;
            // the size at byte 4, in the magic's byte order
            let raw: [u8; 4] = b.get(at + 4..at + 8)?.try_into().ok()?;
            let size = if b[at] == 0x45 {
                u32::from_le_bytes(raw)
            } else {
                u32::from_be_bytes(raw)
            } as usize;
            (64..=b.len()).contains(&size).then_some(Some(size))
        }
        Kind::RomFs => {
            // full size at 8; the first 512 bytes (or all, when fewer) sum to zero as u32 BE
            let size = be32(8)? as usize;
            if !(32..=b.len()).contains(&size) {
                return None;
            }
            let sum = b[..size.min(512)].chunks_exact(4).fold(0u32, |s, w| {
                s.wrapping_add(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
            });
            (sum == 0).then_some(Some(size))
        }
        Kind::Erofs => {
            // block size bits at 1036, blocks (u32 LE) at 1060: the image's extent
            let bits = u32::from(*b.get(1036)?);
            let blocks = u64::from(u32::from_le_bytes(b.get(1060..1064)?.try_into().ok()?));
            if !(9..=16).contains(&bits) {
                return None;
            }
            let size = blocks << bits;
            (size >= 2048 && size <= b.len() as u64).then_some(Some(size as usize))
        }
        Kind::Lzip => is_lzip(b).then_some(None),
        Kind::Jffs2 => is_jffs2(b).then_some(None),
        Kind::Lzop => {
            // version (u16 BE) at 9: lzop 0.x and 1.x
            let version = u16::from_be_bytes([*b.get(9)?, *b.get(10)?]);
            (0x0900..0x2000).contains(&version).then_some(None)
        }
        _ => None,
    }
}

/// CRC-32 (IEEE), as uImage headers use; small enough not to need a crate here.
pub fn crc32(bytes: &[u8]) -> u32 {
    !crc32_raw(!0, bytes)
}

/// The same polynomial from register value `init`, with no final inversion: JFFS2 starts from
/// zero, UBI from all ones.
pub fn crc32_raw(init: u32, bytes: &[u8]) -> u32 {
    let mut crc = init;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn unconfirmed_signatures_are_not_regions() {
        let mut blob = vec![0u8; 256];
        blob[10..14].copy_from_slice(b"hsqs"); // no valid superblock behind it
        blob[100..103].copy_from_slice(b"BZh"); // no block magic
        assert!(carve(&blob).is_empty());
    }

    #[test]
    fn a_signature_inside_another_signature_is_found() {
        // "BZh" then "sqs": the bzip2 guess fails its block magic, the SquashFS one behind it
        // (sharing the "h") is still tried and confirmed.
        let mut blob = vec![0u8; 300];
        blob[20..23].copy_from_slice(b"BZh");
        blob[22..26].copy_from_slice(b"hsqs");
        blob[22 + 28] = 4; // version 4.0
        blob[22 + 40] = 200; // bytes used
        assert_eq!(
            carve(&blob),
            [Region {
                offset: 22,
                kind: Kind::SquashFs,
                len: Some(200)
            }]
        );
    }

    #[test]
    fn signatures_inside_their_header_start_the_region_before_them() {
        // EROFS: the magic 1024 bytes in, 4 KiB blocks, 1 block
        let mut blob = vec![0x55u8; 0x3000];
        let at = 0x1000;
        blob[at..at + 2048].fill(0);
        blob[at + 1024..at + 1028].copy_from_slice(EROFS_MAGIC);
        blob[at + 1036] = 12;
        blob[at + 1060] = 1;
        assert_eq!(
            carve(&blob),
            [Region {
                offset: at,
                kind: Kind::Erofs,
                len: Some(4096)
            }]
        );
        // the same magic too close to the start to have its superblock's first 1024 bytes
        assert!(carve(&blob[at + 512..]).is_empty());
    }

    #[test]
    fn unconfirmed_recognised_signatures_are_not_regions() {
        let mut blob = vec![0u8; 512];
        blob[16..22].copy_from_slice(b"7z\xbc\xaf\x27\x1c"); // start header CRC wrong
        blob[64..69].copy_from_slice(b"UBI#\x01"); // header CRC wrong
        blob[200..216].copy_from_slice(b"Compressed ROMFS"); // no magic before it
        blob[300..308].copy_from_slice(b"-rom1fs-"); // size 0
        assert!(carve(&blob).is_empty());
    }

    #[test]
    fn a_gzip_stream_at_an_odd_offset_is_found() {
        let mut blob = vec![0xaau8; 1001];
        blob.extend_from_slice(&[0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3]);
        assert_eq!(
            carve(&blob),
            [Region {
                offset: 1001,
                kind: Kind::Gzip,
                len: None
            }]
        );
    }
}
