//! ext2/3/4 filesystems through `ext4-view`, read-only, from memory or from the image's file.
//!
//! ext4-view reads through a boxed `'static` reader; an image in memory is lent to it without a
//! copy, and an image on disk is read through positioned reads of its file (a root filesystem
//! image can be gigabytes: mapped and read, every page would count in resident memory). Directories are walked depth-first
//! with a depth bound, so a corrupt directory that contains itself cannot recurse without end.

use super::{Corrupt, Member, Visit};
use ext4_view::{Ext4, Ext4Read, PathBuf};
use std::borrow::Cow;
use std::ops::ControlFlow;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Directory nesting beyond any real root filesystem.
const MAX_DIR_DEPTH: usize = 128;

/// The image, lent to ext4-view.
struct Lent(&'static [u8]);

impl Ext4Read for Lent {
    fn read(&mut self, start_byte: u64, dst: &mut [u8]) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let src = usize::try_from(start_byte)
            .ok()
            .and_then(|start| self.0.get(start..start.checked_add(dst.len())?))
            .ok_or_else(|| format!("read of {} bytes at {start_byte} past the end of the image", dst.len()))?;
        dst.copy_from_slice(src);
        Ok(())
    }
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    // SAFETY: ext4-view wants a `'static` reader. The filesystem and everything made from it
    // (directory iterators, reads) live only inside this call, which holds the borrow of
    // `bytes`: nothing of it is returned, stored or sent to another thread, so the extended
    // lifetime is never observed after `bytes` is gone.
    let lent: &'static [u8] = unsafe { std::mem::transmute::<&'a [u8], &'static [u8]>(bytes) };
    read_with(Box::new(Lent(lent)), limit, visit)
}

/// The image's file, read through positioned reads (so no file offset is shared with others).
struct Positioned(std::fs::File);

impl Ext4Read for Positioned {
    fn read(&mut self, start_byte: u64, dst: &mut [u8]) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        use std::os::unix::fs::FileExt;
        // past the end, the same words as an image in memory (a damaged image reads the same
        // from either)
        self.0.read_exact_at(dst, start_byte).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                format!("read of {} bytes at {start_byte} past the end of the image", dst.len()).into()
            }
            _ => e.into(),
        })
    }
}

/// The same, from the image's file.
pub fn read_file<'a>(file: std::fs::File, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    read_with(Box::new(Positioned(file)), limit, visit)
}

fn read_with<'a>(reader: Box<dyn Ext4Read>, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    catch_unwind(AssertUnwindSafe(|| {
        let fs = Ext4::load(reader).map_err(|e| Corrupt(format!("superblock or group descriptors: {e}")))?;
        let root = PathBuf::try_from("/").map_err(|e| Corrupt(e.to_string()))?;
        let entries = fs
            .read_dir(&root)
            .map_err(|e| Corrupt(format!("root directory (inode 2): {e}")))?;
        dir(&fs, entries, b"", 0, limit, visit).map(|_| ())
    }))
    .unwrap_or_else(|_| Err(Corrupt("ext4 reader failed on malformed input".to_string())))
}

/// The entries of one directory, depth first. Damage met on the way is reported at the entry it
/// concerns (a subdirectory that cannot be read, a file whose inode or blocks cannot be) and the
/// walk goes on with the next entry; a directory whose own blocks fail mid-listing is reported
/// once and left, since its iterator cannot go on past the failing block.
fn dir<'a>(
    fs: &Ext4,
    entries: ext4_view::ReadDir,
    shown: &[u8],
    depth: usize,
    limit: u64,
    visit: &mut Visit<'_, 'a>,
) -> Result<ControlFlow<()>, Corrupt> {
    if depth > MAX_DIR_DEPTH {
        return Err(Corrupt(format!("directories nested more than {MAX_DIR_DEPTH} deep")));
    }
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let name = if shown.is_empty() {
                    b"/".to_vec()
                } else {
                    shown.to_vec()
                };
                let message = format!("directory cannot be read to its end: {e}");
                if visit(Member::Damaged { name, message }) == ControlFlow::Break(()) {
                    return Ok(ControlFlow::Break(()));
                }
                break;
            }
        };
        let own = entry.file_name();
        if own.as_ref() == b"." || own.as_ref() == b".." {
            continue;
        }
        let full = entry.path();
        let bytes: &[u8] = full.as_ref();
        let name = bytes.strip_prefix(b"/").unwrap_or(bytes).to_vec();
        let member = match entry_member(fs, &entry, &full, name, limit) {
            Entry::Member(member) => member,
            Entry::Dir(name) => match fs.read_dir(&full) {
                Ok(entries) => {
                    if dir(fs, entries, &name, depth + 1, limit, visit)? == ControlFlow::Break(()) {
                        return Ok(ControlFlow::Break(()));
                    }
                    continue;
                }
                Err(e) => Member::Damaged {
                    name,
                    message: format!("directory cannot be read: {e}"),
                },
            },
        };
        if visit(member) == ControlFlow::Break(()) {
            return Ok(ControlFlow::Break(()));
        }
    }
    Ok(ControlFlow::Continue(()))
}

/// What one directory entry is: a member, or a directory to enter.
enum Entry<'a> {
    Member(Member<'a>),
    Dir(Vec<u8>),
}

/// One entry as a member; an entry whose inode, link target or contents cannot be read is a
/// damaged member saying which.
fn entry_member<'a>(fs: &Ext4, entry: &ext4_view::DirEntry, full: &PathBuf, name: Vec<u8>, limit: u64) -> Entry<'a> {
    let damaged = |name: Vec<u8>, what: &str, e: ext4_view::Ext4Error| {
        Entry::Member(Member::Damaged {
            name,
            message: format!("{what}: {e}"),
        })
    };
    let kind = match entry.file_type() {
        Ok(kind) => kind,
        Err(e) => return damaged(name, "inode cannot be read", e),
    };
    if kind.is_dir() {
        return Entry::Dir(name);
    }
    Entry::Member(if kind.is_symlink() {
        match fs.read_link(full) {
            Ok(target) => {
                let target: &[u8] = target.as_ref();
                Member::Link {
                    name,
                    target: target.to_vec(),
                    hard: false,
                }
            }
            Err(e) => return damaged(name, "link target cannot be read", e),
        }
    } else if kind.is_regular_file() {
        let size = match fs.symlink_metadata(full) {
            Ok(metadata) => metadata.len(),
            Err(e) => return damaged(name, "inode cannot be read", e),
        };
        if size > limit {
            Member::TooBig { name, size }
        } else {
            match fs.read(full) {
                Ok(data) => Member::File {
                    name,
                    data: Cow::Owned(data),
                },
                Err(e) => return damaged(name, &format!("contents ({size} bytes) cannot be read"), e),
            }
        }
    } else {
        Member::Special { name }
    })
}
