//! cpio archives: "newc" (070701), "crc" (070702) and portable ASCII "odc" (070707) — what
//! initramfs images and firmware updaters ship.
//!
//! Hand-written: the `cpio` crate reads newc only and refuses names that are not UTF-8, but a
//! hostile archive's names must be kept as data. The formats are fixed-width ASCII headers.
//!
//! One parser serves an archive in memory ([`read`]: members are borrowed from it) and one read
//! from a stream ([`read_stream`]: a `cpio.gz` as it decodes, each member read into memory as it
//! is reached and the archive never held whole).

use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Read};
use std::ops::ControlFlow;

const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFDIR: u32 = 0o040000;

/// Longest member name read; a longer one is damage (PATH_MAX is 4096).
const MAX_NAME: u64 = 1 << 20;
/// Longest symbolic-link target kept; the rest of a longer one is skipped.
const MAX_LINK: u64 = 64 << 10;
/// Hard-link members waiting for the member of their set that carries the data.
const MAX_PENDING: usize = 100_000;
/// Most bytes held of a member that is not read whole (over the limit, or not a regular
/// file): what is searched for the next header when it runs past the end of the archive.
const WINDOW: u64 = 16 << 20;

struct Header {
    ino: u64,
    nlink: u64,
    mode: u32,
    name_len: u64,
    file_size: u64,
    /// Bytes of header before the name.
    header_len: u64,
    /// Name and data are padded to this alignment (4 for newc, 1 for odc).
    align: u64,
}

fn number(field: &[u8], radix: u32) -> Option<u64> {
    u64::from_str_radix(std::str::from_utf8(field).ok()?, radix).ok()
}

/// Header bytes for each magic number (the magic included).
fn header_len(magic: &[u8]) -> Option<usize> {
    match magic {
        b"070701" | b"070702" => Some(110),
        b"070707" => Some(76),
        _ => None,
    }
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
                name_len: f(11)?,
                header_len: 110,
                align: 4,
            })
        }
        b"070707" => Some(Header {
            ino: number(b.get(12..18)?, 8)?,
            nlink: number(b.get(36..42)?, 8)?,
            mode: number(b.get(18..24)?, 8)? as u32,
            name_len: number(b.get(59..65)?, 8)?,
            file_size: number(b.get(65..76)?, 8)?,
            header_len: 76,
            align: 1,
        }),
        _ => None,
    }
}

fn padding(n: u64, to: u64) -> u64 {
    n.next_multiple_of(to) - n
}

/// Where the archive's bytes come from.
trait Source<'a> {
    /// The next `n` bytes; fewer only where the input ends.
    fn take(&mut self, n: u64) -> io::Result<Cow<'a, [u8]>>;
    /// Skips the next `n` bytes; how many there were.
    fn skip(&mut self, n: u64) -> io::Result<u64>;
    /// Reads to the end: true when every remaining byte is zero (padding after the trailer).
    fn rest_is_zero(&mut self) -> io::Result<bool>;
    /// The input has ended; reading goes on with `rest` (bytes taken before, from where a
    /// header was found in them).
    fn resume(&mut self, rest: Cow<'a, [u8]>);
}

/// An archive in memory: members are borrowed.
struct Slice<'a>(&'a [u8]);

impl<'a> Source<'a> for Slice<'a> {
    fn take(&mut self, n: u64) -> io::Result<Cow<'a, [u8]>> {
        let (taken, rest) = self
            .0
            .split_at(usize::try_from(n).unwrap_or(usize::MAX).min(self.0.len()));
        self.0 = rest;
        Ok(Cow::Borrowed(taken))
    }

    fn skip(&mut self, n: u64) -> io::Result<u64> {
        Ok(self.take(n)?.len() as u64)
    }

    fn rest_is_zero(&mut self) -> io::Result<bool> {
        let zero = self.0.iter().all(|&b| b == 0);
        self.0 = &[];
        Ok(zero)
    }

    fn resume(&mut self, rest: Cow<'a, [u8]>) {
        // what this source takes is always borrowed
        self.0 = match rest {
            Cow::Borrowed(rest) => rest,
            Cow::Owned(_) => &[],
        };
    }
}

/// An archive read as a stream: each member is read into memory when reached. Bytes put
/// back by [`Source::resume`] are read first.
struct Stream<R> {
    put_back: io::Cursor<Vec<u8>>,
    inner: R,
}

impl<R: Read> Read for Stream<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.put_back.read(buf)? {
            0 => self.inner.read(buf),
            n => Ok(n),
        }
    }
}

impl<'a, R: Read> Source<'a> for Stream<R> {
    fn take(&mut self, n: u64) -> io::Result<Cow<'a, [u8]>> {
        // Every caller bounds `n` first (a name by MAX_NAME, other data by WINDOW or the
        // walker's member limit).
        super::read_sized(Read::take(&mut *self, n), n).map(Cow::Owned)
    }

    fn skip(&mut self, n: u64) -> io::Result<u64> {
        io::copy(&mut Read::take(&mut *self, n), &mut io::sink())
    }

    fn resume(&mut self, rest: Cow<'a, [u8]>) {
        self.put_back = io::Cursor::new(rest.into_owned());
    }

    fn rest_is_zero(&mut self) -> io::Result<bool> {
        let mut buf = [0u8; 8192];
        loop {
            match Read::read(self, &mut buf) {
                Ok(0) => return Ok(true),
                Ok(n) if buf[..n].iter().all(|&b| b == 0) => {}
                Ok(_) => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// A cpio archive held in memory.
pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    parse(Slice(bytes), limit, visit)
}

/// A cpio archive read from a stream.
pub fn read_stream<'a>(reader: impl Read, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    parse(
        Stream {
            put_back: io::Cursor::new(Vec::new()),
            inner: reader,
        },
        limit,
        visit,
    )
}

/// Hard-link sets: in "newc", the members of a set carry their data only once, on the last of
/// them, and every member of the set must get it. Members seen before that one wait (by name
/// only) and are then handed over as hard links to it, which the walker lists as the file.
#[derive(Default)]
struct Links {
    /// Inode → name of the member of its set that carried the data.
    carried: HashMap<u64, Vec<u8>>,
    /// Inode → names of members still waiting for their data.
    waiting: HashMap<u64, Vec<Vec<u8>>>,
    waiting_count: usize,
}

fn parse<'a>(mut src: impl Source<'a>, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let mut links = Links::default();
    let result = entries(&mut src, limit, &mut links, visit);
    if matches!(result, Ok(ControlFlow::Break(()))) {
        return Ok(());
    }
    // set members whose data never came are empty files, as their headers say
    let mut waiting: Vec<(u64, Vec<Vec<u8>>)> = links.waiting.into_iter().collect();
    waiting.sort_unstable_by_key(|w| w.0);
    for name in waiting.into_iter().flat_map(|w| w.1) {
        let member = Member::File {
            name,
            data: Cow::Borrowed(&[]),
        };
        if visit(member) == ControlFlow::Break(()) {
            return Ok(());
        }
    }
    result.map(|_| ())
}

/// Every entry up to the end, the first damage that cannot be read past, or until the walker
/// says stop.
///
/// A member whose data runs past the end of the archive (a header that claims 4 GB, a cut
/// archive) is a damaged member; the bytes after its name are then searched for the next
/// header, which is where reading goes on (an intact member after a lying size is still
/// found). Only the first [`WINDOW`] bytes are searched after a member over the limit, so a
/// stream never holds more than that of a member it does not read.
fn entries<'a>(
    src: &mut impl Source<'a>,
    limit: u64,
    links: &mut Links,
    visit: &mut Visit<'_, 'a>,
) -> Result<ControlFlow<()>, Corrupt> {
    let io = |e: io::Error| Corrupt(e.to_string());
    let mut pos = 0u64;
    // the last record read was a trailer (an initramfs may hold several archives back to back)
    let mut after_trailer = false;
    loop {
        let magic = src.take(6).map_err(io)?;
        if magic.is_empty() {
            if !after_trailer {
                return Err(Corrupt(format!(
                    "the archive ends at byte {pos} without its TRAILER!!! record; it may have been cut short"
                )));
            }
            return Ok(ControlFlow::Continue(()));
        }
        let no_header = || Corrupt(format!("no cpio header at byte {pos}"));
        let Some(len) = header_len(&magic) else {
            if after_trailer && magic.iter().all(|&b| b == 0) && src.rest_is_zero().map_err(io)? {
                return Ok(ControlFlow::Continue(())); // padding after the trailer
            }
            return Err(no_header());
        };
        let mut raw = [0u8; 110];
        raw[..6].copy_from_slice(&magic);
        let rest = src.take(len as u64 - 6).map_err(io)?;
        if rest.len() < len - 6 {
            return Err(Corrupt(format!(
                "the archive ends at byte {}, inside the header that begins at byte {pos}",
                pos + 6 + rest.len() as u64
            )));
        }
        let raw = raw.get_mut(..len).ok_or_else(no_header)?;
        raw.get_mut(6..len).ok_or_else(no_header)?.copy_from_slice(&rest);
        let h = header(raw).ok_or_else(no_header)?;
        if h.name_len > MAX_NAME {
            return Err(Corrupt(format!("name of {} bytes at byte {pos}", h.name_len)));
        }
        let name = src.take(h.name_len).map_err(io)?;
        if (name.len() as u64) < h.name_len {
            return Err(Corrupt(format!(
                "the archive ends inside the name of the member whose header begins at byte {pos}"
            )));
        }
        let mut name = name.into_owned();
        while name.last() == Some(&0) {
            name.pop();
        }
        let name_pad = padding(h.header_len + h.name_len, h.align);
        let data_at = pos + h.header_len + h.name_len + name_pad;
        let size = h.file_size;
        let kind = h.mode & S_IFMT;
        let is_file = matches!(kind, S_IFREG | 0) && name != b"TRAILER!!!";
        // a regular file within the limit is read whole; of anything else, at most WINDOW bytes
        // are held (a link's target, or the bytes to search after a member that runs past the end)
        let wanted = if is_file && size <= limit {
            size
        } else {
            size.min(WINDOW)
        };
        let skipped = src.skip(name_pad).map_err(io)?;
        let held = src.take(wanted).map_err(io)?;
        let mut came = held.len() as u64;
        if came == wanted {
            came += src.skip(size - wanted).map_err(io)?;
        }
        if skipped < name_pad || came < size {
            let message =
                format!("declares {size} bytes of data at byte {data_at}, but the archive ends {came} bytes later");
            if visit(Member::Damaged { name, message }) == ControlFlow::Break(()) {
                return Ok(ControlFlow::Break(()));
            }
            // the next header among the bytes that came
            let found = memchr::memmem::find_iter(&held, b"0707").find(|&at| header(&held[at..]).is_some());
            let Some(at) = found else {
                return Ok(ControlFlow::Continue(()));
            };
            pos = data_at + at as u64;
            src.resume(match held {
                Cow::Borrowed(b) => Cow::Borrowed(&b[at..]),
                Cow::Owned(v) => Cow::Owned(v[at..].to_vec()),
            });
            after_trailer = false;
            continue;
        }
        // the data's padding may be missing at the very end
        src.skip(padding(size, h.align)).map_err(io)?;
        pos = data_at + size + padding(size, h.align);
        after_trailer = name == b"TRAILER!!!";
        let member = match kind {
            _ if after_trailer => None,
            S_IFDIR => None,
            S_IFLNK => Some(Member::Link {
                name,
                target: held[..held.len().min(MAX_LINK as usize)].to_vec(),
                hard: false,
            }),
            S_IFREG | 0 if size > limit => Some(Member::TooBig { name, size }),
            S_IFREG | 0 => {
                if regular(h.nlink, h.ino, name, held, links, visit) == ControlFlow::Break(()) {
                    return Ok(ControlFlow::Break(()));
                }
                continue;
            }
            _ => Some(Member::Special { name }),
        };
        if let Some(member) = member {
            if visit(member) == ControlFlow::Break(()) {
                return Ok(ControlFlow::Break(()));
            }
        }
    }
}

/// A regular file member, with its hard-link set (if any) resolved as described on [`Links`].
fn regular<'a>(
    nlink: u64,
    ino: u64,
    name: Vec<u8>,
    data: Cow<'a, [u8]>,
    links: &mut Links,
    visit: &mut Visit<'_, 'a>,
) -> ControlFlow<()> {
    if nlink > 1 && data.is_empty() {
        if let Some(carrier) = links.carried.get(&ino) {
            let target = carrier.clone();
            return visit(Member::Link {
                name,
                target,
                hard: true,
            });
        }
        if links.waiting_count < MAX_PENDING {
            links.waiting_count += 1;
            links.waiting.entry(ino).or_default().push(name);
            return ControlFlow::Continue(());
        }
    }
    if nlink > 1 && !data.is_empty() {
        links.carried.insert(ino, name.clone());
        let waiting = links.waiting.remove(&ino).unwrap_or_default();
        links.waiting_count -= waiting.len();
        visit(Member::File {
            name: name.clone(),
            data,
        })?;
        for other in waiting {
            visit(Member::Link {
                name: other,
                target: name.clone(),
                hard: true,
            })?;
        }
        return ControlFlow::Continue(());
    }
    visit(Member::File { name, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A newc member: header, name, data, each padded to 4.
    fn newc(out: &mut Vec<u8>, ino: u32, mode: u32, nlink: u32, name: &str, data: &[u8]) {
        let fields = [
            ino,
            mode,
            0,
            0,
            nlink,
            0,
            data.len() as u32,
            0,
            0,
            0,
            0,
            name.len() as u32 + 1,
            0,
        ];
        out.extend_from_slice(b"070701");
        for f in fields {
            out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
        out.extend_from_slice(data);
        while !out.len().is_multiple_of(4) {
            out.push(0);
        }
    }

    /// What a source hands over — (name, data or link target, kind letter) — and its error.
    type Listing = (Vec<(String, Vec<u8>, char)>, Option<String>);

    /// What each source hands over.
    fn listing(bytes: &[u8], limit: u64, stream: bool) -> Listing {
        let mut seen = Vec::new();
        let mut visit = |m: Member<'_>| {
            seen.push(match m {
                Member::File { name, data } => (String::from_utf8_lossy(&name).into_owned(), data.to_vec(), 'f'),
                Member::TooBig { name, size } => (
                    String::from_utf8_lossy(&name).into_owned(),
                    size.to_le_bytes().to_vec(),
                    'b',
                ),
                Member::Link { name, target, hard } => (
                    String::from_utf8_lossy(&name).into_owned(),
                    target,
                    if hard { 'h' } else { 'l' },
                ),
                Member::Special { name } => (String::from_utf8_lossy(&name).into_owned(), Vec::new(), 's'),
                Member::Damaged { name, message } => {
                    (String::from_utf8_lossy(&name).into_owned(), message.into_bytes(), 'd')
                }
                Member::OverRatio { .. } => panic!("cpio has no ratio"),
                Member::Unread { .. } => panic!("cpio decodes every member"),
            });
            ControlFlow::Continue(())
        };
        let result = if stream {
            read_stream(bytes, limit, &mut visit)
        } else {
            read(bytes, limit, &mut visit)
        };
        (seen, result.err().map(|c| c.0))
    }

    fn both(bytes: &[u8], limit: u64) -> Listing {
        let memory = listing(bytes, limit, false);
        assert_eq!(listing(bytes, limit, true), memory);
        memory
    }

    #[test]
    fn a_hard_link_set_gets_its_data_from_the_last_member() {
        let mut a = Vec::new();
        newc(&mut a, 1, 0o040755, 2, "bin", b"");
        newc(&mut a, 7, 0o100755, 2, "bin/a", b"");
        newc(&mut a, 9, 0o100644, 1, "big", &[1u8; 100]);
        newc(&mut a, 7, 0o100755, 2, "bin/b", b"shared");
        newc(&mut a, 8, 0o120777, 1, "bin/c", b"b");
        newc(&mut a, 5, 0o020644, 1, "dev/tty", b"");
        newc(&mut a, 0, 0, 1, "TRAILER!!!", b"");
        a.resize(a.len().next_multiple_of(512), 0);
        let (members, error) = both(&a, 64);
        assert_eq!(error, None);
        assert_eq!(
            members,
            [
                ("big".to_string(), 100u64.to_le_bytes().to_vec(), 'b'),
                ("bin/b".to_string(), b"shared".to_vec(), 'f'),
                ("bin/a".to_string(), b"bin/b".to_vec(), 'h'),
                ("bin/c".to_string(), b"b".to_vec(), 'l'),
                ("dev/tty".to_string(), Vec::new(), 's'),
            ]
        );
    }

    #[test]
    fn damage_keeps_what_came_before() {
        let mut a = Vec::new();
        newc(&mut a, 1, 0o100644, 1, "one", b"1111");
        newc(&mut a, 2, 0o100644, 1, "two", b"2222");
        let cut = a.len() - 3;
        let (members, error) = both(&a[..cut], 1 << 20);
        assert_eq!(error, None);
        assert_eq!(
            members,
            [
                ("one".to_string(), b"1111".to_vec(), 'f'),
                (
                    "two".to_string(),
                    b"declares 4 bytes of data at byte 236, but the archive ends 1 bytes later".to_vec(),
                    'd'
                ),
            ]
        );
        // at a member boundary, with no trailer
        let (members, error) = both(&a, 1 << 20);
        assert_eq!(members.len(), 2);
        assert_eq!(
            error.as_deref(),
            Some("the archive ends at byte 240 without its TRAILER!!! record; it may have been cut short")
        );
        // inside a header
        let (_, error) = both(&a[..150], 1 << 20);
        assert_eq!(
            error.as_deref(),
            Some("the archive ends at byte 150, inside the header that begins at byte 120")
        );
        a.extend_from_slice(b"garbage");
        let (members, error) = both(&a, 1 << 20);
        assert_eq!(members.len(), 2);
        assert_eq!(error.as_deref(), Some("no cpio header at byte 240"));
    }

    #[test]
    fn a_size_past_the_end_is_damage_and_the_next_header_is_found() {
        for limit in [1 << 20, 16] {
            let mut a = Vec::new();
            newc(&mut a, 1, 0o100644, 1, "one", b"1111");
            let lying = a.len();
            newc(&mut a, 2, 0o100644, 1, "liar", b"2222");
            newc(&mut a, 3, 0o100644, 1, "three", b"3333");
            newc(&mut a, 0, 0, 1, "TRAILER!!!", b"");
            // "liar" claims 4 GB
            a[lying + 54..lying + 62].copy_from_slice(b"ffffff00");
            let (members, error) = both(&a, limit);
            assert_eq!(error, None);
            assert_eq!(
                members,
                [
                    ("one".to_string(), b"1111".to_vec(), 'f'),
                    (
                        "liar".to_string(),
                        b"declares 4294967040 bytes of data at byte 236, but the archive ends 248 bytes later".to_vec(),
                        'd'
                    ),
                    ("three".to_string(), b"3333".to_vec(), 'f'),
                ],
                "limit {limit}"
            );
        }
    }

    #[test]
    fn a_set_whose_data_never_comes_is_empty_files() {
        let mut a = Vec::new();
        newc(&mut a, 3, 0o100644, 2, "x", b"");
        newc(&mut a, 3, 0o100644, 2, "y", b"");
        newc(&mut a, 0, 0, 1, "TRAILER!!!", b"");
        let (members, error) = both(&a, 1 << 20);
        assert_eq!(error, None);
        assert_eq!(
            members,
            [("x".to_string(), Vec::new(), 'f'), ("y".to_string(), Vec::new(), 'f')]
        );
    }
}
