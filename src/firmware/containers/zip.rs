//! zip (also jar, apk, whl) through the `zip` crate. Each member's limit also bounds its
//! expansion ratio against its compressed size, so a zip bomb stops at the first member.

use super::{file_member, Corrupt, Member, Visit};
use std::io::Read;
use std::ops::ControlFlow;

/// Unix mode bits of a symbolic link, as zip stores them in the external attributes.
const S_IFLNK: u32 = 0o120000;
const S_IFMT: u32 = 0o170000;

/// True when the bytes hold a zip central directory the reader can open.
pub fn opens(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok()
}

pub fn read<'a>(bytes: &'a [u8], limit: u64, max_ratio: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| Corrupt(e.to_string()))?;
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| Corrupt(e.to_string()))?;
        if file.is_dir() {
            continue;
        }
        let name = file.name_raw().to_vec();
        let is_link = file.unix_mode().is_some_and(|m| m & S_IFMT == S_IFLNK);
        let member_limit = limit.min(file.compressed_size().saturating_mul(max_ratio).max(64 << 10));
        let member = if is_link {
            let mut target = Vec::new();
            (&mut file)
                .take(4096)
                .read_to_end(&mut target)
                .map_err(|e| Corrupt(e.to_string()))?;
            Member::Link {
                name,
                target,
                hard: false,
            }
        } else {
            let size = file.size();
            file_member(name, size, member_limit, &mut file)?
        };
        if visit(member) == ControlFlow::Break(()) {
            break;
        }
    }
    Ok(())
}
