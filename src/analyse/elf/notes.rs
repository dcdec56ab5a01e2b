//! The GNU build-id note (NT_GNU_BUILD_ID): the linker's hash of the binary, which ties a
//! stripped file to its debug symbols and to the build that made it.

use goblin::elf::note::NT_GNU_BUILD_ID;

use super::layout::Layout;
use super::text::hex;

/// At most this many notes are looked at; a binary carries a handful.
const MAX_NOTES: usize = 256;
/// Build-ids are 8 to 32 bytes (xxhash, md5, sha1, sha256); a longer note is not one.
const MAX_BUILD_ID: usize = 64;

/// The build-id in hex, from a note section or else a PT_NOTE segment.
pub(super) fn build_id(layout: &Layout<'_>) -> Option<String> {
    let bytes = layout.bytes;
    let sections = layout.elf.iter_note_sections(bytes, None).into_iter().flatten();
    let segments = layout.elf.iter_note_headers(bytes).into_iter().flatten();
    sections
        .chain(segments)
        .take(MAX_NOTES)
        .filter_map(Result::ok)
        .find(|n| n.n_type == NT_GNU_BUILD_ID && n.name == "GNU" && !n.desc.is_empty() && n.desc.len() <= MAX_BUILD_ID)
        .map(|n| hex(n.desc))
}
