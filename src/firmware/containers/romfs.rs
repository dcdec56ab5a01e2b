//! romfs (Linux's smallest read-only filesystem, common in boot loaders and small routers): a
//! `-rom1fs-` superblock whose checksum covers the first 512 bytes, then 16-byte aligned file
//! headers — next (with the type in its low bits), spec (a directory's first entry, a hard
//! link's target, a device's numbers), size and a checksum of the header and name — each file's
//! data right after its name. Layout: Documentation/filesystems/romfs.rst and genromfs.
//!
//! An own reader: no crate reads romfs (crates.io has none that parses the image). It is small
//! and read here with every offset checked against the image, each header visited once (a
//! `next` chain that loops, or a directory entered twice, is noted and cut), directories at most
//! [`MAX_DEPTH`] deep. A header whose checksum fails is a damaged member; the walk goes on along
//! its `next` pointer, which the visited set keeps from looping.

use super::problems::{join, shown, Problems};
use super::Corrupt;
use super::{Member, Visit};
use std::borrow::Cow;
use std::collections::HashSet;
use std::ops::ControlFlow;

const MAGIC: &[u8] = b"-rom1fs-";
/// Bytes the superblock checksum covers (or the whole image when it is smaller).
const CHECKED: usize = 512;
pub const MAX_DEPTH: usize = 64;
/// Bytes of a name (the kernel's ROMFS_MAXFN is 128; names are read up to their NUL).
const MAX_NAME: usize = 256;

const HARD_LINK: u32 = 0;
const DIRECTORY: u32 = 1;
const REGULAR: u32 = 2;
const SYMLINK: u32 = 3;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

fn align16(n: usize) -> usize {
    n.saturating_add(15) & !15
}

/// The sum of big-endian words that makes a header or the superblock sound: zero.
fn checksum(b: &[u8]) -> u32 {
    b.chunks(4).fold(0u32, |sum, w| {
        let mut word = [0u8; 4];
        word[..w.len()].copy_from_slice(w);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// A NUL-terminated name at `at`, and where what follows it starts (16-byte aligned).
fn name_at(b: &[u8], at: usize) -> Option<(&[u8], usize)> {
    let window = b.get(at..)?;
    let window = &window[..window.len().min(MAX_NAME + 1)];
    let len = window.iter().position(|&c| c == 0)?;
    Some((&window[..len], align16(at + len + 1)))
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    if !bytes.starts_with(MAGIC) {
        return Err(Corrupt("no -rom1fs- signature".to_string()));
    }
    let full = be32(bytes, 8).ok_or_else(|| Corrupt("superblock cut short".to_string()))? as usize;
    let mut problems = Problems::default();
    let image = if full > bytes.len() {
        problems.note(format!(
            "the superblock says {full} bytes and the image holds {}: cut short",
            bytes.len()
        ));
        bytes
    } else {
        &bytes[..full]
    };
    if checksum(&image[..image.len().min(CHECKED)]) != 0 {
        problems.note(format!(
            "superblock checksum of the first {} bytes does not match",
            image.len().min(CHECKED)
        ));
    }
    let (_, first) = name_at(image, 16).ok_or_else(|| Corrupt("volume name runs past the end".to_string()))?;
    let mut walk = Walk {
        image,
        limit,
        visited: HashSet::new(),
        problems,
    };
    let _ = walk.chain(first, &[], 0, visit);
    walk.problems.finish()
}

struct Walk<'a> {
    image: &'a [u8],
    limit: u64,
    /// Headers read, by offset: a header reached twice is a loop.
    visited: HashSet<usize>,
    problems: Problems,
}

/// One file header.
struct Header<'a> {
    next: usize,
    kind: u32,
    spec: u32,
    size: u32,
    name: &'a [u8],
    data: usize,
}

impl<'a> Walk<'a> {
    fn header(&mut self, at: usize, dir: &[u8]) -> Option<Header<'a>> {
        let image = self.image;
        let (Some(next), Some(spec), Some(size)) = (be32(image, at), be32(image, at + 4), be32(image, at + 8)) else {
            self.problems.note(format!(
                "directory {}: file header at byte {at} lies past the end of the image",
                shown(dir)
            ));
            return None;
        };
        let Some((name, data)) = name_at(image, at + 16) else {
            self.problems.note(format!(
                "directory {}: the name of the file header at byte {at} does not end within the image",
                shown(dir)
            ));
            return None;
        };
        Some(Header {
            next: (next & !15) as usize,
            kind: next & 7,
            spec,
            size,
            name,
            data,
        })
    }

    /// The entries of one directory: the `next` chain from `at` (0 ends it).
    fn chain(&mut self, mut at: usize, dir: &[u8], depth: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        if depth > MAX_DEPTH {
            self.problems.note(format!(
                "directory {} nested more than {MAX_DEPTH} deep; not read",
                shown(dir)
            ));
            return ControlFlow::Continue(());
        }
        while at != 0 {
            if !self.visited.insert(at) {
                self.problems.note(format!(
                    "directory {}: the file header at byte {at} was already read (a loop); the rest of the \
                     directory is not read",
                    shown(dir)
                ));
                return ControlFlow::Continue(());
            }
            let Some(h) = self.header(at, dir) else {
                return ControlFlow::Continue(());
            };
            let path = join(dir, h.name);
            if checksum(self.image.get(at..h.data.min(self.image.len())).unwrap_or(&[])) != 0 {
                visit(Member::Damaged {
                    name: path,
                    message: format!("file header at byte {at}: checksum does not match"),
                })?;
                at = h.next;
                continue;
            }
            if h.name != b"." && h.name != b".." {
                self.entry(&h, at, path, depth, visit)?;
            }
            at = h.next;
        }
        ControlFlow::Continue(())
    }

    fn entry(
        &mut self,
        h: &Header<'a>,
        at: usize,
        path: Vec<u8>,
        depth: usize,
        visit: &mut Visit<'_, 'a>,
    ) -> ControlFlow<()> {
        match h.kind {
            DIRECTORY => {
                let first = (h.spec & !15) as usize;
                // a directory's spec names its first entry; one pointing at itself would loop
                if first != at {
                    self.chain(first, &path, depth + 1, visit)?;
                }
                ControlFlow::Continue(())
            }
            REGULAR => visit(self.file(path, h.data, h.size)),
            SYMLINK => match self.data(h.data, h.size) {
                Some(target) => visit(Member::Link {
                    name: path,
                    target: target.to_vec(),
                    hard: false,
                }),
                None => visit(past_end(path, h.data, h.size)),
            },
            HARD_LINK => {
                // the target's header: a regular file is listed with its contents, as a
                // directory listing shows a hard link
                let target_at = (h.spec & !15) as usize;
                match self.header(target_at, &path) {
                    Some(t) if t.kind == REGULAR => visit(self.file(path, t.data, t.size)),
                    Some(t) => visit(Member::Link {
                        name: path,
                        target: t.name.to_vec(),
                        hard: true,
                    }),
                    None => visit(Member::Damaged {
                        name: path,
                        message: format!("hard link at byte {at} to a header past the end ({target_at})"),
                    }),
                }
            }
            // block and character devices, sockets, FIFOs
            _ => visit(Member::Special { name: path }),
        }
    }

    fn data(&self, at: usize, size: u32) -> Option<&'a [u8]> {
        self.image.get(at..at.checked_add(size as usize)?)
    }

    fn file(&self, name: Vec<u8>, at: usize, size: u32) -> Member<'a> {
        if u64::from(size) > self.limit {
            return Member::TooBig {
                name,
                size: u64::from(size),
            };
        }
        match self.data(at, size) {
            Some(data) => Member::File {
                name,
                data: Cow::Borrowed(data),
            },
            None => past_end(name, at, size),
        }
    }
}

fn past_end<'a>(name: Vec<u8>, at: usize, size: u32) -> Member<'a> {
    Member::Damaged {
        name,
        message: format!("{size} bytes of data at byte {at} run past the end of the image"),
    }
}
