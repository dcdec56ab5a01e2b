//! Unix ar archives (and so Debian packages: `debian-binary`, `control.tar.*`, `data.tar.*`)
//! through the `ar` crate, which reads the GNU and BSD name variants.

use super::{read_bounded, Corrupt, Member, Visit};
use std::borrow::Cow;
use std::ops::ControlFlow;

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let mut archive = ar::Archive::new(bytes);
    while let Some(entry) = archive.next_entry() {
        let entry = entry.map_err(|e| Corrupt(e.to_string()))?;
        let name = entry.header().identifier().to_vec();
        let size = entry.header().size();
        let member = if size > limit {
            Member::TooBig { name, size }
        } else {
            match read_bounded(entry, limit).map_err(|e| Corrupt(e.to_string()))? {
                Some(data) => Member::File {
                    name,
                    data: Cow::Owned(data),
                },
                None => Member::TooBig { name, size },
            }
        };
        if visit(member) == ControlFlow::Break(()) {
            break;
        }
    }
    Ok(())
}
