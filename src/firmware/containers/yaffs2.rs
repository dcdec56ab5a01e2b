//! YAFFS2 (the NAND flash filesystem of Android's early devices, many IP cameras and DVRs): a
//! raw dump of pages, each a data chunk and its spare (out-of-band) area. The spare holds the
//! chunk's packed tags — sequence number, object id, chunk id, byte count — and the chunk is
//! either an object header (chunk id 0: type, parent, name, mode, size, symbolic link alias,
//! hard link's equivalent object) or the `chunk id`th chunk of a file's data. Nothing is ever
//! overwritten in place: the chunk with the highest sequence number wins, and an object whose
//! latest header puts it under the `unlinked` or `deleted` pseudo directories is gone.
//!
//! Layouts read: pages of 2048 + 64 (the common one), 4096 + 128, 8192 + 256, 16384 + 512 and
//! 512 + 16 bytes; little-endian; packed tags at the start of the spare area, as mkyaffs2image
//! writes them (a header's tags with byte count 0xffff) or as the Linux driver does (a header's
//! tags carrying the object type and parent with the "extra header info" flag). Sources: the
//! yaffs2 project's yaffs_guts.h, yaffs_packedtags2.c and mkyaffs2image.c, as described at
//! yaffs.net ("YAFFS2 specification") and read back by unyaffs.
//!
//! YAFFS2 has no magic number, so an image is recognised by its structure only ([`layout`]): a
//! first chunk whose tags are a header's and whose data is an object header of the pattern a
//! filesystem starts with (a child of the root, or the root or lost+found themselves), and a
//! second chunk consistent with it. An own reader (no crate reads YAFFS2): every chunk is read
//! through checked offsets, the tables it builds are bounded by the image's chunk count, parent
//! chains are followed at most [`MAX_DEPTH`] deep, and a file is assembled only from chunks
//! that are there.

use super::problems::Problems;
use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// (chunk size, spare size) of each layout read, the common one first.
const LAYOUTS: [(usize, usize); 5] = [(2048, 64), (4096, 128), (8192, 256), (16384, 512), (512, 16)];
pub const MAX_DEPTH: usize = 64;

const LOWEST_SEQUENCE: u32 = 0x1000;
const HIGHEST_SEQUENCE: u32 = 0xefff_ff00;
const MAX_OBJECT_ID: u32 = 0x3ffff;
const MAX_CHUNK_ID: u32 = 0xfffff;
const EXTRA_HEADER_INFO: u32 = 0x8000_0000;

const OBJECT_ROOT: u32 = 1;
const OBJECT_LOST_FOUND: u32 = 2;
const OBJECT_UNLINKED: u32 = 3;
const OBJECT_DELETED: u32 = 4;

const TYPE_FILE: u32 = 1;
const TYPE_SYMLINK: u32 = 2;
const TYPE_DIRECTORY: u32 = 3;
const TYPE_HARDLINK: u32 = 4;
const TYPE_SPECIAL: u32 = 5;

/// The page geometry of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub chunk: usize,
    pub spare: usize,
}

impl Layout {
    fn page(self) -> usize {
        self.chunk + self.spare
    }
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// What a chunk's spare says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tags {
    /// Never written (all ones).
    Erased,
    /// A chunk yaffs writes outside any file (checkpoint data: a sequence number below the
    /// lowest a block of the filesystem has).
    Other,
    Header {
        seq: u32,
        object: u32,
        /// The object type, when the tags carry it (the Linux driver's extra header info).
        kind: Option<u32>,
    },
    Data {
        seq: u32,
        object: u32,
        chunk: u32,
        bytes: u32,
    },
    Invalid,
}

fn tags(spare: &[u8], layout: Layout) -> Tags {
    let Some(t) = spare.get(..16) else { return Tags::Invalid };
    if t.iter().all(|&b| b == 0xff) {
        return Tags::Erased;
    }
    let (seq, object, chunk, bytes) = (
        le32(t, 0).unwrap_or(0),
        le32(t, 4).unwrap_or(0),
        le32(t, 8).unwrap_or(0),
        le32(t, 12).unwrap_or(0),
    );
    if (1..LOWEST_SEQUENCE).contains(&seq) {
        return Tags::Other;
    }
    if !(LOWEST_SEQUENCE..=HIGHEST_SEQUENCE).contains(&seq) {
        return Tags::Invalid;
    }
    if chunk & EXTRA_HEADER_INFO != 0 {
        let (kind, object) = (object >> 28, object & 0x0fff_ffff);
        return if (1..=MAX_OBJECT_ID).contains(&object) && (TYPE_FILE..=TYPE_SPECIAL).contains(&kind) {
            Tags::Header {
                seq,
                object,
                kind: Some(kind),
            }
        } else {
            Tags::Invalid
        };
    }
    if !(1..=MAX_OBJECT_ID).contains(&object) || chunk > MAX_CHUNK_ID {
        return Tags::Invalid;
    }
    if chunk == 0 {
        Tags::Header {
            seq,
            object,
            kind: None,
        }
    } else if bytes as usize <= layout.chunk {
        Tags::Data {
            seq,
            object,
            chunk,
            bytes,
        }
    } else {
        Tags::Invalid
    }
}

/// An object header, its fields checked.
#[derive(Debug, Clone)]
struct Header {
    kind: u32,
    parent: u32,
    name: Vec<u8>,
    size: u64,
    equivalent: u32,
    alias: Vec<u8>,
    shadows: u32,
}

/// A NUL-terminated string of at most `len` bytes at `at`.
fn cstr(b: &[u8], at: usize, len: usize) -> Option<&[u8]> {
    let field = b.get(at..at + len)?;
    Some(&field[..field.iter().position(|&c| c == 0)?])
}

fn header(chunk: &[u8]) -> Option<Header> {
    let kind = le32(chunk, 0)?;
    if !(TYPE_FILE..=TYPE_SPECIAL).contains(&kind) {
        return None;
    }
    let name = cstr(chunk, 10, 256)?;
    if name.contains(&b'/') || name == b"." || name == b".." {
        return None;
    }
    let low = le32(chunk, 292)?;
    // mkyaffs2image leaves unused fields all ones: a high word of all ones is none
    let high = match le32(chunk, 496)? {
        u32::MAX => 0,
        high => high,
    };
    Some(Header {
        kind,
        parent: le32(chunk, 4)?,
        name: name.to_vec(),
        size: u64::from(high) << 32 | u64::from(low),
        equivalent: le32(chunk, 296)?,
        alias: cstr(chunk, 300, 160).map(<[u8]>::to_vec).unwrap_or_default(),
        shadows: match le32(chunk, 504)? {
            u32::MAX => 0,
            s => s,
        },
    })
}

/// The first chunk at `page` of an image in `layout`, when it is the header a YAFFS2 image
/// starts with: an object of a valid type under the root (or the root or lost+found).
fn first_header(bytes: &[u8], layout: Layout, page: usize) -> Option<(u32, u32)> {
    let at = page * layout.page();
    let Tags::Header { object, kind, .. } = tags(bytes.get(at + layout.chunk..at + layout.page())?, layout) else {
        return None;
    };
    let h = header(bytes.get(at..at + layout.chunk)?)?;
    let starts = h.parent == OBJECT_ROOT && !h.name.is_empty()
        || matches!(object, OBJECT_ROOT | OBJECT_LOST_FOUND) && h.kind == TYPE_DIRECTORY;
    (starts && kind.is_none_or(|k| k == h.kind)).then_some((object, h.kind))
}

/// The layout of a YAFFS2 image starting at the first byte, when its first two chunks show one.
pub fn layout(bytes: &[u8]) -> Option<Layout> {
    LAYOUTS.iter().find_map(|&(chunk, spare)| {
        let layout = Layout { chunk, spare };
        let (object, _) = first_header(bytes, layout, 0)?;
        let second = bytes.get(layout.page() + chunk..2 * layout.page())?;
        let consistent = match tags(second, layout) {
            Tags::Erased | Tags::Header { .. } => true,
            Tags::Data {
                object: o, chunk: 1, ..
            } => o == object,
            _ => false,
        };
        consistent.then_some(layout)
    })
}

/// Bytes from the start that hold YAFFS2 pages: up to the first page whose spare is neither
/// erased nor valid tags (what follows a carved image is not part of it).
pub fn extent(bytes: &[u8]) -> Option<usize> {
    let layout = layout(bytes)?;
    let pages = bytes.len() / layout.page();
    let valid = (0..pages)
        .take_while(|&p| {
            let at = p * layout.page() + layout.chunk;
            !matches!(tags(&bytes[at..at + layout.spare], layout), Tags::Invalid)
        })
        .count();
    Some(valid * layout.page())
}

/// A YAFFS2 image found by carving at `offset` of `bytes`: its extent, when one starts there at
/// a page boundary of its layout (a filesystem in a flash dump starts an erase block).
pub fn carved(bytes: &[u8], offset: usize) -> Option<usize> {
    let rest = bytes.get(offset..)?;
    let layout = layout(rest)?;
    if !offset.is_multiple_of(layout.page()) {
        return None;
    }
    extent(rest).filter(|&len| len > 0)
}

/// The latest chunk seen of something: its sequence number and page.
#[derive(Clone, Copy)]
struct Latest {
    seq: u32,
    page: usize,
    bytes: u32,
}

fn keep(map_entry: Option<&Latest>, seq: u32) -> bool {
    // a later page of the same sequence number was written after the earlier one
    map_entry.is_none_or(|l| seq >= l.seq)
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let layout = layout(bytes).ok_or_else(|| Corrupt("no YAFFS2 object header in the first chunk".to_string()))?;
    let page = layout.page();
    let pages = bytes.len() / page;
    let mut problems = Problems::default();
    if !bytes.len().is_multiple_of(page) {
        problems.note(format!(
            "ends with {} bytes of a {page}-byte page: cut short",
            bytes.len() % page
        ));
    }
    let mut headers: HashMap<u32, Latest> = HashMap::new();
    let mut data: HashMap<(u32, u32), Latest> = HashMap::new();
    let mut invalid = (0usize, None);
    for p in 0..pages {
        let at = p * page;
        match tags(&bytes[at + layout.chunk..at + page], layout) {
            Tags::Erased | Tags::Other => {}
            Tags::Invalid => {
                invalid.0 += 1;
                invalid.1 = invalid.1.or(Some(at));
            }
            Tags::Header { seq, object, .. } => {
                if keep(headers.get(&object), seq) {
                    headers.insert(object, Latest { seq, page: p, bytes: 0 });
                }
            }
            Tags::Data {
                seq,
                object,
                chunk,
                bytes: n,
            } => {
                if keep(data.get(&(object, chunk)), seq) {
                    data.insert((object, chunk), Latest { seq, page: p, bytes: n });
                }
            }
        }
    }
    if let (count, Some(first)) = invalid {
        problems.note(format!(
            "{count} page(s) from byte {first} hold no valid YAFFS2 tags in their spare area; not read"
        ));
    }
    // the latest header of every object
    let mut objects: BTreeMap<u32, (Header, u32)> = BTreeMap::new();
    for (&object, latest) in &headers {
        let at = latest.page * page;
        match header(&bytes[at..at + layout.chunk]) {
            Some(h) => {
                objects.insert(object, (h, latest.seq));
            }
            None => problems.note(format!(
                "object {object}: its latest header (page at byte {at}) is malformed"
            )),
        }
    }
    // an object renamed over another shadows it: the older one is gone
    let shadowed: Vec<(u32, u32)> = objects
        .values()
        .filter(|(h, _)| h.shadows > 0)
        .map(|(h, seq)| (h.shadows, *seq))
        .collect();
    for (gone, seq) in shadowed {
        if objects.get(&gone).is_some_and(|(_, s)| *s < seq) {
            objects.remove(&gone);
        }
    }
    objects.retain(|_, (h, _)| !matches!(h.parent, OBJECT_UNLINKED | OBJECT_DELETED));

    let mut paths: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    for &object in objects.keys() {
        if matches!(object, OBJECT_ROOT | OBJECT_LOST_FOUND) {
            continue;
        }
        match path_of(&objects, object) {
            Some(path) => {
                paths.insert(object, path);
            }
            None => {
                let (h, _) = &objects[&object];
                problems.note(format!(
                    "object {object} ({}): its parent {} is not a directory in the image; listed under lost+found",
                    String::from_utf8_lossy(&h.name),
                    h.parent
                ));
                let mut path = b"lost+found/".to_vec();
                path.extend_from_slice(&h.name);
                paths.insert(object, path);
            }
        }
    }
    let mut order: Vec<(&Vec<u8>, u32)> = paths.iter().map(|(o, p)| (p, *o)).collect();
    order.sort();
    let mut links = Vec::new();
    for (path, object) in order {
        let (h, _) = &objects[&object];
        let name = path.clone();
        let member = match h.kind {
            TYPE_DIRECTORY => continue,
            TYPE_HARDLINK => {
                links.push((name, h.equivalent));
                continue;
            }
            TYPE_SYMLINK => Member::Link {
                name,
                target: h.alias.clone(),
                hard: false,
            },
            TYPE_SPECIAL => Member::Special { name },
            _ if h.size > limit => Member::TooBig { name, size: h.size },
            _ => match contents(bytes, layout, &data, object, h.size) {
                Ok(contents) => Member::File {
                    name,
                    data: Cow::Owned(contents),
                },
                Err(message) => Member::Damaged {
                    name,
                    message: format!("object {object}: {message}"),
                },
            },
        };
        if visit(member).is_break() {
            return problems.finish();
        }
    }
    // hard links last, so the walker lists each as the file it names
    for (name, equivalent) in links {
        let member = match paths.get(&equivalent) {
            Some(target) => Member::Link {
                name,
                target: target.clone(),
                hard: true,
            },
            None => Member::Damaged {
                name,
                message: format!("hard link to object {equivalent}, which is not in the image"),
            },
        };
        if visit(member).is_break() {
            break;
        }
    }
    problems.finish()
}

/// An object's path from the root, through directories only; `None` when the chain breaks,
/// loops or runs deeper than [`MAX_DEPTH`].
fn path_of(objects: &BTreeMap<u32, (Header, u32)>, object: u32) -> Option<Vec<u8>> {
    let mut names: Vec<&[u8]> = Vec::new();
    let mut at = object;
    for _ in 0..=MAX_DEPTH {
        let (h, _) = objects.get(&at)?;
        names.push(&h.name);
        match h.parent {
            OBJECT_ROOT => {
                names.reverse();
                return Some(names.join(&b'/'));
            }
            OBJECT_LOST_FOUND => {
                names.push(b"lost+found");
                names.reverse();
                return Some(names.join(&b'/'));
            }
            parent => {
                if objects.get(&parent).is_none_or(|(p, _)| p.kind != TYPE_DIRECTORY) {
                    return None;
                }
                at = parent;
            }
        }
    }
    None
}

/// A file's data: chunks 1, 2, … (the latest of each), each holding its byte count.
fn contents(
    bytes: &[u8],
    layout: Layout,
    data: &HashMap<(u32, u32), Latest>,
    object: u32,
    size: u64,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let chunks = size.div_ceil(layout.chunk as u64);
    for chunk in 1..=chunks {
        let want = (size - out.len() as u64).min(layout.chunk as u64) as usize;
        let Some(latest) = u32::try_from(chunk).ok().and_then(|c| data.get(&(object, c))) else {
            return Err(format!(
                "data chunk {chunk} of {chunks} is not in the image ({} of {size} bytes found)",
                out.len()
            ));
        };
        let at = latest.page * layout.page();
        let have = (latest.bytes as usize).min(want);
        if have < want {
            return Err(format!(
                "data chunk {chunk} at byte {at} holds {} bytes, {want} expected",
                latest.bytes
            ));
        }
        out.extend_from_slice(&bytes[at..at + have]);
    }
    Ok(out)
}
