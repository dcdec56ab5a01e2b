//! Container readers: one module per format, each turning a container's bytes into members
//! handed one at a time to the walker (so a large archive is never held as a list of members).

pub mod android_boot;
pub mod android_sparse;
pub mod ar;
pub mod compress;
pub mod cpio;
pub mod cramfs;
pub mod disk;
pub mod erofs;
pub mod ext4;
pub mod fat;
pub mod fit;
pub mod iso9660;
pub mod jffs2;
pub mod lzop;
pub mod problems;
pub mod romfs;
pub mod sevenz;
pub mod squashfs;
pub mod tar;
pub mod ubi;
pub mod ubifs;
pub mod uimage;
pub mod unix_compress;
pub mod yaffs2;
pub mod zip;

use std::borrow::Cow;
use std::io::Read;
use std::ops::ControlFlow;

/// One entry of an archive.
pub enum Member<'a> {
    /// A regular file and its contents (borrowed where the format allows).
    File { name: Vec<u8>, data: Cow<'a, [u8]> },
    /// A regular file whose contents exceed the limit the walker set; not read.
    TooBig { name: Vec<u8>, size: u64 },
    /// A regular file whose declared size is more than `--max-ratio` times its `compressed`
    /// size (a zip member); not read.
    OverRatio { name: Vec<u8>, size: u64, compressed: u64 },
    /// A member that could not be read (a bad checksum, a header that runs past the end, a
    /// damaged inode): the walker reports it at the member's path with `message` as the
    /// reason, marks the container damaged, and the reader goes on to the next member where
    /// the format allows. `message` must say what is wrong and, where known, where (`at byte
    /// 1234`, `inode table at 0x5000`).
    Damaged { name: Vec<u8>, message: String },
    /// A symbolic or hard link: recorded, never followed.
    Link { name: Vec<u8>, target: Vec<u8>, hard: bool },
    /// A device, FIFO or socket node.
    Special { name: Vec<u8> },
    /// A regular file the reader recognises and cannot decode (an EROFS file compressed with
    /// an algorithm the reader is not built with): the walker reports it `not-unpacked` at the
    /// member's path with `reason`, so the run is incomplete, and the container is not damaged.
    Unread { name: Vec<u8>, reason: String },
}

impl Member<'_> {
    /// The member's name as the container stores it.
    pub fn name(&self) -> &[u8] {
        match self {
            Member::File { name, .. }
            | Member::TooBig { name, .. }
            | Member::OverRatio { name, .. }
            | Member::Damaged { name, .. }
            | Member::Link { name, .. }
            | Member::Special { name }
            | Member::Unread { name, .. } => name,
        }
    }
}

/// What the walker tells a reader after each member: go on, or stop (a limit was reached).
pub type Visit<'v, 'a> = dyn FnMut(Member<'a>) -> ControlFlow<()> + 'v;

/// Why a container could not be read to its end. Members handed over before are kept.
#[derive(Debug)]
pub struct Corrupt(pub String);

/// A regular file member of `size` declared bytes, read from `reader` when it fits `limit` (the
/// declared size is checked first, and the read itself is bounded in case the size lied).
pub fn file_member<'a>(name: Vec<u8>, size: u64, limit: u64, reader: impl Read) -> Result<Member<'a>, Corrupt> {
    if size > limit {
        return Ok(Member::TooBig { name, size });
    }
    Ok(match read_bounded(reader, limit).map_err(|e| Corrupt(e.to_string()))? {
        Some(data) => Member::File {
            name,
            data: Cow::Owned(data),
        },
        None => Member::TooBig { name, size },
    })
}

/// Reads at most `limit` bytes; `Ok(None)` when there would be more. Never allocates from a
/// declared size beyond what actually arrives.
pub fn read_bounded(mut r: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    (&mut r).take(limit).read_to_end(&mut out)?;
    let mut probe = [0u8; 1];
    if r.read(&mut probe)? > 0 {
        return Ok(None);
    }
    Ok(Some(out))
}

/// Reads all of `reader`, which yields at most `size` bytes (a member whose size the header
/// gave and the walker's member limit bounds). The buffer is reserved exactly, in steps of at
/// most 64 MiB: a large member's buffer is never doubled while it grows, and a declared size
/// the data never reaches (a truncated or lying header) reserves one step, not the whole size.
pub fn read_sized(mut reader: impl Read, size: u64) -> std::io::Result<Vec<u8>> {
    const STEP: u64 = 64 << 20;
    let mut out = Vec::new();
    loop {
        let want = size.saturating_sub(out.len() as u64).min(STEP);
        if want == 0 {
            return Ok(out);
        }
        out.reserve_exact(want as usize);
        let got = (&mut reader).take(want).read_to_end(&mut out)? as u64;
        if got < want {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::read_sized;

    #[test]
    fn a_lying_size_reserves_one_step_and_keeps_what_came() {
        let data = vec![7u8; 1000];
        let got = read_sized(&data[..], 1 << 40).unwrap();
        assert_eq!(got, data);
        assert!(got.capacity() <= 64 << 20);
        let got = read_sized(&data[..], 1000).unwrap();
        assert_eq!((got.len(), got.capacity()), (1000, 1000));
        assert!(read_sized(&data[..0], 0).unwrap().is_empty());
    }
}
