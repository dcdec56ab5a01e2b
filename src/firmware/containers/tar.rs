//! tar (ustar, GNU, PAX) through the `tar` crate, which handles long names and PAX headers.
//! Read member by member from memory or from a stream (a `tar.gz` as it decodes): tar is
//! sequential, so the archive is never held whole, only the member being handed over.
//!
//! The crate stops at the first damage and takes the end of the input for the end of the
//! archive, so the input goes through a [`Tape`] that counts bytes, so that:
//! - an archive cut inside a member or a header is reported with the byte where it ends (a
//!   member cut short is a damaged member, its predecessors kept);
//! - an archive that ends without its end-of-archive block (cut at a member boundary) is
//!   reported, never taken for a complete archive;
//! - a damaged header (a bad checksum, a size that is not a number) is a damaged member at its
//!   offset, and reading resumes at the next block that is a valid header (a fresh crate
//!   `Archive` over the rest of the tape), since a tar carries no index to resync from.

use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::io::{self, Read};
use std::ops::ControlFlow;

const BLOCK: usize = 512;

/// The input, counted: where it is, whether it has ended, its last block's worth of bytes, and
/// bytes put back to be read again (a header found by resynchronising).
struct Tape<R> {
    inner: R,
    pos: u64,
    ended: bool,
    tail: Vec<u8>,
    back: Vec<u8>,
}

impl<R: Read> Read for Tape<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = if self.back.is_empty() {
            self.inner.read(buf)?
        } else {
            let n = buf.len().min(self.back.len());
            buf[..n].copy_from_slice(&self.back[..n]);
            self.back.drain(..n);
            n
        };
        self.ended = n == 0 && !buf.is_empty();
        self.pos += n as u64;
        self.tail.extend_from_slice(&buf[n.saturating_sub(BLOCK)..n]);
        let extra = self.tail.len().saturating_sub(BLOCK);
        self.tail.drain(..extra);
        Ok(n)
    }
}

/// How one pass of the crate over the tape ended.
enum End {
    /// At the end of the archive, or where the walker said stop, or at damage already handed
    /// over as a member.
    Done,
    /// At a header the crate could not parse: the header's bytes, where they begin, why.
    BadHeader(Vec<u8>, u64, String),
}

pub fn read<'a>(reader: impl Read, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let mut tape = Tape {
        inner: reader,
        pos: 0,
        ended: false,
        tail: Vec::with_capacity(BLOCK),
        back: Vec::new(),
    };
    loop {
        let (header, at, why) = match pass(&mut tape, limit, visit)? {
            End::Done => return Ok(()),
            End::BadHeader(header, at, why) => (header, at, why),
        };
        // the header may be short, or empty when the stream failed before it (a spent budget)
        let mut name: Vec<u8> = header.iter().take(100).copied().take_while(|&b| b != 0).collect();
        if name.is_empty() {
            name = format!("(header at byte {at})").into_bytes();
        }
        let next = resync(&mut tape).map_err(|e| Corrupt(format!("after the damaged header at byte {at}: {e}")))?;
        let message = match next {
            Some(next) => {
                format!("damaged header at byte {at} ({why}); read on from the next valid header, at byte {next}")
            }
            None => format!("damaged header at byte {at} ({why}); no valid header follows it"),
        };
        if visit(Member::Damaged { name, message }) == ControlFlow::Break(()) || next.is_none() {
            return Ok(());
        }
    }
}

/// Reads members with the crate from where the tape is, up to the end or the first damage.
fn pass<'a, R: Read>(tape: &mut Tape<R>, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<End, Corrupt> {
    let base = tape.pos;
    // where the header after the last member read begins, and that member's name
    let mut next_header = base;
    let mut last: Option<Vec<u8>> = None;
    let failure = {
        let mut archive = tar::Archive::new(&mut *tape);
        let entries = archive.entries().map_err(|e| Corrupt(e.to_string()))?;
        let mut failure = None;
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            let name = entry.path_bytes().into_owned();
            let kind = entry.header().entry_type();
            let data_at = base + entry.raw_file_position();
            let stored = if kind.is_gnu_sparse() {
                entry.header().entry_size().unwrap_or(0)
            } else {
                entry.size()
            };
            next_header = data_at.saturating_add(stored.next_multiple_of(BLOCK as u64));
            last = Some(name.clone());
            let member = if kind.is_file() || kind == tar::EntryType::Continuous || kind.is_gnu_sparse() {
                let size = entry.size();
                if size > limit {
                    Member::TooBig { name, size }
                } else {
                    let data = super::read_sized(entry, size).map_err(|e| Corrupt(e.to_string()))?;
                    if (data.len() as u64) < size {
                        let message = format!(
                            "the archive ends at byte {}, inside this member's {size} bytes of data \
                             (from byte {data_at}); the {} bytes that came are not read",
                            data_at + data.len() as u64,
                            data.len()
                        );
                        let _ = visit(Member::Damaged { name, message });
                        return Ok(End::Done);
                    }
                    Member::File {
                        name,
                        data: Cow::Owned(data),
                    }
                }
            } else if kind.is_symlink() || kind.is_hard_link() {
                let target = entry.link_name_bytes().map(|t| t.into_owned()).unwrap_or_default();
                Member::Link {
                    name,
                    target,
                    hard: kind.is_hard_link(),
                }
            } else if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
                continue;
            } else {
                Member::Special { name }
            };
            if visit(member) == ControlFlow::Break(()) {
                return Ok(End::Done);
            }
        }
        failure
    };
    let pos = tape.pos;
    match failure {
        None if tape.ended => Err(Corrupt(format!(
            "the archive ends at byte {pos} without its end-of-archive block; it may have been cut short"
        ))),
        None => Ok(End::Done),
        Some(e) if tape.ended => Err(Corrupt(match last {
            Some(name) if pos < next_header => format!(
                "the archive ends at byte {pos}, inside the data of member {} (which runs to byte {next_header}): {e}",
                String::from_utf8_lossy(&name)
            ),
            _ => format!("the archive ends at byte {pos}, inside the header that begins at byte {next_header}: {e}"),
        })),
        Some(e) => Ok(End::BadHeader(
            tape.tail.clone(),
            pos.saturating_sub(BLOCK as u64),
            e.to_string(),
        )),
    }
}

/// Reads block by block to the next valid header (its checksum right) and puts it back to be
/// read; where it begins, or `None` at the end of the input.
fn resync<R: Read>(tape: &mut Tape<R>) -> io::Result<Option<u64>> {
    let mut block = [0u8; BLOCK];
    loop {
        let at = tape.pos;
        let mut got = 0;
        while got < BLOCK {
            match tape.read(&mut block[got..]) {
                Ok(0) => return Ok(None),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if valid_header(&block) {
            tape.back = block.to_vec();
            tape.pos = at;
            return Ok(Some(at));
        }
    }
}

/// A non-zero block whose checksum field matches its bytes (as unsigned or signed sums).
fn valid_header(block: &[u8; BLOCK]) -> bool {
    let field = &block[148..156];
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|b| b.is_ascii_digit())
        .collect();
    let Some(want) = std::str::from_utf8(&digits)
        .ok()
        .filter(|d| !d.is_empty())
        .and_then(|d| u32::from_str_radix(d, 8).ok())
    else {
        return false;
    };
    let spaces = 8 * u32::from(b' ');
    let unsigned: u32 = block[..148]
        .iter()
        .chain(&block[156..])
        .map(|&b| u32::from(b))
        .sum::<u32>()
        + spaces;
    let signed: i32 = block[..148]
        .iter()
        .chain(&block[156..])
        .map(|&b| i32::from(b as i8))
        .sum::<i32>()
        + spaces as i32;
    want == unsigned || want as i32 == signed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, size: usize) -> [u8; BLOCK] {
        let mut h = tar::Header::new_ustar();
        h.set_path(name).unwrap();
        h.set_size(size as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        *h.as_bytes()
    }

    fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in members {
            out.extend_from_slice(&header(name, data.len()));
            out.extend_from_slice(data);
            out.resize(out.len().next_multiple_of(BLOCK), 0);
        }
        out.extend_from_slice(&[0; 2 * BLOCK]);
        out
    }

    /// (name, data or damage message) of each member, and the reader's error.
    fn listing(bytes: &[u8]) -> (Vec<(String, String)>, Option<String>) {
        let mut seen = Vec::new();
        let mut visit = |m: Member<'_>| {
            seen.push(match m {
                Member::File { name, data } => (
                    String::from_utf8_lossy(&name).into_owned(),
                    String::from_utf8_lossy(&data).into_owned(),
                ),
                Member::Damaged { name, message } => (
                    String::from_utf8_lossy(&name).into_owned(),
                    format!("damaged: {message}"),
                ),
                _ => panic!("unexpected member"),
            });
            ControlFlow::Continue(())
        };
        let result = read(bytes, 1 << 20, &mut visit);
        (seen, result.err().map(|c| c.0))
    }

    #[test]
    fn cuts_are_reported_with_their_place() {
        let a = archive(&[("one", b"1111"), ("two", &[b'2'; 700])]);
        // inside the second member's data
        let (members, error) = listing(&a[..1024 + 600]);
        assert_eq!(error, None);
        assert_eq!(members[0], ("one".into(), "1111".into()));
        assert_eq!(members[1].0, "two");
        assert!(
            members[1].1.starts_with(
                "damaged: the archive ends at byte 1624, inside this member's 700 bytes of data (from byte 1536)"
            ),
            "{}",
            members[1].1
        );
        // inside the second header
        let (members, error) = listing(&a[..1024 + 100]);
        assert_eq!(members, [("one".to_string(), "1111".to_string())]);
        assert!(
            error
                .as_deref()
                .unwrap()
                .starts_with("the archive ends at byte 1124, inside the header that begins at byte 1024"),
            "{error:?}"
        );
        // at a member boundary: no end-of-archive block
        let (members, error) = listing(&a[..1024]);
        assert_eq!(members, [("one".to_string(), "1111".to_string())]);
        assert_eq!(
            error.as_deref(),
            Some("the archive ends at byte 1024 without its end-of-archive block; it may have been cut short")
        );
        // whole
        assert_eq!(listing(&a).1, None);
    }

    #[test]
    fn a_bad_checksum_is_one_damaged_member_and_reading_resumes() {
        let mut a = archive(&[("one", b"1111"), ("two", b"2222"), ("three", b"3333")]);
        a[1024 + 148] = b'7'; // the second header's checksum
        let (members, error) = listing(&a);
        assert_eq!(error, None);
        assert_eq!(members.len(), 3);
        assert_eq!(members[0], ("one".into(), "1111".into()));
        assert_eq!(members[1].0, "two");
        assert!(
            members[1]
                .1
                .starts_with("damaged: damaged header at byte 1024 (archive header checksum mismatch); read on from the next valid header, at byte 2048"),
            "{}",
            members[1].1
        );
        assert_eq!(members[2], ("three".into(), "3333".into()));
    }
}
