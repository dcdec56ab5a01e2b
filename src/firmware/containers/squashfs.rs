//! SquashFS 4 (gzip, xz, zstd) through `backhand`, read from memory or, for an image on disk,
//! from its file (so a large image is never mapped or held whole).
//!
//! SquashFS compresses each block on its own, and backhand decompresses outside its reader's
//! lock, so consecutive files are read a batch at a time on several threads and then handed over
//! in order: decompression, the bulk of the work, uses every core.
//!
//! backhand parses hostile tables with its own checks; a panic inside it is caught and reported
//! as a corrupt filesystem, so one bad image cannot end the walk.
//!
//! Damage is always reported with its place. backhand is built without its error strings (its
//! errors print as nothing), so each error is described here from its variant; when the tables
//! cannot be read, the stages backhand went through are run again one by one to name the table
//! that failed and its offset (`inode table at 0x60: ...`). backhand reads a directory's
//! entries until one does not parse and keeps what came before, so a damaged directory table
//! can yield fewer entries without any error: the entries reached are counted against the
//! inode table, and a shortfall is reported after the files that could be read. A file whose
//! data does not decompress is a damaged member; the other files are still read.

use super::{read_bounded, Corrupt, Member, Visit};
use backhand::compression::DefaultCompressor;
use backhand::kind::Kind;
use backhand::v4::reader::SquashFsReader;
use backhand::{BackhandError, BufReadSeek, FilesystemReader, InnerNode, Node, Squashfs, SquashfsFileReader};
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::SeekFrom;
use std::ops::ControlFlow;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A table pointer that is not set (no fragment, export or xattr table).
const NOT_SET: u64 = u64::MAX;

/// Files read at once, at most: this many, or this many bytes (a larger file alone).
const BATCH_FILES: usize = 64;
const BATCH_BYTES: u64 = 16 << 20;

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    read_from(std::io::Cursor::new(bytes), limit, visit)
}

/// The same, from any seekable reader.
pub fn read_from<'a>(reader: impl BufReadSeek, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    catch_unwind(AssertUnwindSafe(|| walk(reader, limit, visit)))
        .unwrap_or_else(|_| Err(Corrupt("squashfs reader failed on malformed input".to_string())))
}

/// How a walk failed: in backhand's reading of the tables (to be diagnosed), or later.
enum Failure {
    Tables(BackhandError),
    Corrupt(Corrupt),
}

fn walk<'a>(mut reader: impl BufReadSeek, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    match walk_tables(&mut reader, limit, visit) {
        Ok(()) => Ok(()),
        Err(Failure::Corrupt(c)) => Err(c),
        Err(Failure::Tables(e)) => Err(Corrupt(diagnose(&mut reader, &e))),
    }
}

fn walk_tables<'a>(reader: impl BufReadSeek, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Failure> {
    let squashfs =
        Squashfs::from_reader_with_offset_and_kind(reader, 0, Kind::new_v4(&CODECS)).map_err(Failure::Tables)?;
    let sb = squashfs.superblock;
    let inodes = squashfs.inodes.len();
    let fs = squashfs.into_filesystem_reader().map_err(|e| {
        Failure::Corrupt(Corrupt(format!(
            "directory table at 0x{:x}: {}",
            sb.dir_table,
            reason(&e)
        )))
    })?;
    let nodes: Vec<&Node<SquashfsFileReader>> = fs.files().collect();
    let mut start = 0;
    while start < nodes.len() {
        let end = batch_end(&nodes, start);
        let members: Vec<Option<Member<'a>>> = nodes[start..end]
            .par_iter()
            .map(|node| member(&fs, node, limit))
            .collect();
        for member in members.into_iter().flatten() {
            if visit(member) == ControlFlow::Break(()) {
                return Ok(());
            }
        }
        start = end;
    }
    // Every inode is reached by at least one entry (hard links only add entries), the root
    // included; fewer entries than inodes means directories were cut short.
    if nodes.len() < inodes {
        return Err(Failure::Corrupt(Corrupt(format!(
            "directory table at 0x{:x}: its entries reach {} of the {inodes} inodes; the other {} \
             are not listed",
            sb.dir_table,
            nodes.len(),
            inodes - nodes.len()
        ))));
    }
    Ok(())
}

/// Why backhand could not read the tables, with the table that failed and its offset: the
/// stages `Squashfs::from_reader` goes through, run again one at a time (only when it failed,
/// so a sound image is read once).
fn diagnose(reader: &mut impl BufReadSeek, error: &BackhandError) -> String {
    let general = || format!("cannot read its tables: {}", reason(error));
    let kind = Kind::new_v4(&CODECS);
    let rewound = reader.seek(SeekFrom::Start(0)).is_ok();
    let sb = match Squashfs::superblock_and_compression_options(reader, &kind) {
        Ok((sb, _)) if rewound => sb,
        Ok(_) => return general(),
        Err(e) => return format!("superblock: {}", reason(&e)),
    };
    if let Err(e) = reader.inodes(&sb, &kind) {
        return format!("inode table at 0x{:x}: {}", sb.inode_table, reason(&e));
    }
    let fragments = match reader.fragments(&sb, &kind) {
        Ok(f) => f.map(|f| f.0),
        Err(e) => return format!("fragment table at 0x{:x}: {}", sb.frag_table, reason(&e)),
    };
    let export = match reader.export(&sb, &kind) {
        Ok(x) => x.map(|x| x.0),
        Err(e) => return format!("export table at 0x{:x}: {}", sb.export_table, reason(&e)),
    };
    let id = match reader.id(&sb, &kind) {
        Ok(id) => id.0,
        Err(e) => return format!("id table at 0x{:x}: {}", sb.id_table, reason(&e)),
    };
    // the directory table runs up to the first table after it, as backhand reads it
    let end = fragments.or(export).unwrap_or(id);
    if sb.dir_table != NOT_SET {
        if let Err(e) = reader.uncompress_metadatas(sb.dir_table, &sb, end, &kind) {
            return format!("directory table at 0x{:x}: {}", sb.dir_table, reason(&e));
        }
    }
    general()
}

/// What a backhand error means. (Its `Display` prints nothing in this build: backhand's
/// `error-strings` feature is off.)
fn reason(e: &BackhandError) -> String {
    use BackhandError as E;
    match e {
        E::StdIo(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "a table or block runs past the end of the image".to_string()
        }
        E::StdIo(io) => format!("read failed: {io}"),
        E::Deku(d) => format!("a record does not parse: {d}"),
        E::StringUtf8(_) | E::StrUtf8(_) => "a name is not valid UTF-8".to_string(),
        E::UnsupportedCompression(c) => format!("unsupported compression {c}"),
        E::MissingCompressor => "no compressor recorded".to_string(),
        E::FileNotFound => "an entry names an inode of the wrong kind".to_string(),
        E::UnexpectedInode => "an entry points at an unexpected inode (or back at its own directory)".to_string(),
        E::UnsupportedInode => "an inode of an unsupported type".to_string(),
        E::CorruptedOrInvalidSquashfs => "inconsistent tables (a count, offset or size that does not fit)".to_string(),
        E::InvalidCompressionOption => "invalid compression options".to_string(),
        E::InvalidFilePath => "an entry's name is not a valid path".to_string(),
        E::UndefineFileName => "an entry has no name".to_string(),
        E::DuplicatedFileName => "a name appears twice in one directory".to_string(),
        E::TryReserveError(_) => "a table too large to hold".to_string(),
        E::InvalidIdTable | E::IdNotFoundInTable => "an owner id is not in the id table".to_string(),
        E::UnsupportedSquashfsVersion(major, minor) => format!("unsupported version {major}.{minor}"),
        E::NumericConversion(m) => format!("a number out of range: {m}"),
        E::InternalState(m) => format!("internal state: {m}"),
        E::CompressionInit(m) => format!("decompressor failed to start: {m}"),
        E::Unreachable | E::SystemTime(_) | E::MutexPoisoned => "the reader failed".to_string(),
    }
}

/// The end of the batch of nodes starting at `start`.
fn batch_end(nodes: &[&Node<SquashfsFileReader>], start: usize) -> usize {
    let mut bytes = 0u64;
    let mut end = start;
    while end < nodes.len() && end - start < BATCH_FILES {
        if let InnerNode::File(file) = &nodes[end].inner {
            bytes = bytes.saturating_add(file.file_len() as u64);
            if end > start && bytes > BATCH_BYTES {
                break;
            }
        }
        end += 1;
    }
    end
}

/// One node as a member (`None` for a directory), its data read when it is a file; a file whose
/// data cannot be read or decompressed is a damaged member, with where its data lies.
fn member<'a>(fs: &FilesystemReader<'_>, node: &Node<SquashfsFileReader>, limit: u64) -> Option<Member<'a>> {
    let full = node.fullpath.as_os_str().as_encoded_bytes();
    let name = full.strip_prefix(b"/").unwrap_or(full).to_vec();
    Some(match &node.inner {
        InnerNode::Dir(_) => return None,
        InnerNode::File(file) => {
            let size = file.file_len() as u64;
            if size > limit {
                return Some(Member::TooBig { name, size });
            }
            match read_bounded(fs.file(file).reader(), limit) {
                Ok(Some(data)) => Member::File {
                    name,
                    data: Cow::Owned(data),
                },
                Ok(None) => Member::TooBig { name, size },
                Err(e) => {
                    // backhand's errors arrive as bare I/O kinds here
                    let why = match e.kind() {
                        std::io::ErrorKind::InvalidData => "it does not decompress".to_string(),
                        std::io::ErrorKind::UnexpectedEof => "it runs past the end of the image".to_string(),
                        _ => e.to_string(),
                    };
                    Member::Damaged {
                        name,
                        message: format!("{} cannot be read: {why}", data_place(fs, file)),
                    }
                }
            }
        }
        InnerNode::Symlink(link) => Member::Link {
            name,
            target: link.link.as_os_str().as_encoded_bytes().to_vec(),
            hard: false,
        },
        _ => Member::Special { name },
    })
}

/// Where a file's data lies: its blocks, its fragment (the tail of a file, or all of a small
/// one), or both.
fn data_place(fs: &FilesystemReader<'_>, file: &SquashfsFileReader) -> String {
    let blocks = format!("data blocks at byte 0x{:x}", file.blocks_start());
    match file.frag_index() {
        i if i == u32::MAX as usize => blocks,
        i if file.file_len() < fs.block_size as usize => format!("data in fragment {i}"),
        i => format!("{blocks} (tail in fragment {i})"),
    }
}

/// backhand's codecs plus LZ4 and LZO blocks, decoded with the crates vendorscan already keeps
/// (lz4_flex's block decoder; liblzo2's safe LZO1X decoder through `lzallright`, as UBIFS and
/// lzop use) instead of backhand's `lz4` and `lzo` features (its `lzo` pulls `rust-lzo`, a C-to-
/// Rust translation). Each block decodes into the buffer backhand sized to the block size; data
/// that does not fit or does not decode is an error, as backhand's own are.
struct Codecs;

static CODECS: Codecs = Codecs;

impl backhand::traits::CompressionAction for Codecs {
    type Error = BackhandError;
    type Compressor = backhand::compression::Compressor;
    type FilesystemCompressor = backhand::FilesystemCompressor;
    type SuperBlock = backhand::SuperBlock;

    fn decompress(&self, bytes: &[u8], out: &mut Vec<u8>, compressor: Self::Compressor) -> Result<(), BackhandError> {
        use backhand::compression::Compressor as C;
        let start = out.len();
        match compressor {
            C::Lz4 | C::Lzo => {
                out.resize(out.capacity().max(start + 1), 0);
                let n = if compressor == C::Lz4 {
                    lz4_flex::block::decompress_into(bytes, &mut out[start..]).ok()
                } else {
                    lzallright::decompress(bytes, &mut out[start..]).ok()
                };
                let Some(n) = n else {
                    out.truncate(start);
                    return Err(BackhandError::CorruptedOrInvalidSquashfs);
                };
                out.truncate(start + n);
                Ok(())
            }
            other => DefaultCompressor.decompress(bytes, out, other),
        }
    }

    /// Not used: vendorscan only reads images.
    fn compress(
        &self,
        bytes: &[u8],
        fc: Self::FilesystemCompressor,
        block_size: u32,
    ) -> Result<Vec<u8>, BackhandError> {
        DefaultCompressor.compress(bytes, fc, block_size)
    }
}
