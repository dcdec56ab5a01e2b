//! cpio archives: "newc" (070701), "crc" (070702) and portable ASCII "odc" (070707) — what
//! initramfs images and firmware updaters ship.
//!
//! Hand-written: the `cpio` crate reads newc only and refuses names that are not UTF-8, but a
//! hostile archive's names must be kept as data. The formats are fixed-width ASCII headers.

use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::ControlFlow;

const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFDIR: u32 = 0o040000;

struct Header {
    ino: u64,
    nlink: u64,
    mode: u32,
    name_len: usize,
    file_size: u64,
    /// Bytes of header before the name.
    header_len: usize,
    /// Name and data are padded to this alignment (4 for newc, 1 for odc).
    align: usize,
}

fn number(field: &[u8], radix: u32) -> Option<u64> {
    u64::from_str_radix(std::str::from_utf8(field).ok()?, radix).ok()
}

fn header(b: &[u8]) -> Option<Header> {
    match b.get(..6)? {
        b"070701" | b"070702" => {
            let f = |i: usize| number(b.get(6 + i * 8..14 + i * 8)?, 16);
            Some(Header {
                ino: f(0)?,
                nlink: f(4)?,
                mode: f(1)? as u32,
                file_size: f(6)?,
                name_len: f(11)? as usize,
                header_len: 110,
                align: 4,
            })
        }
        b"070707" => Some(Header {
            ino: number(b.get(12..18)?, 8)?,
            nlink: number(b.get(36..42)?, 8)?,
            mode: number(b.get(18..24)?, 8)? as u32,
            name_len: number(b.get(59..65)?, 8)? as usize,
            file_size: number(b.get(65..76)?, 8)?,
            header_len: 76,
            align: 1,
        }),
        _ => None,
    }
}

fn align(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// One entry as the headers describe it.
struct Entry<'a> {
    name: Vec<u8>,
    mode: u32,
    ino: u64,
    nlink: u64,
    data: &'a [u8],
}

/// Reads the headers first, then hands members over: in "newc", the members of a hard-link set
/// carry their data only once (on the last of them), and every member of the set must get it.
pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let (entries, error) = entries(bytes);
    let mut linked: HashMap<u64, &'a [u8]> = HashMap::new();
    for e in &entries {
        if e.nlink > 1 && !e.data.is_empty() && e.mode & S_IFMT == S_IFREG {
            linked.insert(e.ino, e.data);
        }
    }
    for e in entries {
        let data = match linked.get(&e.ino) {
            Some(shared) if e.nlink > 1 && e.data.is_empty() => shared,
            _ => e.data,
        };
        let member = match e.mode & S_IFMT {
            S_IFDIR => continue,
            S_IFLNK => Member::Link {
                name: e.name,
                target: data.to_vec(),
                hard: false,
            },
            S_IFREG | 0 if data.len() as u64 > limit => Member::TooBig {
                name: e.name,
                size: data.len() as u64,
            },
            S_IFREG | 0 => Member::File {
                name: e.name,
                data: Cow::Borrowed(data),
            },
            _ => Member::Special { name: e.name },
        };
        if visit(member) == ControlFlow::Break(()) {
            return Ok(());
        }
    }
    error.map_or(Ok(()), Err)
}

/// Every entry up to the end or the first damage (returned beside what came before it).
fn entries(bytes: &[u8]) -> (Vec<Entry<'_>>, Option<Corrupt>) {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.iter().all(|&b| b == 0) {
            break; // padding after the trailer
        }
        let Some(h) = header(rest) else {
            return (out, Some(Corrupt(format!("no cpio header at byte {pos}"))));
        };
        let name_start = pos + h.header_len;
        let Some(name_end) = name_start.checked_add(h.name_len).filter(|&e| e <= bytes.len()) else {
            return (out, Some(Corrupt(format!("name runs past the end at byte {pos}"))));
        };
        let mut name = bytes[name_start..name_end].to_vec();
        while name.last() == Some(&0) {
            name.pop();
        }
        let data_start = pos + align(h.header_len + h.name_len, h.align);
        let data_end = usize::try_from(h.file_size)
            .ok()
            .and_then(|size| data_start.checked_add(size))
            .filter(|&e| e <= bytes.len());
        let Some(data_end) = data_end else {
            return (
                out,
                Some(Corrupt(format!("member data runs past the end at byte {pos}"))),
            );
        };
        pos = align(data_end, h.align);
        // An initramfs may hold several archives back to back, each ending in a trailer.
        if name != b"TRAILER!!!" {
            out.push(Entry {
                name,
                mode: h.mode,
                ino: h.ino,
                nlink: h.nlink,
                data: &bytes[data_start..data_end],
            });
        }
    }
    (out, None)
}
