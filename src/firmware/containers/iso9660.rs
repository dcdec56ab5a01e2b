//! ISO 9660 images (installer and recovery media, vendor update discs): the directory tree with
//! Rock Ridge names, symbolic links, device nodes and relocated directories when the image has
//! them, else the Joliet tree's Unicode names, else the plain ISO 9660 names (the `;1` version
//! suffix dropped). File contents are borrowed slices of the image.
//!
//! An own reader rather than a crate: `cdfs` depends unconditionally on a FUSE binding and clap;
//! `hadris-iso` is a large read-write library whose read path has panicking accessors (`expect`
//! on a missing primary descriptor) and would have to be audited whole; `iso9660-forensic-core`
//! is a first (0.1) release whose tree walk leaves Joliet names undecoded. The read side of the
//! format is small — fixed 2048-byte volume descriptors and length-prefixed directory records —
//! so it is read here with every offset checked against the image, each directory entered once
//! (a visited-extent set ends loops) and at most [`MAX_DEPTH`] deep, and the directory bytes read
//! in total bounded by the image's size. A file whose contents lie past the end is a damaged
//! member; a broken record or directory extent is noted and skipped, the walk goes on, and the
//! first such problem is returned at the end (with the count of the others).

use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::ControlFlow;

/// ISO 9660's logical sector: volume descriptors, and the unit directory records never cross.
const SECTOR: usize = 2048;
/// Volume descriptors start at sector 16, after the system area.
const FIRST_DESCRIPTOR: usize = 16 * SECTOR;
/// Descriptors read before giving up on finding the terminator.
const MAX_DESCRIPTORS: usize = 64;
/// Directory nesting beyond any real disc (Rock Ridge relocation makes deep trees possible).
pub const MAX_DEPTH: usize = 64;
/// Rock Ridge continuation areas followed for one record (each at most one block long, and
/// all of them together no longer than the image).
const MAX_CONTINUATIONS: usize = 32;
/// Bytes of one Rock Ridge name or link target (Linux allows 255 per name, 4096 per path).
const MAX_NAME: usize = 4096;

const FLAG_DIRECTORY: u8 = 0x02;
const FLAG_MULTI_EXTENT: u8 = 0x80;

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

/// How the walked tree names its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Names {
    /// Rock Ridge `NM` names in the primary tree; `skip` is the SUSP `SP` entry's LEN_SKP.
    RockRidge { skip: usize },
    /// UCS-2 big-endian names in the Joliet supplementary tree.
    Joliet,
    /// The primary tree's own d-characters.
    Plain,
}

/// A directory's extent: where its records start in the image and how many bytes they take.
#[derive(Debug, Clone, Copy)]
struct Extent {
    start: u64,
    len: u64,
}

/// One directory record, its fields checked to lie inside the record.
struct Record<'a> {
    extent: Extent,
    flags: u8,
    interleaved: bool,
    id: &'a [u8],
    system_use: &'a [u8],
}

impl Record<'_> {
    fn is_self_or_parent(&self) -> bool {
        self.id == [0] || self.id == [1]
    }
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Parses one record of exactly its recorded length; `None` when its fields do not fit.
fn parse_record(rec: &[u8], block: u64) -> Option<Record<'_>> {
    if rec.len() < 34 {
        return None;
    }
    let attribute_blocks = u64::from(rec[1]);
    let extent = u64::from(le32(rec, 2)?);
    let len = u64::from(le32(rec, 10)?);
    let id_len = usize::from(rec[32]);
    let id = rec.get(33..33 + id_len)?;
    // the identifier is padded to an even offset before the system use area
    let system_use = rec.get(33 + id_len + usize::from(id_len % 2 == 0)..).unwrap_or(&[]);
    Some(Record {
        extent: Extent {
            // at most (2^32 + 255) × 2048: no overflow in u64
            start: (extent + attribute_blocks) * block,
            len,
        },
        flags: rec[25],
        interleaved: rec[26] != 0 || rec[27] != 0,
        id,
        system_use,
    })
}

/// The records of one directory extent, in order; a zero length byte pads to the next sector.
struct Records<'a> {
    dir: &'a [u8],
    pos: usize,
    block: u64,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, usize>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let len = usize::from(*self.dir.get(self.pos)?);
            if len == 0 {
                self.pos = (self.pos / SECTOR + 1) * SECTOR;
                continue;
            }
            let at = self.pos;
            self.pos = self.dir.len();
            let record = self.dir.get(at..at + len).and_then(|r| parse_record(r, self.block));
            return Some(match record {
                Some(r) => {
                    self.pos = at + len;
                    Ok(r)
                }
                None => Err(at),
            });
        }
    }
}

/// What a record's Rock Ridge entries say.
#[derive(Default)]
struct RockRidge {
    name: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
    mode: Option<u32>,
    /// `CL`: the record stands in for a directory relocated to this block.
    child: Option<u32>,
    /// `RE`: the record is a relocated directory, reached through its `CL` stand-in instead.
    relocated: bool,
}

/// A symbolic link target assembled from `SL` component records (which may continue across
/// records and entries).
#[derive(Default)]
struct LinkTarget {
    parts: Vec<Vec<u8>>,
    current: Vec<u8>,
    absolute: bool,
    len: usize,
}

impl LinkTarget {
    fn add(&mut self, mut components: &[u8]) {
        while let [flags, len, rest @ ..] = components {
            let Some(content) = rest.get(..usize::from(*len)) else {
                break;
            };
            components = &rest[content.len()..];
            let text: &[u8] = match flags & 0x0e {
                0x02 => b".",
                0x04 => b"..",
                0x08 => {
                    self.absolute |= self.parts.is_empty() && self.current.is_empty();
                    continue;
                }
                _ => content,
            };
            if self.len + text.len() < MAX_NAME {
                self.len += text.len() + 1;
                self.current.extend_from_slice(text);
            }
            if flags & 0x01 == 0 {
                self.parts.push(std::mem::take(&mut self.current));
            }
        }
    }

    fn target(mut self) -> Vec<u8> {
        if !self.current.is_empty() {
            self.parts.push(self.current);
        }
        let mut out = if self.absolute { b"/".to_vec() } else { Vec::new() };
        out.extend(self.parts.join(&b'/'));
        out
    }
}

/// The first problem met (with a count of the rest), returned once the walk is over.
#[derive(Default)]
struct Problems {
    first: Option<String>,
    more: usize,
}

impl Problems {
    fn note(&mut self, message: String) {
        if self.first.is_none() {
            self.first = Some(message);
        } else {
            self.more += 1;
        }
    }

    fn finish(self) -> Result<(), Corrupt> {
        match (self.first, self.more) {
            (None, _) => Ok(()),
            (Some(first), 0) => Err(Corrupt(first)),
            (Some(first), 1) => Err(Corrupt(format!("{first} (and 1 more problem)"))),
            (Some(first), n) => Err(Corrupt(format!("{first} (and {n} more problems)"))),
        }
    }
}

/// The volume: its block size and the tree chosen to walk.
struct Volume {
    block: u64,
    root: Extent,
    names: Names,
}

/// Reads the volume descriptors and picks the tree: the primary one when it carries Rock Ridge,
/// else the Joliet one when there is one, else the primary one with plain names.
fn volume(bytes: &[u8]) -> Result<Volume, Corrupt> {
    let mut primary = None;
    let mut joliet = None;
    for i in 0..MAX_DESCRIPTORS {
        let at = FIRST_DESCRIPTOR + i * SECTOR;
        let Some(d) = bytes.get(at..at + SECTOR) else { break };
        if &d[1..6] != b"CD001" {
            break;
        }
        match d[0] {
            1 if primary.is_none() => primary = root_of(d),
            // a supplementary descriptor whose escape sequences name UCS-2 level 1, 2 or 3
            2 if joliet.is_none() && matches!(&d[88..91], b"%/@" | b"%/C" | b"%/E") => joliet = root_of(d),
            255 => break,
            _ => {}
        }
    }
    let (block, root) = primary.ok_or_else(|| Corrupt("no usable primary volume descriptor".to_string()))?;
    if let Some(skip) = susp_skip(bytes, block, root) {
        return Ok(Volume {
            block,
            root,
            names: Names::RockRidge { skip },
        });
    }
    Ok(match joliet {
        Some((block, root)) => Volume {
            block,
            root,
            names: Names::Joliet,
        },
        None => Volume {
            block,
            root,
            names: Names::Plain,
        },
    })
}

/// A descriptor's logical block size and root directory extent, when both are sound.
fn root_of(d: &[u8]) -> Option<(u64, Extent)> {
    let block = u64::from(le16(d, 128)?);
    if !matches!(block, 512 | 1024 | 2048) {
        return None;
    }
    let root = parse_record(d.get(156..190)?, block)?;
    (root.flags & FLAG_DIRECTORY != 0).then_some((block, root.extent))
}

/// Rock Ridge is in use when the root's `.` record begins its system use area with the SUSP
/// `SP` entry (`SP`, length 7, version 1, check bytes BE EF, LEN_SKP).
fn susp_skip(bytes: &[u8], block: u64, root: Extent) -> Option<usize> {
    let dir = slice(bytes, root.start, root.len.min(SECTOR as u64))?;
    let dot = Records { dir, pos: 0, block }.next()?.ok()?;
    match dot.system_use {
        [b'S', b'P', 7, 1, 0xbe, 0xef, skip, ..] if dot.is_self_or_parent() => Some(usize::from(*skip)),
        _ => None,
    }
}

fn slice(bytes: &[u8], start: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(start).ok()?;
    let len = usize::try_from(len).ok()?;
    bytes.get(start..start.checked_add(len)?)
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let volume = volume(bytes)?;
    let mut walk = Walk {
        bytes,
        block: volume.block,
        names: volume.names,
        limit,
        visited: HashSet::new(),
        budget: bytes.len() as u64,
        continuation_budget: bytes.len() as u64,
        problems: Problems::default(),
    };
    let _ = walk.dir(volume.root, &[], 0, visit);
    walk.problems.finish()
}

struct Walk<'a> {
    bytes: &'a [u8],
    block: u64,
    names: Names,
    limit: u64,
    /// Directory extents entered, by start: a directory reached twice is a loop.
    visited: HashSet<u64>,
    /// Directory bytes still to be read: a real image's directories fit in it many times over.
    budget: u64,
    /// Rock Ridge continuation bytes still to be read, likewise: each record's are its own.
    continuation_budget: u64,
    problems: Problems,
}

impl<'a> Walk<'a> {
    fn dir(&mut self, at: Extent, prefix: &[u8], depth: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        let shown = if prefix.is_empty() {
            "/".to_string()
        } else {
            String::from_utf8_lossy(prefix).into_owned()
        };
        if depth > MAX_DEPTH {
            self.problems
                .note(format!("directory {shown} nested more than {MAX_DEPTH} deep; not read"));
            return ControlFlow::Continue(());
        }
        if !self.visited.insert(at.start) {
            self.problems.note(format!(
                "directory {shown} at byte {} was already read (a loop); not read again",
                at.start
            ));
            return ControlFlow::Continue(());
        }
        let Some(dir) = slice(self.bytes, at.start, at.len) else {
            self.problems.note(format!(
                "directory {shown} ({} bytes at byte {}) lies past the end of the image",
                at.len, at.start
            ));
            return ControlFlow::Continue(());
        };
        if at.len > self.budget {
            self.problems
                .note("directories add up to more than the image's size; the rest is not read".to_string());
            return ControlFlow::Break(());
        }
        self.budget -= at.len;
        // parts of a file recorded as several extents, gathered until its last record
        let mut parts: Vec<&'a [u8]> = Vec::new();
        for record in (Records {
            dir,
            pos: 0,
            block: self.block,
        }) {
            let record = match record {
                Ok(r) => r,
                Err(offset) => {
                    self.problems.note(format!(
                        "directory {shown}: malformed record at byte {} (offset {offset} of the \
                         directory); the rest of the directory is not read",
                        at.start + offset as u64
                    ));
                    break;
                }
            };
            if record.is_self_or_parent() {
                continue;
            }
            let rr = match self.names {
                Names::RockRidge { skip } => self.rock_ridge(record.system_use.get(skip..).unwrap_or(&[])),
                _ => RockRidge::default(),
            };
            if rr.relocated {
                continue;
            }
            let mut path = prefix.to_vec();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend(self.name(&record, rr.name.as_deref()));
            let directory = match rr.child {
                Some(block) => self.relocated(block, &path),
                None if record.flags & FLAG_DIRECTORY != 0 => Some(record.extent),
                None => None,
            };
            let kind = rr.mode.map(|m| m & S_IFMT);
            let member = if let Some(extent) = directory {
                parts.clear();
                self.dir(extent, &path, depth + 1, visit)?;
                continue;
            } else if rr.child.is_some() {
                continue;
            } else if rr.link.is_some() || kind == Some(S_IFLNK) {
                Member::Link {
                    name: path,
                    target: rr.link.unwrap_or_default(),
                    hard: false,
                }
            } else if kind.is_some_and(|k| k != S_IFREG && k != S_IFDIR && k != 0) {
                Member::Special { name: path }
            } else {
                match self.file(&record, &mut parts, path) {
                    Some(member) => member,
                    None => continue,
                }
            };
            if !matches!(member, Member::File { .. } | Member::TooBig { .. }) {
                parts.clear();
            }
            visit(member)?;
        }
        ControlFlow::Continue(())
    }

    /// A regular file's member (a damaged one when its contents lie past the end), or `None`
    /// while its extents are still being gathered (or when it is interleaved, which is noted).
    fn file(&mut self, record: &Record<'a>, parts: &mut Vec<&'a [u8]>, path: Vec<u8>) -> Option<Member<'a>> {
        let shown = || String::from_utf8_lossy(&path).into_owned();
        if record.interleaved {
            self.problems
                .note(format!("{}: interleaved file (unit size and gap) not read", shown()));
            parts.clear();
            return None;
        }
        let Some(data) = slice(self.bytes, record.extent.start, record.extent.len) else {
            // the file's own damage: reported at the file, and the walk goes on
            parts.clear();
            return Some(Member::Damaged {
                message: format!(
                    "contents ({} bytes at byte {}) lie past the end of the image",
                    record.extent.len, record.extent.start
                ),
                name: path,
            });
        };
        parts.push(data);
        if record.flags & FLAG_MULTI_EXTENT != 0 {
            return None;
        }
        let size: u64 = parts.iter().map(|p| p.len() as u64).sum();
        let member = if size > self.limit {
            Member::TooBig { name: path, size }
        } else if let [one] = parts.as_slice() {
            Member::File {
                name: path,
                data: Cow::Borrowed(*one),
            }
        } else {
            Member::File {
                name: path,
                data: Cow::Owned(parts.concat()),
            }
        };
        parts.clear();
        Some(member)
    }

    /// The extent of a directory relocated to `block`, from its own `.` record.
    fn relocated(&mut self, block: u32, path: &[u8]) -> Option<Extent> {
        let start = u64::from(block) * self.block;
        let available = (self.bytes.len() as u64).saturating_sub(start);
        let found = slice(self.bytes, start, available.min(SECTOR as u64))
            .and_then(|dir| {
                Records {
                    dir,
                    pos: 0,
                    block: self.block,
                }
                .next()
            })
            .and_then(Result::ok)
            .filter(|dot| dot.id == [0]);
        if found.is_none() {
            self.problems.note(format!(
                "{}: relocated directory at block {block} is missing",
                String::from_utf8_lossy(path)
            ));
        }
        found.map(|dot| Extent {
            start,
            len: dot.extent.len,
        })
    }

    /// The entry's name as this tree writes it.
    fn name(&self, record: &Record<'_>, rock_ridge: Option<&[u8]>) -> Vec<u8> {
        match (self.names, rock_ridge) {
            (Names::RockRidge { .. }, Some(name)) if !name.is_empty() => name.to_vec(),
            (Names::Joliet, _) => {
                let units = record.id.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]));
                let name: String = char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect();
                let name = name.strip_suffix(";1").unwrap_or(&name);
                name.as_bytes().to_vec()
            }
            _ => plain_name(record.id).to_vec(),
        }
    }

    /// The Rock Ridge entries of one system use area, following continuation areas.
    fn rock_ridge(&mut self, system_use: &[u8]) -> RockRidge {
        let mut rr = RockRidge::default();
        let mut name: Option<Vec<u8>> = None;
        let mut link: Option<LinkTarget> = None;
        let mut area = system_use;
        let mut hops = 0;
        loop {
            let mut next = None;
            let mut rest = area;
            while let [a, b, len, _version, ..] = *rest {
                let len = usize::from(len);
                if len < 4 || len > rest.len() {
                    break;
                }
                let data = &rest[4..len];
                rest = &rest[len..];
                match &[a, b] {
                    b"NM" => {
                        // flags 2 and 4 name `.` and `..`; the record's own name stands then
                        if let Some((flags, text)) = data.split_first() {
                            let name = name.get_or_insert_with(Vec::new);
                            if flags & 0x06 == 0 && name.len() + text.len() <= MAX_NAME {
                                name.extend_from_slice(text);
                            }
                        }
                    }
                    b"SL" => {
                        if let Some((_, components)) = data.split_first() {
                            link.get_or_insert_with(LinkTarget::default).add(components);
                        }
                    }
                    b"PX" => rr.mode = le32(data, 0),
                    b"CL" => rr.child = le32(data, 0),
                    b"RE" => rr.relocated = true,
                    b"CE" => next = le32(data, 0).zip(le32(data, 8)).zip(le32(data, 16)),
                    b"ST" => break,
                    _ => {}
                }
            }
            let Some(((block, offset), len)) = next else { break };
            if hops == MAX_CONTINUATIONS {
                self.problems.note(format!(
                    "a record has more than {MAX_CONTINUATIONS} Rock Ridge continuation areas"
                ));
                break;
            }
            hops += 1;
            let start = u64::from(block) * self.block + u64::from(offset);
            // an area lies within one logical block
            if u64::from(len) > self.block || u64::from(len) > self.continuation_budget {
                self.problems.note(format!(
                    "Rock Ridge continuation area of {len} bytes at byte {start} not read"
                ));
                break;
            }
            self.continuation_budget -= u64::from(len);
            match slice(self.bytes, start, u64::from(len)) {
                Some(more) => area = more,
                None => {
                    self.problems.note(format!(
                        "Rock Ridge continuation area ({len} bytes at byte {start}) lies past the end of the image"
                    ));
                    break;
                }
            }
        }
        rr.name = name;
        rr.link = link.map(LinkTarget::target);
        rr
    }
}

/// A plain ISO 9660 identifier without its `;1` version and the `.` left when there is no
/// extension (`README.;1` is `README`).
fn plain_name(id: &[u8]) -> &[u8] {
    let id = match id.iter().rposition(|&b| b == b';') {
        Some(at) => &id[..at],
        None => id,
    };
    id.strip_suffix(b".").unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::containers::android_boot::tests::{
        fixture, listing, sha256_of, walk_bytes, walk_fixture, warnings,
    };
    use sha2::{Digest, Sha256};

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/firmware/boot/out/");

    fn hex(bytes: &[u8]) -> String {
        Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Byte offset of the record named `id` in the directory whose extent starts at `dir`.
    fn record(iso: &[u8], dir: usize, id: &[u8]) -> usize {
        let mut wanted = vec![id.len() as u8];
        wanted.extend_from_slice(id);
        let at = iso[dir..dir + SECTOR]
            .windows(wanted.len())
            .position(|w| w == wanted)
            .expect("record present");
        dir + at - 32
    }

    /// Start of the directory a record points at.
    fn extent_of(iso: &[u8], record: usize) -> usize {
        le32(iso, record + 2).expect("extent") as usize * SECTOR
    }

    fn set_extent(iso: &mut [u8], record: usize, block: u32) {
        iso[record + 2..record + 6].copy_from_slice(&block.to_le_bytes());
    }

    fn root(iso: &[u8]) -> usize {
        le32(iso, FIRST_DESCRIPTOR + 156 + 2).expect("root") as usize * SECTOR
    }

    const ROCK_RIDGE_FILES: [&str; 5] = [
        "rockridge.iso!/a/b/c/d/e/f/g/h/deep.txt text",
        "rockridge.iso!/firmware/a-rather-long-file-name-for-rock-ridge.txt text",
        "rockridge.iso!/firmware/radio.bin text",
        "rockridge.iso!/latest -> firmware/radio.bin",
        "rockridge.iso!/readme.txt text",
    ];

    #[test]
    fn rock_ridge_names_links_and_relocated_directories() {
        let w = walk_fixture("rockridge.iso");
        assert_eq!(listing(&w, FIXTURES), ROCK_RIDGE_FILES);
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
        // deep.txt lives in RR_MOVED/h on the disc and is listed where its CL stand-in puts it
        assert_eq!(sha256_of(&w, "!/a/b/c/d/e/f/g/h/deep.txt"), hex(b"nine levels down\n"));
        assert_eq!(sha256_of(&w, "!/firmware/radio.bin"), hex(b"radio firmware 1.2\n"));
        assert_eq!(w.containers[0].kind, "iso9660");
    }

    #[test]
    fn joliet_names_when_there_is_no_rock_ridge() {
        let w = walk_fixture("joliet.iso");
        assert_eq!(
            listing(&w, FIXTURES),
            [
                "joliet.iso!/firmware/a-rather-long-file-name-for-rock-ridge.txt text",
                "joliet.iso!/firmware/radio.bin text",
                "joliet.iso!/readme.txt text",
            ]
        );
        assert_eq!(sha256_of(&w, "!/readme.txt"), hex(b"Release notes\n"));
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    }

    #[test]
    fn plain_names_when_there_is_neither() {
        let mut iso = fixture("rockridge.iso");
        let dot = root(&iso);
        assert_eq!(&iso[dot + 34..dot + 36], b"SP");
        iso[dot + 34..dot + 36].copy_from_slice(b"XX");
        // without SP the Joliet tree is walked (it has no links and needs no relocation)
        let (w, at) = walk_bytes("r.iso", &iso);
        assert_eq!(
            listing(&w, &at),
            [
                "r.iso!/a/b/c/d/e/f/g/h/deep.txt text",
                "r.iso!/firmware/a-rather-long-file-name-for-rock-ridge.txt text",
                "r.iso!/firmware/radio.bin text",
                "r.iso!/readme.txt text",
            ]
        );
        let joliet = (FIRST_DESCRIPTOR..iso.len())
            .step_by(SECTOR)
            .find(|&d| iso[d] == 2)
            .expect("Joliet descriptor");
        iso[joliet + 88..joliet + 91].copy_from_slice(b"xxx");
        // the primary tree as ISO 9660 alone sees it: 8.3 names, the relocated directory where
        // it really is, the stand-in for it and the link as empty files
        let (w, at) = walk_bytes("p.iso", &iso);
        assert_eq!(
            listing(&w, &at),
            [
                "p.iso!/A/B/C/D/E/F/G/H empty",
                "p.iso!/FIRMWARE/A_RATHER.TXT text",
                "p.iso!/FIRMWARE/RADIO.BIN text",
                "p.iso!/LATEST empty",
                "p.iso!/README.TXT text",
                "p.iso!/RR_MOVED/H/DEEP.TXT text",
            ]
        );
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    }

    #[test]
    fn a_directory_loop_is_read_once_and_reported() {
        let mut iso = fixture("rockridge.iso");
        let root_dir = root(&iso);
        let firmware = record(&iso, root_dir, b"FIRMWARE");
        set_extent(&mut iso, firmware, (root_dir / SECTOR) as u32);
        let (w, at) = walk_bytes("loop.iso", &iso);
        assert_eq!(
            listing(&w, &at),
            [
                "loop.iso!/a/b/c/d/e/f/g/h/deep.txt text",
                "loop.iso!/latest -> firmware/radio.bin",
                "loop.iso!/readme.txt text",
            ]
        );
        assert_eq!(
            warnings(&w, &at),
            [format!(
                "loop.iso: iso9660 is corrupt: directory firmware at byte {root_dir} was already read (a loop); not read again"
            )]
        );
    }

    #[test]
    fn extents_past_the_end_are_skipped_and_reported() {
        let mut iso = fixture("rockridge.iso");
        let root_dir = root(&iso);
        let firmware = record(&iso, root_dir, b"FIRMWARE");
        let radio = record(&iso, extent_of(&iso, firmware), b"RADIO.BIN;1");
        set_extent(&mut iso, radio, 0x00ff_ffff);
        let a = record(&iso, root_dir, b"A");
        set_extent(&mut iso, a, u32::MAX);
        let (w, at) = walk_bytes("bad.iso", &iso);
        assert_eq!(
            listing(&w, &at),
            [
                "bad.iso!/firmware/a-rather-long-file-name-for-rock-ridge.txt text",
                "bad.iso!/latest -> firmware/radio.bin",
                "bad.iso!/readme.txt text",
            ]
        );
        let a_start = u64::from(u32::MAX) * 2048;
        let radio_start = 0x00ff_ffffu64 * 2048;
        assert_eq!(
            warnings(&w, &at),
            [
                format!(
                    "bad.iso: iso9660 is corrupt: directory a (2048 bytes at byte {a_start}) lies past the end of the image"
                ),
                format!(
                    "bad.iso!/firmware/radio.bin: damaged member: contents (19 bytes at byte {radio_start}) lie past the end of the image"
                ),
            ]
        );
    }

    #[test]
    fn broken_records_and_descriptors_do_not_panic() {
        let iso = fixture("rockridge.iso");
        let root_dir = root(&iso);
        // every byte of the root directory and of the primary descriptor set to each of a few
        // values in turn: each walk ends, with or without a warning
        for at in (root_dir..root_dir + 400).chain(FIRST_DESCRIPTOR..FIRST_DESCRIPTOR + 200) {
            for value in [0x00, 0x01, 0x22, 0x7f, 0xff] {
                let mut bad = iso.clone();
                bad[at] = value;
                let _ = read(&bad, 1 << 20, &mut |_| ControlFlow::Continue(()));
            }
        }
        assert!(
            read(&iso[..FIRST_DESCRIPTOR + 100], 1 << 20, &mut |_| ControlFlow::Continue(
                ()
            ))
            .is_err()
        );
    }

    /// A SUSP `CE` entry pointing at `len` bytes at `offset` in `block`.
    fn ce(block: u32, offset: u32, len: u32) -> Vec<u8> {
        let mut e = b"CE\x1c\x01".to_vec();
        for v in [block, offset, len] {
            e.extend(v.to_le_bytes());
            e.extend(v.to_be_bytes());
        }
        e
    }

    #[test]
    fn continuation_areas_are_followed_and_bounded() {
        let mut image = vec![0u8; 4 * SECTOR];
        // block 1: the rest of a name, then a continuation that points back at itself
        let mut area = b"NM\x09\x01\x00rest".to_vec();
        area.extend(ce(1, 0, 37));
        image[SECTOR..SECTOR + area.len()].copy_from_slice(&area);
        let mut walk = Walk {
            bytes: &image,
            block: SECTOR as u64,
            names: Names::RockRidge { skip: 0 },
            limit: 1 << 20,
            visited: HashSet::new(),
            budget: 0,
            continuation_budget: image.len() as u64,
            problems: Problems::default(),
        };
        let mut own = b"NM\x09\x01\x01name".to_vec();
        own.extend(ce(1, 0, 37));
        let rr = walk.rock_ridge(&own);
        let mut name = b"name".to_vec();
        name.extend(b"rest".repeat(MAX_CONTINUATIONS));
        assert_eq!(rr.name, Some(name));
        assert_eq!(walk.continuation_budget, 4 * 2048 - 37 * MAX_CONTINUATIONS as u64);
        assert_eq!(
            walk.problems.first.as_deref(),
            Some("a record has more than 32 Rock Ridge continuation areas")
        );
        // an area longer than a block is not read
        let mut walk = Walk {
            continuation_budget: image.len() as u64,
            problems: Problems::default(),
            ..walk
        };
        let rr = walk.rock_ridge(&ce(1, 0, 4096));
        assert_eq!(rr.name, None);
        assert_eq!(
            walk.problems.first.as_deref(),
            Some("Rock Ridge continuation area of 4096 bytes at byte 2048 not read")
        );
    }

    #[test]
    fn link_targets_are_assembled_from_components() {
        let mut link = LinkTarget::default();
        // root, "usr", "..", "li" continued into "b", "."
        link.add(b"\x08\x00\x00\x03usr\x04\x00\x01\x02li");
        link.add(b"\x00\x01b\x02\x00");
        assert_eq!(link.target(), b"/usr/../lib/.");
        let mut relative = LinkTarget::default();
        relative.add(b"\x00\x08firmware\x00\x09radio.bin\x00\x40truncated");
        assert_eq!(relative.target(), b"firmware/radio.bin");
    }

    #[test]
    fn plain_names_drop_the_version_and_a_bare_dot() {
        assert_eq!(plain_name(b"README.TXT;1"), b"README.TXT");
        assert_eq!(plain_name(b"README.;1"), b"README");
        assert_eq!(plain_name(b"DIR"), b"DIR");
    }
}
