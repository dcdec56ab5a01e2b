//! zip (also jar, apk, whl): the central directory through the `zip` crate, member by member, so
//! one bad member (a wrong CRC, an unsupported method, a broken deflate stream) is one damaged
//! member and every other member is still read.
//!
//! Two hostile shapes are handled here rather than by the crate:
//! - entries whose bytes overlap an earlier entry's (the "non-recursive zip bomb": thousands of
//!   central-directory entries sharing one compressed body, each decoding it again) stop the
//!   archive at the first overlap, with one damaged member saying so;
//! - a zip whose central directory is missing or damaged (a truncated download, a cut flash
//!   dump) is read from its local file headers, in order (see [`local_headers`]).
//!
//! Each member's limit also bounds its expansion ratio against its compressed size, so a zip bomb
//! stops at the first member.

use super::{read_bounded, Corrupt, Member, Visit};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::ops::ControlFlow;

/// Unix mode bits of a symbolic link, as zip stores them in the external attributes.
const S_IFLNK: u32 = 0o120000;
const S_IFMT: u32 = 0o170000;
/// Longest symbolic-link target read.
const MAX_LINK: u64 = 4096;
/// A member smaller than this is never over the ratio (a tiny compressed empty file is fine).
const RATIO_FLOOR: u64 = 64 << 10;

const LOCAL_SIG: &[u8; 4] = b"PK\x03\x04";
const CENTRAL_SIG: &[u8; 4] = b"PK\x01\x02";
const END_SIG: &[u8; 4] = b"PK\x05\x06";
const DESCRIPTOR_SIG: &[u8; 4] = b"PK\x07\x08";

/// True when the bytes hold a zip central directory the reader can open.
pub fn opens(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes)).is_ok()
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, max_ratio: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => central(archive, bytes.len() as u64, limit, max_ratio, visit),
        Err(e) => {
            let found = local_headers(bytes, limit, max_ratio, visit)?;
            Err(Corrupt(format!(
                "no usable central directory ({e}); {found} members found through their local headers, \
                 members after a damaged or missing part may be lost"
            )))
        }
    }
}

/// Every entry of the central directory, in its order.
fn central<'a>(
    mut archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    len: u64,
    limit: u64,
    max_ratio: u64,
    visit: &mut Visit<'_, 'a>,
) -> Result<(), Corrupt> {
    // The byte range (local header to end of data) of every entry read so far, by start: kept
    // disjoint, since the first overlap ends the archive.
    let mut taken: BTreeMap<u64, (u64, usize)> = BTreeMap::new();
    let count = archive.len();
    for i in 0..count {
        let Ok(entry) = archive.by_index_data(i) else { continue };
        let name = entry.name_raw().to_vec();
        let is_dir = entry.is_dir();
        let (compressed, size, header) = (entry.compressed_size(), entry.size(), entry.header_start());
        let is_link = entry.unix_mode().is_some_and(|m| m & S_IFMT == S_IFLNK);
        let method = entry.compression();
        drop(entry);
        let data_start = match archive.by_index_raw(i) {
            Ok(raw) => raw.data_start().unwrap_or(header),
            Err(e) => {
                let message = format!("local header at byte {header}: {e}");
                if visit(Member::Damaged { name, message }) == ControlFlow::Break(()) {
                    return Ok(());
                }
                continue;
            }
        };
        let end = data_start.saturating_add(compressed);
        // the nearest range starting at or before this one, and the nearest starting inside it
        let before = taken.range(..=header).next_back().filter(|(_, (e, _))| *e > header);
        let inside = taken.range(header..end).next();
        if let Some((&start, &(stop, earlier))) = before.or(inside) {
            let message = format!(
                "overlapping entries: member {i}'s data (bytes {header}..{end}) overlaps member \
                 {earlier}'s (bytes {start}..{stop}); a body read more than once is a zip bomb, \
                 the remaining {} entries are not read",
                count - i
            );
            let _ = visit(Member::Damaged { name, message });
            return Ok(());
        }
        taken.insert(header, (end, i));
        if is_dir {
            continue;
        }
        let member = if end > len {
            Member::Damaged {
                name,
                message: format!("data (bytes {data_start}..{end}) runs past the end of the archive ({len} bytes)"),
            }
        } else {
            match archive.by_index(i) {
                Ok(file) => {
                    let place = format!("{method} data at bytes {data_start}..{end}");
                    decode(
                        name,
                        size,
                        compressed,
                        is_link,
                        cap(compressed, limit, max_ratio),
                        &place,
                        file,
                    )
                }
                Err(e) => Member::Damaged {
                    name,
                    message: format!("cannot decode {method} data at bytes {data_start}..{end}: {e}"),
                },
            }
        };
        if visit(member) == ControlFlow::Break(()) {
            return Ok(());
        }
    }
    if archive.has_duplicate_names() {
        return Err(Corrupt(
            "the central directory names a member more than once; only the last entry of each \
             such name is read"
                .to_string(),
        ));
    }
    Ok(())
}

/// The bytes a member may expand to: the walker's `limit`, and `max_ratio` times its
/// `compressed` size (never less than [`RATIO_FLOOR`]); and whether the ratio is the tighter.
fn cap(compressed: u64, limit: u64, max_ratio: u64) -> (u64, bool) {
    let by_ratio = compressed.saturating_mul(max_ratio).max(RATIO_FLOOR);
    (limit.min(by_ratio), by_ratio < limit)
}

/// One member read from `reader` (which decodes and checks it): never an error, since one bad
/// member must not end the archive. `bound` is what [`cap`] gives for it; `place` says where
/// its data is, for the messages.
fn decode<'a>(
    name: Vec<u8>,
    size: u64,
    compressed: u64,
    is_link: bool,
    bound: (u64, bool),
    place: &str,
    mut reader: impl Read,
) -> Member<'a> {
    if is_link {
        let mut target = Vec::new();
        return match (&mut reader).take(MAX_LINK).read_to_end(&mut target) {
            Ok(_) => Member::Link {
                name,
                target,
                hard: false,
            },
            Err(e) => Member::Damaged {
                name,
                message: format!("{place}: {e}"),
            },
        };
    }
    let (cap, by_ratio) = bound;
    if size > cap {
        return if by_ratio {
            Member::OverRatio { name, size, compressed }
        } else {
            Member::TooBig { name, size }
        };
    }
    match read_bounded(reader, cap) {
        Ok(Some(data)) => Member::File {
            name,
            data: Cow::Owned(data),
        },
        // the declared size lied
        Ok(None) => Member::Damaged {
            name,
            message: format!("{place}: declares {size} bytes but decodes to more than {cap}; not read"),
        },
        Err(e) => Member::Damaged {
            name,
            message: format!("{place}: {e}"),
        },
    }
}

/// What a local file header says.
struct Local {
    flags: u16,
    method: u16,
    compressed: u64,
    size: u64,
    name: Vec<u8>,
    data_start: usize,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The local header at `at` (its signature already seen); `None` when it runs past the end.
fn local(bytes: &[u8], at: usize) -> Option<Local> {
    let h = bytes.get(at..)?;
    let (name_len, extra_len) = (u16_at(h, 26)? as usize, u16_at(h, 28)? as usize);
    let name = h.get(30..30 + name_len)?.to_vec();
    let extra = h.get(30 + name_len..30 + name_len + extra_len)?;
    let (mut compressed, mut size) = (u64::from(u32_at(h, 18)?), u64::from(u32_at(h, 22)?));
    // zip64: the 32-bit sizes are 0xffffffff and the real ones are in extra field 0x0001
    let mut e = extra;
    while let (Some(id), Some(len)) = (u16_at(e, 0), u16_at(e, 2)) {
        let body = e.get(4..4 + len as usize).unwrap_or(&[]);
        if id == 1 && size == 0xffff_ffff && compressed == 0xffff_ffff {
            if let (Some(s), Some(c)) = (u64_at(body, 0), u64_at(body, 8)) {
                (size, compressed) = (s, c);
            }
        }
        e = e.get(4 + len as usize..).unwrap_or(&[]);
    }
    Some(Local {
        flags: u16_at(h, 6)?,
        method: u16_at(h, 8)?,
        compressed,
        size,
        name,
        data_start: at + 30 + name_len + extra_len,
    })
}

/// Reads a zip whose central directory cannot be used, from its local file headers in order:
/// how many members were handed over.
///
/// Hand-written (bounded: each step moves forward through `bytes`, nothing is allocated from a
/// declared size beyond the member limit): the `zip` crate's stream reader refuses a member
/// whose sizes are only in a data descriptor, and stops at the first damage, where this goes
/// on to the next local header. A member with known sizes is decoded by the crate (every
/// method, CRC checked) from exactly its bytes; a deflate member whose sizes follow it is
/// decoded with flate2, which finds where the stream ends; a member of another method whose
/// size is unknown is reported damaged, and the next header is looked for.
fn local_headers<'a>(bytes: &'a [u8], limit: u64, max_ratio: u64, visit: &mut Visit<'_, 'a>) -> Result<usize, Corrupt> {
    let mut at = 0usize;
    let mut found = 0usize;
    while let Some(next) = memchr::memmem::find(&bytes[at..], LOCAL_SIG) {
        let start = at + next;
        // the central directory begins: every local header has been seen
        if bytes[at..start].windows(4).any(|w| w == CENTRAL_SIG || w == END_SIG) {
            break;
        }
        let Some(h) = local(bytes, start) else {
            return Err(Corrupt(format!(
                "local header at byte {start} runs past the end of the archive ({} bytes)",
                bytes.len()
            )));
        };
        found += 1;
        let name = h.name.clone();
        let is_dir = name.ends_with(b"/");
        let (member, end) = local_member(bytes, start, h, limit, max_ratio);
        at = end.max(start + 4);
        if is_dir && matches!(member, Member::File { ref data, .. } if data.is_empty()) {
            continue;
        }
        if visit(member) == ControlFlow::Break(()) {
            break;
        }
    }
    Ok(found)
}

/// The member whose local header `h` is at `start`, and where the next header may begin.
fn local_member<'a>(bytes: &'a [u8], start: usize, h: Local, limit: u64, max_ratio: u64) -> (Member<'a>, usize) {
    let name = h.name;
    let data = &bytes[h.data_start..];
    let damaged = |name, message| (Member::Damaged { name, message }, h.data_start);
    if h.flags & 1 != 0 {
        return damaged(name, format!("encrypted (local header at byte {start}); not read"));
    }
    if h.flags & 8 != 0 && h.compressed == 0 {
        // the sizes follow the data, in a data descriptor
        if h.method != 8 {
            return damaged(
                name,
                format!(
                    "method {} with its size only after the data (local header at byte {start}); not read",
                    h.method
                ),
            );
        }
        return deflate_unsized(name, data, h.data_start, start, limit, max_ratio);
    }
    let end = h.data_start as u64 + h.compressed;
    if end > bytes.len() as u64 {
        let message = format!(
            "data (bytes {}..{end}) runs past the end of the archive ({} bytes)",
            h.data_start,
            bytes.len()
        );
        return damaged(name, message);
    }
    let end = end as usize;
    let place = format!("data at bytes {}..{end}", h.data_start);
    // the crate decodes exactly this member's bytes (header and data), and checks its CRC
    let mut cursor = Cursor::new(&bytes[start..end]);
    let member = match zip::read::read_zipfile_from_stream(&mut cursor) {
        Ok(Some(file)) => decode(
            name,
            h.size,
            h.compressed,
            false,
            cap(h.compressed, limit, max_ratio),
            &place,
            file,
        ),
        Ok(None) => damaged(name, format!("no local header at byte {start}")).0,
        Err(e) => damaged(name, format!("{place}: {e}")).0,
    };
    let mut next = end;
    if h.flags & 8 != 0 {
        next += descriptor_len(&bytes[end..]);
    }
    (member, next)
}

/// Bytes of the data descriptor at the start of `b` (optional signature, CRC, two sizes).
fn descriptor_len(b: &[u8]) -> usize {
    if b.starts_with(DESCRIPTOR_SIG) {
        16
    } else {
        12
    }
}

/// A deflate member whose sizes follow its data: decoded with flate2 until the deflate stream
/// ends (bounded by the member limit and the ratio against what was consumed), its CRC checked
/// against the data descriptor after it.
fn deflate_unsized<'a>(
    name: Vec<u8>,
    data: &'a [u8],
    data_start: usize,
    start: usize,
    limit: u64,
    max_ratio: u64,
) -> (Member<'a>, usize) {
    let mut decoder = flate2::bufread::DeflateDecoder::new(data);
    let (cap, _) = cap(data.len() as u64, limit, max_ratio);
    let result = read_bounded(&mut decoder, cap);
    let consumed = decoder.total_in() as usize;
    let end = data_start + consumed;
    let place = format!("deflate data from byte {data_start} (local header at byte {start})");
    let out = match result {
        Ok(Some(out)) => out,
        Ok(None) => {
            let message = format!("{place}: decodes to more than {cap} bytes; not read");
            return (Member::Damaged { name, message }, end);
        }
        Err(e) => {
            return (
                Member::Damaged {
                    name,
                    message: format!("{place}: {e}"),
                },
                end,
            )
        }
    };
    let descriptor = &data[consumed..];
    let crc_at = if descriptor.starts_with(DESCRIPTOR_SIG) { 4 } else { 0 };
    let next = end + descriptor_len(descriptor);
    let mut sum = flate2::Crc::new();
    sum.update(&out);
    let sum = sum.sum();
    match u32_at(descriptor, crc_at) {
        Some(crc) if crc == sum => (
            Member::File {
                name,
                data: Cow::Owned(out),
            },
            next,
        ),
        Some(crc) => (
            Member::Damaged {
                name,
                message: format!("{place}: CRC {sum:08x} of the data is not the {crc:08x} its data descriptor gives"),
            },
            next,
        ),
        None => (
            Member::Damaged {
                name,
                message: format!("{place}: the archive ends before its data descriptor"),
            },
            next,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// (name, what: f=file data / d=damage message / r=over ratio / b=too big) of each member,
    /// and the reader's error.
    fn listing(bytes: &[u8], limit: u64, max_ratio: u64) -> (Vec<(String, char, String)>, Option<String>) {
        let mut seen = Vec::new();
        let mut visit = |m: Member<'_>| {
            seen.push(match m {
                Member::File { name, data } => (
                    String::from_utf8_lossy(&name).into_owned(),
                    'f',
                    String::from_utf8_lossy(&data).into_owned(),
                ),
                Member::Damaged { name, message } => (String::from_utf8_lossy(&name).into_owned(), 'd', message),
                Member::OverRatio { name, size, compressed } => (
                    String::from_utf8_lossy(&name).into_owned(),
                    'r',
                    format!("{size}/{compressed}"),
                ),
                Member::TooBig { name, size } => (String::from_utf8_lossy(&name).into_owned(), 'b', size.to_string()),
                Member::Link { name, target, .. } => (
                    String::from_utf8_lossy(&name).into_owned(),
                    'l',
                    String::from_utf8_lossy(&target).into_owned(),
                ),
                Member::Special { name } => (String::from_utf8_lossy(&name).into_owned(), 's', String::new()),
                Member::Unread { .. } => panic!("zip hands every member over or says it is damaged"),
            });
            ControlFlow::Continue(())
        };
        let result = read(bytes, limit, max_ratio, &mut visit);
        (seen, result.err().map(|c| c.0))
    }

    fn build(members: &[(&str, &[u8], zip::CompressionMethod)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, method) in members {
            let options = zip::write::SimpleFileOptions::default().compression_method(*method);
            w.start_file(*name, options).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const STORED: zip::CompressionMethod = zip::CompressionMethod::Stored;
    const DEFLATED: zip::CompressionMethod = zip::CompressionMethod::Deflated;

    #[test]
    fn a_bad_crc_is_one_damaged_member_and_the_rest_is_read() {
        let mut z = build(&[
            ("a", b"alpha", STORED),
            ("b", b"bravo", STORED),
            ("c", b"charlie", DEFLATED),
        ]);
        let at = memchr::memmem::find(&z, b"alpha").unwrap();
        z[at] = b'A';
        let (members, error) = listing(&z, 1 << 20, 1000);
        assert_eq!(error, None);
        assert_eq!(members[0].0, "a");
        assert_eq!(members[0].1, 'd');
        assert!(members[0].2.contains("Invalid checksum"), "{}", members[0].2);
        assert_eq!(members[1], ("b".into(), 'f', "bravo".into()));
        assert_eq!(members[2], ("c".into(), 'f', "charlie".into()));
    }

    #[test]
    fn a_zip_without_its_central_directory_is_read_from_its_local_headers() {
        let z = build(&[("a", b"alpha", STORED), ("b", &[b'x'; 3000], DEFLATED)]);
        let cd = memchr::memmem::find(&z, CENTRAL_SIG).unwrap();
        let (members, error) = listing(&z[..cd + 10], 1 << 20, 1000);
        assert_eq!(members.len(), 2);
        assert_eq!(members[0], ("a".into(), 'f', "alpha".into()));
        assert_eq!(members[1].2.len(), 3000);
        assert!(error.unwrap().contains("2 members found through their local headers"));
        // cut inside the second member's data: the first is kept, the second is damaged
        let b = memchr::memmem::find(&z[4..], LOCAL_SIG).unwrap() + 4;
        let (members, error) = listing(&z[..b + 40], 1 << 20, 1000);
        assert_eq!(members[0], ("a".into(), 'f', "alpha".into()));
        assert_eq!(members[1].1, 'd');
        assert!(
            members[1].2.contains("runs past the end of the archive"),
            "{}",
            members[1].2
        );
        assert!(error.is_some());
    }

    #[test]
    fn members_with_data_descriptors_are_read_from_local_headers() {
        let mut w = zip::ZipWriter::new_stream(Vec::new());
        for (name, data) in [("a", &b"alpha alpha alpha"[..]), ("b", &[b'y'; 5000][..])] {
            let options = zip::write::SimpleFileOptions::default().compression_method(DEFLATED);
            w.start_file(name, options).unwrap();
            w.write_all(data).unwrap();
        }
        let z = w.finish().unwrap().into_inner();
        let cd = memchr::memmem::find(&z, CENTRAL_SIG).unwrap();
        let (members, error) = listing(&z[..cd], 1 << 20, 1000);
        assert_eq!(members[0], ("a".into(), 'f', "alpha alpha alpha".into()));
        assert_eq!(members[1].2, "y".repeat(5000));
        assert!(error.unwrap().contains("2 members found"));
        // a damaged deflate stream in the first: one damaged member, the second still read
        let mut bad = z[..cd].to_vec();
        bad[30 + 1] ^= 0xff;
        let (members, _) = listing(&bad, 1 << 20, 1000);
        assert_eq!(members.last().unwrap().2, "y".repeat(5000));
        assert_eq!(members[0].1, 'd');
    }

    #[test]
    fn a_name_listed_twice_is_reported() {
        let mut z = build(&[("aa", b"alpha", STORED), ("bb", b"bravo", STORED)]);
        // rename the second entry to the first's name, in the central directory
        let cd = memchr::memmem::find(&z, CENTRAL_SIG).unwrap();
        let second = cd + memchr::memmem::find(&z[cd + 4..], CENTRAL_SIG).unwrap() + 4;
        z[second + 46..second + 48].copy_from_slice(b"aa");
        let (_, error) = listing(&z, 1 << 20, 1000);
        assert!(error
            .unwrap()
            .starts_with("the central directory names a member more than once"));
    }

    #[test]
    fn entries_sharing_one_body_stop_at_the_first_overlap() {
        let mut z = build(&[
            ("a", b"alpha", STORED),
            ("b", b"bravo", STORED),
            ("c", b"charlie", STORED),
        ]);
        // point the central directory's second and third entries at the first local header
        let mut at = 0;
        let mut n = 0;
        while let Some(i) = memchr::memmem::find(&z[at..], CENTRAL_SIG) {
            let cd = at + i;
            if n > 0 {
                z[cd + 42..cd + 46].copy_from_slice(&0u32.to_le_bytes());
            }
            n += 1;
            at = cd + 4;
        }
        let (members, error) = listing(&z, 1 << 20, 1000);
        assert_eq!(error, None);
        assert_eq!(members.len(), 2);
        assert_eq!(members[0], ("a".into(), 'f', "alpha".into()));
        assert_eq!(members[1].1, 'd');
        assert!(
            members[1]
                .2
                .starts_with("overlapping entries: member 1's data (bytes 0..36) overlaps member 0's (bytes 0..36)"),
            "{}",
            members[1].2
        );
        assert!(members[1].2.ends_with("the remaining 2 entries are not read"));
    }

    #[test]
    fn an_over_ratio_member_says_so() {
        let z = build(&[("zeros", &vec![0u8; 1 << 20], DEFLATED)]);
        let (members, _) = listing(&z, 1 << 30, 10);
        assert_eq!(members[0].1, 'r');
        assert!(members[0].2.starts_with("1048576/"));
        let (members, _) = listing(&z, 100_000, 1_000_000);
        assert_eq!(members[0], ("zeros".into(), 'b', "1048576".into()));
    }
}
