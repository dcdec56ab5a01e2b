//! Go build information: the Go linker writes a blob starting `\xff Go buildinf:` (normally the
//! `.go.buildinfo` section) naming the Go version and, for module builds, the main module and
//! every dependency with its version — the binary's own bill of materials. Two layouts exist
//! (Go's `debug/buildinfo` reads both):
//!
//! * Go 1.18+ (flag bit 2): the version and module strings follow the 32-byte header inline,
//!   each prefixed with its length as an unsigned varint;
//! * Go ≤ 1.17: two pointers after the 16-byte header, each to a Go string header
//!   `{data pointer, length}`, all in the binary's pointer size and byte order, resolved through
//!   the loaded segments.
//!
//! The module text is framed by two 16-byte sentinels, then holds lines of tab-separated fields:
//! `path`, `mod path version sum`, `dep path version sum`, `=> path version sum` (a replacement
//! of the line before), `build key=value`.

use memchr::memmem;

use super::layout::Layout;
use super::text::text;
use crate::model::Facts;

const MAGIC: &[u8] = b"\xff Go buildinf:";
/// The linker aligns the blob to 16 bytes; a match elsewhere is not it.
const ALIGN: usize = 16;
/// Where a blob is searched for when there is no `.go.buildinfo` section (stripped section
/// headers): the first 64 MiB of the file.
const SEARCH_LIMIT: usize = 64 << 20;
/// Neither string is longer than this in any real binary; longer lengths are corrupt.
const MAX_STRING: u64 = 4 << 20;
/// At most this many module lines are read.
const MAX_LINES: usize = 100_000;
/// The framing around the module text: `cmd/go`'s infoStart and infoEnd, 16 bytes each.
const FRAME: usize = 16;

/// Records `go-version`, `go-module` and `go-dependency`.
pub(super) fn record(layout: &Layout<'_>, facts: &mut Facts) {
    let Some(blob) = blob(layout) else {
        return;
    };
    let Some((version, modinfo)) = parse(blob, |address| layout.at_address(address)) else {
        return;
    };
    if let Some(version) = text(version) {
        facts.property("go-version", version);
    }
    modules(unframe(modinfo), facts);
}

/// The bytes from the magic on: the `.go.buildinfo` section, or else the first 16-aligned
/// occurrence of the magic in the file — searched only where a section cannot say: a file
/// without section headers, or a Go binary (Go before 1.13 kept the blob in `.data`).
fn blob<'a>(layout: &Layout<'a>) -> Option<&'a [u8]> {
    if let Some(section) = layout.section(b".go.buildinfo") {
        let data = layout.data(section);
        if data.starts_with(MAGIC) {
            return Some(data);
        }
    }
    let go = layout.section(b".gopclntab").is_some() || layout.section(b".note.go.buildid").is_some();
    if !layout.sections().is_empty() && !go {
        return None;
    }
    let bytes = layout.bytes;
    let hay = &bytes[..bytes.len().min(SEARCH_LIMIT)];
    let at = memmem::find_iter(hay, MAGIC).find(|at| at % ALIGN == 0)?;
    Some(&bytes[at..])
}

/// The version and module strings of a blob; `read` gives the file bytes at a virtual address
/// (to the end of what is mapped there), for the pointer layout.
fn parse<'a>(blob: &'a [u8], read: impl Fn(u64) -> Option<&'a [u8]>) -> Option<(&'a [u8], &'a [u8])> {
    let pointer_size = usize::from(*blob.get(14)?);
    let flags = *blob.get(15)?;
    if flags & 2 != 0 {
        let (version, rest) = varint_string(blob.get(32..)?)?;
        let (modinfo, _) = varint_string(rest)?;
        return Some((version, modinfo));
    }
    if pointer_size != 4 && pointer_size != 8 {
        return None;
    }
    let big_endian = flags & 1 != 0;
    let pointer = |bytes: &[u8]| -> Option<u64> {
        let raw = bytes.get(..pointer_size)?;
        let mut value = 0u64;
        for i in 0..pointer_size {
            let b = if big_endian { raw[i] } else { raw[pointer_size - 1 - i] };
            value = value << 8 | u64::from(b);
        }
        Some(value)
    };
    // A Go string header at `address`: {data pointer, length}.
    let string = |address: u64| -> Option<&'a [u8]> {
        let header = read(address)?;
        let data = pointer(header)?;
        let len = pointer(header.get(pointer_size..)?)?;
        if len > MAX_STRING {
            return None;
        }
        read(data)?.get(..usize::try_from(len).ok()?)
    };
    let version = string(pointer(blob.get(16..)?)?)?;
    let modinfo = string(pointer(blob.get(16 + pointer_size..)?)?).unwrap_or_default();
    Some((version, modinfo))
}

/// An unsigned-varint length, then that many bytes; returns the bytes and what follows.
fn varint_string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut len = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        len |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            if len > MAX_STRING {
                return None;
            }
            let rest = &bytes[i + 1..];
            let len = usize::try_from(len).ok()?;
            return (len <= rest.len()).then(|| rest.split_at(len));
        }
    }
    None
}

/// The module text without its sentinels; empty when the framing is missing (as Go does).
fn unframe(modinfo: &[u8]) -> &[u8] {
    let n = modinfo.len();
    if n > 2 * FRAME && modinfo[n - FRAME - 1] == b'\n' {
        &modinfo[FRAME..n - FRAME]
    } else {
        &[]
    }
}

/// Records the main module (`mod`, or `path` in a build outside module mode) and each
/// dependency as `path@version`; a `=>` line replaces the dependency before it, since the
/// replacement is the code that was built in.
fn modules(text: &[u8], facts: &mut Facts) {
    let mut main: Option<String> = None;
    let mut path: Option<String> = None;
    let mut deps: Vec<String> = Vec::new();
    let mut last_was_dep = false;
    for line in text.split(|&b| b == b'\n').take(MAX_LINES) {
        let mut fields = line.split(|&b| b == b'\t');
        let kind = fields.next().unwrap_or_default();
        let module = coordinate(fields.next(), fields.next());
        match (kind, module) {
            (b"path", Some(p)) => path = Some(p),
            (b"mod", Some(m)) => main = Some(m),
            (b"dep", Some(d)) => deps.push(d),
            (b"=>", Some(r)) if last_was_dep => {
                if let Some(last) = deps.last_mut() {
                    *last = r;
                }
            }
            _ => {}
        }
        last_was_dep = kind == b"dep";
    }
    if let Some(main) = main.or(path) {
        facts.property("go-module", main);
    }
    for dep in deps {
        facts.property("go-dependency", dep);
    }
}

/// `path@version`, or `path` alone when the version is empty (a local replacement).
fn coordinate(path: Option<&[u8]>, version: Option<&[u8]>) -> Option<String> {
    let path = text(path?)?;
    Some(match version.and_then(text) {
        Some(version) => format!("{path}@{version}"),
        None => path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &[u8]) -> Vec<u8> {
        [&[b'S'; FRAME][..], body, &[b'E'; FRAME]].concat()
    }

    fn props(facts: &Facts) -> Vec<(&str, &str)> {
        facts.properties.iter().map(|p| (p.name, p.value.as_str())).collect()
    }

    #[test]
    fn inline_layout() {
        let modinfo = framed(b"path\tx/cmd\nmod\tx\tv1.0.0\th1:a=\ndep\ty\tv2.0.0\n=>\t../y\t\t\n");
        let mut blob = [MAGIC, &[8, 2], &[0; 16], &[6], b"go1.22"].concat();
        blob.push(modinfo.len() as u8);
        blob.extend_from_slice(&modinfo);
        let (version, found) = parse(&blob, |_| None).expect("a blob");
        assert_eq!(version, b"go1.22");
        let mut facts = Facts::default();
        modules(unframe(found), &mut facts);
        assert_eq!(
            props(&facts),
            vec![("go-module", "x@v1.0.0"), ("go-dependency", "../y")]
        );
    }

    #[test]
    fn big_endian_pointer_layout() {
        // A 32-bit big-endian image mapped at 0x1000: headers at 0x1010/0x1018, strings after.
        let modinfo = framed(b"path\tcmd/tool\n");
        let mut image = vec![0u8; 0x20];
        image[0x10..0x18].copy_from_slice(&[0, 0, 0x10, 0x20, 0, 0, 0, 6]);
        image[0x18..0x20].copy_from_slice(&[0, 0, 0x10, 0x26, 0, 0, 0, modinfo.len() as u8]);
        image.extend_from_slice(b"go1.10");
        image.extend_from_slice(&modinfo);
        let image = &image[..];
        let blob = [MAGIC, &[4, 1], &[0, 0, 0x10, 0x10], &[0, 0, 0x10, 0x18]].concat();
        let read = |address: u64| image.get(usize::try_from(address.checked_sub(0x1000)?).ok()?..);
        let (version, found) = parse(&blob, read).expect("a blob");
        assert_eq!(version, b"go1.10");
        let mut facts = Facts::default();
        modules(unframe(found), &mut facts);
        assert_eq!(props(&facts), vec![("go-module", "cmd/tool")]);
    }

    #[test]
    fn hostile_blobs() {
        // Absurd lengths, unterminated varints, bad pointer sizes, pointers nowhere: nothing.
        let huge = [MAGIC, &[8, 2], &[0; 16], &[0xff; 12]].concat();
        assert_eq!(parse(&huge, |_| None), None);
        let short = [MAGIC, &[8, 2], &[0; 16], &[50], b"go"].concat();
        assert_eq!(parse(&short, |_| None), None);
        let odd = [MAGIC, &[3, 0], &[0; 8]].concat();
        assert_eq!(parse(&odd, |_| None), None);
        let dangling = [MAGIC, &[8, 0], &[0xff; 16]].concat();
        assert_eq!(parse(&dangling, |_| None), None);
        assert_eq!(unframe(b"too short\n"), b"");
        assert_eq!(
            varint_string(&[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
            None
        );
    }
}
