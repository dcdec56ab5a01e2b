//! What the dynamic linker reads: the program interpreter, the library's own name (DT_SONAME)
//! and the libraries it needs (DT_NEEDED). The dynamic table is found through its program header
//! and, when program headers are missing or broken, through the `.dynamic` section; its strings
//! through DT_STRTAB or, failing that, `.dynstr`.

use goblin::elf::dynamic::{Dynamic, DF_1_PIE, DT_NEEDED, DT_SONAME};
use goblin::elf::program_header::{PT_DYNAMIC, PT_INTERP};
use goblin::elf::section_header::SHT_DYNAMIC;
use goblin::elf::ProgramHeader;

use super::layout::{range, Layout};
use super::text::{cstr, text, MAX_TEXT};
use crate::model::Facts;

/// At most this many DT_NEEDED entries are recorded; real binaries need a few dozen.
const MAX_NEEDED: usize = 1024;

/// The dynamic table, from the program headers or else the `.dynamic` section.
pub(super) fn table(layout: &Layout<'_>) -> Option<Dynamic> {
    if let Ok(Some(found)) = Dynamic::parse(layout.bytes, layout.segments(), layout.ctx) {
        return Some(found);
    }
    let section = layout.sections().iter().find(|s| s.sh_type == SHT_DYNAMIC)?;
    // goblin reads a dynamic table through a PT_DYNAMIC header: give it one made of the section.
    let stand_in = ProgramHeader {
        p_type: PT_DYNAMIC,
        p_offset: section.sh_offset,
        // Cut at the end of the file, so a truncated table still gives its first entries.
        p_filesz: range(layout.bytes, section.sh_offset, section.sh_size).len() as u64,
        ..ProgramHeader::default()
    };
    Dynamic::parse(layout.bytes, &[stand_in], layout.ctx).ok().flatten()
}

/// Whether the dynamic table marks a position-independent executable (an `ET_DYN` that is a
/// program, not a library).
pub(super) fn is_pie(dynamic: Option<&Dynamic>) -> bool {
    dynamic.is_some_and(|d| d.info.flags_1 & DF_1_PIE != 0)
}

/// Records `soname` and `needed`.
pub(super) fn record(layout: &Layout<'_>, dynamic: &Dynamic, facts: &mut Facts) {
    let strings = strings(layout, dynamic);
    let string = |value: u64| {
        usize::try_from(value)
            .ok()
            .and_then(|at| cstr(strings, at, MAX_TEXT))
            .and_then(text)
    };
    if let Some(soname) = dynamic
        .dyns
        .iter()
        .find(|d| d.d_tag == DT_SONAME)
        .and_then(|d| string(d.d_val))
    {
        facts.property("soname", soname);
    }
    let needed = dynamic.dyns.iter().filter(|d| d.d_tag == DT_NEEDED);
    for name in needed.filter_map(|d| string(d.d_val)).take(MAX_NEEDED) {
        facts.property("needed", name);
    }
}

/// The dynamic string table: where DT_STRTAB points (goblin has turned the address into a file
/// offset), else the `.dynstr` section.
fn strings<'a>(layout: &Layout<'a>, dynamic: &Dynamic) -> &'a [u8] {
    let info = &dynamic.info;
    if info.strtab != 0 {
        let found = range(layout.bytes, info.strtab as u64, info.strsz as u64);
        if !found.is_empty() {
            return found;
        }
    }
    layout.section(b".dynstr").map_or(&[], |s| layout.data(s))
}

/// The program interpreter (`/lib/ld-musl-armhf.so.1`), from PT_INTERP or the `.interp` section.
pub(super) fn interpreter(layout: &Layout<'_>) -> Option<String> {
    let from_segment = layout
        .segments()
        .iter()
        .find(|p| p.p_type == PT_INTERP)
        .map(|p| range(layout.bytes, p.p_offset, p.p_filesz));
    let raw = from_segment
        .filter(|r| !r.is_empty())
        .or_else(|| layout.section(b".interp").map(|s| layout.data(s)))?;
    cstr(raw, 0, MAX_TEXT).and_then(text)
}
