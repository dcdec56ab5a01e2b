//! Virtual paths: how a file was reached, in one notation used by the inventory, findings and
//! every report.
//!
//! | form | meaning |
//! |---|---|
//! | `A!/P` | member `P` of the archive or filesystem `A` |
//! | `A!gzip` | the decompressed content of `A` (likewise `!xz`, `!bzip2`, `!zstd`, `!lz4`, `!lzma`) |
//! | `A!/0x40000:squashfs` | a region carved out of `A` at byte offset 0x40000, detected as squashfs |
//!
//! So `fw.bin!/0x40000:squashfs!/usr/lib/libfoo.so` and `rootfs.tar.gz!gzip!/etc/passwd`.
//! Member names are data from the input: `..`, absolute names and anything else are kept as
//! written, and bytes that are not printable UTF-8 (or are `\`) are written as `\xNN` escapes.
//! So is `!` (`\x21`) in a member's or a file's own name: every `!` after the target is
//! notation, and a path splits unambiguously into its steps ([`unescape`] gives a name back).
//! The target itself is named as the user named it, `!` and all.

use std::fmt;

/// The path as text, what its last step names, and where the path inside the innermost
/// filesystem starts (see [`VPath::inner`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VPath(String, Step, usize);

/// The last step of a path: what the path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Step {
    /// The target itself.
    Root,
    /// A file of a directory target, or a member of an archive or filesystem.
    File,
    /// A carved region.
    Region,
    /// The decoded content of a compressed stream.
    Stream,
}

impl VPath {
    /// The path of a target as the user named it (already text).
    pub fn root(display: &str) -> VPath {
        VPath(display.to_string(), Step::Root, 0)
    }

    /// The path inside the filesystem the path's file lies in: below a directory target, the
    /// path from the target with a leading `/` (`rootfs/usr/bin/bash` → `/usr/bin/bash`); in an
    /// archive or image, what follows the last `!` (`/usr/bin/bash`, `/0x40000:squashfs`,
    /// `gzip`); the target itself, whole. So a file has the same inner path in a directory, in a
    /// tar of it and in a package inside it.
    pub fn inner(&self) -> &str {
        &self.0[self.2..]
    }

    /// True when the path names a file — one of a directory target, or a member of an archive
    /// or filesystem — rather than the target itself, a carved region or a decoded stream.
    pub fn is_file(&self) -> bool {
        self.1 == Step::File
    }

    /// A file inside a directory target: `dir/sub/file`.
    pub fn child(&self, relative: &[u8]) -> VPath {
        let mut s = self.0.clone();
        if !s.ends_with('/') {
            s.push('/');
        }
        let inner = s.len() - 1;
        push_escaped(&mut s, relative);
        VPath(s, Step::File, inner)
    }

    /// A member of an archive: `A!/name`, with a leading `./` dropped so the same tree archived
    /// by different tools gets the same paths.
    pub fn member(&self, name: &[u8]) -> VPath {
        let name = name.strip_prefix(b"./").unwrap_or(name);
        let mut s = format!("{}!/", self.0);
        let inner = s.len() - 1;
        push_escaped(&mut s, name);
        VPath(s, Step::File, inner)
    }

    /// A region carved out of `A` at a byte offset: `A!/0x40000:squashfs`.
    pub fn region(&self, offset: usize, kind: &str) -> VPath {
        VPath(
            format!("{}!/0x{offset:x}:{kind}", self.0),
            Step::Region,
            self.0.len() + 1,
        )
    }

    /// The decompressed content of a compressed stream: `A!gzip`.
    pub fn stream(&self, codec: &str) -> VPath {
        VPath(format!("{}!{codec}", self.0), Step::Stream, self.0.len() + 1)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for VPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Appends `bytes` as text: printable UTF-8 as is, everything else (control characters,
/// invalid UTF-8, the escape character itself) as `\xNN`.
fn push_escaped(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' || c == '!' || c.is_control() {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
}

/// A name as written in a virtual path, back to its bytes: each `\xNN` escape is the byte it
/// stands for; anything else is kept as it is.
pub fn unescape(name: &str) -> Vec<u8> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 2..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], bytes.get(i + 1), hex) {
            (b'\\', Some(b'x'), Some(b)) => {
                out.push(b);
                i += 4;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{unescape, VPath};

    #[test]
    fn notation() {
        let fw = VPath::root("fw.tar.gz");
        assert_eq!(
            fw.stream("gzip").member(b"./usr/lib/libfoo.so").as_str(),
            "fw.tar.gz!gzip!/usr/lib/libfoo.so"
        );
        assert_eq!(VPath::root("rootfs").child(b"etc/passwd").as_str(), "rootfs/etc/passwd");
        assert_eq!(VPath::root("rootfs/").child(b"etc").as_str(), "rootfs/etc");
    }

    #[test]
    fn files_are_told_from_regions_and_streams() {
        let fw = VPath::root("fw.bin");
        assert!(!fw.is_file());
        assert!(fw.member(b"a.tar").is_file());
        assert!(VPath::root("rootfs").child(b"x.deb").is_file());
        assert!(!fw.region(0x40000, "squashfs").is_file());
        assert!(!fw.member(b"a.gz").stream("gzip").is_file());
    }

    #[test]
    fn inner_paths_are_inside_the_innermost_filesystem() {
        let rootfs = VPath::root("work/rootfs");
        assert_eq!(rootfs.inner(), "work/rootfs");
        assert_eq!(rootfs.child(b"usr/bin/bash").inner(), "/usr/bin/bash");
        assert_eq!(VPath::root("/").child(b"usr/bin/bash").inner(), "/usr/bin/bash");
        assert_eq!(VPath::root("rootfs/").child(b"etc").inner(), "/etc");
        let deb = rootfs.child(b"var/cache/apt/archives/bash.deb");
        let data = deb.member(b"data.tar.xz");
        assert_eq!(data.inner(), "/data.tar.xz");
        assert_eq!(data.stream("xz").inner(), "xz");
        assert_eq!(data.stream("xz").member(b"./usr/bin/bash").inner(), "/usr/bin/bash");
        assert_eq!(
            VPath::root("fw.bin").region(0x40000, "squashfs").inner(),
            "/0x40000:squashfs"
        );
        // a `!` in the target's own name is not notation
        assert_eq!(VPath::root("old!fw").child(b"etc/x").inner(), "/etc/x");
    }

    #[test]
    fn hostile_names_are_data() {
        let a = VPath::root("a.tar");
        assert_eq!(a.member(b"../../etc/passwd").as_str(), "a.tar!/../../etc/passwd");
        assert_eq!(a.member(b"/abs").as_str(), "a.tar!//abs");
        assert_eq!(a.member(b"bad\xffname").as_str(), "a.tar!/bad\\xffname");
        assert_eq!(a.member(b"esc\x1b[31m").as_str(), "a.tar!/esc\\x1b[31m");
        assert_eq!(a.member(b"back\\slash").as_str(), "a.tar!/back\\x5cslash");
        // a `!` in a name is not notation
        assert_eq!(a.member(b"fw!/x.bin").as_str(), "a.tar!/fw\\x21/x.bin");
        assert_eq!(VPath::root("old!fw").child(b"a!b").as_str(), "old!fw/a\\x21b");
    }

    #[test]
    fn names_unescape_to_their_bytes() {
        for name in [
            &b"fw!/x.bin"[..],
            b"bad\xffname",
            b"esc\x1b[31m",
            b"back\\slash",
            b"plain",
            b"\\x4",
        ] {
            let path = VPath::root("a.tar").member(name);
            let written = path.as_str().strip_prefix("a.tar!/").unwrap();
            assert_eq!(unescape(written), name, "{written}");
        }
        assert_eq!(unescape("\\xzz"), b"\\xzz");
    }
}
