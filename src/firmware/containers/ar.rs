//! Unix ar archives (and so Debian packages: `debian-binary`, `control.tar.*`, `data.tar.*`)
//! through the `ar` crate, which reads the GNU and BSD name variants.

use super::{file_member, Corrupt, Visit};
use std::ops::ControlFlow;

pub fn read<'a>(bytes: &'a [u8], limit: u64, visit: &mut Visit<'_, 'a>) -> Result<(), Corrupt> {
    let mut archive = ar::Archive::new(bytes);
    while let Some(entry) = archive.next_entry() {
        let entry = entry.map_err(|e| Corrupt(e.to_string()))?;
        let name = entry.header().identifier().to_vec();
        let size = entry.header().size();
        let member = file_member(name, size, limit, entry)?;
        if visit(member) == ControlFlow::Break(()) {
            break;
        }
    }
    Ok(())
}
