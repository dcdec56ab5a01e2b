//! tar (ustar, GNU, PAX) through the `tar` crate, which handles long names and PAX headers.
//! Read member by member from memory or from a stream (a `tar.gz` as it decodes): tar is
//! sequential, so the archive is never held whole, only the member being handed over.

use super::{Corrupt, Member, Visit};
use std::borrow::Cow;
use std::io::Read;
use std::ops::ControlFlow;

pub fn read<'a>(reader: impl Read, limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries().map_err(|e| Corrupt(e.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|e| Corrupt(e.to_string()))?;
        let name = entry.path_bytes().into_owned();
        let kind = entry.header().entry_type();
        let member = if kind.is_file() || kind == tar::EntryType::Continuous || kind.is_gnu_sparse() {
            let size = entry.size();
            if size > limit {
                Member::TooBig { name, size }
            } else {
                Member::File {
                    name,
                    data: Cow::Owned(super::read_sized(entry, size).map_err(|e| Corrupt(e.to_string()))?),
                }
            }
        } else if kind.is_symlink() || kind.is_hard_link() {
            let target = entry.link_name_bytes().map(|t| t.into_owned()).unwrap_or_default();
            Member::Link {
                name,
                target,
                hard: kind.is_hard_link(),
            }
        } else if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        } else {
            Member::Special { name }
        };
        if visit(member) == ControlFlow::Break(()) {
            break;
        }
    }
    Ok(())
}
