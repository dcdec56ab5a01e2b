//! CramFS (the compressed ROM filesystem of older cameras and routers), in either byte order: a
//! superblock (magic, size, flags, the `Compressed ROMFS` signature, a CRC-32 of the whole image
//! for version 2 images) and 12-byte inodes — mode and uid, size and gid, name length and data
//! offset, packed as bit fields in the image's byte order — each followed by its name. A
//! directory's data is its children's inodes; a file's, a table of block pointers (one per 4 KiB
//! page, the end of that page's zlib block) and the blocks; a symbolic link's target is stored
//! as a file's contents. Newer images (the EXT_BLOCK_POINTERS flag) may mark a pointer as an
//! uncompressed block or as a direct pointer to the block's start. Layout:
//! include/uapi/linux/cramfs_fs.h and fs/cramfs/inode.c.
//!
//! An own reader: no crate on crates.io reads CramFS. Every offset is checked against the
//! image, each page inflates through a cap of one page, a directory is entered once (by its
//! offset) and at most [`MAX_DEPTH`] deep, and a file's data is assembled only from blocks that
//! are there (never from its declared size alone).

use super::problems::{join, shown, Problems};
use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Read;
use std::ops::ControlFlow;

const MAGIC: u32 = 0x28cd_3d45;
const SIGNATURE: &[u8] = b"Compressed ROMFS";
const SUPERBLOCK: usize = 76;
/// mkfs.cramfs and the kernel use the page size; the image does not record it.
const PAGE: usize = 4096;
pub const MAX_DEPTH: usize = 64;

const FLAG_FSID_VERSION_2: u32 = 0x1;
const FLAG_EXT_BLOCK_POINTERS: u32 = 0x800;
const BLK_FLAG_UNCOMPRESSED: u32 = 1 << 31;
const BLK_FLAG_DIRECT_PTR: u32 = 1 << 30;
const BLK_FLAGS: u32 = BLK_FLAG_UNCOMPRESSED | BLK_FLAG_DIRECT_PTR;

const S_IFMT: u32 = 0o170_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;

/// One inode, its bit fields unpacked.
#[derive(Clone, Copy)]
struct Inode {
    mode: u32,
    size: u32,
    /// The name's length in bytes (a multiple of 4, NUL padded).
    name_len: usize,
    /// Byte offset of the data (the inode's field is in 4-byte units).
    offset: usize,
}

struct Image<'a> {
    bytes: &'a [u8],
    big: bool,
    flags: u32,
}

impl Image<'_> {
    fn u32_at(&self, at: usize) -> Option<u32> {
        let w: [u8; 4] = self.bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        })
    }

    fn inode(&self, at: usize) -> Option<Inode> {
        let (w0, w1, w2) = (self.u32_at(at)?, self.u32_at(at + 4)?, self.u32_at(at + 8)?);
        // GCC lays bit fields out from the low bits on a little-endian target and from the high
        // bits on a big-endian one: mode:16 uid:16, size:24 gid:8, namelen:6 offset:26
        Some(if self.big {
            Inode {
                mode: w0 >> 16,
                size: w1 >> 8,
                name_len: ((w2 >> 26) as usize) * 4,
                offset: ((w2 & 0x03ff_ffff) as usize) * 4,
            }
        } else {
            Inode {
                mode: w0 & 0xffff,
                size: w1 & 0x00ff_ffff,
                name_len: ((w2 & 0x3f) as usize) * 4,
                offset: ((w2 >> 6) as usize) * 4,
            }
        })
    }
}

/// The superblock at `at`: its byte order when the magic and signature are there.
fn superblock(bytes: &[u8], at: usize) -> Option<bool> {
    let magic: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    let big = if u32::from_le_bytes(magic) == MAGIC {
        false
    } else if u32::from_be_bytes(magic) == MAGIC {
        true
    } else {
        return None;
    };
    (bytes.get(at + 16..at + 32)? == SIGNATURE).then_some(big)
}

/// Whether the CramFS whose superblock starts `bytes` was made with a 512-byte boot sector
/// before it (mkfs.cramfs -p): its offsets count from the sector's start, so its root
/// directory's entries start 512 + 76 bytes in rather than 76.
pub fn padded(bytes: &[u8]) -> bool {
    let Some(big) = superblock(bytes, 0) else { return false };
    let image = Image { bytes, big, flags: 0 };
    image
        .inode(64)
        .is_some_and(|root| root.offset == 512 + SUPERBLOCK && root.mode & S_IFMT == S_IFDIR)
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    // the superblock is at 0, or at 512 after a boot sector; offsets count from the image start
    let (start, big) = [0, 512]
        .into_iter()
        .find_map(|at| superblock(bytes, at).map(|big| (at, big)))
        .ok_or_else(|| Corrupt("no CramFS superblock".to_string()))?;
    let head = Image { bytes, big, flags: 0 };
    let (Some(size), Some(flags), Some(_)) = (
        head.u32_at(start + 4),
        head.u32_at(start + 8),
        bytes.get(..start + SUPERBLOCK),
    ) else {
        return Err(Corrupt("superblock cut short".to_string()));
    };
    let mut problems = Problems::default();
    let size = size as usize;
    if size < start + SUPERBLOCK {
        return Err(Corrupt(format!("the superblock says {size} bytes, less than itself")));
    }
    let bytes = if size > bytes.len() {
        problems.note(format!(
            "the superblock says {size} bytes and the image holds {}: cut short",
            bytes.len()
        ));
        bytes
    } else {
        &bytes[..size]
    };
    if flags & FLAG_FSID_VERSION_2 != 0 && size <= bytes.len() {
        // CRC-32 of the image from the superblock on, its own field (at 32) taken as zero
        let crc = head.u32_at(start + 32).unwrap_or(0);
        let mut sum = flate2::Crc::new();
        sum.update(&bytes[start..start + 32]);
        sum.update(&[0; 4]);
        sum.update(&bytes[start + 36..]);
        if sum.sum() != crc {
            problems.note(format!(
                "image CRC-32 is {:08x}, the superblock says {crc:08x}",
                sum.sum()
            ));
        }
    }
    let image = Image { bytes, big, flags };
    let Some(root) = image.inode(start + 64) else {
        return Err(Corrupt("root inode cut short".to_string()));
    };
    if root.mode & S_IFMT != S_IFDIR {
        return Err(Corrupt(format!("root inode is not a directory (mode {:o})", root.mode)));
    }
    let mut walk = Walk {
        image,
        limit,
        visited: HashSet::new(),
        problems,
    };
    let _ = walk.dir(root, &[], 0, visit);
    walk.problems.finish()
}

struct Walk<'a> {
    image: Image<'a>,
    limit: u64,
    /// Directory data read, by offset: a directory reached twice is a loop.
    visited: HashSet<usize>,
    problems: Problems,
}

impl<'a> Walk<'a> {
    fn dir(&mut self, dir: Inode, prefix: &[u8], depth: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        if depth > MAX_DEPTH {
            self.problems.note(format!(
                "directory {} nested more than {MAX_DEPTH} deep; not read",
                shown(prefix)
            ));
            return ControlFlow::Continue(());
        }
        let (start, len) = (dir.offset, dir.size as usize);
        if len == 0 {
            return ControlFlow::Continue(());
        }
        if !self.visited.insert(start) {
            self.problems.note(format!(
                "directory {} at byte {start} was already read (a loop); not read again",
                shown(prefix)
            ));
            return ControlFlow::Continue(());
        }
        let end = start.saturating_add(len);
        if end > self.image.bytes.len() {
            self.problems.note(format!(
                "directory {} ({len} bytes at byte {start}) runs past the end of the image",
                shown(prefix)
            ));
        }
        let mut at = start;
        while at + 12 <= end {
            let Some(inode) = self.image.inode(at) else {
                self.problems.note(format!(
                    "directory {}: inode at byte {at} lies past the end of the image",
                    shown(prefix)
                ));
                break;
            };
            let name_at = at + 12;
            let Some(raw) = self.image.bytes.get(name_at..name_at + inode.name_len) else {
                self.problems.note(format!(
                    "directory {}: the name of the inode at byte {at} runs past the end of the image",
                    shown(prefix)
                ));
                break;
            };
            if inode.name_len == 0 {
                self.problems.note(format!(
                    "directory {}: inode at byte {at} has no name; the rest of the directory is not read",
                    shown(prefix)
                ));
                break;
            }
            let name = &raw[..raw.iter().position(|&c| c == 0).unwrap_or(raw.len())];
            let path = join(prefix, name);
            at = name_at + inode.name_len;
            match inode.mode & S_IFMT {
                S_IFDIR => self.dir(inode, &path, depth + 1, visit)?,
                S_IFREG if u64::from(inode.size) > self.limit => visit(Member::TooBig {
                    name: path,
                    size: u64::from(inode.size),
                })?,
                S_IFREG => visit(match self.contents(inode) {
                    Ok(data) => Member::File {
                        name: path,
                        data: Cow::Owned(data),
                    },
                    Err(message) => Member::Damaged { name: path, message },
                })?,
                S_IFLNK => visit(match self.contents(inode) {
                    Ok(target) => Member::Link {
                        name: path,
                        target,
                        hard: false,
                    },
                    Err(message) => Member::Damaged { name: path, message },
                })?,
                _ => visit(Member::Special { name: path })?,
            }
        }
        ControlFlow::Continue(())
    }

    /// A file's (or link target's) contents, page by page from its block pointers.
    fn contents(&self, inode: Inode) -> Result<Vec<u8>, String> {
        let size = inode.size as usize;
        let pages = size.div_ceil(PAGE);
        let table = inode.offset;
        let table_end = table + pages * 4;
        if table_end > self.image.bytes.len() && pages > 0 {
            return Err(format!(
                "block pointer table at byte {table} runs past the end of the image"
            ));
        }
        let ext = self.image.flags & FLAG_EXT_BLOCK_POINTERS != 0;
        let mut out = Vec::new();
        // where the previous block ended (the next one starts there unless it is direct)
        let mut prev_end = table_end;
        for page in 0..pages {
            let want = PAGE.min(size - page * PAGE);
            let ptr = self
                .image
                .u32_at(table + page * 4)
                .ok_or_else(|| format!("block pointer {page} at byte {} is past the end", table + page * 4))?;
            let (flags, value) = if ext {
                (ptr & BLK_FLAGS, ptr & !BLK_FLAGS)
            } else {
                (0, ptr)
            };
            let uncompressed = flags & BLK_FLAG_UNCOMPRESSED != 0;
            let (start, len) = if flags & BLK_FLAG_DIRECT_PTR != 0 {
                let start = (value as usize) << 2;
                if uncompressed {
                    (start, want)
                } else {
                    let raw = self
                        .image
                        .bytes
                        .get(start..start + 2)
                        .ok_or_else(|| format!("page {page}: direct block at byte {start} is past the end"))?;
                    let len = usize::from(if self.image.big {
                        u16::from_be_bytes([raw[0], raw[1]])
                    } else {
                        u16::from_le_bytes([raw[0], raw[1]])
                    });
                    (start + 2, len)
                }
            } else {
                let end = value as usize;
                let len = end.checked_sub(prev_end).ok_or_else(|| {
                    format!("page {page}: block pointer {end} lies before the block's start ({prev_end})")
                })?;
                (prev_end, len)
            };
            prev_end = start + len;
            let block = self
                .image
                .bytes
                .get(start..start + len)
                .ok_or_else(|| format!("page {page}: {len} bytes at byte {start} run past the end of the image"))?;
            if len == 0 {
                // a hole: a page of zeros
                out.resize(out.len() + want, 0);
            } else if uncompressed {
                out.extend_from_slice(&block[..want.min(block.len())]);
            } else {
                let before = out.len();
                flate2::read::ZlibDecoder::new(block)
                    .take(PAGE as u64 + 1)
                    .read_to_end(&mut out)
                    .map_err(|e| format!("page {page}: zlib block at byte {start} does not inflate: {e}"))?;
                if out.len() - before != want {
                    return Err(format!(
                        "page {page}: zlib block at byte {start} inflates to {} bytes, not {want}",
                        out.len() - before
                    ));
                }
            }
        }
        Ok(out)
    }
}
