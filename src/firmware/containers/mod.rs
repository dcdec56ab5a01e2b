//! Container readers: one module per format, each turning a container's bytes into members
//! handed one at a time to the walker (so a large archive is never held as a list of members).

pub mod android_boot;
pub mod android_sparse;
pub mod ar;
pub mod compress;
pub mod cpio;
pub mod disk;
pub mod ext4;
pub mod fat;
pub mod fit;
pub mod iso9660;
pub mod squashfs;
pub mod tar;
pub mod uimage;
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
    /// A symbolic or hard link: recorded, never followed.
    Link { name: Vec<u8>, target: Vec<u8>, hard: bool },
    /// A device, FIFO or socket node.
    Special { name: Vec<u8> },
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
