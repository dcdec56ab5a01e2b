//! UBIFS (the filesystem NAND cameras and routers mount on a UBI volume), a bare image or a UBI
//! volume handed over by the UBI reader: the superblock (LEB 0) for the geometry, the newest
//! master node of its two copies (LEBs 1 and 2, highest sequence number with a sound CRC), and
//! the index B-tree from the master's root down to the leaf nodes it points at — inodes, directory
//! entries and data nodes (extended-attribute entries are ignored). Then the journal is replayed:
//! the log's reference nodes name the buds written since the last commit, and the nodes in them
//! override the indexed ones of the same key when newer. Files are assembled block by block
//! (4 KiB each, holes as zeros); data compressed with LZO, zlib (raw deflate) or zstd is decoded.
//!
//! An own reader: no Rust crate reads UBIFS (`ubi_reader` is Python). Every node is read through
//! a bounds check and its CRC checked; index nodes are visited once each (a seen set ends loops)
//! and at most [`MAX_NODES`] nodes are read in all; a node with a bad CRC is damage with its place
//! (LEB and offset), and the tree under a bad index node is lost while the rest is read.
//!
//! The codecs the flash readers share live here too ([`decode`]): LZO through `lzallright` (safe
//! Rust, decodes into a buffer of the size asked for and returns errors on bad input: the other
//! pure-Rust LZO crates either panic on a bad back-reference — `lzokay-native` indexes its output
//! unchecked — or are GPL), zlib/deflate through flate2, zstd through the zstd crate, and the
//! JFFS2 LZMA variant through liblzma's raw LZMA1 decoder.

use super::{Corrupt, Member, Visit};
use crate::firmware::carve::crc32_raw;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::ops::ControlFlow;

pub(crate) const MAGIC: u32 = 0x0610_1831;
/// Bytes of the common node header.
const CH: usize = 24;
const INO_NODE: u8 = 0;
const DATA_NODE: u8 = 1;
const DENT_NODE: u8 = 2;
const TRUN_NODE: u8 = 4;
const SB_NODE: u8 = 6;
const MST_NODE: u8 = 7;
const REF_NODE: u8 = 8;
const IDX_NODE: u8 = 9;
const CS_NODE: u8 = 10;
/// UBIFS's data block.
const BLOCK: u64 = 4096;
/// Index and leaf nodes read in all.
pub const MAX_NODES: usize = 4_000_000;
/// Index levels followed (UBIFS allows 512; real trees have a handful).
const MAX_LEVELS: usize = 512;
const ROOT: u64 = 1;
const MAX_DEPTH: usize = 256;

/// The first problem met (with a count of the rest), returned once a walk is over so the members
/// found are kept. Shared by the flash readers.
#[derive(Default)]
pub(super) struct Problems {
    first: Option<String>,
    more: usize,
}

impl Problems {
    pub(super) fn note(&mut self, message: String) {
        if self.first.is_none() {
            self.first = Some(message);
        } else {
            self.more += 1;
        }
    }

    pub(super) fn finish(self) -> Result<(), Corrupt> {
        match (self.first, self.more) {
            (None, _) => Ok(()),
            (Some(first), 0) => Err(Corrupt(first)),
            (Some(first), 1) => Err(Corrupt(format!("{first} (and 1 more problem)"))),
            (Some(first), n) => Err(Corrupt(format!("{first} (and {n} more problems)"))),
        }
    }
}

/// A compression of flash filesystem blocks.
#[derive(Debug, Clone, Copy)]
pub(super) enum Codec {
    Lzo,
    /// zlib with its header, or raw deflate without (JFFS2 and UBIFS write either).
    Zlib,
    Zstd,
    /// Raw LZMA1, lc=0 lp=0 pb=0, an 8 KiB dictionary (OpenWrt's JFFS2 LZMA).
    JffsLzma,
}

/// Decodes `input` into exactly `len` bytes (a block or page: the caller bounds `len`), or says
/// why not.
pub(super) fn decode(codec: Codec, input: &[u8], len: usize) -> Result<Vec<u8>, String> {
    let out = match codec {
        Codec::Lzo => {
            let mut out = vec![0u8; len];
            let n = lzallright::decompress(input, &mut out).map_err(|e| format!("LZO data does not decode: {e:?}"))?;
            out.truncate(n);
            out
        }
        Codec::Zlib => {
            // a zlib header: CM 8 and the check bits (as the kernel's JFFS2 tells them apart)
            let zlib =
                input.len() >= 2 && input[0] & 0x0f == 8 && (u16::from(input[0]) << 8 | u16::from(input[1])) % 31 == 0;
            let mut out = Vec::with_capacity(len);
            let read = if zlib {
                flate2::read::ZlibDecoder::new(input)
                    .take(len as u64 + 1)
                    .read_to_end(&mut out)
            } else {
                flate2::read::DeflateDecoder::new(input)
                    .take(len as u64 + 1)
                    .read_to_end(&mut out)
            };
            read.map_err(|e| format!("zlib data does not decode: {e}"))?;
            out
        }
        Codec::Zstd => zstd::bulk::decompress(input, len).map_err(|e| format!("zstd data does not decode: {e}"))?,
        Codec::JffsLzma => {
            let mut options = liblzma::stream::LzmaOptions::new();
            options
                .dict_size(0x2000)
                .literal_context_bits(0)
                .literal_position_bits(0)
                .position_bits(0);
            let mut filters = liblzma::stream::Filters::new();
            filters.lzma1(&options);
            let stream = liblzma::stream::Stream::new_raw_decoder(&filters).map_err(|e| format!("LZMA: {e}"))?;
            let mut out = Vec::with_capacity(len);
            let read = liblzma::read::XzDecoder::new_stream(input, stream)
                .take(len as u64)
                .read_to_end(&mut out);
            // with no end marker the decoder runs out of input once the page is out
            if out.len() < len {
                read.map_err(|e| format!("LZMA data does not decode: {e}"))?;
            }
            out
        }
    };
    if out.len() != len {
        return Err(format!("{codec:?} data decodes to {} bytes, not {len}", out.len()));
    }
    Ok(out)
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// A place on the volume, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Place {
    lnum: u32,
    offs: u32,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LEB {} offset 0x{:x}", self.lnum, self.offs)
    }
}

/// Why a node could not be read.
enum Bad {
    /// Nothing there, or not a node (0xff, another magic).
    Absent,
    Damaged(String),
}

/// The volume: its bytes and LEB size.
struct Volume<'a> {
    bytes: &'a [u8],
    leb: u64,
}

impl<'a> Volume<'a> {
    /// The sound node at `at` (magic, length within the LEB and the volume, CRC), with its type.
    fn node(&self, at: Place) -> Result<(&'a [u8], u8, u64), Bad> {
        let start = u64::from(at.lnum) * self.leb + u64::from(at.offs);
        let start = usize::try_from(start).map_err(|_| Bad::Absent)?;
        let Some(head) = self.bytes.get(start..start.saturating_add(CH)) else {
            return Err(Bad::Absent);
        };
        if le32(head, 0) != Some(MAGIC) {
            return Err(Bad::Absent);
        }
        let len = le32(head, 16).unwrap_or(0) as usize;
        if len < CH || u64::from(at.offs) + len as u64 > self.leb {
            return Err(Bad::Damaged(format!("node at {at}: length {len} does not fit its LEB")));
        }
        let Some(node) = self.bytes.get(start..start + len) else {
            return Err(Bad::Damaged(format!("node at {at}: runs past the end of the volume")));
        };
        if le32(node, 4) != Some(crc32_raw(!0, &node[8..])) {
            return Err(Bad::Damaged(format!("node at {at}: bad CRC")));
        }
        Ok((node, node[20], le64(node, 8).unwrap_or(0)))
    }
}

/// A leaf's key, as far as the reader needs it: inode number, type, and the name hash or block
/// number.
type Key = (u64, u8, u32);

fn key_of(b: &[u8], at: usize) -> Option<Key> {
    let inum = u64::from(le32(b, at)?);
    let word = le32(b, at + 4)?;
    Some((inum, (word >> 29) as u8, word & 0x1fff_ffff))
}

struct Inode<'a> {
    size: u64,
    mode: u32,
    nlink: u32,
    data: &'a [u8],
}

struct Entry<'a> {
    name: &'a [u8],
    inum: u64,
}

/// A directory's entries by name: the newest (sqnum, node) of each.
type Names<'a> = HashMap<&'a [u8], (u64, &'a [u8])>;

/// What the index and the journal hold.
#[derive(Default)]
struct Tree<'a> {
    /// Leaves by key, newest first wins: (sqnum, node).
    leaves: HashMap<Key, (u64, &'a [u8])>,
    /// Directory entries by parent.
    dents: HashMap<u64, Names<'a>>,
    /// Inodes with a leaf node that could not be read (the index's key names the inode): the
    /// first reason.
    lost: HashMap<u64, String>,
    /// Truncations replayed from the journal, by inode: (sqnum, new size).
    truncations: HashMap<u64, Vec<(u64, u64)>>,
    nodes: usize,
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let mut problems = Problems::default();
    // the superblock: LEB 0, offset 0; its LEB size places everything else
    let sb_leb = le32(bytes, 36).map(u64::from).unwrap_or(0);
    if !(512..=(64 << 20)).contains(&sb_leb) {
        return Err(Corrupt(format!("superblock: LEB size {sb_leb} is not plausible")));
    }
    let volume = Volume { bytes, leb: sb_leb };
    let sb = match volume.node(Place { lnum: 0, offs: 0 }) {
        Ok((node, SB_NODE, _)) => node,
        Ok(_) | Err(Bad::Absent) => return Err(Corrupt("no superblock node at LEB 0".to_string())),
        Err(Bad::Damaged(why)) => return Err(Corrupt(format!("superblock: {why}"))),
    };
    let log_lebs = le32(sb, 56).unwrap_or(0);
    let master = master(&volume, &mut problems)?;
    let root = Place {
        lnum: le32(master, 48).unwrap_or(0),
        offs: le32(master, 52).unwrap_or(0),
    };
    let log_lnum = le32(master, 44).unwrap_or(0);
    let mut tree = Tree::default();
    index(&volume, root, 0, &mut tree, &mut HashSet::new(), &mut problems);
    replay(&volume, log_lnum, log_lebs, &mut tree, &mut problems);
    let mut walk = Walk {
        volume: &volume,
        limit,
        tree: &tree,
        seen: HashMap::new(),
        entered: HashSet::new(),
        problems: &mut problems,
    };
    if walk.dir(ROOT, Vec::new(), 0, visit).is_continue() {
        problems.finish()
    } else {
        Ok(())
    }
}

/// The newest sound master node of LEBs 1 and 2 (each holds its copies one after another).
fn master<'a>(volume: &Volume<'a>, problems: &mut Problems) -> Result<&'a [u8], Corrupt> {
    let mut best: Option<(u64, &[u8])> = None;
    for lnum in [1u32, 2] {
        let mut offs = 0u64;
        while offs + CH as u64 <= volume.leb {
            let at = Place {
                lnum,
                offs: offs as u32,
            };
            match volume.node(at) {
                Ok((node, MST_NODE, sqnum)) => {
                    if best.is_none_or(|b| sqnum > b.0) {
                        best = Some((sqnum, node));
                    }
                    offs += (node.len() as u64).div_ceil(8) * 8;
                }
                Ok((node, _, _)) => offs += (node.len() as u64).div_ceil(8) * 8,
                Err(Bad::Absent) => offs += 8,
                Err(Bad::Damaged(why)) => {
                    problems.note(format!("master area: {why}"));
                    offs += 8;
                }
            }
        }
    }
    best.map(|b| b.1)
        .ok_or_else(|| Corrupt("no sound master node in LEBs 1 and 2".to_string()))
}

/// Collects the leaves under the index node at `at`.
fn index<'a>(
    volume: &Volume<'a>,
    at: Place,
    level: usize,
    tree: &mut Tree<'a>,
    seen: &mut HashSet<Place>,
    problems: &mut Problems,
) {
    if level > MAX_LEVELS || !seen.insert(at) {
        problems.note(format!("index node at {at}: reached twice or too deep; not read again"));
        return;
    }
    tree.nodes += 1;
    if tree.nodes > MAX_NODES {
        if tree.nodes == MAX_NODES + 1 {
            problems.note(format!(
                "more than {MAX_NODES} nodes; the rest of the index is not read"
            ));
        }
        return;
    }
    let node = match volume.node(at) {
        Ok((node, IDX_NODE, _)) => node,
        Ok((_, kind, _)) => {
            problems.note(format!("index node at {at}: a node of type {kind} instead"));
            return;
        }
        Err(Bad::Absent) => {
            problems.note(format!("index node at {at}: no node there"));
            return;
        }
        Err(Bad::Damaged(why)) => {
            problems.note(format!("index {why}; the files under it are not listed"));
            return;
        }
    };
    let count = usize::from(le16(node, 24).unwrap_or(0));
    let node_level = le16(node, 26).unwrap_or(0);
    // each branch: lnum, offs, len, the key (and a hash on authenticated images)
    let branch = (node.len() - 28).checked_div(count).unwrap_or(0);
    if count == 0 || branch < 20 {
        problems.note(format!("index node at {at}: {count} branches do not fit it"));
        return;
    }
    for i in 0..count {
        let b = 28 + i * branch;
        let child = Place {
            lnum: le32(node, b).unwrap_or(0),
            offs: le32(node, b + 4).unwrap_or(0),
        };
        if node_level > 0 {
            index(volume, child, level + 1, tree, seen, problems);
        } else if let Err(why) = leaf(volume, child, tree) {
            if let Some((inum, _, _)) = key_of(node, b + 12) {
                tree.lost.entry(inum).or_insert_with(|| why.clone());
            }
            problems.note(why);
        }
    }
}

/// Reads a leaf node the index points at into the tree, when newer than what it holds.
fn leaf<'a>(volume: &Volume<'a>, at: Place, tree: &mut Tree<'a>) -> Result<(), String> {
    tree.nodes += 1;
    if tree.nodes > MAX_NODES {
        return Ok(());
    }
    match volume.node(at) {
        Ok((node, kind, sqnum)) => {
            add(node, kind, sqnum, tree);
            Ok(())
        }
        Err(Bad::Absent) => Err(format!("leaf node at {at}: no node there")),
        Err(Bad::Damaged(why)) => Err(format!("leaf {why}")),
    }
}

fn add<'a>(node: &'a [u8], kind: u8, sqnum: u64, tree: &mut Tree<'a>) {
    let Some(key) = key_of(node, CH) else { return };
    match kind {
        INO_NODE | DATA_NODE => {
            let slot = tree.leaves.entry(key).or_insert((sqnum, node));
            if slot.0 < sqnum {
                *slot = (sqnum, node);
            }
        }
        DENT_NODE => {
            let Some(name) = dent_name(node) else { return };
            let slot = tree
                .dents
                .entry(key.0)
                .or_default()
                .entry(name)
                .or_insert((sqnum, node));
            if slot.0 < sqnum {
                *slot = (sqnum, node);
            }
        }
        TRUN_NODE => {
            // a truncation: data blocks past the new size are gone (those in the index already
            // are not indexed any more; those in the journal before it are dropped here)
            // (applied when the file is assembled: see `Walk::truncated`)
            let new_size = le64(node, 48).unwrap_or(u64::MAX);
            let inum = u64::from(le32(node, 24).unwrap_or(0));
            tree.truncations.entry(inum).or_default().push((sqnum, new_size));
        }
        // extended-attribute entries and anything else: not files
        _ => {}
    }
}

fn dent_name(node: &[u8]) -> Option<&[u8]> {
    node.get(56..56 + usize::from(le16(node, 50)?))
}

/// Replays the journal: from the commit start node at the master's log LEB on, the log's
/// reference nodes point at buds, whose nodes are newer than the last commit. A log node older
/// than the commit start is stale (an earlier lap of the circular log): the log ends there.
fn replay<'a>(volume: &Volume<'a>, log_lnum: u32, log_lebs: u32, tree: &mut Tree<'a>, problems: &mut Problems) {
    let cs_sqnum = match volume.node(Place {
        lnum: log_lnum,
        offs: 0,
    }) {
        Ok((_, CS_NODE, sqnum)) => sqnum,
        Ok((_, kind, _)) => {
            problems.note(format!(
                "log LEB {log_lnum}: starts with a node of type {kind}, not a commit start"
            ));
            return;
        }
        Err(Bad::Absent) => {
            problems.note(format!("log LEB {log_lnum}: no commit start node"));
            return;
        }
        Err(Bad::Damaged(why)) => {
            problems.note(format!("log {why}"));
            return;
        }
    };
    let mut buds = Vec::new();
    let first = log_lnum.saturating_sub(3);
    'log: for i in 0..log_lebs.min(4096) {
        let lnum = 3 + (first + i) % log_lebs;
        let nodes = nodes_in(volume, lnum, 0, problems);
        if nodes.is_empty() {
            break;
        }
        for (node, kind, sqnum) in nodes {
            if sqnum < cs_sqnum {
                break 'log;
            }
            if kind == REF_NODE {
                buds.push(Place {
                    lnum: le32(node, 24).unwrap_or(0),
                    offs: le32(node, 28).unwrap_or(0),
                });
            }
        }
    }
    for bud in buds {
        for (node, kind, sqnum) in nodes_in(volume, bud.lnum, bud.offs, problems) {
            tree.nodes += 1;
            if tree.nodes > MAX_NODES {
                return;
            }
            add(node, kind, sqnum, tree);
        }
    }
}

/// The nodes written one after another in a LEB from `offs` (8-byte aligned), up to the first
/// gap or damage (where a journal's writing stopped).
fn nodes_in<'a>(volume: &Volume<'a>, lnum: u32, offs: u32, problems: &mut Problems) -> Vec<(&'a [u8], u8, u64)> {
    let mut out = Vec::new();
    let mut at = u64::from(offs);
    while at + CH as u64 <= volume.leb {
        match volume.node(Place { lnum, offs: at as u32 }) {
            Ok(n) => {
                at += (n.0.len() as u64).div_ceil(8) * 8;
                out.push(n);
            }
            Err(Bad::Absent) => break,
            Err(Bad::Damaged(why)) => {
                // the last node of a journal cut by a power loss is expected; anything is noted
                problems.note(format!("journal {why}"));
                break;
            }
        }
    }
    out
}

struct Walk<'v, 'a> {
    volume: &'v Volume<'a>,
    limit: u64,
    tree: &'v Tree<'a>,
    /// Regular files handed over, by inode: their name (later names are hard links to it).
    seen: HashMap<u64, Vec<u8>>,
    entered: HashSet<u64>,
    problems: &'v mut Problems,
}

impl<'a> Walk<'_, 'a> {
    fn inode(&self, inum: u64) -> Option<Inode<'a>> {
        let (_, node) = self.tree.leaves.get(&(inum, INO_NODE, 0))?;
        let data_len = le32(node, 112)? as usize;
        Some(Inode {
            size: le64(node, 48)?,
            nlink: le32(node, 92)?,
            mode: le32(node, 104)?,
            data: node.get(160..160 + data_len)?,
        })
    }

    fn entries(&self, parent: u64) -> Vec<Entry<'a>> {
        let Some(names) = self.tree.dents.get(&parent) else {
            return Vec::new();
        };
        let mut out: Vec<Entry<'a>> = names
            .values()
            .filter_map(|(_, node)| {
                let inum = le64(node, 40)?;
                // an entry naming inode 0 is a deletion
                (inum != 0).then_some(Entry {
                    name: dent_name(node)?,
                    inum,
                })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(b.name));
        out
    }

    fn dir(&mut self, inum: u64, path: Vec<u8>, depth: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        if depth > MAX_DEPTH || !self.entered.insert(inum) {
            self.problems.note(format!(
                "directory inode {inum}: entered twice or nested too deep; not read again"
            ));
            return ControlFlow::Continue(());
        }
        for entry in self.entries(inum) {
            let mut name = path.clone();
            if !name.is_empty() {
                name.push(b'/');
            }
            name.extend_from_slice(entry.name);
            self.entry(entry.inum, name, depth, visit)?;
        }
        ControlFlow::Continue(())
    }

    fn entry(&mut self, inum: u64, name: Vec<u8>, depth: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        if let Some(why) = self.tree.lost.get(&inum) {
            visit(Member::Damaged {
                name: name.clone(),
                message: format!("{why}; read without that node"),
            })?;
        }
        let Some(inode) = self.inode(inum).filter(|i| i.nlink > 0) else {
            return visit(Member::Damaged {
                name,
                message: format!("inode {inum}: not in the index"),
            });
        };
        match inode.mode & 0o170_000 {
            0o040_000 => self.dir(inum, name, depth + 1, visit),
            0o120_000 => visit(Member::Link {
                name,
                target: inode.data.to_vec(),
                hard: false,
            }),
            0o100_000 => {
                if let Some(first) = self.seen.get(&inum) {
                    return visit(Member::Link {
                        name,
                        target: first.clone(),
                        hard: true,
                    });
                }
                self.seen.insert(inum, name.clone());
                if inode.size > self.limit {
                    return visit(Member::TooBig { name, size: inode.size });
                }
                match self.contents(inum, inode.size) {
                    Ok(data) => visit(Member::File {
                        name,
                        data: Cow::Owned(data),
                    }),
                    Err(message) => visit(Member::Damaged { name, message }),
                }
            }
            _ => visit(Member::Special { name }),
        }
    }

    /// A file's data blocks, decoded into place; blocks with no node are holes.
    fn contents(&self, inum: u64, size: u64) -> Result<Vec<u8>, String> {
        if size > (self.volume.bytes.len() as u64).saturating_mul(super::jffs2::MAX_HOLE_RATIO) {
            return Err(format!(
                "inode {inum} declares {size} bytes, more than {} times the volume's size",
                super::jffs2::MAX_HOLE_RATIO
            ));
        }
        let mut out = vec![0u8; size as usize];
        let truncated = Truncations::new(self.tree.truncations.get(&inum));
        for block in 0..size.div_ceil(BLOCK).min(1 << 29) as u32 {
            let Some(&(sqnum, node)) = self.tree.leaves.get(&(inum, DATA_NODE, block)) else {
                continue;
            };
            let start = u64::from(block) * BLOCK;
            if truncated.below(sqnum).is_some_and(|size| start >= size) {
                continue;
            }
            let len = le32(node, 40).unwrap_or(0) as usize;
            if len as u64 > BLOCK {
                return Err(format!("inode {inum} block {block}: {len} bytes, more than a block"));
            }
            let codec = match le16(node, 44).unwrap_or(0) {
                0 => None,
                1 => Some(Codec::Lzo),
                2 => Some(Codec::Zlib),
                3 => Some(Codec::Zstd),
                other => return Err(format!("inode {inum} block {block}: unknown compression {other}")),
            };
            let payload = &node[48.min(node.len())..];
            let data = match codec {
                None => payload
                    .get(..len)
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| "short".to_string()),
                Some(codec) => decode(codec, payload, len),
            }
            .map_err(|e| format!("inode {inum} block {block}: {e}"))?;
            let start = start as usize;
            let end = (start + data.len()).min(out.len());
            out[start..end].copy_from_slice(&data[..end - start]);
        }
        Ok(out)
    }
}

/// An inode's truncations, for asking "the smallest size it was cut to after sequence number
/// s" in logarithmic time (a journal of many truncations costs no more per block).
struct Truncations {
    /// By sequence number; with the smallest new size from each one on.
    by_sqnum: Vec<(u64, u64)>,
}

impl Truncations {
    fn new(list: Option<&Vec<(u64, u64)>>) -> Self {
        let mut by_sqnum = list.cloned().unwrap_or_default();
        by_sqnum.sort_unstable();
        let mut min = u64::MAX;
        for entry in by_sqnum.iter_mut().rev() {
            min = min.min(entry.1);
            entry.1 = min;
        }
        Truncations { by_sqnum }
    }

    /// The smallest size the inode was truncated to by a node newer than `sqnum`.
    fn below(&self, sqnum: u64) -> Option<u64> {
        let first_newer = self.by_sqnum.partition_point(|t| t.0 <= sqnum);
        self.by_sqnum.get(first_newer).map(|t| t.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_refuse_garbage_without_panicking() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for round in 0..2000 {
            let len = round % 97;
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            for codec in [Codec::Lzo, Codec::Zlib, Codec::Zstd, Codec::JffsLzma] {
                if let Ok(out) = decode(codec, &junk, 4096) {
                    assert_eq!(out.len(), 4096);
                }
            }
        }
    }

    /// Mutants of the flash fixtures (bit flips, a bumped byte, cuts) through the three flash
    /// readers: errors and damaged members, never a panic, never more than the limit handed over.
    #[test]
    fn mutants_of_the_flash_fixtures_never_panic() {
        use super::super::{jffs2, ubi};
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/out/flash");
        type Reader = for<'a, 'v> fn(&'a [u8], u64, &mut Visit<'v, 'a>) -> Result<(), Corrupt>;
        let readers: [(&str, Reader); 4] = [
            ("ubifs-lzo.img", read),
            ("ubi.img", ubi::read),
            ("le-8k.jffs2", jffs2::read),
            ("rtime.jffs2", jffs2::read),
        ];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for (name, reader) in readers {
            let image = std::fs::read(format!("{dir}/{name}")).unwrap();
            for round in 0..150 {
                let mut mutant = image.clone();
                match round % 3 {
                    0 => {
                        for _ in 0..1 + next() % 8 {
                            let at = (next() % mutant.len() as u64) as usize;
                            mutant[at] ^= 1 << (next() % 8);
                        }
                    }
                    1 => {
                        let at = (next() % mutant.len() as u64) as usize;
                        mutant[at] = mutant[at].wrapping_add(1 + (next() % 200) as u8);
                    }
                    _ => mutant.truncate((next() % mutant.len() as u64) as usize),
                }
                let limit = 1 << 20;
                let mut handed = 0u64;
                let mut visit = |m: Member<'_>| {
                    if let Member::File { data, .. } = &m {
                        assert!(data.len() as u64 <= limit, "{name} round {round}");
                        handed += data.len() as u64;
                    }
                    ControlFlow::Continue(())
                };
                let _ = reader(&mutant, limit, &mut visit);
                assert!(handed <= 64 * limit, "{name} round {round}: {handed} bytes");
            }
        }
    }

    #[test]
    fn a_block_is_dropped_only_by_a_newer_truncation_below_it() {
        let t = Truncations::new(Some(&vec![(10, 8192), (30, 100_000), (20, 4096)]));
        // written before all three: the smallest later size is 4096
        assert_eq!(t.below(5), Some(4096));
        assert_eq!(t.below(15), Some(4096));
        // written after the cut to 4096: only the later, larger size applies
        assert_eq!(t.below(25), Some(100_000));
        assert_eq!(t.below(30), None);
        assert_eq!(Truncations::new(None).below(0), None);
    }

    #[test]
    fn zlib_and_raw_deflate_are_both_read() {
        use std::io::Write;
        let data = b"flash filesystem block ".repeat(100);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&data).unwrap();
        let zlib = z.finish().unwrap();
        let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        d.write_all(&data).unwrap();
        let raw = d.finish().unwrap();
        assert_eq!(decode(Codec::Zlib, &zlib, data.len()).unwrap(), data);
        assert_eq!(decode(Codec::Zlib, &raw, data.len()).unwrap(), data);
        assert!(decode(Codec::Zlib, &raw, data.len() - 1).is_err());
    }
}
