//! FAT12/16/32 filesystems (EFI system partitions, boot partitions) through `fatfs`, read-only.
//! fatfs wants a read-write-seek device, so it is given a private copy of the (member-limited)
//! image; nothing is ever written back.

use super::{file_member, Corrupt, Member, Visit};
use std::ops::ControlFlow;
use std::panic::{catch_unwind, AssertUnwindSafe};

type Fs = fatfs::FileSystem<std::io::Cursor<Vec<u8>>>;

/// Directory nesting beyond any real boot partition.
const MAX_DIR_DEPTH: usize = 64;

/// A FAT boot sector: the jump instruction, 512-byte-multiple sectors and a FAT type string.
pub fn is_fat(b: &[u8]) -> bool {
    let jump = matches!(b.first(), Some(0xeb) | Some(0xe9));
    let sector = b.get(11..13).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let named = b.get(54..57) == Some(b"FAT") || b.get(82..87) == Some(b"FAT32");
    jump && named && matches!(sector, Some(512 | 1024 | 2048 | 4096)) && b.get(510..512) == Some(b"\x55\xaa")
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    catch_unwind(AssertUnwindSafe(|| {
        let fs = Fs::new(std::io::Cursor::new(bytes.to_vec()), fatfs::FsOptions::new())
            .map_err(|e| Corrupt(format!("boot sector or FAT: {e}")))?;
        let root = fs.root_dir();
        let walked = dir(&root, "", 0, limit, visit).map(|_| ());
        drop(root);
        walked
    }))
    .unwrap_or_else(|_| Err(Corrupt("FAT reader failed on malformed input".to_string())))
}

fn dir<'a>(
    d: &fatfs::Dir<'_, std::io::Cursor<Vec<u8>>>,
    prefix: &str,
    depth: usize,
    limit: u64,
    visit: &mut Visit<'_, 'a>,
) -> Result<ControlFlow<()>, Corrupt> {
    if depth > MAX_DIR_DEPTH {
        return Err(Corrupt(format!("directories nested more than {MAX_DIR_DEPTH} deep")));
    }
    for entry in d.iter() {
        let entry = entry.map_err(|e| {
            let shown = if prefix.is_empty() { "/" } else { prefix };
            Corrupt(format!("directory {shown} cannot be read to its end: {e}"))
        })?;
        let own = entry.file_name();
        if own == "." || own == ".." {
            continue;
        }
        let name = format!("{prefix}{own}");
        if entry.is_dir() {
            if dir(&entry.to_dir(), &format!("{name}/"), depth + 1, limit, visit)? == ControlFlow::Break(()) {
                return Ok(ControlFlow::Break(()));
            }
            continue;
        }
        // a file whose clusters cannot be read is that file's damage; the others are read
        let member: Member<'a> = file_member(name.clone().into_bytes(), entry.len(), limit, entry.to_file())
            .unwrap_or_else(|Corrupt(e)| Member::Damaged {
                name: name.into_bytes(),
                message: format!("contents ({} bytes) cannot be read: {e}", entry.len()),
            });
        if visit(member) == ControlFlow::Break(()) {
            return Ok(ControlFlow::Break(()));
        }
    }
    Ok(ControlFlow::Continue(()))
}
