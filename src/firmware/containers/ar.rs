//! Unix ar archives (and so Debian packages: `debian-binary`, `control.tar.*`, `data.tar.*`),
//! GNU and BSD name variants.
//!
//! Hand-written (the format is a global magic and fixed 60-byte ASCII headers): the `ar` crate
//! allocates a GNU name table or a BSD long name at whatever size the header declares (ten or
//! thirteen decimal digits) and indexes its name table with an unchecked offset, both fatal on
//! a hostile archive; and it reads through `Read`, so a member is copied where here it is
//! borrowed from the archive in memory. Every size is checked against the bytes present first.

use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::ops::ControlFlow;

const MAGIC: &[u8] = b"!<arch>\n";
const HEADER: usize = 60;

fn number(field: &[u8], radix: u32) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?.trim_end_matches(' ');
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, radix).ok()
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    if !bytes.starts_with(MAGIC) {
        return Err(Corrupt("no ar magic at byte 0".to_string()));
    }
    let mut at = MAGIC.len();
    // the GNU long-name table ("//"), when there is one
    let mut names: &[u8] = &[];
    while at < bytes.len() {
        // members start at even offsets; a lone newline pads an odd-sized one (some writers
        // leave it out at the very end)
        if at % 2 == 1 && bytes[at] == b'\n' {
            at += 1;
            continue;
        }
        let Some(h) = bytes.get(at..at + HEADER) else {
            return Err(Corrupt(format!(
                "the archive ends at byte {}, inside the header that begins at byte {at}",
                bytes.len()
            )));
        };
        if &h[58..60] != b"`\n" {
            return Err(Corrupt(format!("damaged header at byte {at}: no end-of-header mark")));
        }
        let Some(declared) = number(&h[48..58], 10) else {
            return Err(Corrupt(format!(
                "damaged header at byte {at}: size {:?} is not a number",
                String::from_utf8_lossy(&h[48..58])
            )));
        };
        let raw_name = &h[..h[..16].iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1)];
        let mut data_at = at + HEADER;
        let mut size = declared;
        let name: Vec<u8> = if let Some(len) = raw_name.strip_prefix(b"#1/") {
            // BSD: the name follows the header and is counted in the size
            let len = number(len, 10).filter(|&l| l <= declared).ok_or_else(|| {
                Corrupt(format!(
                    "damaged header at byte {at}: BSD name length beyond the member"
                ))
            })?;
            let name = bytes
                .get(data_at..data_at.saturating_add(len as usize))
                .ok_or_else(|| {
                    Corrupt(format!(
                        "the archive ends inside the name of the member whose header begins at byte {at}"
                    ))
                })?;
            data_at += len as usize;
            size -= len;
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            name[..end].to_vec()
        } else if let Some(offset) = raw_name
            .strip_prefix(b"/")
            .filter(|o| o.first().is_some_and(u8::is_ascii_digit))
        {
            // GNU: an offset into the name table
            let start = number(offset, 10)
                .and_then(|o| usize::try_from(o).ok())
                .filter(|&o| o < names.len())
                .ok_or_else(|| {
                    Corrupt(format!(
                        "damaged header at byte {at}: name offset {} is outside the name table",
                        String::from_utf8_lossy(offset)
                    ))
                })?;
            let name = &names[start..];
            let end = name.iter().position(|&b| b == b'/' || b == b'\n').unwrap_or(name.len());
            name[..end].to_vec()
        } else {
            raw_name.strip_suffix(b"/").unwrap_or(raw_name).to_vec()
        };
        let end = (data_at as u64).saturating_add(size);
        if end > bytes.len() as u64 {
            let name = if name.is_empty() { raw_name.to_vec() } else { name };
            let message = format!(
                "declares {size} bytes of data at byte {data_at}, but the archive ends {} bytes later",
                bytes.len() - data_at.min(bytes.len())
            );
            let _ = visit(Member::Damaged { name, message });
            return Ok(());
        }
        let data = &bytes[data_at..end as usize];
        at = end as usize;
        match raw_name {
            b"//" => {
                names = data;
                continue;
            }
            // symbol tables (GNU, 64-bit GNU, BSD)
            b"/" | b"/SYM64/" => continue,
            _ if name.starts_with(b"__.SYMDEF") => continue,
            _ => {}
        }
        let member = if size > limit {
            Member::TooBig { name, size }
        } else {
            Member::File {
                name,
                data: Cow::Borrowed(data),
            }
        };
        if visit(member) == ControlFlow::Break(()) {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(out: &mut Vec<u8>, name: &str, data: &[u8]) {
        out.extend_from_slice(format!("{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", 0, 0, 0, 644, data.len()).as_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(b'\n');
        }
    }

    fn listing(bytes: &[u8]) -> (Vec<(String, String)>, Option<String>) {
        let mut seen = Vec::new();
        let mut visit = |m: Member<'_>| {
            seen.push(match m {
                Member::File { name, data } => (
                    String::from_utf8_lossy(&name).into_owned(),
                    String::from_utf8_lossy(&data).into_owned(),
                ),
                Member::Damaged { name, message } => (String::from_utf8_lossy(&name).into_owned(), message),
                _ => panic!("unexpected member"),
            });
            ControlFlow::Continue(())
        };
        let result = read(bytes, 1 << 20, &mut visit);
        (seen, result.err().map(|c| c.0))
    }

    #[test]
    fn gnu_and_bsd_names_and_damage_with_its_place() {
        let mut a = MAGIC.to_vec();
        member(&mut a, "//", b"a-very-long-member-name.txt/\n");
        member(&mut a, "/0", b"long");
        member(&mut a, "short/", b"odd");
        member(&mut a, "#1/8", b"bsd.name1234");
        let (members, error) = listing(&a);
        assert_eq!(error, None);
        assert_eq!(
            members,
            [
                ("a-very-long-member-name.txt".to_string(), "long".to_string()),
                ("short".to_string(), "odd".to_string()),
                ("bsd.name".to_string(), "1234".to_string()),
            ]
        );
        let (members, error) = listing(&a[..a.len() - 2]);
        assert_eq!(error, None);
        assert_eq!(members[2].0, "bsd.name");
        assert!(
            members[2]
                .1
                .ends_with("declares 4 bytes of data at byte 294, but the archive ends 2 bytes later"),
            "{}",
            members[2].1
        );
        let (members, error) = listing(&a[..200]);
        assert_eq!(members.len(), 1);
        assert_eq!(
            error.as_deref(),
            Some("the archive ends at byte 200, inside the header that begins at byte 162")
        );
        // a name offset outside the table, a size that is not a number: errors, no panic
        let mut b = MAGIC.to_vec();
        member(&mut b, "/99", b"x");
        assert!(listing(&b).1.unwrap().contains("outside the name table"));
        let mut c = MAGIC.to_vec();
        member(&mut c, "#1/99999999999", b"x");
        assert!(listing(&c).1.unwrap().contains("BSD name length"));
    }
}
