//! Bytes from the file to the text a fact holds: lossy UTF-8, trimmed, at most [`MAX_TEXT`]
//! bytes, so one hostile string cannot make a fact of megabytes.

/// The longest value a fact keeps, in bytes.
pub(super) const MAX_TEXT: usize = 4096;

/// The text of a value: `None` when nothing is left after trimming.
pub(super) fn text(raw: &[u8]) -> Option<String> {
    let raw = raw.trim_ascii();
    // Lossy conversion never shortens (an invalid sequence becomes a 3-byte U+FFFD), so
    // MAX_TEXT bytes of input are enough for MAX_TEXT bytes of text.
    let mut s = String::from_utf8_lossy(&raw[..raw.len().min(MAX_TEXT)]).into_owned();
    if s.len() > MAX_TEXT {
        let mut end = MAX_TEXT;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    let trimmed = s.trim_end();
    if trimmed.is_empty() {
        None
    } else if trimmed.len() == s.len() {
        Some(s)
    } else {
        Some(trimmed.to_owned())
    }
}

/// The NUL-terminated string at `at` in a string table, at most `max` bytes (the search for the
/// NUL stops there, so many lookups into one huge unterminated table stay cheap); `None` when
/// `at` is outside the table.
pub(super) fn cstr(table: &[u8], at: usize, max: usize) -> Option<&[u8]> {
    let rest = table.get(at..)?;
    let rest = &rest[..rest.len().min(max)];
    Some(memchr::memchr(0, rest).map_or(rest, |end| &rest[..end]))
}

/// The NUL-separated strings of a section, each with its offset in the section; empty strings
/// (padding between entries) are skipped.
pub(super) fn nul_separated(data: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut start = 0;
    std::iter::from_fn(move || {
        while start < data.len() {
            let at = start;
            let end = memchr::memchr(0, &data[at..]).map_or(data.len(), |n| at + n);
            start = end + 1;
            if end > at {
                return Some((at, &data[at..end]));
            }
        }
        None
    })
}

/// Lowercase hexadecimal of bytes.
pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_lossy_and_capped() {
        assert_eq!(text(b"  GCC: 12 \n").as_deref(), Some("GCC: 12"));
        assert_eq!(text(b" \t\n"), None);
        assert_eq!(text(b"a\xffb").as_deref(), Some("a\u{fffd}b"));
        let long = vec![b'x'; 10_000];
        assert_eq!(text(&long).map(|s| s.len()), Some(MAX_TEXT));
        // Replacement characters are three bytes: the cap still holds, at a character boundary.
        let bad = vec![0xffu8; 5_000];
        let s = text(&bad).unwrap_or_default();
        assert!(s.len() <= MAX_TEXT && s.chars().all(|c| c == '\u{fffd}'), "{}", s.len());
    }

    #[test]
    fn strings_in_tables() {
        assert_eq!(cstr(b"\0abc\0de", 1, 99), Some(&b"abc"[..]));
        assert_eq!(cstr(b"\0abc\0de", 5, 99), Some(&b"de"[..]));
        assert_eq!(cstr(b"\0abcdef\0", 1, 3), Some(&b"abc"[..]));
        assert_eq!(cstr(b"\0abc", 9, 99), None);
        let parts: Vec<_> = nul_separated(b"\0\0a=1\0\0bc\0d").collect();
        assert_eq!(parts, vec![(2, &b"a=1"[..]), (7, &b"bc"[..]), (10, &b"d"[..])]);
        assert_eq!(nul_separated(b"").count(), 0);
        assert_eq!(hex(&[0x01, 0xab, 0xff]), "01abff");
    }
}
