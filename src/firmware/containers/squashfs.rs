//! SquashFS 4 (gzip, xz, zstd) through `backhand`, read from memory or, for an image on disk,
//! from its file (so a large image is never mapped or held whole).
//!
//! SquashFS compresses each block on its own, and backhand decompresses outside its reader's
//! lock, so consecutive files are read a batch at a time on several threads and then handed over
//! in order: decompression, the bulk of the work, uses every core.
//!
//! backhand parses hostile tables with its own checks; a panic inside it is caught and reported
//! as a corrupt filesystem, so one bad image cannot end the walk.

use super::{file_member, Corrupt, Member, Visit};
use backhand::{BufReadSeek, FilesystemReader, InnerNode, Node, SquashfsFileReader};
use rayon::prelude::*;
use std::ops::ControlFlow;
use std::panic::{catch_unwind, AssertUnwindSafe};

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

fn walk<'a>(reader: impl BufReadSeek, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let fs = FilesystemReader::from_reader(reader).map_err(|e| Corrupt(e.to_string()))?;
    let nodes: Vec<&Node<SquashfsFileReader>> = fs.files().collect();
    let mut start = 0;
    while start < nodes.len() {
        let end = batch_end(&nodes, start);
        let members: Vec<Result<Option<Member<'a>>, Corrupt>> = nodes[start..end]
            .par_iter()
            .map(|node| member(&fs, node, limit))
            .collect();
        for member in members {
            if let Some(member) = member? {
                if visit(member) == ControlFlow::Break(()) {
                    return Ok(());
                }
            }
        }
        start = end;
    }
    Ok(())
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

/// One node as a member (`None` for a directory), its data read when it is a file.
fn member<'a>(
    fs: &FilesystemReader<'_>,
    node: &Node<SquashfsFileReader>,
    limit: u64,
) -> Result<Option<Member<'a>>, Corrupt> {
    let full = node.fullpath.as_os_str().as_encoded_bytes();
    let name = full.strip_prefix(b"/").unwrap_or(full).to_vec();
    Ok(Some(match &node.inner {
        InnerNode::Dir(_) => return Ok(None),
        InnerNode::File(file) => file_member(name, file.file_len() as u64, limit, fs.file(file).reader())?,
        InnerNode::Symlink(link) => Member::Link {
            name,
            target: link.link.as_os_str().as_encoded_bytes().to_vec(),
            hard: false,
        },
        _ => Member::Special { name },
    }))
}
