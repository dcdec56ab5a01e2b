//! JFFS2 images (NOR flash of routers and cameras): a log of nodes, in either byte order, read
//! node by node whatever the erase-block size — 0xff padding, clean markers, summaries and
//! extended-attribute nodes skipped, a node whose header CRC is wrong skipped past one word at a
//! time until the next sound header (the format's own resync). Each inode's data nodes are
//! applied oldest version first, so the latest version of every range wins and the latest inode
//! node gives the size and mode; per (parent, name) the latest directory entry wins, and one
//! naming inode 0 deletes the name. Data compressed with zlib, LZO, LZMA (the OpenWrt kernel
//! patch's raw LZMA: lc=0 lp=0 pb=0, an 8 KiB dictionary) and rtime is decoded; none and zero
//! are copied and zero-filled.
//!
//! An own reader: no crate reads JFFS2 (`jefferson` is Python, and binds C for LZO and rubin).
//! Every offset is checked against the image, nodes are capped at [`MAX_NODES`], a node's data is
//! decoded only into the bytes its header says (at most [`MAX_PAGE`]) and a file only when its
//! size fits the member limit. A node whose node or data CRC is wrong is dropped (as the kernel
//! drops it) and its place reported; a file that lost a node, or whose data does not decode, is
//! reported damaged at its path.

use super::ubifs::{decode, Codec, Problems};
use super::{Corrupt, Member, Visit};
use crate::firmware::carve::crc32_raw;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::ControlFlow;

const DIRENT: u16 = 0xe001;
const INODE: u16 = 0xe002;
/// Nodes read before the rest of the image is left unread (a real image holds one or two per
/// 4 KiB page of data).
pub const MAX_NODES: usize = 4_000_000;
/// Largest data a node may hold uncompressed: the kernel writes at most one page, and pages are
/// at most 64 KiB.
const MAX_PAGE: u32 = 64 << 10;
/// Directory nesting followed.
const MAX_DEPTH: usize = 256;
/// A file may declare at most this many times the image's size (holes read as zeros).
pub(super) const MAX_HOLE_RATIO: u64 = 64;
const ROOT: u32 = 1;

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

#[derive(Clone, Copy)]
struct Order {
    big: bool,
}

impl Order {
    fn u16(self, b: &[u8], at: usize) -> Option<u16> {
        let w: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.big {
            u16::from_be_bytes(w)
        } else {
            u16::from_le_bytes(w)
        })
    }
    fn u32(self, b: &[u8], at: usize) -> Option<u32> {
        let w: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        })
    }
}

/// One data (inode) node: where its data is and what it covers.
struct DataNode {
    version: u32,
    mode: u32,
    isize: u32,
    offset: u32,
    dsize: u32,
    compr: u8,
    /// The node's payload in the image.
    data: std::ops::Range<usize>,
}

struct Dirent {
    version: u32,
    ino: u32,
    kind: u8,
}

#[derive(Default)]
struct Scan {
    inodes: HashMap<u32, Vec<DataNode>>,
    /// (parent, name) → the latest entry.
    dirents: HashMap<(u32, Vec<u8>), Dirent>,
    /// Inodes that lost a node to a bad CRC: the first place.
    lost: HashMap<u32, String>,
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let order = match bytes.get(..2) {
        Some([0x19, 0x85]) => Order { big: true },
        Some([0x85, 0x19]) => Order { big: false },
        _ => return Err(Corrupt("no JFFS2 node at byte 0".to_string())),
    };
    let mut problems = Problems::default();
    let scan = scan(bytes, order, &mut problems);
    let mut children: BTreeMap<u32, Vec<(&[u8], &Dirent)>> = BTreeMap::new();
    for ((parent, name), d) in &scan.dirents {
        if d.ino != 0 {
            children.entry(*parent).or_default().push((name, d));
        }
    }
    let mut walk = Walk {
        bytes,
        limit,
        scan: &scan,
        children: &children,
        seen_files: HashMap::new(),
        entered: HashSet::new(),
        problems: &mut problems,
    };
    if walk.dir(ROOT, Vec::new(), 0, visit).is_continue() {
        problems.finish()
    } else {
        Ok(())
    }
}

/// Reads every node of the image.
fn scan(bytes: &[u8], order: Order, problems: &mut Problems) -> Scan {
    let mut out = Scan::default();
    let mut pos = 0usize;
    let mut nodes = 0usize;
    // a run of words skipped since the last sound node: reported once, where it began
    let mut skipping: Option<usize> = None;
    while pos + 12 <= bytes.len() {
        let word = &bytes[pos..pos + 4];
        if word == [0xff; 4] {
            pos += 4;
            continue;
        }
        let magic = order.u16(bytes, pos).unwrap_or(0);
        let header_ok = magic == 0x1985
            && order.u32(bytes, pos + 8) == Some(crc32_raw(0, &bytes[pos..pos + 8]))
            && order.u32(bytes, pos + 4).is_some_and(|len| len >= 12);
        if !header_ok {
            // zeros are not damage (a dirty block the kernel zeroed, or padding); anything else is
            if word != [0; 4] && skipping.is_none() {
                skipping = Some(pos);
                if magic == 0x1985 {
                    problems.note(format!("node header at 0x{pos:x}: bad CRC; skipped to the next node"));
                } else {
                    problems.note(format!("no node header at 0x{pos:x}; skipped to the next node"));
                }
            }
            pos += 4;
            continue;
        }
        skipping = None;
        nodes += 1;
        if nodes > MAX_NODES {
            problems.note(format!(
                "more than {MAX_NODES} nodes: the rest from 0x{pos:x} is not read"
            ));
            break;
        }
        let kind = order.u16(bytes, pos + 2).unwrap_or(0);
        let len = order.u32(bytes, pos + 4).unwrap_or(0) as usize;
        let Some(node) = pos.checked_add(len).and_then(|end| bytes.get(pos..end)) else {
            problems.note(format!(
                "node at 0x{pos:x} of {len} bytes runs past the end of the image ({} bytes)",
                bytes.len()
            ));
            // resync inside it: the length may be the damaged part
            pos += 4;
            continue;
        };
        match kind {
            INODE => inode_node(node, pos, order, &mut out, problems),
            DIRENT => dirent_node(node, pos, order, &mut out, problems),
            // clean markers, padding, summaries, extended attributes and unknown nodes the
            // header CRC vouches for: their length is trusted
            _ => {}
        }
        pos += len.div_ceil(4) * 4;
    }
    if pos < bytes.len() && bytes[pos..].iter().any(|&b| b != 0xff && b != 0) && skipping.is_none() {
        problems.note(format!("a partial node at 0x{pos:x}, at the end of the image"));
    }
    out
}

fn inode_node(node: &[u8], at: usize, order: Order, out: &mut Scan, problems: &mut Problems) {
    let f = |i| order.u32(node, i);
    let (Some(ino), Some(node_crc)) = (f(12), f(64)) else {
        problems.note(format!("inode node at 0x{at:x}: shorter than its header"));
        return;
    };
    if crc32_raw(0, &node[..60]) != node_crc {
        problems.note(format!("inode node at 0x{at:x} (inode {ino}): bad node CRC; dropped"));
        out.lost
            .entry(ino)
            .or_insert_with(|| format!("inode node at 0x{at:x}: bad node CRC"));
        return;
    }
    let (version, mode, isize, offset, csize, dsize) = (
        f(16).unwrap_or(0),
        f(20).unwrap_or(0),
        f(28).unwrap_or(0),
        f(44).unwrap_or(0),
        f(48).unwrap_or(0) as usize,
        f(52).unwrap_or(0),
    );
    let compr = node[56];
    let Some(data) = node.get(68..68usize.saturating_add(csize)) else {
        problems.note(format!("inode node at 0x{at:x} (inode {ino}): data runs past the node"));
        out.lost
            .entry(ino)
            .or_insert_with(|| format!("inode node at 0x{at:x}: data runs past the node"));
        return;
    };
    if csize > 0 && f(60) != Some(crc32_raw(0, data)) {
        problems.note(format!("inode node at 0x{at:x} (inode {ino}): bad data CRC; dropped"));
        out.lost
            .entry(ino)
            .or_insert_with(|| format!("inode node at 0x{at:x}: bad data CRC"));
        return;
    }
    out.inodes.entry(ino).or_default().push(DataNode {
        version,
        mode,
        isize,
        offset,
        dsize,
        compr,
        data: at + 68..at + 68 + csize,
    });
}

fn dirent_node(node: &[u8], at: usize, order: Order, out: &mut Scan, problems: &mut Problems) {
    let f = |i| order.u32(node, i);
    let (Some(pino), Some(version), Some(ino), Some(node_crc), Some(name_crc)) = (f(12), f(16), f(20), f(32), f(36))
    else {
        problems.note(format!("directory entry at 0x{at:x}: shorter than its header"));
        return;
    };
    if crc32_raw(0, &node[..32]) != node_crc {
        problems.note(format!("directory entry at 0x{at:x}: bad node CRC; dropped"));
        return;
    }
    let nsize = usize::from(node[28]);
    let Some(name) = node.get(40..40 + nsize) else {
        problems.note(format!("directory entry at 0x{at:x}: its name runs past the node"));
        return;
    };
    if crc32_raw(0, name) != name_crc {
        problems.note(format!("directory entry at 0x{at:x}: bad name CRC; dropped"));
        return;
    }
    let entry = out.dirents.entry((pino, name.to_vec()));
    let new = Dirent {
        version,
        ino,
        kind: node[29],
    };
    match entry {
        std::collections::hash_map::Entry::Occupied(mut e) => {
            if e.get().version <= version {
                e.insert(new);
            }
        }
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(new);
        }
    }
}

struct Walk<'s, 'a> {
    bytes: &'a [u8],
    limit: u64,
    scan: &'s Scan,
    children: &'s BTreeMap<u32, Vec<(&'s [u8], &'s Dirent)>>,
    /// Regular files already handed over: their path (later names are hard links to it).
    seen_files: HashMap<u32, Vec<u8>>,
    entered: HashSet<u32>,
    problems: &'s mut Problems,
}

impl<'a> Walk<'_, 'a> {
    fn dir(&mut self, ino: u32, path: Vec<u8>, depth: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        if depth > MAX_DEPTH || !self.entered.insert(ino) {
            self.problems.note(format!(
                "directory inode {ino}: entered twice or nested too deep; not read again"
            ));
            return ControlFlow::Continue(());
        }
        let Some(entries) = self.children.get(&ino) else {
            return ControlFlow::Continue(());
        };
        let mut entries = entries.clone();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        for (name, d) in entries {
            let mut child = path.clone();
            if !child.is_empty() {
                child.push(b'/');
            }
            child.extend_from_slice(name);
            self.entry(d, child, depth, visit)?;
        }
        ControlFlow::Continue(())
    }

    fn entry(&mut self, d: &Dirent, name: Vec<u8>, depth: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        let nodes = self.scan.inodes.get(&d.ino);
        let latest = nodes.and_then(|n| n.iter().max_by_key(|n| n.version));
        let mode = match latest {
            Some(n) => n.mode & S_IFMT,
            // no inode node: the entry's type alone (DT_DIR 4, DT_REG 8, DT_LNK 10)
            None => match d.kind {
                4 => S_IFDIR,
                10 => S_IFLNK,
                _ => {
                    let why = self
                        .scan
                        .lost
                        .get(&d.ino)
                        .cloned()
                        .unwrap_or_else(|| format!("inode {} has no inode node", d.ino));
                    return visit(Member::Damaged { name, message: why });
                }
            },
        };
        match mode {
            S_IFDIR => self.dir(d.ino, name, depth + 1, visit),
            S_IFLNK => {
                let target = match self.contents(d.ino, latest.map_or(0, |n| n.isize), 4096) {
                    Ok((t, None)) => t,
                    Ok((_, Some(message))) => return visit(Member::Damaged { name, message }),
                    Err(message) => return visit(Member::Damaged { name, message }),
                };
                visit(Member::Link {
                    name,
                    target,
                    hard: false,
                })
            }
            S_IFREG => {
                if let Some(first) = self.seen_files.get(&d.ino) {
                    return visit(Member::Link {
                        name,
                        target: first.clone(),
                        hard: true,
                    });
                }
                self.seen_files.insert(d.ino, name.clone());
                let size = u64::from(latest.map_or(0, |n| n.isize));
                if size > self.limit {
                    return visit(Member::TooBig { name, size });
                }
                if let Some(why) = self.scan.lost.get(&d.ino) {
                    visit(Member::Damaged {
                        name: name.clone(),
                        message: format!("{why}; the file is read without that node"),
                    })?;
                }
                match self.contents(d.ino, size as u32, self.limit) {
                    Ok((data, gap)) => {
                        // a node dropped for its CRC is the gap's cause, already said
                        if let Some(message) = gap.filter(|_| !self.scan.lost.contains_key(&d.ino)) {
                            visit(Member::Damaged {
                                name: name.clone(),
                                message,
                            })?;
                        }
                        visit(Member::File {
                            name,
                            data: Cow::Owned(data),
                        })
                    }
                    Err(message) => visit(Member::Damaged { name, message }),
                }
            }
            _ => visit(Member::Special { name }),
        }
    }

    /// An inode's contents: its data nodes applied oldest version first, `size` bytes; and the
    /// first range no node covers, if any. The kernel writes a hole as a node of zeros (and
    /// mkfs.jffs2 writes every byte), so a range no node covers is a node lost (a cut image).
    fn contents(&self, ino: u32, size: u32, limit: u64) -> Result<(Vec<u8>, Option<String>), String> {
        if u64::from(size) > limit {
            return Err(format!("{size} bytes, over the limit of {limit}"));
        }
        if u64::from(size) > (self.bytes.len() as u64).saturating_mul(MAX_HOLE_RATIO) {
            return Err(format!(
                "declares {size} bytes, more than {MAX_HOLE_RATIO} times the image's size"
            ));
        }
        let mut out = vec![0u8; size as usize];
        let Some(nodes) = self.scan.inodes.get(&ino) else {
            return Ok((out, None));
        };
        let gap = first_gap(nodes, size)
            .map(|(from, to)| format!("inode {ino}: bytes {from} to {to} of its {size} are in no node (a node lost?)"));
        let mut order: Vec<&DataNode> = nodes.iter().collect();
        order.sort_by_key(|n| n.version);
        for n in order {
            if n.dsize == 0 {
                if let Some(tail) = out.get_mut(n.isize as usize..) {
                    tail.fill(0);
                }
                continue;
            }
            let start = n.offset as usize;
            if start >= out.len() {
                continue;
            }
            if n.dsize > MAX_PAGE {
                return Err(format!(
                    "data node at 0x{:x}: {} bytes, more than a page",
                    n.data.start - 68,
                    n.dsize
                ));
            }
            let payload = &self.bytes[n.data.clone()];
            let data = match n.compr {
                0 | 4 => Ok(payload.to_vec()),
                1 => Ok(vec![0; n.dsize as usize]),
                2 => rtime(payload, n.dsize as usize),
                6 => decode(Codec::Zlib, payload, n.dsize as usize),
                7 => decode(Codec::Lzo, payload, n.dsize as usize),
                8 => decode(Codec::JffsLzma, payload, n.dsize as usize),
                3 | 5 => Err("rubin compression, not read".to_string()),
                other => Err(format!("unknown compression {other}")),
            }
            .map_err(|e| format!("data node at 0x{:x}: {e}", n.data.start - 68))?;
            let end = (start + data.len()).min(out.len());
            out[start..end].copy_from_slice(&data[..end - start]);
            // the size this node recorded: a truncation drops what older nodes wrote past it
            if let Some(tail) = out.get_mut(n.isize as usize..) {
                tail.fill(0);
            }
        }
        Ok((out, gap))
    }
}

/// The first range of `0..size` that no node's data covers.
fn first_gap(nodes: &[DataNode], size: u32) -> Option<(u32, u32)> {
    let mut ranges: Vec<(u32, u32)> = nodes
        .iter()
        .filter(|n| n.dsize > 0)
        .map(|n| (n.offset, n.offset.saturating_add(n.dsize)))
        .collect();
    ranges.sort_unstable();
    let mut covered = 0u32;
    for (start, end) in ranges {
        if start > covered {
            break;
        }
        covered = covered.max(end);
    }
    (covered < size).then(|| {
        let next = nodes
            .iter()
            .filter(|n| n.dsize > 0 && n.offset > covered)
            .map(|n| n.offset)
            .min()
            .unwrap_or(size);
        (covered, next.min(size))
    })
}

/// JFFS2's rtime: pairs of (byte, repeat count), a repeat copying from where that byte value was
/// last written. Decodes exactly `len` bytes, or fails.
fn rtime(input: &[u8], len: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(len);
    let mut positions = [0usize; 256];
    let mut pairs = input.chunks_exact(2);
    while out.len() < len {
        let Some(&[value, repeat]) = pairs.next() else {
            return Err(format!("rtime data ends after {} of {len} bytes", out.len()));
        };
        out.push(value);
        let from = positions[usize::from(value)];
        positions[usize::from(value)] = out.len();
        // from + i < out.len() always: `from` was a past length of out, and out grows with i
        for back in from..from + usize::from(repeat) {
            if out.len() >= len {
                return Err("rtime data runs past its size".to_string());
            }
            out.push(out[back]);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's compressor, for the test: what each byte repeats of where it last appeared.
    fn rtime_compress(data: &[u8]) -> Vec<u8> {
        let mut positions = [0usize; 256];
        let (mut out, mut pos) = (Vec::new(), 0);
        while pos < data.len() {
            let value = data[pos];
            out.push(value);
            pos += 1;
            let mut back = positions[usize::from(value)];
            positions[usize::from(value)] = pos;
            let mut run = 0u8;
            while back < pos && pos < data.len() && data[pos] == data[back] && run < 255 {
                pos += 1;
                back += 1;
                run += 1;
            }
            out.push(run);
        }
        out
    }

    #[test]
    fn rtime_round_trips_and_refuses_short_or_long_data() {
        let data = b"abcabcabcabcaaaaaaaaaaaaaaaaaaaxyz".repeat(20);
        let packed = rtime_compress(&data);
        assert!(packed.len() < data.len());
        assert_eq!(rtime(&packed, data.len()).unwrap(), data);
        assert!(rtime(&packed[..packed.len() - 2], data.len()).is_err());
        assert!(rtime(&packed, data.len() - 3).is_err());
        // hostile input: every pair repeats the maximum
        assert!(rtime(&[0, 255, 0, 255], 10).is_err());
    }
}
