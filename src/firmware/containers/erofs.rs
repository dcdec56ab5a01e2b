//! EROFS (Android's and modern embedded Linux's read-only filesystem): the superblock at 1024,
//! compact (32-byte) and extended (64-byte) inodes, the flat plain, flat inline (tail packed
//! after the inode) and chunk-based layouts, directories (blocks of 12-byte dirents with their
//! names after them), symbolic links, devices, and compressed files — full and compact logical
//! cluster indexes, plain (stored), LZ4 and LZMA clusters (mkfs.erofs `-zlz4`/`-zlz4hc`/`-zlzma`,
//! with the `0padding` of their pclusters). Layout: fs/erofs/erofs_fs.h, data.c and zmap.c of
//! Linux; LZMA clusters as decompressor_lzma.c decodes them (see [`microlzma`]), with the
//! dictionary size from the superblock's LZMA configuration (`z_erofs_lzma_cfgs`, read as
//! `z_erofs_parse_cfgs` does).
//!
//! What is not read is said, never skipped: a file compressed with DEFLATE, Zstandard or an
//! unknown algorithm, or with big pclusters, tail packing, fragments or interlaced clusters, is a
//! member `not unpacked` with the reason (Debian's mkfs.erofs 1.5 makes none of those, so no
//! fixture could prove a decoder for them). It makes no LZMA image either: the LZMA fixture is
//! written by make-erofs-lzma.py, whose layout fsck.erofs checks on an LZ4 twin (make-fs.sh).
//!
//! An own reader: the one reading crate, erofs-rs, reads no compressed file, and its readers
//! index the image from declared values without the checks this reader needs. Here every
//! offset is checked against the image, a directory is entered once (by its inode number) and
//! at most [`MAX_DEPTH`] deep, the directory bytes read in total are bounded by the image's
//! size, a file's declared size is checked against the member limit before anything is read,
//! and a compressed cluster is decoded only to the length its index gives, which may not
//! exceed what LZ4 can expand its block to (an LZMA cluster's length is bounded by the file's
//! size, so by the member limit; its dictionary grows with what it decodes).

use super::problems::{join, shown, Problems};
use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::ControlFlow;

const SUPERBLOCK: usize = 1024;
const MAGIC: u32 = 0xe0f5_e1e2;
pub const MAX_DEPTH: usize = 64;

const FLAT_PLAIN: u16 = 0;
const COMPRESSED_FULL: u16 = 1;
const FLAT_INLINE: u16 = 2;
const COMPRESSED_COMPACT: u16 = 3;
const CHUNK_BASED: u16 = 4;

const INCOMPAT_ZERO_PADDING: u32 = 0x1;
/// Compression configurations follow the superblock (the same bit as big pclusters).
const INCOMPAT_COMPR_CFGS: u32 = 0x2;

const ALGORITHM_LZMA: u8 = 1;
/// The kernel's bounds on an LZMA dictionary (`Z_EROFS_LZMA_MAX_DICT_SIZE` is 8 pclusters of at
/// most 1 MiB).
const LZMA_DICT: std::ops::RangeInclusive<u32> = 4096..=8 << 20;

const ADVISE_COMPACTED_2B: u16 = 0x1;
/// Big pclusters, tail packing, interlaced clusters and fragments: not read.
const ADVISE_UNREAD: u16 = 0x2 | 0x4 | 0x8 | 0x10 | 0x20;

const LCLUSTER_PLAIN: u8 = 0;
const LCLUSTER_NONHEAD: u8 = 2;
const LCLUSTER_HEAD2: u8 = 3;
const D0_CBLKCNT: u32 = 1 << 11;

const CHUNK_FORMAT_INDEXES: u32 = 0x20;
const NULL_ADDR: u32 = u32::MAX;

const S_IFMT: u16 = 0o170_000;
const S_IFDIR: u16 = 0o040_000;
const S_IFREG: u16 = 0o100_000;
const S_IFLNK: u16 = 0o120_000;

/// LZ4 expands a block at most about 255 times: a cluster said to decode to more is damaged.
const LZ4_MAX_RATIO: u64 = 256;

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at.checked_add(8)?)?.try_into().ok()?))
}

fn align(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

struct Volume {
    blkbits: u32,
    /// Byte offset of the metadata area inode numbers count from (32 bytes a slot).
    meta: u64,
    incompat: u32,
    /// The LZMA dictionary size the superblock's configuration gives, or why there is none.
    lzma_dict: Result<u32, String>,
}

/// One inode's header, read.
#[derive(Clone, Copy)]
struct Inode {
    nid: u64,
    layout: u16,
    mode: u16,
    size: u64,
    /// `i_u`: a raw block address, a device number, or a chunk format.
    raw: u32,
    /// Where the inline part (tail data, compression indexes, chunk table) starts.
    tail: usize,
}

/// Why a file is not read: damage (`Damaged`) or a feature the reader lacks (`Unread`).
enum Fail {
    Damaged(String),
    Unread(String),
}

impl From<String> for Fail {
    fn from(s: String) -> Fail {
        Fail::Damaged(s)
    }
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let sb = bytes
        .get(SUPERBLOCK..SUPERBLOCK + 128)
        .ok_or_else(|| Corrupt("superblock cut short".to_string()))?;
    if le32(sb, 0) != Some(MAGIC) {
        return Err(Corrupt("no EROFS superblock magic at byte 1024".to_string()));
    }
    let blkbits = u32::from(sb[12]);
    if !(9..=16).contains(&blkbits) {
        return Err(Corrupt(format!("block size of 2^{blkbits} bytes is not one EROFS has")));
    }
    let root = u64::from(le16(sb, 14).unwrap_or(0));
    let blocks = u64::from(le32(sb, 36).unwrap_or(0));
    let meta = u64::from(le32(sb, 40).unwrap_or(0)) << blkbits;
    let incompat = le32(sb, 80).unwrap_or(0);
    let lzma_dict = lzma_config(bytes, sb, incompat);
    let mut problems = Problems::default();
    let declared = blocks << blkbits;
    if declared > bytes.len() as u64 {
        problems.note(format!(
            "the superblock says {declared} bytes ({blocks} blocks) and the image holds {}: cut short",
            bytes.len()
        ));
    }
    let mut walk = Walk {
        bytes,
        volume: Volume {
            blkbits,
            meta,
            incompat,
            lzma_dict,
        },
        limit,
        visited: HashSet::new(),
        budget: bytes.len() as u64,
        problems,
    };
    match walk.inode(root) {
        Ok(inode) if inode.mode & S_IFMT == S_IFDIR => {
            let _ = walk.dir(inode, &[], 0, visit);
        }
        Ok(inode) => walk
            .problems
            .note(format!("root inode {root} is not a directory (mode {:o})", inode.mode)),
        Err(message) => walk.problems.note(format!("root inode {root}: {message}")),
    }
    walk.problems.finish()
}

/// The LZMA dictionary size from the compression configurations after the superblock (at 1024
/// plus its size, 128 bytes and 16 per extension slot): one record per algorithm the superblock's
/// bitmap lists, in bit order, each 4-byte aligned, a 16-bit length then the algorithm's
/// configuration — LZMA's a 32-bit dictionary size and a 16-bit format that must be 0.
fn lzma_config(bytes: &[u8], sb: &[u8], incompat: u32) -> Result<u32, String> {
    if incompat & INCOMPAT_COMPR_CFGS == 0 {
        return Err("the superblock has no compression configurations, so no LZMA one".to_string());
    }
    let algorithms = le16(sb, 84).unwrap_or(0);
    if algorithms & (1 << ALGORITHM_LZMA) == 0 {
        return Err(format!("the superblock lists algorithms {algorithms:#x}, not LZMA"));
    }
    let mut at = SUPERBLOCK + 128 + usize::from(sb[13]) * 16;
    for algorithm in 0..=ALGORITHM_LZMA {
        if algorithms & (1 << algorithm) == 0 {
            continue;
        }
        at = align(at, 4);
        let len = match le16(bytes, at) {
            Some(0) => 1 << 16,
            Some(len) => usize::from(len),
            None => return Err(format!("compression configuration at byte {at} is past the end")),
        };
        if algorithm == ALGORITHM_LZMA {
            let cfg = bytes
                .get(at + 2..at + 2 + len)
                .filter(|c| c.len() >= 14)
                .ok_or_else(|| format!("LZMA configuration at byte {at} is cut short ({len} bytes)"))?;
            let (dict, format) = (le32(cfg, 0).unwrap_or(0), le16(cfg, 4).unwrap_or(0));
            if format != 0 {
                return Err(format!(
                    "LZMA configuration at byte {at}: format {format}, not one EROFS has"
                ));
            }
            if !LZMA_DICT.contains(&dict) {
                return Err(format!(
                    "LZMA configuration at byte {at}: a dictionary of {dict} bytes, not 4 KiB to 8 MiB"
                ));
            }
            return Ok(dict);
        }
        at += 2 + len;
    }
    Err("no LZMA configuration found".to_string())
}

struct Walk<'a> {
    bytes: &'a [u8],
    volume: Volume,
    limit: u64,
    /// Directories entered, by inode number: one reached twice is a loop.
    visited: HashSet<u64>,
    /// Directory bytes still to be read: a real image's directories fit in it many times over.
    budget: u64,
    problems: Problems,
}

impl<'a> Walk<'a> {
    fn block(&self) -> usize {
        1 << self.volume.blkbits
    }

    fn inode(&self, nid: u64) -> Result<Inode, String> {
        let at = nid
            .checked_mul(32)
            .and_then(|o| o.checked_add(self.volume.meta))
            .and_then(|o| usize::try_from(o).ok())
            .filter(|&o| o < self.bytes.len())
            .ok_or_else(|| format!("inode {nid} lies past the end of the image"))?;
        let b = self.bytes;
        let past = || format!("inode {nid} at byte {at} is cut short");
        let format = le16(b, at).ok_or_else(past)?;
        let extended = format & 1 != 0;
        let layout = (format >> 1) & 7;
        let xattr_count = usize::from(le16(b, at + 2).ok_or_else(past)?);
        let mode = le16(b, at + 4).ok_or_else(past)?;
        let (size, header) = if extended {
            (le64(b, at + 8).ok_or_else(past)?, 64)
        } else {
            (u64::from(le32(b, at + 8).ok_or_else(past)?), 32)
        };
        let raw = le32(b, at + 16).ok_or_else(past)?;
        b.get(at..at + header).ok_or_else(past)?;
        let xattrs = if xattr_count == 0 {
            0
        } else {
            12 + (xattr_count - 1) * 4
        };
        Ok(Inode {
            nid,
            layout,
            mode,
            size,
            raw,
            tail: at + header + xattrs,
        })
    }

    fn dir(&mut self, dir: Inode, prefix: &[u8], depth: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        if depth > MAX_DEPTH {
            self.problems.note(format!(
                "directory {} nested more than {MAX_DEPTH} deep; not read",
                shown(prefix)
            ));
            return ControlFlow::Continue(());
        }
        if !self.visited.insert(dir.nid) {
            self.problems.note(format!(
                "directory {} (inode {}) was already read (a loop); not read again",
                shown(prefix),
                dir.nid
            ));
            return ControlFlow::Continue(());
        }
        if dir.size > self.budget {
            self.problems.note(format!(
                "directory {} says {} bytes, more than the image's directories can hold; not read",
                shown(prefix),
                dir.size
            ));
            return ControlFlow::Continue(());
        }
        self.budget -= dir.size;
        let data = match self.data(dir) {
            Ok(data) => data,
            Err(Fail::Damaged(m) | Fail::Unread(m)) => {
                self.problems.note(format!("directory {}: {m}", shown(prefix)));
                return ControlFlow::Continue(());
            }
        };
        let block = self.block();
        for (index, chunk) in data.chunks(block).enumerate() {
            let Some(entries) = dirents(chunk) else {
                self.problems.note(format!(
                    "directory {}: block {index} holds no valid entries; its entries are not read",
                    shown(prefix)
                ));
                continue;
            };
            for (nid, name) in entries {
                if name == b"." || name == b".." {
                    continue;
                }
                let path = join(prefix, name);
                self.entry(nid, path, depth, visit)?;
            }
        }
        ControlFlow::Continue(())
    }

    fn entry(&mut self, nid: u64, path: Vec<u8>, depth: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        let inode = match self.inode(nid) {
            Ok(inode) => inode,
            Err(message) => return visit(Member::Damaged { name: path, message }),
        };
        match inode.mode & S_IFMT {
            S_IFDIR => self.dir(inode, &path, depth + 1, visit),
            S_IFREG if inode.size > self.limit => visit(Member::TooBig {
                name: path,
                size: inode.size,
            }),
            S_IFREG => visit(match self.data(inode) {
                Ok(data) => Member::File { name: path, data },
                Err(Fail::Damaged(message)) => Member::Damaged {
                    name: path,
                    message: format!("inode {nid}: {message}"),
                },
                Err(Fail::Unread(reason)) => Member::Unread {
                    name: path,
                    reason: format!("inode {nid}: {reason}"),
                },
            }),
            S_IFLNK => visit(match self.data(inode) {
                Ok(target) if inode.size <= 4096 => Member::Link {
                    name: path,
                    target: target.into_owned(),
                    hard: false,
                },
                Ok(_) => Member::Damaged {
                    name: path,
                    message: format!("inode {nid}: a link target of {} bytes", inode.size),
                },
                Err(Fail::Damaged(message) | Fail::Unread(message)) => Member::Damaged {
                    name: path,
                    message: format!("inode {nid}: {message}"),
                },
            }),
            _ => visit(Member::Special { name: path }),
        }
    }

    fn slice(&self, start: u64, len: u64) -> Result<&'a [u8], String> {
        let s = usize::try_from(start).ok();
        let l = usize::try_from(len).ok();
        s.zip(l)
            .and_then(|(s, l)| self.bytes.get(s..s.checked_add(l)?))
            .ok_or_else(|| format!("{len} bytes of data at byte {start} run past the end of the image"))
    }

    /// The contents of a file, directory or link, whatever its layout.
    fn data(&self, inode: Inode) -> Result<Cow<'a, [u8]>, Fail> {
        let block = self.block() as u64;
        let bits = self.volume.blkbits;
        match inode.layout {
            FLAT_PLAIN => Ok(Cow::Borrowed(self.slice(u64::from(inode.raw) << bits, inode.size)?)),
            FLAT_INLINE => {
                // every block but the last at the raw address; the last after the inode
                let blocks = inode.size.div_ceil(block);
                let head = blocks.saturating_sub(1) * block;
                let tail_len = inode.size - head;
                if (inode.tail as u64 % block) + tail_len > block {
                    return Err(Fail::Damaged(format!(
                        "its inline tail of {tail_len} bytes at byte {} crosses a block",
                        inode.tail
                    )));
                }
                let tail = self.slice(inode.tail as u64, tail_len)?;
                if head == 0 {
                    return Ok(Cow::Borrowed(tail));
                }
                let mut out = self.slice(u64::from(inode.raw) << bits, head)?.to_vec();
                out.extend_from_slice(tail);
                Ok(Cow::Owned(out))
            }
            CHUNK_BASED => self.chunks(inode).map(Cow::Owned),
            COMPRESSED_FULL | COMPRESSED_COMPACT => self.compressed(inode).map(Cow::Owned),
            other => Err(Fail::Damaged(format!("data layout {other} is not one EROFS has"))),
        }
    }

    /// Chunk-based files: a table of block addresses (4 bytes each) or chunk indexes (8 bytes,
    /// the address at 4) after the inode, one per chunk; a null address is a hole.
    fn chunks(&self, inode: Inode) -> Result<Vec<u8>, Fail> {
        let bits = self.volume.blkbits + (inode.raw & 0x1f);
        if bits > 40 {
            return Err(Fail::Damaged(format!("chunk size of 2^{bits} bytes")));
        }
        let chunk = 1u64 << bits;
        let unit = if inode.raw & CHUNK_FORMAT_INDEXES != 0 { 8 } else { 4 };
        let table = align(inode.tail, unit);
        let count = inode.size.div_ceil(chunk);
        // the table must be there before anything is produced from it
        self.slice(table as u64, count * unit as u64)?;
        let mut out = Vec::new();
        for i in 0..count {
            let entry = table + i as usize * unit + if unit == 8 { 4 } else { 0 };
            let addr = le32(self.bytes, entry).unwrap_or(NULL_ADDR);
            let len = chunk.min(inode.size - i * chunk);
            if addr == NULL_ADDR {
                out.resize(out.len() + len as usize, 0);
            } else {
                out.extend_from_slice(self.slice(u64::from(addr) << self.volume.blkbits, len)?);
            }
        }
        Ok(out)
    }

    fn compressed(&self, inode: Inode) -> Result<Vec<u8>, Fail> {
        let header = align(inode.tail, 8);
        let h = self
            .bytes
            .get(header..header + 8)
            .ok_or_else(|| format!("compression header at byte {header} is past the end"))?;
        let advise = u16::from_le_bytes([h[4], h[5]]);
        let algorithms = [h[6] & 0xf, h[6] >> 4];
        let lbits = self.volume.blkbits + u32::from(h[7] & 7);
        if advise & ADVISE_UNREAD != 0 || h[7] & 0x80 != 0 {
            return Err(Fail::Unread(format!(
                "compressed with features this reader does not decode (advise {advise:#x}: big \
                 pclusters, tail packing, interlaced clusters or fragments)"
            )));
        }
        let total = inode.size.div_ceil(1 << lbits);
        let mut heads: Vec<(u64, u8, u64)> = Vec::new();
        let index = Index {
            bytes: self.bytes,
            full: inode.layout == COMPRESSED_FULL,
            base: header + 8,
            total,
            lbits,
            compact_2b: advise & ADVISE_COMPACTED_2B != 0,
            block: self.block(),
        };
        // the index must be there before anything is produced from it (at most 8 bytes each)
        if total > (self.bytes.len() as u64) {
            return Err(Fail::Damaged(format!(
                "{total} logical clusters cannot be indexed in the image"
            )));
        }
        for lcn in 0..total {
            let (kind, ofs, pblk) = index.load(lcn).ok_or_else(|| {
                format!(
                    "cluster index {lcn} (from byte {}) is past the end or malformed",
                    header + 8
                )
            })?;
            if kind == LCLUSTER_NONHEAD {
                continue;
            }
            let la = (lcn << lbits) | u64::from(ofs);
            if la == inode.size {
                // the lcluster the file ends in is indexed as a head at the end: no data
                break;
            }
            if heads.last().is_some_and(|h| h.0 >= la) || (heads.is_empty() && la != 0) {
                return Err(Fail::Damaged(format!("cluster {lcn} starts at {la}, out of order")));
            }
            heads.push((la, kind, pblk));
        }
        let zero_padding = self.volume.incompat & INCOMPAT_ZERO_PADDING != 0;
        let plen = 1u64 << lbits;
        let mut out = Vec::new();
        for (i, &(la, kind, pblk)) in heads.iter().enumerate() {
            let end = heads.get(i + 1).map_or(inode.size, |h| h.0);
            let llen = end
                .checked_sub(la)
                .ok_or_else(|| format!("cluster at {la} starts past the file's end"))?;
            let start = pblk << self.volume.blkbits;
            let raw = self.slice(start, plen)?;
            match kind {
                LCLUSTER_PLAIN => {
                    let Some(data) = raw.get(..llen as usize) else {
                        return Err(Fail::Damaged(format!(
                            "stored cluster at byte {start} holds {plen} bytes, not {llen}"
                        )));
                    };
                    out.extend_from_slice(data);
                }
                _ => {
                    let algorithm = algorithms[usize::from(kind == LCLUSTER_HEAD2)];
                    match algorithm {
                        0 => self.lz4(raw, start, plen, llen, zero_padding, &mut out)?,
                        ALGORITHM_LZMA => self.lzma(raw, start, llen, &mut out)?,
                        _ => {
                            return Err(Fail::Unread(format!(
                                "compressed with {} (algorithm {algorithm}), which this reader does not decode",
                                match algorithm {
                                    2 => "DEFLATE",
                                    3 => "Zstandard",
                                    _ => "an unknown algorithm",
                                }
                            )))
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// One LZ4 cluster (`raw`, the pcluster at byte `start`) decoded to `llen` bytes.
    fn lz4(
        &self,
        raw: &[u8],
        start: u64,
        plen: u64,
        llen: u64,
        zero_padding: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), Fail> {
        let input = if zero_padding {
            let skip = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
            &raw[skip..]
        } else {
            raw
        };
        if llen > plen * LZ4_MAX_RATIO {
            return Err(Fail::Damaged(format!(
                "LZ4 cluster at byte {start} said to decode to {llen} bytes, more than it can"
            )));
        }
        lz4_partial(input, llen as usize, out)
            .map_err(|e| Fail::Damaged(format!("LZ4 cluster at byte {start} does not decode: {e}")))
    }

    /// One LZMA cluster decoded to `llen` bytes. Its stream is right-aligned in the pcluster,
    /// the zeros before it padding (the kernel strips them whether or not the superblock says
    /// `0padding`, as mkfs.erofs always pads LZMA clusters).
    fn lzma(&self, raw: &[u8], start: u64, llen: u64, out: &mut Vec<u8>) -> Result<(), Fail> {
        let dict = self
            .volume
            .lzma_dict
            .clone()
            .map_err(|why| Fail::Damaged(format!("LZMA cluster at byte {start}, but {why}")))?;
        let skip = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
        microlzma(&raw[skip..], dict, llen, out)
            .map_err(|e| Fail::Damaged(format!("LZMA cluster at byte {}: {e}", start + skip as u64)))
    }
}

/// Decodes one MicroLZMA stream into `out` until it has produced `want` bytes. MicroLZMA (xz's
/// `lzma_microlzma_encoder`, which mkfs.erofs uses; the kernel's `xz_dec_microlzma`) is raw LZMA1
/// without an end marker whose first byte, always zero in LZMA1 (the range coder's first output),
/// holds the properties byte (lc/lp/pb) inverted; the dictionary size and both lengths come from
/// outside. So: the properties from the first byte, then lzma-rust2's raw LZMA reader over a zero
/// and the rest, read until it has produced `want` bytes. Its size is left unknown to the reader
/// (it would otherwise insist the stream ends there): like the kernel's partial decoding, a
/// stream that encodes more than the extent needs is read for its prefix; one that encodes less
/// runs out of input and fails.
fn microlzma(stream: &[u8], dict_size: u32, want: u64, out: &mut Vec<u8>) -> Result<(), String> {
    use std::io::Read;
    const UNKNOWN: u64 = u64::MAX;
    let (&first, rest) = stream.split_first().ok_or("the pcluster holds only zeros")?;
    let source = (&[0u8][..]).chain(rest);
    let reader = lzma_rust2::LzmaReader::new_with_props(source, UNKNOWN, !first, dict_size, None)
        .map_err(|e| format!("cannot start (properties byte {:#04x}): {e}", !first))?;
    let before = out.len();
    reader
        .take(want)
        .read_to_end(out)
        .map_err(|e| format!("does not decode: {e}"))?;
    let got = (out.len() - before) as u64;
    if got < want {
        return Err(format!("ends after {got} of its {want} bytes"));
    }
    Ok(())
}

/// A compressed file's logical cluster index, full (8 bytes an entry) or compact (packs of 2
/// entries in 8 bytes, or of 16 in 32, each pack ending with a block address).
struct Index<'a> {
    bytes: &'a [u8],
    full: bool,
    /// Where the entries start: after the map header.
    base: usize,
    total: u64,
    lbits: u32,
    compact_2b: bool,
    block: usize,
}

impl Index<'_> {
    /// Logical cluster `lcn`: its type, and for a head its offset in the cluster and its block.
    fn load(&self, lcn: u64) -> Option<(u8, u16, u64)> {
        let lcn = usize::try_from(lcn).ok()?;
        if self.full {
            // full indexes start after 8 more bytes of padding (Z_EROFS_FULL_INDEX_ALIGN)
            let at = (self.base + 8).checked_add(lcn.checked_mul(8)?)?;
            let advise = le16(self.bytes, at)?;
            let kind = (advise & 3) as u8;
            let ofs = le16(self.bytes, at + 2)?;
            let addr = le32(self.bytes, at + 4)?;
            return match kind {
                LCLUSTER_NONHEAD => Some((kind, 0, 0)),
                _ if u32::from(ofs) >= 1 << self.lbits => None,
                _ => Some((kind, ofs, u64::from(addr))),
            };
        }
        // compacted_load_cluster_from_disk and unpack_compacted_index of zmap.c
        let total = usize::try_from(self.total).ok()?;
        let mut initial_4b = (32 - self.base % 32) / 4;
        if initial_4b == 8 {
            initial_4b = 0;
        }
        let compact_2b = if self.compact_2b && initial_4b < total {
            (total - initial_4b) / 16 * 16
        } else {
            0
        };
        let (mut pos, mut lcn, shift) = (self.base, lcn, 2usize);
        let shift = if lcn < initial_4b {
            shift
        } else {
            pos += initial_4b * 4;
            lcn -= initial_4b;
            if lcn < compact_2b {
                1
            } else {
                pos += compact_2b * 2;
                lcn -= compact_2b;
                2
            }
        };
        pos += lcn << shift;
        let vcnt = match (shift, self.lbits) {
            (2, bits) if bits <= 14 => 2usize,
            (1, 12) => 16,
            _ => return None,
        };
        let pack = vcnt << shift;
        let encodebits = (pack - 4) * 8 / vcnt;
        let block_start = pos / self.block * self.block;
        let eofs = pos - block_start;
        let base = block_start + eofs / pack * pack;
        let input = self.bytes.get(base..base + pack)?;
        let mut i = (eofs % pack) >> shift;
        let lomask = (1u32 << self.lbits) - 1;
        let decode = |i: usize| -> Option<(u32, u8)> {
            let bit = encodebits * i;
            let mut word = [0u8; 4];
            for (k, w) in word.iter_mut().enumerate() {
                *w = input.get(bit / 8 + k).copied().unwrap_or(0);
            }
            let v = u32::from_le_bytes(word) >> (bit & 7);
            Some((v & lomask, ((v >> self.lbits) & 3) as u8))
        };
        let (lo, kind) = decode(i)?;
        if kind == LCLUSTER_NONHEAD {
            return (lo & D0_CBLKCNT == 0 || self.lbits < 12).then_some((kind, 0, 0));
        }
        // the block of a head: the pack's base address plus the heads before it in the pack
        let mut blocks = 1u64;
        while i > 0 {
            i -= 1;
            let (lo, kind) = decode(i)?;
            let mut j = i as i64;
            if kind == LCLUSTER_NONHEAD {
                j -= i64::from(lo);
            }
            if j >= 0 {
                blocks += 1;
            }
            i = usize::try_from(j.max(0)).ok()?;
            if j <= 0 {
                break;
            }
        }
        let addr = u64::from(le32(input, pack - 4)?);
        Some((kind, u16::try_from(lo).ok()?, addr + blocks))
    }
}

/// Decodes one LZ4 block into `out` until it has produced `want` bytes, as the kernel's
/// `LZ4_decompress_safe_partial` does: an EROFS cluster may encode more than its extent (the
/// last one runs past the file's end under mkfs.erofs -zlz4), and without 0padding its stream is
/// followed by zeros to the block's end. lz4_flex decodes whole blocks only, so the format's
/// sequences (token, literal length, literals, offset, match length) are read here, every read
/// checked, every copy bounded by `want`.
fn lz4_partial(input: &[u8], want: usize, out: &mut Vec<u8>) -> Result<(), String> {
    let start = out.len();
    let mut at = 0usize;
    let mut next = |at: &mut usize| -> Result<u8, String> {
        let b = *input.get(*at).ok_or("the stream ends early")?;
        *at += 1;
        Ok(b)
    };
    let length = |first: u8, at: &mut usize, next: &mut dyn FnMut(&mut usize) -> Result<u8, String>| {
        let mut len = usize::from(first);
        if first == 15 {
            loop {
                let b = next(at)?;
                len = len.saturating_add(usize::from(b));
                if b != 255 {
                    break;
                }
            }
        }
        Ok::<usize, String>(len)
    };
    while out.len() - start < want {
        let token = next(&mut at)?;
        let literals = length(token >> 4, &mut at, &mut next)?;
        let end = at
            .checked_add(literals)
            .filter(|&e| e <= input.len())
            .ok_or("literals run past the block")?;
        let take = literals.min(want - (out.len() - start));
        out.extend_from_slice(&input[at..at + take]);
        at = end;
        if out.len() - start >= want {
            break;
        }
        let offset = usize::from(u16::from_le_bytes([next(&mut at)?, next(&mut at)?]));
        if offset == 0 || offset > out.len() - start {
            return Err(format!("match offset {offset} points before the cluster's start"));
        }
        let matched = length(token & 15, &mut at, &mut next)? + 4;
        let take = matched.min(want - (out.len() - start));
        for _ in 0..take {
            out.push(out[out.len() - offset]);
        }
    }
    Ok(())
}

/// The (inode number, name) entries of one directory block: 12-byte dirents (nid, name offset,
/// file type), the first one's name offset giving their count, the names after them (the
/// last one ends at the block's end or its first NUL).
fn dirents(block: &[u8]) -> Option<Vec<(u64, &[u8])>> {
    let first = usize::from(le16(block, 8)?);
    if first < 12 || first % 12 != 0 || first > block.len() {
        return None;
    }
    let count = first / 12;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let nid = le64(block, i * 12)?;
        let start = usize::from(le16(block, i * 12 + 8)?);
        let end = if i + 1 < count {
            usize::from(le16(block, (i + 1) * 12 + 8)?)
        } else {
            block.len()
        };
        let name = block.get(start..end)?;
        let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(name.len())];
        if name.is_empty() {
            return None;
        }
        out.push((nid, name));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{lz4_partial, microlzma};

    #[test]
    fn microlzma_streams_decode_and_broken_ones_fail() {
        let text = b"0123 the quick brown fox jumps over the lazy dog\n".repeat(200);
        let mut options = lzma_rust2::LzmaOptions::with_preset(6);
        options.dict_size = 8192;
        let mut encoder = lzma_rust2::MicroLzmaEncoder::new(&options).unwrap();
        let mut pcluster = vec![0u8; 4096];
        let (consumed, written) = encoder.compress_prefix(&text, &mut pcluster).unwrap();
        assert_eq!(consumed, text.len());
        let stream = &pcluster[..written];
        // the properties byte, inverted, in place of the range coder's zero
        assert_eq!(stream[0], !options.get_props());
        let mut out = b"before".to_vec();
        microlzma(stream, 8192, text.len() as u64, &mut out).unwrap();
        assert_eq!(&out[6..], &text[..]);
        // a prefix, as for a cluster that runs past the file's end
        out.clear();
        microlzma(stream, 8192, 100, &mut out).unwrap();
        assert_eq!(out, &text[..100]);
        // more than the stream holds; a stream cut short; nothing but padding
        out.clear();
        assert!(microlzma(stream, 8192, text.len() as u64 + 50, &mut out).is_err());
        out.clear();
        assert!(microlzma(&stream[..written / 2], 8192, text.len() as u64, &mut out).is_err());
        assert_eq!(
            microlzma(&[], 8192, 1, &mut Vec::new()),
            Err("the pcluster holds only zeros".to_string())
        );
        // a properties byte no LZMA has (lc 9)
        let mut bad = stream.to_vec();
        bad[0] = !225;
        assert!(microlzma(&bad, 8192, 10, &mut Vec::new())
            .unwrap_err()
            .starts_with("cannot start (properties byte 0xe1)"));
    }

    #[test]
    fn lz4_blocks_decode_in_part_and_broken_ones_fail() {
        let text = b"abcabcabcabc the quick brown fox ".repeat(50);
        let block = lz4_flex::block::compress(&text);
        let mut out = Vec::new();
        lz4_partial(&block, text.len(), &mut out).unwrap();
        assert_eq!(out, text);
        // zeros after the stream (an image without 0padding) are never read as sequences
        let mut padded = block.clone();
        padded.extend([0u8; 100]);
        out.clear();
        lz4_partial(&padded, text.len(), &mut out).unwrap();
        assert_eq!(out, text);
        // a prefix, as for a cluster that runs past the file's end
        out.clear();
        lz4_partial(&block, 100, &mut out).unwrap();
        assert_eq!(out, &text[..100]);
        // more than the block holds; a match reaching before the cluster's start
        out.clear();
        assert_eq!(
            lz4_partial(&block, text.len() + 1, &mut out),
            Err("the stream ends early".to_string())
        );
        out.clear();
        assert_eq!(
            lz4_partial(&[0x0f, 0x05, 0x00], 10, &mut out),
            Err("match offset 5 points before the cluster's start".to_string())
        );
    }
}
