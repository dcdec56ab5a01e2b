//! The ELF's structure as far as it can be read: the header, then the program and section header
//! tables, each read by goblin on its own and clamped to the bytes present, so a truncated file,
//! a table pointing past the end or an absurd count loses that table only, not the whole file.
//! Every section's bytes are a bounded slice of the file; bytes after the last table (a module
//! signature, padding, a second image) are simply never looked at.

use goblin::container::Ctx;
use goblin::elf::program_header::PT_LOAD;
use goblin::elf::section_header::{SHN_XINDEX, SHT_NOBITS};
use goblin::elf::{Elf as GoblinElf, Header, ProgramHeader, SectionHeader};

use super::text::cstr;

/// Section names longer than this are cut; the names looked up are a dozen bytes.
const MAX_NAME: usize = 64;

/// A parsed ELF: goblin's `Elf`, filled lazily with only the tables read here (no symbol,
/// relocation or hash tables, which the analyser does not need and which cost time and memory on
/// large binaries), plus the section-name table.
pub(super) struct Layout<'a> {
    pub bytes: &'a [u8],
    pub elf: GoblinElf<'a>,
    pub ctx: Ctx,
    /// The section header string table, empty when absent or out of bounds.
    names: &'a [u8],
}

impl<'a> Layout<'a> {
    /// `None` when the bytes do not even hold an ELF header of a known class and byte order.
    pub fn parse(bytes: &'a [u8]) -> Option<Self> {
        let header = GoblinElf::parse_header(bytes).ok()?;
        let ctx = Ctx::new(header.container().ok()?, header.endianness().ok()?);
        let mut elf = GoblinElf::lazy_parse(header).ok()?;
        elf.program_headers = program_headers(bytes, &header, ctx);
        elf.section_headers = section_headers(bytes, &header, ctx);
        let mut layout = Layout {
            bytes,
            elf,
            ctx,
            names: &[],
        };
        let mut index = usize::from(header.e_shstrndx);
        if u32::from(header.e_shstrndx) == SHN_XINDEX {
            // The real index is kept in the first section header's sh_link when it overflows.
            index = layout.elf.section_headers.first().map_or(0, |s| s.sh_link as usize);
        }
        if index != 0 {
            layout.names = layout.elf.section_headers.get(index).map_or(&[], |s| layout.data(s));
        }
        Some(layout)
    }

    pub fn header(&self) -> &Header {
        &self.elf.header
    }

    pub fn sections(&self) -> &[SectionHeader] {
        &self.elf.section_headers
    }

    pub fn segments(&self) -> &[ProgramHeader] {
        &self.elf.program_headers
    }

    /// A section's name; empty when the name table is missing or the index is out of it.
    pub fn name(&self, section: &SectionHeader) -> &'a [u8] {
        cstr(self.names, section.sh_name, MAX_NAME).unwrap_or_default()
    }

    /// The first section of that name.
    pub fn section(&self, name: &[u8]) -> Option<&SectionHeader> {
        self.sections().iter().find(|s| self.name(s) == name)
    }

    /// A section's bytes, cut at the end of the file (a truncated section still gives what is
    /// there); empty for `SHT_NOBITS` and for offsets past the end.
    pub fn data(&self, section: &SectionHeader) -> &'a [u8] {
        if section.sh_type == SHT_NOBITS {
            return &[];
        }
        range(self.bytes, section.sh_offset, section.sh_size)
    }

    /// The file bytes from a virtual address to the end of the loaded segment (or, without
    /// program headers, the allocated section) holding it.
    pub fn at_address(&self, address: u64) -> Option<&'a [u8]> {
        let segment = self
            .segments()
            .iter()
            .filter(|p| p.p_type == PT_LOAD)
            .find_map(|p| within(address, p.p_vaddr, p.p_filesz).map(|skip| (p.p_offset, p.p_filesz, skip)));
        let (offset, size, skip) = segment.or_else(|| {
            self.sections()
                .iter()
                .filter(|s| s.sh_addr != 0 && s.sh_type != SHT_NOBITS)
                .find_map(|s| within(address, s.sh_addr, s.sh_size).map(|skip| (s.sh_offset, s.sh_size, skip)))
        })?;
        let data = range(self.bytes, offset, size);
        data.get(usize::try_from(skip).ok()?..)
    }
}

/// `address - start` when the address lies in `[start, start + size)`.
fn within(address: u64, start: u64, size: u64) -> Option<u64> {
    let skip = address.checked_sub(start)?;
    (skip < size).then_some(skip)
}

/// `bytes[offset .. offset + size]`, cut at the end of `bytes`; empty when `offset` is past it.
pub(super) fn range(bytes: &[u8], offset: u64, size: u64) -> &[u8] {
    let Ok(start) = usize::try_from(offset) else {
        return &[];
    };
    let end = usize::try_from(size).map_or(bytes.len(), |size| start.saturating_add(size).min(bytes.len()));
    bytes.get(start..end).unwrap_or_default()
}

/// How many table entries of `entry` bytes fit between `offset` and the end of the file.
fn fitting(bytes: &[u8], offset: u64, count: usize, entry: usize) -> usize {
    let room = usize::try_from(offset).map_or(0, |o| bytes.len().saturating_sub(o));
    count.min(room / entry.max(1))
}

fn program_headers(bytes: &[u8], header: &Header, ctx: Ctx) -> Vec<ProgramHeader> {
    if header.e_phoff == 0 {
        return Vec::new();
    }
    let count = fitting(
        bytes,
        header.e_phoff,
        usize::from(header.e_phnum),
        ProgramHeader::size(ctx),
    );
    let Ok(offset) = usize::try_from(header.e_phoff) else {
        return Vec::new();
    };
    ProgramHeader::parse(bytes, offset, count, ctx).unwrap_or_default()
}

fn section_headers(bytes: &[u8], header: &Header, ctx: Ctx) -> Vec<SectionHeader> {
    let Ok(offset) = usize::try_from(header.e_shoff) else {
        return Vec::new();
    };
    if offset == 0 {
        return Vec::new();
    }
    let entry = SectionHeader::size(ctx);
    let count = if header.e_shnum == 0 {
        // More than 0xff00 sections: the count is the first header's sh_size. goblin reads it,
        // and refuses a count larger than the file could hold.
        0
    } else {
        match fitting(bytes, header.e_shoff, usize::from(header.e_shnum), entry) {
            0 => return Vec::new(),
            n => n,
        }
    };
    SectionHeader::parse(bytes, offset, count, ctx).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_cut_at_the_end() {
        let bytes = [1u8, 2, 3, 4];
        assert_eq!(range(&bytes, 1, 2), &[2, 3]);
        assert_eq!(range(&bytes, 2, 100), &[3, 4]);
        assert_eq!(range(&bytes, 2, u64::MAX), &[3, 4]);
        assert!(range(&bytes, 9, 1).is_empty());
        assert!(range(&bytes, u64::MAX, u64::MAX).is_empty());
    }

    #[test]
    fn addresses_inside_a_span() {
        assert_eq!(within(0x1010, 0x1000, 0x20), Some(0x10));
        assert_eq!(within(0x1020, 0x1000, 0x20), None);
        assert_eq!(within(0x0fff, 0x1000, 0x20), None);
    }

    #[test]
    fn counts_fit_the_file() {
        let bytes = [0u8; 200];
        assert_eq!(fitting(&bytes, 64, 65535, 64), 2);
        assert_eq!(fitting(&bytes, 300, 5, 64), 0);
        assert_eq!(fitting(&bytes, u64::MAX, 5, 64), 0);
    }
}
