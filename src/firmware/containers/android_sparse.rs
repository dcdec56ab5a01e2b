//! Android sparse images (`system.img`, `vendor.img`, `userdata.img` as fastboot flashes them):
//! a header and chunks — raw blocks, blocks of a repeated 4-byte pattern, blocks not cared about,
//! CRC-32 checkpoints — expanded into the partition image they describe and handed over as one
//! member, `image`, for the walker to detect (ext4, EROFS, SquashFS…).
//!
//! The expanded size (block size × block count, from the header) is checked against the member
//! limit before anything is allocated. Blocks not cared about are zero, as `simg2img` writes
//! them. CRC-32 checkpoints are not verified: each covers everything before it, so checking them
//! would cost a pass over the image per chunk. When a chunk is broken, the image expanded so far
//! is still handed over (the filesystem's start is usually intact) before the error is returned.

use super::{Corrupt, Member, Visit};
use std::borrow::Cow;

const MAGIC: &[u8; 4] = b"\x3a\xff\x26\xed";
const FILE_HEADER_LEN: usize = 28;
const CHUNK_HEADER_LEN: usize = 12;
const RAW: u16 = 0xcac1;
const FILL: u16 = 0xcac2;
const DONT_CARE: u16 = 0xcac3;
const CRC32: u16 = 0xcac4;

/// The header fields the expansion needs.
struct Header {
    file_header_len: usize,
    chunk_header_len: usize,
    block_size: u64,
    blocks: u64,
    chunks: u32,
}

fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn header(bytes: &[u8]) -> Result<Header, Corrupt> {
    let h = bytes
        .get(..FILE_HEADER_LEN)
        .filter(|h| h.starts_with(MAGIC))
        .ok_or_else(|| Corrupt("sparse header cut short".to_string()))?;
    let major = le16(h, 4);
    if major != 1 {
        return Err(Corrupt(format!("sparse format version {major} is not 1")));
    }
    let header = Header {
        file_header_len: usize::from(le16(h, 8)),
        chunk_header_len: usize::from(le16(h, 10)),
        block_size: u64::from(le32(h, 12)),
        blocks: u64::from(le32(h, 16)),
        chunks: le32(h, 20),
    };
    if header.file_header_len < FILE_HEADER_LEN || header.chunk_header_len < CHUNK_HEADER_LEN {
        return Err(Corrupt(format!(
            "header lengths {} and {} are below the format's {FILE_HEADER_LEN} and {CHUNK_HEADER_LEN}",
            header.file_header_len, header.chunk_header_len
        )));
    }
    if header.block_size == 0 || !header.block_size.is_multiple_of(4) {
        return Err(Corrupt(format!(
            "block size {} is not a positive multiple of 4",
            header.block_size
        )));
    }
    Ok(header)
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let h = header(bytes)?;
    let name = b"image".to_vec();
    let size = h
        .block_size
        .checked_mul(h.blocks)
        .ok_or_else(|| Corrupt("image size overflows".to_string()))?;
    if size > limit {
        let _ = visit(Member::TooBig { name, size });
        return Ok(());
    }
    let len = usize::try_from(size).map_err(|_| Corrupt(format!("image of {size} bytes cannot be held")))?;
    let mut image = Vec::new();
    image
        .try_reserve_exact(len)
        .map_err(|_| Corrupt(format!("image of {size} bytes cannot be held")))?;
    image.resize(len, 0);
    let (filled, result) = expand(bytes, &h, &mut image);
    if result.is_ok() || filled > 0 {
        let _ = visit(Member::File {
            name,
            data: Cow::Owned(image),
        });
    }
    result
}

/// Writes every chunk into `image` (zeroed, of the full size); returns the blocks covered and
/// whether the chunks were sound and covered the whole image.
fn expand(bytes: &[u8], h: &Header, image: &mut [u8]) -> (u64, Result<(), Corrupt>) {
    let mut pos = h.file_header_len;
    let mut block = 0u64;
    for i in 0..h.chunks {
        let step = chunk(bytes, h, pos, block, image).map_err(|e| Corrupt(format!("chunk {i}: {e}")));
        match step {
            Ok((next, covered)) => {
                pos = next;
                block += covered;
            }
            Err(e) => return (block, Err(e)),
        }
    }
    if block != h.blocks {
        return (
            block,
            Err(Corrupt(format!("chunks cover {block} of {} blocks", h.blocks))),
        );
    }
    (block, Ok(()))
}

/// Expands the chunk at `pos` into `image` from block `block`; returns where the next chunk
/// starts and how many blocks this one covered.
fn chunk(bytes: &[u8], h: &Header, pos: usize, block: u64, image: &mut [u8]) -> Result<(usize, u64), String> {
    let head = pos
        .checked_add(CHUNK_HEADER_LEN)
        .and_then(|end| bytes.get(pos..end))
        .ok_or("header lies past the end of the file")?;
    let (kind, blocks, total) = (le16(head, 0), u64::from(le32(head, 4)), le32(head, 8) as usize);
    if total < h.chunk_header_len {
        return Err(format!("{total} bytes is shorter than its header"));
    }
    let data = pos
        .checked_add(total)
        .and_then(|end| bytes.get(pos + h.chunk_header_len..end))
        .ok_or_else(|| format!("{total} bytes run past the end of the file"))?;
    let next = pos + total;
    if kind == CRC32 {
        return Ok((next, 0));
    }
    let end = block
        .checked_add(blocks)
        .filter(|&end| end <= h.blocks)
        .ok_or_else(|| format!("{blocks} blocks from block {block} run past the image's {}", h.blocks))?;
    // within the image, whose size in bytes fits usize (it was allocated)
    let out = &mut image[(block * h.block_size) as usize..(end * h.block_size) as usize];
    match kind {
        RAW if data.len() == out.len() => out.copy_from_slice(data),
        RAW => return Err(format!("{} raw bytes for {} bytes of blocks", data.len(), out.len())),
        FILL => {
            let pattern: [u8; 4] = data
                .get(..4)
                .and_then(|p| p.try_into().ok())
                .ok_or("fill chunk without its 4-byte pattern")?;
            if pattern != [0; 4] {
                for word in out.chunks_exact_mut(4) {
                    word.copy_from_slice(&pattern);
                }
            }
        }
        DONT_CARE => {}
        other => return Err(format!("unknown chunk type 0x{other:04x}")),
    }
    Ok((next, blocks))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::containers::android_boot::tests::{
        fixture, listing, sha256_of, walk_bytes, walk_fixture, warnings,
    };
    use sha2::Digest;
    use std::ops::ControlFlow;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/boot/out/");

    /// A sparse file: block size 8, `blocks` blocks, and the given chunks (type, blocks, data).
    fn sparse(blocks: u32, chunks: &[(u16, u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&28u16.to_le_bytes());
        out.extend_from_slice(&12u16.to_le_bytes());
        for v in [8, blocks, chunks.len() as u32, 0] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for &(kind, n, data) in chunks {
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
            out.extend_from_slice(&(12 + data.len() as u32).to_le_bytes());
            out.extend_from_slice(data);
        }
        out
    }

    /// What `read` hands over.
    #[derive(Debug, PartialEq)]
    enum Handed {
        Image(Vec<u8>),
        TooBig(u64),
    }

    /// The member `read` hands over, if any, and its result.
    fn expanded(bytes: &[u8], limit: u64) -> (Option<Handed>, Result<(), Corrupt>) {
        let mut got = None;
        let result = read(bytes, limit, &mut |m| {
            got = match m {
                Member::File { name, data } if name == b"image" => Some(Handed::Image(data.into_owned())),
                Member::TooBig { size, .. } => Some(Handed::TooBig(size)),
                _ => None,
            };
            ControlFlow::Continue(())
        });
        (got, result)
    }

    #[test]
    fn the_sparse_fixture_expands_to_its_ext4_filesystem() {
        let w = walk_fixture("system.simg");
        assert_eq!(
            listing(&w, FIXTURES),
            [
                "system.simg!/image!/build.prop text",
                "system.simg!/image!/etc/hosts text"
            ]
        );
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
        let image = w
            .containers
            .iter()
            .find(|c| c.path.ends_with("!/image"))
            .expect("image listed");
        assert_eq!((image.kind.as_str(), image.size), ("ext", 64 * 4096));
        let prop = "ro.build.fingerprint=vendorscan/fixture/fixture:12/SP1A.210812.016/1:user/release-keys\n";
        assert_eq!(
            sha256_of(&w, "!/build.prop"),
            sha2::Sha256::digest(prop.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
    }

    #[test]
    fn every_chunk_type_is_expanded() {
        let bytes = sparse(
            7,
            &[
                (RAW, 2, b"0123456789abcdef"),
                (FILL, 1, b"ABCD"),
                (CRC32, 0, b"\0\0\0\0"),
                (DONT_CARE, 2, b""),
                (FILL, 1, b"\0\0\0\0"),
                (RAW, 1, b"lastblk!"),
            ],
        );
        let (image, result) = expanded(&bytes, 1 << 20);
        assert!(result.is_ok());
        let mut want = b"0123456789abcdefABCDABCD".to_vec();
        want.extend([0u8; 24]);
        want.extend(b"lastblk!");
        assert_eq!(image, Some(Handed::Image(want)));
    }

    #[test]
    fn an_image_over_the_limit_is_not_expanded() {
        let bytes = sparse(1 << 20, &[(DONT_CARE, 1 << 20, b"")]);
        assert_eq!(expanded(&bytes, 1 << 20).0, Some(Handed::TooBig(8 << 20)));
    }

    #[test]
    fn overflowing_chunk_sizes_are_warnings() {
        let past_the_image = sparse(4, &[(RAW, 1, b"01234567"), (DONT_CARE, u32::MAX, b"")]);
        let (w, root) = walk_bytes("past.simg", &past_the_image);
        assert_eq!(
            warnings(&w, &root),
            ["past.simg: android-sparse is corrupt: chunk 1: 4294967295 blocks from block 1 run past the image's 4"]
        );
        // the block expanded before the bad chunk is still handed over
        assert_eq!(listing(&w, &root), ["past.simg!/image data"]);

        let mut past_the_file = sparse(4, &[(RAW, 4, &[7; 32])]);
        past_the_file[28 + 8..28 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let (image, result) = expanded(&past_the_file, 1 << 20);
        assert_eq!(image, None);
        assert_eq!(
            result.map_err(|e| e.0),
            Err("chunk 0: 4294967295 bytes run past the end of the file".to_string())
        );

        let short_raw = sparse(4, &[(RAW, 2, &[7; 8])]);
        assert_eq!(
            expanded(&short_raw, 1 << 20).1.map_err(|e| e.0),
            Err("chunk 0: 8 raw bytes for 16 bytes of blocks".to_string())
        );
        let uncovered = sparse(4, &[(RAW, 1, &[7; 8])]);
        assert_eq!(
            expanded(&uncovered, 1 << 20).1.map_err(|e| e.0),
            Err("chunks cover 1 of 4 blocks".to_string())
        );
    }

    #[test]
    fn damaged_headers_and_chunks_do_not_panic() {
        let bytes = fixture("system.simg");
        for at in (0..80).chain(24_600..24_700) {
            for value in [0x00, 0x01, 0x80, 0xff] {
                let mut bad = bytes.clone();
                bad[at] = value;
                let _ = expanded(&bad, 1 << 20);
            }
        }
    }

    #[test]
    fn bad_headers_are_refused() {
        let mut bytes = sparse(1, &[(DONT_CARE, 1, b"")]);
        bytes[12..16].copy_from_slice(&6u32.to_le_bytes()); // block size not a multiple of 4
        assert!(header(&bytes).is_err());
        bytes[12..16].copy_from_slice(&0u32.to_le_bytes());
        assert!(header(&bytes).is_err());
        assert!(header(&bytes[..20]).is_err());
    }

    #[test]
    fn a_truncated_sparse_image_keeps_what_was_expanded() {
        let bytes = fixture("system.simg");
        // cut inside the third chunk: the first two (nine blocks, the ext4 superblock among
        // them) are expanded and handed over
        let (w, root) = walk_bytes("system.simg", &bytes[..26_000]);
        assert_eq!(
            warnings(&w, &root),
            [
                "system.simg: android-sparse is corrupt: chunk 2: 4108 bytes run past the end of the file",
                "system.simg!/image: ext is corrupt: root directory (inode 2): corrupt filesystem: inode 2 has invalid file type: mode=0x0000",
            ]
        );
        let image = w
            .containers
            .iter()
            .find(|c| c.path.ends_with("!/image"))
            .expect("image listed");
        assert_eq!((image.kind.as_str(), image.size), ("ext", 64 * 4096));
        assert!(w.files.is_empty());
    }
}
