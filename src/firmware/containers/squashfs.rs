//! SquashFS 4 (gzip, xz, zstd) through `backhand`, read from memory.
//!
//! backhand parses hostile tables with its own checks; a panic inside it is caught and reported
//! as a corrupt filesystem, so one bad image cannot end the walk.

use super::{file_member, Corrupt, Member, Visit};
use backhand::{FilesystemReader, InnerNode};
use std::ops::ControlFlow;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    catch_unwind(AssertUnwindSafe(|| walk(bytes, limit, visit)))
        .unwrap_or_else(|_| Err(Corrupt("squashfs reader failed on malformed input".to_string())))
}

fn walk<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let fs = FilesystemReader::from_reader(std::io::Cursor::new(bytes)).map_err(|e| Corrupt(e.to_string()))?;
    for node in fs.files() {
        let full = node.fullpath.as_os_str().as_encoded_bytes();
        let name = full.strip_prefix(b"/").unwrap_or(full).to_vec();
        let member = match &node.inner {
            InnerNode::Dir(_) => continue,
            InnerNode::File(file) => file_member(name, file.file_len() as u64, limit, fs.file(file).reader())?,
            InnerNode::Symlink(link) => Member::Link {
                name,
                target: link.link.as_os_str().as_encoded_bytes().to_vec(),
                hard: false,
            },
            _ => Member::Special { name },
        };
        if visit(member) == ControlFlow::Break(()) {
            break;
        }
    }
    Ok(())
}
