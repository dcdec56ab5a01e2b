//! Flattened device trees (the `.dtb` format of the Devicetree Specification v0.4, chapter 5):
//! a 40-byte big-endian header, a structure block of tokens (`FDT_BEGIN_NODE`, `FDT_END_NODE`,
//! `FDT_PROP`, `FDT_NOP`, `FDT_END`) and a strings block holding property names.
//!
//! Hand-written rather than the `fdt` crate (0.1.5): that crate slices values by lengths taken
//! from the blob without checking them (`&stream.remaining()[..data_len]`), asserts on tokens
//! (`panic!("bad prop, tag: {}")`, `assert_eq!(…, "bad node")`), keeps parents in a fixed
//! 64-entry array indexed by depth and gives neither full node paths nor where a value lies in
//! the blob. Device trees here come from untrusted firmware and evidence needs offsets, and the
//! format is five tokens, so a small bounded parser is the safer and shorter path.
//!
//! Bounds: every offset and length is checked against the blob, nesting is at most
//! [`MAX_DEPTH`], nodes at most [`MAX_NODES`], and the node paths together at most
//! [`MAX_PATH_BYTES`]; every other allocation is bounded by the blob's size (a property or node
//! costs at least 8 bytes of structure block).

use std::borrow::Cow;

pub const MAGIC: u32 = 0xd00d_feed;
/// Nodes nested deeper than this are refused (real trees nest fewer than ten levels).
pub const MAX_DEPTH: usize = 64;
/// More nodes than this are refused (a large SoC tree has a few thousand).
pub const MAX_NODES: usize = 100_000;
/// The full paths of all nodes together: a path repeats its parents' names, so deep nesting of
/// long names could otherwise cost far more memory than the blob itself.
pub const MAX_PATH_BYTES: usize = 16 << 20;

const HEADER_LEN: usize = 40;
const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;

/// Why a blob is not a readable device tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FdtError {
    #[error("not a device tree (magic 0x{0:08x})")]
    BadMagic(u32),
    #[error("truncated: the device tree needs {need} bytes, {have} are present")]
    Truncated { need: u64, have: u64 },
    #[error("unsupported device tree version {version} (compatible back to {last_compatible})")]
    Version { version: u32, last_compatible: u32 },
    #[error("{block} block at {offset} of {size} bytes lies outside the {total}-byte device tree")]
    BlockOutOfRange {
        block: &'static str,
        offset: u32,
        size: u32,
        total: u32,
    },
    #[error("structure block ends at byte {0} without FDT_END")]
    UnexpectedEnd(usize),
    #[error("unknown token 0x{token:x} at byte {offset}")]
    BadToken { token: u32, offset: usize },
    #[error("{what} at byte {offset}")]
    Structure { what: &'static str, offset: usize },
    #[error("property name offset {0} lies outside the strings block")]
    BadNameOffset(u32),
    #[error("nodes nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("more than {MAX_NODES} nodes")]
    TooManyNodes,
    #[error("node paths longer than {MAX_PATH_BYTES} bytes in all")]
    PathsTooLong,
}

/// The header fields, as stored (all big-endian 32-bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub total_size: u32,
    pub off_dt_struct: u32,
    pub off_dt_strings: u32,
    pub off_mem_rsvmap: u32,
    pub version: u32,
    pub last_comp_version: u32,
    pub boot_cpuid_phys: u32,
    pub size_dt_strings: u32,
    /// Present from version 17; 0 in version 16, where the block runs to the end of the tree.
    pub size_dt_struct: u32,
}

/// A parsed tree. The nodes are in document order (a node before its children), so a node's
/// subtree is the run `index..end` of [`Fdt::nodes`].
#[derive(Debug, Clone)]
pub struct Fdt<'a> {
    pub header: Header,
    nodes: Vec<Node<'a>>,
}

#[derive(Debug, Clone)]
pub struct Node<'a> {
    /// The name with its unit address (`ethernet@f9840000`); empty for the root.
    pub name: Cow<'a, str>,
    /// `/` for the root, else `/soc/ethernet@f9840000`. Bytes that are not UTF-8 are replaced.
    pub path: String,
    /// 0 for the root.
    pub depth: usize,
    /// This node's index in [`Fdt::nodes`].
    pub index: usize,
    pub parent: Option<usize>,
    /// One past the index of this node's last descendant.
    pub end: usize,
    pub properties: Vec<Property<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property<'a> {
    pub name: Cow<'a, str>,
    pub value: &'a [u8],
    /// Byte offset of the value from the start of the blob.
    pub offset: usize,
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn align4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// The header, checked: magic, a version this parser reads (16 or later, compatible back to 17
/// or earlier), a total size the bytes hold, and both blocks inside the total size. The bytes
/// may run on past the total size (a FIT's external data, a carved region).
pub fn header(bytes: &[u8]) -> Result<Header, FdtError> {
    let truncated = |need: u64| FdtError::Truncated {
        need,
        have: bytes.len() as u64,
    };
    let field = |i: usize| be32(bytes, i * 4).ok_or(truncated(HEADER_LEN as u64));
    let magic = field(0)?;
    if magic != MAGIC {
        return Err(FdtError::BadMagic(magic));
    }
    let h = Header {
        total_size: field(1)?,
        off_dt_struct: field(2)?,
        off_dt_strings: field(3)?,
        off_mem_rsvmap: field(4)?,
        version: field(5)?,
        last_comp_version: field(6)?,
        boot_cpuid_phys: field(7)?,
        size_dt_strings: field(8)?,
        size_dt_struct: field(9)?,
    };
    if h.version < 16 || h.last_comp_version > 17 {
        return Err(FdtError::Version {
            version: h.version,
            last_compatible: h.last_comp_version,
        });
    }
    if (h.total_size as usize) < HEADER_LEN || h.total_size as usize > bytes.len() {
        return Err(truncated(u64::from(h.total_size).max(HEADER_LEN as u64)));
    }
    h.struct_range()?;
    h.strings_range()?;
    Ok(h)
}

impl Header {
    fn block(&self, block: &'static str, offset: u32, size: u32) -> Result<std::ops::Range<usize>, FdtError> {
        let out = FdtError::BlockOutOfRange {
            block,
            offset,
            size,
            total: self.total_size,
        };
        let end = offset.checked_add(size).ok_or(out.clone())?;
        if (offset as usize) < HEADER_LEN || end > self.total_size {
            return Err(out);
        }
        Ok(offset as usize..end as usize)
    }

    fn struct_range(&self) -> Result<std::ops::Range<usize>, FdtError> {
        let size = if self.version >= 17 {
            self.size_dt_struct
        } else {
            self.total_size.saturating_sub(self.off_dt_struct)
        };
        self.block("structure", self.off_dt_struct, size)
    }

    fn strings_range(&self) -> Result<std::ops::Range<usize>, FdtError> {
        self.block("strings", self.off_dt_strings, self.size_dt_strings)
    }
}

/// Parses a whole tree. Fails on the first structural fault: a tree that does not parse is not
/// half-trusted.
pub fn parse(bytes: &[u8]) -> Result<Fdt<'_>, FdtError> {
    let header = header(bytes)?;
    let structs = header.struct_range()?;
    let strings_range = header.strings_range()?;
    let base = structs.start;
    let s = &bytes[structs];
    let strings = &bytes[strings_range];
    let mut nodes: Vec<Node<'_>> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut path_bytes = 0usize;
    let mut pos = 0usize;
    loop {
        let at = base + pos;
        let token = be32(s, pos).ok_or(FdtError::UnexpectedEnd(at))?;
        pos += 4;
        match token {
            FDT_BEGIN_NODE => {
                let rest = s.get(pos..).unwrap_or_default();
                let len = memchr::memchr(0, rest).ok_or(FdtError::UnexpectedEnd(at))?;
                let name = String::from_utf8_lossy(&rest[..len]);
                pos = align4(pos + len + 1);
                if open.len() >= MAX_DEPTH {
                    return Err(FdtError::TooDeep);
                }
                if nodes.len() >= MAX_NODES {
                    return Err(FdtError::TooManyNodes);
                }
                let parent = open.last().copied();
                let path = match parent {
                    None if !nodes.is_empty() => {
                        return Err(FdtError::Structure {
                            what: "a second root node",
                            offset: at,
                        })
                    }
                    None => "/".to_string(),
                    Some(p) => {
                        let above = nodes[p].path.as_str();
                        format!("{}/{name}", above.strip_suffix('/').unwrap_or(above))
                    }
                };
                path_bytes += path.len();
                if path_bytes > MAX_PATH_BYTES {
                    return Err(FdtError::PathsTooLong);
                }
                let index = nodes.len();
                nodes.push(Node {
                    name,
                    path,
                    depth: open.len(),
                    index,
                    parent,
                    end: index + 1,
                    properties: Vec::new(),
                });
                open.push(index);
            }
            FDT_END_NODE => {
                let index = open.pop().ok_or(FdtError::Structure {
                    what: "FDT_END_NODE outside any node",
                    offset: at,
                })?;
                nodes[index].end = nodes.len();
            }
            FDT_PROP => {
                let (Some(len), Some(name_offset)) = (be32(s, pos), be32(s, pos + 4)) else {
                    return Err(FdtError::UnexpectedEnd(at));
                };
                let start = pos + 8;
                let value = start
                    .checked_add(len as usize)
                    .and_then(|end| s.get(start..end))
                    .ok_or(FdtError::UnexpectedEnd(at))?;
                pos = align4(start + value.len());
                let &node = open.last().ok_or(FdtError::Structure {
                    what: "a property outside any node",
                    offset: at,
                })?;
                let name = strings
                    .get(name_offset as usize..)
                    .and_then(|tail| memchr::memchr(0, tail).map(|end| &tail[..end]))
                    .ok_or(FdtError::BadNameOffset(name_offset))?;
                nodes[node].properties.push(Property {
                    name: String::from_utf8_lossy(name),
                    value,
                    offset: base + start,
                });
            }
            FDT_NOP => {}
            FDT_END => {
                if !open.is_empty() {
                    return Err(FdtError::Structure {
                        what: "FDT_END inside a node",
                        offset: at,
                    });
                }
                break;
            }
            token => return Err(FdtError::BadToken { token, offset: at }),
        }
    }
    if nodes.is_empty() {
        return Err(FdtError::Structure {
            what: "no root node before FDT_END",
            offset: base + pos - 4,
        });
    }
    Ok(Fdt { header, nodes })
}

impl<'a> Fdt<'a> {
    /// Every node, in document order; the root first.
    pub fn nodes(&self) -> &[Node<'a>] {
        &self.nodes
    }

    pub fn root(&self) -> &Node<'a> {
        // `parse` returns no tree without a root node.
        &self.nodes[0]
    }

    /// The node at a full path (`/`, `/images/kernel`), as written with unit addresses.
    pub fn find(&self, path: &str) -> Option<&Node<'a>> {
        self.nodes.iter().find(|n| n.path == path)
    }

    /// The direct children of `node`, in document order.
    pub fn children<'t>(&'t self, node: &'t Node<'a>) -> impl Iterator<Item = &'t Node<'a>> + 't {
        self.nodes
            .get(node.index + 1..node.end)
            .unwrap_or_default()
            .iter()
            .filter(move |n| n.parent == Some(node.index))
    }
}

impl<'a> Node<'a> {
    pub fn property(&self, name: &str) -> Option<&Property<'a>> {
        self.properties.iter().find(|p| p.name == name)
    }
}

impl<'a> Property<'a> {
    /// The value as one string: up to its first NUL (the whole value when there is none).
    pub fn string(&self) -> Cow<'a, str> {
        let end = memchr::memchr(0, self.value).unwrap_or(self.value.len());
        String::from_utf8_lossy(&self.value[..end])
    }

    /// The value as a string list (`compatible`): each non-empty string with the byte offset of
    /// its first character from the start of the blob.
    pub fn strings(&self) -> impl Iterator<Item = (usize, Cow<'a, str>)> + 'a {
        let base = self.offset;
        string_list(self.value).map(move |(at, s)| (base + at, String::from_utf8_lossy(s)))
    }

    /// A one-cell (4-byte) or two-cell (8-byte) big-endian number; `None` for any other length.
    pub fn number(&self) -> Option<u64> {
        match *self.value {
            [a, b, c, d] => Some(u64::from(u32::from_be_bytes([a, b, c, d]))),
            [a, b, c, d, e, f, g, h] => Some(u64::from_be_bytes([a, b, c, d, e, f, g, h])),
            _ => None,
        }
    }
}

/// The NUL-separated strings of a string-list value, each non-empty one with its offset in the
/// value. A last string without its terminating NUL is still a string.
pub fn string_list(value: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut at = 0usize;
    std::iter::from_fn(move || loop {
        let rest = value.get(at..).filter(|r| !r.is_empty())?;
        let len = memchr::memchr(0, rest).unwrap_or(rest.len());
        let start = at;
        at += len + 1;
        if len > 0 {
            return Some((start, &rest[..len]));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOARD: &[u8] = include_bytes!("../fixtures/analyse/dtb/board.dtb");

    /// A minimal tree writer for hostile cases: header, then the given structure block, then
    /// the strings block.
    fn blob(structure: &[u8], strings: &[u8]) -> Vec<u8> {
        let off_struct = HEADER_LEN as u32 + 16; // an empty memory reservation map
        let off_strings = off_struct + structure.len() as u32;
        let total = off_strings + strings.len() as u32;
        let mut b = Vec::new();
        for v in [
            MAGIC,
            total,
            off_struct,
            off_strings,
            HEADER_LEN as u32,
            17,
            16,
            0,
            strings.len() as u32,
            structure.len() as u32,
        ] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&[0; 16]);
        b.extend_from_slice(structure);
        b.extend_from_slice(strings);
        b
    }

    fn begin(name: &str) -> Vec<u8> {
        let mut t = FDT_BEGIN_NODE.to_be_bytes().to_vec();
        t.extend_from_slice(name.as_bytes());
        t.push(0);
        t.resize(align4(t.len()), 0);
        t
    }

    fn tokens(list: &[u32]) -> Vec<u8> {
        list.iter().flat_map(|t| t.to_be_bytes()).collect()
    }

    #[test]
    fn parses_the_board_fixture_with_paths_and_value_offsets() {
        let tree = parse(BOARD).unwrap();
        assert_eq!(tree.header.version, 17);
        assert_eq!(tree.header.total_size, 699);
        let paths: Vec<&str> = tree.nodes().iter().map(|n| n.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/",
                "/soc",
                "/soc/clock-reset-controller@8a22000",
                "/soc/mmc@9830000",
                "/soc/ethernet@f9840000",
                "/soc/ethernet@f9840000/phy@1",
            ]
        );
        let root = tree.root();
        let compatible = root.property("compatible").unwrap();
        assert_eq!(compatible.offset, 0x4c);
        assert_eq!(
            compatible.strings().collect::<Vec<_>>(),
            [
                (0x4c, Cow::from("hisilicon,hi3798cv200-test")),
                (0x67, Cow::from("hisilicon,hi3798cv200")),
            ]
        );
        assert_eq!(&BOARD[0x67..0x67 + 21], b"hisilicon,hi3798cv200");
        assert_eq!(root.property("model").unwrap().string(), "Test board");
        assert_eq!(root.property("#size-cells").unwrap().number(), Some(1));
        let soc = tree.find("/soc").unwrap();
        let children: Vec<&str> = tree.children(soc).map(|n| n.name.as_ref()).collect();
        assert_eq!(
            children,
            ["clock-reset-controller@8a22000", "mmc@9830000", "ethernet@f9840000"]
        );
        let phy = tree.find("/soc/ethernet@f9840000/phy@1").unwrap();
        assert_eq!((phy.depth, phy.parent), (3, Some(4)));
        assert_eq!(tree.children(phy).count(), 0);
        assert_eq!(soc.end, 6);
    }

    #[test]
    fn string_lists_skip_empty_strings_and_keep_an_unterminated_last_one() {
        let list: Vec<_> = string_list(b"a,b\0\0cd").collect();
        assert_eq!(list, [(0, &b"a,b"[..]), (5, &b"cd"[..])]);
        assert_eq!(string_list(b"").count(), 0);
        assert_eq!(string_list(b"\0\0").count(), 0);
    }

    #[test]
    fn a_hand_built_tree_with_nops_parses() {
        let mut s = begin("");
        s.extend(tokens(&[FDT_NOP, FDT_PROP, 3, 0]));
        s.extend_from_slice(b"ab\0\0");
        s.extend(begin("child@1"));
        s.extend(tokens(&[FDT_END_NODE, FDT_END_NODE, FDT_NOP, FDT_END]));
        let b = blob(&s, b"name\0");
        let tree = parse(&b).unwrap();
        assert_eq!(tree.nodes().len(), 2);
        assert_eq!(tree.nodes()[1].path, "/child@1");
        let p = tree.root().property("name").unwrap();
        assert_eq!((p.value, p.offset), (&b"ab\0"[..], 56 + 24));
        assert_eq!(p.number(), None);
    }

    #[test]
    fn every_truncation_of_the_board_fails_cleanly() {
        for len in 0..BOARD.len() {
            assert!(parse(&BOARD[..len]).is_err(), "{len}");
        }
        let mut cut = BOARD.to_vec();
        cut[4..8].copy_from_slice(&800u32.to_be_bytes());
        assert_eq!(parse(&cut).unwrap_err(), FdtError::Truncated { need: 800, have: 699 });
    }

    #[test]
    fn offsets_and_lengths_out_of_range_are_errors() {
        let mut b = BOARD.to_vec();
        b[8..12].copy_from_slice(&u32::MAX.to_be_bytes()); // off_dt_struct
        assert!(matches!(
            parse(&b),
            Err(FdtError::BlockOutOfRange { block: "structure", .. })
        ));
        let mut b = BOARD.to_vec();
        b[32..36].copy_from_slice(&0xffff_fff0u32.to_be_bytes()); // size_dt_strings
        assert!(matches!(
            parse(&b),
            Err(FdtError::BlockOutOfRange { block: "strings", .. })
        ));
        // a property length far past the block
        let mut s = begin("");
        s.extend(tokens(&[FDT_PROP, 0x7fff_ffff, 0, FDT_END_NODE, FDT_END]));
        assert!(matches!(parse(&blob(&s, b"x\0")), Err(FdtError::UnexpectedEnd(_))));
        // a name offset outside the strings block, and one with no NUL after it
        let mut s = begin("");
        s.extend(tokens(&[FDT_PROP, 0, 100, FDT_END_NODE, FDT_END]));
        assert_eq!(parse(&blob(&s, b"x\0")).unwrap_err(), FdtError::BadNameOffset(100));
        let mut s = begin("");
        s.extend(tokens(&[FDT_PROP, 0, 0, FDT_END_NODE, FDT_END]));
        assert_eq!(parse(&blob(&s, b"xy")).unwrap_err(), FdtError::BadNameOffset(0));
    }

    #[test]
    fn malformed_structures_are_errors() {
        let end_only = tokens(&[FDT_END]);
        assert!(matches!(parse(&blob(&end_only, b"")), Err(FdtError::Structure { .. })));
        let stray = tokens(&[FDT_END_NODE, FDT_END]);
        assert!(matches!(parse(&blob(&stray, b"")), Err(FdtError::Structure { .. })));
        let mut unclosed = begin("");
        unclosed.extend(tokens(&[FDT_END]));
        assert!(matches!(parse(&blob(&unclosed, b"")), Err(FdtError::Structure { .. })));
        let mut two_roots = begin("");
        two_roots.extend(tokens(&[FDT_END_NODE]));
        two_roots.extend(begin(""));
        two_roots.extend(tokens(&[FDT_END_NODE, FDT_END]));
        assert!(matches!(parse(&blob(&two_roots, b"")), Err(FdtError::Structure { .. })));
        let mut bad = begin("");
        bad.extend(tokens(&[7]));
        assert!(matches!(
            parse(&blob(&bad, b"")),
            Err(FdtError::BadToken { token: 7, .. })
        ));
        let mut no_end = begin("");
        no_end.extend(tokens(&[FDT_END_NODE]));
        assert!(matches!(parse(&blob(&no_end, b"")), Err(FdtError::UnexpectedEnd(_))));
        let mut b = BOARD.to_vec();
        b[20..24].copy_from_slice(&15u32.to_be_bytes());
        assert!(matches!(parse(&b), Err(FdtError::Version { version: 15, .. })));
        assert_eq!(parse(b"\xd0\x0d\xfe\xef").unwrap_err(), FdtError::BadMagic(0xd00d_feef));
    }

    #[test]
    fn deep_nesting_and_node_floods_are_refused() {
        let mut deep = Vec::new();
        for _ in 0..=MAX_DEPTH {
            deep.extend(begin("n"));
        }
        deep.extend(tokens(&vec![FDT_END_NODE; MAX_DEPTH + 1]));
        deep.extend(tokens(&[FDT_END]));
        assert_eq!(parse(&blob(&deep, b"")).unwrap_err(), FdtError::TooDeep);
        let mut flood = begin("");
        for _ in 0..MAX_NODES {
            flood.extend(begin(""));
            flood.extend(tokens(&[FDT_END_NODE]));
        }
        flood.extend(tokens(&[FDT_END_NODE, FDT_END]));
        assert_eq!(parse(&blob(&flood, b"")).unwrap_err(), FdtError::TooManyNodes);
    }

    #[test]
    fn long_names_nested_deep_hit_the_path_budget() {
        // 63 levels of 4 KiB names: each leaf path is ~260 KB, so a few hundred leaves exceed
        // the budget while the blob stays near 1.5 MB.
        let name = "x".repeat(4096);
        let mut s = Vec::new();
        for _ in 0..63 {
            s.extend(begin(&name));
        }
        for _ in 0..400 {
            s.extend(begin(&name));
            s.extend(tokens(&[FDT_END_NODE]));
        }
        s.extend(tokens(&vec![FDT_END_NODE; 63]));
        s.extend(tokens(&[FDT_END]));
        assert_eq!(parse(&blob(&s, b"")).unwrap_err(), FdtError::PathsTooLong);
    }
}
