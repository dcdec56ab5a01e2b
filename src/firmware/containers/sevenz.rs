//! 7z archives, through the `sevenz-rust2` crate: the header (plain or LZMA-encoded) is parsed by
//! the crate, then each block (7-Zip's "folder": one coder chain over one or more packed streams,
//! holding one file, or many when the archive is solid) is decoded in turn, its files handed over
//! one at a time as they come out of the chain.
//!
//! What each member becomes:
//! - a file: [`Member::File`] with its bytes (an empty file is an empty file); a directory or an
//!   anti-item (a deletion record of an update) is skipped;
//! - a symbolic link (a Unix mode in the high 16 bits of the attributes, flag 0x8000, of type
//!   link; its data is the target): [`Member::Link`]; another Unix node type: [`Member::Special`];
//! - a member of a block encrypted with AES: [`Member::Unread`] `encrypted` (no password is ever
//!   tried); of a block using a method this build does not decode (PPMd, zstd, …): `Unread`
//!   naming the method and its id. An archive whose header itself is encrypted (`-mhe=on`) cannot
//!   list its members: one `Unread` for the archive (empty name);
//! - a file over the walker's member limit: [`Member::TooBig`]; the members of a block whose
//!   declared unpacked size is more than `--max-ratio` times its packed size (and over
//!   [`RATIO_FLOOR`]): [`Member::OverRatio`], `compressed` being the block's packed size — the
//!   ratio is taken per block, not per member, because a solid block must be decoded from its
//!   start to reach any member, so its whole unpacked size is the work a member costs;
//! - damage (a CRC that does not match, a stream that does not decode, data shorter or longer than
//!   declared): the member is [`Member::Damaged`] with what and where (the block, its packed
//!   bytes); the members after it in the same block cannot be decoded (the crate ends a block at
//!   its first error, and a solid stream cannot be resynchronised) and are each `Damaged`, naming
//!   the member that broke it; the next block is read as usual.
//!
//! Bounded before or around the crate (its source, 0.25, was read for allocations from declared
//! values and for panics):
//! - the start header is checked here first: signature, version, its CRC, and a next header that
//!   lies inside the file and is at most [`header_cap`] bytes (64 times the archive, 64 KiB to
//!   4 MiB). A blank start header (an archive never finished) is refused rather than handed to the
//!   crate, which would otherwise search the last MiB backwards, parsing a header at each byte;
//! - the same cap is the crate's memory limit for the header, which bounds a decoded (LZMA)
//!   header too (and, the crate using one limit for both, the dictionary of the header's LZMA
//!   decoder: 7-Zip sizes that to the header, so an archive of another writer whose header
//!   dictionary is over the cap is reported, not read). Every count the crate reads (files, blocks, streams, coders) is bounded by it to
//!   the header's length and allocated fallibly, so a header of N bytes allocates at most about
//!   150 N (4 MiB → 600 MiB, under the walker's 1 GiB member limit; a 1 KiB archive: ~10 MiB);
//! - decoders: the crate's LZMA/LZMA2 dictionaries grow with the output (lzma-rust2) rather than
//!   being allocated at the declared size, and a block's output is bounded by its declared size
//!   (the crate fails a block that decodes more or less), which the ratio check above bounds by
//!   `--max-ratio` times the packed size before anything is decoded; a member is read into memory
//!   only under the walker's limit. A member over the limit is decoded and dropped (to reach the
//!   next in a solid block), never held;
//! - every call into the crate runs under `catch_unwind`: a panic is a [`Corrupt`] naming the
//!   step (the header, or the block being decoded), never a crash.

use super::{read_bounded, Corrupt, Member, Visit};
use sevenz_rust2::{Archive, ArchiveEntry, BlockDecoder, EncoderMethod, Error, Password};
use std::borrow::Cow;
use std::io::Cursor;
use std::ops::ControlFlow;
use std::panic::{catch_unwind, AssertUnwindSafe};

const SIGNATURE: &[u8] = b"7z\xbc\xaf\x27\x1c";
/// The signature header: signature, version, start-header CRC, then the next header's offset,
/// size and CRC.
const START_HEADER: u64 = 32;
/// A block unpacking to less than this is never over the ratio (as for zip members).
pub const RATIO_FLOOR: u64 = 64 << 10;
/// Longest symbolic-link target read.
const MAX_LINK: u64 = 4096;
/// The decoders' memory limit handed to the crate, in KiB: above 7-Zip's largest dictionary
/// (1.5 GiB), so no real archive is refused. It is not what is allocated: the dictionaries grow
/// with the output, which the ratio check and the member limit bound.
const DECODER_MEMORY_KB: usize = 4 << 20;
/// Attributes flag: the high 16 bits hold a Unix mode (p7zip, 7-Zip on Unix).
const UNIX_EXTENSION: u32 = 0x8000;
const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFLNK: u32 = 0o120_000;

/// The largest header read: 64 times the archive's size (a header compresses well, but not 64
/// to 1 in any real archive), at least 64 KiB and at most 4 MiB.
pub fn header_cap(archive_len: u64) -> u64 {
    archive_len.saturating_mul(64).clamp(64 << 10, 4 << 20)
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, max_ratio: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let header_at = start_header(bytes)?;
    let cap = header_cap(bytes.len() as u64);
    let parsed = catch_unwind(AssertUnwindSafe(|| {
        let memory_kb = usize::try_from(cap / 1024).unwrap_or(usize::MAX);
        Archive::read_with_memory_limit(&mut Cursor::new(bytes), &Password::empty(), memory_kb)
    }))
    .map_err(|_| {
        Corrupt(format!(
            "the 7z reader failed on the header at byte {header_at} (a panic, caught)"
        ))
    })?;
    let archive = match parsed {
        Ok(archive) => archive,
        Err(e) if is_encryption(&e) => {
            let reason = "encrypted: the header (names and sizes too) is encrypted with AES; no member can be listed";
            let _ = visit(Member::Unread {
                name: Vec::new(),
                reason: reason.to_string(),
            });
            return Ok(());
        }
        // the same limit bounds the decoded header and its decoder's dictionary (7-Zip sizes that
        // to the header, so only another writer's archive meets the second)
        Err(Error::MaxMemLimited { actaul_kb, .. }) if actaul_kb as u64 > cap / 1024 + 1 => {
            return Err(Corrupt(format!(
                "the header at byte {header_at} is encoded with a dictionary needing {actaul_kb} KiB, over \
                 the {cap} bytes read for an archive of this size; not read"
            )))
        }
        Err(Error::MaxMemLimited { .. }) => {
            return Err(Corrupt(format!(
                "the header at byte {header_at} decodes to more than {cap} bytes, the most read for an \
                 archive of this size; not read"
            )))
        }
        Err(e) => return Err(Corrupt(format!("header at byte {header_at}: {}", describe(&e)))),
    };
    Blocks {
        archive: &archive,
        bytes,
        limit,
        max_ratio,
        problems: Vec::new(),
    }
    .read(visit)
}

/// Checks the signature header; the next header's byte offset in the file.
fn start_header(bytes: &[u8]) -> Result<u64, Corrupt> {
    let head = bytes
        .get(..START_HEADER as usize)
        .ok_or_else(|| Corrupt(format!("{} bytes: the signature header is cut short", bytes.len())))?;
    if &head[..6] != SIGNATURE {
        return Err(Corrupt("no 7z signature".to_string()));
    }
    if head[6] != 0 {
        return Err(Corrupt(format!(
            "format version {}.{} is not one 7z has",
            head[6], head[7]
        )));
    }
    let le64 = |at: usize| u64::from_le_bytes(head[at..at + 8].try_into().unwrap_or([0; 8]));
    let crc = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
    if crc == 0 && head[12..].iter().all(|&b| b == 0) {
        return Err(Corrupt(
            "the start header is blank (an archive whose writing never finished); its end header is not searched for"
                .to_string(),
        ));
    }
    if crc32fast::hash(&head[12..32]) != crc {
        return Err(Corrupt("the start header's CRC does not match".to_string()));
    }
    let (offset, size) = (le64(12), le64(20));
    let len = bytes.len() as u64;
    let at = START_HEADER.checked_add(offset).filter(|&at| at <= len);
    let end = at.and_then(|at| at.checked_add(size)).filter(|&end| end <= len);
    let (Some(at), Some(_)) = (at, end) else {
        return Err(Corrupt(format!(
            "the next header ({size} bytes at offset {offset} past the signature header) lies past the \
             end of the archive ({len} bytes)"
        )));
    };
    let cap = header_cap(len);
    if size == 0 || size > cap {
        return Err(Corrupt(format!(
            "the next header at byte {at} says {size} bytes: not 1 to {cap}, the most read for an archive of this size"
        )));
    }
    Ok(at)
}

/// True when the crate stopped at an AES coder (it is built without AES).
fn is_encryption(e: &Error) -> bool {
    match e {
        Error::PasswordRequired | Error::MaybeBadPassword(_) => true,
        Error::UnsupportedCompressionMethod(name) => name == EncoderMethod::AES256_SHA256.name(),
        _ => false,
    }
}

/// An error of the crate, for a message: its own text where the crate wraps it in an I/O error.
fn describe(e: &Error) -> String {
    let inner = |io: &std::io::Error| match io.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
        Some(e) => describe(e),
        None => io.to_string(),
    };
    match e {
        Error::ChecksumVerificationFailed => "the CRC of the decoded data does not match".to_string(),
        Error::NextHeaderCrcMismatch => "the header's CRC does not match".to_string(),
        Error::Io(io, context) if context.is_empty() => inner(io),
        Error::Io(io, context) => format!("{context}: {}", inner(io)),
        Error::MaybeBadPassword(io) => inner(io),
        Error::Other(text) | Error::Unsupported(text) => text.to_string(),
        Error::UnsupportedCompressionMethod(name) => format!("method {name} is not decoded"),
        other => format!("{other:?}"),
    }
}

/// Why no member of a block can be decoded by this build, if so: encryption, or a method left
/// out.
fn unreadable(coders: &[sevenz_rust2::Coder]) -> Option<String> {
    const DECODED: &[&[u8]] = &[
        EncoderMethod::ID_COPY,
        EncoderMethod::ID_LZMA,
        EncoderMethod::ID_LZMA2,
        EncoderMethod::ID_DEFLATE,
        EncoderMethod::ID_BZIP2,
        EncoderMethod::ID_DELTA,
        EncoderMethod::ID_BCJ_X86,
        EncoderMethod::ID_BCJ2,
        EncoderMethod::ID_BCJ_PPC,
        EncoderMethod::ID_BCJ_IA64,
        EncoderMethod::ID_BCJ_ARM,
        EncoderMethod::ID_BCJ_ARM64,
        EncoderMethod::ID_BCJ_ARM_THUMB,
        EncoderMethod::ID_BCJ_SPARC,
        EncoderMethod::ID_BCJ_RISCV,
    ];
    let ids = coders.iter().map(sevenz_rust2::Coder::encoder_method_id);
    if ids.clone().any(|id| id == EncoderMethod::ID_AES256_SHA256) {
        return Some("encrypted (7z AES-256); not decrypted".to_string());
    }
    let id = ids.into_iter().find(|id| !DECODED.contains(id))?;
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    let name = EncoderMethod::by_id(id).map_or("an unknown method", |m| m.name());
    Some(format!(
        "compressed with {name} (7z method id {hex}), which this reader does not decode"
    ))
}

/// What a member is, from its attributes.
enum Shape {
    File,
    Directory,
    Link,
    Special,
}

fn shape(entry: &ArchiveEntry) -> Shape {
    let attributes = entry.windows_attributes;
    let mode = if entry.has_windows_attributes && attributes & UNIX_EXTENSION != 0 {
        attributes >> 16
    } else {
        0
    };
    match mode & S_IFMT {
        _ if entry.is_directory => Shape::Directory,
        0 | S_IFREG => Shape::File,
        S_IFDIR => Shape::Directory,
        S_IFLNK => Shape::Link,
        _ => Shape::Special,
    }
}

/// The blocks of one archive, read in turn.
struct Blocks<'x> {
    archive: &'x Archive,
    bytes: &'x [u8],
    limit: u64,
    max_ratio: u64,
    /// Damage that belongs to no member (a block that failed after its last member was read).
    problems: Vec<String>,
}

impl Blocks<'_> {
    fn read<'a>(mut self, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
        let archive = self.archive;
        for index in 0..archive.blocks.len() {
            let step = catch_unwind(AssertUnwindSafe(|| self.block(index, visit)));
            match step {
                Ok(ControlFlow::Continue(())) => {}
                Ok(ControlFlow::Break(())) => return Ok(()),
                Err(_) => {
                    return Err(Corrupt(format!(
                        "the 7z reader failed on block {index} (a panic, caught); later blocks are not read"
                    )))
                }
            }
        }
        // the files no block holds: empty files and directories
        for (i, entry) in archive.files.iter().enumerate() {
            if archive.stream_map.file_block_index.get(i).copied().flatten().is_some() {
                continue;
            }
            let member = match shape(entry) {
                _ if entry.is_anti_item => continue,
                Shape::Directory => continue,
                _ if entry.has_stream => Member::Damaged {
                    name: entry.name.as_bytes().to_vec(),
                    message: "no block holds its data".to_string(),
                },
                Shape::Special => Member::Special {
                    name: entry.name.as_bytes().to_vec(),
                },
                // a link without data has no target; listed as the empty file it is stored as
                Shape::File | Shape::Link => Member::File {
                    name: entry.name.as_bytes().to_vec(),
                    data: Cow::Borrowed(&[]),
                },
            };
            if visit(member) == ControlFlow::Break(()) {
                return Ok(());
            }
        }
        match self.problems.is_empty() {
            true => Ok(()),
            false => Err(Corrupt(self.problems.join("; "))),
        }
    }

    /// The first packed stream of block `index`, and the packed bytes of all its streams.
    fn packed(&self, index: usize) -> (u64, u64) {
        let archive = self.archive;
        let firsts = archive.stream_map.block_first_pack_stream_index();
        let first = firsts.get(index).copied().unwrap_or(0);
        let next = firsts.get(index + 1).copied().unwrap_or(archive.pack_sizes().len());
        let size = archive
            .pack_sizes()
            .get(first..next)
            .map_or(0, |s| s.iter().fold(0u64, |a, &b| a.saturating_add(b)));
        let offset = archive
            .stream_map
            .pack_stream_offsets()
            .get(first)
            .copied()
            .unwrap_or(0);
        let at = START_HEADER.saturating_add(archive.pack_pos()).saturating_add(offset);
        (at, size)
    }

    /// Hands over the members of block `index`; `Break` when the walker said stop.
    fn block<'a>(&mut self, index: usize, visit: &mut Visit<'_, 'a>) -> ControlFlow<()> {
        let archive = self.archive;
        let block = &archive.blocks[index];
        let (at, packed) = self.packed(index);
        let place = format!("block {index} (packed bytes {at}..{})", at.saturating_add(packed));
        let unpacked = block.get_unpack_size();
        // the files of this block, by index
        let first = archive.stream_map.block_first_file_index[index];
        let files: Vec<usize> = (first..archive.files.len())
            .take_while(|&i| archive.stream_map.file_block_index.get(i).copied().flatten() == Some(index))
            .collect();
        if let Some(reason) = unreadable(&block.coders) {
            return each(archive, &files, visit, |e| Member::Unread {
                name: e.name.as_bytes().to_vec(),
                reason: reason.clone(),
            });
        }
        if unpacked > RATIO_FLOOR && unpacked > packed.saturating_mul(self.max_ratio) {
            return each(archive, &files, visit, |e| Member::OverRatio {
                name: e.name.as_bytes().to_vec(),
                size: e.size,
                compressed: packed,
            });
        }
        let mut handed = 0usize;
        let mut stop = false;
        let mut broken: Option<String> = None;
        let limit = self.limit;
        let mut source = Cursor::new(self.bytes);
        let password = Password::empty();
        let decoder = BlockDecoder::new_with_memory_limit(1, DECODER_MEMORY_KB, index, archive, &password, &mut source);
        let result = decoder.for_each_entries(&mut |entry, reader| {
            handed += 1;
            let name = entry.name.as_bytes().to_vec();
            let member = match shape(entry) {
                _ if entry.is_anti_item => return Ok(true),
                Shape::Directory => return Ok(true),
                Shape::Special => Member::Special { name },
                Shape::Link => match read_bounded(reader, MAX_LINK) {
                    Ok(Some(target)) => Member::Link {
                        name,
                        target,
                        hard: false,
                    },
                    Ok(None) => Member::Damaged {
                        name,
                        message: format!("link target in {place} longer than {MAX_LINK} bytes"),
                    },
                    Err(e) => Member::Damaged {
                        name,
                        message: format!("link target in {place}: {}", io_text(&e)),
                    },
                },
                Shape::File if entry.size > limit => Member::TooBig { name, size: entry.size },
                Shape::File => match read_bounded(reader, limit) {
                    Ok(Some(data)) => Member::File {
                        name,
                        data: Cow::Owned(data),
                    },
                    // the crate bounds the reader to the declared size, which is within the limit
                    Ok(None) => Member::Damaged {
                        name,
                        message: format!("{place}: decodes to more than its declared {} bytes", entry.size),
                    },
                    Err(e) => Member::Damaged {
                        name,
                        message: format!("{place}: {}", io_text(&e)),
                    },
                },
            };
            if let Member::Damaged { name, .. } = &member {
                broken = Some(String::from_utf8_lossy(name).into_owned());
            }
            let damaged = broken.is_some();
            if visit(member) == ControlFlow::Break(()) {
                stop = true;
                return Ok(false);
            }
            // the crate ends the block at its first error: the rest is reported below
            Ok(!damaged)
        });
        if stop {
            return ControlFlow::Break(());
        }
        let why = match (&result, &broken) {
            (Err(e), None) if handed == 0 => format!("{place} cannot be decoded: {}", describe(e)),
            (Err(e), None) => {
                let last = files
                    .get(handed.saturating_sub(1))
                    .map(|&i| archive.files[i].name.as_str());
                format!(
                    "{place} fails after {}: {}",
                    last.unwrap_or("its last member"),
                    describe(e)
                )
            }
            (_, Some(member)) => format!("not decoded: {member}, before it in the same {place}, is damaged"),
            (Ok(_), None) => return ControlFlow::Continue(()),
        };
        let rest = &files[handed.min(files.len())..];
        if broken.is_none()
            && rest
                .iter()
                .all(|&i| matches!(shape(&archive.files[i]), Shape::Directory))
        {
            // nothing left to blame it on: the block failed after its last member
            self.problems.push(why);
            return ControlFlow::Continue(());
        }
        each(archive, rest, visit, |e| Member::Damaged {
            name: e.name.as_bytes().to_vec(),
            message: why.clone(),
        })
    }
}

/// Hands over one member made by `make` for each file (`files`, by index) that is not a
/// directory or an anti-item.
fn each<'a>(
    archive: &Archive,
    files: &[usize],
    visit: &mut Visit<'_, 'a>,
    mut make: impl FnMut(&ArchiveEntry) -> Member<'a>,
) -> ControlFlow<()> {
    for &i in files {
        let entry = &archive.files[i];
        if entry.is_anti_item || matches!(shape(entry), Shape::Directory) {
            continue;
        }
        visit(make(entry))?;
    }
    ControlFlow::Continue(())
}

/// An I/O error from the crate's readers, with the crate's own error inside it named.
fn io_text(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<Error>()) {
        Some(inner) => describe(inner),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &[u8] = include_bytes!("../../../fixtures/firmware/out/compress/small.7z");
    const SOLID: &[u8] = include_bytes!("../../../fixtures/firmware/out/compress/tree.solid.7z");
    const PLAIN: &[u8] = include_bytes!("../../../fixtures/firmware/out/compress/tree.7z");
    const ENCRYPTED: &[u8] = include_bytes!("../../../fixtures/firmware/out/compress/tree.enc.7z");
    const PPMD: &[u8] = include_bytes!("../../../fixtures/firmware/out/compress/tree.ppmd.7z");
    const ZEROS: &[u8] = include_bytes!("../../../fixtures/firmware/out/compress/zeros.7z");
    const ENCRYPTED_HEADER: &[u8] = include_bytes!("../../../fixtures/firmware/out/compress/tree.enc-header.7z");

    /// (name, what: f=file / l=link / d=damaged / u=unread / b=too big / r=over ratio / s=special,
    /// its data, target or message) of each member, and the reader's error.
    pub(crate) fn listing(bytes: &[u8], limit: u64, max_ratio: u64) -> (Vec<(String, char, String)>, Option<String>) {
        let mut seen = Vec::new();
        let mut visit = |m: Member<'_>| {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            seen.push(match m {
                Member::File { name, data } => (text(&name), 'f', text(&data)),
                Member::Link { name, target, .. } => (text(&name), 'l', text(&target)),
                Member::Damaged { name, message } => (text(&name), 'd', message),
                Member::Unread { name, reason } => (text(&name), 'u', reason),
                Member::TooBig { name, size } => (text(&name), 'b', size.to_string()),
                Member::OverRatio { name, size, compressed } => (text(&name), 'r', format!("{size}/{compressed}")),
                Member::Special { name } => (text(&name), 's', String::new()),
            });
            ControlFlow::Continue(())
        };
        let result = read(bytes, limit, max_ratio, &mut visit);
        seen.sort();
        (seen, result.err().map(|c| c.0))
    }

    #[test]
    fn files_links_and_empty_files_are_members_and_directories_are_not() {
        let (members, error) = listing(SMALL, 1 << 20, 1000);
        assert_eq!(error, None);
        assert_eq!(
            members,
            [
                ("empty.txt".into(), 'f', String::new()),
                ("link".into(), 'l', "sub/data.txt".into()),
                ("sub/data.txt".into(), 'f', "data beside a link\n".into()),
            ]
        );
    }

    #[test]
    fn solid_bcj_and_plain_blocks_give_the_same_files() {
        let (solid, error) = listing(SOLID, 1 << 20, 1000);
        assert_eq!(error, None);
        let (plain, error) = listing(PLAIN, 1 << 20, 1000);
        assert_eq!(error, None);
        assert_eq!(solid, plain);
        assert_eq!(solid.len(), 14, "{solid:?}");
        assert!(solid
            .iter()
            .any(|m| m.0 == "etc/passwd" && m.1 == 'f' && m.2.starts_with("root:")));
    }

    #[test]
    fn encrypted_and_ppmd_members_are_listed_unread() {
        let (members, error) = listing(ENCRYPTED, 1 << 20, 1000);
        assert_eq!(error, None);
        let files: Vec<_> = members.iter().filter(|m| m.1 != 'l').collect();
        assert!(!files.is_empty());
        assert!(
            files.iter().all(|m| m.1 == 'u' && m.2.starts_with("encrypted")),
            "{files:?}"
        );
        // names encrypted too: one member for the archive, unread
        let (members, error) = listing(ENCRYPTED_HEADER, 1 << 20, 1000);
        assert_eq!(error, None);
        assert_eq!(
            members,
            [(
                String::new(),
                'u',
                "encrypted: the header (names and sizes too) is encrypted with AES; no member can be listed".into()
            )]
        );
        let (members, error) = listing(PPMD, 1 << 20, 1000);
        assert_eq!(error, None);
        assert!(
            members
                .iter()
                .all(|m| m.1 == 'u' && m.2.contains("PPMD (7z method id 030401)")),
            "{members:?}"
        );
    }

    #[test]
    fn limits_give_too_big_and_over_ratio() {
        // radio.bin is 4096 random bytes
        let (members, _) = listing(PLAIN, 1000, 1000);
        assert!(members.contains(&("lib/firmware/radio.bin".into(), 'b', "4096".into())));
        // 1 MiB of zeros in a block of its own, packed ~5000:1; the text beside it is read
        let (members, error) = listing(ZEROS, 1 << 30, 1000);
        assert_eq!(error, None);
        assert_eq!(members.len(), 2, "{members:?}");
        assert_eq!(members[0], ("note.txt".into(), 'f', "beside the zeros\n".into()));
        assert_eq!(members[1].0, "zeros.bin");
        assert_eq!(members[1].1, 'r');
        assert!(members[1].2.starts_with("1048576/"), "{members:?}");
        let (members, _) = listing(ZEROS, 1 << 30, 100_000);
        assert_eq!(members[1], ("zeros.bin".into(), 'f', "\0".repeat(1 << 20)));
    }

    #[test]
    fn a_bad_crc_is_one_damaged_member_and_the_rest_of_its_block_says_why() {
        // the plain archive: one block per file; flip a byte in the first block's packed data
        let mut bytes = PLAIN.to_vec();
        bytes[40] ^= 0x55;
        let (members, error) = listing(&bytes, 1 << 20, 1000);
        assert_eq!(error, None);
        let damaged: Vec<_> = members.iter().filter(|m| m.1 == 'd').collect();
        assert_eq!(members.len(), 14, "{members:?}");
        assert_eq!(
            damaged,
            [&(
                "etc/loop-a".to_string(),
                'd',
                "link target in block 0 (packed bytes 32..42): the CRC of the decoded data does not match".to_string()
            )]
        );
        // the solid archive: every member after the damaged one is reported, none silently lost
        let mut bytes = SOLID.to_vec();
        bytes[200] ^= 0x55;
        let (members, error) = listing(&bytes, 1 << 20, 1000);
        assert_eq!(error, None);
        assert_eq!(members.len(), 14, "{members:?}");
        assert!(members.iter().any(|m| m.1 == 'd'), "{members:?}");
    }

    #[test]
    fn hostile_start_headers_are_refused_before_the_crate() {
        let mut blank = SMALL.to_vec();
        blank[8..32].fill(0);
        assert!(listing(&blank, 1 << 20, 1000)
            .1
            .unwrap()
            .contains("start header is blank"));
        // a next header claiming 1 TB, its CRC made right
        let mut huge = SMALL.to_vec();
        huge[20..28].copy_from_slice(&(1u64 << 40).to_le_bytes());
        let crc = crc32fast::hash(&huge[12..32]);
        huge[8..12].copy_from_slice(&crc.to_le_bytes());
        assert!(listing(&huge, 1 << 20, 1000).1.unwrap().contains("lies past the end"));
        assert!(listing(&SMALL[..20], 1 << 20, 1000).1.unwrap().contains("cut short"));
    }
}
